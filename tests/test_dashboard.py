"""The dashboard's aggregates over HTTP against SQL written here on the real database: the matrix and
its cells, the series over time, the map counts, the scale figures, the feeds, and bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from conftest import assert_problem

DAYS = ("2025-07-01", "2026-01-30", "2026-02-01", "2026-07-02", "2026-12-07", "2027-03-01")

IN_FORCE_SQL = """
SELECT p.sector, p.holder_level, p.mechanism, p.from_level, p.id FROM geo.powers p WHERE p.valid @> %s::date"""


def in_force(db, day: str) -> list[tuple]:
    return db.execute(IN_FORCE_SQL, (day,)).fetchall()


@pytest.mark.parametrize("day", DAYS)
def test_matrix_cells_match_sql(http, db, day):
    body = http.get("/v1/dashboard/matrix", params={"as_of": day}).json()
    rows = in_force(db, day)
    cells = {(r["sector"], lvl): c for r in body["rows"] for lvl, c in r["cells"].items()}
    for (sector, lvl), c in cells.items():
        if lvl == "central":
            mine = [r for r in rows if r[0] == sector and r[3] == "central"]
            assert c["to_level"] == {l: sum(1 for r in mine if r[1] == l) for l in ("province", "commune")}
        else:
            mine = [r for r in rows if r[0] == sector and r[1] == lvl]
            assert c["by_origin"] == {
                o: sum(1 for r in mine if r[3] == o) for o in ("central", "province", "district_abolished")
            }
        assert c["count"] == len(mine), (sector, lvl)
        assert c["by_mechanism"] == {
            m: sum(1 for r in mine if r[2] == m) for m in ("phan_quyen", "phan_cap", "uy_quyen")
        }
    # every sector with a power in force has a row; totals add up
    assert {r[0] for r in rows} == {r["sector"] for r in body["rows"]}
    assert body["powers_in_force"] == len(rows)
    coverage = http.get("/v1/powers", params={"as_of": day, "limit": 1}).json()["coverage"]
    assert coverage["powers"]["by_status"]["in_force"] == len(rows)  # one definition of "in force"
    assert body["totals"]["commune"]["count"] == sum(1 for r in rows if r[1] == "commune")
    assert body["totals"]["central"]["to_level"] == {
        l: sum(1 for r in rows if r[3] == "central" and r[1] == l) for l in ("province", "commune")
    }


def test_land_powers_leave_the_communes_on_2026_01_31(http, db):
    """NĐ 49/2026/NĐ-CP ended most of NĐ 151/2025's commune land powers from 2026-01-31."""
    land = {d: http.get("/v1/dashboard/matrix", params={"as_of": d}).json() for d in ("2026-01-30", "2026-01-31")}
    commune = {
        d: next(r for r in m["rows"] if r["sector"] == "land")["cells"]["commune"]["count"] for d, m in land.items()
    }
    assert commune["2026-01-31"] < commune["2026-01-30"], commune
    sql = {
        d: db.execute(
            "SELECT count(*) FROM geo.powers p WHERE p.sector = 'land' AND p.holder_level = 'commune' "
            "AND p.valid @> %s::date",
            (d,),
        ).fetchone()[0]
        for d in commune
    }
    assert sql == commune
    # and the communes themselves hold fewer land powers (Phường Hoàn Kiếm, an ordinary ward)
    held = {
        d: db.execute(
            "SELECT count(*) FROM geo.unit_powers up JOIN geo.units u ON u.id = up.unit_id "
            "JOIN geo.powers p ON p.id = up.power_id WHERE u.code = '00070' AND u.level = 'commune' "
            "AND p.sector = 'land' AND up.valid @> %(d)s::date AND u.valid @> %(d)s::date",
            {"d": d},
        ).fetchone()[0]
        for d in commune
    }
    assert held["2026-01-31"] < held["2026-01-30"], held


