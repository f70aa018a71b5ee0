"""Real GIS clients against the real service: Debian's GDAL (ogrinfo/ogr2ogr, the OAPIF and OGCAPI
drivers) and OWSLib. A counting proxy in front of the service records what each client asked and
how many bytes it got, so the tests see that filters run on the server. (QGIS: tests/test_qgis.py,
run by `make clients`.)"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from bench.counting_proxy import CountingProxy

pytestmark = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL (gdal-bin) is not installed")


@pytest.fixture(scope="module")
def proxy(server):
    p = CountingProxy(server)
    yield p
    p.close()


def ogr(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "GDAL_HTTP_TIMEOUT": "300", **(env or {})},
    )


def items_requests(proxy: CountingProxy, collection: str = "communes") -> list[tuple[str, int, int]]:
    return [r for r in proxy.requests if f"/collections/{collection}/items" in r[0]]


def test_gdal_sends_a_where_filter_to_the_server(proxy, tmp_path):
    proxy.reset()
    out = tmp_path / "hanoi.geojson"
    r = ogr(
        "ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{proxy.base}/ogc", "communes", "-where", "province_code = '01'"
    )
    assert r.returncode == 0, r.stderr
    feats = json.loads(out.read_text())["features"]
    assert len(feats) == 126 and {f["properties"]["province_code"] for f in feats} == {"01"}
    got = items_requests(proxy)
    # GDAL found the items operation and its queryables in /ogc/api and sent the filter along
    assert any("/ogc/api" in p for p, _, _ in proxy.requests)
    assert got and all(("province_code" in p) for p, _, _ in got[1:]), got
    assert all(status == 200 for _, _, status in proxy.requests), proxy.requests
    # a few pages of Hà Nội, not the 3,321 communes of the country (~160 MB)
    assert sum(n for _, n, _ in got) < 25_000_000, sum(n for _, n, _ in got)


def test_gdal_filter_on_two_properties(proxy, http):
    expected = http.get(
        "/ogc/collections/communes/items", params={"province_code": "79", "type": "phuong", "limit": 1}
    ).json()["numberMatched"]
    proxy.reset()
    r = ogr(
        "ogrinfo",
        "-ro",
        "-q",
        "-where",
        "province_code = '79' AND type = 'phuong'",
        f"OAPIF:{proxy.base}/ogc",
        "communes",
        "-geom=NO",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("OGRFeature(communes)") == expected > 50
    data = [p for p, _, _ in items_requests(proxy)][1:]  # the first asks for the layer's schema
    assert data and all("79" in p and "phuong" in p for p in data), data


def test_gdal_ogcapi_driver_finds_the_tiles(proxy, server):
    """GDAL's OGCAPI driver, API=TILES, discovers the tiles from the collection's tilesets link, the
    tileset and the tile matrix set (which it parses: TMS 1.0 and 2.0 encodings in one document)."""
    proxy.reset()
    r = ogr(
        "ogrinfo",
        "-ro",
        "-so",
        "-oo",
        "API=TILES",
        "-oo",
        "TILEMATRIXSET=WebMercatorQuad",
        f"OGCAPI:{proxy.base}/ogc/collections/communes",
        env={"CPL_DEBUG": "ON"},
    )
    assert "API TILES requested, but not available" not in r.stderr
    assert "Invalid tiling matrix set" not in r.stderr and "Cannot parse CRS" not in r.stderr, r.stderr[-2000:]
    asked = [p for p, _, _ in proxy.requests]
    assert "/ogc/collections/communes/tiles" in asked and "/ogc/tileMatrixSets/WebMercatorQuad" in asked, asked
    # GDAL 3.12 (pyogrio's) opens the collection's tiles as a dataset in Web Mercator
    import pyogrio

    info = pyogrio.read_info(
        f"OGCAPI:{server}/ogc/collections/communes", API="TILES", TILEMATRIXSET="WebMercatorQuad", layer=0
    )
    assert info["crs"] == "EPSG:3857"


def test_owslib_reads_items_with_crs_and_filter(proxy):
    owslib = pytest.importorskip("owslib.ogcapi.features")
    api = owslib.Features(f"{proxy.base}/ogc")
    assert "communes" in [c["id"] for c in api.collections()["collections"]]
    got = api.collection_items(
        "communes",
        limit=200,
        filter="province_code = '01' AND type = 'phuong'",
        crs="http://www.opengis.net/def/crs/EPSG/0/3405",
    )
    assert got["numberMatched"] == len(got["features"]) > 40
    assert {f["properties"]["type"] for f in got["features"]} == {"phuong"}
    x, y = got["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 500_000 < x < 700_000 and 2_300_000 < y < 2_400_000  # UTM 48N metres, Hà Nội
    qp = api.collection_items("communes", province_code="01", limit=1)  # a queryable as a parameter
    assert qp["numberMatched"] == 126


def test_ogc_api_document_is_what_gdal_reads(http):
    doc = http.get("/ogc/api").json()
    assert doc["servers"][0]["url"].endswith("/ogc")
    assert "/collections/{collectionId}/items" in doc["paths"] and "/conformance" in doc["paths"]
    params = {p["name"] for p in doc["paths"]["/collections/communes/items"]["get"]["parameters"]}
    assert {"province_code", "type", "population", "filter", "filter-lang", "filter-crs", "bbox", "crs"} <= params
    lang = next(
        p for p in doc["paths"]["/collections/communes/items"]["get"]["parameters"] if p["name"] == "filter-lang"
    )
    assert "cql-text" in json.dumps(lang) and "cql2-text" in json.dumps(lang)
    assert "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}" in doc["paths"]
    ok = doc["paths"]["/collections/{collectionId}/items"]["get"]["responses"]["200"]["content"]
    assert "application/geo+json" in ok and "text/html" in ok


def test_queryables_as_query_parameters_and_400s(http):
    r = http.get("/ogc/collections/communes/items", params={"province_code": "01", "limit": 1})
    assert r.status_code == 200 and r.json()["numberMatched"] == 126
    big = http.get("/ogc/collections/communes/items", params={"population": "notanumber"})
    assert big.status_code == 400 and "population" in big.json()["detail"]
    for params in (
        {"limit": "0"},
        {"nope": "1"},
        {"bbox": "1,2"},
        {"filter-crs": "EPSG:9999", "filter": "code='00070'"},
        {"filter-lang": "xml"},
        {"datetime": "2025-13-45"},
    ):
        r = http.get("/ogc/collections/communes/items", params=params)
        assert r.status_code == 400, (params, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    ok = http.get(
        "/ogc/collections/communes/items",
        params={"filter": "code = '00070'", "filter-crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
    )
    assert ok.status_code == 200 and ok.json()["numberMatched"] == 1


def test_conformance_and_tiles_links(http):
    conf = http.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conf
    for cid in ("provinces", "communes", "old_communes", "lineage"):
        links = http.get(f"/ogc/collections/{cid}").json()["links"]
        tl = [l for l in links if l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"]
        assert tl, cid
        sets = http.get(tl[0]["href"].replace(str(http.base_url).rstrip("/"), "")).json()["tilesets"]
        ts = http.get(sets[0]["links"][0]["href"].replace(str(http.base_url).rstrip("/"), "")).json()
        tmpl = next(l["href"] for l in ts["links"] if l["rel"] == "item")
        lim = next(l for l in ts["tileMatrixSetLimits"] if l["tileMatrix"] == "6")
        path = tmpl.replace(str(http.base_url).rstrip("/"), "").format(
            tileMatrix=6, tileRow=lim["minTileRow"] + 1, tileCol=lim["minTileCol"] + 1
        )
        assert http.get(path).status_code in (200, 204), path
