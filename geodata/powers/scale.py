"""The seeds' argument in figures, per province: how many of its communes fall inside the population
band and the area band of geodata.units.stats.BANDS, the spread (quartiles, min, max), and the outliers
(Tukey's fences within the province), with the figures the data flags marked rather than hidden.

Every figure comes from SQL; a flagged figure is counted nowhere but in `flagged`, and listed."""

from __future__ import annotations

from datetime import date

from psycopg import AsyncConnection

from geodata.units.stats import BAND_SOURCE, BANDS

# A figure the data flags (geo.units.flags names the field) is left out of bands, spread and fences.
COMMUNES_CTE = """
WITH c AS (
  SELECT u.code, u.full_name, u.type, u.province_code, u.flags,
         CASE WHEN u.flags ? 'population' THEN NULL ELSE u.population::float8 END AS pop,
         CASE WHEN u.flags ? 'area_km2' THEN NULL ELSE u.area_km2::float8 END AS area,
         (u.flags ? 'population') AS pop_flagged, (u.flags ? 'area_km2') AS area_flagged
  FROM geo.units u WHERE u.valid @> %(d)s::date AND u.level = 'commune'),
q AS (
  SELECT province_code,
         percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY pop) AS pq,
         percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY area) AS aq
  FROM c GROUP BY province_code),
f AS (  -- Tukey's fences: 1.5 interquartile ranges beyond the quartiles
  SELECT province_code, pq, aq,
         pq[1] - 1.5 * (pq[3] - pq[1]) AS plo, pq[3] + 1.5 * (pq[3] - pq[1]) AS phi,
         aq[1] - 1.5 * (aq[3] - aq[1]) AS alo, aq[3] + 1.5 * (aq[3] - aq[1]) AS ahi
  FROM q)"""

PROVINCES_SQL = (
    COMMUNES_CTE
    + """
SELECT p.code, p.full_name, count(c.code) AS communes,
       count(c.pop) AS pop_known, count(c.area) AS area_known,
       count(*) FILTER (WHERE c.pop BETWEEN %(plo)s AND %(phi)s) AS pop_in_band,
       count(*) FILTER (WHERE c.area BETWEEN %(alo)s AND %(ahi)s) AS area_in_band,
       count(*) FILTER (WHERE c.pop BETWEEN %(plo)s AND %(phi)s AND c.area BETWEEN %(alo)s AND %(ahi)s) AS both_in_band,
       count(*) FILTER (WHERE c.pop IS NOT NULL AND c.area IS NOT NULL) AS both_known,
       min(c.pop) AS pop_min, max(c.pop) AS pop_max, min(c.area) AS area_min, max(c.area) AS area_max,
       f.pq, f.aq,
       count(*) FILTER (WHERE c.pop < f.plo OR c.pop > f.phi OR c.area < f.alo OR c.area > f.ahi) AS outliers,
       count(*) FILTER (WHERE c.pop_flagged OR c.area_flagged) AS flagged
FROM geo.units p JOIN c ON c.province_code = p.code JOIN f ON f.province_code = p.code
WHERE p.valid @> %(d)s::date AND p.level = 'province'
GROUP BY p.code, p.full_name, f.pq, f.aq ORDER BY p.code"""
)

OUTLIERS_SQL = (
    COMMUNES_CTE
    + """
SELECT c.code, c.full_name, c.type, c.province_code, c.pop, c.area, c.pop_flagged, c.area_flagged, c.flags,
       (c.pop < f.plo OR c.pop > f.phi) AS pop_outlier, (c.area < f.alo OR c.area > f.ahi) AS area_outlier
FROM c JOIN f ON f.province_code = c.province_code
WHERE c.pop < f.plo OR c.pop > f.phi OR c.area < f.alo OR c.area > f.ahi OR c.pop_flagged OR c.area_flagged
ORDER BY c.province_code, c.code"""
)

RAW_SQL = "SELECT population, area_km2::float8 AS area FROM geo.units WHERE code = %(code)s AND valid @> %(d)s::date"


def _r(v, nd=1):
    return None if v is None else round(float(v), nd)


def _spread(qs, lo, hi) -> dict:
    qs = qs or [None, None, None]
    return {"min": _r(lo), "q1": _r(qs[0]), "median": _r(qs[1]), "q3": _r(qs[2]), "max": _r(hi)}


async def scale(conn: AsyncConnection, as_of: date) -> dict:
    (plo, phi), (alo, ahi) = BANDS["population"], BANDS["area_km2"]
    args = {"d": as_of, "plo": plo, "phi": phi, "alo": alo, "ahi": ahi}
    rows = await (await conn.execute(PROVINCES_SQL, args)).fetchall()
    out_rows = await (await conn.execute(OUTLIERS_SQL, args)).fetchall()
    provinces = [
        {
            "code": r["code"],
            "full_name": r["full_name"],
            "communes": r["communes"],
            "population": {
                "known": r["pop_known"],
                "in_band": r["pop_in_band"],
                **_spread(r["pq"], r["pop_min"], r["pop_max"]),
            },
            "area_km2": {
                "known": r["area_known"],
                "in_band": r["area_in_band"],
                **_spread(r["aq"], r["area_min"], r["area_max"]),
            },
            "both": {"known": r["both_known"], "in_band": r["both_in_band"]},
            "outliers": r["outliers"],
            "flagged": r["flagged"],
        }
        for r in rows
    ]
    outliers = []
    for r in out_rows:
        raw = None
        if r["pop_flagged"] or r["area_flagged"]:  # show the flagged value itself, marked, with the reason
            raw = await (await conn.execute(RAW_SQL, {"code": r["code"], "d": as_of})).fetchone()
        outliers.append(
            {
                "code": r["code"],
                "full_name": r["full_name"],
                "type": r["type"],
                "province": r["province_code"],
                "population": raw["population"] if raw and r["pop_flagged"] else _r(r["pop"], 0),
                "area_km2": raw["area"] if raw and r["area_flagged"] else _r(r["area"], 2),
                "population_outlier": bool(r["pop_outlier"]),
                "area_outlier": bool(r["area_outlier"]),
                "flags": {k: v for k, v in (r["flags"] or {}).items() if k in ("population", "area_km2")},
            }
        )
    total = {k: sum(p[k] for p in provinces) for k in ("communes", "outliers", "flagged")}
    for k, sub in (("population", "population"), ("area_km2", "area_km2"), ("both", "both")):
        total[k] = {
            "known": sum(p[sub]["known"] for p in provinces),
            "in_band": sum(p[sub]["in_band"] for p in provinces),
        }
    return {
        "as_of": as_of,
        "bands": {"population": [plo, phi], "area_km2": [alo, ahi]},
        "band_source": BAND_SOURCE,
        "outlier_rule": "outside 1.5 interquartile ranges beyond the province's quartiles (Tukey's fences)",
        "flag_rule": "a figure the data flags is left out of bands, spread and fences, and listed with its reason",
        "total": total,
        "provinces": provinces,
        "outliers": outliers,
    }
