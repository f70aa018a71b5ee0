"""Downloads of one unit (or a province with its communes) as GeoJSON or GeoPackage, with credits.

Full-resolution boundaries: a download is what an analyst works with, not what a map draws."""
from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path

from psycopg import AsyncConnection

from geodata.units import queries as units
from geodata.credits import ATTRIBUTION, LICENCE
from geodata.geojson import feature_collection
from geodata.text import fold

FLAT_FIELDS = ("code", "name", "full_name", "name_en", "full_name_en", "type", "level", "province_code",
               "population", "area_km2", "area_km2_computed", "density_per_km2", "admin_center", "phone",
               "website", "valid_from", "valid_to", "generation")

ROWS_SQL = f"""
SELECT {units.UNIT_FIELDS}, NULL AS p_code, ST_AsGeoJSON(u.geom, 6) AS geometry
FROM geo.units u
WHERE u.valid @> %(d)s::date
  AND (u.code = %(code)s OR (%(communes)s AND u.level = 'commune' AND u.province_code = %(code)s))
ORDER BY CASE u.level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, u.code"""


async def unit_rows(conn: AsyncConnection, code: str, as_of: date, with_communes: bool) -> list[dict]:
    """The unit (404 with its valid dates when it did not exist that day) and, for a province, its communes."""
    unit = await units.get_unit(conn, code, as_of)
    communes = with_communes and unit["level"] == "province"
    rows = await (await conn.execute(ROWS_SQL, {"d": as_of, "code": code, "communes": communes})).fetchall()
    return [dict({k: v for k, v in units.unit_json(r).items() if k in FLAT_FIELDS}, geometry=r["geometry"])
            for r in rows]


def to_geojson(rows: list[dict], as_of: date) -> bytes:
    return feature_collection(rows, extra={"as_of": as_of.isoformat(), "licence": LICENCE})


def to_gpkg(rows: list[dict], as_of: date, layer: str) -> bytes:
    """A GeoPackage in EPSG:4326; the credits go into the dataset and layer metadata."""
    import geopandas as gpd
    import shapely

    geoms = [shapely.from_geojson(r["geometry"]) if r["geometry"] else None for r in rows]
    props = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items() if k != "geometry"}
             for r in rows]
    frame = gpd.GeoDataFrame(props, geometry=geoms, crs="EPSG:4326")
    meta = {"attribution": ATTRIBUTION, "licence": LICENCE, "as_of": as_of.isoformat()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        frame.to_file(path, driver="GPKG", layer=layer, engine="pyogrio",
                      dataset_metadata=meta, layer_metadata=meta)
        return path.read_bytes()


def filename(rows: list[dict], code: str, as_of: date, ext: str) -> str:
    ascii_name = re.sub(r"[^a-z0-9]+", "-", fold(rows[0]["name"] if rows else "")).strip("-") or "unit"
    return f"vn-geodata_{code}_{ascii_name}_{as_of.isoformat()}.{ext}"
