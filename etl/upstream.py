"""The upstream snapshot: used where it is, or fetched pinned, verified and unpacked (data/README.md).

`ensure(settings)` returns the source folder the ETL reads. When settings.source_dir is absent it
downloads the pinned archives of thanglequoc/vietnamese-provinces-database (the snapshot commit and
the two tagged releases the ETL reads), unpacks into a temporary folder beside the target only the
files data/upstream/manifest.tsv names, checks each file's canonical content against it (whatever
the archive's layout: GitHub wraps everything in one top folder), and only then renames the folder
into place. A download or check that fails leaves no folder in use and nothing loaded is touched:
the load has not started. pooch does the downloading (streamed to a temporary file, moved into the
download cache when complete; tqdm progress bar)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from etl import manifest
from etl.sources import SourceError

REPO = "thanglequoc/vietnamese-provinces-database"
COMMIT = "cd58063299585146ded3981f2272946ef19ced54"  # the snapshot (2026-08-02, release line v4.2.0)
# (archive ref, where its files go in the source folder): the tagged releases the ETL reads first
# (small: a corrupt archive is refused before the large one is downloaded), then the snapshot.
ARCHIVES = (("v2.4.1", "releases/v2.4.1/"), ("v3.0.2", "releases/v3.0.2/"), (COMMIT, ""))
STAMP = ".vngeo-verified"  # written last into a fetched folder: the manifest it was checked against
OFFLINE_HELP = (
    "Without network: download the three archives ({refs}) elsewhere and set VNGEO_SOURCE_URL to "
    "their local path with {{ref}} in place of the name (e.g. /srv/vpd/{{ref}}.tar.gz), or to a mirror's "
    "URL; or set VNGEO_SOURCE_DIR to an unpacked copy of the snapshot (data/README.md)."
)


def manifest_id() -> str:
    return hashlib.sha256(manifest.MANIFEST.read_bytes()).hexdigest()[:16]


def ensure(settings, log=print) -> Path:
    """The source folder, fetched first if it is absent (or was fetched for another manifest)."""
    root = Path(settings.source_dir)
    stamp = root / STAMP
    if root.is_dir() and (not stamp.exists() or stamp.read_text().split()[0] == manifest_id()):
        return root
    fetch(settings.source_url, root, settings.state_dir / "downloads", log)
    return root


def _help() -> str:
    return OFFLINE_HELP.format(refs=", ".join(ref for ref, _ in ARCHIVES))


def _download(template: str, ref: str, cache: Path, log) -> tuple[Path, str]:
    import pooch
    import requests

    url = template.format(ref=ref)
    if "://" not in url or url.startswith("file://"):  # a local archive: offline installs
        path = Path(url.removeprefix("file://"))
        if not path.is_file():
            raise SourceError(f"upstream archive {url} does not exist. {_help()}")
        return path, url
    cache.mkdir(parents=True, exist_ok=True)
    log(f"downloading {url}")
    pooch.get_logger().setLevel("WARNING")  # its hints about known_hash do not apply: content is checked
    try:
        return Path(pooch.retrieve(url, known_hash=None, fname=f"{ref}.tar.gz", path=cache, progressbar=True)), url
    except (requests.RequestException, OSError, ValueError) as exc:
        raise SourceError(
            f"could not download the upstream archive {url} ({type(exc).__name__}: {exc}). {_help()}"
        ) from None


def _unpack(archive: Path, want: dict[str, str], work: Path) -> int:
    """Copy the files named by `want` ({path in the archive, without its wrapping: path in the source
    folder}) out of a tar archive (gz, bz2 or xz); return how many were found."""
    found = 0
    with (
        tarfile.open(archive) as tar,
        tqdm(total=len(want), unit=" files", desc=f"unpack {archive.name}", disable=None, leave=False) as bar,
    ):
        for member in tar:
            if not member.isfile():
                continue
            parts = PurePosixPath(member.name).parts
            rel = next(("/".join(parts[k:]) for k in range(len(parts)) if "/".join(parts[k:]) in want), None)
            if rel is None:
                continue
            target = work / want[rel]
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            found += 1
            bar.update()
    return found


def fetch(template: str, dest: Path, cache: Path, log=print) -> None:
    """Download, unpack and verify every archive into a temporary folder, then move it to dest."""
    expected = manifest.read()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        for ref, prefix in ARCHIVES:
            mine = {
                rel: d
                for rel, d in expected.items()
                if rel.startswith(prefix) and (prefix or not rel.startswith("releases/"))
            }
            archive, url = _download(template, ref, cache, log)
            try:
                n = _unpack(archive, {rel[len(prefix) :]: rel for rel in mine}, work)
                manifest.verify(
                    work,
                    mine,
                    lambda rels, ref=ref: tqdm(rels, desc=f"verify {ref}", unit=" files", disable=None, leave=False),
                )
            except (manifest.ManifestError, tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                if url != str(archive):
                    archive.unlink(missing_ok=True)  # a bad download is never used again
                why = (
                    str(exc)
                    if isinstance(exc, manifest.ManifestError)
                    else f"unreadable archive ({type(exc).__name__}: {exc})"
                )
                raise SourceError(
                    f"upstream archive {url} refused: {why}. Nothing was unpacked into {dest} "
                    f"and the loaded data are untouched. Check VNGEO_SOURCE_URL, or fetch again. "
                    f"{_help()}"
                ) from None
            log(f"{url}: {n} files, content as in {manifest.MANIFEST.relative_to(manifest.ROOT)}")
        (work / STAMP).write_text(f"{manifest_id()} {REPO}@{COMMIT} {' '.join(r for r, _ in ARCHIVES[:-1])}\n")
        old = None
        if dest.exists():  # fetched for an older manifest: swap, then drop it
            old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
            dest.rename(old)
        work.rename(dest)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        log(f"upstream snapshot verified and unpacked into {dest}")
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
