"""The service's runtime plumbing: one way to the database (the pool's statement timeout and read-only
settings hold on the sync paths too: exports, folium maps), and the batch body limit from settings."""

from __future__ import annotations

import random
from datetime import date, timedelta

import httpx
import psycopg
import pytest

from conftest import assert_problem, start_server
from geodata import crs, db
from geodata.files import exports
from geodata.settings import Settings, api_url

BATCH_LIMIT = 70 << 20  # above the 64 MiB the lookup route once hard-coded


def test_sync_connections_have_the_statement_timeout_and_are_read_only(settings, db_url):
    tight = Settings(statement_timeout_ms=50)
    with db.connect(tight, api_url(settings)) as conn:
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(1)")
    with db.connect(settings, db_url) as conn:  # read-only even on the ETL's role
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TEMP TABLE t (x int)")


@pytest.mark.parametrize("fmt", ["csv", "gpkg", "parquet"])
def test_an_export_is_cancelled_by_the_statement_timeout(settings, db_url, tmp_path, fmt):
    """The export path reads through the connect() it is given (the dataset handle's in the API): a
    1 ms limit cancels its full-resolution query, where a bare psycopg.connect had no limit; and the
    database's error comes out (the API's 503), not GDAL's "error while accessing batch" (a 500)."""
    tight = Settings(statement_timeout_ms=1)
    with pytest.raises(psycopg.errors.QueryCanceled):
        exports.export_file(
            lambda: db.connect(tight, api_url(settings)),
            "communes",
            fmt,
            crs.parse(None),
            date(2025, 9, 17),
            None,
            tmp_path,
        )


@pytest.fixture(scope="module")
def tight(db_url):
    """A service whose queries may take 100 ms (the country's folium map takes over a second: ~1.35 s
    here) and whose batch bodies may be up to BATCH_LIMIT."""
    proc, base = start_server(
        {"VNGEO_STATEMENT_TIMEOUT_MS": "100", "VNGEO_MAX_BATCH_BODY_BYTES": str(BATCH_LIMIT), "VNGEO_DB_WAIT_S": "20"}
    )
    yield base
    proc.terminate()
    proc.wait(10)


def _unbuilt_day(settings, version: str) -> date:
    """A day whose country map no test has built yet (a built map is served without a query)."""
    rng = random.Random()
    for _ in range(200):
        d = date(2025, 7, 2) + timedelta(days=rng.randrange(360))
        if not (settings.state_dir / "maps" / version / d.isoformat() / "vn.html").exists():
            return d
    pytest.skip("every candidate day has a built map")


def test_folium_map_past_the_statement_timeout_is_a_503(tight, settings):
    version = httpx.get(f"{tight}/healthz", timeout=30).json()["dataset"]
    d = _unbuilt_day(settings, version)
    r = httpx.get(f"{tight}/maps/vn.html", params={"as_of": d.isoformat()}, timeout=60)
    body = assert_problem(r, 503, "time limit")
    assert r.headers["retry-after"] == "5" and body["instance"] == "/maps/vn.html"
    assert not (settings.state_dir / "maps" / version / d.isoformat() / "vn.html").exists()


def test_batch_body_limit_follows_the_setting(tight):
    """VNGEO_MAX_BATCH_BODY_BYTES is the limit of POST /v1/lookup, also above the old 64 MiB: a
    65 MiB body reaches the route (which then refuses its content type), one over the limit is a 413."""
    url = f"{tight}/v1/lookup"
    r = httpx.post(url, content=b"x" * (65 << 20), headers={"content-type": "text/plain"}, timeout=120)
    assert_problem(r, 422, "application/json or text/csv")
    r = httpx.post(url, content=b"x" * (BATCH_LIMIT + 1), headers={"content-type": "text/plain"}, timeout=120)
    body = assert_problem(r, 413, "over the limit")
    assert body["limit"] == BATCH_LIMIT


@pytest.mark.parametrize(
    "method, path, query, expected",
    [
        ("POST", "/v1/lookup", b"", "batch"),
        ("GET", "/v1/lookup", b"lat=21&lon=105", None),
        ("POST", "/v1/convert", b"", "batch"),
        ("GET", "/v1/convert", b"address=x", None),
        ("GET", "/v1/exports/communes.gpkg", b"", "exports"),
        ("HEAD", "/v1/exports/communes.gpkg", b"", "exports"),
        ("GET", "/v1/units/00070/download", b"format=gpkg", None),  # a redirect: the export it leads to is charged
        ("GET", "/v1/units", b"geometry=full", "exports"),
        ("GET", "/v1/units", b"geometry=simplified", None),
        ("GET", "/v1/provinces/01/communes", b"geometry=full&limit=5", "exports"),
        ("GET", "/v1/units/00070", b"", None),
        ("GET", "/v1/tiles/communes/10/813/454.mvt", b"", None),
    ],
)
def test_cost_classes_come_from_the_routes(method, path, query, expected):
    """The guard charges by the class each route declares (x-cost-class in the OpenAPI document),
    not by URL patterns; tiles are charged inside their route, on a cache miss only."""
    from api.main import app
    from api.middleware import CostTable

    scope = {"type": "http", "method": method, "path": path, "query_string": query, "headers": []}
    assert CostTable(app).of(scope) == expected
    declared = {
        (p, m): op["x-cost-class"]["class"]
        for p, item in app.openapi()["paths"].items()
        for m, op in item.items()
        if isinstance(op, dict) and "x-cost-class" in op
    }
    assert declared[("/v1/tiles/{layer}/{z}/{x}/{y}.mvt", "get")] == "tiles"


def test_meta_serves_the_reform_and_first_geometry_days_of_the_data(http, db):
    reform, first = db.execute(
        "SELECT (SELECT min(valid_from) FROM geo.generations), "
        "(SELECT min(lower(valid)) FROM geo.units WHERE geom IS NOT NULL)"
    ).fetchone()
    meta = http.get("/v1/meta").json()
    assert meta["reform_day"] == reform.isoformat() and meta["first_geometry_day"] == first.isoformat()
    # the lookup refuses days before it with the day the data gives
    r = http.get(
        "/v1/lookup", params={"lat": 21.0288, "lon": 105.8522, "as_of": (reform - timedelta(days=1)).isoformat()}
    )
    assert_problem(r, 404, f"boundaries exist from {reform.isoformat()}")
