"""Compact data for the browser viewer: the attribute table of a day and a GeoJSON fallback layer.

The viewer draws polygons from the vector tiles; it still needs every unit's figures at once to
compute class breaks, draw the distributions and mark what changed, and a whole table is ~10x
smaller as rows of arrays than as /v1/units objects. The GeoJSON layer carries the same properties
as the tiles, so the page can draw from it while the tiles are unavailable."""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import date

import orjson
from psycopg import AsyncConnection

from geodata.credits import ATTRIBUTION, LICENCE
from geodata.powers import POWER_COUNTS_JOIN

REFORM = date(2025, 7, 1)
FIELDS = ("code", "name", "full_name", "name_en", "type", "level", "province", "population", "area",
          "density", "powers", "changed", "lon", "lat")

# The generation containing the day: units whose version starts on its first day changed then
# (the reform itself replaced everything, so it highlights nothing).
GENERATION_SQL = """
SELECT g.id, g.valid_from FROM geo.generations g
WHERE (g.valid_from IS NULL OR g.valid_from <= %(d)s) AND (g.valid_to IS NULL OR g.valid_to >= %(d)s)
ORDER BY g.ordinal DESC LIMIT 1"""

TABLE_SQL = f"""
SELECT u.code, u.name, u.full_name, u.name_en, u.type, u.level, u.province_code AS province,
       u.population, round(u.area_km2::numeric, 2)::float8 AS area,
       CASE WHEN u.population > 0 AND u.area_km2 > 0 THEN round((u.population / u.area_km2)::numeric, 1)::float8 END
         AS density,
       pc.total AS powers,
       (lower(u.valid) = %(gen_from)s::date AND %(gen_from)s::date > %(reform)s::date) AS changed,
       round(ST_X(u.label_point)::numeric, 5)::float8 AS lon, round(ST_Y(u.label_point)::numeric, 5)::float8 AS lat
FROM geo.units u {POWER_COUNTS_JOIN}
WHERE u.valid @> %(as_of)s::date AND u.level IN ('province', 'commune')
ORDER BY u.level DESC, u.code"""

# The properties of a day (cheap; power counts change with the day) and, apart, the polygons of a
# generation (seconds of PostGIS work; the same on every day of the generation, so built once).
GEOJSON_SQL = f"""
SELECT u.code, u.name, u.full_name, u.type, u.province_code AS province, u.population,
       round(u.area_km2::numeric, 2)::float8 AS area,
       CASE WHEN u.population > 0 AND u.area_km2 > 0 THEN round((u.population / u.area_km2)::numeric, 1)::float8 END
         AS density,
       pc.total AS powers
FROM geo.units u {POWER_COUNTS_JOIN}
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


async def units_table(conn: AsyncConnection, as_of: date) -> bytes:
    """Provinces and communes valid on as_of as {fields, rows}; pre-reform days give old communes."""
    gen = await generation(conn, as_of)
    rows = await (await conn.execute(TABLE_SQL, {"as_of": as_of, "gen_from": gen["valid_from"],
                                                 "reform": REFORM})).fetchall()
    return orjson.dumps({"as_of": as_of, "generation": gen["id"], "generation_from": gen["valid_from"],
                         "attribution": ATTRIBUTION, "fields": FIELDS,
                         "rows": [[r[f] for f in FIELDS] for r in rows]})


_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
CACHE_SIZE = 6  # a few days x two levels, ~4 MB each: the query takes seconds, a cached answer none
_POLYGONS: OrderedDict[tuple, dict] = OrderedDict()  # (version, generation, level) -> {code: GeoJSON}
POLYGONS_SIZE = 12  # every generation of both levels
_BUILDING = asyncio.Lock()
# The polygon build is bounded work (at most generations x 2 per dataset, then cached), so it may run
# past the service's statement timeout on a busy machine instead of failing with a 503 every time.
BUILD_TIMEOUT_MS = 120_000


async def units_geojson(conn: AsyncConnection, as_of: date, level: str) -> bytes:
    """The polygons of a day with the vector tiles' properties (fallback layer), cached per dataset."""
    version = await (await conn.execute("SELECT version FROM geo.dataset")).fetchone()
    key = (version["version"] if version else None, as_of, level)
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
                rows = await (await conn.execute(POLYGONS_SQL, {"as_of": as_of, "level": key[2],
                                                                "tol": TOLERANCE[key[2]]})).fetchall()
                await conn.execute("SET LOCAL statement_timeout TO DEFAULT")
                _POLYGONS[key] = {r["code"]: r["geometry"] for r in rows}
                while len(_POLYGONS) > POLYGONS_SIZE:
                    _POLYGONS.popitem(last=False)
    _POLYGONS.move_to_end(key)
    return _POLYGONS[key]


async def _units_geojson(conn: AsyncConnection, as_of: date, level: str, polygons: dict) -> bytes:
    rows = await (await conn.execute(GEOJSON_SQL, {"as_of": as_of, "level": level})).fetchall()
    features = [{"type": "Feature", "id": int(r["code"]),
                 "geometry": orjson.Fragment(polygons[r["code"]]),
                 "properties": dict(r)} for r in rows]
    return orjson.dumps({"type": "FeatureCollection", "as_of": as_of, "attribution": ATTRIBUTION,
                         "licence": LICENCE, "features": features})
