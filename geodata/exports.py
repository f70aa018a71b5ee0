"""File downloads of the layers (GeoPackage, zipped Shapefile, FlatGeobuf, GeoParquet, GeoJSON, CSV).

Streamed, never built in memory: rows come from PostGIS through a server-side cursor in batches of
BATCH rows (WKB at full resolution), are transformed by geodata/crs.py (EPSG:6960 for VN-2000),
and flow as Arrow record batches into GDAL (pyogrio.write_arrow) or a Parquet writer, which
write a temporary file; the caller streams that file out and deletes it. Peak memory depends on
the batch, not the layer: ~150 MB above the process baseline for 100 communes (measured; most of
it allocator and libpq buffers, the Arrow batch itself is under 10 MB). Every file carries the licence, the credits and a
data dictionary in its metadata: GeoPackage metadata, a README and data_dictionary.csv in the zip,
FlatGeobuf title/description/metadata, GeoParquet key-value metadata, GeoJSON foreign members;
CSV has no metadata, so its licence goes into the HTTP headers and the data dictionary endpoint."""
from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import orjson
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geodata import crs as crsmod
from geodata import ogc_items as items
from geodata.credits import ATTRIBUTION, LICENCE, SOURCES
from geodata.errors import InvalidInput, NotFound

FORMATS = {"gpkg": "application/geopackage+sqlite3", "shp.zip": "application/zip",
           "fgb": "application/flatgeobuf", "parquet": "application/vnd.apache.parquet",
           "geojson": "application/geo+json", "csv": "text/csv"}
DRIVERS = {"gpkg": "GPKG", "shp.zip": "ESRI Shapefile", "fgb": "FlatGeobuf", "geojson": "GeoJSON", "csv": "CSV"}
BATCH = 100   # rows per batch: peak memory ~150 MB above the process baseline (measured)
ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
               "date": pa.date32()}
DESCRIPTIONS = {
    "code": "official code (General Statistics Office): 2 digits province, 5 digits commune",
    "name": "name without the type word", "full_name": "name with the type word (Phường, Xã, Tỉnh…)",
    "name_en": "English name", "full_name_en": "English name with the type",
    "type": "unit type key (tinh, thanh_pho, xa, phuong, dac_khu, …)", "level": "province or commune",
    "parent_code": "code of the parent unit", "province_code": "code of the province",
    "population": "population, official map attribute table (null where withheld, see flags in the API)",
    "area_km2": "official area in km²", "area_km2_computed": "geodesic area of the boundary on WGS 84, km²",
    "admin_center": "administrative centre (address)", "phone": "telephone", "website": "website",
    "valid_from": "first day this version of the unit is valid", "valid_to": "last day (null: still valid)",
    "generation": "the generation (set of decrees) that created this version",
    "old_code": "code of the pre-reform commune", "old_full_name": "name of the pre-reform commune",
    "old_province_code": "province code of the pre-reform commune", "new_code": "code of the new unit",
    "new_full_name": "name of the new unit on the date", "new_province_code": "province of the new unit",
    "kind": "whole: the old commune went entirely; part: partly", "default": "the most likely successor of a split",
    "suspect": "why the geometric check doubts the edge",
}
# Shapefile field names have at most 10 characters: chosen here instead of GDAL's truncation.
SHP_NAMES = {"full_name": "fullname", "full_name_en": "fullnameen", "parent_code": "parent",
             "province_code": "province", "population": "population", "area_km2_computed": "area_comp",
             "admin_center": "admincentr", "generation": "generation", "old_full_name": "old_name",
             "old_province_code": "old_prov", "new_full_name": "new_name", "new_province_code": "new_prov"}


def parse_format(name: str) -> tuple[str, str]:
    """"communes.gpkg" -> ("communes", "gpkg")."""
    for fmt in sorted(FORMATS, key=len, reverse=True):
        if name.endswith("." + fmt):
            return name[: -len(fmt) - 1], fmt
    raise NotFound(f"unknown file format in {name!r}; use one of: " + ", ".join("." + f for f in FORMATS),
                   formats=list(FORMATS))


def data_dictionary(c: items.Collection) -> list[dict]:
    return [{"name": n, "type": t, "description": DESCRIPTIONS.get(n, "")} for n, (_, t) in c.props.items()]


def _metadata(c: items.Collection, out: crsmod.Crs, as_of: date, province: str | None) -> dict[str, str]:
    return {"TITLE": f"{c.title} ({as_of.isoformat()})", "DESCRIPTION": c.description,
            "LICENCE": LICENCE, "CREDITS": ATTRIBUTION, "SOURCES": orjson.dumps(SOURCES).decode(),
            "AS_OF": as_of.isoformat(), "PROVINCE": province or "all", "CRS": out.uri,
            "TRANSFORMATION": "EPSG:6960 (Decision 05/2007/QĐ-BTNMT) for VN-2000" if out.vn2000 else "none",
            "DATA_DICTIONARY": orjson.dumps(data_dictionary(c)).decode()}


def _batches(url: str, c: items.Collection, q: items.Query, fmt: str):
    """Arrow record batches of the layer, geometry as WKB in the output CRS (x/y order)."""
    where, params = items.where_clause(c, q)
    cols = ", ".join(f"{expr} AS \"{n}\"" for n, (expr, _) in c.props.items())
    sql = f"SELECT {cols}, ST_AsBinary({c.geom}) AS geometry FROM {c.from_sql} WHERE {where} ORDER BY {c.order}"
    schema = _schema(c, fmt)
    with psycopg.connect(url) as conn, conn.cursor(name="export") as cur:
        cur.itersize = BATCH
        cur.execute(sql, params)
        while rows := cur.fetchmany(BATCH):
            geoms = shapely.from_wkb([r[-1] for r in rows])
            geoms = crsmod.transform_geoms(geoms, q.crs) if q.crs != crsmod.CRS84 else geoms
            arrays = [pa.array([r[i] for r in rows], type=schema.field(i).type) for i in range(len(c.props))]
            arrays.append(pa.array(shapely.to_wkb(geoms, flavor="iso"), type=pa.binary()))
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _schema(c: items.Collection, fmt: str) -> pa.Schema:
    names = {n: SHP_NAMES.get(n, n) if fmt == "shp.zip" else n for n in c.props}
    return pa.schema([pa.field(names[n], ARROW_TYPES[t]) for n, (_, t) in c.props.items()]
                     + [pa.field("geometry", pa.binary())])


