"""Geometry of OGC items in a requested CRS, with a per-worker cache of the serialised result.

Rows come from PostGIS as WKB (EPSG:4326); geodata/crs.py transforms them (EPSG:6960 forced for
VN-2000) and puts them in the CRS's axis order; shapely writes GeoJSON. A commune page of 100
full-resolution boundaries is ~160,000 coordinates, about 0.13 s of CPU on this machine, so the
result per (dataset version, collection, feature, CRS) is kept: the data of a dataset version never
change, and analysts page through the same layer in the same CRS. The cache is bounded in bytes
(VNGEO_OGC_CACHE_MB per worker, default 256) and dropped entry by entry, least recently used first.
The cache belongs to the dataset handle (geodata/dataset.py), which starts a new one per version."""

from __future__ import annotations

from collections import OrderedDict

import shapely

from geodata import crs as crsmod


class GeometryCache:
    """Serialised GeoJSON geometries by (dataset version, collection, feature, CRS), bounded in bytes."""

    def __init__(self, budget_bytes: int):
        self.entries: OrderedDict[tuple, bytes] = OrderedDict()
        self.budget, self.size = budget_bytes, 0

    def get(self, key: tuple) -> bytes | None:
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
        return hit

    def put(self, key: tuple, value: bytes) -> None:
        self.entries[key] = value
        self.size += len(value)
        while self.size > self.budget and self.entries:
            _, old = self.entries.popitem(last=False)
            self.size -= len(old)


def geojson_in(rows: list[dict], collection: str, out: crsmod.Crs, cache: GeometryCache) -> list[bytes | None]:
    """GeoJSON geometry fragments for rows carrying "geometry" as WKB, in `out` and its axis order."""
    result: list[bytes | None] = [None] * len(rows)
    todo = []
    for i, r in enumerate(rows):
        if r["geometry"] is None:
            continue
        key = (r["dataset"], collection, r["fid"], out.epsg)
        hit = cache.get(key)
        if hit is not None:
            result[i] = hit
        else:
            todo.append((i, key))
    if todo:
        geoms = shapely.from_wkb([rows[i]["geometry"] for i, _ in todo])
        geoms = crsmod.to_authority_order(crsmod.transform_geoms(geoms, out), out)
        for (i, key), text in zip(todo, shapely.to_geojson(geoms)):
            result[i] = text.encode()
            cache.put(key, result[i])
    return result
