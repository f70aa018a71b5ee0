"""Benchmark geodata.lookup.pointindex against shapely 2 on the real commune polygons.

    python bench/pointindex_bench.py [--source DIR] [--index DIR] [--rebuild]

Points: 100,000 inside communes (random commune, rejection sampling in its
bbox) + 10,000 at sea, shuffled.  Every function is importable so that
``make bench`` (or a notebook) can call :func:`run` directly.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from geodata.lookup.pointindex import PointIndex  # noqa: E402
from geodata.settings import get_settings  # noqa: E402

DEFAULT_SOURCE = get_settings().source_dir  # the snapshot the ETL reads


def load_communes(source_dir) -> list[tuple[str, object]]:
    """(code, geometry) for every ward file, sorted by code (= index order)."""
    items = []
    for f in sorted(Path(source_dir).glob("json/geojson/*/wards/*.geojson")):
        for feat in json.loads(f.read_text(encoding="utf-8"))["features"]:
            items.append((feat["properties"]["code"], shapely.from_geojson(json.dumps(feat["geometry"]))))
    items.sort(key=lambda item: item[0])
    return items


def sample_points(geoms, n_inside=100_000, n_sea=10_000, seed=42):
    """Shuffled lon/lat arrays: points inside random communes plus sea points."""
    rng = np.random.default_rng(seed)
    per_poly = np.bincount(rng.integers(0, len(geoms), n_inside), minlength=len(geoms))
    xs, ys = [], []
    for geom, k in zip(geoms, per_poly):
        if k == 0:
            continue
        x0, y0, x1, y1 = geom.bounds
        got_x, got_y = np.empty(0), np.empty(0)
        while got_x.size < k:  # rejection sampling in the bbox
            m = 4 * k + 16
            cx, cy = rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)
            ok = shapely.contains_xy(geom, cx, cy)
            got_x, got_y = np.r_[got_x, cx[ok]], np.r_[got_y, cy[ok]]
        xs.append(got_x[:k])
        ys.append(got_y[:k])
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    tree = shapely.STRtree(geoms)
    sea_x, sea_y = np.empty(0), np.empty(0)
    while sea_x.size < n_sea:
        cx, cy = rng.uniform(x0, x1, 4 * n_sea), rng.uniform(y0, y1, 4 * n_sea)
        hit = np.zeros(cx.size, bool)
        hit[tree.query(shapely.points(cx, cy), predicate="intersects")[0]] = True
        sea_x, sea_y = np.r_[sea_x, cx[~hit]], np.r_[sea_y, cy[~hit]]
    lon = np.concatenate(xs + [sea_x[:n_sea]])
    lat = np.concatenate(ys + [sea_y[:n_sea]])
    order = rng.permutation(lon.size)
    return lon[order], lat[order]


def _lowest(n, point_idx, poly_idx):
    """Per point, the lowest polygon index among (point, polygon) pairs; -1 if none."""
    out = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(out, point_idx, poly_idx)
    out[out == np.iinfo(np.int64).max] = -1
    return out


def covers_truth(geoms, lon, lat):
    """Reference answer: lowest polygon that covers the point (shapely)."""
    pi, gi = shapely.STRtree(geoms).query(shapely.points(lon, lat), predicate="intersects")
    return _lowest(lon.size, pi, gi)


def strtree_within(tree, lon, lat):
    pi, gi = tree.query(shapely.points(lon, lat), predicate="within")
    return _lowest(lon.size, pi, gi)


def prepared_points_tree(geoms, lon, lat):
    """Best plain-shapely approach: STRtree over the points, then one prepared
    polygon tested against its bbox candidates (``intersects_xy`` = covers)."""
    ptree = shapely.STRtree(shapely.points(lon, lat))
    out = np.full(lon.size, -1, np.int64)
    for i in range(len(geoms) - 1, -1, -1):  # descending: lowest index wins
        cand = ptree.query(geoms[i])
        if cand.size:
            out[cand[shapely.intersects_xy(geoms[i], lon[cand], lat[cand])]] = i
    return out


def timed(fn, *args, repeat=5):
    """(best seconds, median seconds, result) over ``repeat`` runs.  Both are
    reported because a busy neighbour process (e.g. a database load) on a
    2-core machine halves the parallel throughput in some of the runs."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    return min(times), float(np.median(times)), result


