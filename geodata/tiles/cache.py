"""Tile cache and the per-process state it is keyed on.

A tile is a pure function of (dataset version, layer, period, z, x, y), where the *period* is the
stretch of days over which neither the units nor the powers they hold change (its first day names
it). The state of the loaded version (TileState) is kept by the dataset handle (geodata/dataset.py),
which re-reads it when a reload publishes a new version. So tiles made once are kept on disk under
state_dir/tiles (shared by every worker, and by
`vngeo tiles build`) and in a small in-memory LRU per worker; the ETag is a hash of the key, so a
revalidation is answered 304 without reading anything."""

from __future__ import annotations

import bisect
import hashlib
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from psycopg import AsyncConnection

from geodata.units import fields

NO_POWERS = ("{}", "{}")  # unit id -> count arrays when no powers are loaded
# bump when the tile SQL changes what a key produces; the catalogue's fingerprint follows its fields
TILE_FORMAT = f"mvt-3.{fields.VERSION}"

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

    def period_start(self, d: date) -> date | None:
        """The first day of the period holding d (None: before the first break)."""
        i = bisect.bisect_right(self.breaks, d)
        return self.breaks[i - 1] if i else None

    def period(self, d: date) -> str:
        start = self.period_start(d)
        return start.isoformat() if start else "start"


async def read_state(conn: AsyncConnection, version: str) -> TileState:
    """The tile state of `version`, read once per version by the dataset handle (geodata/dataset.py)."""
    has_powers = (await (await conn.execute("SELECT to_regclass('geo.unit_powers') IS NOT NULL AS p")).fetchone())["p"]
    rows = await (await conn.execute(BREAKS_SQL.format(powers=POWERS_BREAKS if has_powers else ""))).fetchall()
    first = await (await conn.execute("SELECT min(lower(valid)) AS d FROM geo.units WHERE geom IS NOT NULL")).fetchone()
    return TileState(
        version=version, breaks=[r["b"] for r in rows], first_geometry_day=first["d"], has_powers=has_powers
    )


async def power_arrays(st: TileState, conn: AsyncConnection, d: date) -> tuple[str, str]:
    """Own and inherited power counts on the period of d (geo.unit_power_counts) as two int[]
    literals indexed by unit id. Made once per period; a literal is parsed by PostgreSQL in ~0.2 ms,
    where binding three Python lists of every unit cost ~4 ms per tile."""
    if not st.has_powers:
        return NO_POWERS
    key = st.period(d)
    if key not in st.powers:
        rows = await (
            await conn.execute("SELECT unit_id, total, inherited FROM geo.unit_power_counts(%s)", (d,))
        ).fetchall()
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
