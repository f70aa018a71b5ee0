"""`vngeo lookup FILE -o OUT`: add commune and province columns to CSV, GeoPackage or GeoParquet
files with the in-process index (no database), chunk by chunk with a progress bar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from geodata.errors import InvalidInput
from geodata.lookup.batch import _check_ranges, add_columns, pick_columns
from geodata.lookup.point import Snapshot, index_root

CHUNK = 500_000
FORMATS = {".csv": "csv", ".gpkg": "gpkg", ".parquet": "parquet", ".geoparquet": "parquet"}


def latest_index(state_dir: Path) -> Path:
    """The most recently built complete index under state_dir/index."""
    root = index_root(state_dir)
    dirs = sorted((d for d in root.glob("*") if (d / "units.json").exists()), key=lambda d: d.stat().st_mtime)
    if not dirs:
        raise InvalidInput(f"no lookup index under {root}: run `vngeo etl load` (or pass --index)")
    return dirs[-1]


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if not fmt:
        raise InvalidInput(f"{path}: use .csv, .gpkg or .parquet/.geoparquet")
    return fmt


def annotate(snap: Snapshot, df: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, as_of: date) -> pd.DataFrame:
    _check_ranges(lon, lat, label="row")
    day = snap.day(as_of)
    idx = snap.index.lookup(lon, lat)
    idx[np.equal(day.commune_codes[idx], None)] = -1
    add_columns(df, day, idx)
    return df


def lookup_csv_file(snap, src: Path, out: Path, as_of: date, lat_col=None, lon_col=None, progress=True) -> int:
    n, first = 0, True
    with tqdm(desc=src.name, unit=" rows", disable=not progress) as bar:
        for chunk in pd.read_csv(src, dtype=str, keep_default_na=False, chunksize=CHUNK):
            lat_name, lon_name = pick_columns(list(chunk.columns), lat_col, lon_col)
            lat = pd.to_numeric(chunk[lat_name], errors="coerce").to_numpy(np.float64)
            lon = pd.to_numeric(chunk[lon_name], errors="coerce").to_numpy(np.float64)
            annotate(snap, chunk, lon, lat, as_of).to_csv(out, mode="w" if first else "a", header=first, index=False)
            first = False
            n += len(chunk)
            bar.update(len(chunk))
    return n


def lookup_geo_file(snap, src: Path, out: Path, as_of: date, progress=True) -> int:
    """Point layers (any CRS: reprojected to WGS 84 for the lookup; the output keeps the input CRS)."""
    import geopandas as gpd

    gdf = gpd.read_parquet(src) if file_format(src) == "parquet" else gpd.read_file(src)
    if not len(gdf):
        raise InvalidInput(f"{src} has no features")
    if not (gdf.geom_type == "Point").all():
        raise InvalidInput(f"{src}: every feature must be a Point")
    wgs = gdf.geometry.to_crs(4326) if gdf.crs and gdf.crs.to_epsg() != 4326 else gdf.geometry
    lon, lat = wgs.x.to_numpy(), wgs.y.to_numpy()
    parts = []
    for start in tqdm(range(0, len(gdf), CHUNK), desc=src.name, unit=" chunks", disable=not progress):
        sl = slice(start, start + CHUNK)
        parts.append(annotate(snap, gdf.iloc[sl].copy(), lon[sl], lat[sl], as_of))
    result = gpd.GeoDataFrame(pd.concat(parts), crs=gdf.crs)
    if file_format(out) == "parquet":
        result.to_parquet(out)
    else:
        result.to_file(out, driver="GPKG")
    return len(result)


def lookup_file(index_dir: Path, src: Path, out: Path, as_of: date, lat_col=None, lon_col=None, progress=True) -> int:
    if not src.exists():
        raise InvalidInput(f"{src} does not exist")
    snap = Snapshot.open(index_dir)
    if file_format(src) == "csv":
        if file_format(out) != "csv":
            raise InvalidInput("a CSV input writes a CSV output")
        return lookup_csv_file(snap, src, out, as_of, lat_col, lon_col, progress)
    return lookup_geo_file(snap, src, out, as_of, progress)
