"""Scale figures for /v1/stats: population, area and density of the units valid on a day, against the
band the seeds argue from ("a commune of 25,000–40,000 people over 100–200 km²"), and per province
how many communes there are and how many powers each level holds. Every figure comes from SQL."""

from __future__ import annotations

import re
from datetime import date

from psycopg import AsyncConnection

from geodata.errors import InvalidInput
from geodata.powers import events as power_events
from geodata.units import fields

LEVELS = ("province", "district", "commune")
# The seeds' band (decentralization-two-tier-local-government.txt); density's band is implied by the
# other two (fewest people on the most land .. most people on the least land).
BANDS = {"population": (25_000, 40_000), "area_km2": (100, 200), "density_per_km2": (125, 400)}
BAND_SOURCE = (
    "../shared/seeds/decentralization-two-tier-local-government.txt: "
    "'một xã quản lý từ 25.000 - 40.000 dân với địa bàn lên tới 100 - 200 km2'"
)
# Official figures as the catalogue defines them (geodata/units/fields.py); density only where both are known.
METRICS = {name: f"({fields.BY_NAME[name].sql})::float8" for name in ("population", "area_km2", "density_per_km2")}

UNITS_CTE = """
WITH u AS (
  SELECT u.* FROM geo.units u
  WHERE u.valid @> %(d)s::date AND u.level = %(level)s
    AND (%(province)s::text IS NULL OR u.province_code = %(province)s))"""

DIST_SQL = (
    UNITS_CTE
    + """
SELECT count(*) AS units, count(v) AS count, min(v) AS min,
       percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY v) AS quartiles,
       max(v) AS max, avg(v) AS mean, count(*) FILTER (WHERE v BETWEEN %(lo)s AND %(hi)s) AS in_band
FROM (SELECT {expr} AS v FROM u) x"""
)

BOTH_SQL = (
    UNITS_CTE
    + """
SELECT count(*) FILTER (WHERE u.population IS NOT NULL AND u.area_km2 IS NOT NULL) AS count,
       count(*) FILTER (WHERE u.population BETWEEN %(plo)s AND %(phi)s AND u.area_km2 BETWEEN %(alo)s AND %(ahi)s)
         AS in_band
FROM u"""
)

# Per province valid that day: its communes and what each level holds (own powers; the communes'
# figure counts distinct powers held by at least one of them, and the spread per commune).
PROVINCES_SQL = """
WITH p AS (SELECT * FROM geo.units WHERE valid @> %(d)s::date AND level = 'province'
             AND (%(province)s::text IS NULL OR code = %(province)s)),
c AS (SELECT * FROM geo.units WHERE valid @> %(d)s::date AND level = 'commune'
        AND province_code IN (SELECT code FROM p)),
held_n AS (SELECT pu.unit_id, count(*) AS n FROM geo.power_units pu WHERE pu.valid @> %(d)s::date
           GROUP BY pu.unit_id),
per_commune AS (SELECT c.province_code, coalesce(h.n, 0) AS n FROM c LEFT JOIN held_n h ON h.unit_id = c.id),
by_type AS (SELECT province_code, jsonb_object_agg(type, n) AS j
            FROM (SELECT province_code, type, count(*) AS n FROM c GROUP BY 1, 2) t GROUP BY 1),
commune_agg AS (SELECT province_code, count(*) AS communes, min(n) AS lo, max(n) AS hi
                FROM per_commune GROUP BY 1),
commune_distinct AS (SELECT c.province_code, count(DISTINCT pu.power_id) AS n
                     FROM geo.power_units pu JOIN c ON c.id = pu.unit_id
                     WHERE pu.valid @> %(d)s::date GROUP BY 1)
SELECT p.code, p.name, p.full_name, p.type, p.population, p.area_km2::float8 AS area_km2,
       coalesce(ca.communes, 0) AS communes, bt.j AS communes_by_type,
       coalesce(ph.n, 0) AS province_powers, coalesce(cd.n, 0) AS commune_powers,
       ca.lo AS commune_powers_min, ca.hi AS commune_powers_max
FROM p
LEFT JOIN commune_agg ca ON ca.province_code = p.code
LEFT JOIN by_type bt ON bt.province_code = p.code
LEFT JOIN commune_distinct cd ON cd.province_code = p.code
LEFT JOIN held_n ph ON ph.unit_id = p.id
ORDER BY p.code"""


def _num(v):
    return None if v is None else round(float(v), 2)


async def _distribution(conn: AsyncConnection, args: dict, metric: str) -> dict:
    lo, hi = BANDS[metric]
    r = await (await conn.execute(DIST_SQL.format(expr=METRICS[metric]), {**args, "lo": lo, "hi": hi})).fetchone()
    q = r["quartiles"] or [None, None, None]
    return {
        "count": r["count"],
        "missing": r["units"] - r["count"],
        "min": _num(r["min"]),
        "q1": _num(q[0]),
        "median": _num(q[1]),
        "q3": _num(q[2]),
        "max": _num(r["max"]),
        "mean": _num(r["mean"]),
        "band": {
            "from": lo,
            "to": hi,
            "count": r["in_band"],
            "share": round(r["in_band"] / r["count"], 4) if r["count"] else None,
        },
    }


async def stats(conn: AsyncConnection, as_of: date, *, level: str = "commune", province: str | None = None) -> dict:
    if level not in LEVELS:
        raise InvalidInput(
            f"level must be one of {', '.join(LEVELS)}; got {level!r}", parameter="level", allowed=list(LEVELS)
        )
    if province is not None and not re.fullmatch(r"\d{2}", province):
        raise InvalidInput("province must be a 2-digit province code", parameter="province")
    args = {"d": as_of, "level": level, "province": province}
    dist = {m: await _distribution(conn, args, m) for m in METRICS}
    (plo, phi), (alo, ahi) = BANDS["population"], BANDS["area_km2"]
    both = await (await conn.execute(BOTH_SQL, {**args, "plo": plo, "phi": phi, "alo": alo, "ahi": ahi})).fetchone()
    rows = await (await conn.execute(PROVINCES_SQL, args)).fetchall()
    if province is not None and not rows:
        raise InvalidInput(f"no province has code {province} on {as_of.isoformat()}", parameter="province")
    units = dist["population"]["count"] + dist["population"]["missing"]
    return {
        "as_of": as_of,
        "level": level,
        "province": province,
        "units": units,
        "band_source": BAND_SOURCE,
        **dist,
        "population_and_area_in_band": {
            "count": both["in_band"],
            "of": both["count"],
            "share": round(both["in_band"] / both["count"], 4) if both["count"] else None,
        },
        "provinces": [
            {
                "code": r["code"],
                "name": r["name"],
                "full_name": r["full_name"],
                "type": r["type"],
                "population": r["population"],
                "area_km2": r["area_km2"],
                "communes": r["communes"],
                "communes_by_type": r["communes_by_type"] or {},
                "powers": {
                    "province": r["province_powers"],
                    "commune": r["commune_powers"],
                    "per_commune_min": r["commune_powers_min"],
                    "per_commune_max": r["commune_powers_max"],
                },
            }
            for r in rows
        ],
        "coverage": await power_events.coverage(conn, as_of),
    }
