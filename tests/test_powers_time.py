"""Powers in time, on the real database: NĐ 49/2026 ends most of NĐ 151/2025 on 2026-01-31, the Capital
Law 02/2026/QH16 replaces 39/2024/QH15 on 2026-07-01, the June-2025 decrees lapse on 2027-03-01, Lào Cai
re-delegates land powers to its communes from 2026-06-01; events, ending-soon and coverage match SQL."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta

import mapbox_vector_tile
import mercantile
import pytest

from conftest import assert_problem
from etl import powers as powers_part

SURVIVING_5 = {"Điều 5 khoản 1 điểm i", "Điều 5 khoản 2 điểm g", "Điều 5 khoản 5 điểm d"}
LAO_CAI = "15"


def held(http, code: str, **params) -> dict[str, dict]:
    body = http.get(f"/v1/units/{code}/powers", params=params).json()
    return {p["id"]: p for s in body["sectors"] for p in s["powers"]}


def ids(db, sql: str, *args) -> set[str]:
    return {r[0] for r in db.execute(sql, args)}


def one_commune(db, province: str, type_: str, day: str) -> str:
    return db.execute(
        "SELECT code FROM geo.units WHERE level = 'commune' AND province_code = %s AND type = %s "
        "AND valid @> %s::date ORDER BY code LIMIT 1",
        (province, type_, day),
    ).fetchone()[0]


def test_hoan_kiem_loses_the_dieu_5_land_powers_on_2026_01_31(http, db):
    art5 = {
        r[0]: r[1]
        for r in db.execute(
            "SELECT id, article FROM geo.powers WHERE instrument_id = 'nd-151-2025' AND article LIKE 'Điều 5 %%'"
        )
    }
    before, after = held(http, "00070", as_of="2026-01-30"), held(http, "00070", as_of="2026-02-01")
    assert len(art5) >= 13 and set(art5) <= before.keys()  # every Điều 5 row on the last day
    assert {art5[k] for k in after.keys() & art5.keys()} == SURVIVING_5  # only the three points after
    p109 = before["p109"]
    assert p109["valid_to"] == "2026-01-30" and p109["status"] == "in_force"
    assert p109["ended_by"]["instrument"] == "nd-49-2026"
    assert "49/2026/NĐ-CP Điều 16 khoản 3 điểm đ" in p109["ended_by"]["article"]
    moved_to = p109["replaced_by"][0]
    row = db.execute(
        "SELECT instrument_id, article, holder_level FROM geo.powers WHERE id = %s", (moved_to,)
    ).fetchone()
    assert row == ("nd-49-2026", "Điều 14 khoản 1", "province")
    # the provincial committee holds it from that day, and may re-delegate it
    assert moved_to in held(http, "01", as_of="2026-02-01") and moved_to not in held(http, "01", as_of="2026-01-30")
    assert held(http, "01", as_of="2026-02-01")[moved_to]["may_redelegate"] is True
    gone = http.get("/v1/powers/p109", params={"as_of": "2026-02-01"}).json()
    assert gone["status"] == "ended" and gone["units"] == [] and "2026-01-30" in gone["note"]
    # 151 Điều 7 khoản 4: split, point c ended, points a, b, d stay
    c = db.execute(
        "SELECT id FROM geo.powers WHERE instrument_id = 'nd-151-2025' AND article = 'Điều 7 khoản 4 điểm c'"
    ).fetchone()[0]
    hn = held(http, "01", as_of="2026-02-01")
    assert "p122" in hn and c not in hn and c in held(http, "01", as_of="2026-01-30")


def test_ha_noi_cites_the_capital_law_of_2026_from_2026_07_01(http, db):
    def numbers(code, day):
        return {p["instrument"]["number"] for p in held(http, code, as_of=day).values()}

    assert "39/2024/QH15" in numbers("01", "2026-06-30") and "02/2026/QH16" not in numbers("01", "2026-06-30")
    for code in ("01", "00070", one_commune(db, "01", "xa", "2026-07-02")):
        after = numbers(code, "2026-07-02")
        assert "02/2026/QH16" in after and "39/2024/QH15" not in after, code
    hn = held(http, "01", as_of="2026-07-02")
    cap = {k: p for k, p in hn.items() if p["instrument"]["id"] == "luat-02-2026-qh16"}
    assert (
        len(cap)
        == db.execute("SELECT count(*) FROM geo.powers WHERE instrument_id = 'luat-02-2026-qh16'").fetchone()[0]
    )
    # Điều 33 khoản 1 điểm d: no further delegation except Điều 15 khoản 3 điểm b, c
    assert {p["article"] for p in cap.values() if p["may_redelegate"]} == {"Điều 15 khoản 3 điểm b, c"}
    assert all(p["may_redelegate"] is False for p in cap.values() if p["article"] != "Điều 15 khoản 3 điểm b, c")
    old = http.get("/v1/powers/p210", params={"as_of": "2026-06-30"}).json()
    assert old["valid_to"] == "2026-06-30" and old["ended_by"]["article"] == "02/2026/QH16 Điều 35 khoản 3"
    assert set(old["replaced_by"]) <= cap.keys() and old["replaced_by"]
    rel = http.get("/v1/instruments/luat-39-2024").json()
    assert rel["in_force_until"] == "2026-06-30"
    assert {(r["direction"], r["relation"], r["other"]["id"], r["on_date"]) for r in rel["relations"]} == {
        ("in", "replaces", "luat-02-2026-qh16", "2026-07-01")
    }


def test_the_cliff_of_2027_03_01(http, db):
    extended = ids(db, "SELECT target_id FROM geo.instrument_relations WHERE relation = 'extends'")
    june = ids(db, "SELECT id FROM geo.instruments WHERE package = 'june-2025'") - extended
    assert len(june) == 28 - len(extended & ids(db, "SELECT id FROM geo.instruments WHERE package = 'june-2025'"))
    left = db.execute(
        "SELECT count(*) FROM geo.power_units pu JOIN geo.powers p ON p.id = pu.power_id "
        "WHERE p.instrument_id = ANY(%s) AND pu.valid @> '2027-03-01'::date",
        (list(june),),
    ).fetchone()[0]
    assert left == 0
    for code in ("00070", "01", "31078", "79", one_commune(db, LAO_CAI, "xa", "2027-02-28")):
        on_eve, after = held(http, code, as_of="2027-02-28"), held(http, code, as_of="2027-03-01")
        assert any(p["instrument"]["package"] == "june-2025" for p in on_eve.values()), code
        assert not any(p["instrument"]["id"] in june for p in after.values()), code
    # what remains on 2027-03-01 is what SQL says remains
    remain = ids(db, "SELECT id FROM geo.powers WHERE valid @> '2027-03-01'::date")
    body = http.get("/v1/powers", params={"as_of": "2027-03-01", "status": "in_force", "limit": 500}).json()
    assert {p["id"] for p in body["results"]} == remain and body["total"] == len(remain)


def test_ending_within_90_days_matches_sql(http, db):
    day = date(2026, 12, 7)
    body = http.get("/v1/powers", params={"as_of": day.isoformat(), "limit": 1}).json()["ending_soon"]
    n = db.execute(
        "SELECT count(*) FROM geo.powers WHERE valid @> %s::date AND upper(valid) <= %s::date",
        (day, day + timedelta(days=90)),
    ).fetchone()[0]
    assert body["count"] == n > 0 and body["within_days"] == 90
    assert {d["date"] for d in body["by_first_day_out"]} == {"2027-03-01"}
    unit = http.get("/v1/units/00070/powers", params={"as_of": day.isoformat()}).json()["ending_soon"]
    mine = db.execute(
        "SELECT count(DISTINCT up.power_id) FROM geo.unit_powers up JOIN geo.units u ON u.id = up.unit_id "
        "JOIN geo.powers p ON p.id = up.power_id WHERE u.code = '00070' AND u.valid @> %(d)s "
        "AND up.valid @> %(d)s AND upper(p.valid) <= %(u)s",
        {"d": day, "u": day + timedelta(days=90)},
    ).fetchone()[0]
    assert unit["count"] == mine > 0
    assert http.get("/v1/powers", params={"as_of": "2025-08-01", "limit": 1}).json()["ending_soon"]["count"] == 0


def test_events_list_the_three_days_with_counts_from_sql(http, db):
    body = http.get("/v1/powers/events", params={"from": "2026-01-01", "to": "2027-03-31"}).json()
    days = {d["date"]: d for d in body["days"]}
    for day, by in (("2026-01-31", "nd-49-2026"), ("2026-07-01", "luat-02-2026-qh16"), ("2027-03-01", None)):
        starts, ends, moves = db.execute(
            "SELECT (SELECT count(*) FROM geo.powers WHERE lower(valid) = %(d)s), "
            "(SELECT count(*) FROM geo.powers WHERE upper(valid) = %(d)s AND replaced_by IS NULL), "
            "(SELECT count(*) FROM geo.powers WHERE upper(valid) = %(d)s AND replaced_by IS NOT NULL)",
            {"d": day},
        ).fetchone()
        d = days[day]
        assert (d["starts"], d["ends"], d["moves"]) == (starts, ends, moves), day
        assert starts + ends + moves > 0
        if by:
            assert by in {i["instrument"] for i in d["instruments"]}, day
    assert [e["date"] for e in body["events"]] == sorted(e["date"] for e in body["events"])
    assert body["total"] == len(body["events"]) == sum(d["starts"] + d["ends"] + d["moves"] for d in body["days"])
    e = next(e for e in body["events"] if e["power"] == "p109")
    assert (e["date"], e["kind"], e["instrument"]["id"]) == ("2026-01-31", "moves", "nd-49-2026")
    assert "Điều 16 khoản 3 điểm đ" in e["article"]
    sunset = next(e for e in body["events"] if e["power"] == "p001")
    assert (sunset["date"], sunset["kind"], sunset["instrument"]["id"]) == ("2027-03-01", "ends", "nd-140-2025")
    # upcoming by default: from today, a year ahead
    assert all(e["date"] >= date.today().isoformat() for e in http.get("/v1/powers/events").json()["events"])
    assert_problem(http.get("/v1/powers/events", params={"from": "2026-13-01"}), 422)
    assert_problem(http.get("/v1/powers/events", params={"from": "2026-02-30"}), 422, "from")
    assert_problem(http.get("/v1/powers/events", params={"from": "2027-01-01", "to": "2026-01-01"}), 422, "before")
    assert_problem(http.get("/v1/powers", params={"status": "gone"}), 422, "in_force")


def test_instruments_list_all_28_decrees_with_powers_or_a_reason(http, db):
    body = http.get("/v1/instruments", params={"package": "june-2025"}).json()
    assert body["total"] == 28
    for i in body["results"]:
        assert i["expires"] == "2027-03-01" and i["effective"] == "2025-07-01", i["id"]
        assert i["powers"] > 0 or i["no_powers_reason"], i["id"]
    reasons = {i["id"]: i["no_powers_reason"] for i in body["results"] if not i["powers"]}
    assert "central" in reasons["nd-122-2025"] and "central" in reasons["nd-130-2025"]
    assert "not found" in reasons["nd-126-2025"] and "not found" in reasons["nd-132-2025"]
    for decree in ("nd-127-2025", "nd-138-2025", "nd-141-2025", "nd-143-2025", "nd-145-2025"):
        assert next(i for i in body["results"] if i["id"] == decree)["powers"] > 0, decree
    for new in (
        "nd-49-2026",
        "nd-26-2026",
        "nd-48-2026",
        "nd-207-2026",
        "nd-293-2025",
        "nq-66-18-2026",
        "nq-66-19-2026",
        "luat-02-2026-qh16",
        "nq-260-2025",
        "nq-259-2025",
    ):
        assert http.get(f"/v1/instruments/{new}").status_code == 200, new
    assert_problem(http.get("/v1/instruments", params={"package": "may-2025"}), 422, "june-2025")


def test_coverage_block_is_the_same_everywhere_and_matches_sql(http, db):
    blocks = [
        http.get("/v1/powers", params={"limit": 1}).json()["coverage"],
        http.get("/v1/units/00070/powers").json()["coverage"],
        http.get("/v1/stats").json()["coverage"],
    ]
    assert blocks[0] == blocks[1] == blocks[2]
    c = blocks[0]
    with_rows = db.execute(
        "SELECT count(*) FROM geo.instruments i WHERE package = 'june-2025' AND EXISTS "
        "(SELECT 1 FROM geo.powers p WHERE p.instrument_id = i.id)"
    ).fetchone()[0]
    assert c["decrees_june_2025"]["with_rows"] == with_rows and c["decrees_june_2025"]["count"] == 28
    assert len(c["decrees_june_2025"]["without"]) == 28 - with_rows
    assert all(w["reason"] for w in c["decrees_june_2025"]["without"])
    by_conf = dict(db.execute("SELECT confidence, count(*) FROM geo.powers GROUP BY 1").fetchall())
    assert c["powers"]["by_confidence"] == by_conf and c["powers"]["rows"] == sum(by_conf.values())
    assert sum(c["powers"]["by_status"].values()) == c["powers"]["rows"] and not c["complete"]
    assert c["instruments"]["newest_date"] == str(
        db.execute("SELECT max(greatest(signed, effective)) FROM geo.instruments").fetchone()[0]
    )
    assert LAO_CAI in c["provinces_with_redelegation_decisions"]


def test_lao_cai_communes_hold_the_re_delegated_land_powers(http, db):
    lc = ids(db, "SELECT id FROM geo.powers WHERE instrument_id = 'qd-40-2026-laocai'")
    assert len(lc) >= 7
    for type_ in ("xa", "phuong"):
        code = one_commune(db, LAO_CAI, type_, "2026-06-01")
        assert lc <= held(http, code, as_of="2026-06-01").keys(), code
        assert not lc & held(http, code, as_of="2026-05-31").keys(), code
    other = one_commune(db, "96", "xa", "2026-06-01")
    assert not lc & held(http, other, as_of="2026-06-01").keys()
    p = held(http, one_commune(db, LAO_CAI, "xa", "2026-06-01"), as_of="2026-06-01")[min(lc)]
    assert p["applies_to"] == [LAO_CAI] and p["from_level"] == "province" and p["mechanism"] == "phan_cap"
    rel = http.get("/v1/instruments/qd-40-2026-laocai").json()["relations"]
    assert ("out", "details", "nd-49-2026") in {(r["direction"], r["relation"], r["other"]["id"]) for r in rel}


@pytest.mark.parametrize(
    "code,day",
    [
        ("31078", "2026-12-07"),
        ("26732", "2026-03-01"),
        ("79", "2026-12-07"),
        ("48", "2026-12-07"),
        ("00070", "2025-07-01"),
    ],
)
def test_every_held_power_is_in_force_that_day(http, db, code, day):
    """đặc khu Phú Quốc and Côn Đảo, HCMC, Đà Nẵng, Hoàn Kiếm on the reform day: dates agree with status."""
    hold = held(http, code, as_of=day)
    assert hold
    for p in hold.values():
        assert p["status"] == "in_force" and p["valid_from"] <= day, p["id"]
        assert p["valid_to"] is None or p["valid_to"] >= day, p["id"]
        assert p["sources"] and p["confidence"] in ("high", "medium", "low")


def test_one_unit_total_is_the_same_in_api_tiles_and_viewer(http, db):
    # The viewer's panel shows /v1/units/{code}/powers itself (its map no longer colours by powers:
    # the dashboard does), so the API, the SQL function and the tiles are the three to agree.
    day = "2026-07-02"
    for code in ("00070", "01", one_commune(db, LAO_CAI, "xa", day), "31078"):
        t = http.get(f"/v1/units/{code}/powers", params={"as_of": day}).json()["totals"]
        fn = db.execute(
            "SELECT total, own, inherited FROM geo.unit_power_counts(%s) WHERE code = %s", (day, code)
        ).fetchone()
        assert fn == (t["powers"], t["own"], t["inherited"]) and t["powers"] == t["own"] + t["inherited"], code
    for day in ("2026-01-30", "2026-07-02", "2027-03-01"):  # the tiles, on both sides of each event
        z, x, y = (lambda t: (t.z, t.x, t.y))(mercantile.tile(105.8522, 21.0288, 12))
        resp = http.get(f"/v1/tiles/communes/{z}/{x}/{y}.mvt", params={"as_of": day})
        assert resp.status_code == 200, resp.text
        hk = next(
            f["properties"]
            for f in mapbox_vector_tile.decode(resp.content)["communes"]["features"]
            if f["properties"]["code"] == "00070"
        )
        t = http.get("/v1/units/00070/powers", params={"as_of": day}).json()["totals"]
        assert (hk["powers"], hk["powers_inherited"]) == (t["powers"], t["inherited"]), day


def _copy(settings, tmp_path):
    dest = tmp_path / "powers"
    shutil.copytree(settings.powers_dir, dest)
    return dest, settings.model_copy(update={"powers_dir": dest})


PROVINCES = [
    {"level": "province", "code": c, "valid": (date(2025, 7, 1), None)}
    for c in ("01", "15", "31", "38", "40", "48", "75", "79", "91", "96")
]


def test_an_extension_is_a_data_edit(settings, tmp_path):
    dest, edited = _copy(settings, tmp_path)
    with (dest / "relations.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(
            [
                "nd-49-2026",
                "extends",
                "nd-151-2025",
                "",
                "2027-02-01",
                "2028-03-01",
                "Điều 99",
                "https://example.org/extension",
                "high",
                "test",
            ]
        )
    plain = {p["id"]: p for p in powers_part.prepare(settings, None, {"rows": PROVINCES})["powers"]}
    longer = {p["id"]: p for p in powers_part.prepare(edited, None, {"rows": PROVINCES})["powers"]}
    assert plain["p118"]["valid_end"] == date(2027, 3, 1) and longer["p118"]["valid_end"] == date(2028, 3, 1)
    assert longer["p109"]["valid_end"] == date(2026, 1, 31)  # what already ended stays ended


@pytest.mark.parametrize(
    "file,line,column,value,expect",
    [
        ("powers.csv", "p109", "ended_by", "nd-207-2026", "relations.csv has no row for nd-207-2026"),
        ("powers.csv", "p109", "replaced_by", "p999", "is not a power id"),
        ("powers.csv", "p109", "valid_to", "2024-01-01", "never in force"),
        ("powers.csv", "p109", "may_redelegate", "maybe", "yes, no or empty"),
        ("relations.csv", 2, "relation", "abolishes", "is not one of"),
    ],
)
def test_time_columns_are_validated(settings, tmp_path, file, line, column, value, expect):
    dest, edited = _copy(settings, tmp_path)
    with (dest / file).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    n = next(i for i, r in enumerate(rows) if r[0] == line) if isinstance(line, str) else line - 1
    rows[n][rows[0].index(column)] = value
    with (dest / file).open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with pytest.raises(powers_part.CatalogueError) as exc:
        powers_part.prepare(edited, None, {"rows": PROVINCES})
    assert f"{file} row {n + 1}, column {column}:" in str(exc.value) and expect in str(exc.value)
