"""Units and generations: the queries behind /v1/units and /v1/meta."""

from __future__ import annotations

import re
from datetime import date, timedelta

from psycopg import AsyncConnection

from geodata.errors import InvalidInput, NotFound
from geodata.tiles.mvt import band_for_zoom
from geodata.units import fields

CODE_RE = re.compile(r"^(\d{2}|\d{3}|\d{5})$")

# The unit's attributes as /v1/units serves them (geodata/units/fields.py), plus what joins them:
# the valid range's ends (the 404's spans) are read apart, the parent is nested.
UNIT_FIELDS = fields.select(fields.UNITS) + ", u.parent_code, upper(u.valid) AS valid_until"

UNIT_SQL = f"""
SELECT {UNIT_FIELDS},
       p.code AS p_code, p.name AS p_name, p.full_name AS p_full_name, p.type AS p_type, p.level AS p_level
FROM geo.units u
LEFT JOIN geo.units p ON p.code = u.parent_code AND p.level <> u.level AND p.valid @> %(d)s::date
WHERE u.code = %(code)s AND u.valid @> %(d)s::date"""

VERSIONS_SQL = """
SELECT full_name, lower(valid) AS valid_from, upper(valid) AS valid_until, generation_from
FROM geo.units WHERE code = %(code)s ORDER BY lower(valid) NULLS FIRST"""


def check_code(code: str) -> str:
    if not CODE_RE.match(code):
        raise InvalidInput(
            f"unit code must be 2 digits (province), 3 (pre-reform district) or 5 (commune), got {code!r}",
            parameter="code",
        )
    return code


def last_day(until: date | None) -> date | None:
    return until - timedelta(days=1) if until else None


def unit_json(r: dict) -> dict:
    """The stable JSON shape of one unit version."""
    parent = None
    if r.get("p_code"):
        parent = {
            "code": r["p_code"],
            "name": r["p_name"],
            "full_name": r["p_full_name"],
            "type": r["p_type"],
            "level": r["p_level"],
        }
    out = {name: r[name] for name in fields.names(fields.UNITS)}
    out["parent"] = parent
    return out


def _span(v: dict) -> str:
    start = v["valid_from"].isoformat() if v["valid_from"] else "before the records"
    end = last_day(v["valid_until"])
    return f"{v['full_name']}, valid {start} to {end.isoformat() if end else 'today'}"


async def get_unit(conn: AsyncConnection, code: str, as_of: date) -> dict:
    check_code(code)
    row = await (await conn.execute(UNIT_SQL, {"code": code, "d": as_of})).fetchone()
    if row:
        return unit_json(row)
    versions = await (await conn.execute(VERSIONS_SQL, {"code": code})).fetchall()
    if not versions:
        raise NotFound(f"no unit has code {code}", code=code)
    spans = "; ".join(_span(v) for v in versions)
    raise NotFound(
        f"unit {code} was not valid on {as_of.isoformat()}: {spans}",
        code=code,
        versions=[
            {
                "full_name": v["full_name"],
                "valid_from": v["valid_from"],
                "valid_to": last_day(v["valid_until"]),
                "generation": v["generation_from"],
            }
            for v in versions
        ],
    )


GENERATIONS_SQL = """
SELECT g.id, g.valid_from, g.valid_to, g.name, g.legal_basis, g.source,
       (SELECT jsonb_object_agg(type, n) FROM (
            SELECT u.type, count(*) AS n FROM geo.units u
            WHERE u.valid @> coalesce(g.valid_from, g.valid_to) GROUP BY u.type) c) AS counts
FROM geo.generations g ORDER BY g.ordinal"""


async def generations(conn: AsyncConnection) -> list[dict]:
    rows = await (await conn.execute(GENERATIONS_SQL)).fetchall()
    return [dict(r, current=r["valid_to"] is None) for r in rows]


