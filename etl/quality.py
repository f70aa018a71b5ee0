"""The quality report: every number computed from the loaded (staged) data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg

from etl.plausibility import FLOORS

# Units in force on each generation's first day (the pre-reform one: on its last day).
COUNTS = """
SELECT g.id, u.type, count(*) FROM {s}.generations g
JOIN {s}.units u ON u.valid @> coalesce(g.valid_from, g.valid_to)
GROUP BY g.id, g.ordinal, u.type ORDER BY g.ordinal, u.type"""

MISSING = """
SELECT u.code, u.full_name, f.key AS field, f.value #>> '{{}}' AS why
FROM {s}.units u, jsonb_each(u.flags) f
WHERE u.generation_from <> 'pre-2025' AND upper_inf(u.valid)
  AND NOT (f.key = 'population' AND u.population IS NOT NULL)
ORDER BY f.key, u.code"""

# Populations present but flagged implausible (etl/plausibility.py: a floor per unit type).
IMPLAUSIBLE = """
SELECT u.code, u.full_name, u.type, u.population, u.area_km2, u.flags ->> 'population' AS why
FROM {s}.units u
WHERE upper_inf(u.valid) AND u.level = 'commune' AND u.population IS NOT NULL AND u.flags ? 'population'
ORDER BY u.type, u.code"""

AREA_DIFF = """
SELECT code, full_name, area_km2, area_km2_computed,
       round(100 * (area_km2 - area_km2_computed) / nullif(area_km2_computed, 0), 1) AS diff_pct,
       flags ->> 'area_km2' AS cause
FROM {s}.units
WHERE upper_inf(valid) AND area_km2 IS NOT NULL AND area_km2_computed > 0
  AND abs(area_km2 - area_km2_computed) > 0.02 * area_km2_computed
ORDER BY abs(area_km2 - area_km2_computed) / area_km2_computed DESC"""

# Province polygon against the union of its communes (current boundaries are shared by all
# post-reform generations). Areas on the ellipsoid.
PROVINCE_UNION = """
WITH cur AS (SELECT * FROM {s}.units WHERE upper_inf(valid) AND geom IS NOT NULL),
u AS (SELECT province_code, ST_Union(geom) AS g FROM cur WHERE level = 'commune' GROUP BY province_code),
holes AS (  -- gaps: areas enclosed by a province's communes that no commune covers
  SELECT u.province_code, count(*) AS n,
         sum(ST_Area(ST_MakePolygon(ST_InteriorRingN(d.geom, k))::geography)) / 1e6 AS km2
  FROM u, ST_Dump(u.g) d, generate_series(1, ST_NumInteriorRings(d.geom)) k GROUP BY u.province_code)
SELECT p.code, p.name,
       round((ST_Area(ST_Difference(p.geom, u.g)::geography) / 1e6)::numeric, 4) AS province_not_covered_km2,
       round((ST_Area(ST_Difference(u.g, p.geom)::geography) / 1e6)::numeric, 4) AS communes_outside_km2,
       coalesce(h.n, 0) AS gaps, round(coalesce(h.km2, 0)::numeric, 4) AS gaps_km2
FROM cur p JOIN u ON u.province_code = p.code LEFT JOIN holes h ON h.province_code = p.code
WHERE p.level = 'province' ORDER BY p.code"""

# Pairs of current communes whose interiors overlap, with the overlap area.
OVERLAPS = """
WITH cur AS (SELECT code, name, geom FROM {s}.units WHERE upper_inf(valid) AND level = 'commune' AND geom IS NOT NULL)
SELECT a.code, a.name, b.code, b.name,
       round((ST_Area(ST_Intersection(a.geom, b.geom)::geography))::numeric, 1) AS overlap_m2
FROM cur a JOIN cur b ON a.code < b.code AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')
ORDER BY overlap_m2 DESC"""

POPULATION = """
WITH cur AS (SELECT * FROM {s}.units WHERE upper_inf(valid))
SELECT p.code, p.name, p.population AS province_figure, sum(c.population) AS communes_sum,
       count(c.*) FILTER (WHERE c.population IS NULL) AS communes_without
