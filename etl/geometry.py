"""Geometry checks and figures: repair, orientation, ellipsoidal area, label point."""

from __future__ import annotations

import orjson
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon

GEOD = Geod(ellps="WGS84")


def to_multipolygon(geojson: dict | None) -> tuple[MultiPolygon | None, list[str]]:
    """Parse, repair and orient one boundary; return it with notes on what was repaired."""
    if not geojson:
        return None, ["no geometry"]
    geom = shapely.from_geojson(orjson.dumps(geojson))
    notes = []
    if geom.is_empty:
        return None, ["empty geometry"]
    if not geom.is_valid:
        notes.append(f"invalid ({shapely.is_valid_reason(geom)}); repaired with make_valid")
        geom = shapely.make_valid(geom)
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, (Polygon, MultiPolygon))]
    polys = [p for g in parts for p in getattr(g, "geoms", [g]) if not p.is_empty]
    if not polys:
        return None, notes + ["no polygon left after repair"]
    # Exterior rings counter-clockwise, holes clockwise (RFC 7946, and what PostGIS calls CCW).
    multi = MultiPolygon([shapely.geometry.polygon.orient(p, 1.0) for p in polys])
    return multi, notes


def geodesic_area_km2(geom) -> float | None:
    if geom is None:
        return None
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


def label_point(geom):
    """A point inside the largest part, near its visual centre (pole of inaccessibility)."""
    if geom is None:
        return None
    largest = max(geom.geoms, key=lambda p: p.area)
    try:
        point = shapely.ops.polylabel(largest, tolerance=max(largest.length / 2000, 1e-5))
    except Exception:  # polylabel can fail on degenerate rings; fall back to a surface point
        point = largest.point_on_surface()
    return point if largest.contains(point) else largest.point_on_surface()


def bbox_mismatch(declared, geom, tol=1e-5) -> bool:
    """True when a source bbox does not enclose-and-match the geometry's bounds."""
    if not declared or geom is None:
        return False
    return any(abs(a - b) > tol for a, b in zip(declared, geom.bounds))
