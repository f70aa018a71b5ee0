"""The upstream snapshot fetched from archives (issue 18): archives built from the local copy of the
snapshot are served over real HTTP; a fresh clone of the committed tree, with no ../shared beside
it, fetches, verifies and loads them; corrupt, truncated or missing archives are refused and leave
nothing half-unpacked in use and the loaded data untouched."""

from __future__ import annotations

import functools
import http.server
import io
import os
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import psycopg
import pytest

from etl import cluster, manifest, upstream
from etl.corrections import read_corrections
from etl.load import load
from etl.sources import PRE_REFORM_SQL, SourceError
from geodata.settings import SHARED_SNAPSHOT, local_pg_port

ROOT = Path(__file__).resolve().parents[1]
PREFIX = {
    "v2.4.1": "vietnamese-provinces-database-2.4.1",
    "v3.0.2": "vietnamese-provinces-database-3.0.2",
    upstream.COMMIT: f"vietnamese-provinces-database-{upstream.COMMIT}",
}  # GitHub's top folders

pytestmark = pytest.mark.skipif(not SHARED_SNAPSHOT.is_dir(), reason="needs the snapshot copy to build archives from")


def _tar(path: Path, files: dict[str, Path | bytes]) -> Path:
    """A .tar.gz as GitHub makes them: everything under one top folder (level 1: quick to build)."""
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for name, src in files.items():
            if isinstance(src, bytes):
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(src), int(time.time())
                tar.addfile(info, io.BytesIO(src))
            else:
                tar.add(src, name, recursive=False)
    return path


def _archive(folder: Path, ref: str, changes: dict[str, bytes] | None = None) -> Path:
    """The archive of `ref` built from the snapshot copy; `changes` replaces files' content."""
    prefix = dict(upstream.ARCHIVES)[ref]
    base = SHARED_SNAPSHOT / prefix
    files = {}
    for p in sorted(base.rglob("*")):
        rel = p.relative_to(base).as_posix()
        if p.is_file() and (prefix or not rel.startswith("releases/")):  # extra files too: they are skipped
            files[f"{PREFIX[ref]}/{rel}"] = (changes or {}).get(rel, p)
    return _tar(folder / f"{ref}.tar.gz", files)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class ArchiveServer:
    """Serves a folder over HTTP on a free port (a stand-in for GitHub's archive downloads)."""

    def __init__(self, folder: Path):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{ref}}.tar.gz"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(folder: Path) -> str:
        servers.append(ArchiveServer(folder))
        return servers[-1].url

    yield start
    for s in servers:
        s.close()


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".partial-" in p.name] if parent.exists() else []


def _loaded(url: str) -> tuple:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version, loaded_at FROM geo.dataset").fetchone()


