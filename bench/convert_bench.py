"""Old addresses: 10,000 converted through POST /v1/convert (2 workers) and by vietnamadminunits in
process, in one run, on the same addresses; single GET /v1/convert under wrk; the address index's memory.

`python -m bench convert` runs this part alone."""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson

from bench.http_bench import Server, free_port, wrk
from geodata.lookup.point import Snapshot

N = 10_000
STREETS = ["12 Lê Lợi", "số 5 đường Trần Hưng Đạo", "Thôn 3", "Tổ 7, Khu phố 2", "45/2 Nguyễn Trãi"]


def addresses(snap: Snapshot, n: int = N, seed: int = 16) -> list[str]:
    """n old communes written "commune, district, province" (the form the package needs), a street
    before one in five."""
    ix = snap.addresses
    communes = [u for u in ix.units if u.level == "commune"]
    rnd = random.Random(seed)
    out = []
    for u in rnd.sample(communes, min(n, len(communes))):
        d, p = ix.unit("district", u.parent), ix.unit("province", u.province)
        street = rnd.choice(STREETS) + ", " if rnd.random() < 0.2 else ""
        out.append(f"{street}{u.full_name}, {d.full_name}, {p.full_name}")
    return out


def in_process(snap: Snapshot, addrs: list[str]) -> dict:
    """The service's converter without HTTP, timed in CPU seconds (what a busy machine cannot inflate)."""
    conv = snap.converter
    for a in addrs:
        conv.convert(a)  # per-day successor tables filled, as in a warm worker
    t = time.process_time()
    for a in addrs:
        conv.convert(a)
    return {"cpu_s": time.process_time() - t}


def package(addrs: list[str]) -> dict:
    from vietnamadminunits import convert_address

    convert_address(addrs[0])  # loads its tables
    ok, codes = 0, []
    c0 = time.process_time()
    t = time.perf_counter()
    for a in addrs:
        try:
            r = convert_address(a)
            codes.append(r.ward_code)
            ok += r.ward_code is not None
        except Exception:  # the package raises on what it cannot parse
            codes.append(None)
    s = time.perf_counter() - t
    return {"seconds": s, "per_s": len(addrs) / s, "answered": ok, "codes": codes, "cpu_s": time.process_time() - c0}


def service(base: str, addrs: list[str], runs: int = 5) -> dict:
    body = orjson.dumps(addrs)
    times, last = [], None
    with httpx.Client(timeout=120) as c:
        for _ in range(runs):
            t = time.perf_counter()
            r = c.post(f"{base}/v1/convert", content=body, headers={"content-type": "application/json"})
            r.raise_for_status()
            last = orjson.loads(r.content)["results"]  # what a client does with 13 MB of JSON
            times.append(time.perf_counter() - t)  # end to end: request, answer, decompression, parse
    best, med = min(times), statistics.median(times)
    return {
        "best_s": best,
        "median_s": med,
        "per_s": len(addrs) / best,
        "median_per_s": len(addrs) / med,
        "results": last,
    }


def run(index_dir: Path) -> dict:
    snap = Snapshot.open(index_dir)
    addrs = addresses(snap)
    res = {
        "addresses": len(addrs),
        "index_bytes": snap.addresses.nbytes,
        "index_file_bytes": (index_dir / "address.json").stat().st_size,
    }
    svc = Server("api.main:app", free_port())
    try:
        service(svc.base, addrs[:500], runs=1)  # warm-up: both workers open the index
        res["service"] = service(svc.base, addrs)
        paths = [f"/v1/convert?address={quote(a)}" for a in addrs[:2000]]
        wrk(svc.base, paths, 16, 3)
        res["single"] = wrk(svc.base, paths, 16, 10)
    finally:
        svc.close()
    res["package"] = package(addrs)
    res["in_process"] = in_process(snap, addrs)
    results = res["service"].pop("results")
    ok = [r for r in results if r["status"] == "ok"]
    res["service"]["answered"] = len(ok)
    res["service"]["ambiguous"] = sum(r["status"] == "ambiguous" for r in results)
    pkg = res["package"].pop("codes")
    same = sum(1 for r, p in zip(results, pkg) if r["status"] == "ok" and p and r["results"][0]["code"] == p)
    res["default_same_as_package"] = same
    res["ratio"] = res["service"]["per_s"] / res["package"]["per_s"]
    return res


def print_report(r: dict) -> None:
    s, p, one = r["service"], r["package"], r["single"]
    print(
        f"\n== old addresses -> new units ({r['addresses']:,} old communes written "
        f"'commune, district, province', a street before 1 in 5)"
    )
    print(
        f"  POST /v1/convert (2 workers)  {s['per_s']:>10,.0f} addresses/s (best of 5: {s['best_s']:.2f} s; "
        f"median {s['median_per_s']:,.0f}/s); answered {s['answered']:,}, ambiguous {s['ambiguous']}"
    )
    print(
        f"  vietnamadminunits in process  {p['per_s']:>10,.0f} addresses/s ({p['seconds']:.2f} s); "
        f"answered {p['answered']:,}"
    )
    print(
        f"  ratio: {r['ratio']:,.1f}x the package; same first successor as the package: "
        f"{r['default_same_as_package']:,} of {s['answered']:,}"
    )
    cpu, pcpu = r["in_process"]["cpu_s"], p["cpu_s"]
    print(
        f"  in process, CPU time: vn-geodata {1e6 * cpu / r['addresses']:,.0f} us an address "
        f"({r['addresses'] / cpu:,.0f}/s of CPU), vietnamadminunits {1e6 * pcpu / r['addresses']:,.0f} us "
        f"({r['addresses'] / pcpu:,.0f}/s of CPU): {pcpu / cpu:,.1f}x"
    )
    print(
        f"  single GET /v1/convert, 16 connections: {one['rps']:,.0f} req/s, p50 {one['p50_ms']:.2f} ms, "
        f"p99 {one['p99_ms']:.2f} ms, errors {one['errors']}"
    )
    print(
        f"  address index: {r['index_bytes'] / 2**20:.1f} MiB in memory per worker "
        f"(file {r['index_file_bytes'] / 2**20:.1f} MiB)"
    )
    for label, ok in (
        (">= 10,000 addresses/s through POST /v1/convert", s["per_s"] >= 10_000),
        (">= 5x vietnamadminunits", r["ratio"] >= 5),
    ):
        print(f"  {'MET ' if ok else 'MISS'} {label}")
