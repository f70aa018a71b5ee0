"""File downloads of the layers (GeoPackage, zipped Shapefile, FlatGeobuf, GeoParquet, GeoJSON, CSV).

Streamed, never built in memory: rows come from PostGIS through a server-side cursor in batches of
BATCH rows (WKB at full resolution), are transformed by geodata/crs.py (EPSG:6960 for VN-2000),
and flow as Arrow record batches into GDAL (pyogrio.write_arrow) or a Parquet writer, which
write a temporary file; the caller streams that file out and deletes it. Peak memory depends on
the batch, not the layer: ~150 MB above the process baseline for 100 communes (measured; most of
it allocator and libpq buffers, the Arrow batch itself is under 10 MB). Every file carries the licence, the
credits and a
data dictionary in its metadata: GeoPackage metadata, a README and data_dictionary.csv in the zip,
FlatGeobuf title/description/metadata, GeoParquet key-value metadata, GeoJSON foreign members;
CSV has no metadata, so its licence goes into the HTTP headers and the data dictionary endpoint."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import orjson
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geodata import crs as crsmod
from geodata.credits import ATTRIBUTION, LICENCE, SOURCES
from geodata.errors import InvalidInput, NotFound
from geodata.ogc import items
from geodata.units import fields

# How an export reaches the database: a sync connection with the service's statement timeout and
# read-only settings (geodata/dataset.py Dataset.connect, or geodata/db.py connect in the CLI).
Connect = Callable[[], psycopg.Connection]
FORMATS = {
    "gpkg": "application/geopackage+sqlite3",
    "shp.zip": "application/zip",
    "fgb": "application/flatgeobuf",
    "parquet": "application/vnd.apache.parquet",
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "csv.zip": "application/zip",
    "latlon.csv": "text/csv",
}
DRIVERS = {
    "gpkg": "GPKG",
    "shp.zip": "ESRI Shapefile",
    "fgb": "FlatGeobuf",
    "geojson": "GeoJSON",
    "csv": "CSV",
    "csv.zip": "CSV",
    "latlon.csv": "CSV",
}
SHP_TEXT_BYTES = 254  # a DBF text field holds at most 254 bytes: longer texts go to long_texts.csv
# The point of each layer that a lat/lon CSV gives (units: the label point inside the unit).
CENTRES = {"provinces": "u.label_point", "communes": "u.label_point", "old_communes": "c.geom"}
BATCH = 100  # rows per batch: peak memory ~150 MB above the process baseline (measured)
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}


def parse_format(name: str) -> tuple[str, str]:
    """ "communes.gpkg" -> ("communes", "gpkg")."""
    for fmt in sorted(FORMATS, key=len, reverse=True):
        if name.endswith("." + fmt):
            return name[: -len(fmt) - 1], fmt
    raise NotFound(
        f"unknown file format in {name!r}; use one of: " + ", ".join("." + f for f in FORMATS), formats=list(FORMATS)
    )


def data_dictionary(c: items.Collection) -> list[dict]:
    return [{"name": n, "type": t, "description": fields.BY_NAME[n].description} for n, (_, t) in c.props.items()]


def _metadata(
    c: items.Collection, out: crsmod.Crs, as_of: date, province: str | None, code: str | None = None
) -> dict[str, str]:
    return {
        "TITLE": f"{c.title} ({as_of.isoformat()})",
        "DESCRIPTION": c.description,
        "LICENCE": LICENCE,
        "CREDITS": ATTRIBUTION,
        "SOURCES": orjson.dumps(SOURCES).decode(),
        "AS_OF": as_of.isoformat(),
        "PROVINCE": province or "all",
        **({"CODE": code} if code else {}),
        "CRS": out.uri,
        "TRANSFORMATION": "EPSG:6960 (Decision 05/2007/QĐ-BTNMT) for VN-2000" if out.vn2000 else "none",
        "DATA_DICTIONARY": orjson.dumps(data_dictionary(c)).decode(),
    }


def _batches(connect: Connect, c: items.Collection, q: items.Query, fmt: str, long_texts: list | None = None):
    """Arrow record batches of the layer, geometry as WKB in the output CRS (x/y order). For a
    Shapefile, texts over SHP_TEXT_BYTES are also appended to long_texts as (code, field, text)."""
    where, params = items.where_clause(c, q)
    cols = ", ".join(f'{expr} AS "{n}"' for n, (expr, _) in c.props.items())
    geom = CENTRES[c.id] if fmt == "latlon.csv" else c.geom
    sql = f"SELECT {cols}, ST_AsBinary({geom}) AS geometry FROM {c.from_sql} WHERE {where} ORDER BY {c.order}"
    schema = _schema(c, fmt)
    texts = [i for i, (_, t) in enumerate(c.props.values()) if t == "string"]
    with connect() as conn, conn.cursor(name="export") as cur:
        cur.itersize = BATCH
        cur.execute(sql, params)
        while rows := cur.fetchmany(BATCH):
            geoms = shapely.from_wkb([r[-1] for r in rows])
            geoms = crsmod.transform_geoms(geoms, q.crs) if q.crs != crsmod.CRS84 else geoms
            arrays = [pa.array([r[i] for r in rows], type=schema.field(i).type) for i in range(len(c.props))]
            if long_texts is not None:
                names = list(c.props)
                long_texts.extend(
                    (r[0], names[i], r[i]) for r in rows for i in texts if r[i] and len(r[i].encode()) > SHP_TEXT_BYTES
                )
            if fmt == "latlon.csv":  # y then x of the point, in the output CRS (lat/lon for WGS 84)
                arrays += [pa.array(shapely.get_y(geoms)), pa.array(shapely.get_x(geoms))]
            else:
                arrays.append(pa.array(shapely.to_wkb(geoms, flavor="iso"), type=pa.binary()))
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _schema(c: items.Collection, fmt: str) -> pa.Schema:
    names = {n: fields.BY_NAME[n].shp_name if fmt == "shp.zip" else n for n in c.props}
    tail = (
        [pa.field("lat", pa.float64()), pa.field("lon", pa.float64())]
        if fmt == "latlon.csv"
        else [pa.field("geometry", pa.binary())]
    )
    return pa.schema([pa.field(names[n], ARROW_TYPES[t]) for n, (_, t) in c.props.items()] + tail)


def file_crs(out: crsmod.Crs) -> str:
    """The CRS written into files as a standard code every client recognises: EPSG:4326 for WGS 84
    (longitude/latitude order is what GeoPackage, Shapefile and GDAL store anyway), else EPSG:n."""
    return f"EPSG:{out.epsg or 4326}"


def check_request(layer: str, fmt: str) -> items.Collection:
    c = items.get(layer)
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", parameter="format")
    if fmt == "latlon.csv" and c.id not in CENTRES:
        raise NotFound(
            f"{layer} has no centre points; the lat/lon CSV is offered for {', '.join(CENTRES)}", layers=list(CENTRES)
        )
    return c


def check_filters(province: str | None, code: str | None) -> None:
    if province is not None and not (len(province) == 2 and province.isdigit()):
        raise InvalidInput("province must be a 2-digit province code", parameter="province")
    if code is not None and not (len(code) in (2, 5) and code.isdigit()):
        raise InvalidInput(
            f"code must be a unit code (2 digits: a province, 5: a commune), got {code[:20]!r}", parameter="code"
        )


def base_name(layer: str, as_of: date, province: str | None, code: str | None = None, name: str = "") -> str:
    """communes-2026-01-01[-79][-00070-hoan-kiem]: the file's name without its format."""
    return (
        f"{layer}-{as_of.isoformat()}"
        + (f"-{province}" if province else "")
        + (f"-{code}" if code else "")
        + (f"-{name}" if name else "")
    )


