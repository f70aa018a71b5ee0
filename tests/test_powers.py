"""Delegated powers: the catalogue, who holds what on a day, compare, stats, and a broken catalogue."""

from __future__ import annotations

import shutil
import statistics
from datetime import date

import pytest

from conftest import assert_problem
from etl import powers as powers_part
from etl.load import load
from geodata.dates import today

ORDINARY = "96"  # Cà Mau: a tỉnh with no special mechanism in the catalogue


def held(http, code: str, **params) -> dict[str, dict]:
    body = http.get(f"/v1/units/{code}/powers", params=params).json()
    return {p["id"]: p for s in body["sectors"] for p in s["powers"]}


def one_commune(db, province: str, type_: str, day: date | None = None) -> str:
    return db.execute(
        "SELECT code FROM geo.units WHERE level = 'commune' AND province_code = %s AND type = %s "
        "AND valid @> %s::date ORDER BY code LIMIT 1",
        (province, type_, day or today()),
    ).fetchone()[0]


def test_capital_and_hcmc_hold_powers_an_ordinary_province_does_not(http, db):
    day = "2026-06-30"  # the last day of Luật Thủ đô 39/2024/QH15 (tests/test_powers_time.py: the day after)
    hn, hcm, plain = held(http, "01", as_of=day), held(http, "79", as_of=day), held(http, ORDINARY, as_of=day)
    assert {"p210", "p211", "p216"} <= hn.keys() - plain.keys()  # Capital Law
    assert {"p221", "p222", "p224"} <= hcm.keys() - plain.keys()  # NQ 188 Art. 9, NQ 98
    assert "p221" not in hn and "p210" not in hcm
    assert not any(p["inherited"] for p in hn.values())
    for code, mine in (("01", hn), ("79", hcm)):
        special = {k for k, p in mine.items() if p["applies_to"] != ["all"]}
        commune = held(http, one_commune(db, code, "xa", date(2026, 6, 30)), as_of=day)
        inherited = {k for k, p in commune.items() if p["inherited"]}
        assert inherited == special, code
        assert all(
            commune[k]["through"]["code"] == code and commune[k]["holder_level"] == "province" for k in inherited
        )
    assert not any(
        p["inherited"] for p in held(http, one_commune(db, ORDINARY, "xa", date(2026, 6, 30)), as_of=day).values()
    )


def test_dac_khu_holds_its_type_specific_powers(http, db):
    phu_quoc, con_dao = held(http, "31078"), held(http, "26732")
    assert {"p209", "p196", "p028", "p197"} <= phu_quoc.keys()  # p197 is phuong;dac_khu@91
    assert phu_quoc["p197"]["selector"] == "dac_khu@91" and phu_quoc["p209"]["selector"] == "dac_khu"
    assert "p209" in con_dao and "p197" not in con_dao
    assert "p203" not in phu_quoc  # ward councils' powers


def test_phuong_and_xa_of_one_province_differ_as_the_catalogue_says(http, db):
    ward, rural = one_commune(db, "01", "phuong"), one_commune(db, "01", "xa")
    w, x = held(http, ward), held(http, rural)
    ward_only = {r[0] for r in db.execute("SELECT id FROM geo.powers WHERE applies_to = 'phuong'")}
    rural_only = {r[0] for r in db.execute("SELECT id FROM geo.powers WHERE applies_to = 'xa;dac_khu'")}
    assert ward_only and rural_only
    assert ward_only <= w.keys() and not ward_only & x.keys()
    assert rural_only <= x.keys() and not rural_only & w.keys()
    body = http.get("/v1/compare", params={"units": f"{ward},{rural}"}).json()
    only = {c: {p["id"] for s in body["sectors"] for p in s["only_in"][c]} for c in (ward, rural)}
    assert only[ward] == w.keys() - x.keys() and only[rural] == x.keys() - w.keys()
    assert body["shared"] == len(w.keys() & x.keys())
    assert [u["code"] for u in body["units"]] == [ward, rural]


