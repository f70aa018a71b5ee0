"""Point -> commune over real HTTP, checked against PostGIS on the full-resolution polygons."""

import numpy as np
import pytest

from conftest import assert_problem

KNOWN = [  # (lat, lon, commune code)
    (21.0288, 105.8522, "00070"),  # Hoàn Kiếm lake
    (10.7725, 106.6980, "26743"),  # Bến Thành market
    (10.2167, 103.9600, "31078"),  # Dương Đông, Phú Quốc
    (8.6830, 106.6060, "26732"),  # Côn Đảo
]


@pytest.mark.parametrize("lat,lon,code", KNOWN)
def test_known_places(http, lat, lon, code):
    r = http.get("/v1/lookup", params={"lat": lat, "lon": lon})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["commune"]["code"] == code and body["province"]["code"]
    assert body["generation"] and body["on_boundary"] is False


def test_sea_point_names_nearest(http):
    body = assert_problem(http.get("/v1/lookup", params={"lat": 12.2, "lon": 109.4}), 404, "no commune")
    assert body["nearest"]["full_name"] == "Phường Nha Trang"
    assert 6500 < body["nearest"]["distance_m"] < 7500


def test_point_in_laos(http):
    body = assert_problem(http.get("/v1/lookup", params={"lat": 19.8856, "lon": 102.1347}), 404)  # Luang Prabang
    assert "nearest" not in body or body["nearest"]["distance_m"] > 0


def test_shared_boundary_vertex(http, db):
    lon, lat = db.execute("""
        SELECT ST_X(p), ST_Y(p) FROM geo.units a JOIN geo.units b
          ON a.code = '00070' AND b.level = 'commune' AND b.code <> a.code AND upper_inf(a.valid) AND upper_inf(b.valid)
             AND ST_Touches(a.geom, b.geom),
        LATERAL (SELECT (ST_DumpPoints(ST_Intersection(a.geom, b.geom))).geom AS p LIMIT 1) x
        LIMIT 1""").fetchone()
    covering = [
        r[0]
        for r in db.execute(
            "SELECT code FROM geo.units WHERE level = 'commune' AND upper_inf(valid) "
            "AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY code",
            (lon, lat),
        )
    ]
    body = http.get("/v1/lookup", params={"lat": lat, "lon": lon}).json()
    assert len(covering) >= 2 and body["on_boundary"] is True
    # Documented rule: the lowest code wins; every other side is listed in also_in.
    assert body["commune"]["code"] == covering[0]
    assert [c["code"] for c in body["also_in"]] == covering[1:]


def test_lao_cai_overlap_flagged(http, db):
    lon, lat = db.execute("""
        SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Intersection(a.geom, b.geom)) p
        FROM geo.units a, geo.units b WHERE a.code = '02647' AND b.code = '02683'
        AND upper_inf(a.valid) AND upper_inf(b.valid)) x""").fetchone()
    body = http.get("/v1/lookup", params={"lat": lat, "lon": lon}).json()
    assert body["commune"]["code"] == "02647"
    assert {c["code"] for c in body["also_in"]} >= {"02683"}


def test_as_of_follows_retyping(http):
    before = http.get("/v1/lookup", params={"lat": 11.824, "lon": 106.6585, "as_of": "2026-04-29"}).json()
    after = http.get("/v1/lookup", params={"lat": 11.824, "lon": 106.6585, "as_of": "2026-04-30"}).json()
    assert before["commune"]["code"] == after["commune"]["code"] == "25270"
    assert (before["commune"]["type"], after["commune"]["type"]) == ("xa", "phuong")
    assert (before["province"]["type"], after["province"]["type"]) == ("tinh", "thanh_pho")
    assert_problem(
        http.get("/v1/lookup", params={"lat": 11.824, "lon": 106.6585, "as_of": "2024-05-01"}), 404, "before the reform"
    )


@pytest.mark.parametrize(
    "params,contains",
    [
        ({"lat": "abc", "lon": 105}, "valid number"),
        ({"lat": "nan", "lon": 105}, "finite"),
        ({"lat": "inf", "lon": 105}, "finite"),
        ({"lat": 91, "lon": 105}, "within"),
        ({"lat": 21, "lon": 181}, "within"),
        ({"lat": 105.85, "lon": 21.03}, "swap"),
        ({"lat": 21}, "lon"),
    ],
)
def test_bad_single_input(http, params, contains):
    assert_problem(http.get("/v1/lookup", params=params), 422, contains)


