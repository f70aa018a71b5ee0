"""Sliver area between neighbouring polygons of a decoded vector tile (tile units², extent 4096);
used by tests/test_tiles.py and bench/tiles_bench.py; not part of the service (needs mapbox-vector-tile and
mercantile, test extras).

Overlap: area covered by two features at once. Crack: small holes in the union of the features
(a hole bigger than 8x8 units is land no unit covers, or sea). Along the coast and among islands
the union also has small holes that are sea at full resolution too (a bay closed at the tile's
scale); given `land` (the full-resolution units in tile units, see land_in_tile), only the part of a
hole that is land counts as a crack. A ring snapped to the tile grid may
touch itself where a neck was narrower than a unit; such a feature is read as a renderer draws
it, by the winding rule, not "repaired". The *_beyond_precision figures keep only slivers that
hold a disc of half a unit: wider than rounding to the grid can make. They must be 0."""

from __future__ import annotations

import mapbox_vector_tile
import mercantile
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape


def _winding(ring: np.ndarray, pt: tuple[float, float]) -> int:
    """Winding number of a closed ring around a point (Sunday's algorithm, vectorised)."""
    x0, y0, x1, y1 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    px, py = pt
    cross = (x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)
    up = (y0 <= py) & (y1 > py) & (cross > 0)
    down = (y0 > py) & (y1 <= py) & (cross < 0)
    return int(up.sum() - down.sum())


def _rings(geometry: dict) -> list[np.ndarray]:
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [np.asarray(r, dtype=float) for p in polys for r in p]


def feature_area(geometry: dict):
    """The area a renderer fills for one decoded feature (nonzero winding rule)."""
    geom = shape(geometry)
    if geom.is_valid:
        return geom
    rings = _rings(geometry)
    noded = shapely.node(shapely.MultiLineString([r for r in rings if len(r) >= 2]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    keep = []
    for face in faces:
        p = face.point_on_surface()
        if sum(_winding(r, (p.x, p.y)) for r in rings) != 0:
            keep.append(face)
    return shapely.union_all(keep) if keep else None


def decoded_polygons(tile: bytes, layer: str) -> list:
    feats = mapbox_vector_tile.decode(tile).get(layer, {}).get("features", [])
    out = [feature_area(f["geometry"]) for f in feats if "Polygon" in f["geometry"]["type"]]
    return [g for g in out if g is not None and not g.is_empty]


def overlaps(geoms: list) -> list:
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    inter = shapely.intersection([geoms[i] for i in left[keep]], [geoms[j] for j in right[keep]])
    return [p for g in inter for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 0]


def cracks(geoms: list, max_area: float = 64.0, land=None) -> list:
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) if p.geom_type == "Polygon" for r in p.interiors]
    holes = [h for h in holes if h.area <= max_area]
    if land is None:
        return holes
    return [p for h in holes for p in shapely.get_parts(h.intersection(land)) if p.geom_type == "Polygon"]


def tile_bbox(z: int, x: int, y: int) -> str:
    """west,south,east,north of an XYZ tile, for a bbox= query."""
    return ",".join(map(str, mercantile.bounds(x, y, z)))


_TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


def land_in_tile(feature_collection: dict, z: int, x: int, y: int, extent: int = 4096):
    """Union of GeoJSON (lon/lat) polygons in the tile units of the decoded tile (y up, as
    mapbox_vector_tile decodes it)."""
    b = mercantile.xy_bounds(x, y, z)
    scale = extent / (b.right - b.left)

    def to_tile(xy: np.ndarray) -> np.ndarray:
        mx, my = _TO_MERCATOR.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([(mx - b.left) * scale, (my - b.bottom) * scale])

    geoms = [shapely.transform(shape(f["geometry"]), to_tile) for f in feature_collection["features"]]
    return shapely.union_all(shapely.make_valid(np.asarray(geoms)))


def _wide(parts, half_unit: float = 0.5) -> float:
    return float(sum(p.area for p in parts if not p.buffer(-half_unit).is_empty))


def sliver_area(tile: bytes, layer: str, land=None) -> dict:
    geoms = decoded_polygons(tile, layer)
    if not geoms:
        return {
            "features": 0,
            "overlap": 0.0,
            "crack": 0.0,
            "overlap_beyond_precision": 0.0,
            "crack_beyond_precision": 0.0,
        }
    ov, cr = overlaps(geoms), cracks(geoms, land=land)
    return {
        "features": len(geoms),
        "overlap": round(sum(p.area for p in ov), 2),
        "crack": round(sum(p.area for p in cr), 2),
        "overlap_beyond_precision": _wide(ov),
        "crack_beyond_precision": _wide(cr),
    }