def test_corrupt_truncated_or_missing_archives_are_refused(tmp_path, serve, settings, db_url):
    bad = tmp_path / "bad"
    bad.mkdir()
    sql = (SHARED_SNAPSHOT / PRE_REFORM_SQL).read_bytes()
    assert b"'Ba \xc4\x90\xc3\xacnh'" in sql  # Quận Ba Đình: one name changed is enough
    _archive(
        bad, "v2.4.1", {"postgresql/ImportData_vn_units.sql": sql.replace(b"'Ba \xc4\x90\xc3\xacnh'", b"'Ba Dinh'", 1)}
    )
    url = serve(bad)
    dest, cache = tmp_path / "state" / "upstream", tmp_path / "state" / "downloads"
    with pytest.raises(SourceError) as exc:
        upstream.fetch(url, dest, cache, log=lambda *_: None)
    msg = str(exc.value)
    assert url.format(ref="v2.4.1") in msg and "1 file(s) with other content" in msg and PRE_REFORM_SQL in msg
    assert "loaded data are untouched" in msg
    assert not dest.exists() and _leftovers(dest.parent) == []
    assert not (cache / "v2.4.1.tar.gz").exists()  # a refused download is not kept for next time

    # A truncated archive (an interrupted transfer that still came with a 200).
    good = _archive(tmp_path, "v2.4.1").read_bytes()
    (bad / "v2.4.1.tar.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(SourceError, match=r"v2\.4\.1\.tar\.gz refused: unreadable archive \(EOFError"):
        upstream.fetch(url, dest, cache, log=lambda *_: None)
    assert not dest.exists() and _leftovers(dest.parent) == []

    # A file the manifest names is absent from the archive.
    _tar(bad / "v2.4.1.tar.gz", {f"{PREFIX['v2.4.1']}/README.md": b"no data"})
    with pytest.raises(SourceError, match="1 file\\(s\\) missing"):
        upstream.fetch(url, dest, cache, log=lambda *_: None)

    # No archive at all (404): the message says what to do without network.
    (bad / "v2.4.1.tar.gz").unlink()
    with pytest.raises(SourceError, match="could not download the upstream archive .*VNGEO_SOURCE_URL"):
        upstream.fetch(url, dest, cache, log=lambda *_: None)

    # Through the ETL: the load stops before touching the database; the loaded data stay.
    before = _loaded(db_url)
    fresh = settings.model_copy(
        update={"source_dir": tmp_path / "absent", "source_url": url, "state_dir": tmp_path / "state"}
    )
    with pytest.raises(SourceError, match="could not download"):
        load(fresh, db_url, log=lambda *_: None)
    assert _loaded(db_url) == before and not (tmp_path / "absent").exists()


def test_local_archive_path_for_offline_installs(tmp_path):
    folder = tmp_path / "archives"
    folder.mkdir()
    _archive(folder, "v2.4.1")
    with pytest.raises(SourceError, match=r"v3\.0\.2\.tar\.gz does not exist.*VNGEO_SOURCE_DIR"):
        upstream.fetch(str(folder / "{ref}.tar.gz"), tmp_path / "up", tmp_path / "dl", log=lambda *_: None)
    assert (folder / "v2.4.1.tar.gz").exists()  # the user's own archive is never deleted
    assert not (tmp_path / "up").exists() and _leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    folder = tmp_path_factory.mktemp("archives")
    t0 = time.monotonic()
    for ref, _ in upstream.ARCHIVES:
        _archive(folder, ref)
    print(
        f"\narchives built from {SHARED_SNAPSHOT} in {time.monotonic() - t0:.0f} s: "
        + ", ".join(f"{p.name} {p.stat().st_size / 2**20:.0f} MiB" for p in sorted(folder.iterdir()))
    )
    return folder


@pytest.fixture
def scratch_db(settings):
    """An empty database on the project's cluster, owned by the ETL role (dropped after)."""
    if settings.database_url:
        pytest.skip("DATABASE_URL: not the project's own cluster")
    port, name = local_pg_port(settings), f"vngeo_fresh_{os.getpid()}"
    admin = f"postgresql://postgres@127.0.0.1:{port}"
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name} OWNER {cluster.ETL_ROLE}")
    with psycopg.connect(f"{admin}/{name}", autocommit=True) as conn:
        for ext in cluster.EXTENSIONS:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
    yield f"postgresql://{cluster.ETL_ROLE}@127.0.0.1:{port}/{name}"
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_fresh_clone_fetches_verifies_and_loads(tmp_path, archives, serve, scratch_db):
    """Done when: the committed tree, cloned where no ../shared is beside it, loads from the archives."""
    clone = tmp_path / "checkout" / "vn-geodata"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    assert not (clone.parent.parent / "shared").exists() and not (clone.parent / "shared").exists()
    url = serve(archives)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VNGEO_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=scratch_db, VNGEO_SOURCE_URL=url, PYTHONPATH=str(clone))
    assert (clone / "data" / "powers" / "powers.csv").is_file()  # the catalogue comes from the repository
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "vngeo.cli", "etl", "load"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    source = clone / ".vngeo" / "upstream"
    assert f"upstream snapshot verified and unpacked into {source}" in r.stdout
    print(
        f"\nfresh clone: fetch + verify + load in {elapsed:.0f} s\n"
        + "\n".join(line for line in r.stdout.splitlines() if "in " in line and "s" in line)[-1500:]
    )
    assert (source / upstream.STAMP).read_text().split()[0] == upstream.manifest_id()
    assert _leftovers(source.parent) == []
    manifest.verify(source, manifest.read())  # what was unpacked is exactly what the manifest names
    assert sorted(
        p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file() and p.name != upstream.STAMP
    ) == sorted(manifest.read())
    with psycopg.connect(scratch_db) as conn:
        version, source_dir = conn.execute("SELECT version, source_dir FROM geo.dataset").fetchone()
        assert source_dir == str(source)
        counts = conn.execute(
            "SELECT count(*) FILTER (WHERE valid @> DATE '2026-10-01'), "
            "count(*) FILTER (WHERE valid @> DATE '2026-10-01' AND type = 'phuong') FROM geo.units "
            "WHERE level = 'commune'"
        ).fetchone()
        assert counts == (3321, 709)  # the 12 Bắc Ninh phường of data/amendments are applied
        gens = [g for (g,) in conn.execute("SELECT id FROM geo.generations ORDER BY ordinal")]
        assert gens[-2:] == ["2026-09-01", "2026-09-20"]
        n_corr = conn.execute("SELECT count(*) FROM geo.corrections").fetchone()[0]
        assert n_corr == len(read_corrections(clone / "data" / "corrections"))
    assert list((clone / ".vngeo" / "index").iterdir()), "the lookup index was built"
    # A second load finds the folder and downloads nothing.
    r2 = subprocess.run(
        [sys.executable, "-m", "vngeo.cli", "etl", "load", "--if-changed"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r2.returncode == 0 and "downloading" not in r2.stdout and "already loaded" in r2.stdout, (
        r2.stdout + r2.stderr
    )
