"""Load part: the powers catalogue (instruments, relations, powers) and the units that hold each power.

The catalogue is the project's own data (data/powers, settings.powers_dir) and is validated whole before the
database is touched: a bad row stops the load with file, row and column, and the live data stays.
Holders are resolved in SQL against the staged unit *versions*, so a unit that changes type (a xã
that becomes a phường) gains and loses type-specific powers on the day it changes."""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date
from pathlib import Path

import psycopg
from psycopg.types.range import Range

from etl import power_time
from etl.sources import SourceError
from geodata.dates import today
from geodata.powers.vocab import (
    CONFIDENCE,
    FROM_LEVELS,
    KINDS,
    LEVELS,
    MECHANISMS,
    PACKAGES,
    REFORM_DAY,
    SECTORS,
    SELECTOR_TYPES,
)
from geodata.text import fold

TABLES = ("instruments", "instrument_relations", "powers", "power_units")
INSTRUMENT_COLUMNS = (
    "id",
    "number",
    "kind",
    "title_vi",
    "title_en",
    "issuer",
    "signed",
    "effective",
    "expires",
    "sector",
    "scope",
    "package",
    "no_powers_reason",
    "source_url",
    "source_checked",
    "verified",
    "confidence",
    "notes",
)
POWER_COLUMNS = (
    "id",
    "instrument_id",
    "article",
    "sector",
    "holder_level",
    "holder_body",
    "mechanism",
    "from_level",
    "applies_to",
    "summary_vi",
    "summary_en",
    "valid_from",
    "valid_to",
    "ended_by",
    "ended_by_article",
    "replaced_by",
    "may_redelegate",
    "source_url",
    "verified",
    "confidence",
    "notes",
)
# Stored as given (the derived columns are added by stage()).
INSTRUMENT_STORED = INSTRUMENT_COLUMNS
POWER_STORED = tuple(c for c in POWER_COLUMNS if c not in ("valid_from", "valid_to", "may_redelegate"))
REQUIRED = {
    "id",
    "number",
    "kind",
    "title_vi",
    "issuer",
    "sector",
    "scope",
    "source_url",
    "confidence",
    "instrument_id",
    "holder_level",
    "holder_body",
    "mechanism",
    "from_level",
    "applies_to",
    "summary_vi",
    "summary_en",
}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CODE_RE = re.compile(r"^\d{2}$")
MAX_LISTED = 25


class CatalogueError(SourceError):
    """The catalogue is not loadable; the message names every bad cell (file, row, column).

    A SourceError, so `vngeo etl load` prints it as a message rather than a traceback."""


class _Errors(list):
    def add(self, file: str, row: int, column: str, message: str) -> None:
        self.append(f"{file} row {row}, column {column}: {message}")


def _read(path: Path, columns: tuple[str, ...], errors: _Errors) -> list[tuple[int, dict]]:
    """Rows as (row number in the file, header = row 1; cells NFC and trimmed)."""
    if not path.is_file():
        errors.append(f"{path}: file not found")
        return []
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = tuple(reader.fieldnames or ())
        if header != columns:
            missing = [c for c in columns if c not in header]
            extra = [c for c in header if c not in columns]
            errors.add(
                path.name,
                1,
                ", ".join(missing + extra) or "order",
                f"header must be {','.join(columns)} (missing {missing}, unexpected {extra})",
            )
            return []
        line = 1
        for rec in reader:
            start, line = line + 1, reader.line_num
            if None in rec or any(v is None for v in rec.values()):
                errors.add(
                    path.name,
                    start,
                    "*",
                    f"row has {len([v for v in rec.values() if v is not None])} cells, the header {len(columns)}",
                )
                continue
            rows.append((start, {k: unicodedata.normalize("NFC", v).strip() for k, v in rec.items()}))
    return rows


def _check_common(file: str, n: int, row: dict, vocab: dict, seen: set, errors: _Errors) -> None:
    for col in sorted(REQUIRED & row.keys()):
        if not row[col]:
            errors.add(file, n, col, "empty")
    if row["id"] in seen:
        errors.add(file, n, "id", f"duplicate id {row['id']!r}")
    seen.add(row["id"])
    for col, allowed in vocab.items():
        if row[col] and row[col] not in allowed:
            errors.add(file, n, col, f"{row[col]!r} is not one of {', '.join(allowed)}")


def _date(file: str, n: int, row: dict, col: str, errors: _Errors) -> date | None:
    text = row[col]
    if not text:
        return None
    try:
        if DATE_RE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    errors.add(file, n, col, f"{text!r} is not a date written YYYY-MM-DD")
    return None


