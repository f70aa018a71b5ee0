"""In-process lookup against PostGIS and shapely, on the same polygons (read from the database)."""

from __future__ import annotations

import time

import numpy as np
import psycopg
import shapely

from bench.pointindex_bench import prepared_points_tree, sample_points, timed
from geodata.lookup.point import Snapshot

POSTGIS_BATCH = """
SELECT t.i, (SELECT min(u.code) FROM geo.units u WHERE u.level = 'commune' AND u.valid @> DATE '2026-10-01'
                AND ST_Covers(u.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)))
FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i) ORDER BY t.i"""
GEOMS = """SELECT code, ST_AsBinary(geom) FROM geo.units WHERE level = 'commune' AND valid @> DATE '2026-10-01'
           ORDER BY code"""


def postgis(url: str, lon, lat) -> tuple[float, list]:
    with psycopg.connect(url) as conn:
        conn.execute("SET statement_timeout = 0")
        t = time.perf_counter()
        rows = conn.execute(POSTGIS_BATCH, (lon.tolist(), lat.tolist())).fetchall()
        return time.perf_counter() - t, [r[1] for r in rows]


def near_boundary_points(geoms, n: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Points within a metre (~1e-5°) of a commune edge, off the edge itself."""
    rng = np.random.default_rng(seed)
    rings = shapely.get_exterior_ring(shapely.get_parts(geoms))
    pick = rng.integers(0, len(rings), n)
    pts = shapely.line_interpolate_point(rings[pick], rng.uniform(0, 1, n), normalized=True)
    xy = shapely.get_coordinates(pts) + rng.uniform(-1e-5, 1e-5, (n, 2))
    return xy[:, 0].copy(), xy[:, 1].copy()


def run(url: str, index_dir, repeat: int = 20) -> dict:
    snap = Snapshot.open(index_dir)
    idx = snap.index
    with psycopg.connect(url) as conn:
        rows = conn.execute(GEOMS).fetchall()
    assert [r[0] for r in rows] == idx.codes, "index and database disagree on the communes"
    geoms = shapely.from_wkb([r[1] for r in rows])
    lon, lat = sample_points(geoms, 100_000, 10_000)
    n = lon.size
    codes = np.array(idx.codes + [None], dtype=object)
    idx.lookup(lon, lat)
    best, median, got = timed(idx.lookup, lon, lat, True, repeat=repeat)
    pg_s, pg_codes = postgis(url, lon, lat)
    shapely.prepare(geoms)
    sh_best, _, sh_got = timed(prepared_points_tree, geoms, lon, lat, repeat=1)
    index_codes = codes[got]
    disagree_pg = int(sum(a != b for a, b in zip(index_codes, pg_codes)))
    blon, blat = near_boundary_points(geoms, 100_000)
    b_idx = codes[idx.lookup(blon, blat)]
    _, b_pg = postgis(url, blon, blat)
    b_dis = [i for i, (a, b) in enumerate(zip(b_idx, b_pg)) if a != b]
    ties = sum(idx.on_boundary(blon[i], blat[i]) for i in b_dis)
    return {
        "points": n,
        "index_points_per_s": n / best,
        "index_median_points_per_s": n / median,
        "postgis_points_per_s": n / pg_s,
        "shapely_best_points_per_s": n / sh_best,
        "disagreements_vs_postgis": disagree_pg,
        "shapely_vs_postgis": int(sum(a != b for a, b in zip(codes[sh_got], pg_codes))),
        "near_boundary_points": blon.size,
        "near_boundary_disagreements": len(b_dis) - ties,
        "near_boundary_ties": ties,
    }
