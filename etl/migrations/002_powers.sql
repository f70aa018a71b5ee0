-- Powers catalogue: legal instruments, the powers they move, and the unit versions that hold them.
-- Loaded from data/powers (the project's own catalogue) by etl/powers.py (every column of the catalogue, plus
-- derived columns marked below).

CREATE TABLE geo.instruments (
    id              text PRIMARY KEY,
    number          text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('luat', 'nghi_quyet_qh', 'nghi_quyet_ubtvqh', 'nghi_dinh',
                                                  'quyet_dinh', 'thong_tu')),
    title_vi        text NOT NULL,
    title_en        text,
    issuer          text NOT NULL,
    signed          date,
    effective       date,            -- null: not confirmed in a source read
    expires         date,            -- sunset clause read in a source; null: none known
    sector          text NOT NULL,
    scope           text NOT NULL,   -- 'national' or ';'-separated province codes
    source_url      text NOT NULL,
    source_checked  text,            -- ' ; '-separated
    confidence      text NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    notes           text,
    -- derived: [effective, expires), an unconfirmed effective date taken as the reform day 2025-07-01
    in_force        daterange NOT NULL,
    effective_confirmed boolean NOT NULL,
    search_key      text NOT NULL    -- folded number and titles
);

CREATE TABLE geo.powers (
    id              text PRIMARY KEY,
    instrument_id   text NOT NULL REFERENCES geo.instruments (id),
    article         text,            -- null: the source read did not name the article
    sector          text NOT NULL,
    holder_level    text NOT NULL CHECK (holder_level IN ('province', 'commune')),
    holder_body     text NOT NULL,
    mechanism       text NOT NULL CHECK (mechanism IN ('phan_quyen', 'phan_cap', 'uy_quyen')),
    from_level      text NOT NULL CHECK (from_level IN ('central', 'province', 'district_abolished')),
    applies_to      text NOT NULL,   -- 'all' or ';'-separated selectors (xa, 79, dac_khu@91, ...)
    summary_vi      text NOT NULL,
    summary_en      text NOT NULL,
    source_url      text,            -- ' ; '-separated
    confidence      text NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    search_key      text NOT NULL    -- derived: folded summaries, holder body, article, instrument number
);
CREATE INDEX powers_instrument_idx ON geo.powers (instrument_id);

-- Which unit version holds which power on which days: the version's validity intersected with the
-- instrument's time in force. No foreign keys: the load resolves these rows from the staged tables in
-- the same transaction, and keys here would make the delete-and-insert swap check every row.
CREATE TABLE geo.power_units (
    power_id        text NOT NULL,
    unit_id         integer NOT NULL,    -- geo.units.id (a unit version)
    selector        text NOT NULL,       -- the applies_to selector that matched
    valid           daterange NOT NULL,
    PRIMARY KEY (power_id, unit_id)
);
CREATE INDEX power_units_unit_idx ON geo.power_units (unit_id);

-- What each unit version holds, own or inherited: a commune also holds, marked as inherited, the
-- province-level powers its province has under a selector other than 'all' (special mechanisms:
-- the capital law, Hồ Chí Minh City's resolutions, centrally governed cities...).
CREATE VIEW geo.unit_powers AS
SELECT pu.unit_id, pu.power_id, pu.selector, pu.valid, false AS inherited, NULL::integer AS through_unit_id
FROM geo.power_units pu
UNION ALL
SELECT c.id, pu.power_id, pu.selector, c.valid * pu.valid, true, prov.id
FROM geo.power_units pu
JOIN geo.powers p ON p.id = pu.power_id AND p.holder_level = 'province' AND p.applies_to <> 'all'
JOIN geo.units prov ON prov.id = pu.unit_id
JOIN geo.units c ON c.level = 'commune' AND c.province_code = prov.code AND c.valid && pu.valid;

-- Power counts per unit version valid on a day, for joining onto layers and tiles:
--   ... LEFT JOIN geo.unit_power_counts(day) pc ON pc.unit_id = u.id
-- total, by_sector and by_mechanism count the unit's own powers; inherited those held through its
-- province's special mechanisms. Every province and commune valid that day has a row (zeros too).
CREATE FUNCTION geo.unit_power_counts(as_of date)
RETURNS TABLE (unit_id integer, code text, total integer, by_sector jsonb, by_mechanism jsonb, inherited integer)
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
        FROM (SELECT h.unit_id, h.sector, count(*) AS n FROM held h WHERE NOT h.inherited GROUP BY 1, 2) s
        GROUP BY s.unit_id),
    mech AS (
        SELECT m.unit_id, jsonb_object_agg(m.mechanism, m.n) AS j
        FROM (SELECT h.unit_id, h.mechanism, count(*) AS n FROM held h WHERE NOT h.inherited GROUP BY 1, 2) m
        GROUP BY m.unit_id)
    SELECT u.id, u.code, coalesce(t.own, 0)::integer, coalesce(sec.j, '{}'::jsonb), coalesce(mech.j, '{}'::jsonb),
           coalesce(t.inh, 0)::integer
    FROM geo.units u
    LEFT JOIN tot t ON t.unit_id = u.id
    LEFT JOIN sec ON sec.unit_id = u.id
    LEFT JOIN mech ON mech.unit_id = u.id
    WHERE u.valid @> as_of AND u.level IN ('province', 'commune')
$$;
