"""OGC API Features and vector tiles beside the peers tipg and pygeoapi (bench/peers.py): the same
PostGIS data (today's communes, full resolution), the same request paths, the same wrk settings,
one server at a time. `python -m bench.ogc_bench` runs just this part; `make bench` calls run()
with the tile figures it has already measured, then print_report()."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

from bench import peers, tiles_bench
from bench.http_bench import Server, free_port, wrk
from bench.peers import CRS3405
from etl.migrate import migrate
from geodata.settings import api_url, etl_url, get_settings

SERVERS = ("vn-geodata", "tipg", "pygeoapi")
CONNECTIONS, SECONDS, TIMEOUT = 8, 10, 60  # wrk; the timeout keeps slow pages in the latencies, not the errors
LONG_SECONDS = 60  # a run with fewer than 2 answers per connection is measured again this long
COLLECTION = {
    "vn-geodata": "/ogc/collections/communes",
    "tipg": "/collections/geo_current.communes",
    "pygeoapi": "/collections/communes",
}
TIPG_TILE = "/collections/geo_current.communes/tiles/WebMercatorQuad/{z}/{x}/{y}"
VIETNAM = (102.14, 7.18, 117.83, 23.4)
# Request kind -> the query strings wrk cycles through, the same for every server. Offsets spread
# the pages over all 3,321 communes; the bbox query names its limit because the defaults differ
# and 55 communes touch that box.
KINDS = {
    "items limit=100": [f"limit=100&offset={o}" for o in range(0, 3321, 100)],
    "items limit=1000": [f"limit=1000&offset={o}" for o in (0, 1000, 2000)],
    "bbox Hà Nội": ["bbox=105.75,20.95,105.9,21.1&limit=100"],
}
KINDS |= {f"{k} crs=3405": [f"{q}&crs={CRS3405}" for q in qs] for k, qs in list(KINDS.items())}


def honours_crs(base: str, collection: str) -> tuple[bool, str]:
    """Part 2 honoured: the answer says EPSG:3405 in Content-Crs and its coordinates are metres."""
    r = httpx.get(f"{base}{collection}/items", params={"limit": 1, "crs": CRS3405}, timeout=60)
    if r.status_code != 200:
        return False, f"HTTP {r.status_code}"
    x = r.json()["features"][0]["geometry"]["coordinates"]
    while isinstance(x, list):
        x = x[0]
    header = r.headers.get("content-crs", "none")
    ok = "EPSG/0/3405" in header and abs(x) > 1000
    return ok, f"Content-Crs {header}, first x {x}"


def items(base: str, collection: str, crs_ok: bool) -> dict:
    out = {}
    wrk(base, [f"{collection}/items?{q}" for q in KINDS["items limit=100"]], CONNECTIONS, 3, TIMEOUT)  # warm-up
    for kind, queries in KINDS.items():
        if "crs=" in kind and not crs_ok:
            continue
        paths = [f"{collection}/items?{q}" for q in queries]
        first = httpx.get(base + paths[0], timeout=120)
        first.raise_for_status()
        out[kind] = wrk(base, paths, CONNECTIONS, SECONDS, TIMEOUT)
        if out[kind]["requests"] < 2 * CONNECTIONS:  # too few answers for a rate, let alone a p99
            out[kind] = wrk(base, paths, CONNECTIONS, LONG_SECONDS, TIMEOUT)
        out[kind]["features"] = len(first.json()["features"])
    return out


def z6_max_kb(base: str, template: str) -> float:
    """Largest z6 communes tile over the whole of Vietnam (the same tiles for each server)."""
    (x0, y0), (x1, y1) = tiles_bench.tile_of(VIETNAM[0], VIETNAM[3], 6), tiles_bench.tile_of(VIETNAM[2], VIETNAM[1], 6)
    with httpx.Client(base_url=base, timeout=120) as c:
        return round(
            max(
                len(c.get(template.format(z=6, x=x, y=y)).content) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)
            )
            / 1024,
            1,
        )


def tipg_tiles(base: str) -> dict:
    out = {}
    with httpx.Client(base_url=base, timeout=120) as c:
        for z in tiles_bench.ZOOMS:
            paths = tiles_bench.tile_paths(z, TIPG_TILE)
            for p in paths:
                c.get(p)  # warm the pool and tipg's catalog, as tiles_bench does for this service
            out[z] = wrk(base, paths, CONNECTIONS, SECONDS, TIMEOUT)
    return out


def ogr_import(base: str, layer: str, timeout: int = 400) -> dict:
    """ogr2ogr from OAPIF into a GeoPackage: seconds and the feature count written."""
    if not shutil.which("ogr2ogr"):
        return {"error": "ogr2ogr not installed (make bench installs gdal-bin)"}
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.gpkg"
        t = time.perf_counter()
        try:
            p = subprocess.run(
                ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{base}", layer],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timeout after {timeout} s"}
        seconds = time.perf_counter() - t
        info = subprocess.run(["ogrinfo", "-so", "-al", str(out)], capture_output=True, text=True).stdout
    count = re.search(r"Feature Count: (\d+)", info)
    return {
        "seconds": seconds,
        "features": int(count.group(1)) if count else None,
        **({"error": p.stderr.strip()[-300:]} if p.returncode else {}),
    }


def ogr_floor(base: str) -> float:
    """ogr2ogr from a local GeoJSON file of the same features: GDAL's own share of every import."""
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "communes.json"
        with (
            httpx.stream("GET", f"{base}{COLLECTION['vn-geodata']}/items?limit=10000", timeout=120) as r,
            open(src, "wb") as f,
        ):
            for chunk in r.iter_bytes():
                f.write(chunk)
        t = time.perf_counter()
        subprocess.run(["ogr2ogr", "-f", "GPKG", str(Path(d) / "out.gpkg"), str(src)], capture_output=True, check=True)
        return time.perf_counter() - t


