"""Coordinate -> commune: one consistent snapshot (index + unit names by date) per dataset version.

The post-reform generations share their boundaries (decrees since 2025-07-01 retyped or renamed
units without moving a line), so one point index answers every date from the reform day (read from
geo.generations); what changes with the date is each polygon's name, type and province, looked up per day.

The database is reached through a `connect` callable (geodata/dataset.py Dataset.connect: the
service's statement timeout and read-only settings), never a bare connection string."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import orjson
import psycopg
import shapely

from geodata.errors import InvalidInput, NotFound
from geodata.lineage import address_index
from geodata.lookup.pointindex import PointIndex

if TYPE_CHECKING:
    from geodata.dataset import Dataset

Connect = Callable[[], psycopg.Connection]
VERSIONS_SQL = """
SELECT code, level, name, full_name, type, province_code,
       lower(valid)::text AS valid_from, upper(valid)::text AS valid_until
FROM geo.units WHERE level IN ('province', 'commune')
  AND lower(valid) >= (SELECT min(valid_from) FROM geo.generations) ORDER BY level, code, lower(valid)"""
NAMES_SQL = """
SELECT code, level, type, province_code, parent_code, name, full_name, search_key, generation_from,
       lower(valid)::text AS valid_from, upper(valid)::text AS valid_until
