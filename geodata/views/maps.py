"""The rows behind the folium maps (SQL stays in geodata/): units of a day with their figures,
power counts and where they came from."""

from __future__ import annotations

from datetime import date

import psycopg

from geodata.powers.catalogue import POWER_COUNTS_JOIN
from geodata.units import fields

UNITS_SQL = f"""
SELECT {fields.select(fields.FOLIUM)},
       ST_AsGeoJSON(ST_SimplifyPreserveTopology(u.geom, %(tol)s), 5) AS geometry
FROM geo.units u {POWER_COUNTS_JOIN}
WHERE u.valid @> %(as_of)s::date AND u.geom IS NOT NULL
  AND ((%(province)s::text IS NULL AND u.level = 'province')
       OR (u.level = 'commune' AND u.province_code = %(province)s))
ORDER BY u.code"""


def map_units(conn: psycopg.Connection, as_of: date, province: str | None, tolerance: float) -> list[dict]:
    """Provinces (province None) or one province's communes, simplified by `tolerance` degrees."""
    return conn.execute(UNITS_SQL, {"as_of": as_of, "province": province, "tol": tolerance}).fetchall()


def province_name(conn: psycopg.Connection, code: str, as_of: date) -> str | None:
    row = conn.execute(
        "SELECT full_name FROM geo.units WHERE code = %s AND level = 'province' AND valid @> %s::date", (code, as_of)
    ).fetchone()
    return row["full_name"] if row else None


def province_codes(conn: psycopg.Connection, as_of: date) -> list[str]:
    rows = conn.execute(
        "SELECT code FROM geo.units WHERE level = 'province' AND valid @> %s::date ORDER BY code", (as_of,)
    ).fetchall()
    return [r["code"] for r in rows]


def dataset_version(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT version FROM geo.dataset").fetchone()
    return row["version"] if row else "none"
