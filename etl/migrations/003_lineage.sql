-- Merger lineage: edges between unit versions (geo.units.id), never bare codes, because the
-- reform reused codes (new 00070 Hoàn Kiếm carries old Hàng Trống's code).
CREATE TABLE geo.lineage_edges (
    old_unit_id   integer NOT NULL REFERENCES geo.units (id),
    new_unit_id   integer NOT NULL REFERENCES geo.units (id),
    kind          text NOT NULL CHECK (kind IN ('whole', 'part', 'retyped', 'renamed')),
    old_level     text NOT NULL,                -- level of the old unit (province, district, commune)
    sources       text[] NOT NULL,              -- map_text, map_detail, vietnamadminunits, geometry, amendments, unit_lists
    signals       smallint NOT NULL,            -- independent signals: official map text, vietnamadminunits, geometry
    is_default    boolean NOT NULL DEFAULT false, -- the most likely successor of a split unit
    centre_distance_m real,                     -- old centre to the new polygon (0: inside)
    suspect       text,                         -- why the geometric check doubts the edge
    decision      text,                         -- how a disagreement between sources was decided
    effective     date NOT NULL,
    instrument    text NOT NULL,
    PRIMARY KEY (old_unit_id, new_unit_id)
);
CREATE INDEX lineage_edges_new_idx ON geo.lineage_edges (new_unit_id);

-- Old units as points: the centre of each pre-reform unit (vietnamadminunits' geocoded centres).
CREATE TABLE geo.legacy_centres (
    unit_id  integer PRIMARY KEY REFERENCES geo.units (id),
    geom     geometry(Point, 4326) NOT NULL,
    source   text NOT NULL
);
CREATE INDEX legacy_centres_geom_idx ON geo.legacy_centres USING gist (geom);
