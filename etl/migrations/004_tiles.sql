-- Shapes for vector tiles and GeoJSON layers: every post-reform unit version's boundary, per zoom
-- band, in Web Mercator, simplified as a coverage (each shared edge once) so neighbours keep
-- sharing their boundary at every zoom. Built by the load part etl/tiles.py.
CREATE TABLE geo.unit_shapes (
    unit_id  integer  NOT NULL REFERENCES geo.units (id),
    zband    smallint NOT NULL,        -- index into geodata.tiles.BANDS
    npoints  integer  NOT NULL,
    geom     geometry(MultiPolygon, 3857) NOT NULL,
    PRIMARY KEY (unit_id, zband)
);
-- Vertices compress poorly; skipping compression makes reading a large commune cheaper.
ALTER TABLE geo.unit_shapes ALTER COLUMN geom SET STORAGE EXTERNAL;
CREATE INDEX unit_shapes_band_geom_idx ON geo.unit_shapes USING gist (zband, geom);
