"""Geometry of OGC items in a requested CRS, with a per-worker cache of the serialised result.

Rows come from PostGIS as WKB (EPSG:4326); geodata/crs.py transforms them (EPSG:6960 forced for
VN-2000) and puts them in the CRS's axis order; shapely writes GeoJSON. A commune page of 100
full-resolution boundaries is ~160,000 coordinates, about 0.13 s of CPU on this machine, so the
result per (dataset version, collection, feature, CRS) is kept: the data of a dataset version never
change, and analysts page through the same layer in the same CRS. The cache is bounded in bytes
(VNGEO_OGC_CACHE_MB per worker, default 256) and dropped entry by entry, least recently used first."""
from __future__ import annotations

import os
from collections import OrderedDict

import shapely

from geodata import crs as crsmod

_cache: OrderedDict[tuple, bytes] = OrderedDict()
_size = 0
BUDGET = int(os.environ.get("VNGEO_OGC_CACHE_MB", "256")) * 1_000_000


def clear() -> None:
    """Forget every entry (the dataset handle calls it when a reload publishes a new version)."""
    global _size
    _cache.clear()
    _size = 0


def _put(key: tuple, value: bytes) -> None:
    global _size
    _cache[key] = value
    _size += len(value)
    while _size > BUDGET and _cache:
        _, old = _cache.popitem(last=False)
        _size -= len(old)


def geojson_in(rows: list[dict], collection: str, out: crsmod.Crs) -> list[bytes | None]:
    """GeoJSON geometry fragments for rows carrying "geometry" as WKB, in `out` and its axis order."""
    result: list[bytes | None] = [None] * len(rows)
    todo = []
    for i, r in enumerate(rows):
        if r["geometry"] is None:
            continue
        key = (r["dataset"], collection, r["fid"], out.epsg)
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            result[i] = hit
        else:
            todo.append((i, key))
    if todo:
        geoms = shapely.from_wkb([rows[i]["geometry"] for i, _ in todo])
        geoms = crsmod.to_authority_order(crsmod.transform_geoms(geoms, out), out)
        for (i, key), text in zip(todo, shapely.to_geojson(geoms)):
            result[i] = text.encode()
            _put(key, result[i])
    return result
