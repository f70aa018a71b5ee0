"""Prebuilt export files: one per (dataset version, period, layer, format, CRS, province), built on
the first request and then streamed from disk, so a download starts at once (a full-country file
took 6-77 s to build before the first byte).

A *period* is a stretch of days over which no unit changes (geodata/tiles/cache.py TileState.breaks):
every day in it gives the same rows, so the file is built once for the period's first day. Files
live under state_dir/exports/<version>/ (shared by every worker and written atomically); a lock
file makes concurrent first requests in any worker wait for one build instead of each building.
Older versions' files are removed when a new version's first file is built."""

from __future__ import annotations

import fcntl
import os
import shutil
from datetime import date
from pathlib import Path

from geodata import crs as crsmod
from geodata.files import exports
from geodata.files.exports import Connect
from geodata.units import fields

# bump when exports.py changes what a file holds; the catalogue's fingerprint follows its fields
FORMAT_VERSION = f"x3.{fields.VERSION}"


def store_path(
    root: Path,
    version: str,
    period: str,
    layer: str,
    fmt: str,
    out: crsmod.Crs,
    province: str | None,
    code: str | None = None,
) -> Path:
    crs = str(out.epsg or "crs84")
    unit = f"-{code}" if code else ""
    return root / f"{FORMAT_VERSION}-{version}" / period / f"{layer}-{crs}-{province or 'all'}{unit}.{fmt}"


def get_or_build(
    connect: Connect,
    root: Path,
    version: str,
    period: str,
    build_day: date,
    layer: str,
    fmt: str,
    out: crsmod.Crs,
    province: str | None,
    code: str | None = None,
) -> Path:
    """The file for this key, built now if no worker has built it yet (runs in a thread)."""
    target = store_path(root, version, period, layer, fmt, out, province, code)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker building the same file: wait for it
        if target.exists():
            return target
        workdir = exports.new_workdir(target.parent)
        try:
            built = exports.export_file(connect, layer, fmt, out, build_day, province, workdir, code)
            os.replace(built, target)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    _drop_old_versions(root, target.parents[1].name)
    return target


def _drop_old_versions(root: Path, keep: str) -> None:
    """Remove the files of other dataset versions (another format's files of this version are left:
    a checkout of another format may share the state directory)."""
    version = keep.split("-", 1)[1]
    for d in root.iterdir():
        if d.is_dir() and d.name.split("-", 1)[-1] != version:
            shutil.rmtree(d, ignore_errors=True)
