"""Cited corrections of known source errors (data/corrections/*.toml), applied as data, reported."""

from __future__ import annotations

import tomllib
from pathlib import Path

from geodata.settings import DATA_DIR

FOLDER = DATA_DIR / "corrections"
DATASETS = {"units", "attributes", "geo_objects", "boundaries"}
ACTIONS = {"set", "flag"}
REQUIRED = ("id", "dataset", "key", "field", "action", "reason", "source")


class CorrectionError(ValueError):
    """A malformed correction file; the message names file, record and field."""


def read_corrections(folder: Path = FOLDER) -> list[dict]:
    out, seen = [], set()
    for path in sorted(folder.glob("*.toml")):
        for i, rec in enumerate(tomllib.loads(path.read_text(encoding="utf-8")).get("correction", [])):
            where = f"{path.name} correction {i} ({rec.get('id', '?')})"
            missing = [k for k in REQUIRED if k not in rec]
            if missing:
                raise CorrectionError(f"{where}: missing {', '.join(missing)}")
            if rec["dataset"] not in DATASETS or rec["action"] not in ACTIONS:
                raise CorrectionError(
                    f"{where}: dataset must be one of {sorted(DATASETS)}, action one of {sorted(ACTIONS)}"
                )
            if rec["action"] == "set" and "to" not in rec:
                raise CorrectionError(f"{where}: action 'set' needs a 'to' value")
            if rec["id"] in seen:
                raise CorrectionError(f"{where}: duplicate id")
            seen.add(rec["id"])
            out.append(dict(rec, file=path.name, applied=False))
    return out


def matches(current, expected) -> bool:
    """Does the source still hold the value the correction was written against?"""
    if "from" not in expected:
        return True
    want = expected["from"]
    if current == want or str(current) == str(want):
        return True
    try:
        return abs(float(current) - float(want)) < 1e-9
    except (TypeError, ValueError):
        return False


def apply(records: dict[str, dict], corr: dict, field: str | None = None) -> bool:
    """Apply one correction to {key: record}; mark it applied; return whether it changed data."""
    rec = records.get(corr["key"])
    field = field or corr["field"]
    if rec is None or (corr["action"] == "set" and not matches(rec.get(field), corr)):
        return False
    if corr["action"] == "set":
        rec[field] = corr["to"]
    else:
        rec.setdefault("_flags", {})[corr["field"]] = corr["reason"]
        if isinstance(rec.get(field), (int, float)) and not isinstance(rec.get(field), bool):
            rec[field] = None  # never publish a figure known to be wrong
    rec.setdefault("_sources", {})[corr["field"]] = f"correction {corr['id']}: {corr['source']}"
    corr["applied"] = True
    return True
