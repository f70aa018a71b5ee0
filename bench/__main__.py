"""make bench: the service's lookup beside PostGIS and shapely, its HTTP figures beside a bare
FastAPI endpoint, and its OGC API and tiles beside tipg and pygeoapi, in one run on this machine.
Prints the figures, the ratios and the targets."""

from __future__ import annotations

import os
import platform
import sys

from bench import convert_bench, http_bench, lookup_bench, ogc_bench, tiles_bench
from geodata.lookup.files import latest_index
from geodata.settings import etl_url, get_settings


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 2**20
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}"


def check(label: str, ok: bool) -> str:
    return f"{'MET ' if ok else 'MISS'} {label}"


def main() -> None:
    s = get_settings()
    print(f"machine: {machine()}")
    if sys.argv[1:] == ["convert"]:  # one part alone: python -m bench convert
        convert_bench.print_report(convert_bench.run(latest_index(s.state_dir)))
        return
    lk = lookup_bench.run(etl_url(s), latest_index(s.state_dir))
    print(f"\n== lookup, in process ({lk['points']:,} points: 100,000 in communes + 10,000 at sea)")
    print(
        f"  vn-geodata index    {lk['index_points_per_s']:>14,.0f} points/s (median "
        f"{lk['index_median_points_per_s']:,.0f})"
    )
    print(
        f"  PostGIS ST_Covers   {lk['postgis_points_per_s']:>14,.0f} points/s  (one batch query, full polygons, GiST)"
    )
    print(f"  shapely 2 best      {lk['shapely_best_points_per_s']:>14,.0f} points/s  (prepared polygons, points tree)")
    r_pg = lk["index_points_per_s"] / lk["postgis_points_per_s"]
    r_sh = lk["index_points_per_s"] / lk["shapely_best_points_per_s"]
    print(f"  ratios: {r_pg:,.0f}x PostGIS, {r_sh:,.1f}x shapely")
    print(
        f"  disagreements with PostGIS: {lk['disagreements_vs_postgis']} (shapely: {lk['shapely_vs_postgis']}); "
        f"{lk['near_boundary_points']:,} points within 1 m of an edge: {lk['near_boundary_disagreements']} "
        f"disagreements + {lk['near_boundary_ties']} exact-boundary ties"
    )
    ht = http_bench.run(etl_url(s))
    b = ht["batch_1M_s"]
    print("\n== HTTP (2 uvicorn workers, uvloop, httptools)")
    print(f"  batch 1,000,000 points: full JSON {b['full']:.2f} s, codes {b['codes']:.2f} s")
    sv, bare, se = ht["service_single"], ht["bare_single"], ht["search"]
    print(
        f"  single lookup, 32 connections: {sv['rps']:,.0f} req/s, p50 {sv['p50_ms']:.2f} ms, p99 "
        f"{sv['p99_ms']:.2f} ms, "
        f"errors {sv['errors']}"
    )
    print(
        f"  bare FastAPI constant:          {bare['rps']:,.0f} req/s, p99 {bare['p99_ms']:.2f} ms "
        f"-> service at {100 * ht['single_vs_bare']:.0f}% of bare"
    )
    print(f"  search, 8 connections: {se['rps']:,.0f} req/s, p50 {se['p50_ms']:.2f} ms, p99 {se['p99_ms']:.2f} ms")
    print("\n== vector tiles")
    tiles = tiles_bench.run()
    tiles_bench.print_report(tiles)
    ogc_bench.print_report(ogc_bench.run(tiles))
    convert_bench.print_report(convert_bench.run(latest_index(s.state_dir)))
    print("\n== lookup and search targets")
    for line in (
        check("index >= 10,000,000 points/s", lk["index_points_per_s"] >= 10e6),
        check("index >= 400x PostGIS batch", r_pg >= 400),
        check("index >= 15x shapely best", r_sh >= 15),
        check(
            "0 disagreements with PostGIS away from ties",
            lk["disagreements_vs_postgis"] == 0 and lk["near_boundary_disagreements"] == 0,
        ),
        check("batch 1M full JSON < 3 s", b["full"] < 3),
        check("batch 1M codes < 1 s", b["codes"] < 1),
        check("single lookup >= 60% of bare FastAPI", ht["single_vs_bare"] >= 0.6),
        check("single lookup p99 < 10 ms at 32 connections", sv["p99_ms"] < 10),
        check("search p99 < 20 ms", se["p99_ms"] < 20),
    ):
        print("  " + line)


if __name__ == "__main__":
    main()
