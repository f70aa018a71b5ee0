"""Vector tile figures: cold (cache off) and cached req/s with p99 at z6, z10, z14 over Hà Nội and
Hồ Chí Minh City, tile sizes, sliver area between neighbours at z6 and z10, and the size of the
whole-country province GeoJSON for z5. `python -m bench.tiles_bench` prints them; `make bench`
may call run() and print_report()."""

from __future__ import annotations

import statistics
import sys

import httpx
import mercantile

from bench.http_bench import Server, wrk
from bench.slivers import land_in_tile, sliver_area, tile_bbox

CITIES = {"Hà Nội": (105.8522, 21.0288), "Hồ Chí Minh": (106.7009, 10.7769)}
ZOOMS = {6: 0, 10: 1, 14: 2}  # zoom -> radius of the block of tiles around each city centre
TARGETS = {"z10_median_kb": 100, "z6_max_kb": 300, "provinces_z5_mb": 1.0}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    t = mercantile.tile(lon, lat, z)
    return t.x, t.y


def tile_paths(z: int, template: str = "/v1/tiles/communes/{z}/{x}/{y}.mvt") -> list[str]:
    """The block of tiles around each city; `template` gives a peer's URLs (bench/ogc_bench.py)."""
    r, out = ZOOMS[z], []
    for lon, lat in CITIES.values():
        x0, y0 = tile_of(lon, lat, z)
        out += [template.format(z=z, x=x, y=y) for x in range(x0 - r, x0 + r + 1) for y in range(y0 - r, y0 + r + 1)]
    return out


def TileServer(port: int, cache: bool) -> Server:
    # (the bench turns the per-client limit on cold tiles off: it would answer 429 to the bench itself)
    return Server("api.main:app", port, env={"VNGEO_TILE_CACHE": "true" if cache else "false"}, ready="/v1/tiles")


def throughput(port: int, cache: bool, seconds: int = 10, connections: int = 8) -> dict:
    """req/s, p50 and p99 per zoom; with the cache, every tile is fetched once before measuring."""
    srv, out = TileServer(port, cache), {}
    try:
        for z in ZOOMS:
            paths = tile_paths(z)
            with httpx.Client(base_url=srv.base, timeout=60) as c:
                for p in paths:
                    c.get(p)  # warm: the pool, the power counts, and (cache on) the tiles
            out[z] = wrk(srv.base, paths, connections, seconds)
    finally:
        srv.close()
    return out


def sizes(base: str) -> dict:
    """Sizes of every communes tile at z6 and z10 (the pyramid from z0, children of non-empty tiles)."""
    res, level = {}, [(0, 0, 0)]
    with httpx.Client(base_url=base, timeout=120) as c:
        for z in range(11):
            got = [(t, c.get(f"/v1/tiles/communes/{t[0]}/{t[1]}/{t[2]}.mvt")) for t in level]
            got = [(t, r) for t, r in got if r.status_code == 200]
            if z in (6, 10):
                kb = [len(r.content) / 1024 for _, r in got]
                res[z] = {"tiles": len(kb), "median_kb": round(statistics.median(kb), 1), "max_kb": round(max(kb), 1)}
            level = [(z + 1, 2 * x + dx, 2 * y + dy) for (_, x, y), _ in got for dx in (0, 1) for dy in (0, 1)]
        res["provinces_z5_geojson_mb"] = round(
            len(c.get("/v1/layers/provinces.geojson", params={"simplify": "5"}).content) / 1e6, 3
        )
    return res


def slivers(base: str) -> dict:
    """Sliver area in the tile at each city centre; holes that are sea at full resolution too (a
    bay or a strait closed at the tile's scale) are told apart with the full-resolution layer."""
    out = {}
    with httpx.Client(base_url=base, timeout=300) as c:
        for z in (6, 10):
            for city, (lon, lat) in CITIES.items():
                x, y = tile_of(lon, lat, z)
                full = c.get("/v1/layers/communes.geojson", params={"bbox": tile_bbox(z, x, y)}).json()
                out[f"z{z} {city}"] = sliver_area(
                    c.get(f"/v1/tiles/communes/{z}/{x}/{y}.mvt").content, "communes", land_in_tile(full, z, x, y)
                )
    return out


def run(port: int = 8781, seconds: int = 10) -> dict:
    res = {
        "cold": throughput(port, cache=False, seconds=seconds),
        "cached": throughput(port + 1, cache=True, seconds=seconds),
    }
    srv = TileServer(port + 2, cache=True)
    try:
        res["sizes"], res["slivers"] = sizes(srv.base), slivers(srv.base)
    finally:
        srv.close()
    return res


def print_report(res: dict) -> None:
    print("\n== vector tiles (communes; 2 workers; wrk 8 connections)")
    for z in ZOOMS:
        cold, hot = res["cold"][z], res["cached"][z]
        print(
            f"  z{z:<2} cold {cold['rps']:8.1f} req/s p99 {cold['p99_ms']:7.1f} ms | cached {hot['rps']:8.1f} req/s "
            f"p99 {hot['p99_ms']:6.1f} ms | x{hot['rps'] / cold['rps']:.0f} | errors {cold['errors']}/{hot['errors']}"
        )
    sz = res["sizes"]
    print(
        f"  z6: {sz[6]['tiles']} tiles, max {sz[6]['max_kb']} KB (target < {TARGETS['z6_max_kb']}); "
        f"z10: {sz[10]['tiles']} tiles, median {sz[10]['median_kb']} KB (target < {TARGETS['z10_median_kb']})"
    )
    print(f"  provinces GeoJSON simplified for z5: {sz['provinces_z5_geojson_mb']} MB (target < 1)")
    for k, s in res["slivers"].items():
        print(
            f"  slivers {k}: overlap {s['overlap']} / crack {s['crack']} units² (rounding to the grid); "
            f"beyond tile precision: {s['overlap_beyond_precision']} / {s['crack_beyond_precision']}"
        )


if __name__ == "__main__":
    sys.exit(print_report(run()))