def test_cell_lists_its_powers_with_instrument_article_and_sources(http, db):
    m = http.get("/v1/dashboard/matrix", params={"as_of": "2026-12-07"}).json()
    row = max(m["rows"], key=lambda r: r["cells"]["commune"]["count"])
    body = http.get(
        "/v1/dashboard/cell", params={"as_of": "2026-12-07", "sector": row["sector"], "level": "commune"}
    ).json()
    assert body["total"] == row["cells"]["commune"]["count"] == len(body["results"])
    for p in body["results"]:
        assert p["sector"] == row["sector"] and p["holder_level"] == "commune"
        assert p["instrument"]["number"] and p["instrument"]["source_url"].startswith("http")
        assert p["holders"] >= 1
    assert any(p["article"] for p in body["results"])
    # the central column lists what came from the ministries, held at either level
    central = http.get("/v1/dashboard/cell", params={"as_of": "2026-12-07", "level": "central"}).json()
    assert central["total"] == sum(r["cells"]["central"]["count"] for r in m["rows"])
    assert {p["from_level"] for p in central["results"]} == {"central"}


def test_series_counts_match_sql_on_each_side_of_each_step(http, db):
    body = http.get("/v1/dashboard/series", params={"from": "2025-07-01", "to": "2027-06-30"}).json()
    points = body["points"]
    assert points[0]["date"] == "2025-07-01" and points[-1]["date"] == "2027-06-30"
    assert [p["date"] for p in points] == sorted(p["date"] for p in points)
    for p in points:
        day = date.fromisoformat(p["date"])
        for d in {day, day - timedelta(days=1)} - {date(2025, 6, 30)}:
            rows = in_force(db, d.isoformat())
            # the count holds from one point to the next: the day before a point has the previous count
            expect = p if d == day else points[points.index(p) - 1] if points.index(p) else None
            if expect is None:
                continue
            assert expect["province"] == sum(1 for r in rows if r[1] == "province"), d
            assert expect["commune"] == sum(1 for r in rows if r[1] == "commune"), d


def test_lapsing_is_ending_soon_in_full(http, db):
    body = http.get("/v1/dashboard/lapsing", params={"as_of": "2026-12-07"}).json()
    soon = http.get("/v1/powers", params={"as_of": "2026-12-07", "limit": 1}).json()["ending_soon"]
    assert [p["id"] for p in body["results"]] == [p["id"] for p in soon["powers"]]
    held_now = {r[4] for r in in_force(db, "2026-12-07")}
    held_after = {r[4] for r in in_force(db, "2027-03-07")}
    ids = {p["id"] for p in body["results"]}
    assert ids <= held_now and held_now - held_after == ids
    assert all("2026-12-07" <= p["valid_to"] < "2027-03-07" for p in body["results"])
    assert all(p["summary_vi"] and p["instrument"]["number"] for p in body["results"])


def test_map_counts_match_sql(http, db):
    body = http.get("/v1/dashboard/map", params={"as_of": "2026-12-07", "sector": "land"}).json()
    rows = {r[0]: dict(zip(body["columns"], r)) for r in body["rows"]}
    sql = dict(
        db.execute(
            "SELECT u.code, count(*) FROM geo.units u JOIN geo.unit_powers up ON up.unit_id = u.id "
            "JOIN geo.powers p ON p.id = up.power_id WHERE u.valid @> %(d)s::date AND up.valid @> %(d)s::date "
            "AND u.level = 'commune' AND p.sector = 'land' GROUP BY u.code",
            {"d": "2026-12-07"},
        ).fetchall()
    )
    assert {c: r["own"] + r["inherited"] for c, r in rows.items()} == sql
    assert (
        body["units"]
        == db.execute(
            "SELECT count(*) FROM geo.units WHERE level = 'commune' AND valid @> '2026-12-07'::date"
        ).fetchone()[0]
    )
    regimes = {r["province"] for r in body["special_regimes"]}
    assert {"01", "79"} <= regimes
    # only instruments in force on the day: Hà Nội's Capital Law 39/2024 gave way to 02/2026 on 2026-07-01
    for day, now, gone in (
        ("2026-06-30", "39/2024/QH15", "02/2026/QH16"),
        ("2026-12-07", "02/2026/QH16", "39/2024/QH15"),
    ):
        regimes = http.get("/v1/dashboard/map", params={"as_of": day, "sector": "land"}).json()["special_regimes"]
        hanoi = next(r["instruments"] for r in regimes if r["province"] == "01")
        assert now in hanoi and gone not in hanoi, (day, hanoi)
    # a Hà Nội commune inherits the capital's special powers; the special ones are marked
    hn = [r for r in rows.values() if r["province_code"] == "01"]
    assert hn and all(r["own"] + r["inherited"] > 0 for r in hn)