def start(name: str, url: str) -> Server:
    if name == "vn-geodata":
        return Server(
            "api.main:app",
            free_port(),
            {"VNGEO_POOL_MAX": str(peers.DB_CONNECTIONS), "VNGEO_TILE_CACHE": "false"},
            ready="/ogc",
        )
    return peers.START[name](url)


def run(ours_tiles: dict | None = None) -> dict:
    """ours_tiles: {"cold": ..., "cached": ...} from tiles_bench.run(); measured here when absent."""
    t0 = time.monotonic()
    s = get_settings()
    with psycopg.connect(etl_url(s)) as conn:
        migrate(conn)  # the views the peers read (005_current_views.sql), if a load has not made them yet
    for name in peers.REQUIREMENTS:  # before any measurement: a first install takes a minute
        peers.install(name)
    res = {"versions": {n: peers.version(n) for n in peers.REQUIREMENTS}, "crs": {}, "items": {}, "ogr2ogr": {}}
    if ours_tiles is None:
        ours_tiles = {
            "cold": tiles_bench.throughput(free_port(), cache=False),
            "cached": tiles_bench.throughput(free_port(), cache=True),
        }
    res["tiles"] = {"cold": ours_tiles["cold"], "cached": ours_tiles["cached"]}
    for name in SERVERS:  # one at a time: nothing else runs beside the server measured
        srv = start(name, api_url(s))
        try:
            ok, why = honours_crs(srv.base, COLLECTION[name])
            res["crs"][name] = {"ok": ok, "why": why}
            res["items"][name] = items(srv.base, COLLECTION[name], ok)
            if name == "tipg":
                res["tiles"]["tipg"] = tipg_tiles(srv.base)
                res["tiles"]["tipg_z6_max_kb"] = z6_max_kb(srv.base, TIPG_TILE)
            elif name == "vn-geodata":
                res["tiles"]["ours_z6_max_kb"] = z6_max_kb(srv.base, "/v1/tiles/communes/{z}/{x}/{y}.mvt")
                res["ogr2ogr_floor_s"] = ogr_floor(srv.base) if shutil.which("ogr2ogr") else None
            base = srv.base + ("/ogc" if name == "vn-geodata" else "")
            res["ogr2ogr"][name] = ogr_import(base, peers.COLLECTIONS.get(name, "communes"))
        finally:
            srv.close()

    res["clients"] = run_clients()
    res["seconds"] = time.monotonic() - t0
    return res


