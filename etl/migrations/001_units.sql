-- Generations, unit versions, corrections and the quality report.
CREATE SCHEMA IF NOT EXISTS geo;

CREATE TABLE geo.generations (
    id          text PRIMARY KEY,       -- '2025-07-01', or 'pre-2025'
    valid_from  date,                   -- null: before the records begin
    valid_to    date,                   -- last day (inclusive); null while current
    name        text NOT NULL,
    legal_basis text NOT NULL,
    source      text NOT NULL,
    ordinal     int  NOT NULL UNIQUE
);

-- One row per unit *version*: a code means a unit only together with a date.
CREATE TABLE geo.units (
    id                 integer PRIMARY KEY,
    code               text NOT NULL,
    level              text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    type               text NOT NULL CHECK (type IN ('tinh', 'thanh_pho', 'xa', 'phuong', 'dac_khu',
                           'huyen', 'quan', 'thi_xa', 'thanh_pho_thuoc_tinh', 'thanh_pho_thuoc_tp', 'thi_tran')),
    parent_code        text,            -- province for post-reform communes; district before the reform
    province_code      text NOT NULL,
    name               text NOT NULL,
    full_name          text NOT NULL,
    name_en            text,
    full_name_en       text,
    search_key         text NOT NULL,   -- folded name: no diacritics, lower case
    population         integer,
    area_km2           numeric(12, 2),  -- official figure
    area_km2_computed  numeric(12, 2),  -- geodesic area of geom on the WGS 84 ellipsoid
    admin_center       text,
    phone              text,
    website            text,
    before_merger      text,            -- official map attribute table
    before_merger_detail text,          -- official map unit list (often more detailed)
    gis_server_id      text,
    geom               geometry(MultiPolygon, 4326),
    label_point        geometry(Point, 4326),
    valid              daterange NOT NULL,
    generation_from    text NOT NULL REFERENCES geo.generations (id),
    sources            jsonb NOT NULL DEFAULT '{}',  -- field -> where the value came from
    flags              jsonb NOT NULL DEFAULT '{}',  -- field -> why a value is missing or doubtful
    EXCLUDE USING gist (level WITH =, code WITH =, valid WITH &&)
);
CREATE INDEX units_valid_idx ON geo.units USING gist (valid);
CREATE INDEX units_geom_idx ON geo.units USING gist (geom);
CREATE INDEX units_code_idx ON geo.units (code);
CREATE INDEX units_parent_idx ON geo.units (parent_code);
CREATE INDEX units_province_idx ON geo.units (province_code);
CREATE INDEX units_search_idx ON geo.units USING gin (search_key gin_trgm_ops);

CREATE TABLE geo.corrections (
    id          text PRIMARY KEY,
    dataset     text NOT NULL,
    key         text NOT NULL,
    field       text NOT NULL,
    from_value  text,
    to_value    text,
    action      text NOT NULL,
    applied     boolean NOT NULL,
    reason      text NOT NULL,
    source      text NOT NULL
);

CREATE TABLE geo.dataset (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version     text NOT NULL,          -- hash of the inputs: caches and indexes are keyed on it
    loaded_at   timestamptz NOT NULL,
    source_dir  text NOT NULL,
    load_seconds numeric NOT NULL,
    report      jsonb NOT NULL
);