FROM geo.units ORDER BY level, code, lower(valid) NULLS FIRST"""
GEOMS_SQL = """
SELECT DISTINCT ON (code) code, ST_AsBinary(geom) AS wkb FROM geo.units
WHERE level = 'commune' AND geom IS NOT NULL ORDER BY code, lower(valid) DESC"""


def index_root(state_dir: Path) -> Path:
    return Path(state_dir) / "index"


def build(conn: psycopg.Connection, directory: Path, version: str) -> Path:
    """Build the index and the unit table for `version` under directory/version (atomic rename)."""
    target = directory / version
    if (target / "units.json").exists():
        if not address_index.current(target):  # a folder from before this address index format
            address_index.build(conn, target, version)
        return target
    tmp = directory / f".{version}.building"
    shutil.rmtree(tmp, ignore_errors=True)
    rows = conn.execute(GEOMS_SQL).fetchall()
    geoms = shapely.from_wkb([r[1] for r in rows])
    PointIndex.build(list(zip([r[0] for r in rows], geoms)), data_version=version).save(tmp)
    cur = conn.execute(VERSIONS_SQL)
    cols = [d.name for d in cur.description]
    units = [dict(zip(cols, r)) for r in cur.fetchall()]
    cur = conn.execute(NAMES_SQL)
    cols = [d.name for d in cur.description]
    (tmp / "names.json").write_bytes(orjson.dumps([dict(zip(cols, r)) for r in cur.fetchall()]))
    address_index.build(conn, tmp, version)  # old addresses: built with the point index, opened by every worker
    gens = conn.execute("SELECT id, valid_from::text, valid_to::text FROM geo.generations ORDER BY ordinal").fetchall()
    (tmp / "units.json").write_bytes(
        orjson.dumps(
            {
                "version": version,
                "units": units,
                "generations": [{"id": g[0], "valid_from": g[1], "valid_to": g[2]} for g in gens],
            }
        )
    )
    tmp.rename(target)
    return target


def ensure_built(connect: Connect, state_dir: Path) -> Path:
    """The index directory of the loaded dataset version, built once (a file lock keeps
    concurrent workers from building it twice)."""
    root = index_root(state_dir)
    root.mkdir(parents=True, exist_ok=True)
    with connect() as conn:
        version = conn.execute("SELECT version FROM geo.dataset").fetchone()[0]
        if (root / version / "units.json").exists() and address_index.current(root / version):
            return root / version
        with open(root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = build(conn, root, version)
    _prune(root, keep=version)
    return path


def _prune(root: Path, keep: str, n: int = 2) -> None:
    """Keep the newest few versions: a worker may still map the previous one."""
    dirs = sorted(
        (d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")),
        key=lambda d: d.stat().st_mtime,
        reverse=True,
    )
    for d in dirs[n:]:
        if d.name != keep:
            shutil.rmtree(d, ignore_errors=True)


@dataclass
class Snapshot:
    """An index and the names of its polygons on any date, for one dataset version."""

    index: PointIndex
    version: str
    units: dict[tuple[str, str], list[dict]]  # (level, code) -> versions in date order
    generations: list[dict]
    path: Path
    addresses: address_index.AddressIndex | None = None
    _days: dict = field(default_factory=dict)

    @classmethod
    def open(cls, directory: Path) -> Snapshot:
        doc = orjson.loads((Path(directory) / "units.json").read_bytes())
        units: dict[tuple[str, str], list[dict]] = {}
        for u in doc["units"]:
            units.setdefault((u["level"], u["code"]), []).append(u)
        return cls(
            PointIndex.load(directory),
            doc["version"],
            units,
            doc["generations"],
            Path(directory),
            address_index.AddressIndex.open(directory),
        )

    @property
    def converter(self):
        """Old addresses -> new units against this snapshot (geodata.lineage.convert), made on first use."""
        if "converter" not in self._days:
            from geodata.lineage.convert import Converter

            self._days["converter"] = Converter(self, self.addresses)
        return self._days["converter"]

    @property
    def names(self):
        """The name index for search, opened on first use."""
        if "names" not in self._days:
            from geodata.units.search import NameIndex

            self._days["names"] = NameIndex(orjson.loads((self.path / "names.json").read_bytes()))
        return self._days["names"]

    @property
    def reform_day(self) -> date:
        """The first day of the first dated generation (geo.generations, as loaded): boundaries and
        the two-tier units exist from it on."""
        return date.fromisoformat(min(g["valid_from"] for g in self.generations if g["valid_from"]))

    def generation_on(self, day: str) -> str | None:
        for g in self.generations:
            if (g["valid_from"] or "") <= day and (g["valid_to"] is None or day <= g["valid_to"]):
                return g["id"]
        return None

    def unit_on(self, level: str, code: str, day: str) -> dict | None:
        for v in self.units.get((level, code), ()):
            if v["valid_from"] <= day and (v["valid_until"] is None or day < v["valid_until"]):
                return v
        return None

    def day(self, day: date) -> Day:
        if day < self.reform_day:
            raise NotFound(
                f"boundaries exist from {self.reform_day.isoformat()} on; {day.isoformat()} is before the "
                "reform, when the communes had no published polygons (see /v1/legacy/units for old units)"
            )
        key = day.isoformat()
        if key not in self._days:
            if len(self._days) > 64:
                self._days = {k: v for k, v in self._days.items() if k in ("names", "converter")}
            self._days[key] = Day.build(self, key)
        return self._days[key]


def _brief(v: dict | None) -> dict | None:
    return None if v is None else {"code": v["code"], "name": v["name"], "full_name": v["full_name"], "type": v["type"]}


@dataclass
class Day:
    """Per-polygon answers on one date, pre-serialised so a batch answer is a join of bytes."""

    date: str
    commune: list[dict | None]
    province: list[dict | None]
    commune_codes: np.ndarray  # object array of code strings (None where not valid that day)
    province_codes: np.ndarray
    fragments: np.ndarray  # object array of JSON bytes, one per polygon; last = b"null"

    @classmethod
    def build(cls, snap: Snapshot, day: str) -> Day:
        communes = [snap.unit_on("commune", c, day) for c in snap.index.codes]
        provinces = [snap.unit_on("province", c["province_code"], day) if c else None for c in communes]
        frags = [
            orjson.dumps({"commune": _brief(c), "province": _brief(p)}) if c else b"null"
            for c, p in zip(communes, provinces)
        ]
        return cls(
            day,
            [_brief(c) for c in communes],
            [_brief(p) for p in provinces],
            np.array([c["code"] if c else None for c in communes] + [None], dtype=object),
            np.array([p["code"] if p else None for p in provinces] + [None], dtype=object),
            np.array(frags + [b"null"], dtype=object),
        )


def check_point(lat: float, lon: float) -> None:
    """422 for impossible coordinates, saying to swap them when only the swap makes sense."""
    if not (np.isfinite(lat) and np.isfinite(lon)):
        raise InvalidInput("lat and lon must be finite numbers", lat=str(lat), lon=str(lon))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        hint = ""
        if -90 <= lon <= 90 and -180 <= lat <= 180 and _in_vietnam_bbox(lon=lat, lat=lon):
            hint = "; the values look swapped: put the latitude in lat and the longitude in lon"
        raise InvalidInput(f"latitude must be within ±90 and longitude within ±180 (got lat={lat}, lon={lon}){hint}")


def _in_vietnam_bbox(lon: float, lat: float) -> bool:
    return 102.0 <= lon <= 117.9 and 6.0 <= lat <= 23.5


COVERS_SQL = """
SELECT code FROM geo.units WHERE level = 'commune' AND valid @> %(d)s::date
  AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)) ORDER BY code"""


async def covering_codes(conn, lat: float, lon: float, day: date) -> list[str]:
    rows = await (await conn.execute(COVERS_SQL, {"lat": lat, "lon": lon, "d": day})).fetchall()
    return [r["code"] for r in rows]


async def lookup_point(data: Dataset, lat: float, lon: float, day: date) -> dict | None:
    """The single answer; None when the point is in no commune (the caller adds `nearest`).

    The in-memory snapshot answers; the database (data.connection()) is asked only for points on an edge."""
    check_point(lat, lon)
    snap = data.snapshot()
    d = snap.day(day)
    on_boundary = snap.index.on_boundary(lon, lat)
    if on_boundary:
        # Within 1e-9° of an edge the grid's even-odd test may fall either way: ask PostGIS
        # (ST_Covers on the same polygons) so a point on a shared edge gets every side.
        position = {c: i for i, c in enumerate(snap.index.codes)}
        async with data.connection() as conn:
            covering = await covering_codes(conn, lat, lon, day)
        hits = [position[c] for c in covering if c in position]
    else:
        hits = snap.index.lookup_all(lon, lat)
    hits = [h for h in hits if d.commune[h] is not None]
    if not hits:
        return None
    # Deterministic rule: several communes cover the point (a shared edge, or the Lào Cai
    # overlap in the source): the lowest code wins; the others are listed in also_in.
    first = hits[0]
    return {
        "point": {"lat": lat, "lon": lon},
        "as_of": d.date,
        "generation": snap.generation_on(d.date),
        "commune": d.commune[first],
        "province": d.province[first],
        "on_boundary": on_boundary,
        "also_in": [d.commune[h] for h in hits[1:]],
    }


# KNN on the GiST index for candidates, then the geodesic distance to each candidate's closest
# point (closest in degrees: for the few km at stake the geodesic nearest point differs by
# centimetres, and it avoids a full geodesic distance over thousands of vertices).
NEAREST_SQL = """
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g),
near AS (SELECT u.code, u.name, u.full_name, u.type, u.geom FROM geo.units u, pt
         WHERE u.level = 'commune' AND u.valid @> %(d)s::date AND u.geom IS NOT NULL
         ORDER BY u.geom <-> pt.g LIMIT 5)
