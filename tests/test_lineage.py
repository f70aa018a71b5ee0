"""Merger lineage, legacy units, address conversion, changes and the lineage layer."""

import csv
import io

from conftest import assert_problem


def _codes(items):
    return {p["code"]: p for p in items}


def test_ba_dinh_predecessors(http):
    body = http.get("/v1/units/00004/lineage", params={"as_of": "2025-07-01"}).json()
    assert body["unit"]["full_name"] == "Phường Ba Đình"
    preds = _codes(body["predecessors"])
    assert len(preds) == 10, sorted(preds)
    assert preds["00004"]["full_name"] == "Phường Trúc Bạch" and preds["00004"]["kind"] == "whole"
    assert preds["00013"]["full_name"] == "Phường Quán Thánh" and preds["00013"]["kind"] == "whole"
    parts = [c for c, p in preds.items() if p["kind"] == "part"]
    assert len(parts) == 8 and "00055" in parts
    cua_dong = preds["00055"]
    assert cua_dong["district"]["code"] == "002" and cua_dong["province"]["code"] == "01"
    assert {"map_text", "vietnamadminunits"} <= set(cua_dong["sources"])
    assert {d["code"] for d in body["predecessor_districts"]} >= {"001", "002"}


def test_old_cua_dong_successors(http):
    body = http.get("/v1/legacy/units/00055").json()
    assert body["unit"]["full_name"] == "Phường Cửa Đông" and body["unit"]["district"]["code"] == "002"
    assert body["unit"]["centre"] and body["split"] is True
    succ = _codes(body["successors"])
    assert set(succ) == {"00004", "00070"}
    assert sum(s["default"] for s in succ.values()) == 1
    assert all(s["kind"] == "part" for s in succ.values())


def test_ho_chi_minh_city_provinces(http):
    body = http.get("/v1/units/79/lineage").json()
    preds = _codes(body["predecessors"])
    assert set(preds) == {"79", "74", "77"}  # old Hồ Chí Minh, Bình Dương, Bà Rịa–Vũng Tàu
    assert all(p["kind"] == "whole" and p["level"] == "province" for p in preds.values())


def test_dong_nai_commune_retyping(http):
    body = http.get("/v1/units/25270/lineage", params={"as_of": "2026-05-01"}).json()
    assert body["unit"]["type"] == "phuong"
    (change,) = [c for c in body["changes"] if c["kind"] == "retyped"]
    assert change["effective"] == "2026-04-30" and "237/NQ-UBTVQH16" in change["instrument"]
    assert (change["from"]["type"], change["to"]["type"]) == ("xa", "phuong")
    assert body["predecessors"], "the retyped version keeps the reform's predecessors"


def test_old_address_converts(http):
    body = http.get("/v1/convert", params={"address": "12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM"}).json()
    assert body["status"] == "ok" and body["street"] == "12 Lê Lợi"
    assert body["matched_old"]["commune"]["code"] == "26740" and body["matched_old"]["district"]["code"] == "760"
    first = body["results"][0]
    assert first["province"]["code"] == "79"
    assert body["new_address"] == f"12 Lê Lợi, {first['full_name']}, Thành phố Hồ Chí Minh"
    plain = http.get("/v1/convert", params={"address": "xa tan thong hoi, h. cu chi, tphcm"}).json()
    assert plain["matched_old"]["commune"]["code"] == "27556"


def test_split_address_resolved_by_point(http):
    for code in ("00004", "00070"):
        lon, lat = http.get(f"/v1/units/{code}").json()["label_point"]
        body = http.get(
            "/v1/convert", params={"address": "Phường Cửa Đông, Quận Hoàn Kiếm, Hà Nội", "lat": lat, "lon": lon}
        ).json()
        assert body["split"] is True and body["resolved_by"] == "point"
        assert body["results"][0]["code"] == code
    no_point = http.get("/v1/convert", params={"address": "Phường Cửa Đông, Quận Hoàn Kiếm, Hà Nội"}).json()
    assert no_point["resolved_by"] == "default" and no_point["results"][0]["default"] is True


