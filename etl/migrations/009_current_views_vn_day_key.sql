-- geo_current.* again (005), with two fixes for the GIS clients that read them straight from the
-- database:
-- * the day is Vietnam's (Asia/Ho_Chi_Minh), whatever the session's time zone: with CURRENT_DATE a
--   UTC session saw yesterday's units between 00:00 and 07:00 Vietnam time, unlike the API;
-- * a stable integer key first, `fid` = the official code as a number (00070 -> 70; unique per level
--   and day, unchanged across reloads), which QGIS offers as the key of a view (it looks for an
--   integer column) instead of refusing the view without `key='code'`.
DROP VIEW IF EXISTS geo_current.communes;
DROP VIEW IF EXISTS geo_current.provinces;

CREATE VIEW geo_current.communes AS
SELECT code::integer AS fid, code, name, full_name, type, province_code, population, area_km2, geom
FROM geo.units
WHERE level = 'commune' AND valid @> (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;

CREATE VIEW geo_current.provinces AS
SELECT code::integer AS fid, code, name, full_name, type, province_code, population, area_km2, geom
FROM geo.units
WHERE level = 'province' AND valid @> (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;

COMMENT ON VIEW geo_current.communes IS 'Communes valid today in Vietnam (Asia/Ho_Chi_Minh); key fid = code as integer';
COMMENT ON VIEW geo_current.provinces IS 'Provinces valid today in Vietnam (Asia/Ho_Chi_Minh); key fid = code as integer';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vngeo_api') THEN
        GRANT USAGE ON SCHEMA geo_current TO vngeo_api;
        GRANT SELECT ON ALL TABLES IN SCHEMA geo_current TO vngeo_api;
    END IF;
END
$$;