def test_compare_two_communes_of_different_provinces(http):
    body = http.get("/v1/compare", params={"units": "00070,31078", "as_of": "2026-01-15"}).json()
    hk = {p["id"]: p for s in body["sectors"] for p in s["only_in"]["00070"]}
    assert hk["p210"]["inherited"] and hk["p210"]["through"] == "01"
    assert hk["p210"]["valid_to"] == "2026-06-30" and hk["p210"]["ended_by"]["instrument"] == "luat-02-2026-qh16"
    assert hk["p210"]["status"] == "in_force" and hk["p210"]["sources"] and hk["p210"]["replaced_by"]
    assert {"p209", "p196"} <= {p["id"] for s in body["sectors"] for p in s["only_in"]["31078"]}
    assert_problem(http.get("/v1/compare", params={"units": "00070"}), 422, "two different")
    assert_problem(http.get("/v1/compare", params={"units": "00070,99999"}), 404)


def test_type_change_moves_powers_on_the_day(http):
    before, after = held(http, "25270", as_of="2026-04-29"), held(http, "25270", as_of="2026-04-30")
    assert "p028" in before and "p028" not in after  # xã -> phường (Đồng Nai, 30/04/2026)
    assert "p203" in after and "p203" not in before
    # p121 (thanh_pho) ended on 2026-01-31 (NĐ 49/2026), before Đồng Nai became a centrally governed city
    assert "p121" in held(http, "01", as_of="2026-01-30") and "p121" not in held(http, "01", as_of="2026-01-31")
    assert "p121" not in held(http, "75", as_of="2026-04-30")


def test_as_of_before_effective_date_leaves_powers_out(http):
    assert {"p225", "p226"}.isdisjoint(held(http, "79", as_of="2025-08-31"))  # NQ 222 from 2025-09-01
    assert {"p225", "p226"} <= held(http, "79", as_of="2025-09-01").keys()
    p = http.get("/v1/powers/p225", params={"as_of": "2025-08-31"}).json()
    assert p["units"] == [] and "2025-09-01" in p["note"]
    assert {u["code"] for u in http.get("/v1/powers/p225", params={"as_of": "2025-09-01"}).json()["units"]} == {
        "79",
        "48",
    }
    early = http.get("/v1/units/01/powers", params={"as_of": "2025-06-30"}).json()
    assert early["totals"]["powers"] == 0 and "two-tier" in early["notes"][0]


def test_unconfirmed_effective_date_is_said(http):
    body = http.get("/v1/units/31078/powers").json()
    p197 = next(p for s in body["sectors"] for p in s["powers"] if p["id"] == "p197")
    inst = p197["instrument"]
    assert inst["effective"] is None and not inst["effective_confirmed"] and inst["in_force_from"] == "2025-07-01"
    assert "2025-07-01" in inst["note"] and any("150/2025/NĐ-CP" in n for n in body["notes"])


def test_unit_powers_totals_and_filters(http, db):
    body = http.get("/v1/units/00070/powers").json()
    t = body["totals"]
    assert t["powers"] == sum(s["count"] for s in body["sectors"]) == t["own"] + t["inherited"]
    assert sum(t["by_mechanism"].values()) == t["powers"]
    row = db.execute(
        "SELECT total, own, inherited, by_sector FROM geo.unit_power_counts(%s) WHERE code = '00070'", (today(),)
    ).fetchone()
    assert row == (t["powers"], t["own"], t["inherited"], t["by_sector"])
    land = http.get("/v1/units/00070/powers", params={"sector": "land", "mechanism": "phan_quyen"}).json()
    assert {s["sector"] for s in land["sectors"]} == {"land"}
    assert all(p["mechanism"] == "phan_quyen" for s in land["sectors"] for p in s["powers"])
    bad = assert_problem(http.get("/v1/units/00070/powers", params={"mechanism": "delegation"}), 422, "phan_cap")
    assert bad["allowed"] == ["phan_quyen", "phan_cap", "uy_quyen"]
    assert_problem(http.get("/v1/units/99999/powers"), 404)