def test_ambiguous_address_lists_candidates(http):
    body = http.get("/v1/convert", params={"address": "Phường 1, TP.HCM"}).json()
    assert body["status"] == "ambiguous" and body["results"] == []
    assert len(body["candidates"]) > 1
    assert len({c["district"]["code"] for c in body["candidates"]}) == len(body["candidates"])
    one = http.get("/v1/convert", params={"address": "Phường 1, Quận 3, TP.HCM"}).json()
    assert one["status"] == "ok" and one["matched_old"]["district"]["code"] == "770"


def test_unparseable_address(http):
    body = assert_problem(http.get("/v1/convert", params={"address": "Phường Xyz, Quận 1, TP.HCM"}), 422, "Phường Xyz")
    assert body["part"] == "commune"
    assert_problem(http.get("/v1/convert", params={"address": "hello world"}), 422, "hello world")


def test_batch_json_and_csv(http):
    body = http.post("/v1/convert", json=["Phường Cửa Đông, Hoàn Kiếm, Hà Nội", "nonsense"]).json()
    assert body["count"] == 2 and body["results"][0]["status"] == "ok" and body["results"][1]["status"] == "error"
    text = 'address,lat,lon\n"P. Bến Nghé, Q.1, TP.HCM",,\n'
    resp = http.post("/v1/convert", content=text.encode(), headers={"content-type": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert rows[0]["status"] == "ok" and rows[0]["old_commune_code"] == "26740" and rows[0]["new_address"]


def test_changes_window(http):
    body = http.get("/v1/changes", params={"since": "2026-09-01", "until": "2026-12-31"}).json()
    kinds = {(c["level"], c["code"]): c for c in body["changes"]}
    assert (
        kinds[("province", "22")]["change"] == "retyped" and kinds[("province", "22")]["instrument"] == "36/2026/QH16"
    )
    assert kinds[("commune", "07840")]["effective"] == "2026-09-20"
    assert body["count"] == 14
    reform = http.get("/v1/changes", params={"since": "2025-07-01", "until": "2025-07-01", "level": "commune"}).json()
    assert reform["by_change"]["merged"] > 2000 and reform["by_change"]["split"] > 100
    assert_problem(http.get("/v1/changes", params={"since": "2026-01-01", "until": "2025-01-01"}), 422)


def test_lineage_layer(http):
    fc = http.get("/v1/layers/lineage.geojson", params={"province": "01"}).json()
    pts = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    cua_dong = next(f for f in pts if f["properties"]["code"] == "00055")
    assert set(cua_dong["properties"]["successors"]) == {"00004", "00070"} and cua_dong["properties"]["split"]
    assert len(lines) >= len(pts) > 500
    legacy = http.get("/v1/layers/legacy-communes.geojson", params={"old_province": "01"}).json()
    assert all(f["geometry"]["type"] == "Point" for f in legacy["features"])


def test_report_lineage_section(db):
    rep = db.execute("SELECT report -> 'lineage' FROM geo.dataset").fetchone()[0]
    assert rep["old_communes_with_successor"] == rep["old_communes"] == 10_035
    assert rep["edges_by_kind"]["province"]["whole"] == 63
    assert rep["edges_with_2plus_signals"] > 10_000
    assert rep["suspect_edges"]["count"] > 0 and rep["suspect_edges"]["list"][0]["distance_m"] > 10_000
    assert any("rejected" in d["decision"] for d in rep["disagreements"]["list"])
    assert rep["summary"][0].startswith("lineage: old communes with a successor 10,035 of 10,035")


def test_every_old_commune_has_a_successor(db):
    n = db.execute("""SELECT count(*) FROM geo.units u WHERE u.generation_from = 'pre-2025' AND u.level = 'commune'
                      AND NOT EXISTS (SELECT 1 FROM geo.lineage_edges e WHERE e.old_unit_id = u.id)""").fetchone()[0]
    assert n == 0


def test_unknown_legacy_code(http):
    assert_problem(http.get("/v1/legacy/units/99999"), 404, "99999")