def _instruments(path: Path, provinces: set[str], errors: _Errors) -> list[dict]:
    out, seen = [], set()
    for n, row in _read(path, INSTRUMENT_COLUMNS, errors):
        _check_common(
            path.name,
            n,
            row,
            {"kind": KINDS, "sector": SECTORS, "confidence": CONFIDENCE, "package": PACKAGES},
            seen,
            errors,
        )
        dates = {c: _date(path.name, n, row, c, errors) for c in ("signed", "effective", "expires")}
        start = dates["effective"] or REFORM_DAY
        if dates["expires"] and dates["expires"] <= start:
            errors.add(path.name, n, "expires", f"{dates['expires']} is not after the effective date {start}")
        if row["scope"] != "national":
            for code in row["scope"].split(";"):
                if not CODE_RE.match(code) or code not in provinces:
                    errors.add(path.name, n, "scope", f"{code!r} is not 'national' or a province code")
        out.append(dict(row, **dates, in_force_from=start, effective_confirmed=dates["effective"] is not None))
    return out


def parse_selector(text: str, level: str) -> tuple[str | None, str | None] | str:
    """(unit type or None, province code or None) for one applies_to selector, or why it is invalid."""
    if text == "all":
        return None, None
    if "@" in text:
        type_, _, code = text.partition("@")
    elif CODE_RE.match(text):
        type_, code = None, text
    else:
        type_, code = text, ""
    if type_ is not None and SELECTOR_TYPES.get(type_) is None:
        return f"{type_!r} is not a unit type selector ({', '.join(SELECTOR_TYPES)})"
    if type_ is not None and SELECTOR_TYPES[type_] != level:
        return f"{type_!r} selects {SELECTOR_TYPES[type_]} units but holder_level is {level}"
    if "@" in text and not CODE_RE.match(code):
        return f"{code!r} after '@' is not a 2-digit province code"
    return type_, code or None


def _powers(path: Path, instruments: dict[str, dict], provinces: set[str], errors: _Errors) -> list[dict]:
    out, seen = [], set()
    vocab = {
        "sector": SECTORS,
        "holder_level": LEVELS,
        "mechanism": MECHANISMS,
        "from_level": FROM_LEVELS,
        "confidence": CONFIDENCE,
    }
    for n, row in _read(path, POWER_COLUMNS, errors):
        _check_common(path.name, n, row, vocab, seen, errors)
        if row["instrument_id"] and row["instrument_id"] not in instruments:
            errors.add(path.name, n, "instrument_id", f"{row['instrument_id']!r} is not an id in instruments.csv")
        selectors = []
        parts = row["applies_to"].split(";") if row["applies_to"] else []
        if "all" in parts and len(parts) > 1:
            errors.add(path.name, n, "applies_to", "'all' cannot be combined with other selectors")
        for ordinal, text in enumerate(parts):
            parsed = parse_selector(text, row["holder_level"]) if row["holder_level"] in LEVELS else (None, None)
            if isinstance(parsed, str):
                errors.add(path.name, n, "applies_to", parsed)
            elif parsed[1] is not None and parsed[1] not in provinces:
                errors.add(path.name, n, "applies_to", f"{parsed[1]!r} is not a province code of the two-tier system")
            else:
                selectors.append((text, *parsed, ordinal))
        dates = {c: _date(path.name, n, row, c, errors) for c in ("valid_from", "valid_to")}
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            errors.add(path.name, n, "valid_to", f"{dates['valid_to']} is before valid_from {dates['valid_from']}")
        out.append(dict(row, **dates, selectors=selectors, _row=n))
    return out


def prepare(settings, src, prep: dict) -> dict:
    """Read and validate the whole catalogue; raise CatalogueError naming every bad cell."""
    root = Path(settings.powers_dir)
    provinces = {
        r["code"]
        for r in prep["rows"]
        if r["level"] == "province" and r["valid"][0] is not None and r["valid"][0] >= REFORM_DAY
    }
    errors = _Errors()
    instruments = _instruments(root / "instruments.csv", provinces, errors)
    by_id = {i["id"]: i for i in instruments}
    relations = power_time.read_relations(root / "relations.csv", by_id, errors, _read, _date)
    powers = _powers(root / "powers.csv", by_id, provinces, errors)
    power_time.check_links(powers, by_id, relations, errors, "powers.csv")
    for i in instruments:
        if i["package"] and i["no_powers_reason"] and any(p["instrument_id"] == i["id"] for p in powers):
            errors.add("instruments.csv", 0, "no_powers_reason", f"{i['id']} has power rows and a reason for none")
    power_time.instrument_times(instruments, relations)
    power_time.power_times(powers, by_id, errors, "powers.csv")
    if errors:
        shown = "; ".join(errors[:MAX_LISTED]) + (
            f"; ... and {len(errors) - MAX_LISTED} more" if len(errors) > MAX_LISTED else ""
        )
        raise CatalogueError(f"powers catalogue {root}: {len(errors)} error(s): {shown}")
    for p in powers:  # the instrument's number makes "151/2025" findable
        p["search_key"] = fold(
            " ".join(
                (p["summary_vi"], p["summary_en"], p["holder_body"], p["article"], by_id[p["instrument_id"]]["number"])
            )
        )
    return {"dir": str(root), "instruments": instruments, "relations": relations, "powers": powers}