def load_stats(index_dir) -> dict:
    """Load the index in a fresh process: import/load times and RSS (MB)."""
    code = f"""
import json, time, sys, numpy as np
def rss():  # (private, file-backed = shareable between workers) in MB
    f = dict(l.split(':', 1) for l in open('/proc/self/status'))
    return [int(f[k].split()[0]) / 1024 for k in ('RssAnon', 'RssFile')]
sys.path.insert(0, {str(ROOT)!r})
t = time.perf_counter()
from geodata.lookup.pointindex import PointIndex
t_import = time.perf_counter() - t; r0 = rss(); t = time.perf_counter()
idx = PointIndex.load({str(index_dir)!r})
t_load = time.perf_counter() - t; r1 = rss(); t = time.perf_counter()
idx.lookup(np.array([105.8522]), np.array([21.0288]))
idx.lookup(np.full(50000, 105.8522), np.full(50000, 21.0288))
t_first = time.perf_counter() - t
rng = np.random.default_rng(0)
idx.lookup(rng.uniform(102, 118, 1_000_000), rng.uniform(7, 23.4, 1_000_000))
print(json.dumps(dict(import_s=t_import, load_s=t_load, first_lookup_s=t_first,
    rss_after_import_mb=r0, rss_after_load_mb=r1, rss_after_1M_random_mb=rss(),
    index_mb=idx.nbytes / 1e6)))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(
    source_dir=DEFAULT_SOURCE,
    index_dir="/tmp/vngeo-pointindex-bench",
    rebuild=False,
    n_inside=100_000,
    n_sea=10_000,
    repeat=50,
) -> dict:
    import numba

    t = time.perf_counter()
    items = load_communes(source_dir)
    geoms = np.asarray([g for _, g in items], dtype=object)
    res = dict(read_geojson_s=time.perf_counter() - t, threads=numba.get_num_threads())
    index_dir = Path(index_dir)
    if rebuild or not (index_dir / "manifest.json").exists():
        PointIndex.build(items[:5])  # compile/load numba kernels outside the timing
        t = time.perf_counter()
        idx = PointIndex.build(items, data_version="bench")
        res["build_s"] = time.perf_counter() - t
        idx.save(index_dir)
    res["load"] = load_stats(index_dir)
    idx = PointIndex.load(index_dir)
    lon, lat = sample_points(geoms, n_inside, n_sea)
    n = lon.size
    truth = covers_truth(geoms, lon, lat)

    rows = []
    idx.lookup(lon, lat)  # warm-up: page in the arrays
    rows.append((f"pointindex ({res['threads']} threads)", *timed(idx.lookup, lon, lat, True, repeat=repeat)))
    rows.append(("pointindex (1 thread)", *timed(idx.lookup, lon, lat, False, repeat=repeat)))
    tree = shapely.STRtree(geoms)
    rows.append(("shapely STRtree.query within", *timed(strtree_within, tree, lon, lat, repeat=1)))
    shapely.prepare(geoms)
    rows.append(("shapely prepared + points STRtree", *timed(prepared_points_tree, geoms, lon, lat, repeat=1)))

    base = rows[0][1]
    res["points"] = n
    res["methods"] = [
        dict(
            method=name,
            seconds=best,
            points_per_s=n / best,
            median_points_per_s=n / median,
            slower_than_index=best / base,
            disagreements_vs_covers=int((got != truth).sum()),
        )
        for name, best, median, got in rows
    ]
    return res


def print_report(res: dict) -> None:
    print(f"points: {res['points']:,}   numba threads: {res['threads']}")
    if "build_s" in res:
        print(f"build: {res['build_s']:.1f} s")
    ld = res["load"]
    print(
        f"fresh process: import {ld['import_s']:.2f} s, load {ld['load_s'] * 1e3:.1f} ms, "
        f"first lookups (numba cache) {ld['first_lookup_s']:.2f} s; index arrays "
        f"{ld['index_mb']:.0f} MB"
    )
    for label, key in (
        ("after import", "rss_after_import_mb"),
        ("after load", "rss_after_load_mb"),
        ("after 1M random lookups", "rss_after_1M_random_mb"),
    ):
        anon, file = ld[key]
        print(f"  RSS {label:24} private {anon:6.0f} MB   shared file pages {file:6.0f} MB")
    print(f"{'method':36} {'best s':>8} {'best pts/s':>13} {'median pts/s':>13} {'x slower':>9} {'disagree':>9}")
    for m in res["methods"]:
        print(
            f"{m['method']:36} {m['seconds']:8.4f} {m['points_per_s']:13,.0f} "
            f"{m['median_points_per_s']:13,.0f} {m['slower_than_index']:9.1f} "
            f"{m['disagreements_vs_covers']:9d}"
        )
    print(
        "disagree = answers differing from shapely covers (lowest covering polygon); "
        "'within' excludes boundary points by definition"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--index", default="/tmp/vngeo-pointindex-bench")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--json", action="store_true", help="print raw JSON too")
    args = ap.parse_args(argv)
    res = run(args.source, args.index, args.rebuild)
    print_report(res)
    if args.json:
        print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
