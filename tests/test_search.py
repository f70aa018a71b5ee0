"""/v1/search: folded forms, typos, common names, old units; /v1/units listings."""

import pytest

from conftest import assert_problem


def _codes(http, q, **params):
    return [r["code"] for r in http.get("/v1/search", params={"q": q, **params}).json()["results"]]


@pytest.mark.parametrize("q", ["hoan kiem", "Hoàn Kiếm", "HOAN KIEM", "phường hoàn kiếm", "P. Hoan Kiem", "hoan kie"])
def test_folded_and_prefixed_forms(http, q):
    assert _codes(http, q)[0] == "00070"


def test_tone_placement_and_d(http):
    assert _codes(http, "Hoà Bình", level="commune")[:3] == _codes(http, "Hòa Bình", level="commune")[:3]
    assert "48" in _codes(http, "da nang")[:2] and "48" in _codes(http, "Đà Nẵng")[:2]


def test_small_typo(http):
    assert "00070" in _codes(http, "hoan kim")[:3]


@pytest.mark.parametrize("q,code", [("TP HCM", "79"), ("tp. Hồ Chí Minh", "79"), ("Huế", "46"), ("Sài Gòn", "26740")])
def test_common_forms(http, q, code):
    assert _codes(http, q)[0] == code


def test_old_units_marked(http):
    r = http.get("/v1/search", params={"q": "Trúc Bạch"}).json()["results"][0]
    assert r["code"] == "00004" and r["old"] is True and r["valid_to"] == "2025-06-30"
    assert r["links"]["successors"] == "/v1/legacy/units/00004"


def test_filters(http):
    res = http.get(
        "/v1/search", params={"q": "hoa", "level": "commune", "province": "01", "as_of": "2026-01-01"}
    ).json()["results"]
    assert res and all(r["province"]["code"] == "01" and r["level"] == "commune" and not r["old"] for r in res)
    assert_problem(http.get("/v1/search", params={"q": "x", "level": "planet"}), 422)
    assert_problem(http.get("/v1/search", params={"q": "a" * 101}), 422)
    assert_problem(http.get("/v1/search", params={"q": "!!!"}), 422, "letters")


def test_provinces_and_communes(http):
    provinces = http.get("/v1/provinces").json()
    assert provinces["total"] == 34 and [p["code"] for p in provinces["results"]][:2] == ["01", "04"]
    page = http.get("/v1/provinces/01/communes", params={"limit": 50}).json()
    assert page["total"] == 126 and len(page["results"]) == 50 and "offset=50" in page["next"]
    rest = http.get("/v1/provinces/01/communes", params={"limit": 100, "offset": 50}).json()
    codes = [u["code"] for u in page["results"] + rest["results"]]
    assert codes == sorted(codes) and len(set(codes)) == 126
    assert_problem(http.get("/v1/provinces/00070/communes"), 422, "not a province")


def test_units_filters_and_geojson(http):
    r = http.get("/v1/units", params={"type": "dac_khu", "geometry": "simplified", "format": "geojson"})
    fc = r.json()
    assert r.headers["content-type"].startswith("application/geo+json")
    assert fc["total"] == 13 and len(fc["features"]) == 13
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in fc["features"])
    old = http.get("/v1/units", params={"level": "district", "as_of": "2025-06-30", "limit": 1}).json()
    assert old["total"] == 696
