"""make soak: single lookups for SOAK_SECONDS (default 300) at 80% of the peak rate measured just before,
on the service as `vngeo serve` runs it (2 workers, uvloop, httptools). Prints the rate, p50/p99,
errors and the workers' resident memory at the start and the end (and every 30 s between)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.http_bench import ROOT, Server, lookup_paths, wrk
from geodata.settings import etl_url, get_settings

TARGET_P99_MS = 10.0  # the lookup issue's target
CONNECTIONS = 8


def workers_rss_mib(pid: int) -> float:
    kids = [
        k
        for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()
    ] or [str(pid)]  # not the resource tracker
    total = 0
    for k in kids:
        for line in Path(f"/proc/{k}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def paced_wrk(base: str, paths: list[str], delay_p: float, seconds: int) -> dict:
    """wrk on CONNECTIONS connections, each pausing 1 ms before a request with probability delay_p."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{CONNECTIONS}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "5s",
                "-s",
                str(ROOT / "bench" / "paths.lua"),
                base,
            ],
            env={**os.environ, "WRK_PATHS": f.name, "WRK_DELAY_P": f"{delay_p:.4f}"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    res = json.loads(next(line[5:] for line in out.splitlines() if line.startswith("JSON ")))
    res["rps"], res["delay_p"] = res["requests"] / res["seconds"], delay_p
    return res


def calibrate(base: str, paths: list[str], target: float) -> float:
    """The pause probability that offers about `target` requests a second on CONNECTIONS connections.
    Few connections, as a load balancer's pool keeps: with dozens, uvicorn's workers (one shared
    listening socket) get them unevenly and one worker queues while the other idles."""
    lo, hi = 0.0, 1.0
    for _ in range(6):
        mid = (lo + hi) / 2
        got = paced_wrk(base, paths, mid, 3)["rps"]
        if abs(got - target) < 0.03 * target:
            return mid
        lo, hi = (mid, hi) if got > target else (lo, mid)
    return (lo + hi) / 2


def main() -> None:
    seconds = int(os.environ.get("SOAK_SECONDS", "300"))
    paths = lookup_paths(etl_url(get_settings()))
    svc = Server("api.main:app", int(os.environ.get("SOAK_PORT", "8766")))
    try:
        wrk(svc.base, paths, 32, 5)  # warm-up: index pages, numba, connections
        peak = wrk(svc.base, paths, CONNECTIONS, 15)
        fraction = float(os.environ.get("SOAK_FRACTION", "0.8"))
        target = fraction * peak["rps"]
        print(
            f"peak single lookups: {peak['rps']:,.0f}/s (closed loop, p50 {peak['p50_ms']:.2f} ms, "
            f"p99 {peak['p99_ms']:.2f} ms); "
            f"soak at {fraction:.0%}: {target:,.0f}/s for {seconds} s"
        )
        delay_p = calibrate(svc.base, paths, target)
        samples = [(0, workers_rss_mib(svc.proc.pid))]
        done = threading.Event()

        def sample():
            t0 = time.monotonic()
            while not done.wait(30):
                samples.append((round(time.monotonic() - t0), workers_rss_mib(svc.proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        res = paced_wrk(svc.base, paths, delay_p, seconds)
        done.set()
        samples.append((seconds, workers_rss_mib(svc.proc.pid)))
    finally:
        svc.close()
    start, end = samples[0][1], samples[-1][1]
    print(
        f"served {res['requests']:,} requests in {res['seconds']:.0f} s = {res['rps']:,.0f}/s "
        f"({CONNECTIONS} connections, pause probability {res['delay_p']:.3f}), errors {res['errors']} (non-2xx "
        f"{res['non2xx']})"
    )
    print(
        f"latency p50 {res['p50_ms']:.2f} ms, p99 {res['p99_ms']:.2f} ms, p99.9 {res['p999_ms']:.2f} ms, "
        f"max {res['max_ms']:.1f} ms  -> {'MET' if res['p99_ms'] < TARGET_P99_MS else 'MISS'} p99 < "
        f"{TARGET_P99_MS:g} ms"
    )
    print(
        f"workers RSS: start {start:.0f} MiB, end {end:.0f} MiB ({end - start:+.0f} MiB); "
        "trajectory " + ", ".join(f"{t}s {m:.0f}" for t, m in samples)
    )
    if res["errors"]:
        raise SystemExit("soak: errors")


if __name__ == "__main__":
    main()