async def dataset(conn: AsyncConnection) -> dict | None:
    return await (
        await conn.execute("SELECT version, loaded_at, load_seconds::float8 AS load_seconds FROM geo.dataset")
    ).fetchone()


async def quality_report(conn: AsyncConnection) -> dict:
    row = await (await conn.execute("SELECT report FROM geo.dataset")).fetchone()
    if not row:
        raise NotFound("no data loaded yet")
    return row["report"]


# ~100 m simplification, from the zoom-8 tile shapes (geo.unit_shapes: already cleaned and 40 m
# coverage-simplified, about 1/8 of the vertices) rather than the full boundaries: every commune of
# the country then takes ~1 s of PostGIS instead of ~10 s, which under load passed the statement
# timeout (a 503 on /v1/powers/{id}?format=geojson). Units without tile shapes fall back to the full one.
SIMPLIFIED_BAND = band_for_zoom(8)
GEOMETRY_SQL = {
    "none": "NULL",
    "simplified": "coalesce((SELECT ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(s.geom, 100), 4326), 5) "
    f"FROM geo.unit_shapes s WHERE s.unit_id = u.id AND s.zband = {SIMPLIFIED_BAND}), "
    "ST_AsGeoJSON(ST_SimplifyPreserveTopology(u.geom, 0.001), 5))",
    "full": "ST_AsGeoJSON(u.geom, 6)",
}

LIST_SQL = """
SELECT {fields}, p.code AS p_code, p.name AS p_name, p.full_name AS p_full_name, p.type AS p_type,
       p.level AS p_level, {geometry} AS geometry, count(*) OVER () AS total
FROM geo.units u
LEFT JOIN geo.units p ON p.code = u.parent_code AND p.level <> u.level AND p.valid @> %(d)s::date
WHERE u.valid @> %(d)s::date
  AND (%(level)s::text IS NULL OR u.level = %(level)s)
  AND (%(type)s::text IS NULL OR u.type = %(type)s)
  AND (%(province)s::text IS NULL OR u.province_code = %(province)s)
ORDER BY CASE u.level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, u.code
LIMIT %(limit)s OFFSET %(offset)s"""


async def list_units(
    conn: AsyncConnection,
    as_of: date,
    *,
    level: str | None = None,
    type_: str | None = None,
    province: str | None = None,
    limit: int = 100,
    offset: int = 0,
    geometry: str = "none",
) -> tuple[int, list[dict]]:
    """Units valid on a date, in a stable order (level, code); the total ignores limit/offset."""
    if province is not None and not re.fullmatch(r"\d{2}", province):
        raise InvalidInput("province must be a 2-digit province code", parameter="province")
    sql = LIST_SQL.format(fields=UNIT_FIELDS, geometry=GEOMETRY_SQL[geometry])
    rows = await (
        await conn.execute(
            sql, {"d": as_of, "level": level, "type": type_, "province": province, "limit": limit, "offset": offset}
        )
    ).fetchall()
    total = rows[0]["total"] if rows else await _count(conn, as_of, level, type_, province)
    return total, [dict(unit_json(r), geometry=r["geometry"]) for r in rows]


async def _count(conn, as_of, level, type_, province) -> int:
    row = await (
        await conn.execute(
            "SELECT count(*) AS n FROM geo.units u WHERE u.valid @> %(d)s::date "
            "AND (%(level)s::text IS NULL OR u.level = %(level)s) AND (%(type)s::text IS NULL OR u.type = %(type)s) "
            "AND (%(province)s::text IS NULL OR u.province_code = %(province)s)",
            {"d": as_of, "level": level, "type": type_, "province": province},
        )
    ).fetchone()
    return row["n"]


async def require_province(conn: AsyncConnection, code: str, as_of: date) -> dict:
    unit = await get_unit(conn, code, as_of)
    if unit["level"] != "province":
        raise InvalidInput(f"{code} is a {unit['level']}, not a province", parameter="code")
    return unit
