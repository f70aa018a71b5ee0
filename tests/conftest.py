"""Fixtures: the real database the Makefile started and loaded, and the real service over HTTP."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from geodata.settings import etl_url, get_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest.fixture(scope="session")
def db_url(settings):
    url = etl_url(settings)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM geo.units").fetchone()[0] > 0, "run `make load` first"
    return url


@pytest.fixture
def db(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


# How long a service may take to become ready: seconds when the machine is idle, but a worker
# imports the stack and opens the lookup index before it serves, and with a load average of 20
# that took up to three minutes here. A deadline, not a sleep: the wait ends when it answers.
STARTUP_S = float(os.environ.get("VNGEO_TEST_STARTUP_S", "600"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict | None = None, workers: int = 1) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read().decode()}")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not become healthy")


@pytest.fixture(scope="session")
def server(db_url):
    # A busy machine (CI, parallel work) may queue a browser's dozen tile requests past the 2 s
    # default pool wait: the shared test server waits longer; the guards' own tests use their own.
    proc, base = start_server({"VNGEO_DB_WAIT_S": "20"})
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def http(server):
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


def assert_problem(resp: httpx.Response, status: int, contains: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if contains:
        assert contains in body["detail"], body["detail"]
    return body
