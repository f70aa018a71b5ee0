"""Issue 14: the service works from a plain `pip install .` (no extras) in a fresh venv.

The installed service runs outside the checkout (its own working folder, so nothing is imported from
the source tree) with a state folder of its own and only a database URL, as a second host would:
it builds its own lookup index, builds its exports with its own packages (GeoParquet: pyarrow), and
serves the viewer from the packaged assets. Its answers are compared with the checkout's service."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import venv

import httpx
import pytest

from geodata.settings import api_url
from tests.conftest import ROOT, STARTUP_S, _free_port

HANOI_OLD_QUARTER = {"lat": 21.0285, "lon": 105.8542}
DAY = "2026-02-02"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the project installed from the checkout, no extras."""
    where = tmp_path_factory.mktemp("install")
    env_dir = where / "venv"
    started = time.monotonic()
    venv.create(env_dir, with_pip=True)
    r = subprocess.run(
        # --no-compile: byte-compiling the whole stack took most of the install's time; the service
        # compiles what it imports when it starts.
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print(f"\nfresh venv + pip install . (no extras): {time.monotonic() - started:.0f} s")
    return env_dir


def _run(env_dir, code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", code], cwd=cwd, capture_output=True, text=True, env=_clean_env()
    )


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def test_install_has_no_test_packages_and_code_comes_from_the_venv(installed, tmp_path):
    r = _run(installed, "import api.main, geodata, maps; print(api.main.__file__)", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(installed)), r.stdout  # not the checkout
    for test_only in ("pytest", "mapbox_vector_tile", "mercantile", "dask", "ruff"):
        r = _run(installed, f"import importlib.util as u; print(u.find_spec({test_only!r}) is None)", tmp_path)
        assert r.stdout.strip() == "True", f"{test_only} is installed without the test extra"
    r = _run(
        installed, "from geodata.settings import DATA_DIR; print((DATA_DIR / 'tm3.toml').is_file(), DATA_DIR)", tmp_path
    )
    assert r.stdout.startswith("True "), r.stdout + r.stderr  # the curated data is installed too


@pytest.fixture(scope="module")
def installed_service(installed, settings, db_url, tmp_path_factory):
    """`vngeo serve` from the venv, in a folder of its own, with its own state folder."""
    cwd = tmp_path_factory.mktemp("host")
    port = _free_port()
    env = {
        **_clean_env(),
        "VNGEO_STATE_DIR": str(cwd / "state"),
        "VNGEO_API_DATABASE_URL": api_url(settings),
        "VNGEO_WORKERS": "1",
    }
    log = open(cwd / "serve.log", "wb")
    proc = subprocess.Popen(
        [str(installed / "bin" / "vngeo"), "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    deadline = started + STARTUP_S
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (cwd / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the installed service did not become healthy"
            time.sleep(0.2)
        print(f"\ninstalled service healthy (own lookup index built) after {time.monotonic() - started:.0f} s")
        with httpx.Client(base_url=base, timeout=300) as client:
            yield client
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_installed_service_looks_up_like_the_checkout(installed_service, http):
    mine = installed_service.get("/v1/lookup", params=HANOI_OLD_QUARTER)
    assert mine.status_code == 200, mine.text
    ref = http.get("/v1/lookup", params=HANOI_OLD_QUARTER)
    assert ref.status_code == 200, ref.text
    assert mine.json() == ref.json()
    assert mine.json()["commune"]["code"] and mine.json()["province"]["code"]


def test_installed_service_builds_and_serves_a_geoparquet_export(installed_service, db):
    import pyarrow.parquet as pq

    r = installed_service.get("/v1/exports/communes.parquet", params={"province": "01", "as_of": DAY})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.apache.parquet")
    table = pq.read_table(io.BytesIO(r.content))
    assert b"geo" in table.schema.metadata  # GeoParquet metadata, written by pyarrow in the fresh venv
    codes = set(table.column("code").to_pylist())
    expected = {
        row[0]
        for row in db.execute(
            "SELECT code FROM geo.units WHERE level = 'commune' AND province_code = '01' AND valid @> %s::date", (DAY,)
        )
    }
    assert codes == expected and len(codes) > 100


def test_installed_service_serves_the_viewer_and_geojson(installed_service, db):
    page = installed_service.get("/")
    assert page.status_code == 200 and "maplibre" in page.text.lower()  # packaged maps/static
    assert installed_service.get("/static/vendor/maplibre-gl-csp.js").status_code == 200
    geo = installed_service.get("/v1/exports/provinces.geojson", params={"as_of": DAY})
    assert geo.status_code == 200, geo.text
    provinces = db.execute(
        "SELECT count(*) FROM geo.units WHERE level = 'province' AND valid @> %s::date", (DAY,)
    ).fetchone()[0]
    assert len(geo.json()["features"]) == provinces > 0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s"]))
