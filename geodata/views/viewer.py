"""Compact data for the browser viewer: the attribute table of a day and a GeoJSON fallback layer.

The viewer draws polygons from the vector tiles; it still needs every unit's figures at once to
compute class breaks, draw the distributions and mark what changed, and a whole table is ~10x
smaller as rows of arrays than as /v1/units objects. The GeoJSON layer carries the same properties
as the tiles, so the page can draw from it while the tiles are unavailable."""

from __future__ import annotations

import asyncio
import csv
import unicodedata
from collections import OrderedDict
from datetime import date
from functools import cache

import orjson
from psycopg import AsyncConnection

from geodata.credits import ATTRIBUTION, LICENCE
from geodata.powers.catalogue import POWER_COUNTS_JOIN
from geodata.settings import DATA_DIR
from geodata.units import fields

# Only what the page uses (the tiles carry names): the table is part of the first load. The
# columns are the catalogue's VIEWER fields (geodata/units/fields.py), density included.
FIELDS = tuple(fields.names(fields.VIEWER))

# The generation containing the day: units whose version starts on its first day changed then
# (the reform itself replaced everything, so it highlights nothing).
GENERATION_SQL = """
SELECT g.id, g.valid_from FROM geo.generations g
WHERE (g.valid_from IS NULL OR g.valid_from <= %(d)s) AND (g.valid_to IS NULL OR g.valid_to >= %(d)s)
ORDER BY g.ordinal DESC LIMIT 1"""

TABLE_SQL = f"""
SELECT {fields.select(fields.VIEWER)}
FROM geo.units u
WHERE u.valid @> %(as_of)s::date AND u.level IN ('province', 'commune')
ORDER BY u.level DESC, u.code"""

# Orientation at street zoom without a base map. No coordinates of seats are published, so both
# are placed approximately, from the old communes' geocoded centres (withheld centres are skipped):
# - a commune's seat: the centre of the old commune its administrative centre names
#   ("UBND xã Hòa Nam"), else of the old commune whose name it kept;
# - a province's capital: the mean of the old communes' centres of the old district that was the
#   seat of the province's centre (data/viewer/capitals.csv: one row per province, with its basis).
SEATS_SQL = """
SELECT DISTINCT ON (c.code) c.code, c.name, round(ST_X(lc.geom)::numeric, 5)::float8 AS lon,
       round(ST_Y(lc.geom)::numeric, 5)::float8 AS lat
FROM geo.units c
JOIN geo.units n ON n.code = c.code AND n.level = 'commune'
JOIN geo.generations g ON g.id = n.generation_from AND g.valid_from = (SELECT min(valid_from) FROM geo.generations)
JOIN geo.lineage_edges e ON e.new_unit_id = n.id AND e.kind IN ('whole', 'part')
JOIN geo.units o ON o.id = e.old_unit_id AND o.level = 'commune'
JOIN geo.legacy_centres lc ON lc.unit_id = o.id AND lc.geom IS NOT NULL
WHERE c.level = 'commune' AND c.valid @> %(as_of)s::date
  AND (position(lower(o.name) IN lower(coalesce(c.admin_center, ''))) > 0 OR lower(o.name) = lower(c.name))
ORDER BY c.code, (position(lower(o.name) IN lower(coalesce(c.admin_center, ''))) > 0) DESC, length(o.name) DESC"""

CAPITALS_FILE = DATA_DIR / "viewer" / "capitals.csv"
CAPITALS_SQL = """
WITH cap(province, district, name) AS (SELECT * FROM unnest(%(province)s::text[], %(district)s::text[],
    %(name)s::text[]))
SELECT cap.province AS province_code, cap.name,
       round(ST_X(ST_Centroid(ST_Collect(lc.geom)))::numeric, 5)::float8 AS lon,
       round(ST_Y(ST_Centroid(ST_Collect(lc.geom)))::numeric, 5)::float8 AS lat
FROM cap
JOIN geo.units p ON p.level = 'province' AND p.code = cap.province AND p.valid @> %(as_of)s::date
JOIN geo.units oc ON oc.level = 'commune' AND oc.generation_from = 'pre-2025' AND oc.parent_code = cap.district
JOIN geo.legacy_centres lc ON lc.unit_id = oc.id AND lc.geom IS NOT NULL
GROUP BY cap.province, cap.name ORDER BY 1"""


@cache
def capitals_args() -> dict:
    """The curated table of provinces' capitals as the query's arrays (read once per process)."""
    with open(CAPITALS_FILE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        "province": [r["province_code"] for r in rows],
        "district": [r["capital_district_code"] for r in rows],
        "name": [unicodedata.normalize("NFC", r["capital"]) for r in rows],
    }


