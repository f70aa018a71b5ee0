"""Time in the powers catalogue: instrument relations (relations.csv) and the days each power row is in force.

An instrument is in force from its effective date (the reform day when unconfirmed) until the first of:
its sunset (`expires`, moved later by an 'extends' relation), or the day a later instrument repeals or
replaces it whole. A power row is in force over its instrument's time cut by the row's own valid_from /
valid_to. An extension is a row of relations.csv, never a code change: the rows without a valid_to of
their own follow their instrument's new sunset."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from geodata.powers.vocab import CONFIDENCE, RELATIONS

RELATION_COLUMNS = (
    "instrument_id",
    "relation",
    "target_id",
    "target_article",
    "on_date",
    "until",
    "article",
    "source_url",
    "confidence",
    "notes",
)
WHOLE_END = ("repeals", "replaces")


def read_relations(path: Path, instruments: dict[str, dict], errors, read, as_date) -> list[dict]:
    """relations.csv rows, validated; `read` and `as_date` are etl.powers' CSV reader and date parser."""
    out = []
    for n, row in read(path, RELATION_COLUMNS, errors):
        for col in ("instrument_id", "relation", "target_id", "source_url", "confidence"):
            if not row[col]:
                errors.add(path.name, n, col, "empty")
        for col in ("instrument_id", "target_id"):
            if row[col] and row[col] not in instruments:
                errors.add(path.name, n, col, f"{row[col]!r} is not an id in instruments.csv")
        if row["relation"] and row["relation"] not in RELATIONS:
            errors.add(path.name, n, "relation", f"{row['relation']!r} is not one of {', '.join(RELATIONS)}")
        if row["confidence"] and row["confidence"] not in CONFIDENCE:
            errors.add(path.name, n, "confidence", f"{row['confidence']!r} is not one of {', '.join(CONFIDENCE)}")
        if row["instrument_id"] and row["instrument_id"] == row["target_id"]:
            errors.add(path.name, n, "target_id", "an instrument cannot act on itself")
        dates = {c: as_date(path.name, n, row, c, errors) for c in ("on_date", "until")}
        if row["relation"] == "extends" and not dates["until"]:
            errors.add(path.name, n, "until", "an 'extends' relation needs the new first day out of force")
        if row["relation"] != "extends" and dates["until"]:
            errors.add(path.name, n, "until", "only an 'extends' relation has an until date")
        if row["relation"] in WHOLE_END and not row["target_article"] and not dates["on_date"]:
            errors.add(path.name, n, "on_date", "a whole-text repeal or replacement needs the day it applies")
        out.append(dict(row, **dates))
    return out


def instrument_times(instruments: list[dict], relations: list[dict]) -> None:
    """Set in_force_from, in_force_until (exclusive; None open) and ended_by on each instrument."""
    for i in instruments:
        until, i["ended_by"] = i["expires"], None
        extended = [
            r["until"]
            for r in relations
            if r["target_id"] == i["id"] and r["relation"] == "extends" and not r["target_article"]
        ]
        if extended:
            until = max(extended)
        for r in sorted(relations, key=lambda r: r["on_date"] or date.max):
            if (
                r["target_id"] == i["id"]
                and r["relation"] in WHOLE_END
                and not r["target_article"]
                and (until is None or r["on_date"] < until)
            ):
                until, i["ended_by"] = r["on_date"], r
                break
        i["in_force_until"] = until


def power_times(powers: list[dict], by_id: dict[str, dict], errors, file: str) -> None:
    """Set valid_start / valid_end (exclusive), ended_by / ended_by_article (derived when a whole-text
    repeal ended the instrument) and end_kind on each power; a row out of force on every day is an error."""
    for p in powers:
        i = by_id.get(p["instrument_id"])
        if i is None:
            continue
        start = max(i["in_force_from"], p["valid_from"]) if p["valid_from"] else i["in_force_from"]
        own_end = p["valid_to"] + timedelta(days=1) if p["valid_to"] else None
        end, kind = i["in_force_until"], None
        if end is not None:
            kind = "ended_by" if i["ended_by"] else "sunset"
        if own_end is not None and (end is None or own_end <= end):
            end, kind = own_end, "ended_by" if p["ended_by"] else "own_end"
        if kind == "ended_by" and not p["ended_by"]:  # the whole instrument was repealed or replaced
            rel = i["ended_by"]
            p["ended_by"] = rel["instrument_id"]
            p["ended_by_article"] = f"{by_id[rel['instrument_id']]['number']} {rel['article']}".strip()
        if end is not None and end <= start:
            errors.add(file, p["_row"], "valid_to", f"the row is never in force: from {start} to before {end}")
        p.update(valid_start=start, valid_end=end, end_kind=kind)


def check_links(powers: list[dict], by_id: dict[str, dict], relations: list[dict], errors, file: str) -> None:
    """ended_by names an instrument related to the row's own; replaced_by names power rows."""
    ids = {p["id"] for p in powers}
    related = {(r["instrument_id"], r["target_id"]) for r in relations}
    for p in powers:
        n = p["_row"]
        if p["ended_by"]:
            if p["ended_by"] not in by_id:
                errors.add(file, n, "ended_by", f"{p['ended_by']!r} is not an id in instruments.csv")
            elif (p["ended_by"], p["instrument_id"]) not in related:
                errors.add(
                    file,
                    n,
                    "ended_by",
                    f"relations.csv has no row for {p['ended_by']} acting on {p['instrument_id']}: record how it does",
                )
            if not p["valid_to"]:
                errors.add(file, n, "valid_to", "a row ended_by a later instrument needs its last day in force")
            if not p["ended_by_article"]:
                errors.add(file, n, "ended_by_article", "name the article that ended the row")
        for other in p["replaced_by"].split(";") if p["replaced_by"] else []:
            if other not in ids:
                errors.add(file, n, "replaced_by", f"{other!r} is not a power id in {file}")
            elif other == p["id"]:
                errors.add(file, n, "replaced_by", "a row cannot replace itself")
        if p["may_redelegate"] not in ("", "yes", "no"):
            errors.add(file, n, "may_redelegate", f"{p['may_redelegate']!r} is not yes, no or empty")