def _null(v: str | None):
    return v or None


def _range(start, end) -> Range:
    return Range(start, end, bounds="[)")


def _redelegate(v: str) -> bool | None:
    return {"yes": True, "no": False}.get(v)


# One row per (power, unit version): the days the version exists *and* the power row is in force.
# Only two-tier versions (from the reform on) hold catalogue powers; the first selector that matches
# is recorded (selectors in a list are a union).
RESOLVE = """
INSERT INTO geo_stage.power_units (power_id, unit_id, selector, valid)
SELECT DISTINCT ON (s.power_id, u.id) s.power_id, u.id, s.selector, u.valid * p.valid
FROM unnest(%(power)s::text[], %(selector)s::text[], %(type)s::text[], %(province)s::text[], %(ord)s::int[])
     AS s(power_id, selector, type, province, ord)
JOIN geo_stage.powers p ON p.id = s.power_id
JOIN geo_stage.units u ON u.level = p.holder_level AND lower(u.valid) >= %(reform)s::date AND u.valid && p.valid
WHERE (s.type IS NULL OR u.type = s.type) AND (s.province IS NULL OR u.province_code = s.province)
ORDER BY s.power_id, u.id, s.ord"""


def stage(conn: psycopg.Connection, data: dict, prep: dict) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO geo_stage.instruments ({', '.join(INSTRUMENT_STORED)}, in_force, effective_confirmed, "
            f"search_key) VALUES ({', '.join(['%s'] * (len(INSTRUMENT_STORED) + 3))})",
            [
                (
                    *[i[c] if c in ("signed", "effective", "expires") else _null(i[c]) for c in INSTRUMENT_STORED],
                    _range(i["in_force_from"], i["in_force_until"]),
                    i["effective_confirmed"],
                    fold(" ".join((i["number"], i["title_vi"], i["title_en"]))),
                )
                for i in data["instruments"]
            ],
        )
        cur.executemany(
            f"INSERT INTO geo_stage.instrument_relations ({', '.join(power_time.RELATION_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(power_time.RELATION_COLUMNS))})",
            [
                tuple(r[c] if c in ("on_date", "until") else _null(r[c]) for c in power_time.RELATION_COLUMNS)
                for r in data["relations"]
            ],
        )
        cur.executemany(
            f"INSERT INTO geo_stage.powers ({', '.join(POWER_STORED)}, valid_from, valid_to, may_redelegate, "
            f"search_key, valid, end_kind) VALUES ({', '.join(['%s'] * (len(POWER_STORED) + 6))})",
            [
                (
                    *[_null(p[c]) for c in POWER_STORED],
                    p["valid_from"],
                    p["valid_to"],
                    _redelegate(p["may_redelegate"]),
                    p["search_key"],
                    _range(p["valid_start"], p["valid_end"]),
                    p["end_kind"],
                )
                for p in data["powers"]
            ],
        )
    sel = [(p["id"], *s) for p in data["powers"] for s in p["selectors"]]
    conn.execute("CREATE INDEX ON geo_stage.units (level, type, province_code)")
    conn.execute(
        RESOLVE,
        {
            "power": [s[0] for s in sel],
            "selector": [s[1] for s in sel],
            "type": [s[2] for s in sel],
            "province": [s[3] for s in sel],
            "ord": [s[4] for s in sel],
            "reform": REFORM_DAY,
        },
    )
    conn.execute("ANALYZE geo_stage.power_units")