def _cell(r: dict | None, na: str = "n/a") -> str:
    """req/s and p99 in 22 characters; * marks a run with errors, + a long run (both listed under the table)."""
    if r is None:
        return f"{na:>22}"
    if not r["requests"]:
        return f"{f'none done in {SECONDS} s':>21}*"
    return f"{r['rps']:11.1f} {r['p99_ms']:9.1f}{'*' if r['errors'] else '+' if r['seconds'] > SECONDS + 5 else ' '}"


def _ratio(a: dict, b: dict) -> float:
    return a["rps"] / b["rps"] if b["rps"] else float("inf")


def _check(label: str, ok: bool) -> str:
    return f"  {'MET ' if ok else 'MISS'} {label}"


def print_report(res: dict) -> None:
    v = res["versions"]
    print(
        f"\n== OGC API Features and tiles beside tipg {v['tipg']} and pygeoapi {v['pygeoapi']} "
        f"(same PostGIS views; 2 uvicorn workers and 8 DB connections each; wrk {CONNECTIONS} connections, "
        f"{SECONDS} s, or {LONG_SECONDS} s when fewer than {2 * CONNECTIONS} answers; one server at a time)"
    )
    print(f"  {'request':<28}" + "".join(f"{n:>22}" for n in SERVERS))
    print(f"  {'':<28}" + f"{'req/s    p99 ms':>22}" * 3)
    for kind in KINDS:
        cells = [_cell(res["items"][n].get(kind), "n/a (no Part 2)") for n in SERVERS]
        print(f"  {kind:<28}" + "".join(cells))
    t = res["tiles"]
    for z in tiles_bench.ZOOMS:
        print(f"  {f'tiles z{z} cold':<28}{_cell(t['cold'][z])}{_cell(t['tipg'][z])}{'no PostGIS tiles':>22}")
        print(f"  {f'tiles z{z} cached':<28}{_cell(t['cached'][z])}{'no tile cache':>22}{'no PostGIS tiles':>22}")
    cells = []
    for n in SERVERS:
        o = res["ogr2ogr"][n]
        cells.append(f"{o['seconds']:8.1f} s, {o['features']} f" if "seconds" in o else o["error"][:21])
    print(f"  {'ogr2ogr import to GPKG':<28}" + "".join(f"{c:>22}" for c in cells))
    runs = {f"{n} {k}": r for n in SERVERS for k, r in res["items"][n].items()}
    runs |= {
        f"{n} tiles z{z}": t[key][z]
        for n, key in (("vn-geodata", "cold"), ("vn-geodata", "cached"), ("tipg", "tipg"))
        for z in tiles_bench.ZOOMS
    }
    for label, r in runs.items():
        if r["errors"] or not r["requests"] or r["seconds"] > SECONDS + 5:
            print(
                f"  {'*' if r['errors'] else '+'} {label}: {r['requests']} answers in {r['seconds']:.0f} s, "
                f"{r['errors']} errors "
                f"({r['non2xx']} non-2xx)"
            )
    if res.get("ogr2ogr_floor_s"):
        print(
            f"  ogr2ogr from a local GeoJSON file of the same features: {res['ogr2ogr_floor_s']:.1f} s "
            f"(GDAL's own share of each import)"
        )
    print(
        f"  largest z6 communes tile over Vietnam: vn-geodata {t['ours_z6_max_kb']} KB, tipg {t['tipg_z6_max_kb']} KB"
    )
    for n in SERVERS:
        print(
            f"  crs=EPSG:3405 on {n}: {'honoured' if res['crs'][n]['ok'] else 'not honoured'} ({res['crs'][n]['why']})"
        )
    print(
        "  features in the first answer, vn-geodata/tipg/pygeoapi: "
        + ", ".join(
            "/".join(str(res["items"][n][k]["features"]) if k in res["items"][n] else "-" for n in SERVERS)
            for k in KINDS
        )
        + " (kinds in table order)"
    )

    ours, tipg, pga = (res["items"][n] for n in SERVERS)
    print("  ratios (vn-geodata req/s over the peer's):")
    for kind in KINDS:
        parts = [
            f"{_ratio(ours[kind], peer[kind]):.1f}x {n}"
            for n, peer in (("tipg", tipg), ("pygeoapi", pga))
            if kind in peer and kind in ours
        ]
        print(f"    {kind:<26} " + ", ".join(parts))
    for z in tiles_bench.ZOOMS:
        print(
            f"    tiles z{z:<20} cold {_ratio(t['cold'][z], t['tipg'][z]):.2f}x tipg, "
            f"cached {_ratio(t['cached'][z], t['tipg'][z]):.0f}x tipg"
        )
    og = res["ogr2ogr"]
    speedup = {
        n: og[n]["seconds"] / og["vn-geodata"]["seconds"]
        for n in ("tipg", "pygeoapi")
        if "seconds" in og[n] and "seconds" in og["vn-geodata"]
    }
    print("    ogr2ogr import             " + ", ".join(f"{x:.1f}x faster than from {n}" for n, x in speedup.items()))

    print("  targets:")
    for z in tiles_bench.ZOOMS:
        print(_check(f"cold tiles z{z} >= tipg", t["cold"][z]["rps"] >= t["tipg"][z]["rps"]))
        print(_check(f"cached tiles z{z} >= 10x tipg", t["cached"][z]["rps"] >= 10 * t["tipg"][z]["rps"]))
    for kind in KINDS:
        if "crs=" not in kind:
            print(_check(f"{kind} >= tipg", ours[kind]["rps"] >= tipg[kind]["rps"]))
        elif kind in pga:
            print(_check(f"{kind} >= 5x pygeoapi", ours[kind]["rps"] >= 5 * pga[kind]["rps"]))
        else:
            print(_check(f"{kind} >= 5x pygeoapi (pygeoapi does not honour crs)", False))
    print(_check("ogr2ogr import >= 5x faster than from pygeoapi", speedup.get("pygeoapi", 0) >= 5))
    if "clients" in res:
        from bench import clients_bench

        clients_bench.print_report(res["clients"])
    print(f"  (this part took {res['seconds'] / 60:.1f} min)")


def run_clients() -> dict:
    """The GIS-clients part (bench/clients_bench.py): vn-geodata before and after, and pygeoapi."""
    from bench import clients_bench

    s = get_settings()
    peers.install("pygeoapi")
    res = {}
    srv = start("vn-geodata", api_url(s))  # tile cache off does not matter here: no tiles asked
    try:
        for label, before in (("vn-geodata before", True), ("vn-geodata after", False)):
            res[label] = clients_bench.measure(
                "vn-geodata", srv.base, "/ogc", COLLECTION["vn-geodata"], "communes", before
            )
    finally:
        srv.close()
    srv = start("pygeoapi", api_url(s))
    try:
        res["pygeoapi"] = clients_bench.measure(
            "pygeoapi", srv.base, "", COLLECTION["pygeoapi"], peers.COLLECTIONS["pygeoapi"], False
        )
    finally:
        srv.close()
    return res


if __name__ == "__main__":
    if sys.argv[1:] == ["clients"]:
        from bench import clients_bench

        sys.exit(clients_bench.print_report(run_clients()))
    sys.exit(print_report(run()))
