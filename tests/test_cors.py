"""CORS on the public read-only routes, the same everywhere by default: a MapLibre map on another
site reads the TileJSON, the tiles, the OGC API and the exports; never on the admin routes."""

from __future__ import annotations

import pytest

ORIGIN = {"Origin": "https://maps.elsewhere.example"}
PUBLIC = [
    "/v1/tiles/communes.json",
    "/v1/tiles/provinces/5/25/14.mvt",
    "/ogc",
    "/ogc/api",
    "/ogc/collections/communes/items?limit=1",
    "/ogc/collections/communes/tiles",
    "/v1/exports/provinces.fgb",
    "/v1/units/00070",
    "/v1/meta",
    "/v1/lookup?lat=21.0288&lon=105.8522",
]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_routes_allow_any_origin(http, path):
    r = http.get(path, headers=ORIGIN)
    assert r.status_code in (200, 204), (path, r.status_code)
    assert r.headers["access-control-allow-origin"] == "*", path
    assert "etag" in r.headers.get("access-control-expose-headers", "").lower()


def test_preflight_and_admin(http):
    pre = http.options(
        "/v1/tiles/communes.json",
        headers={**ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"},
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"
    assert "GET" in pre.headers["access-control-allow-methods"]
    admin = http.post("/v1/admin/refresh", headers=ORIGIN)
    assert "access-control-allow-origin" not in admin.headers