FROM cur p JOIN cur c ON c.level = 'commune' AND c.province_code = p.code
WHERE p.level = 'province' GROUP BY p.code, p.name, p.population ORDER BY p.code"""

CORRECTIONS = (
    "SELECT id, dataset, key, field, from_value, to_value, action, applied, reason, source FROM "
    "{s}.corrections ORDER BY id"
)


def _rows(conn: psycopg.Connection, sql: str, schema: str) -> list[tuple]:
    return conn.execute(sql.format(s=schema)).fetchall()


def _rows_on_new_connection(dsn: str, sql: str, schema: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        conn.execute("SET statement_timeout = 0")
        return _rows(conn, sql, schema)


def _implausible(rows: list[tuple]) -> dict:
    units = [
        {"code": c, "name": n, "type": t, "population": p, "area_km2": float(a) if a is not None else None, "why": w}
        for c, n, t, p, a, w in rows
    ]
    return {
        "rule": {t: {"min_per_km2": d, "min_people": m} for t, (d, m) in FLOORS.items()},
        "count": len(units),
        "units": units,
    }


def build_report(conn: psycopg.Connection, schema: str, prep: dict) -> dict:
    counts: dict[str, dict] = {}
    for gen, type_, n in _rows(conn, COUNTS, schema):
        counts.setdefault(gen, {})[type_] = n
    missing: dict[str, list] = {}
    for code, name, field, why in _rows(conn, MISSING, schema):
        missing.setdefault(field, []).append({"code": code, "name": name, "why": why})
    # The two geometric checks take most of the time: run them side by side on two connections.
    with ThreadPoolExecutor(2) as pool:
        heavy = {
            sql: pool.submit(_rows_on_new_connection, prep.get("url") or conn.info.dsn, sql, schema)
            for sql in (OVERLAPS, PROVINCE_UNION)
        }
    overlaps = [
        {"a": a, "a_name": an, "b": b, "b_name": bn, "overlap_m2": float(m2)}
        for a, an, b, bn, m2 in heavy[OVERLAPS].result()
        if m2 > 0
    ]
    unions = [
        {
            "code": c,
            "name": n,
            "province_not_covered_km2": float(g),
            "communes_outside_km2": float(o),
            "gaps": gaps,
            "gaps_km2": float(gk),
        }
        for c, n, g, o, gaps, gk in heavy[PROVINCE_UNION].result()
    ]
    return {
        "dataset_version": prep["version"],
        "counts": counts,
        "missing": {k: {"count": len(v), "units": v} for k, v in missing.items()},
        "implausible_population": _implausible(_rows(conn, IMPLAUSIBLE, schema)),
        "area_official_vs_computed": [
            {
                "code": c,
                "name": n,
                "official_km2": float(a),
                "computed_km2": float(b),
                "diff_pct": float(d),
                "cause": cause,
            }
            for c, n, a, b, d, cause in _rows(conn, AREA_DIFF, schema)
        ],
        "corrections": [
            dict(zip(("id", "dataset", "key", "field", "from", "to", "action", "applied", "reason", "source"), r))
            for r in _rows(conn, CORRECTIONS, schema)
        ],
        "source_notes": prep["notes"],
        "province_vs_communes": {
            "total_not_covered_km2": round(sum(u["province_not_covered_km2"] for u in unions), 3),
            "total_outside_km2": round(sum(u["communes_outside_km2"] for u in unions), 3),
            "provinces": unions,
        },
        "commune_gaps": {
            "count": sum(u["gaps"] for u in unions),
            "total_km2": round(sum(u["gaps_km2"] for u in unions), 4),
        },
        "consistency": prep.get("consistency", {}),
        "commune_overlaps": {
            "pairs": len(overlaps),
            "total_m2": round(sum(o["overlap_m2"] for o in overlaps), 1),
            "list": overlaps,
        },
        "population_sums": [
            {
                "code": c,
                "name": n,
                "province_figure": p,
                "communes_sum": s,
                "communes_without": w,
                "diff_pct": round(100 * (s - p) / p, 1) if p and s else None,
            }
            for c, n, p, s, w in _rows(conn, POPULATION, schema)
        ],
    }
