-- Powers in time: each power row has its own dates in force, what ended it and what replaced it;
-- instruments carry their relations to other instruments (the "lược đồ"); Government resolutions
-- (nghị quyết của Chính phủ) become an instrument kind. Loaded from data/powers by etl/powers.py.

ALTER TABLE geo.instruments DROP CONSTRAINT instruments_kind_check;
ALTER TABLE geo.instruments ADD CONSTRAINT instruments_kind_check
    CHECK (kind IN ('luat', 'nghi_quyet_qh', 'nghi_quyet_ubtvqh', 'nghi_quyet_cp', 'nghi_dinh', 'quyet_dinh', 'thong_tu'));
ALTER TABLE geo.instruments
    ADD COLUMN package          text,   -- 'june-2025': one of the 28 decentralisation decrees of June 2025
    ADD COLUMN no_powers_reason text,   -- why an instrument has no power rows (central-to-central, text not found)
    ADD COLUMN verified         text;   -- what the project itself read, and when

ALTER TABLE geo.powers
    ADD COLUMN valid_from       date,   -- the row's own first day, when later than its instrument's
    ADD COLUMN valid_to         date,   -- the row's own last day in force (inclusive)
    ADD COLUMN ended_by         text,   -- instrument id that ended the row (or derived from a whole-text repeal)
    ADD COLUMN ended_by_article text,   -- e.g. '49/2026/NĐ-CP Điều 16 khoản 3 điểm đ (đ2)'
    ADD COLUMN replaced_by      text,   -- ';'-separated power ids that took this power over
    ADD COLUMN may_redelegate   boolean, -- null: the text read does not say
    ADD COLUMN verified         text,
    ADD COLUMN notes            text,
    -- derived: the days the row is in force, [start, end): its instrument's time in force (with its
    -- relations: a whole-text repeal or replacement ends it, an extension moves its sunset) cut by
    -- the row's own valid_from / valid_to
    ADD COLUMN valid            daterange,
    -- derived: why the row ends: 'ended_by' (a later instrument), 'sunset' (its instrument's expiry),
    -- 'own_end' (a date of the row's own, e.g. a chapter with its own end); null while open-ended
    ADD COLUMN end_kind         text;

CREATE TABLE geo.instrument_relations (
    instrument_id   text NOT NULL,   -- the later text
    relation        text NOT NULL CHECK (relation IN ('amends', 'repeals', 'replaces', 'details', 'extends')),
    target_id       text NOT NULL,   -- the text it acts on
    target_article  text,            -- null: the whole text
    on_date         date,            -- the day it takes effect; null: not confirmed
    until           date,            -- 'extends': the target's new first day out of force
    article         text,            -- the article of the later text that does it
    source_url      text NOT NULL,
    confidence      text NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    notes           text
);
CREATE INDEX instrument_relations_target_idx ON geo.instrument_relations (target_id);
CREATE INDEX instrument_relations_instrument_idx ON geo.instrument_relations (instrument_id);

-- One unit's totals, one way everywhere (API, tiles, viewer, maps): own powers, powers inherited
-- through a special mechanism of its province, and total = own + inherited. by_sector and
-- by_mechanism count all held powers (own and inherited), as /v1/units/{code}/powers does.
DROP FUNCTION geo.unit_power_counts(date);
CREATE FUNCTION geo.unit_power_counts(as_of date)
RETURNS TABLE (unit_id integer, code text, total integer, by_sector jsonb, by_mechanism jsonb, inherited integer,
               own integer)
LANGUAGE sql STABLE AS $$
    WITH held AS (
        SELECT up.unit_id, p.sector, p.mechanism, up.inherited
        FROM geo.unit_powers up JOIN geo.powers p ON p.id = up.power_id
        WHERE up.valid @> as_of),
    tot AS (
        SELECT h.unit_id, count(*) FILTER (WHERE NOT h.inherited) AS own, count(*) FILTER (WHERE h.inherited) AS inh
        FROM held h GROUP BY h.unit_id),
    sec AS (
        SELECT s.unit_id, jsonb_object_agg(s.sector, s.n) AS j
        FROM (SELECT h.unit_id, h.sector, count(*) AS n FROM held h GROUP BY 1, 2) s
        GROUP BY s.unit_id),
    mech AS (
        SELECT m.unit_id, jsonb_object_agg(m.mechanism, m.n) AS j
        FROM (SELECT h.unit_id, h.mechanism, count(*) AS n FROM held h GROUP BY 1, 2) m
        GROUP BY m.unit_id)
    SELECT u.id, u.code, (coalesce(t.own, 0) + coalesce(t.inh, 0))::integer, coalesce(sec.j, '{}'::jsonb),
           coalesce(mech.j, '{}'::jsonb), coalesce(t.inh, 0)::integer, coalesce(t.own, 0)::integer
    FROM geo.units u
    LEFT JOIN tot t ON t.unit_id = u.id
    LEFT JOIN sec ON sec.unit_id = u.id
    LEFT JOIN mech ON mech.unit_id = u.id
    WHERE u.valid @> as_of AND u.level IN ('province', 'commune')
$$;
