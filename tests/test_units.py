"""/v1/units/{code}: versions by date, 404 and 422 answers."""

from conftest import assert_problem


def test_current_commune(http):
    u = http.get("/v1/units/00070").json()
    assert u["full_name"] == "Phường Hoàn Kiếm" and u["type"] == "phuong" and u["level"] == "commune"
    assert u["parent"]["code"] == "01" and u["valid_to"] is None
    for field in ("population", "area_km2", "area_km2_computed", "admin_center"):
        assert u[field], field
    assert abs(u["area_km2"] - u["area_km2_computed"]) < 0.1 * u["area_km2"]


def test_code_reused_across_the_reform(http):
    old = http.get("/v1/units/00004", params={"as_of": "2025-06-30"}).json()
    new = http.get("/v1/units/00004", params={"as_of": "2025-07-01"}).json()
    assert old["full_name"] == "Phường Trúc Bạch" and old["parent"]["code"] == "001"
    assert new["full_name"] == "Phường Ba Đình" and new["parent"]["code"] == "01"


def test_dong_nai_retyping(http):
    before = http.get("/v1/units/25270", params={"as_of": "2026-04-29"}).json()
    after = http.get("/v1/units/25270", params={"as_of": "2026-04-30"}).json()
    assert (before["type"], after["type"]) == ("xa", "phuong")
    assert before["valid_to"] == "2026-04-29" and after["valid_from"] == "2026-04-30"
    assert http.get("/v1/units/75", params={"as_of": "2026-04-30"}).json()["type"] == "thanh_pho"


def test_bac_ninh_amendment(http):
    assert http.get("/v1/units/07840", params={"as_of": "2026-09-19"}).json()["type"] == "xa"
    assert http.get("/v1/units/07840", params={"as_of": "2026-09-20"}).json()["full_name"] == "Phường Hiệp Hoà"
    assert http.get("/v1/units/22", params={"as_of": "2026-09-01"}).json()["full_name"] == "Thành phố Quảng Ninh"


def test_unknown_code(http):
    assert_problem(http.get("/v1/units/99999"), 404, "no unit has code 99999")


def test_code_not_valid_that_day_says_when(http):
    body = assert_problem(http.get("/v1/units/001", params={"as_of": "2025-08-01"}), 404, "valid")
    assert "2025-06-30" in body["detail"] and body["versions"][0]["valid_to"] == "2025-06-30"


def test_malformed_code_and_date(http):
    assert_problem(http.get("/v1/units/7A"), 422, "unit code")
    assert_problem(http.get("/v1/units/00070", params={"as_of": "2025-13-01"}), 422)
    assert_problem(http.get("/v1/units/00070", params={"as_of": "yesterday"}), 422)