def _count_by(conn, schema: str, column: str) -> dict:
    return dict(
        conn.execute(f"SELECT {column}, count(*) FROM {schema}.powers GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    )


UNITS_WITHOUT = """
SELECT u.level, u.code, u.full_name FROM {s}.units u
WHERE u.valid @> %(d)s::date AND u.level IN ('province', 'commune')
  AND NOT EXISTS (SELECT 1 FROM {s}.power_units pu WHERE pu.unit_id = u.id AND pu.valid @> %(d)s::date)
ORDER BY u.level DESC, u.code"""

POWERS_WITHOUT = """
SELECT p.id, p.applies_to, i.id AS instrument, lower(p.valid) AS from_, upper(p.valid) AS until,
       EXISTS (SELECT 1 FROM {s}.power_units pu WHERE pu.power_id = p.id) AS ever
FROM {s}.powers p JOIN {s}.instruments i ON i.id = p.instrument_id
WHERE p.valid @> %(d)s::date  -- in force that day (an ended row is held by no unit by design)
  AND NOT EXISTS (SELECT 1 FROM {s}.power_units pu WHERE pu.power_id = p.id AND pu.valid @> %(d)s::date)
ORDER BY p.id"""


def report(conn: psycopg.Connection, schema: str, data: dict) -> dict:
    """Counts of the catalogue and of its resolution; every figure from the staged tables."""
    s, day = schema, today()
    inst = conn.execute(f"""SELECT count(*), count(*) FILTER (WHERE NOT effective_confirmed),
        count(*) FILTER (WHERE expires IS NOT NULL),
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {s}.powers p WHERE p.instrument_id = i.id))
        FROM {s}.instruments i""").fetchone()
    unconfirmed = [
        r[0] for r in conn.execute(f"SELECT id FROM {s}.instruments WHERE NOT effective_confirmed ORDER BY id")
    ]
    without = conn.execute(UNITS_WITHOUT.format(s=s), {"d": day}).fetchall()
    unresolved = conn.execute(POWERS_WITHOUT.format(s=s), {"d": day}).fetchall()
    # The same two checks on the first day of each two-tier generation (instruments start and stop).
    days = [
        r[0]
        for r in conn.execute(
            f"SELECT valid_from FROM {s}.generations WHERE valid_from >= %s ORDER BY valid_from", (REFORM_DAY,)
        )
    ]
    by_day = {
        d.isoformat(): {
            "units_without_powers": len(conn.execute(UNITS_WITHOUT.format(s=s), {"d": d}).fetchall()),
            "powers_without_units": [r[0] for r in conn.execute(POWERS_WITHOUT.format(s=s), {"d": d})],
        }
        for d in days
    }
    links = conn.execute(f"SELECT count(*), count(DISTINCT unit_id) FROM {s}.power_units").fetchone()
    levels = _count_by(conn, s, "holder_level")
    summary = [
        f"  powers: {sum(levels.values())} ({', '.join(f'{k} {v}' for k, v in levels.items())}) from "
        f"{inst[3]} of {inst[0]} instruments ({inst[1]} with unconfirmed effective date); "
        f"{links[0]:,} unit-version links",
        f"  on {day}: units holding no power {len(without)}, powers held by no unit {len(unresolved)}",
    ]
    return {
        "summary": summary,
        "catalogue_dir": data["dir"],
        "instruments": {
            "count": inst[0],
            "with_powers": inst[3],
            "with_expiry": inst[2],
            "effective_unconfirmed": {"count": inst[1], "ids": unconfirmed, "treated_as_from": REFORM_DAY.isoformat()},
            "by_kind": dict(
                conn.execute(f"SELECT kind, count(*) FROM {s}.instruments GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
            ),
            "by_confidence": dict(
                conn.execute(
                    f"SELECT confidence, count(*) FROM {s}.instruments GROUP BY 1 ORDER BY 2 DESC, 1"
                ).fetchall()
            ),
        },
        "powers": {
            "count": sum(_count_by(conn, s, "sector").values()),
            **{
                f"by_{c}": _count_by(conn, s, c)
                for c in ("sector", "holder_level", "mechanism", "from_level", "confidence")
            },
        },
        "links": {"rows": links[0], "unit_versions": links[1]},
        "relations": dict(
            conn.execute(
                f"SELECT relation, count(*) FROM {s}.instrument_relations GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
        ),
        "end_kinds": {
            k or "open": v
            for k, v in conn.execute(
                f"SELECT end_kind, count(*) FROM {s}.powers GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
        },
        "status_on_as_of": dict(
            conn.execute(
                f"SELECT CASE WHEN valid @> %(d)s::date THEN 'in_force' WHEN lower(valid) > %(d)s::date THEN 'not_yet' "
                f"ELSE 'ended' END, count(*) FROM {s}.powers GROUP BY 1 ORDER BY 1",
                {"d": day},
            ).fetchall()
        ),
        "as_of": day.isoformat(),
        "units_without_powers": {
            "count": len(without),
            "units": [{"level": lv, "code": c, "name": n} for lv, c, n in without[:200]],
        },
        "powers_without_units": {
            "count": len(unresolved),
            "never": sum(1 for r in unresolved if not r[5]),
            "powers": [
                {
                    "id": i,
                    "applies_to": a,
                    "instrument": ins,
                    "in_force_from": f,
                    "in_force_until": u,
                    "resolves_on_other_days": ever,
                }
                for i, a, ins, f, u, ever in unresolved
            ],
        },
        "generation_days": by_day,
    }
