"""Implausible populations are flagged in the data (a floor per unit type), listed in the quality
report, and served with their reason; numbered and place-qualified names are found by search."""

from __future__ import annotations

from etl.plausibility import FLOORS, implausible_population


def test_rule_per_unit_type():
    assert implausible_population("phuong", 462, 6.34)  # Bình Quới: 73 people/km²
    assert implausible_population("phuong", 1263, 3.32)  # Bình Thạnh: 1,263 people
    assert implausible_population("phuong", 105_301, 2.9) is None  # Hoàn Kiếm
    assert implausible_population("xa", 103, 320.6)
    assert implausible_population("xa", 5_000, 800.0) is None  # 6/km²: a real mountain xã
    assert implausible_population("dac_khu", 0, 160.0) is None  # island zones have no floor
    assert implausible_population("xa", None, 12.0) is None  # withheld: nothing to judge
    assert set(FLOORS) == {"phuong", "xa"}


def test_flagged_in_the_data_and_the_quality_report(db, http):
    report = db.execute("SELECT report -> 'implausible_population' FROM geo.dataset").fetchone()[0]
    codes = {u["code"] for u in report["units"]}
    assert report["count"] == len(report["units"]) >= 2 and report["rule"]["phuong"]["min_per_km2"] == 100
    binh_quoi, binh_thanh = (
        db.execute("SELECT code FROM geo.units WHERE upper_inf(valid) AND full_name = %s", (n,)).fetchone()[0]
        for n in ("Phường Bình Quới", "Phường Bình Thạnh")
    )
    assert {binh_quoi, binh_thanh} <= codes
    unit = http.get(f"/v1/units/{binh_quoi}").json()
    assert unit["population"] == 462 and "implausible" in unit["flags"]["population"]
    # every flagged unit really is below its type's floor
    for u in report["units"]:
        assert implausible_population(u["type"], u["population"], u["area_km2"]), u


def test_search_numbered_and_place_qualified_names(http):
    q1 = http.get("/v1/search", params={"q": "q1", "limit": 3}).json()["results"]
    assert q1[0]["full_name"] == "Quận 1" and q1[0]["province"]["full_name"] == "Thành phố Hồ Chí Minh"
    p1 = http.get("/v1/search", params={"q": "phuong 1 da lat", "limit": 3}).json()["results"][0]
    assert p1["full_name"] == "Phường 1" and p1["old"] and p1["district"]["full_name"] == "Thành phố Đà Lạt"
    # two old "Phường 1" of one province are told apart by their old district
    rows = http.get("/v1/search", params={"q": "phuong 1", "limit": 40}).json()["results"]
    lam_dong = [
        r for r in rows if r["old"] and r["full_name"] == "Phường 1" and r["province"]["full_name"] == "Tỉnh Lâm Đồng"
    ]
    assert len({r["district"]["full_name"] for r in lam_dong}) == len(lam_dong) >= 2
    assert http.get("/v1/search", params={"q": "ben thanh"}).json()["results"][0]["full_name"] == "Phường Bến Thành"
