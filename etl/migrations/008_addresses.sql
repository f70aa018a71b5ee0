-- Old addresses (issue 16): the other names and types old units are written with, the official text
-- behind each lineage edge, and old centres checked against their successors.
CREATE TABLE geo.unit_aliases (
    unit_id  integer NOT NULL REFERENCES geo.units (id),
    written  text NOT NULL,           -- the name as written, without its type word ("2" of "Quận 2", "Sài Gòn")
    type     text,                    -- the type word it is written with (quan, thi_xa, ...); NULL: any
    source   text NOT NULL,           -- where the name comes from (instrument, or the package's keyword list)
    PRIMARY KEY (unit_id, written)
);
ALTER TABLE geo.lineage_edges ADD COLUMN evidence text;   -- the official text that names the edge
-- geom is the centre served (NULL: withheld); source_geom the centre as the source gave it.
ALTER TABLE geo.legacy_centres ALTER COLUMN geom DROP NOT NULL;
ALTER TABLE geo.legacy_centres ADD COLUMN source_geom geometry(Point, 4326);
ALTER TABLE geo.legacy_centres ADD COLUMN flag text;      -- NULL: inside a successor; moved; withheld