def test_catalogue_listing_filters_and_folded_search(http, db):
    rows = db.execute("SELECT count(*) FROM geo.powers").fetchone()[0]
    assert http.get("/v1/powers", params={"limit": 500}).json()["total"] == rows > 229
    for params, where in (
        ({"sector": "land"}, "sector = 'land'"),
        ({"level": "commune"}, "holder_level = 'commune'"),
        ({"mechanism": "uy_quyen"}, "mechanism = 'uy_quyen'"),
        ({"instrument": "nd-151-2025"}, "instrument_id = 'nd-151-2025'"),
    ):
        n = db.execute(f"SELECT count(*) FROM geo.powers WHERE {where}").fetchone()[0]
        assert http.get("/v1/powers", params=params).json()["total"] == n, params
    vi = {p["id"] for p in http.get("/v1/powers", params={"q": "giấy phép xây dựng"}).json()["results"]}
    folded = {p["id"] for p in http.get("/v1/powers", params={"q": "GIAY PHEP xay dung"}).json()["results"]}
    en = {p["id"] for p in http.get("/v1/powers", params={"q": "building permits"}).json()["results"]}
    assert "p001" in vi and vi == folded and "p001" in en
    assert_problem(http.get("/v1/powers", params={"sector": "roads"}), 422, "land")
    assert_problem(http.get("/v1/powers", params={"level": "district"}), 422, "province")
    assert_problem(http.get("/v1/powers", params={"instrument": "nd-999-2025"}), 404)


