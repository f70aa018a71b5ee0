"""A reload is atomic: a concurrent reader never sees a partial load; a failed load changes nothing."""

import os
import shutil
import threading

import psycopg
import pytest

from etl.load import LoadFailed, load
from etl.sources import SourceError

CURRENT = """SELECT count(*), count(geom), count(*) FILTER (WHERE level = 'commune'),
                    (SELECT version FROM geo.dataset)
             FROM geo.units WHERE valid @> DATE '2026-10-01'"""


def _snapshot(url):
    with psycopg.connect(url) as conn:
        return conn.execute(CURRENT).fetchone()


def test_reader_never_sees_partial_load(settings, db_url):
    before = _snapshot(db_url)
    assert before[:3] == (3355, 3355, 3321)
    seen, stop = [], threading.Event()

    def reader():
        with psycopg.connect(db_url, autocommit=True) as conn:
            while not stop.is_set():
                seen.append(conn.execute(CURRENT).fetchone())

    t = threading.Thread(target=reader)
    t.start()
    try:
        load(settings, db_url, log=lambda *_: None)
    finally:
        stop.set()
        t.join()
    assert len(seen) > 50
    assert {row[:3] for row in seen} == {(3355, 3355, 3321)}
    assert _snapshot(db_url)[:3] == before[:3]


def test_failed_load_leaves_previous_data(settings, db_url):
    before = _snapshot(db_url)
    failing = settings.model_copy(update={"etl_fail_at": "publish"})
    with pytest.raises(LoadFailed):
        load(failing, db_url, log=lambda *_: None)
    assert _snapshot(db_url) == before


def corrupt_source_copy(src, tmp_path):
    """A copy of the source folder made of links, with one boundary file truncated (also used by
    tests/test_replica.py, under load)."""
    for entry in os.listdir(src):
        if entry != "json":
            os.symlink(src / entry, tmp_path / entry)
    shutil.copytree(src / "json", tmp_path / "json", copy_function=os.symlink)
    victim = next((tmp_path / "json" / "geojson" / "01_ha_noi" / "wards").glob("00070_*.geojson"))
    data = victim.read_bytes()
    victim.unlink()
    victim.write_bytes(data[: len(data) // 2])
    return tmp_path


def test_corrupt_source_is_refused_and_data_kept(settings, db_url, tmp_path):
    corrupt_source_copy(settings.source_dir, tmp_path)
    before = _snapshot(db_url)
    with pytest.raises(SourceError, match="unreadable"):
        load(settings, db_url, tmp_path, log=lambda *_: None)
    assert _snapshot(db_url) == before


def test_missing_source_folder_named(settings, db_url, tmp_path):
    with pytest.raises(SourceError, match=str(tmp_path / "absent")):
        load(settings, db_url, tmp_path / "absent", log=lambda *_: None)
