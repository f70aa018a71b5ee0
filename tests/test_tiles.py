"""Vector tiles, TileJSON, OGC API – Tiles and the per-band shapes, against the real PostGIS and HTTP."""

from __future__ import annotations

import mapbox_vector_tile
import mercantile
import pytest

from bench.slivers import land_in_tile, sliver_area, tile_bbox
from conftest import assert_problem
from geodata.tiles.mvt import BANDS, band_for_zoom

MVT = "application/vnd.mapbox-vector-tile"
HANOI, HCMC, BO_HA = (105.8522, 21.0288), (106.7009, 10.7769), (106.2139, 21.4582)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    t = mercantile.tile(lon, lat, z)
    return t.z, t.x, t.y


def get_tile(http, layer: str, lon_lat, z: int, **params):
    z, x, y = tile_of(*lon_lat, z)
    return http.get(f"/v1/tiles/{layer}/{z}/{x}/{y}.mvt", params=params)


def decode(resp) -> dict:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == MVT
    return mapbox_vector_tile.decode(resp.content)


def test_commune_tile_decodes_with_expected_features(http):
    layers = decode(get_tile(http, "communes", HANOI, 12))
    feats = {f["properties"]["code"]: f for f in layers["communes"]["features"]}
    hk = feats["00070"]["properties"]  # Phường Hoàn Kiếm
    assert hk["name"] == "Hoàn Kiếm" and hk["type"] == "phuong" and hk["province_code"] == "01"
    assert hk["province_name"] == "Hà Nội" and hk["province_code"] == "01" and hk["population"] > 0
    assert hk["area_km2"] > 0 and hk["density_per_km2"] > 1000
    assert "powers" in hk and feats["00070"]["id"] == 70
    assert feats["00070"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    labels = {f["properties"]["code"]: f for f in layers["communes_labels"]["features"]}
    assert (
        labels["00070"]["geometry"]["type"] == "Point"
        and labels["00070"]["properties"]["full_name"] == "Phường Hoàn Kiếm"
    )


def test_province_tile_and_low_zoom(http):
    layers = decode(http.get("/v1/tiles/provinces/0/0/0.mvt"))
    codes = {f["properties"]["code"] for f in layers["provinces"]["features"]}
    assert len(codes) == 34 and "01" in codes and "79" in codes
    z6 = decode(get_tile(http, "communes", HANOI, 6))
    assert len(z6["communes"]["features"]) > 500 and "communes_labels" not in z6  # labels from z8


def test_every_zoom_0_to_14_serves(http):
    for z in range(15):
        assert get_tile(http, "provinces", HCMC, z).status_code == 200, z
        # below z3 every commune is under a pixel: the commune tile may be empty (204), never an error
        assert get_tile(http, "communes", HCMC, z).status_code in ((200, 204) if z < 3 else (200,)), z


def test_tiles_drop_sub_pixel_polygons_and_stay_under_500_kb(http):
    """No polygon under one pixel of a 512-pixel tile in the commune layer, none of zero area in any
    layer (the MVT spec forbids them), and the heaviest low-zoom tiles under 500 KB."""
    import shapely.geometry

    for z, x, y in ((5, 25, 14), (4, 12, 7), (7, 101, 56), (0, 0, 0)):
        for layer in ("communes", "provinces"):
            r = http.get(f"/v1/tiles/{layer}/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "identity"})
            assert len(r.content) < 500 * 1024, (layer, z, len(r.content))
            if r.status_code == 204:
                continue
            tile = mapbox_vector_tile.decode(r.content)[layer]
            floor = (tile["extent"] / 512) ** 2 if layer == "communes" else 0
            areas = [shapely.geometry.shape(f["geometry"]).area for f in tile["features"]]
            assert areas and min(areas) > 0 and min(areas) >= floor * 0.99, (layer, z, min(areas))


def test_as_of_changes_attributes_not_geometry(http):
    old = decode(get_tile(http, "communes", BO_HA, 11, as_of="2025-07-01"))
    new = decode(get_tile(http, "communes", BO_HA, 11, as_of="2026-10-01"))
    t_old = {f["properties"]["code"]: f for f in old["communes"]["features"]}["07294"]
    t_new = {f["properties"]["code"]: f for f in new["communes"]["features"]}["07294"]
    assert (t_old["properties"]["type"], t_new["properties"]["type"]) == ("xa", "phuong")
    assert t_old["geometry"] == t_new["geometry"]


def test_etag_304_and_cache(http):
    first = get_tile(http, "provinces", HCMC, 9, as_of="2026-01-02")
    assert first.status_code == 200 and first.headers["etag"].startswith(('"', 'W/"'))
    assert "max-age" in first.headers["cache-control"]
    again = get_tile(http, "provinces", HCMC, 9, as_of="2026-01-02")
    assert again.headers["x-tile-cache"] == "hit" and again.content == first.content
    z, x, y = tile_of(*HCMC, 9)
    nm = http.get(
        f"/v1/tiles/provinces/{z}/{x}/{y}.mvt",
        params={"as_of": "2026-01-02"},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert nm.status_code == 304 and not nm.content
    # same period (no change between the two days) -> same ETag; another layer -> another
    assert get_tile(http, "provinces", HCMC, 9, as_of="2026-01-03").headers["etag"] == first.headers["etag"]
    assert get_tile(http, "communes", HCMC, 9, as_of="2026-01-02").headers["etag"] != first.headers["etag"]


def test_empty_tile_is_204(http):
    r = http.get("/v1/tiles/communes/10/0/0.mvt")
    assert r.status_code == 204 and r.headers["etag"]


def test_point_and_line_layers(http):
    pts = decode(get_tile(http, "old_communes", HANOI, 12))["old_communes"]["features"]
    hang_ma = next(f for f in pts if f["properties"]["code"] == "00043")
    assert hang_ma["geometry"]["type"] == "Point" and hang_ma["properties"]["successor"] == "00070"
    assert hang_ma["properties"]["parent_code"] == "002"  # its district
    # the former id answers the same tile
    former = get_tile(http, "legacy-communes", HANOI, 12)
    assert decode(former)["old_communes"]["features"] == pts
    lines = decode(get_tile(http, "lineage", HANOI, 10))["lineage"]["features"]
    assert lines and lines[0]["geometry"]["type"] == "LineString"


@pytest.mark.parametrize(
    "path,status,text",
    [
        ("/v1/tiles/nope/1/0/0.mvt", 404, "no tile layer"),
        ("/v1/tiles/communes/30/0/0.mvt", 404, "zoom 30"),
        ("/v1/tiles/communes/3/8/0.mvt", 404, "does not exist at zoom 3"),
        ("/v1/tiles/communes/3/0/-1.mvt", 404, "does not exist"),
        ("/v1/tiles/communes/a/0/0.mvt", 422, "z"),
        ("/v1/tiles/communes/5/25/14.mvt?as_of=2025-01-01", 404, "boundaries exist from 2025-07-01"),
        ("/v1/tiles/communes/5/25/14.mvt?as_of=2025-13-01", 422, "YYYY-MM-DD"),
        ("/v1/tiles/nope.json", 404, "no tile layer"),
        ("/ogc/tileMatrixSets/WorldCRS84Quad", 404, "WebMercatorQuad"),
        ("/ogc/collections/communes/tiles/WebMercatorQuad/5/14/25?datetime=2025-01-01/2026-01-01", 400, "one day"),
    ],
)
def test_bad_requests_are_problems(http, path, status, text):
    assert_problem(http.get(path), status, text)


def test_tilejson(http):
    tj = http.get("/v1/tiles/communes.json").json()
    assert tj["tilejson"] == "3.0.0" and tj["scheme"] == "xyz" and tj["minzoom"] == 0 and tj["maxzoom"] >= 14
    assert tj["tiles"][0].endswith("/v1/tiles/communes/{z}/{x}/{y}.mvt") and tj["attribution"]
    w, s, e, n = tj["bounds"]
    assert 102 < w < 103 and 23 < n < 24 and e > 109
    ids = {v["id"]: v for v in tj["vector_layers"]}
    assert set(ids) == {"communes", "communes_labels"}
    assert {
        "code",
        "name",
        "type",
        "population",
        "density_per_km2",
        "area_km2",
        "province_code",
        "province_name",
        "powers",
    } <= set(ids["communes"]["fields"])
    pinned = http.get("/v1/tiles/provinces.json", params={"as_of": "2025-07-01"}).json()
    assert pinned["tiles"][0].endswith("?as_of=2025-07-01")
    assert {layer["id"] for layer in http.get("/v1/tiles").json()["layers"]} == {
        "provinces",
        "communes",
        "old_communes",
        "lineage",
    }
    assert (
        http.get("/v1/tiles/legacy-communes.json").json()["tiles"][0].endswith("/v1/tiles/old_communes/{z}/{x}/{y}.mvt")
    )


def test_ogc_tiles_same_tile(http):
    tms = http.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert tms["id"] == "WebMercatorQuad" and len(tms["tileMatrices"]) >= 15
    assert tms["tileMatrices"][0]["matrixWidth"] == 1 and tms["tileMatrices"][14]["matrixWidth"] == 2**14
    assert http.get("/ogc/tileMatrixSets").json()["tileMatrixSets"][0]["id"] == "WebMercatorQuad"
    ts = http.get("/ogc/collections/communes/tiles/WebMercatorQuad").json()
    assert any(link["rel"] == "item" for link in ts["links"])
    z, x, y = tile_of(*HANOI, 10)
    ogc = http.get(f"/ogc/collections/communes/tiles/WebMercatorQuad/{z}/{y}/{x}", params={"datetime": "2026-10-01"})
    v1 = http.get(f"/v1/tiles/communes/{z}/{x}/{y}.mvt", params={"as_of": "2026-10-01"})
    assert ogc.status_code == 200 and ogc.content == v1.content and ogc.headers["etag"] == v1.headers["etag"]
    # the tileset's grid size per zoom is the one the tiles have (2048 up to z7, 4096 above)
    for zoom in (6, 10):
        _, tx, ty = tile_of(*HANOI, zoom)
        r = http.get(f"/v1/tiles/communes/{zoom}/{tx}/{ty}.mvt", headers={"Accept-Encoding": "identity"})
        said = next(e["extent"] for e in ts["extent"] if e["minZoom"] <= zoom <= e["maxZoom"])
        assert mapbox_vector_tile.decode(r.content)["communes"]["extent"] == said, (zoom, said)


@pytest.mark.parametrize("zoom", [6, 10, 14])
def test_decoded_tiles_have_no_slivers(http, zoom):
    """Neighbours share their edges in the tile: no overlap or crack wider than rounding to the grid
    (holes that are sea at full resolution too, such as bays closed at z6, are not cracks)."""
    for place in (HANOI, HCMC):
        _, x, y = tile_of(*place, zoom)
        full = http.get("/v1/layers/communes.geojson", params={"bbox": tile_bbox(zoom, x, y)}).json()
        s = sliver_area(get_tile(http, "communes", place, zoom).content, "communes", land_in_tile(full, zoom, x, y))
        assert s["features"] > 1
        assert s["overlap_beyond_precision"] == 0 and s["crack_beyond_precision"] == 0, (place, s)


SAMPLE = """
WITH env AS (SELECT ST_Expand(ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 3857), 60000) AS e),
s AS (SELECT s.unit_id, s.geom FROM geo.unit_shapes s JOIN geo.units u ON u.id = s.unit_id, env
      WHERE s.zband = %(band)s AND u.level = 'commune' AND u.valid @> DATE '2026-10-01' AND s.geom && env.e)"""
OVERLAPS_SQL = (
    SAMPLE
    + """
SELECT count(*) AS pairs, coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0) AS overlap_m2
FROM s a JOIN s b ON a.unit_id < b.unit_id AND ST_Intersects(a.geom, b.geom)"""
)
# A crack between neighbours is a small hole in the union of the sample (a pair's union may
# enclose a third unit, so holes are looked for in the union of all of them).
CRACKS_SQL = (
    SAMPLE
    + """
SELECT coalesce(sum(ST_Area(ST_MakePolygon(ST_ExteriorRing(h.geom)))), 0)
FROM (SELECT ST_Union(geom) AS g FROM s) un, ST_Dump(un.g) p, ST_DumpRings(p.geom) h
WHERE h.path[1] > 0 AND ST_Area(ST_MakePolygon(ST_ExteriorRing(h.geom))) < %(small)s"""
)


@pytest.mark.parametrize("zoom", [6, 10])
def test_shared_edges_in_band_shapes(db, zoom):
    """Neighbour pairs of the band used at z6 and z10 around Hà Nội and HCMC: no overlap, no crack."""
    band = band_for_zoom(zoom)
    pixel = 2 * 20037508.34 / (4096 << zoom)
    for lon, lat in (HANOI, HCMC):
        args = {"lon": lon, "lat": lat, "band": band, "small": 100 * pixel**2}
        pairs, overlap = db.execute(OVERLAPS_SQL, args).fetchone()
        crack = db.execute(CRACKS_SQL, args).fetchone()[0]
        assert pairs > 50, (lon, lat, pairs)
        assert overlap == 0 and crack == 0, (zoom, lon, lat, overlap, crack)


def test_bands_cover_all_zooms():
    assert [band_for_zoom(z) for z in (0, 4, 5, 6, 10, 14, 22)] == [0, 0, 1, 1, 3, len(BANDS) - 1, len(BANDS) - 1]
