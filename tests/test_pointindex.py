"""geodata.lookup.pointindex against shapely on the real commune polygons.

Self-contained (own fixtures).  Source data: the snapshot the ETL reads (settings.source_dir:
$VNGEO_SOURCE_DIR, the copy beside the checkout, or the fetched one).  The index is built once
per session and saved under a pytest tmp dir.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geodata.lookup.pointindex import PARALLEL_MIN, PointIndex
from geodata.settings import get_settings

SOURCE = Path(get_settings().source_dir)
WARDS = "json/geojson/*/wards/*.geojson"
TIE_TOL = 1e-9  # points this close to an edge are ties: either answer is fine


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def communes():
    """[(code, geometry)] sorted by code, read straight from the GeoJSON files."""
    files = sorted(SOURCE.glob(WARDS))
    if not files:
        pytest.skip(f"source data not found under {SOURCE} (set VNGEO_SOURCE_DIR)")
    items = []
    for f in files:
        for feat in json.loads(f.read_text(encoding="utf-8"))["features"]:
            items.append((feat["properties"]["code"], shapely.from_geojson(json.dumps(feat["geometry"]))))
    return sorted(items, key=lambda item: item[0])


@pytest.fixture(scope="session")
def geoms(communes):
    g = np.asarray([geom for _, geom in communes], dtype=object)
    shapely.prepare(g)
    return g


@pytest.fixture(scope="session")
def built(communes):
    return PointIndex.build(communes, data_version="test-v1")


@pytest.fixture(scope="session")
def index_dir(built, tmp_path_factory):
    return built.save(tmp_path_factory.mktemp("pointindex"))


@pytest.fixture(scope="session")
def index(index_dir):
    """The memory-mapped index, as workers will use it."""
    return PointIndex.load(index_dir)


@pytest.fixture(scope="session")
def trees(geoms):
    return shapely.STRtree(geoms), shapely.STRtree(shapely.boundary(geoms))


def shapely_answer(trees, lon, lat):
    """(lowest covering polygon or -1, mask of boundary ties) per point."""
    tree, boundary_tree = trees
    pts = shapely.points(lon, lat)
    pi, gi = tree.query(pts, predicate="intersects")  # point-polygon: = covers
    best = np.full(lon.size, np.iinfo(np.int64).max)
    np.minimum.at(best, pi, gi)
    best[best == np.iinfo(np.int64).max] = -1
    tie = np.zeros(lon.size, bool)
    tie[boundary_tree.query(pts, predicate="dwithin", distance=TIE_TOL)[0]] = True
    return best, tie


def assert_agrees(index, trees, lon, lat):
    got = index.lookup(lon, lat)
    want, tie = shapely_answer(trees, lon, lat)
    bad = np.nonzero((got != want) & ~tie)[0]
    detail = [(lon[i], lat[i], int(want[i]), int(got[i])) for i in bad[:5]]
    assert bad.size == 0, f"{bad.size} disagreements with shapely, e.g. {detail}"
    return got


# ----------------------------------------------------------------- real data
@pytest.mark.parametrize(
    "lat, lon, code",
    [
        (21.0288, 105.8522, "00070"),  # Hoàn Kiếm lake
        (10.7725, 106.6980, "26743"),  # Bến Thành market
        (10.2167, 103.9600, "31078"),  # Dương Đông, Phú Quốc
        (8.6830, 106.6060, "26732"),  # Côn Đảo
        (12.2, 109.4, None),  # at sea
    ],
)
def test_known_places(index, lat, lon, code):
    got = int(index.lookup(np.array([lon]), np.array([lat]))[0])
    assert (index.codes[got] if got >= 0 else None) == code
    assert index.lookup_all(lon, lat) == ([] if code is None else [got])


def test_random_points_in_country_bbox(index, trees, geoms):
    rng = np.random.default_rng(20250701)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    lon, lat = rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000)
    got = assert_agrees(index, trees, lon, lat)
    assert 0.05 < (got >= 0).mean() < 0.5  # sanity: the bbox is mostly sea


def test_points_near_boundaries(index, trees, geoms):
    """Points scattered around random edges at scales 1e-8..1e-3 deg: these land
    in boundary cells and exercise the exact crossing test."""
    rng = np.random.default_rng(7)
    xy = shapely.get_coordinates(geoms)
    n = 40_000
    k = rng.integers(0, len(xy) - 1, n)
    base = xy[k] + (xy[k + 1] - xy[k]) * rng.uniform(0, 1, n)[:, None]
    pts = base + rng.normal(size=(n, 2)) * (10.0 ** rng.uniform(-8, -3, n))[:, None]
    lon, lat = pts[:, 0].copy(), pts[:, 1].copy()
    got = assert_agrees(index, trees, lon, lat)
    # lookup_all (single-point kernel) must agree with the batch kernel
    for i in range(0, n, 20):
        all_ = index.lookup_all(lon[i], lat[i])
        assert (all_[0] if all_ else -1) == got[i]
    # points exactly on vertices are ties; only check they do not crash / leak
    v = xy[rng.integers(0, len(xy), 1000)]
    got = index.lookup(v[:, 0], v[:, 1])
    assert got.min() >= -1 and got.max() < len(geoms)


def test_overlapping_communes_lao_cai(index, communes, geoms, trees):
    """Lào Cai (province 15) has overlapping communes: lookup() returns the
    lowest index, lookup_all() every covering polygon."""
    lao_cai = {p.name[:5] for p in SOURCE.glob("json/geojson/15_*/wards/*.geojson")}
    ids = np.array([i for i, (code, _) in enumerate(communes) if code in lao_cai])
    a, b = shapely.STRtree(geoms[ids]).query(geoms[ids], predicate="overlaps")
    pairs = [(ids[i], ids[j]) for i, j in zip(a, b) if i < j]
    assert pairs, "expected overlapping communes in Lào Cai"
    for i, j in pairs:
        p = shapely.point_on_surface(shapely.intersection(geoms[i], geoms[j]))
        if index.on_boundary(p.x, p.y):
            continue
        want = sorted(int(q) for q in trees[0].query(p, predicate="intersects"))
        assert {i, j} <= set(want)
        assert index.lookup_all(p.x, p.y) == want
        assert int(index.lookup(np.array([p.x]), np.array([p.y]))[0]) == want[0]


def test_on_boundary(index, geoms):
    g = geoms[index.codes.index("00070")]
    ring = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(g)[0]))
    vertex, mid = ring[3], (ring[3] + ring[4]) / 2
    assert index.on_boundary(*vertex)
    assert index.on_boundary(*mid)
    assert not index.on_boundary(105.8522, 21.0288)  # middle of Hoàn Kiếm
    assert not index.on_boundary(109.4, 12.2)  # sea, far from all edges
    assert not index.on_boundary(200.0, 100.0)  # outside the grid


def test_save_load_roundtrip(built, index, index_dir):
    assert index.codes == built.codes and index.data_version == "test-v1"
    for name, arr in built.arrays.items():
        assert isinstance(np.load(index_dir / f"{name}.npy", mmap_mode="r"), np.memmap)
        np.testing.assert_array_equal(index.arrays[name], arr, err_msg=name)
    eager = PointIndex.load(index_dir, mmap=False)
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(102, 118, 50_000), rng.uniform(7, 23.5, 50_000)
    np.testing.assert_array_equal(eager.lookup(lon, lat), built.lookup(lon, lat))
    assert index.nbytes < 500e6


def test_parallel_and_serial_paths_agree(index):
    rng = np.random.default_rng(11)
    n = 2 * PARALLEL_MIN
    lon, lat = rng.uniform(104, 107, n), rng.uniform(9, 12, n)
    whole = index.lookup(lon, lat)  # parallel kernel
    parts = np.concatenate(
        [index.lookup(lon[i : i + 1000], lat[i : i + 1000]) for i in range(0, n, 1000)]
    )  # serial kernel
    np.testing.assert_array_equal(whole, parts)


def test_input_handling(index):
    assert index.lookup([], []).shape == (0,)
    out = index.lookup([np.nan, 0.0, 1e9, 105.8522], [21.0, np.nan, 21.0, 21.0288])
    assert out.dtype == np.int32 and out[:3].tolist() == [-1, -1, -1] and out[3] >= 0
    with pytest.raises(ValueError):
        index.lookup([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        index.on_boundary(105.0, 21.0, tol=1.0)


# --------------------------------------------------- synthetic degeneracies
def test_degenerate_geometry_on_grid_lines():
    """Edges on cell lines, vertices on cell corners, a hole, an overlap and
    query points sharing x/y with vertices (rays through vertices)."""
    d = 0.25
    sq = box(0, 0, 2 * d, 2 * d)
    holed = Polygon(sq.exterior.coords, [box(d / 2, d / 2, d, d).exterior.coords])
    zigzag = Polygon([(0.5, 0), (1.0, 0.25), (0.75, 0.25), (1.0, 0.5), (0.5, 0.5), (0.625, 0.25)])
    items = [
        ("a", holed),
        ("b", MultiPolygon([box(0.25, 0.25, 0.75, 0.375), box(1.5, 1.5, 2, 2)])),
        ("c", zigzag),
        ("d", box(0, 1, 1, 2)),
    ]
    idx = PointIndex.build(items, cell_deg=d / 2)
    gs = np.asarray([g for _, g in items], dtype=object)
    vals = np.unique(np.r_[np.arange(-1, 18) * d / 8, shapely.get_coordinates(gs).ravel()])
    lon, lat = (a.ravel() for a in np.meshgrid(vals, vals))
    rng = np.random.default_rng(5)
    lon = np.r_[lon, rng.uniform(-0.1, 2.1, 20_000)]
    lat = np.r_[lat, rng.uniform(-0.1, 2.1, 20_000)]
    boundary_tree = shapely.STRtree(shapely.boundary(gs))
    pts = shapely.points(lon, lat)
    tie = np.zeros(lon.size, bool)
    tie[boundary_tree.query(pts, predicate="dwithin", distance=TIE_TOL)[0]] = True
    want = np.full(lon.size, -1)
    for i in range(len(gs) - 1, -1, -1):
        want[shapely.covers(gs[i], pts)] = i
    got = idx.lookup(lon, lat)
    assert ((got == want) | tie).all()
    assert (~tie).sum() > 10_000 and tie.sum() > 100
    assert idx.lookup_all(0.3, 0.3) == [0, 1]
