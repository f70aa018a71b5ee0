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
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
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


# ----------------------------------------------------------------- the pure tier (`make check`)
# Tests that need no database, server, browser or network and run in seconds: `make check` runs
# them (`pytest -m pure`) beside ruff; `make test` runs them with the rest. Listed here, by file
# (a whole file, or the named tests of a mixed one), so a test file need not change to join.
PURE = {
    "test_imports.py": "*",
    "test_cluster_port.py": "*",
    "test_etl_inputs.py": "*",
    "test_crs.py": {
        "test_official_and_oil_industry_sets_differ_by_about_0_8_m_at_ben_thanh",
        "test_transformer_uses_6960_for_every_vn2000_crs",
        "test_module_transform_matches_6960_within_a_millimetre",
        "test_parse_forms_and_errors",
        "test_bbox_in_vn2000_utm_to_crs84_and_lat_lon_order",
        "test_tm3_zones_per_province",
    },
    "test_plausibility.py": {"test_rule_per_unit_type"},
    "test_tiles.py": {"test_bands_cover_all_zooms"},
}
# Fixtures that reach a real part; a pure test using one (directly or through another) is an error.
REAL_PARTS = {"db_url", "db", "server", "http", "browser", "page"}


def pytest_collection_modifyitems(config, items):
    files = {}
    for item in items:
        path = Path(str(item.fspath))
        listed = PURE.get(path.name)
        files.setdefault(path.name, path)
        if listed == "*" or (listed and item.originalname in listed):
            item.add_marker(pytest.mark.pure)
        used = REAL_PARTS & set(item.fixturenames)
        if item.get_closest_marker("pure") and used:
            raise pytest.UsageError(f"{item.nodeid} is marked pure but uses {sorted(used)}")
    for name, path in files.items():  # a renamed test must not drop out of the pure tier unnoticed
        listed = PURE.get(name)
        if isinstance(listed, set):
            gone = sorted(t for t in listed if f"def {t}(" not in path.read_text(encoding="utf-8"))
            if gone:
                raise pytest.UsageError(f"tests/conftest.py PURE lists tests that {name} does not define: {gone}")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (tests/browser.py) for a test module; each test opens its own context. Per
    module, not per run: Playwright's sync API must not stay open beside other modules' event loops."""
    from tests.browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
