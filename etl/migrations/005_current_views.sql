-- Today's communes and provinces as plain PostGIS views, for tools that read tables straight from
-- the database (QGIS, tipg, pygeoapi, ogr2ogr): full-resolution geometry in EPSG:4326 and the
-- main attributes. CURRENT_DATE is evaluated per query, so the views follow the calendar without
-- a reload. A load replaces rows with DELETE/INSERT into geo.units (etl/load.py _publish), which
-- leaves these views in place; a later migration that drops or retypes a column they use must
-- recreate them.
CREATE SCHEMA IF NOT EXISTS geo_current;

CREATE VIEW geo_current.communes AS
SELECT code, name, full_name, type, province_code, population, area_km2, geom
FROM geo.units
WHERE level = 'commune' AND valid @> CURRENT_DATE;

CREATE VIEW geo_current.provinces AS
SELECT code, name, full_name, type, province_code, population, area_km2, geom
FROM geo.units
WHERE level = 'province' AND valid @> CURRENT_DATE;

-- The read-only API role (absent when DATABASE_URL points at a server of its own).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vngeo_api') THEN
        GRANT USAGE ON SCHEMA geo_current TO vngeo_api;
        GRANT SELECT ON ALL TABLES IN SCHEMA geo_current TO vngeo_api;
    END IF;
END
$$;