def export_file(url: str, layer: str, fmt: str, out: crsmod.Crs, as_of: date, province: str | None,
                workdir: Path) -> Path:
    """Write the layer to a file under workdir (which the caller deletes); return its path."""
    c = items.get(layer)
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", parameter="format")
    if province is not None and not (len(province) == 2 and province.isdigit()):
        raise InvalidInput("province must be a 2-digit province code", parameter="province")
    props = items.check_props(c, {"province": province}) if province else {}
    q = items.Query(as_of=as_of, crs=out, props=props)
    meta = _metadata(c, out, as_of, province)
    reader = pa.RecordBatchReader.from_batches(_schema(c, fmt), _batches(url, c, q, fmt))
    base = f"{layer}-{as_of.isoformat()}" + (f"-{province}" if province else "")
    if fmt == "parquet":
        return _parquet(reader, workdir / f"{base}.parquet", c, out, meta)
    path = workdir / (f"{base}.shp" if fmt == "shp.zip" else f"{base}.{fmt}")
    import pyogrio
    pyogrio.write_arrow(reader, str(path), layer=layer, driver=DRIVERS[fmt], geometry_name="geometry",
                        geometry_type=c.geometry_type, crs=out.pyproj().to_wkt(), encoding="UTF-8"
                        if fmt == "shp.zip" else None, **_gdal_options(fmt, meta))
    return _zip_shapefile(path, base, c, meta) if fmt == "shp.zip" else path


def _gdal_options(fmt: str, meta: dict) -> dict:
    if fmt == "gpkg":   # dataset metadata -> gpkg_metadata (read back by GDAL as dataset metadata)
        return {"dataset_metadata": meta, "layer_options": {"IDENTIFIER": meta["TITLE"],
                                                            "DESCRIPTION": meta["LICENCE"]}}
    if fmt == "fgb":
        return {"layer_metadata": meta, "layer_options": {"TITLE": meta["TITLE"],
                                                          "DESCRIPTION": f"{meta['LICENCE']} {meta['CREDITS']}"}}
    if fmt == "geojson":
        members = {"licence": meta["LICENCE"], "attribution": meta["CREDITS"], "as_of": meta["AS_OF"],
                   "transformation": meta["TRANSFORMATION"], "data_dictionary": orjson.loads(meta["DATA_DICTIONARY"])}
        return {"layer_options": {"DESCRIPTION": meta["DESCRIPTION"], "RFC7946": "NO", "WRITE_NAME": "YES",
                                  "FOREIGN_MEMBERS_COLLECTION": orjson.dumps(members).decode()}}
    if fmt == "csv":
        return {"layer_options": {"GEOMETRY": "AS_WKT", "CREATE_CSVT": "NO"}}
    return {}


def _zip_shapefile(shp: Path, base: str, c: items.Collection, meta: dict) -> Path:
    target = shp.with_name(f"{base}.shp.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            if part != target:
                z.write(part, part.name)
        z.writestr("README.txt", readme(c, meta))
        z.writestr("data_dictionary.csv", dictionary_csv(c, shapefile=True))
    return target


def readme(c: items.Collection, meta: dict) -> str:
    lines = [meta["TITLE"], "", meta["DESCRIPTION"], "", f"Licence: {meta['LICENCE']}",
             f"Credits: {meta['CREDITS']}", f"Coordinate reference system: {meta['CRS']}",
             f"Datum transformation: {meta['TRANSFORMATION']}", f"Province filter: {meta['PROVINCE']}", "",
             "Sources:"] + [f"- {s['name']} ({s['author']}), {s['licence']}: {s['url']}" for s in SOURCES]
    lines += ["", "Fields (Shapefile name = full name: type, description):"]
    lines += [f"- {SHP_NAMES.get(d['name'], d['name'])} = {d['name']}: {d['type']}, {d['description']}"
              for d in data_dictionary(c)]
    return "\n".join(lines) + "\n"


def dictionary_csv(c: items.Collection, shapefile: bool = False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["field", "full_name", "type", "description"])
    for d in data_dictionary(c):
        w.writerow([SHP_NAMES.get(d["name"], d["name"]) if shapefile else d["name"], d["name"], d["type"],
                    d["description"]])
    return buf.getvalue()


def _parquet(reader: pa.RecordBatchReader, path: Path, c: items.Collection, out: crsmod.Crs, meta: dict) -> Path:
    """GeoParquet 1.1: WKB geometry column, "geo" metadata with the PROJJSON CRS; licence alongside."""
    geo = {"version": "1.1.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": [c.geometry_type],
                                    "crs": orjson.loads(out.pyproj().to_json())}}}
    extra = {b"geo": orjson.dumps(geo), **{f"vngeo:{k.lower()}".encode(): v.encode() for k, v in meta.items()}}
    schema = reader.schema.with_metadata(extra)
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        for batch in reader:
            w.write_batch(batch.replace_schema_metadata(extra))
    return path


def new_workdir(root: Path | None = None) -> Path:
    return Path(tempfile.mkdtemp(prefix="vngeo-export-", dir=root))
