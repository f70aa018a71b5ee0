"""The content manifest of the upstream files the ETL reads (data/upstream/manifest.tsv).

A file's hash is the SHA-256 of its *parsed, canonical* content, not of its bytes: the copy in
../shared/data was re-serialised (GeoJSON without whitespace, attribute files with geometry set to
null), so the same manifest must match that copy and upstream's original archives alike. Canonical
content, by kind of file:
  - GeoJSON boundaries and the JSON unit lists: the whole parsed document, keys sorted;
  - the official map's attribute files: the features' properties only (all the ETL reads of them);
  - SQL dumps: the rows of every INSERT, per table, as parsed by etl/sqlvalues.py;
  - LICENSE: the text with line ends normalised.
Numbers compare as parsed values, so 105.850000 and 105.85 hash the same."""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from etl import sources
from etl.sqlvalues import insert_rows
from geodata.settings import DATA_DIR

ROOT = DATA_DIR.parent  # messages name the manifest relative to this (data/upstream/manifest.tsv)
MANIFEST = DATA_DIR / "upstream" / "manifest.tsv"
_TABLES = re.compile(r"INSERT INTO\s+(\w+)\s*\(", re.IGNORECASE)


class ManifestError(Exception):
    """A file is missing from a source folder or its content differs from the manifest."""


def _canon_json(data: bytes) -> bytes:
    return orjson.dumps(orjson.loads(data), option=orjson.OPT_SORT_KEYS)


def _canon_attributes(data: bytes) -> bytes:
    doc = orjson.loads(data)
    return orjson.dumps([f.get("properties") for f in doc.get("features") or []], option=orjson.OPT_SORT_KEYS)


def _canon_sql(data: bytes) -> bytes:
    text = data.decode("utf-8")
    tables = sorted({t.lower() for t in _TABLES.findall(text)})
    return orjson.dumps({t: list(insert_rows(text, t)) for t in tables}, option=orjson.OPT_SORT_KEYS)


def _canon_text(data: bytes) -> bytes:
    return data.decode("utf-8").replace("\r\n", "\n").strip().encode()


def canonical(rel: str) -> Callable[[bytes], bytes]:
    """The canonical form of the file at `rel` (a path relative to the source folder)."""
    if rel.startswith(sources.ATTRIBUTES_DIR + "/"):
        return _canon_attributes
    if rel.endswith((".json", ".geojson")):
        return _canon_json
    if rel.endswith(".sql"):
        return _canon_sql
    return _canon_text


def content_hash(path: Path, rel: str) -> str:
    try:
        return hashlib.sha256(canonical(rel)(path.read_bytes())).hexdigest()
    except (ValueError, UnicodeDecodeError, orjson.JSONDecodeError, AttributeError, TypeError) as exc:
        return f"unreadable: {type(exc).__name__}"


def read_files(root: Path) -> list[str]:
    """The paths (relative to root) of every file the ETL reads, found the way etl/sources.py finds them."""
    root = Path(root)
    rels = ["LICENSE", sources.REFORM_UNITS, sources.PRE_REFORM_SQL, sources.GEO_OBJECTS_SQL]
    current = sorted(glob.glob(str(root / sources.CURRENT_UNITS_GLOB)))
    rels += [str(Path(p).relative_to(root)) for p in current[-1:]]
    for pattern in (
        f"{sources.BOUNDARIES_DIR}/*/*.geojson",
        f"{sources.BOUNDARIES_DIR}/*/wards/*.geojson",
        f"{sources.ATTRIBUTES_DIR}/*.geojson",
    ):
        rels += sorted(str(Path(p).relative_to(root)) for p in glob.glob(str(root / pattern)))
    return rels


def compute(root: Path, rels: Iterable[str] | None = None, progress=None) -> dict[str, str]:
    """{relative path: content hash} for the given files (default: what the ETL reads)."""
    rels = list(rels if rels is not None else read_files(root))
    out = {}
    for rel in progress(rels) if progress else rels:
        p = Path(root) / rel
        out[rel] = content_hash(p, rel) if p.is_file() else "missing"
    return out


def read(path: Path = MANIFEST) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            digest, rel = line.split(maxsplit=1)
            out[rel] = digest
    return out


def write(entries: dict[str, str], header: str, path: Path = MANIFEST) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {h}" for h in header.splitlines()] + [f"{d}  {rel}" for rel, d in sorted(entries.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def verify(root: Path, expected: dict[str, str], progress=None) -> None:
    """Raise ManifestError naming the files missing or different; return when all match."""
    got = compute(root, expected, progress)
    missing = sorted(r for r, d in got.items() if d == "missing")
    differ = sorted(r for r, d in got.items() if d != "missing" and d != expected[r])
    if missing or differ:
        parts = []
        if missing:
            parts.append(f"{len(missing)} file(s) missing (e.g. {', '.join(missing[:3])})")
        if differ:
            parts.append(f"{len(differ)} file(s) with other content than the manifest (e.g. {', '.join(differ[:3])})")
        raise ManifestError(f"{root}: " + "; ".join(parts) + f" [manifest {MANIFEST.relative_to(ROOT)}]")
