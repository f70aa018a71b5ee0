"""OGC API – Features at /ogc against the real service; GDAL's OAPIF driver reads it without warnings."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pyogrio
import pytest

from geodata import crs
from tests.conftest import assert_problem

ITEMS = "/ogc/collections/communes/items"


def test_landing_links_and_openapi(http):
    body = http.get("/ogc").json()
    rels = {l["rel"]: l for l in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    api = http.get(rels["service-desc"]["href"])
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    items = api.json()["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]  # relative to /ogc
    limit = next(p for p in items if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10000


def test_conformance(http):
    c = set(http.get("/ogc/conformance").json()["conformsTo"])
    for cls in (
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-1/1.0/conf/geojson",
        "ogcapi-features-2/1.0/conf/crs",
        "ogcapi-features-3/1.0/conf/filter",
        "cql2/1.0/conf/cql2-text",
    ):
        assert any(x.endswith(cls) for x in c), cls


def test_collections_with_crs_and_extent(http):
    body = http.get("/ogc/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == ["provinces", "communes", "old_communes", "lineage"]
    communes = http.get("/ogc/collections/communes").json()
    assert "http://www.opengis.net/def/crs/EPSG/0/3405" in communes["crs"]
    assert "http://www.opengis.net/def/crs/EPSG/0/9218" in communes["crs"]
    assert communes["storageCrs"] == crs.OGC_CRS84
    x0, y0, x1, y1 = communes["extent"]["spatial"]["bbox"][0]
    assert 102 < x0 < 103 and 23 < y1 < 24
    q = http.get("/ogc/collections/communes/queryables").json()
    assert q["properties"]["population"]["type"] == "integer"


def test_items_paging_by_key_with_next_links(http):
    r = http.get(ITEMS, params={"limit": 100, "as_of": "2026-01-01"})
    assert r.headers["content-type"] == "application/geo+json"
    assert r.headers["content-crs"] == f"<{crs.OGC_CRS84}>"
    body = r.json()
    assert body["numberMatched"] == 3321 and body["numberReturned"] == 100
    nxt = next(l["href"] for l in body["links"] if l["rel"] == "next")
    assert "offset=100" in nxt and "as_of=2026-01-01" in nxt
    page2 = http.get(nxt).json()
    assert page2["features"][0]["id"] > body["features"][-1]["id"]  # ordered by code
    last = http.get(ITEMS, params={"limit": 100, "offset": 3300, "as_of": "2026-01-01"}).json()
    assert last["numberReturned"] == 21 and not any(l["rel"] == "next" for l in last["links"])


def test_bbox_and_bbox_crs(http):
    hn = http.get(ITEMS, params={"bbox": "105.84,21.02,105.86,21.03", "limit": 50}).json()
    codes = {f["id"] for f in hn["features"]}
    assert "00070" in codes and hn["numberMatched"] == len(codes)
    lon, lat = http.get("/v1/units/00070").json()["label_point"]
    e, n = crs.transformer(crs.parse("EPSG:3405")).transform(lon, lat)
    utm = http.get(ITEMS, params={"bbox": f"{e - 50},{n - 50},{e + 50},{n + 50}", "bbox-crs": "EPSG:3405"}).json()
    assert "00070" in {f["id"] for f in utm["features"]}
    latlon = http.get(
        ITEMS,
        params={
            "bbox": "21.02,105.84,21.03,105.86",
            "limit": 50,
            "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
        },
    ).json()
    assert {f["id"] for f in latlon["features"]} == codes


def test_crs_output_in_metres_with_content_crs(http):
    r = http.get(ITEMS, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/3405", "limit": 3})
    assert r.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3405>"
    x, y = r.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 100_000 < x < 1_000_000 and 900_000 < y < 2_700_000


def test_property_filters_and_cql2(http):
    by_param = http.get(ITEMS, params={"province": "01", "type": "phuong", "limit": 1}).json()["numberMatched"]
    cql = http.get(
        ITEMS, params={"filter": "province_code = '01' AND type = 'phuong'", "filter-lang": "cql2-text", "limit": 1}
    ).json()["numberMatched"]
    assert by_param == cql and 40 < cql < 80
    big = http.get(ITEMS, params={"filter": "population > 100000 AND full_name LIKE 'Phường %'", "limit": 1000}).json()
    assert big["numberMatched"] > 0
    assert all(f["properties"]["population"] > 100000 for f in big["features"])
    one = http.get(ITEMS, params={"code": "00070"}).json()
    assert [f["id"] for f in one["features"]] == ["00070"]
    inlist = http.get(ITEMS, params={"filter": "code IN ('00070', '00004') OR code IS NULL"}).json()
    assert inlist["numberMatched"] == 2


def test_items_of_other_collections_and_dates(http):
    old = http.get("/ogc/collections/old_communes/items", params={"limit": 1}).json()
    assert old["numberMatched"] == 10035 and old["features"][0]["geometry"]["type"] == "Point"
    lin = http.get("/ogc/collections/lineage/items", params={"code": "00001"}).json()
    assert lin["features"][0]["geometry"]["type"] == "LineString"
    assert http.get(ITEMS, params={"datetime": "2025-06-30", "limit": 1}).json()["numberMatched"] == 0
    ts = http.get(ITEMS, params={"datetime": "2025-06-30T18:00:00Z", "limit": 1}).json()  # 01:00 on 1 July in VN
    assert ts["numberMatched"] == 3321 and ts["as_of"] == "2025-07-01"
    assert http.get("/ogc/collections/provinces/items").json()["numberMatched"] == 34


def test_one_item_and_html(http):
    f = http.get(f"{ITEMS}/00070").json()
    assert f["properties"]["full_name"] == "Phường Hoàn Kiếm" and f["geometry"]["type"] == "MultiPolygon"
    for url in (
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/communes",
        f"{ITEMS}?limit=5",
        f"{ITEMS}/00070",
    ):
        r = http.get(url, params={"f": "html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.text.startswith("<!DOCTYPE html>") and r.text.rstrip().endswith("</html>")


@pytest.mark.parametrize(
    "url,params,status,text",
    [
        ("/ogc/collections/nope", {}, 404, "no collection"),
        (f"{ITEMS}/99999", {}, 404, "no feature"),
        (ITEMS, {"limit": 0}, 400, "limit"),
        (ITEMS, {"limit": 10001}, 400, "limit"),
        (ITEMS, {"bbox": "1,2,3"}, 400, "4 numbers"),
        (ITEMS, {"bbox": "a,b,c,d"}, 400, "four comma-separated"),
        (ITEMS, {"bbox": "106,21,105,22"}, 400, "min x"),
        (ITEMS, {"bbox-crs": "EPSG:3405"}, 400, "without bbox"),
        (ITEMS, {"crs": "EPSG:9999"}, 400, "not offered"),
        (ITEMS, {"filter": "population >"}, 400, "expected a value"),
        (ITEMS, {"filter": "secret = 1"}, 400, "unknown property"),
        (ITEMS, {"filter": "code = 70"}, 400, "not a string"),
        (ITEMS, {"filter-lang": "cql2-json", "filter": "x"}, 400, "filter-lang"),
        (ITEMS, {"datetime": "2025-01-01/2025-12-31"}, 400, "one instant"),
        (ITEMS, {"datetime": "2025-07-01", "as_of": "2025-07-01"}, 400, "either"),
        (ITEMS, {"datetime": "yesterday"}, 400, "RFC 3339"),
        (ITEMS, {"province": "01", "nonsense": "1"}, 400, "unknown query parameter"),
        ("/ogc/collections/provinces/items", {"province": "01"}, 400, "not a filter"),
    ],
)
def test_errors_are_problems(http, url, params, status, text):
    # OGC API – Features: an invalid parameter is a 400 (the rest of the API says 422)
    assert_problem(http.get(url, params=params), status, text)


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def test_ogrinfo_lists_the_collections_without_warnings(server):
    r = _run("ogrinfo", f"OAPIF:{server}/ogc")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == ""
    for name in ("provinces", "communes", "old_communes", "lineage"):
        assert f": {name} " in r.stdout


def test_ogr2ogr_imports_all_communes_with_attributes(server, tmp_path: Path):
    out = tmp_path / "out.gpkg"
    t0 = time.perf_counter()
    r = _run("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server}/ogc", "communes")
    seconds = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr
    info = pyogrio.read_info(out, layer="communes")
    assert info["features"] == 3321
    assert {"code", "full_name", "type", "province_code", "population", "area_km2"} <= set(info["fields"])
    df = pyogrio.read_dataframe(out, layer="communes", columns=["code", "full_name", "population"])
    assert df.loc[df.code == "00070", "full_name"].item() == "Phường Hoàn Kiếm"
    print(f"ogr2ogr import of 3,321 communes: {seconds:.1f} s")
