"""`vngeo tiles build`: the whole pyramid of a layer into one PMTiles v3 archive that the viewer or
any static host (HTTP range requests) can serve without this service.

Tiles are made by the same SQL as the service and go through the same disk cache (so a build
also warms the service, and a second build is a copy). Only the children of non-empty tiles are
visited, so the sea around the country costs nothing."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import date
from pathlib import Path

from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from geodata.dataset import Dataset
from geodata.settings import Settings
from geodata.tiles import cache as tilecache
from geodata.tiles import mvt as tiles
from geodata.tiles import tilejson

CONCURRENCY = 2  # PostGIS does the work: one query per core


async def _render_all(pool, st, cache, layer, d: date, max_zoom: int, progress) -> list[tuple[int, tuple]]:
    """Visit the pyramid breadth-first; return (tile id, cache key) of the non-empty tiles."""
    period, found = st.period(d), []
    level = [(0, 0, 0)]
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(z, x, y):
        key = (st.version, layer.name, period, z, x, y)
        data = cache.get(key)
        if data is None:
            async with sem, pool.connection() as conn:
                powers = await tilecache.power_arrays(st, conn, d) if layer.kind == "polygons" else tilecache.NO_POWERS
                data = await tiles.render(conn, layer, z, x, y, d, powers)
            cache.put(key, data)
        return (z, x, y, key) if data else None

    for z in range(max_zoom + 1):
        done = [r for r in await asyncio.gather(*(one(*t) for t in level)) if r]
        found += [(zxy_to_tileid(z, x, y), key) for z, x, y, key in done]
        progress(f"z{z}: {len(done)} tiles")
        level = [(z + 1, 2 * x + dx, 2 * y + dy) for _, x, y, _ in done for dx in (0, 1) for dy in (0, 1)]
    return found


def _header(bbox: list[float]) -> dict:
    w, s, e, n = bbox
    return {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_lon_e7": int(w * 1e7),
        "min_lat_e7": int(s * 1e7),
        "max_lon_e7": int(e * 1e7),
        "max_lat_e7": int(n * 1e7),
        "center_zoom": 5,
        "center_lon_e7": int((w + e) / 2 * 1e7),
        "center_lat_e7": int((s + n) / 2 * 1e7),
    }


async def build(
    settings: Settings, url: str, layer_name: str, d: date, out: Path, max_zoom: int = 14, progress=print
) -> dict:
    layer = tiles.get_layer(layer_name)
    t0 = time.monotonic()
    data = Dataset(settings, url)
    pool = data.pool
    await pool.open()
    try:
        st = await data.tile_state()
        cache = tilecache.TileCache(settings.state_dir / "tiles", memory_bytes=0)
        found = await _render_all(pool, st, cache, layer, d, max_zoom, progress)
        async with pool.connection() as conn:
            bbox = await tilejson.bounds(conn, max(d, st.first_geometry_day or d))
    finally:
        await pool.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    size = 0
    with tmp.open("wb") as f:
        writer = Writer(f)
        for tile_id, key in sorted(found):  # ascending tile id: a clustered archive
            data = gzip.compress(cache.get(key), mtime=0)
            size += len(data)
            writer.write_tile(tile_id, data)
        meta = tilejson.tilejson(layer, "", bbox, d, st.version)
        meta = {k: v for k, v in meta.items() if k not in ("tiles", "tilejson", "scheme")}
        writer.finalize(_header(bbox), meta)
    tmp.replace(out)
    return {
        "layer": layer.name,
        "as_of": d.isoformat(),
        "tiles": len(found),
        "max_zoom": max_zoom,
        "bytes": out.stat().st_size,
        "tile_bytes_gzip": size,
        "seconds": round(time.monotonic() - t0, 1),
        "path": str(out),
    }


def default_path(settings: Settings, layer: str, d: date) -> Path:
    return settings.state_dir / "pmtiles" / f"{layer}-{d.isoformat()}.pmtiles"
