"""HTTP figures: batch lookup end to end, single lookup against a bare FastAPI endpoint, search."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import orjson

ROOT = Path(__file__).resolve().parents[1]
UVICORN = [
    "-m",
    "uvicorn",
    "--host",
    "127.0.0.1",
    "--workers",
    "2",
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--log-level",
    "warning",
    "--no-access-log",
]
SEARCHES = [
    "hoan kiem",
    "Hoàn Kiếm",
    "ba dinh",
    "TP HCM",
    "Sài Gòn",
    "hue",
    "hoa binh",
    "da nang",
    "Trúc Bạch",
    "phuong 1",
    "xa sin chai",
    "ben thanh",
    "cau giay",
    "nha trang",
    "hoan kim",
    "quang ninh",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn with 2 workers; `python` may be another venv's interpreter (the peers in bench/peers.py)."""

    def __init__(
        self,
        app: str,
        port: int,
        env: dict | None = None,
        ready: str = "/v1/lookup?lat=21.0288&lon=105.8522",
        python: str = sys.executable,
        cwd: Path = ROOT,
        log: Path | None = None,
    ):
        # The bench measures the service, not its per-client rate limits: turn those off.
        env = {**os.environ, "VNGEO_RATE_PER_MINUTE": "0", "VNGEO_TILES_RATE_PER_MINUTE": "0", **(env or {})}
        out = open(log, "w") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [python, *UVICORN, "--port", str(port), app],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        )
        if log:
            out.close()  # the child holds its own copy
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(self.base + ready, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.close()
        raise RuntimeError(f"{app} did not start" + (f"; see {log}" if log else ""))

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def wrk(base: str, paths: list[str], connections: int, seconds: int = 10, timeout: int = 2) -> dict:
    """timeout: wrk counts slower responses as errors and leaves them out of the latencies."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (make bench installs it with apt)")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            f"--timeout={timeout}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "paths.lua"),
            base,
        ],
        env={**os.environ, "WRK_PATHS": f.name},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    res = json.loads(next(line[5:] for line in out.splitlines() if line.startswith("JSON ")))
    res["rps"] = res["requests"] / res["seconds"]
    return res


def lookup_paths(url: str, n: int = 3000) -> list[str]:
    """Points on land, as apps send them: near commune label points (jitter ~100 m)."""
    import psycopg

    with psycopg.connect(url) as conn:
        pts = np.array(
            conn.execute(
                "SELECT ST_X(label_point), ST_Y(label_point) FROM geo.units "
                "WHERE level = 'commune' AND upper_inf(valid) ORDER BY code"
            ).fetchall()
        )
    rng = np.random.default_rng(11)
    pick = pts[rng.integers(0, len(pts), n)] + rng.normal(0, 0.001, (n, 2))
    return [f"/v1/lookup?lat={lat:.6f}&lon={lon:.6f}" for lon, lat in pick]


def batch(base: str) -> dict:
    rng = np.random.default_rng(1)
    n = 1_000_000
    body = orjson.dumps(
        {"points": np.column_stack([rng.uniform(102.2, 109.5, n), rng.uniform(8.5, 23.3, n)]).round(6).tolist()}
    )
    out = {}
    with httpx.Client(timeout=120) as c:
        for fmt in ("full", "codes"):
            times = []
            for _ in range(3):
                t = time.perf_counter()
                r = c.post(f"{base}/v1/lookup?format={fmt}", content=body, headers={"content-type": "application/json"})
                r.raise_for_status()
                times.append(time.perf_counter() - t)
            out[fmt] = min(times)
    return out


def run(url: str, port: int = 8765) -> dict:
    res = {}
    paths = lookup_paths(url)
    svc = Server("api.main:app", port)
    try:
        res["batch_1M_s"] = batch(svc.base)
        wrk(svc.base, paths, 32, 3)  # warm-up
        res["service_single"] = wrk(svc.base, paths, 32)
        from urllib.parse import quote

        res["search"] = wrk(svc.base, [f"/v1/search?q={quote(q)}" for q in SEARCHES], 8)
    finally:
        svc.close()
    bare = Server("bench.bare_app:app", port + 1)
    try:
        wrk(bare.base, paths, 32, 3)
        res["bare_single"] = wrk(bare.base, paths, 32)
    finally:
        bare.close()
    res["single_vs_bare"] = res["service_single"]["rps"] / res["bare_single"]["rps"]
    return res