def export_file(
    connect: Connect,
    layer: str,
    fmt: str,
    out: crsmod.Crs,
    as_of: date,
    province: str | None,
    workdir: Path,
    code: str | None = None,
) -> Path:
    """Write the layer (one province's rows, or the unit `code`) to a file under workdir (which the
    caller deletes); return its path."""
    c = check_request(layer, fmt)
    layer = c.id
    check_filters(province, code)
    props = items.check_props(c, {"province": province, "code": code})
    q = items.Query(as_of=as_of, crs=out, props=props)
    meta = _metadata(c, out, as_of, province, code)
    long_texts: list | None = [] if fmt == "shp.zip" else None
    failed: list[psycopg.Error] = []
    reader = pa.RecordBatchReader.from_batches(_schema(c, fmt), _kept(_batches(connect, c, q, fmt, long_texts), failed))
    try:
        return _write(reader, layer, fmt, c, out, meta, base_name(layer, as_of, province, code), workdir, long_texts)
    except (RuntimeError, pa.ArrowException):
        # GDAL and Arrow report an error inside the batch stream as their own ("Error while accessing
        # batch from stream"): the database's error (a query over the statement timeout, the database
        # going away) is what happened, and the API answers it with 503.
        if failed:
            raise failed[0] from None
        raise


