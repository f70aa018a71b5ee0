"""GeoJSON layers /v1/layers/{provinces,communes}.geojson (and the lineage layers beside them)."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import shape

from conftest import assert_problem


def test_provinces_whole_country_for_z5_under_1_mb(http):
    r = http.get("/v1/layers/provinces.geojson", params={"simplify": "5"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    assert len(r.content) < 1_000_000, len(r.content)
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and fc["attribution"] and fc["simplified_for_zoom"] == 5
    assert len(fc["features"]) == 34
    hn = next(f for f in fc["features"] if f["id"] == "01")
    assert hn["properties"]["name"] == "Hà Nội" and hn["geometry"]["type"] == "MultiPolygon"
    assert hn["properties"]["population"] > 0 and hn["properties"]["density_per_km2"] > 0
    assert hn["properties"]["province_code"] == "01" and hn["properties"]["province_name"] == "Hà Nội"


def test_communes_of_a_province_share_edges(http, db):
    fc = http.get("/v1/layers/communes.geojson", params={"province": "01", "simplify": "10"}).json()
    n = db.execute(
        "SELECT count(*) FROM geo.units WHERE level = 'commune' AND province_code = '01' AND valid @> current_date"
    ).fetchone()[0]
    assert len(fc["features"]) == n and all(f["properties"]["province_code"] == "01" for f in fc["features"])
    geoms = [shapely.make_valid(shape(f["geometry"])) for f in fc["features"]]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right) if i < j]
    assert len(pairs) > 100
    # 6 decimals in GeoJSON (~0.1 m): shared edges stay shared, overlaps are rounding only
    overlap = sum(geoms[i].intersection(geoms[j]).area for i, j in pairs)
    assert overlap < 1e-9, overlap


def test_bbox_and_full_resolution(http):
    bbox = "105.84,21.02,105.86,21.04"
    full = http.get("/v1/layers/communes.geojson", params={"bbox": bbox}).json()
    codes = {f["id"] for f in full["features"]}
    assert "00070" in codes and len(codes) < 40 and full["simplified_for_zoom"] is None
    box = shapely.box(*map(float, bbox.split(",")))
    assert all(shape(f["geometry"]).intersects(box.buffer(0.01)) for f in full["features"])


def test_as_of_any_date(http):
    params = {"bbox": "106.20,21.45,106.23,21.47", "simplify": "12"}
    old = {
        f["id"]: f
        for f in http.get("/v1/layers/communes.geojson", params={**params, "as_of": "2025-07-01"}).json()["features"]
    }
    new = {
        f["id"]: f
        for f in http.get("/v1/layers/communes.geojson", params={**params, "as_of": "2026-10-01"}).json()["features"]
    }
    assert old["07294"]["properties"]["type"] == "xa" and new["07294"]["properties"]["type"] == "phuong"
    assert old["07294"]["geometry"] == new["07294"]["geometry"]


@pytest.mark.parametrize(
    "path,status,text",
    [
        ("/v1/layers/communes.geojson", 413, "province="),
        ("/v1/layers/communes.geojson?bbox=1,2,3", 422, "four numbers"),
        ("/v1/layers/communes.geojson?bbox=106,21,105,22", 422, "min_lon < max_lon"),
        ("/v1/layers/communes.geojson?simplify=abc", 422, "zoom level"),
        ("/v1/layers/communes.geojson?province=1", 422, "2-digit"),
        ("/v1/layers/provinces.geojson?as_of=2025-01-01", 404, "boundaries exist from"),
        ("/v1/layers/districts.geojson", 404, "no layer"),
    ],
)
def test_bad_layer_requests(http, path, status, text):
    assert_problem(http.get(path), status, text)


def test_lineage_layers_still_served(http):
    for name in ("lineage", "old_communes", "legacy-communes"):  # legacy-communes: the former id
        r = http.get(f"/v1/layers/{name}.geojson", params={"province": "01"})
        assert r.status_code == 200 and r.json()["features"], name


def test_layer_paths_resolve_whatever_the_router_order():
    """/v1/layers/{name}.geojson: every name is matched by exactly one route across the routers that
    serve /v1/layers (path convertors, not registration order), so api/main.py may include them in
    any order: the first full match is the same route in either order."""
    from starlette.routing import Match

    from api.routes import lineage as lineage_routes
    from api.routes import tiles as tile_routes

    expected = {
        "provinces": "layer_geojson",
        "communes": "layer_geojson",
        "lineage": "lineage_layer",
        "legacy-communes": "legacy_layer",
        "districts": "unknown_layer",
        "x.y": "unknown_layer",
    }
    for order in ((lineage_routes.router, tile_routes.router), (tile_routes.router, lineage_routes.router)):
        routes = [r for router in order for r in router.routes]
        for name, endpoint in expected.items():
            scope = {"type": "http", "method": "GET", "path": f"/v1/layers/{name}.geojson", "root_path": ""}
            full = [r.endpoint.__name__ for r in routes if r.matches(scope)[0] is Match.FULL]
            assert full == [endpoint], (name, full)
