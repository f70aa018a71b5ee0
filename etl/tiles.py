"""Load part: boundaries per zoom band for vector tiles and layers (geo.unit_shapes).

Neighbouring communes share their boundary, so each band is simplified as a *coverage*
(shapely.coverage_simplify: every shared edge simplified once, TopoJSON's idea) instead of each
polygon on its own, which opens cracks and overlaps between neighbours. The source has small
overlaps and gaps (a few hundred sliver pairs); coverage_clean removes them first, or those
edges would not be shared and would be simplified apart. Bands are simplified in a cascade
(finest first, each from the previous), which is cheaper and keeps every band a valid coverage.

The work (about 50 s of CPU for the communes on this machine) starts in a process pool in prepare() and runs while
the rest of the load reads, stages and checks; stage() collects it."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import psycopg
import shapely
from pyproj import Transformer

from geodata.tiles.mvt import BANDS

TABLES = ("unit_shapes",)
LEVELS = ("province", "commune")
# Gaps narrower than this between units (the source has 211, 0.06 km² in all) are merged into a
# neighbour: one tile pixel at z10, so no hairline shows where the source has a sliver gap.
GAP_WIDTH_M = 10.0


def to_web_mercator(geoms: np.ndarray) -> np.ndarray:
    tr = Transformer.from_crs(4326, 3857, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _as_multi(g):
    """MultiPolygon or None: cleaning/simplifying may return a Polygon, or nothing of a sliver."""
    if g is None or g.is_empty:
        return None
    if g.geom_type == "MultiPolygon":
        return g
    if g.geom_type == "Polygon":
        return shapely.MultiPolygon([g])
    polys = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return _as_multi(shapely.union_all(polys)) if polys else None


def band_shapes(wkbs: list[bytes]) -> dict:
    """In a worker process: WKB (EPSG:4326) of one coverage -> {band: [EWKB 3857 or None]} + timings."""
    t0 = time.monotonic()
    geoms = to_web_mercator(shapely.from_wkb(wkbs))
    valid_before = bool(shapely.coverage_is_valid(geoms))
    current = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH_M)
    t_clean = time.monotonic() - t0
    out: dict[int, list] = {}
    for band in sorted(range(len(BANDS)), key=lambda b: BANDS[b][2]):  # finest tolerance first
        tol = BANDS[band][2]
        if tol > 0:
            current = shapely.coverage_simplify(current, tol)
        multi = shapely.set_srid(np.array([_as_multi(g) for g in current], dtype=object), 3857)
        out[band] = list(shapely.to_wkb(multi, hex=True, include_srid=True))
    return {
        "bands": out,
        "valid_before": valid_before,
        "clean_s": round(t_clean, 1),
        "total_s": round(time.monotonic() - t0, 1),
    }


def _coverages(rows: list[dict]) -> dict[str, tuple[list[bytes], list[list[int]]]]:
    """Per level: the distinct boundaries of post-reform unit versions (later generations reuse
    them) and, for each, the ids of the versions that carry it."""
    out = {}
    for level in LEVELS:
        by_wkb: dict[bytes, list[int]] = {}
        for r in rows:
            if r["level"] == level and r.get("geom") is not None:
                by_wkb.setdefault(shapely.to_wkb(r["geom"]), []).append(r["id"])
        out[level] = (list(by_wkb), list(by_wkb.values()))
    return out


def prepare(settings, src, prep) -> dict:
    """Start the simplification in the background (one process per level: 2 cores)."""
    coverages = _coverages(prep["rows"])
    pool = ProcessPoolExecutor(max_workers=len(LEVELS))
    futures = {level: pool.submit(band_shapes, wkbs) for level, (wkbs, _) in coverages.items()}
    return {
        "pool": pool,
        "futures": futures,
        "ids": {lv: ids for lv, (_, ids) in coverages.items()},
        "t0": time.monotonic(),
    }


def _collect(data: dict) -> dict[str, dict]:
    try:
        return {level: f.result() for level, f in data["futures"].items()}
    finally:
        data["pool"].shutdown(wait=False, cancel_futures=True)


def stage(conn: psycopg.Connection, data: dict, prep: dict) -> None:
    t_wait = time.monotonic()
    results = _collect(data)
    data["wait_s"] = round(time.monotonic() - t_wait, 1)
    data["results"] = {lv: {k: v for k, v in r.items() if k != "bands"} for lv, r in results.items()}
    conn.execute("ALTER TABLE geo_stage.unit_shapes ALTER COLUMN geom SET STORAGE EXTERNAL")
    t_copy = time.monotonic()
    with conn.cursor().copy("COPY geo_stage.unit_shapes (unit_id, zband, npoints, geom) FROM STDIN") as copy:
        for level, res in results.items():
            for band, hexes in res["bands"].items():
                counts = shapely.get_num_coordinates(shapely.from_wkb(hexes))
                for ids, hx, n in zip(data["ids"][level], hexes, counts):
                    if hx is None:
                        continue
                    for uid in ids:
                        copy.write_row((uid, band, int(n), hx))
    conn.execute("CREATE INDEX ON geo_stage.unit_shapes USING gist (zband, geom)")
    data["copy_s"] = round(time.monotonic() - t_copy, 1)


def report(conn: psycopg.Connection, schema: str, data: dict) -> dict:
    rows = conn.execute(
        f"SELECT u.level, s.zband, count(*), sum(s.npoints) FROM {schema}.unit_shapes s "
        f"JOIN {schema}.units u ON u.id = s.unit_id GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    bands = [
        {
            "level": lv,
            "band": b,
            "zooms": f"{BANDS[b][0]}-{BANDS[b][1]}",
            "tolerance_m": BANDS[b][2],
            "shapes": n,
            "points": int(p),
        }
        for lv, b, n, p in rows
    ]
    res = data.get("results", {})
    summary = [
        f"tiles: shapes in {len(BANDS)} zoom bands; coverage cleaned (source valid as a coverage: "
        + ", ".join(f"{lv} {r['valid_before']}" for lv, r in res.items())
        + "); "
        + ", ".join(f"{lv} {r['total_s']} s" for lv, r in res.items())
        + f" in the background, waited {data.get('wait_s')} s, copied in {data.get('copy_s')} s"
    ]
    return {
        "bands": bands,
        "workers": res,
        "wait_s": data.get("wait_s"),
        "copy_s": data.get("copy_s"),
        "summary": summary,
    }