# The properties of a day (cheap; power counts change with the day) and, apart, the polygons of a
# generation (seconds of PostGIS work; the same on every day of the generation, so built once).
GEOJSON_FIELDS = [f for f in fields.UNIT_FIELDS if f.outputs & {fields.TILES, fields.LABELS}]
GEOJSON_SQL = f"""
SELECT {", ".join(f'{f.sql} AS "{f.name}"' for f in GEOJSON_FIELDS)}
FROM geo.units u {POWER_COUNTS_JOIN}
{fields.PROVINCE_JOIN.replace("%(d)s", "%(as_of)s")}
WHERE u.valid @> %(as_of)s::date AND u.level = %(level)s AND u.geom IS NOT NULL
ORDER BY u.code"""
# Coarser than /v1/units?geometry=simplified (~200 m, 4 decimals): the whole country in one answer.
POLYGONS_SQL = """
SELECT u.code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(u.geom, %(tol)s), 4) AS geometry
FROM geo.units u WHERE u.valid @> %(as_of)s::date AND u.level = %(level)s AND u.geom IS NOT NULL"""

TOLERANCE = {"province": 0.005, "commune": 0.002}


async def generation(conn: AsyncConnection, as_of: date) -> dict:
    row = await (await conn.execute(GENERATION_SQL, {"d": as_of})).fetchone()
    return row or {"id": None, "valid_from": None}


async def units_table(conn: AsyncConnection, as_of: date, reform_day: date) -> bytes:
    """Provinces and communes valid on as_of as {fields, rows}; pre-reform days give old communes.
    reform_day: the loaded data's (geodata/dataset.py)."""
    gen = await generation(conn, as_of)
    rows = await (
        await conn.execute(TABLE_SQL, {"as_of": as_of, "gen_from": gen["valid_from"], "reform": reform_day})
    ).fetchall()
    capitals = (
        await (await conn.execute(CAPITALS_SQL, {"as_of": as_of, **capitals_args()})).fetchall()
        if as_of >= reform_day
        else []
    )
    return orjson.dumps(
        {
            "as_of": as_of,
            "generation": gen["id"],
            "generation_from": gen["valid_from"],
            "attribution": ATTRIBUTION,
            "fields": FIELDS,
            "rows": [[r[f] for f in FIELDS] for r in rows],
            "capitals": capitals,
        }
    )


async def seats_geojson(conn: AsyncConnection, as_of: date) -> bytes:
    """Communes' seats of a day as labelled points (fetched by the viewer at street zoom only)."""
    rows = await (await conn.execute(SEATS_SQL, {"as_of": as_of})).fetchall()
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "attribution": ATTRIBUTION,
            "note": "approximate: the geocoded centre of the old commune that hosts the seat",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                    "properties": {"code": r["code"], "name": r["name"]},
                }
                for r in rows
            ],
        }
    )


_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
CACHE_SIZE = 6  # a few days x two levels, ~4 MB each: the query takes seconds, a cached answer none
_POLYGONS: OrderedDict[tuple, dict] = OrderedDict()  # (version, generation, level) -> {code: GeoJSON}
POLYGONS_SIZE = 12  # every generation of both levels
_BUILDING = asyncio.Lock()
# The polygon build is bounded work (at most generations x 2 per dataset, then cached), so it may run
# past the service's statement timeout on a busy machine instead of failing with a 503 every time.
BUILD_TIMEOUT_MS = 120_000


async def units_geojson(conn: AsyncConnection, as_of: date, level: str, version: str) -> bytes:
    """The polygons of a day with the vector tiles' properties (fallback layer), cached per dataset
    version (the dataset handle's, geodata/dataset.py)."""
    key = (version, as_of, level)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    gen = await generation(conn, as_of)
    polygons = await _polygons(conn, (key[0], gen["id"], level), as_of)
    body = await _units_geojson(conn, as_of, level, polygons)
    _CACHE[key] = body
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return body


async def _polygons(conn: AsyncConnection, key: tuple, as_of: date) -> dict:
    """The simplified polygons of a generation, built once per worker: concurrent requests for the
    same layer wait for one build instead of each running it (which, on a busy machine, made every
    one of them pass the statement timeout and answer 503)."""
    if key not in _POLYGONS:
        async with _BUILDING:
            if key not in _POLYGONS:
                await conn.execute(f"SET LOCAL statement_timeout = {BUILD_TIMEOUT_MS}")
                rows = await (
                    await conn.execute(POLYGONS_SQL, {"as_of": as_of, "level": key[2], "tol": TOLERANCE[key[2]]})
                ).fetchall()
                await conn.execute("SET LOCAL statement_timeout TO DEFAULT")
                _POLYGONS[key] = {r["code"]: r["geometry"] for r in rows}
                while len(_POLYGONS) > POLYGONS_SIZE:
                    _POLYGONS.popitem(last=False)
    _POLYGONS.move_to_end(key)
    return _POLYGONS[key]


async def _units_geojson(conn: AsyncConnection, as_of: date, level: str, polygons: dict) -> bytes:
    rows = await (await conn.execute(GEOJSON_SQL, {"as_of": as_of, "level": level})).fetchall()
    features = [
        {
            "type": "Feature",
            "id": int(r["code"]),
            "geometry": orjson.Fragment(polygons[r["code"]]),
            "properties": dict(r),
        }
        for r in rows
    ]
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "as_of": as_of,
            "attribution": ATTRIBUTION,
            "licence": LICENCE,
            "features": features,
        }
    )
