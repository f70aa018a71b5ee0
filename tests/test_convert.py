"""Old addresses as people write them -> new units (issue 16): every old commune, every written form,
the lineage fixes, old centres against their successors, and rate limits by cost."""

import httpx
import pytest

from conftest import assert_problem, start_server
from official_texts import expected_successors

# (written address, old commune code it names). Real units; each row one way people write them.
WRITTEN = [
    ("12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM", "26740"),  # street first, P./Q./TP.
    ("Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh", "26740"),  # canonical
    ("phuong ben nghe, quan 1, ho chi minh", "26740"),  # no diacritics, lower case
    ("PHƯỜNG BẾN NGHÉ, QUẬN 1, TP. HỒ CHÍ MINH", "26740"),  # upper case
    ("P.Bến Nghé,Q.1,TP HCM", "26740"),  # no spaces
    ("Bến Nghé, Quận 1, Sài Gòn", "26740"),  # Sài Gòn, untyped commune
    ("P. Bến Nghé, Q1, HCM, Việt Nam", "26740"),  # trailing country
    ("P. Bến Nghé, Q.1, TP.HCM 700000, Vietnam", "26740"),  # postcode and country
    ("P. Bến Nghé, Q.1, TP.HCM, VN", "26740"),
    ("Phường Bến Nghé, TP HCM", "26740"),  # commune + province only
    ("Phường Bến Ngé, Quận 1, TP HCM", "26740"),  # typo: one letter missing
    ("Phường Bến Nghé, Quận 1, Hồ Chí Mnh", "26740"),  # typo in the province
    ("xa tan thong hoi, h. cu chi, tphcm", "27556"),  # X./H. spelt out, tphcm
    ("X. Tân Thông Hội, H. Củ Chi, TP. Hồ Chí Minh", "27556"),
    ("TT. Củ Chi, H. Củ Chi, TP.HCM", "27496"),  # TT.
    ("Thị trấn Củ Chi, Huyện Củ Chi", "27496"),  # no province
    ("P.12, Q. Gò Vấp, TP HCM", "26881"),  # old numbered ward
    ("F12, Gò Vấp, Sài Gòn", "26881"),
    ("Phường 12, Quận Gò Vấp, Thành phố Hồ Chí Minh", "26881"),
    ("Phường Thảo Điền, Quận 2, TP.HCM", "27088"),  # Quận 2 -> Thủ Đức (2021)
    ("P. Hiệp Phú, Q.9, TP HCM", "26839"),  # Quận 9 -> Thủ Đức
    ("Phường Linh Trung, Quận Thủ Đức, Sài Gòn", "26800"),  # Quận Thủ Đức -> TP Thủ Đức
    ("Phường Dĩ An, Thị xã Dĩ An, Bình Dương", "25942"),  # former district type (thị xã)
    ("P. Dĩ An, TX. Dĩ An, tỉnh Bình Dương", "25942"),
    ("Phường Phú Hội, TP Huế, Thừa Thiên Huế", "19786"),  # Thừa Thiên Huế; TP Huế divided 2025
    ("Phú Hội, Thành phố Huế, tỉnh Thừa Thiên - Huế", "19786"),
    ("Số 1 Đinh Tiên Hoàng, Phường Hàng Trống, Quận Hoàn Kiếm, Hà Nội", "00070"),
    ("Hàng Trống, Hoàn Kiếm, HN", "00070"),
    ("X. Minh Quán, H. Trấn Yên, T. Yên Bái", "04516"),  # exact spelling wins
    ("Xã Minh Quân, Huyện Trấn Yên, Tỉnh Yên Bái", "04567"),
    ("Thị trấn P Rao, Huyện Đông Giang, Quảng Nam", "20467"),  # P of P Rao is no phường
    ("TT. N.T Phong Hải, H. Bảo Thắng, Lào Cai", "02902"),  # T of N.T is no tỉnh
    ("Xã Ea H'leo, Huyện Ea H'leo, Tỉnh Đắk Lắk", "24184"),  # H of H'leo is no huyện
    ("Thị trấn Ea Drăng, H. Ea H'leo, Đắk Lắk", "24181"),
    ("Xã Phú Tân, Huyện Châu Thành, Tỉnh Hậu Giang", "31379"),
]


@pytest.mark.parametrize("address,code", WRITTEN, ids=[a for a, _ in WRITTEN])
def test_written_form_converts(http, address, code):
    body = http.get("/v1/convert", params={"address": address}).json()
    assert body["status"] == "ok", body
    assert body["matched_old"]["commune"]["code"] == code, body["matched_old"]
    assert body["results"] and body["new_address"]