def _kept(batches, failed: list):
    """The batches, remembering a database error raised while reading them (see export_file)."""
    try:
        yield from batches
    except psycopg.Error as exc:
        failed.append(exc)
        raise


def _write(
    reader,
    layer: str,
    fmt: str,
    c: items.Collection,
    out: crsmod.Crs,
    meta: dict,
    base: str,
    workdir: Path,
    long_texts: list | None,
) -> Path:
    if fmt == "parquet":
        return _parquet(reader, workdir / f"{base}.parquet", c, out, meta)
    # Inside a zip the files are named after the layer (GIS clients name the layer after the file).
    suffix = {"shp.zip": f"{layer}.shp", "csv.zip": f"{layer}.csv", "latlon.csv": f"{base}.latlon.csv"}
    path = workdir / suffix.get(fmt, f"{base}.{fmt}")
    import pyogrio

    if fmt == "latlon.csv":  # no geometry column: lat and lon are plain numbers
        pyogrio.write_arrow(reader, str(path), layer=layer, driver="CSV", **_gdal_options(fmt, meta))
    else:
        pyogrio.write_arrow(
            reader,
            str(path),
            layer=layer,
            driver=DRIVERS[fmt],
            geometry_name="geometry",
            geometry_type=c.geometry_type,
            crs=file_crs(out),
            encoding="UTF-8" if fmt == "shp.zip" else None,
            **_gdal_options(fmt, meta),
        )
    if fmt == "shp.zip":
        return _zip_shapefile(path, base, c, meta, long_texts or [])
    if fmt == "csv.zip":
        return _zip_csv(path, base, c, meta, out)
    return path


def _gdal_options(fmt: str, meta: dict) -> dict:
    if fmt == "gpkg":  # dataset metadata -> gpkg_metadata (read back by GDAL as dataset metadata)
        # GeoPackage 1.2: what every GDAL from 2.2 on (QGIS 3.x on Debian: 3.6) reads without a warning.
        return {
            "dataset_metadata": meta,
            "dataset_options": {"VERSION": "1.2"},
            "layer_options": {"IDENTIFIER": meta["TITLE"], "DESCRIPTION": meta["LICENCE"]},
        }
    if fmt == "fgb":
        return {
            "layer_metadata": meta,
            "layer_options": {"TITLE": meta["TITLE"], "DESCRIPTION": f"{meta['LICENCE']} {meta['CREDITS']}"},
        }
    if fmt == "geojson":
        members = {
            "licence": meta["LICENCE"],
            "attribution": meta["CREDITS"],
            "as_of": meta["AS_OF"],
            "transformation": meta["TRANSFORMATION"],
            "data_dictionary": orjson.loads(meta["DATA_DICTIONARY"]),
        }
        return {
            "layer_options": {
                "DESCRIPTION": meta["DESCRIPTION"],
                "RFC7946": "NO",
                "WRITE_NAME": "YES",
                "FOREIGN_MEMBERS_COLLECTION": orjson.dumps(members).decode(),
            }
        }
    if fmt in ("csv", "csv.zip"):  # codes quoted (a client reading 00070 as a number loses the zeros)
        return {
            "layer_options": {
                "GEOMETRY": "AS_WKT",
                "CREATE_CSVT": "YES" if fmt == "csv.zip" else "NO",
                "STRING_QUOTING": "ALWAYS",
            }
        }
    if fmt == "latlon.csv":
        return {"layer_options": {"STRING_QUOTING": "ALWAYS"}}
    return {}


