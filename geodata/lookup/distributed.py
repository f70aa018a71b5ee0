"""Past one machine: the same lookup on Dask. Each worker opens the index once (memory-mapped,
from a path every worker can read: a shared volume, or a copy made by your deployment), and
every partition reuses it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from distributed import WorkerPlugin

from geodata.lookup.files import annotate
from geodata.lookup.point import Snapshot

_OPEN: dict[str, Snapshot] = {}  # per worker process: index path -> snapshot
OUTPUT_COLUMNS = {
    "commune_code": "object",
    "commune_name": "object",
    "province_code": "object",
    "province_name": "object",
}


def snapshot(index_dir: str) -> Snapshot:
    if index_dir not in _OPEN:
        _OPEN[index_dir] = Snapshot.open(Path(index_dir))
    return _OPEN[index_dir]


def lookup_partition(
    df: pd.DataFrame, index_dir: str, as_of: str, lat_col: str = "lat", lon_col: str = "lon"
) -> pd.DataFrame:
    """A map_partitions function: the partition with commune/province columns added."""
    df = df.copy()
    if df.empty:
        return df.assign(**{c: pd.Series(dtype=t) for c, t in OUTPUT_COLUMNS.items()})
    lat = pd.to_numeric(df[lat_col], errors="coerce").to_numpy(np.float64)
    lon = pd.to_numeric(df[lon_col], errors="coerce").to_numpy(np.float64)
    return annotate(snapshot(index_dir), df, lon, lat, date.fromisoformat(as_of))


class IndexPlugin(WorkerPlugin):
    """A Dask WorkerPlugin that opens the index when a worker starts (once per worker)."""

    name = "vngeo-index"

    def __init__(self, index_dir: str):
        self.index_dir = str(index_dir)

    def setup(self, worker) -> None:
        snapshot(self.index_dir)


def lookup_dataframe(ddf, index_dir: str | Path, as_of: date, lat_col: str = "lat", lon_col: str = "lon", client=None):
    """The dask DataFrame with commune/province columns; registers the plugin on `client` if given."""
    index_dir = str(index_dir)
    if client is not None:
        client.register_plugin(IndexPlugin(index_dir))
    meta = ddf._meta.assign(**{c: pd.Series(dtype=t) for c, t in OUTPUT_COLUMNS.items()})
    return ddf.map_partitions(lookup_partition, index_dir, as_of.isoformat(), lat_col, lon_col, meta=meta)
