"""Tile cache and the per-process state it is keyed on.

A tile is a pure function of (dataset version, layer, period, z, x, y), where the *period* is the
stretch of days over which neither the units nor the powers they hold change (its first day names
it). So tiles made once are kept on disk under state_dir/tiles (shared by every worker, and by
`vngeo tiles build`) and in a small in-memory LRU per worker; the ETag is a hash of the key, so a
revalidation is answered 304 without reading anything."""
from __future__ import annotations

import asyncio
import bisect
import hashlib
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from psycopg import AsyncConnection

from geodata.units import fields

NO_POWERS = ("{}", "{}")   # unit id -> count arrays when no powers are loaded
# bump when the tile SQL changes what a key produces; the catalogue's fingerprint follows its fields
TILE_FORMAT = f"mvt-3.{fields.VERSION}"
REFRESH_S = 2.0         # how stale the loaded dataset version may be in a worker

BREAKS_SQL = """
SELECT b FROM (SELECT lower(valid) AS b FROM geo.units UNION SELECT upper(valid) FROM geo.units
               {powers}) x WHERE b IS NOT NULL ORDER BY b"""
POWERS_BREAKS = "UNION SELECT lower(valid) FROM geo.unit_powers UNION SELECT upper(valid) FROM geo.unit_powers"


@dataclass
class TileState:
    """What a worker knows about the loaded dataset: its version, the days on which anything a tile
    shows changes, the first day with boundaries, and power counts per period (computed once)."""
    version: str = ""
    breaks: list[date] = field(default_factory=list)
    first_geometry_day: date | None = None
    has_powers: bool = False
    powers: dict[str, tuple[str, str]] = field(default_factory=dict)
    checked: float = 0.0

    def period(self, d: date) -> str:
        i = bisect.bisect_right(self.breaks, d)
        return self.breaks[i - 1].isoformat() if i else "start"


async def _reload(conn: AsyncConnection, version: str) -> TileState:
    has_powers = (await (await conn.execute("SELECT to_regclass('geo.unit_powers') IS NOT NULL AS p")).fetchone())["p"]
    rows = await (await conn.execute(BREAKS_SQL.format(powers=POWERS_BREAKS if has_powers else ""))).fetchall()
    first = await (await conn.execute(
        "SELECT min(lower(valid)) AS d FROM geo.units WHERE geom IS NOT NULL")).fetchone()
    return TileState(version=version, breaks=[r["b"] for r in rows], first_geometry_day=first["d"],
                     has_powers=has_powers)


_refreshing = asyncio.Lock()


async def current_state(app_state, pool) -> TileState:
    """The worker's TileState, re-read when the loaded version changes (checked every REFRESH_S).
    One request checks at a time; the others go on with the state they have (at most a few seconds
    old) instead of each waiting for a pool connection, which made every request of a busy worker
    stall every REFRESH_S."""
    st: TileState | None = getattr(app_state, "tiles", None)
    now = time.monotonic()
    if st is not None and (now - st.checked < REFRESH_S or _refreshing.locked()):
        return st
    async with _refreshing:
        st = getattr(app_state, "tiles", None)
        if st is not None and time.monotonic() - st.checked < REFRESH_S:
            return st
        async with pool.connection() as conn:
            row = await (await conn.execute("SELECT version FROM geo.dataset")).fetchone()
            version = row["version"] if row else "none"
            if st is None or st.version != version:
                st = await _reload(conn, version)
        st.checked = time.monotonic()
        app_state.tiles = st
        return st


async def power_arrays(st: TileState, conn: AsyncConnection, d: date) -> tuple[str, str]:
    """Own and inherited power counts on the period of d (geo.unit_power_counts) as two int[]
    literals indexed by unit id. Made once per period; a literal is parsed by PostgreSQL in ~0.2 ms,
    where binding three Python lists of every unit cost ~4 ms per tile."""
    if not st.has_powers:
        return NO_POWERS
    key = st.period(d)
    if key not in st.powers:
        rows = await (await conn.execute("SELECT unit_id, total, inherited FROM geo.unit_power_counts(%s)",
                                         (d,))).fetchall()
        size = max((r["unit_id"] for r in rows), default=0)
        total, inherited = [0] * size, [0] * size
        for r in rows:
            total[r["unit_id"] - 1], inherited[r["unit_id"] - 1] = r["total"], r["inherited"]
        st.powers[key] = tuple("{" + ",".join(map(str, a)) + "}" for a in (total, inherited))
    return st.powers[key]


def etag(version: str, layer: str, period: str, z: int, x: int, y: int) -> str:
    key = f"{TILE_FORMAT}:{version}:{layer}:{period}:{z}/{x}/{y}"
    return '"' + hashlib.blake2b(key.encode(), digest_size=12).hexdigest() + '"'


SUFFIX = {None: "", "br": ".br", "gzip": ".gz"}


class TileCache:
    """Disk (shared by workers; written atomically) with a per-process LRU in front of it. Each tile
    may also be kept compressed (key + encoding): a client asking for brotli or gzip gets bytes
    compressed once, at the cost of a cache read, as fast as the identity tile."""

    def __init__(self, root: Path, memory_bytes: int = 64 << 20):
        self.root = Path(root)
        self.memory: OrderedDict[tuple, bytes] = OrderedDict()
        self.memory_bytes, self.used = memory_bytes, 0

    def path(self, version: str, layer: str, period: str, z: int, x: int, y: int, encoding: str | None = None) -> Path:
        return self.root / TILE_FORMAT / version / layer / period / str(z) / str(x) / f"{y}.mvt{SUFFIX[encoding]}"

    def get(self, key: tuple, encoding: str | None = None) -> bytes | None:
        mkey = key if encoding is None else (*key, encoding)
        data = self.memory.get(mkey)
        if data is not None:
            self.memory.move_to_end(mkey)
            return data
        try:
            data = self.path(*key, encoding).read_bytes()
        except FileNotFoundError:
            return None
        self._remember(mkey, data)
        return data

    def put(self, key: tuple, data: bytes, encoding: str | None = None) -> None:
        p = self.path(*key, encoding)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, p)  # atomic: another worker reads the old file or the whole new one
        self._remember(key if encoding is None else (*key, encoding), data)

    def _remember(self, key: tuple, data: bytes) -> None:
        if len(data) > self.memory_bytes // 8:
            return
        self.memory[key] = data
        self.used += len(data)
        while self.used > self.memory_bytes:
            _, old = self.memory.popitem(last=False)
            self.used -= len(old)


class NoCache:
    """VNGEO_TILE_CACHE=false: every tile is rendered (to measure cold tiles)."""

    def get(self, key: tuple, encoding: str | None = None) -> None:
        return None

    def put(self, key: tuple, data: bytes, encoding: str | None = None) -> None:
        pass