def _zip_shapefile(shp: Path, base: str, c: items.Collection, meta: dict, long_texts: list) -> Path:
    """The Shapefile parts, README, data dictionary, and every text a DBF field cut (long_texts.csv)."""
    target = shp.with_name(f"{base}.shp.zip")
    note = (
        f"\nLong texts: {len(long_texts)} value(s) longer than {SHP_TEXT_BYTES} bytes are cut in the .dbf "
        "(a dBASE limit); long_texts.csv has them in full (code, field, text), joinable on code.\n"
        if long_texts
        else f"\nLong texts: none is over the {SHP_TEXT_BYTES}-byte dBASE limit; nothing is cut.\n"
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            if part != target:
                z.write(part, part.name)
        z.writestr("README.txt", readme(c, meta) + note)
        z.writestr("data_dictionary.csv", dictionary_csv(c, shapefile=True))
        if long_texts:
            buf = io.StringIO()
            w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC)
            w.writerow(["code", "field", "text"])
            w.writerows(long_texts)
            z.writestr("long_texts.csv", buf.getvalue())
    return target


def _zip_csv(path: Path, base: str, c: items.Collection, meta: dict, out: crsmod.Crs) -> Path:
    """CSV with its .csvt (column types: codes stay text in QGIS and GDAL), .prj, README, dictionary."""
    target = path.with_name(f"{base}.csv.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(path.parent.glob(path.stem + ".*")):
            if part != target:
                z.write(part, part.name)
        z.writestr(
            f"{path.stem}.prj", out.pyproj().to_wkt("WKT1_ESRI") if out.epsg in (None, 4326) else out.pyproj().to_wkt()
        )
        z.writestr("README.txt", readme(c, meta))
        z.writestr("data_dictionary.csv", dictionary_csv(c))
    return target


def readme(c: items.Collection, meta: dict) -> str:
    lines = [
        meta["TITLE"],
        "",
        meta["DESCRIPTION"],
        "",
        f"Licence: {meta['LICENCE']}",
        f"Credits: {meta['CREDITS']}",
        f"Coordinate reference system: {meta['CRS']}",
        f"Datum transformation: {meta['TRANSFORMATION']}",
        f"Province filter: {meta['PROVINCE']}",
        "",
        "Sources:",
    ] + [f"- {s['name']} ({s['author']}), {s['licence']}: {s['url']}" for s in SOURCES]
    lines += ["", "Fields (Shapefile name = full name: type, description):"]
    lines += [
        f"- {fields.BY_NAME[d['name']].shp_name} = {d['name']}: {d['type']}, {d['description']}"
        for d in data_dictionary(c)
    ]
    return "\n".join(lines) + "\n"


def dictionary_csv(c: items.Collection, shapefile: bool = False) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["field", "full_name", "type", "description"])
    for d in data_dictionary(c):
        w.writerow(
            [fields.BY_NAME[d["name"]].shp_name if shapefile else d["name"], d["name"], d["type"], d["description"]]
        )
    return buf.getvalue()


BBOX = pa.struct([pa.field(k, pa.float64()) for k in ("xmin", "ymin", "xmax", "ymax")])


def _parquet(reader: pa.RecordBatchReader, path: Path, c: items.Collection, out: crsmod.Crs, meta: dict) -> Path:
    """GeoParquet 1.1: WKB geometry column, "geo" metadata with the PROJJSON CRS, and the `bbox`
    covering column (xmin, ymin, xmax, ymax per row: readers skip row groups outside a bbox
    filter, geopandas.read_parquet(bbox=...) needs it); licence alongside. One row group per batch."""
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": [c.geometry_type],
                "crs": orjson.loads(out.pyproj().to_json()),
                "covering": {"bbox": {k: ["bbox", k] for k in ("xmin", "ymin", "xmax", "ymax")}},
            }
        },
    }
    extra = {b"geo": orjson.dumps(geo), **{f"vngeo:{k.lower()}".encode(): v.encode() for k, v in meta.items()}}
    schema = reader.schema.append(pa.field("bbox", BBOX)).with_metadata(extra)
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        for batch in reader:
            b = shapely.bounds(shapely.from_wkb(batch.column("geometry").to_numpy(zero_copy_only=False)))
            bbox = pa.StructArray.from_arrays([pa.array(b[:, i]) for i in range(4)], fields=list(BBOX))
            w.write_batch(pa.RecordBatch.from_arrays([*batch.columns, bbox], schema=schema))
    return path


def new_workdir(root: Path | None = None) -> Path:
    return Path(tempfile.mkdtemp(prefix="vngeo-export-", dir=root))
