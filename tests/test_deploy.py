"""Deploying for real (README, "Deploying for real"), each step run here as far as a test can: the
systemd unit passes `systemd-analyze verify` and its ExecStart serves with one worker per core; the
nginx configuration, run by a real nginx, passes the client's address so that rate limits hold per
client and a forged X-Forwarded-For gains nothing; PMTiles built by `vngeo tiles build` are read
from nginx's static files with range requests only."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import STARTUP_S
from servers import Server, _cmdline, free_port

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "vngeo.service"
NGINX = ROOT / "deploy" / "nginx.conf"


def _unit_for_here(tmp_path: Path) -> Path:
    """The committed unit with this checkout's paths (and root: the vngeo user does not exist here)."""
    text = UNIT.read_text().replace("/opt/vn-geodata", str(ROOT))
    text = re.sub(r"^(User|Group)=vngeo$", r"\1=root", text, flags=re.M)
    out = tmp_path / "vngeo.service"
    out.write_text(text)
    return out


def _directives(unit: Path, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in unit.read_text().splitlines() if line.startswith(key + "=")]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_unit_verifies_and_its_command_serves(settings, db_url, tmp_path):
    unit = _unit_for_here(tmp_path)
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert r.returncode == 0 and "vngeo.service" not in r.stderr, r.stderr
    # The check is real: the committed paths do not exist on this machine, and verify says so.
    bad = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True)
    assert bad.returncode != 0 and "/opt/vn-geodata/.venv/bin/vngeo" in bad.stderr

    env = dict(os.environ)
    env.update(dict(e.split("=", 1) for e in _directives(unit, "Environment")))
    port = free_port()
    env.update(VNGEO_PORT=str(port), VNGEO_STATE_DIR=str(settings.state_dir))  # this machine's index
    assert env["VNGEO_WORKERS"] == "0" and env["VNGEO_TRUST_FORWARDED_FOR"] == "true"
    [cmd] = _directives(unit, "ExecStart")
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen(
        cmd.split(), cwd=_directives(unit, "WorkingDirectory")[0], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/v1/lookup?lat=10.7769&lon=106.7009", timeout=5).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the unit's command did not serve"
            time.sleep(0.2)
        kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        workers = [k for k in kids if b"spawn_main" in _cmdline(k)]
        assert len(workers) == os.cpu_count(), workers  # VNGEO_WORKERS=0: one per core
    finally:
        proc.send_signal(signal.SIGTERM)  # the unit's KillSignal: a clean stop within TimeoutStopSec
        assert proc.wait(30) is not None
        log.close()


def _nginx(tmp_path: Path, upstream: str, static: Path) -> tuple[subprocess.Popen, int]:
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = NGINX.read_text()
    for k, v in {
        "@LISTEN@": f"127.0.0.1:{port}",
        "@UPSTREAM@": upstream,
        "@STATIC@": str(static),
        "@PREFIX@": str(prefix),
    }.items():
        conf = conf.replace(k, v)
    (prefix / "nginx.conf").write_text(conf)
    # Workers as the test's own user: they read the test's private temporary folder.
    test = subprocess.run(
        ["nginx", "-t", "-g", f"user {getpass.getuser()};", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert test.returncode == 0, test.stderr
    proc = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", f"daemon off; user {getpass.getuser()};"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/pmtiles/", timeout=2)
            return proc, port
        except httpx.HTTPError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
            time.sleep(0.1)


def _client(address: str) -> httpx.Client:
    """A client from its own loopback address (127.0.0.0/8 is all local on Linux)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx not installed (make test installs it)")
def test_proxy_in_front_and_pmtiles_on_static_hosting(db_url, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    t0 = time.monotonic()
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "vngeo.cli",
            "tiles",
            "build",
            "--layer",
            "provinces",
            "--as-of",
            "2025-07-01",
            "--maxzoom",
            "3",
            "-o",
            str(static / "provinces.pmtiles"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    build_s = time.monotonic() - t0
    server = Server(
        tmp_path / "server.log",
        {"VNGEO_TRUST_FORWARDED_FOR": "true", "VNGEO_RATE_PER_MINUTE": "1", "VNGEO_RATE_BURST": "2"},
    )
    proxy, port = _nginx(tmp_path, f"127.0.0.1:{server.port}", static)
    base, body = f"http://127.0.0.1:{port}", {"points": [[106.7009, 10.7769]]}
    try:
        with _client("127.0.0.2") as a, _client("127.0.0.3") as b:
            assert [a.post(f"{base}/v1/lookup", json=body).status_code for _ in range(2)] == [200, 200]
            limited = a.post(f"{base}/v1/lookup", json=body)
            assert limited.status_code == 429 and limited.headers["content-type"].startswith("application/problem+json")
            # Another client behind the same proxy has its own bucket: the service saw who it was.
            assert b.post(f"{base}/v1/lookup", json=body).status_code == 200
            # A client naming someone else in X-Forwarded-For is still itself (nginx appends what it saw).
            forged = a.post(f"{base}/v1/lookup", json=body, headers={"x-forwarded-for": "203.0.113.9"})
            assert forged.status_code == 429
            # Straight to the service, every client of the proxy's address would share one bucket;
            # through the proxy the answers are the service's own (problem+json, security headers).
            assert a.get(f"{base}/v1/units/79").headers["x-content-type-options"] == "nosniff"

            # PMTiles from static files: the header by a range request, then a tile, no API involved.
            from pmtiles.reader import Reader

            url = f"{base}/pmtiles/provinces.pmtiles"

            def get_bytes(offset, length):
                r = a.get(url, headers={"range": f"bytes={offset}-{offset + length - 1}"})
                assert r.status_code == 206, r.status_code
                return r.content

            reader = Reader(get_bytes)
            assert reader.header()["max_zoom"] == 3
            assert reader.get(0, 0, 0) and reader.get(3, 6, 3)  # Vietnam at z3
    finally:
        proxy.terminate()
        proxy.wait(10)
        server.stop()
    print(f"\nPMTiles z0-3 of the provinces built in {build_s:.0f} s; proxy: per-client limits held")
