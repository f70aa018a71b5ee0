"""Generations and unit versions: the units on every date, from the snapshots and the amendments.

A unit is stored once per version: a version lasts while its type, name and parent stay the same.
Retyping 12 communes therefore adds 12 versions, not a copy of the country."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from etl.normalize import TYPE_EN, full_name, unit_record
from geodata.dates import REFORM_DAY  # defined once
from geodata.text import fold, nfc

VERSIONED = ("type", "name", "parent_code")  # a change in these starts a new version
CHANGE_KINDS = {"retype", "rename", "merge", "create", "dissolve"}


@dataclass
class Generation:
    id: str
    valid_from: date | None
    name: str
    legal_basis: str
    source: str
    valid_to: date | None = None  # last day, inclusive; None while current
    changes: list[dict] = field(default_factory=list)


class AmendmentError(ValueError):
    """An amendment record that cannot be applied; the message names file, record and field."""


def read_generations(path: Path) -> list[Generation]:
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["generation"]
    return [
        Generation(
            id=r["id"],
            valid_from=date.fromisoformat(r["valid_from"]) if r["valid_from"] else None,
            name=r["name"],
            legal_basis=r["legal_basis"],
            source=r["source"],
        )
        for r in rows
    ]


def read_amendments(folder: Path) -> list[dict]:
    """All amendment records of `folder` (*.toml, data/amendments/README.md), one per change, with
    their instrument's dates and sources, checked and sorted by effective date."""
    records = []
    for path in sorted(folder.glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise AmendmentError(f"{path.name}: {exc}") from None
        for i, ins in enumerate(doc.get("instrument", [])):
            head = f"{path.name} instrument {i} ({ins.get('id', '?')})"
            for key in ("id", "effective", "sources", "changes"):
                if not ins.get(key):
                    raise AmendmentError(f"{head}: missing {key}")
            for key in ("effective", "signed"):
                if key in ins and not isinstance(ins[key], date):
                    raise AmendmentError(f"{head}: {key} {ins[key]!r} is not a date (write YYYY-MM-DD, unquoted)")
            for j, change in enumerate(ins["changes"]):
                where = f"{head} change {j}"
                for key in ("change", "level", "code"):
                    if not change.get(key):
                        raise AmendmentError(f"{where}: missing {key}")
                if change["change"] not in CHANGE_KINDS:
                    raise AmendmentError(f"{where}: unknown change {change['change']!r}")
                records.append(
                    {
                        **change,
                        "instrument": ins["id"],
                        "title_vi": ins.get("title_vi"),
                        "signed": ins["signed"].isoformat() if ins.get("signed") else None,
                        "effective": ins["effective"].isoformat(),
                        "effective_date": ins["effective"],
                        "sources": list(ins["sources"]),
                        "confidence": ins.get("confidence"),
                        "where": where,
                    }
                )
    return sorted(records, key=lambda r: (r["effective_date"], r["instrument"], r["code"]))


def apply_amendment(state: dict, rec: dict) -> None:
    """Apply one record to the unit state {(level, code): record}, checking its `from` side."""
    key = (rec["level"], rec["code"])
    kind, before, after = rec["change"], rec.get("from") or {}, rec.get("to") or {}
    if kind == "create":
        if key in state:
            raise AmendmentError(f"{rec['where']}: create {rec['code']}, which already exists")
        name = nfc(after["name"]).split(" ", len(full_name(after["type"], "").split()) - 1)[-1]
        state[key] = {
            "code": rec["code"],
            "level": rec["level"],
            "type": after["type"],
            "name": name,
            "full_name": nfc(after["name"]),
            "parent_code": after.get("parent_code"),
            "name_en": fold(name).title(),
            "full_name_en": None,
        }
        return
    if key not in state:
        raise AmendmentError(f"{rec['where']}: code {rec['code']} ({rec['level']}) does not exist then")
    unit = state[key]
    if before.get("type") and before["type"] != unit["type"]:
        raise AmendmentError(f"{rec['where']}: from.type {before['type']!r} but the unit is {unit['type']!r}")
    if kind in ("dissolve", "merge"):
        del state[key]
        return
    unit = dict(unit)
    if after.get("type"):
        unit["type"] = after["type"]
    if after.get("name"):
        prefix = full_name(unit["type"], "")
        stem = nfc(after["name"])
        unit["name"] = stem[len(prefix) :] if stem.startswith(prefix) else stem
    unit["full_name"] = full_name(unit["type"], unit["name"])
    if unit.get("name_en"):
        unit["full_name_en"] = f"{unit['name_en']} {TYPE_EN[unit['type']]}"
    state[key] = unit


def _state(units: list[dict], notes: list[dict]) -> dict:
    return {(u["level"], u["code"]): unit_record(u, notes) for u in units}


def unit_versions(
    pre_reform: list[dict],
    reform: list[dict],
    snapshot: list[dict],
    generations: list[Generation],
    amendments: list[dict],
    notes: list[dict],
) -> tuple[list[Generation], list[dict]]:
    """Return the generations (with amendment-made ones appended) and every unit version.

    Each version carries `valid_from` and `valid_to` (exclusive; None = open)."""
    gens = list(generations)
    by_day: dict[date, list[dict]] = {}
    for rec in amendments:
        by_day.setdefault(rec["effective_date"], []).append(rec)
    for day, recs in sorted(by_day.items()):
        instruments = sorted({r["instrument"] for r in recs})
        gens.append(
            Generation(
                id=day.isoformat(),
                valid_from=day,
                source="amendments: " + ", ".join(sorted({r["where"].split(" ")[0] for r in recs})),
                name="; ".join(sorted({r.get("title_vi") or r["instrument"] for r in recs})),
                legal_basis="; ".join(instruments),
                changes=recs,
            )
        )
    for g, nxt in zip(gens, gens[1:]):
        g.valid_to = nxt.valid_from - timedelta(days=1)

    snap = _state(snapshot, notes)
    states = [_state(pre_reform, notes), _state(reform, notes), snap]
    # Spelling follows the newest list; a difference that folds equal is a spelling fix, not a rename.
    for key, unit in states[1].items():
        newer = snap.get(key)
        if newer and unit["name"] != newer["name"] and fold(unit["name"]) == fold(newer["name"]):
            unit.update(
                name=newer["name"], full_name=full_name(unit["type"], newer["name"]), search_key=newer["search_key"]
            )
        if newer and unit.get("full_name_en") != newer.get("full_name_en") and unit["type"] == newer["type"]:
            unit.update(name_en=newer["name_en"], full_name_en=newer["full_name_en"])
    state = snap
    for g in gens[3:]:
        state = dict(state)
        for rec in g.changes:
            apply_amendment(state, rec)
        states.append(state)

    versions: list[dict] = []
    # The reform is a hard break: codes were reused for different units, so no version spans it.
    _close_all(versions, states[0], gens[0].valid_from, REFORM_DAY, gens[0].id)
    open_: dict = {}
    for g, st in zip(gens[1:], states[1:]):
        for key in list(open_):
            if key not in st or any(st[key][f] != open_[key][f] for f in VERSIONED):
                open_.pop(key)["valid_to"] = g.valid_from
        for key, unit in st.items():
            if key not in open_:
                v = dict(unit, valid_from=g.valid_from, valid_to=None, generation_from=g.id)
                open_[key] = v
                versions.append(v)
            else:
                open_[key].update({k: unit[k] for k in unit if k not in VERSIONED})
    return gens, versions


def _close_all(versions, state, start, end, gen_id):
    for unit in state.values():
        versions.append(dict(unit, valid_from=start, valid_to=end, generation_from=gen_id))