def test_street_and_country_kept_apart(http):
    body = http.get("/v1/convert", params={"address": "12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM, Việt Nam"}).json()
    assert body["street"] == "12 Lê Lợi"
    assert body["new_address"].startswith("12 Lê Lợi, ") and "Việt Nam" not in body["new_address"]
    one_part = http.get("/v1/convert", params={"address": "45/2 Nguyễn Trãi P.12 Q. Gò Vấp TP HCM"}).json()
    assert one_part["matched_old"]["commune"]["code"] == "26881" and one_part["street"] == "45/2 Nguyễn Trãi"


@pytest.mark.parametrize(
    "address",
    ["Phường 1, TP.HCM", "minh quan, tran yen, yen bai", "Xã Phú Tân, Huyện Châu Thành", "Phường 12, Hồ Chí Minh"],
)
def test_ambiguous_stays_ambiguous(http, address):
    body = http.get("/v1/convert", params={"address": address}).json()
    assert body["status"] == "ambiguous", body
    assert len(body["candidates"]) > 1 and body["results"] == []
    assert len({c["code"] for c in body["candidates"]}) == len(body["candidates"])


@pytest.mark.parametrize(
    "address,says",
    [
        ("Phường Xyz, Quận 1, TP.HCM", "Phường Xyz"),
        ("hello world", "hello world"),
        ("Phường Bến, Quận 1, TP HCM", "Phường Bến"),
    ],
)
def test_not_understood_is_a_clear_422(http, address, says):
    assert_problem(http.get("/v1/convert", params={"address": address}), 422, says)


def _all_old_communes(db):
    return db.execute("""SELECT c.code, c.full_name || ', ' || d.full_name || ', ' || p.full_name
        FROM geo.units c JOIN geo.units d ON d.code = c.parent_code AND d.level = 'district' AND
            d.generation_from = 'pre-2025'
        JOIN geo.units p ON p.code = c.province_code AND p.level = 'province' AND p.generation_from = 'pre-2025'
        WHERE c.level = 'commune' AND c.generation_from = 'pre-2025' ORDER BY c.code""").fetchall()


def test_every_old_commune_converts_to_a_successor_the_texts_name(http, db):
    """The expected successors come from an independent reading of the texts (tests/official_texts.py).
    Where the unit list and the texts spell a name too differently for that reading (Bờ Y / "Pờ Y"), the
    service must say so: the edge is decided by rule R6 and quotes the text."""
    expected = expected_successors(db)
    rows = _all_old_communes(db)
    assert len(rows) == 10_035
    flagged = {
        (o, n): d
        for o, n, d in db.execute("""
        SELECT o.code, n.code, e.decision FROM geo.lineage_edges e JOIN geo.units o ON o.id = e.old_unit_id
        JOIN geo.units n ON n.id = e.new_unit_id WHERE e.decision LIKE 'R6%'""").fetchall()
    }
    results = http.post("/v1/convert", json=[a for _, a in rows], timeout=600).json()["results"]
    wrong, unanswered, not_named, variants = [], [], [], []
    for (code, address), r in zip(rows, results):
        if r["status"] != "ok":
            unanswered.append((address, r["status"]))
        elif r["matched_old"]["commune"]["code"] != code:
            wrong.append((address, r["matched_old"]["commune"]["code"]))
        elif r["results"][0]["code"] not in expected[code]:
            if (code, r["results"][0]["code"]) in flagged and r["results"][0]["evidence"]:
                variants.append(code)
            else:
                not_named.append((address, r["results"][0]["code"], sorted(expected[code])))
    assert not unanswered, unanswered[:20]
    assert not wrong, wrong[:20]
    assert not not_named, not_named[:20]
    assert len(variants) < 20, variants  # the spelling variants stay few and each is listed


def test_every_edge_names_an_official_text(db):
    n = db.execute("""SELECT count(*) FROM geo.lineage_edges e JOIN geo.units o ON o.id = e.old_unit_id
                      WHERE e.kind IN ('whole', 'part') AND o.level = 'commune'
                        AND (e.evidence IS NULL OR NOT e.sources && ARRAY['map_text', 'map_detail'])""").fetchone()[0]
    assert n == 0


