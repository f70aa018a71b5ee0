"""/healthz and /v1/meta: generations and their counts, checked against the database itself."""

from conftest import assert_problem

EXPECTED = {
    "pre-2025": {
        "tinh": 57,
        "thanh_pho": 6,
        "huyen": 508,
        "quan": 49,
        "thi_xa": 52,
        "thanh_pho_thuoc_tinh": 86,
        "thanh_pho_thuoc_tp": 1,
        "xa": 7692,
        "phuong": 1726,
        "thi_tran": 617,
    },
    "2025-07-01": {"tinh": 28, "thanh_pho": 6, "xa": 2621, "phuong": 687, "dac_khu": 13},
    "2026-04-30": {"tinh": 27, "thanh_pho": 7, "xa": 2611, "phuong": 697, "dac_khu": 13},
    # amendments/README.md: 36/2026/QH16 from 2026-09-01; 39/2026/QH16 and 388/NQ-UBTVQH16 from 2026-09-20
    "2026-09-01": {"tinh": 26, "thanh_pho": 8, "xa": 2611, "phuong": 697, "dac_khu": 13},
    "2026-09-20": {"tinh": 25, "thanh_pho": 9, "xa": 2599, "phuong": 709, "dac_khu": 13},
}


def test_healthz(http):
    r = http.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_generations_counts(http, db):
    gens = {g["id"]: g for g in http.get("/v1/meta").json()["generations"]}
    assert list(gens) == list(EXPECTED)
    for gid, counts in EXPECTED.items():
        assert gens[gid]["counts"] == counts, gid
        day = gens[gid]["valid_from"] or gens[gid]["valid_to"]
        sql = dict(
            db.execute("SELECT type, count(*) FROM geo.units WHERE valid @> %s::date GROUP BY type", (day,)).fetchall()
        )
        assert sql == counts, gid


def test_pre_reform_totals(http):
    counts = {g["id"]: g["counts"] for g in http.get("/v1/meta").json()["generations"]}["pre-2025"]
    assert counts["tinh"] + counts["thanh_pho"] == 63
    assert sum(counts[t] for t in ("huyen", "quan", "thi_xa", "thanh_pho_thuoc_tinh", "thanh_pho_thuoc_tp")) == 696
    assert counts["xa"] + counts["phuong"] + counts["thi_tran"] == 10035


def test_generation_dates_chain(http):
    gens = http.get("/v1/meta").json()["generations"]
    assert gens[0]["valid_to"] == "2025-06-30" and gens[-1]["valid_to"] is None
    assert gens[-1]["legal_basis"] == "388/NQ-UBTVQH16; 39/2026/QH16"
    from datetime import date, timedelta

    for a, b in zip(gens, gens[1:]):
        assert date.fromisoformat(a["valid_to"]) + timedelta(days=1) == date.fromisoformat(b["valid_from"])


def test_meta_credits(http):
    meta = http.get("/v1/meta").json()
    assert "MIT" in meta["licence"] and any("thanglequoc" in s["url"] for s in meta["sources"])


def test_quality_report_served(http, db):
    report = http.get("/v1/meta/quality").json()
    assert report["counts"]["2025-07-01"]["xa"] == 2621
    n = db.execute("SELECT count(*) FROM geo.units WHERE upper_inf(valid) AND flags ? 'admin_center'").fetchone()[0]
    assert report["missing"]["admin_center"]["count"] == n


def test_unknown_route_is_problem(http):
    assert_problem(http.get("/v1/nothing-here"), 404)