def test_power_detail_and_geojson(http):
    p = http.get("/v1/powers/p197").json()
    assert p["units_count"] == len(p["units"]) and {u["type"] for u in p["units"]} == {"phuong", "dac_khu"}
    # dac_khu@91 selects every đặc khu of An Giang (the catalogue means Phú Quốc; see its README)
    assert {u["province_code"] for u in p["units"] if u["type"] == "dac_khu"} == {"91"}
    assert "31078" in {u["code"] for u in p["units"]}
    gj = http.get("/v1/powers/p224", params={"format": "geojson"})
    assert gj.headers["content-type"].startswith("application/geo+json")
    fc = gj.json()
    assert [f["id"] for f in fc["features"]] == ["79"] and fc["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert fc["power"]["id"] == "p224"
    assert http.get("/v1/powers/p210", params={"as_of": "2026-01-15"}).json()["inherited_by"][0]["province"] == "01"
    assert_problem(http.get("/v1/powers/p999"), 404)


def test_instruments(http, db):
    body = http.get("/v1/instruments").json()
    n_inst, n_powers = db.execute(
        "SELECT (SELECT count(*) FROM geo.instruments), (SELECT count(*) FROM geo.powers)"
    ).fetchone()
    assert body["total"] == n_inst and sum(i["powers"] for i in body["results"]) == n_powers
    one = http.get("/v1/instruments/nd-151-2025").json()
    assert one["number"] == "151/2025/NĐ-CP" and one["expires"] == "2027-03-01"
    assert (
        len(one["powers"])
        == db.execute("SELECT count(*) FROM geo.powers WHERE instrument_id = 'nd-151-2025'").fetchone()[0]
    )
    assert "luat-39-2024" in {
        i["id"] for i in http.get("/v1/instruments", params={"q": "luat thu do"}).json()["results"]
    }
    assert_problem(http.get("/v1/instruments/nd-999-2025"), 404)


def test_stats_match_independent_sql(http, db):
    body = http.get("/v1/stats", params={"as_of": "2026-01-15"}).json()
    pops = sorted(
        r[0]
        for r in db.execute(
            "SELECT population FROM geo.units WHERE level = 'commune' AND valid @> '2026-01-15'::date "
            "AND population IS NOT NULL"
        )
    )
    q1, med, q3 = statistics.quantiles(pops, n=4, method="inclusive")
    pop = body["population"]
    assert pop["count"] == len(pops) and (pop["min"], pop["max"]) == (pops[0], pops[-1])
    assert (pop["q1"], pop["median"], pop["q3"]) == (round(q1, 2), round(med, 2), round(q3, 2))
    in_band = sum(25_000 <= p <= 40_000 for p in pops)
    assert pop["band"]["count"] == in_band and pop["band"]["share"] == round(in_band / len(pops), 4)
    areas = [
        float(r[0])
        for r in db.execute(
            "SELECT area_km2 FROM geo.units WHERE level = 'commune' "
            "AND valid @> '2026-01-15'::date AND area_km2 IS NOT NULL"
        )
    ]
    assert body["area_km2"]["band"]["count"] == sum(100 <= a <= 200 for a in areas)
    assert body["units"] == 3321
    hn = next(p for p in body["provinces"] if p["code"] == "01")
    communes, province_powers = db.execute(
        "SELECT (SELECT count(*) FROM geo.units WHERE level = 'commune' AND province_code = '01' "
        "          AND valid @> '2026-01-15'::date), "
        "(SELECT count(*) FROM geo.power_units pu JOIN geo.units u ON u.id = pu.unit_id "
        "  WHERE u.code = '01' AND u.level = 'province' AND pu.valid @> '2026-01-15'::date)"
    ).fetchone()
    assert (hn["communes"], hn["powers"]["province"]) == (communes, province_powers)
    assert http.get("/v1/stats", params={"province": "01"}).json()["units"] == communes
    assert_problem(http.get("/v1/stats", params={"level": "ward"}), 422, "commune")


def test_quality_report_has_powers_section(http, db):
    report = http.get("/v1/meta/quality").json()["powers"]
    n_inst, n_powers = db.execute(
        "SELECT (SELECT count(*) FROM geo.instruments), (SELECT count(*) FROM geo.powers)"
    ).fetchone()
    assert report["instruments"]["count"] == n_inst and report["powers"]["count"] == n_powers
    assert sum(report["powers"]["by_sector"].values()) == n_powers
    assert report["powers"]["by_mechanism"] == dict(
        db.execute("SELECT mechanism, count(*) FROM geo.powers GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    )
    assert "units_without_powers" in report and "powers_without_units" in report


def _broken_copy(settings, tmp_path, file: str, line: int, column: str, value: str):
    dest = tmp_path / "powers"
    shutil.copytree(settings.powers_dir, dest)
    import csv

    with (dest / file).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[line - 1][rows[0].index(column)] = value
    with (dest / file).open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return settings.model_copy(update={"powers_dir": dest})


@pytest.mark.parametrize(
    "file,line,column,value,expect",
    [
        ("powers.csv", 6, "mechanism", "phan_quyen_x", "is not one of"),
        ("powers.csv", 9, "instrument_id", "nd-999-2025", "is not an id in instruments.csv"),
        ("powers.csv", 12, "id", "p001", "duplicate id"),
        ("powers.csv", 20, "applies_to", "xa@7", "2-digit"),
        ("instruments.csv", 5, "effective", "2025-07-32", "YYYY-MM-DD"),
    ],
)
def test_catalogue_validation_names_file_row_and_column(settings, tmp_path, file, line, column, value, expect):
    broken = _broken_copy(settings, tmp_path, file, line, column, value)
    rows = [
        {"level": "province", "code": c, "valid": (date(2025, 7, 1), None)}
        for c in ("01", "15", "31", "38", "40", "48", "75", "79", "91")
    ]
    with pytest.raises(powers_part.CatalogueError) as exc:
        powers_part.prepare(broken, None, {"rows": rows})
    assert f"{file} row {line}, column {column}:" in str(exc.value) and expect in str(exc.value)


def test_broken_catalogue_fails_the_load_and_old_data_serves(settings, db_url, db, http, tmp_path):
    broken = _broken_copy(settings, tmp_path, "powers.csv", 6, "sector", "roads")
    before = db.execute(
        "SELECT version, loaded_at, (SELECT count(*) FROM geo.powers), "
        "(SELECT count(*) FROM geo.power_units) FROM geo.dataset"
    ).fetchone()
    with pytest.raises(powers_part.CatalogueError) as exc:
        load(broken, db_url, log=lambda *a: None)
    assert "powers.csv row 6, column sector: 'roads'" in str(exc.value) and str(broken.powers_dir) in str(exc.value)
    after = db.execute(
        "SELECT version, loaded_at, (SELECT count(*) FROM geo.powers), "
        "(SELECT count(*) FROM geo.power_units) FROM geo.dataset"
    ).fetchone()
    assert after == before
    assert http.get("/v1/powers/p005").json()["id"] == "p005"


def test_layer_join_function(db_url):
    """geodata.powers.catalogue.unit_power_counts joins geo.unit_power_counts onto the units (for layers and tiles)."""
    import asyncio

    import psycopg
    from psycopg.rows import dict_row

    from geodata.powers.catalogue import unit_power_counts

    async def run():
        async with await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row, autocommit=True) as conn:
            return await unit_power_counts(conn, date(2026, 1, 15), ["01", "00070", "31078"])

    counts = asyncio.run(run())
    assert set(counts) == {"01", "00070", "31078"}
    assert counts["01"]["inherited"] == 0 and counts["00070"]["inherited"] > 0
    for c in counts.values():
        assert c["total"] == sum(c["by_sector"].values()) == sum(c["by_mechanism"].values()) > 0