def test_batch_with_nulls_in_order(http):
    pts = [[lon, lat] for lat, lon, _ in KNOWN] + [[109.4, 12.2]]
    r = http.post("/v1/lookup", json={"points": pts})
    results = r.json()["results"]
    assert [x["commune"]["code"] if x else None for x in results] == [c for *_, c in KNOWN] + [None]
    codes = http.post("/v1/lookup", params={"format": "codes"}, json={"points": pts}).json()
    assert codes["commune"] == [c for *_, c in KNOWN] + [None]
    assert codes["province"][0] == "01"


@pytest.mark.parametrize(
    "body,status,contains",
    [
        (b"{not json", 422, "not valid JSON"),
        (b'{"pts": []}', 422, "points"),
        (b'{"points": []}', 422, "empty"),
        (b'{"points": [[105, 21], [105]]}', 422, "points[1]"),
        (b'{"points": [[105, 21, 3], [105]]}', 422, "points[0]"),
        (b'{"points": [[105, 21], [1.2.3, 21]]}', 422, "not valid JSON"),
        (b'{"points": [[105, 21], ["105", 21]]}', 422, "points[1]"),
        (b'{"points": [[105, 21], [true, 21]]}', 422, "points[1]"),
        (b'{"points": [[105, 21], [1e400, 21]]}', 422, "infinity"),
        (b'{"points": [[105, 21], [21.03, 105.85]]}', 422, "swapped"),
    ],
)
def test_bad_batches(http, body, status, contains):
    r = http.post("/v1/lookup", content=body, headers={"content-type": "application/json"})
    assert_problem(r, status, contains)


def test_batch_body_forms_agree(http):
    """Compact bodies take a fast parser, others the general one: the answers must not differ."""
    import json

    pts = [[lon, lat] for lat, lon, _ in KNOWN] + [[109.4, 12.2]]
    compact = http.post(
        "/v1/lookup",
        params={"format": "codes"},
        content=json.dumps({"points": pts}, separators=(",", ":")),
        headers={"content-type": "application/json"},
    ).json()
    spaced = http.post(
        "/v1/lookup",
        params={"format": "codes"},
        content=json.dumps({"points": pts, "note": "x"}, indent=2),
        headers={"content-type": "application/json"},
    ).json()
    assert compact["commune"] == spaced["commune"] == [c for *_, c in KNOWN] + [None]


def test_batch_over_limit(http):
    body = b'{"points": [' + b",".join([b"[105,21]"] * 1_000_001) + b"]}"
    assert_problem(
        http.post("/v1/lookup", content=body, headers={"content-type": "application/json"}), 413, "1,000,000"
    )


def test_csv_upload(http):
    csv = "id,Latitude,Longitude\na,21.0288,105.8522\nb,12.2,109.4\n"
    r = http.post("/v1/lookup", content=csv, headers={"content-type": "text/csv"})
    lines = r.text.strip().splitlines()
    assert lines[0] == "id,Latitude,Longitude,commune_code,commune_name,province_code,province_name"
    assert lines[1].startswith("a,21.0288,105.8522,00070,Phường Hoàn Kiếm,01,")
    assert lines[2] == "b,12.2,109.4,,,,"
    r = http.post("/v1/lookup", params={"lat_col": "y"}, content="a,b\n1,2\n", headers={"content-type": "text/csv"})
    assert_problem(r, 422, "lat")


def test_index_agrees_with_postgis(http, db):
    rng = np.random.default_rng(7)
    # Random points over the country's extent, plus points near commune boundaries.
    pts = np.column_stack([rng.uniform(102.1, 109.5, 4000), rng.uniform(8.4, 23.4, 4000)])
    near = db.execute("""SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 5) p
                         FROM geo.units WHERE level = 'commune' AND upper_inf(valid) ORDER BY code LIMIT 1000) x
                         WHERE p IS NOT NULL""").fetchall()
    pts = np.vstack([pts, np.array(near) + rng.normal(0, 2e-4, (len(near), 2))])
    got = http.post(
        "/v1/lookup", params={"format": "codes", "as_of": "2026-10-01"}, json={"points": pts.tolist()}
    ).json()["commune"]
    rows = db.execute(
        """
        SELECT i, min(u.code), count(u.code), bool_or(ST_DWithin(ST_Boundary(u.geom), p.g, 1e-9))
        FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS t(x, y, i)
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) g) p
        LEFT JOIN geo.units u ON u.level = 'commune' AND u.valid @> DATE '2026-10-01' AND ST_Covers(u.geom, p.g)
        GROUP BY i ORDER BY i""",
        (pts[:, 0].tolist(), pts[:, 1].tolist()),
    ).fetchall()
    disagree = [(i, g, code) for (i, code, n, tie), g in zip(rows, got) if not tie and g != code]
    assert sum(1 for r in rows if r[1]) > 1500
    assert disagree == []
