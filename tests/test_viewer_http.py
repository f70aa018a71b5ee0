"""The viewer's server side over real HTTP: page and assets with their headers, the compact data,
downloads (GeoJSON, GeoPackage with credits), folium maps and their errors; and `vngeo maps build`."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT, assert_problem


def _js(text: str) -> str:
    """How folium writes a string into its script (JSON, non-ASCII escaped)."""
    return json.dumps(text)[1:-1]


def test_page_and_assets_are_served_with_security_headers(http):
    page = http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "blob:" in csp and "unsafe-eval" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        asset = http.get(src)
        assert asset.status_code == 200, src
    assert "cdn" not in page.text.lower()
    worker = http.get("/static/vendor/maplibre-gl-csp-worker.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert http.get("/static/nope.js").status_code == 404


def test_units_table_rows_and_changed_units(http):
    body = http.get("/viewer/units.json", params={"as_of": "2026-09-20"}).json()
    rows = [dict(zip(body["fields"], r)) for r in body["rows"]]
    assert body["generation"] == "2026-09-20" and body["attribution"]
    communes = [r for r in rows if r["level"] == "commune"]
    assert len([r for r in rows if r["level"] == "province"]) == 34 and len(communes) > 3000
    hk = next(r for r in rows if r["code"] == "00070")
    assert hk["population"] > 50_000 and hk["area_km2"] > 0 and hk["type"] == "phuong" and hk["flagged"] is None
    assert hk["density_per_km2"] == round(hk["population"] / hk["area_km2"], 1)  # served, not computed by the page
    flagged = [r for r in communes if r["flagged"]]
    assert flagged and all(set(r["flagged"]) <= {"population", "area_km2"} for r in flagged)
    assert {r["code"] for r in communes if r["changed"]} >= {"07294", "07375"}  # retyped on 2026-09-20
    reform = http.get("/viewer/units.json", params={"as_of": "2025-07-01"}).json()
    assert not any(r[body["fields"].index("changed")] for r in reform["rows"])  # the reform marks nothing


def test_fallback_geojson_carries_tile_properties(http):
    fc = http.get("/viewer/provinces.geojson", params={"as_of": "2025-07-01"}).json()
    assert len(fc["features"]) == 34 and fc["attribution"]
    props = fc["features"][0]["properties"]
    assert {"code", "name", "type", "population", "density_per_km2", "area_km2", "province_code", "powers"} <= set(
        props
    )
    assert props["province_code"] == props["code"] and props["province_name"] == props["name"]  # a province's own
    assert_problem(http.get("/viewer/districts.geojson"), 422)
    assert_problem(http.get("/viewer/communes.geojson", params={"as_of": "2025-13-01"}), 422)


def test_config_says_whether_tiles_exist(http):
    cfg = http.get("/viewer/config.json").json()
    assert isinstance(cfg["tiles"], bool)


def test_unit_download_redirects_to_its_export(http, tmp_path):
    """The former per-unit download is an export with code= (same fields, writers and metadata)."""
    resp = http.get("/v1/units/00070/download", params={"format": "geojson", "as_of": "2026-01-01"})
    assert resp.status_code == 308
    assert resp.headers["location"] == "/v1/exports/communes.geojson?code=00070&as_of=2026-01-01"
    resp = http.get(resp.headers["location"])
    assert resp.status_code == 200 and "attachment" in resp.headers["content-disposition"]
    assert "00070-hoan-kiem" in resp.headers["content-disposition"]
    fc = resp.json()
    assert fc["attribution"] and fc["licence"] and len(fc["features"]) == 1 and fc["data_dictionary"]
    assert fc["features"][0]["geometry"]["type"] == "MultiPolygon"
    item = http.get("/ogc/collections/communes/items/00070", params={"datetime": "2026-01-01"}).json()
    assert fc["features"][0]["properties"] == item["properties"]  # the same fields as the OGC item

    import pyogrio

    for communes, layer, n in (("true", "communes", 126), ("false", "provinces", 1)):
        moved = http.get("/v1/units/01/download", params={"format": "gpkg", "communes": communes})
        assert moved.status_code == 308 and moved.headers["location"].startswith(f"/v1/exports/{layer}.gpkg?")
        gpkg = http.get(moved.headers["location"])
        assert gpkg.status_code == 200
        path = tmp_path / f"01-{communes}.gpkg"
        path.write_bytes(gpkg.content)
        info = pyogrio.read_info(path)
        assert info["features"] == n  # Hà Nội's 126 communes, or its outline
        assert "vietnamese-provinces-database" in info["dataset_metadata"]["CREDITS"]
        frame = pyogrio.read_dataframe(path)
        assert set(frame["level"]) == {layer[:-1]} and frame.crs.to_epsg() == 4326


def test_export_of_one_unit_in_vn2000(http, tmp_path):
    import pyogrio

    resp = http.get("/v1/exports/communes.shp.zip", params={"code": "25747", "crs": "EPSG:9210"})
    assert resp.status_code == 200, resp.text
    path = tmp_path / "one.shp.zip"
    path.write_bytes(resp.content)
    info = pyogrio.read_info(f"/vsizip/{path}")
    assert info["features"] == 1 and info["crs"].endswith("9210")


def test_download_errors_are_problems(http):
    assert_problem(http.get("/v1/units/99999/download"), 404)
    assert_problem(http.get("/v1/units/abc/download"), 422)
    assert_problem(http.get("/v1/units/00070/download", params={"format": "shp"}), 422)
    assert_problem(
        http.get("/v1/units/02/download", params={"format": "gpkg"}), 404, "was not valid"
    )  # Hà Giang, merged
    assert_problem(http.get("/v1/exports/communes.gpkg", params={"code": "01"}), 422, "is a province")
    assert_problem(http.get("/v1/exports/provinces.gpkg", params={"code": "02"}), 404, "was not valid")
    assert_problem(http.get("/v1/exports/communes.gpkg", params={"code": "1234"}), 422, "code")


def test_folium_maps_are_served_offline(http):
    resp = http.get("/maps/01.html")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert "vendor/leaflet/leaflet.js" in html and not re.search(r"https?://(cdn|code\.jquery|netdna)", html)
    assert "Came from" in html and _js("Phường Hoàn Kiếm") in html and "vietnamese-provinces-database" in html
    assert http.get("/maps/vendor/leaflet/leaflet.js").status_code == 200
    assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]
    country = http.get("/maps/vn.html")
    assert country.status_code == 200 and "01.html" in country.text
    assert_problem(http.get("/maps/99.html"), 404)
    assert_problem(http.get("/maps/abc.html"), 422)


def test_vngeo_maps_build_writes_standalone_files(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "vngeo.cli",
            "maps",
            "build",
            "--out",
            str(tmp_path),
            "--province",
            "vn",
            "--province",
            "79",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "2 maps" in out.stdout
    assert (tmp_path / "vendor" / "leaflet" / "leaflet.js").exists()
    html = (tmp_path / "79.html").read_text()
    assert _js("Phường Bến Thành") in html and "vendor/leaflet/leaflet.css" in html
    bad = subprocess.run(
        [sys.executable, "-m", "vngeo.cli", "maps", "build", "--out", str(tmp_path), "--province", "99"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode != 0 and "99" in bad.stderr


@pytest.mark.parametrize("path", ["/", "/maps/vn.html"])
def test_no_page_references_a_cdn(http, path):
    assert not re.search(r'(src|href)="https?://', http.get(path).text)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_work_offline(http, path):
    """Swagger UI and ReDoc load their scripts and styles from the service itself, not a CDN."""
    page = http.get(path)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/vendor/") for a in assets), assets
    for a in assets:
        resp = http.get(a)
        assert resp.status_code == 200 and len(resp.content) > 100, a
    assert "cdn.jsdelivr" not in page.text and "fonts.googleapis" not in page.text


def test_old_outlines_are_exact_ones_only(http):
    """Old provinces and districts drawn where the lineage gives them exactly (first answer per
    dataset version computes the unions: slow once, then read from the state folder)."""
    fc = http.get("/viewer/legacy-outlines.geojson", timeout=600).json()
    levels = {}
    for f in fc["features"]:
        levels.setdefault(f["properties"]["level"], []).append(f)
    assert 55 <= len(levels["province"]) <= 63 and len(levels["province-label"]) == len(levels["province"])
    assert 100 <= len(levels["district"]) < 700 and all(f["properties"]["exact"] for f in fc["features"])
    names = {f["properties"]["full_name"] for f in levels["province"]}
    assert "Tỉnh Hà Giang" in names and "Tỉnh Bắc Giang" in names  # merged whole into Tuyên Quang, Bắc Ninh


def test_seats_and_capitals_for_orientation(http):
    seats = http.get("/viewer/seats.geojson", params={"as_of": "2026-09-20"}).json()["features"]
    assert len(seats) > 2000 and all(102 < f["geometry"]["coordinates"][0] < 118 for f in seats)
    caps = http.get("/viewer/units.json", params={"as_of": "2026-09-20"}).json()["capitals"]
    provinces = http.get("/v1/provinces", params={"as_of": "2026-09-20"}).json()
    codes = {p["code"] for p in provinces["results"]}
    assert {c["province_code"] for c in caps} == codes and len(codes) == 34  # every province has its capital
    assert all(102 < c["lon"] < 110 and 8 < c["lat"] < 24 for c in caps)
    where = {c["province_code"]: (c["name"], c["lon"], c["lat"]) for c in caps}
    # Lào Cai's centre is Yên Bái (cũ): its capital is drawn at Yên Bái, not at Lào Cai city (22.48 N)
    assert where["15"][0] == "Thành phố Yên Bái" and 21.6 < where["15"][2] < 21.8
    assert where["79"][0] == "Quận 1" and abs(where["79"][1] - 106.70) < 0.03