def test_minh_quan_and_minh_quan(http):
    a = http.get("/v1/legacy/units/04516").json()
    b = http.get("/v1/legacy/units/04567").json()
    assert a["unit"]["name"] == "Minh Quán" and b["unit"]["name"] == "Minh Quân"
    for body in (a, b):
        assert body["successors"] and all(s["evidence"] for s in body["successors"])
        assert sum(s["default"] for s in body["successors"]) == 1


def test_ea_hleo_communes_convert(http, db):
    rows = [r for r in _all_old_communes(db) if r[1].split(", ")[1] == "Huyện Ea H'leo"]
    assert len(rows) == 12  # Thị trấn Ea Drăng and 11 xã
    for code, address in rows:
        for written in (address, address.replace("Huyện", "H.").replace("Tỉnh ", ""), address.lower()):
            body = http.get("/v1/convert", params={"address": written}).json()
            assert body["status"] == "ok" and body["matched_old"]["commune"]["code"] == code, (written, body)


def test_phu_tan_goes_to_phu_huu(http):
    body = http.get("/v1/legacy/units/31379").json()  # Xã Phú Tân, Huyện Châu Thành, Tỉnh Hậu Giang
    assert body["unit"]["district"]["code"] == "933"
    names = [s["name"] for s in body["successors"]]
    assert names[0] == "Phú Hữu" and "Thuận Hòa" not in names, names
    conv = http.get("/v1/convert", params={"address": "Xã Phú Tân, Huyện Châu Thành, Tỉnh Hậu Giang"}).json()
    assert conv["results"][0]["name"] == "Phú Hữu"


def test_no_served_centre_outside_its_successors_unflagged(db):
    outside = db.execute("""
        SELECT o.code, c.flag FROM geo.legacy_centres c JOIN geo.units o ON o.id = c.unit_id AND o.level = 'commune'
        WHERE c.geom IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM geo.lineage_edges e JOIN geo.units n ON n.id = e.new_unit_id
          WHERE e.old_unit_id = c.unit_id AND e.kind IN ('whole', 'part') AND ST_Covers(n.geom, c.geom))""").fetchall()
    assert [r for r in outside if r[1] is None] == []
    assert outside == [], outside[:10]  # moved ones are inside now; withheld ones have no centre
    flagged = dict(
        db.execute("""SELECT o.code, c.flag FROM geo.legacy_centres c JOIN geo.units o ON o.id = c.unit_id
                                 WHERE c.flag IS NOT NULL""").fetchall()
    )
    assert len(flagged) > 100
    truong_sa = db.execute("""SELECT o.code FROM geo.units o WHERE o.level = 'commune' AND o.generation_from =
        'pre-2025'
                              AND o.parent_code = '576'""").fetchall()
    assert truong_sa and all(flagged.get(c, "").startswith("withheld") for (c,) in truong_sa)


def test_withheld_centre_is_not_served(http, db):
    code = db.execute("""SELECT o.code FROM geo.legacy_centres c JOIN geo.units o ON o.id = c.unit_id
                         WHERE c.flag LIKE 'withheld%' ORDER BY o.code LIMIT 1""").fetchone()[0]
    body = http.get(f"/v1/legacy/units/{code}").json()
    assert body["unit"]["centre"] is None and body["unit"]["centre_flag"].startswith("withheld")


def test_quality_report_lists_disagreements_with_the_package(http):
    rep = http.get("/v1/meta/quality").json()["lineage"]
    listed = rep["disagreements_with_package"]["list"]
    assert listed and all(d["decision"] for d in listed)
    assert any(d["rule"] == "R3" and "no official text" in d["decision"] for d in listed)
    assert rep["centres_outside_successors"]["count"] == len(rep["centres_outside_successors"]["list"]) > 100


def test_single_convert_is_not_throttled_and_batches_pay_by_rows(db_url):
    proc, base = start_server({"VNGEO_RATE_PER_MINUTE": "6", "VNGEO_RATE_BURST": "2"})
    try:
        with httpx.Client(base_url=base, timeout=300) as c:
            codes = [
                c.get("/v1/convert", params={"address": "P. Bến Nghé, Q.1, TP.HCM"}).status_code for _ in range(60)
            ]
            assert codes == [200] * 60
            big = ["Phường Bến Nghé, Quận 1, TP HCM"] * 10_001  # 2 tokens: one on arrival, one for the rows
            assert c.post("/v1/convert", json=big).status_code == 200
            assert_problem(c.post("/v1/convert", json=["Phường Bến Nghé, Quận 1"]), 429, "rate limit")
    finally:
        proc.terminate()
        proc.wait(10)
