"""The dataset a process serves: one handle per process, followed by one poller.

Everything a worker keeps about the loaded data lives here, keyed on the dataset version and
replaced whole when a reload publishes a new one: the version itself, the reform day and the first
day with boundaries (read from the data: geo.generations and geo.units, never written in code), the
lookup snapshot (point index, unit names by date, the name and address indexes), the tile state
(period breaks, power counts) and the tile cache, and the OGC geometry cache. The API makes one
in its lifespan and reaches it through a dependency (api/deps.py); the CLI makes its own.

One way to the database, async or sync, both with the statement timeout and read-only settings of
geodata/db.py: `connection()` (the pool) for requests, `connect()` for work in a thread (exports,
folium maps, building the lookup index)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg import AsyncConnection

from geodata import db
from geodata.errors import Unavailable
from geodata.lookup.point import Snapshot, SnapshotHolder
from geodata.ogc import geom as ogc_geom
from geodata.settings import Settings
from geodata.tiles import cache as tilecache

log = logging.getLogger("vngeo.dataset")
POLL_S = 2.0  # how stale the loaded dataset version may be in a worker

# The reform day is the first day of the first generation with a start (the one before it,
# "pre-2025", has none: the records begin before the data set); the first geometry day is the first
# day any unit has a boundary. Both come from the loaded data.
FACTS_SQL = """
SELECT (SELECT min(valid_from) FROM geo.generations) AS reform_day,
       (SELECT min(lower(valid)) FROM geo.units WHERE geom IS NOT NULL) AS first_geometry_day"""


@dataclass(frozen=True)
class Facts:
    """What a dataset version says about itself."""

    version: str
    reform_day: date | None
    first_geometry_day: date | None


async def read_version(conn: AsyncConnection) -> str | None:
    row = await (await conn.execute("SELECT version FROM geo.dataset")).fetchone()
    return row["version"] if row else None


class Dataset:
    """The loaded dataset as this process sees it (one per process)."""

    def __init__(self, settings: Settings, url: str):
        self.settings, self.url = settings, url
        self.pool = db.make_pool(settings, url)
        self.lookup = SnapshotHolder(self.connect, settings.state_dir)
        self.facts: Facts | None = None
        self.tiles = tilecache.TileState()
        self.ogc_geometry = ogc_geom.GeometryCache(settings.ogc_cache_mb * 1_000_000)
        self.tile_cache = (
            tilecache.TileCache(settings.state_dir / "tiles") if settings.tile_cache else tilecache.NoCache()
        )
        self._refreshing, self._reading_tiles = asyncio.Lock(), asyncio.Lock()

    # --- the database, one way, async or sync -------------------------------------------------
    def connection(self):
        """A pooled async connection (statement timeout, read-only, one snapshot per transaction)."""
        return self.pool.connection()

    def connect(self, **kwargs) -> psycopg.Connection:
        """A sync connection with the same settings, for work in a thread (a server-side cursor for
        exports, folium maps, the lookup index build)."""
        return db.connect(self.settings, self.url, **kwargs)

    # --- what is loaded -----------------------------------------------------------------------
    @property
    def version(self) -> str | None:
        return self.facts.version if self.facts else None

    @property
    def reform_day(self) -> date | None:
        return self.facts.reform_day if self.facts else None

    @property
    def first_geometry_day(self) -> date | None:
        return self.facts.first_geometry_day if self.facts else None

    def snapshot(self) -> Snapshot:
        """The lookup snapshot (index, names by date, name and address indexes); 503 until built."""
        return self.lookup.get()

    async def loaded(self) -> Facts:
        """The loaded version's facts. Read at once if the poller has not yet managed to (the
        database was down at start), else what the poller keeps fresh."""
        if self.facts is None:
            await self.refresh(lookup=False)
            if self.facts is None:
                raise Unavailable("no dataset is loaded yet; run `vngeo etl load`")
        return self.facts

    async def tile_state(self) -> tilecache.TileState:
        """The tile state of the loaded version (period breaks, power counts): read once per version,
        by the poller as soon as it sees the version (or here, by the first request that needs it)."""
        facts = await self.loaded()
        if self.tiles.version != facts.version:
            async with self._reading_tiles:  # one read; the other requests wait for it
                if self.tiles.version != facts.version:
                    async with self.connection() as conn:
                        self.tiles = await tilecache.read_state(conn, facts.version)
        return self.tiles

    # --- following reloads --------------------------------------------------------------------
    async def open(self) -> None:
        await self.pool.open(wait=False)
        # Ready before serving: uvicorn accepts no request in this worker until startup returns, so
        # lookups never meet a worker without its index.
        log.info(await asyncio.to_thread(self.lookup.open_at_start))
        try:
            await self.refresh(lookup=False)
        except Exception as exc:  # the database may be down: the poller retries
            log.warning("dataset state not read at start: %s", exc)

    async def close(self) -> None:
        await self.pool.close()

    async def refresh(self, lookup: bool = True) -> bool:
        """Read the loaded version; when it changed, read its facts (a few ms), then its tile state
        (~0.5 s) and (lookup=True) open its lookup snapshot. One refresh at a time; returns whether
        anything changed."""
        async with self._refreshing:
            async with self.connection() as conn, conn.transaction():  # version and facts: one snapshot
                version = await read_version(conn)
                changed = version is not None and version != self.version
                if changed:
                    row = await (await conn.execute(FACTS_SQL)).fetchone()
                    self.facts = Facts(version, row["reform_day"], row["first_geometry_day"])
                    # Keyed on the version anyway: a new cache frees the old version's memory.
                    self.ogc_geometry = ogc_geom.GeometryCache(self.settings.ogc_cache_mb * 1_000_000)
            if changed:
                try:
                    await self.tile_state()
                except Exception as exc:  # read again by the next request that needs it
                    log.warning("tile state of %s not read: %s", version, exc)
            if (
                lookup
                and version is not None
                and (self.lookup.current is None or self.lookup.current.version != version)
            ):
                changed = await asyncio.to_thread(self.lookup.refresh) or changed
            return changed

    async def keep_fresh(self, every: float = POLL_S) -> None:
        """The one poller: follow reloads every `every` seconds through the pool (no new connection,
        no thread unless a new lookup index must be opened)."""
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # the database may be down: keep serving what we have
                log.warning("dataset refresh failed: %s", exc)
            await asyncio.sleep(every)