SELECT code, name, full_name, type, ST_Distance(ST_ClosestPoint(near.geom, pt.g)::geography, pt.g::geography)
    AS distance_m
FROM near, pt ORDER BY distance_m LIMIT 1"""
NEAREST_MAX_M = 200_000


async def nearest(conn, lat: float, lon: float, day: date) -> dict | None:
    """The nearest commune within 200 km, with the geodesic distance to its polygon."""
    row = await (await conn.execute(NEAREST_SQL, {"lat": lat, "lon": lon, "d": day})).fetchone()
    if not row or row["distance_m"] > NEAREST_MAX_M:
        return None
    return {
        "code": row["code"],
        "name": row["name"],
        "full_name": row["full_name"],
        "type": row["type"],
        "distance_m": round(row["distance_m"], 1),
    }


class SnapshotHolder:
    """The current snapshot of a process; replaced whole when the dataset version changes, so one
    request always reads one version."""

    def __init__(self, connect: Connect, state_dir: Path):
        self.connect, self.state_dir = connect, Path(state_dir)
        self.current: Snapshot | None = None

    def refresh(self) -> bool:
        """Open the index of the loaded dataset version if it is not the current one (building it
        first if no process has yet). Returns whether the snapshot changed."""
        with self.connect() as conn:
            row = conn.execute("SELECT version FROM geo.dataset").fetchone()
        if row is None or (self.current and self.current.version == row[0]):
            return False
        self.current = Snapshot.open(ensure_built(self.connect, self.state_dir))
        return True

    def open_at_start(self) -> str:
        """Run before a worker takes its first request, so that a lookup inside a commune never
        waits on the database: the loaded version's index, or, with the database down, the newest
        index built (the refresher moves to the loaded version once the database answers). The
        first lookup also compiles the index's kernels, which takes seconds on a busy machine."""
        try:
            self.refresh()
            how = "loaded version"
        except Exception as exc:  # database down (or still starting): serve what was built
            built = sorted(
                (d for d in index_root(self.state_dir).glob("*") if (d / "units.json").exists()),
                key=lambda d: d.stat().st_mtime,
            )
            if not built:
                return f"no lookup index yet ({type(exc).__name__}); lookups answer 503 until one is built"
            self.current = Snapshot.open(built[-1])
            how = f"newest built, the database did not answer ({type(exc).__name__})"
        if self.current is None:
            return "no dataset loaded; lookups answer 503 until `vngeo etl load`"
        self.current.index.lookup_all(105.8522, 21.0288)  # warm-up: compiled before the first request
        return f"lookup index {self.current.version} ({how})"

    def get(self) -> Snapshot:
        if self.current is None:
            from geodata.errors import Unavailable

            raise Unavailable("the lookup index is not built yet; run `vngeo etl load` (it builds it)")
        return self.current