def test_map_for_one_power_and_bad_input(http):
    body = http.get("/v1/dashboard/map", params={"as_of": "2026-12-07", "power": "p001"}).json()
    assert body["power"] == "p001" and body["holding"] == len(body["rows"])
    assert_problem(http.get("/v1/dashboard/map", params={"sector": "bogus"}), 422, "sector must be one of")
    assert_problem(http.get("/v1/dashboard/map", params={"power": "p999999"}), 404)
    assert_problem(http.get("/v1/dashboard/map", params={"power": "p001", "sector": "land"}), 422, "not both")
    assert_problem(http.get("/v1/dashboard/cell", params={"level": "district"}), 422, "level must be one of")
    assert_problem(http.get("/v1/dashboard/series", params={"from": "2027-01-01", "to": "2026-01-01"}), 422)
    assert_problem(http.get("/v1/dashboard/series", params={"from": "2026-1-1"}), 422)
    assert_problem(http.get("/v1/dashboard/series", params={"from": "2020-01-01", "to": "2026-01-01"}), 422, "at most")
    assert_problem(http.get("/v1/dashboard/matrix", params={"as_of": "2026-02-30"}), 422, "YYYY-MM-DD")
    assert_problem(http.get("/v1/feed.json", params={"since": "2027-01-01", "until": "2026-01-01"}), 422)


def test_scale_figures_match_sql(http, db):
    body = http.get("/v1/dashboard/scale", params={"as_of": "2026-12-07"}).json()
    sql = dict(
        (r[0], r[1:])
        for r in db.execute("""
        SELECT province_code, count(*),
               count(*) FILTER (WHERE NOT flags ? 'population' AND population BETWEEN 25000 AND 40000),
               count(*) FILTER (WHERE NOT flags ? 'area_km2' AND area_km2 BETWEEN 100 AND 200),
               count(*) FILTER (WHERE flags ? 'population' OR flags ? 'area_km2')
        FROM geo.units WHERE level = 'commune' AND valid @> '2026-12-07'::date GROUP BY 1""").fetchall()
    )
    assert len(body["provinces"]) == 34
    for p in body["provinces"]:
        assert (p["communes"], p["population"]["in_band"], p["area_km2"]["in_band"], p["flagged"]) == sql[p["code"]], p[
            "code"
        ]
    assert body["total"]["communes"] == sum(v[0] for v in sql.values())
    # flagged figures are listed (with the reason), not dropped
    flagged = [o for o in body["outliers"] if o["flags"]]
    assert len(flagged) == body["total"]["flagged"]


def test_feeds_carry_unit_changes_and_power_events(http):
    window = {"since": "2026-01-01", "until": "2027-03-31"}
    jf = http.get("/v1/feed.json", params=window)
    assert jf.headers["content-type"].startswith("application/feed+json")
    body = jf.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    entries = [i["_vngeo"] for i in body["items"]]
    changes = http.get("/v1/changes", params=window).json()
    assert sum(e["count"] for e in entries if e["kind"] == "units") == changes["count"]
    events = http.get("/v1/powers/events", params={"from": window["since"], "to": window["until"]}).json()
    assert sum(e["count"] for e in entries if e["kind"] == "powers") == events["total"]
    assert any(e["date"] == "2027-03-01" and e["kind"] == "powers" for e in entries)  # upcoming included
    assert len({i["id"] for i in body["items"]}) == len(body["items"])
    atom = http.get("/v1/feed.atom", params=window)
    assert atom.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    ids = [e.findtext("a:id", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert ids == [i["id"] for i in body["items"]]
    json.dumps(body)  # plain JSON throughout
