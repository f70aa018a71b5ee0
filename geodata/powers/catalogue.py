"""The powers catalogue: instruments, powers, who holds them on a day. Queries behind /v1/powers,
/v1/instruments, /v1/units/{code}/powers and /v1/compare; layer joins for power counts."""

from __future__ import annotations

import re
from datetime import date

from psycopg import AsyncConnection

from geodata.dates import today
from geodata.errors import InvalidInput, NotFound
from geodata.powers import events as power_events
from geodata.powers.vocab import REFORM_DAY, check_choice
from geodata.text import fold
from geodata.units import queries as units
from geodata.units.queries import last_day

ID_RE = re.compile(r"^[a-z0-9-]{1,60}$")
MAX_QUERY = 200

INSTRUMENT_FIELDS = """
i.id AS i_id, i.number AS i_number, i.kind AS i_kind, i.title_vi AS i_title_vi, i.title_en AS i_title_en,
i.issuer AS i_issuer, i.signed AS i_signed, i.effective AS i_effective, i.expires AS i_expires,
lower(i.in_force) AS i_from, i.effective_confirmed AS i_confirmed, i.sector AS i_sector, i.scope AS i_scope,
i.source_url AS i_source_url, i.source_checked AS i_source_checked, i.confidence AS i_confidence,
i.notes AS i_notes, i.package AS i_package, i.no_powers_reason AS i_no_powers_reason, i.verified AS i_verified,
upper(i.in_force) AS i_until"""

POWER_FIELDS = (
    """
p.id, p.article, p.sector, p.holder_level, p.holder_body, p.mechanism, p.from_level, p.applies_to,
p.summary_vi, p.summary_en, p.source_url, p.confidence, p.verified, p.notes, p.may_redelegate,
lower(p.valid) AS valid_start, upper(p.valid) AS valid_end, p.end_kind, p.ended_by_article, p.replaced_by,
e.id AS e_id, e.number AS e_number,
CASE WHEN p.valid @> %(d)s::date THEN 'in_force' WHEN lower(p.valid) > %(d)s::date THEN 'not_yet' ELSE 'ended' END
  AS status, """
    + INSTRUMENT_FIELDS
)

# The instrument that ended a power, if any: join with POWER_FROM.
POWER_FROM = (
    "geo.powers p JOIN geo.instruments i ON i.id = p.instrument_id LEFT JOIN geo.instruments e ON e.id = p.ended_by"
)

UNCONFIRMED = (
    "the sources read did not confirm this instrument's effective date; it is treated as in force "
    f"from the reform, {REFORM_DAY.isoformat()}"
)


def _split(text: str | None, sep: str) -> list[str]:
    return [s.strip() for s in text.split(sep) if s.strip()] if text else []


def instrument_json(r: dict, full: bool = True) -> dict:
    out = {
        "id": r["i_id"],
        "number": r["i_number"],
        "kind": r["i_kind"],
        "title_vi": r["i_title_vi"],
        "title_en": r["i_title_en"],
        "signed": r["i_signed"],
        "effective": r["i_effective"],
        "expires": r["i_expires"],
        "in_force_from": r["i_from"],
        "effective_confirmed": r["i_confirmed"],
        "source_url": r["i_source_url"],
        "confidence": r["i_confidence"],
        "package": r["i_package"],
        "in_force_until": last_day(r["i_until"]),
    }
    if not r["i_confirmed"]:
        out["note"] = UNCONFIRMED
    if full:
        out.update(
            issuer=r["i_issuer"],
            sector=r["i_sector"],
            scope=_split(r["i_scope"], ";"),
            source_checked=_split(r["i_source_checked"], " ; "),
            verified=r["i_verified"],
            notes=r["i_notes"],
            no_powers_reason=r["i_no_powers_reason"],
        )
    return out


def power_json(r: dict) -> dict:
    """One power row with its time in force: valid_to is its last day (inclusive), null while open-ended;
    status is on the day asked; ended_by names the later instrument and article that ended it, or the
    instrument's sunset; replaced_by the rows that took it over."""
    ended_by = None
    if r["end_kind"] == "ended_by":
        ended_by = {"instrument": r["e_id"], "number": r["e_number"], "article": r["ended_by_article"]}
    elif r["end_kind"] == "sunset":
        ended_by = {"instrument": r["i_id"], "number": r["i_number"], "article": None, "sunset": True}
    return {
        "id": r["id"],
        "sector": r["sector"],
        "mechanism": r["mechanism"],
        "holder_level": r["holder_level"],
        "holder_body": r["holder_body"],
        "from_level": r["from_level"],
        "applies_to": _split(r["applies_to"], ";"),
        "summary_vi": r["summary_vi"],
        "summary_en": r["summary_en"],
        "article": r["article"],
        "valid_from": r["valid_start"],
        "valid_to": last_day(r["valid_end"]),
        "status": r["status"],
        "ended_by": ended_by,
        "end_kind": r["end_kind"],
        "replaced_by": _split(r["replaced_by"], ";"),
        "may_redelegate": r["may_redelegate"],
        "confidence": r["confidence"],
        "verified": r["verified"],
        "sources": _split(r["source_url"], " ; "),
        "source_url": _split(r["source_url"], " ; "),
        "notes": r["notes"],
        "instrument": instrument_json(r, full=False),
    }


def query_words(q: str | None) -> list[str] | None:
    """Folded words of a search; every one must begin a word of the folded text."""
    if q is None:
        return None
    if len(q) > MAX_QUERY:
        raise InvalidInput(f"q is limited to {MAX_QUERY} characters", parameter="q")
    words = fold(q).split()
    if not words:
        raise InvalidInput("q must contain letters or digits", parameter="q")
    return words


# Each word must start a word of the key: ' ' || key contains ' ' || word.
WORDS_MATCH = """(%(words)s::text[] IS NULL OR NOT EXISTS (
    SELECT 1 FROM unnest(%(words)s::text[]) w WHERE strpos(' ' || {key}, ' ' || w) = 0))"""

LIST_SQL = f"""
SELECT {POWER_FIELDS},
       (SELECT count(*) FROM geo.power_units pu WHERE pu.power_id = p.id AND pu.valid @> %(d)s::date) AS holders,
       count(*) OVER () AS total
FROM {POWER_FROM}
WHERE (%(sector)s::text IS NULL OR p.sector = %(sector)s)
  AND (%(status)s::text IS NULL OR %(status)s = CASE WHEN p.valid @> %(d)s::date THEN 'in_force'
                                                    WHEN lower(p.valid) > %(d)s::date THEN 'not_yet' ELSE 'ended' END)
  AND (%(level)s::text IS NULL OR p.holder_level = %(level)s)
  AND (%(mechanism)s::text IS NULL OR p.mechanism = %(mechanism)s)
  AND (%(confidence)s::text IS NULL OR p.confidence = %(confidence)s)
  AND (%(instrument)s::text IS NULL OR p.instrument_id = %(instrument)s)
  AND {WORDS_MATCH.format(key="p.search_key")}
ORDER BY p.id LIMIT %(limit)s OFFSET %(offset)s"""


async def list_powers(
    conn: AsyncConnection,
    as_of: date,
    *,
    sector=None,
    level=None,
    mechanism=None,
    confidence=None,
    instrument=None,
    q=None,
    status=None,
    limit=100,
    offset=0,
) -> dict:
    """The catalogue, filtered; `holders` = unit versions holding each power on as_of; `status` on as_of."""
    check_choice("status", status)
    check_choice("sector", sector)
    check_choice("level", level)
    check_choice("mechanism", mechanism)
    check_choice("confidence", confidence)
    if instrument is not None:
        await _instrument_row(conn, instrument)
    rows = await (
        await conn.execute(
            LIST_SQL,
            {
                "d": as_of,
                "sector": sector,
                "level": level,
                "mechanism": mechanism,
                "confidence": confidence,
                "instrument": instrument,
                "words": query_words(q),
                "status": status,
                "limit": limit,
                "offset": offset,
            },
        )
    ).fetchall()
    total = rows[0]["total"] if rows else 0
    return {
        "as_of": as_of,
        "total": total,
        "limit": limit,
        "offset": offset,
        "results": [dict(power_json(r), holders=r["holders"]) for r in rows],
        "ending_soon": await power_events.ending_soon(conn, as_of),
        "coverage": await power_events.coverage(conn, as_of),
    }


async def _instrument_row(conn: AsyncConnection, id_: str) -> dict:
    if not ID_RE.match(id_):
        raise InvalidInput(
            f"instrument ids are lower-case slugs such as nd-151-2025, got {id_!r}", parameter="instrument"
        )
    row = await (
        await conn.execute(f"SELECT {INSTRUMENT_FIELDS} FROM geo.instruments i WHERE i.id = %s", (id_,))
    ).fetchone()
    if not row:
        raise NotFound(f"no instrument has id {id_!r}", id=id_)
    return row


HOLDERS_SQL = """
SELECT u.code, u.name, u.full_name, u.type, u.level, u.province_code, pu.selector,
       lower(pu.valid) AS held_from, upper(pu.valid) AS held_until, {geometry} AS geometry
FROM geo.power_units pu JOIN geo.units u ON u.id = pu.unit_id
WHERE pu.power_id = %(id)s AND pu.valid @> %(d)s::date
ORDER BY u.level DESC, u.code"""

INHERITED_SQL = """
SELECT t.code, t.full_name, count(*) AS communes
FROM geo.unit_powers up JOIN geo.units t ON t.id = up.through_unit_id
WHERE up.power_id = %(id)s AND up.inherited AND up.valid @> %(d)s::date
GROUP BY t.code, t.full_name ORDER BY t.code"""


async def get_power(
    conn: AsyncConnection, id_: str, as_of: date, geometry: str = "none", reform_day: date | None = None
) -> dict:
    """One power with the units holding it on as_of (and the communes that inherit it). reform_day:
    the loaded data's (geodata/dataset.py), to say why no unit holds it before the reform."""
    if not re.fullmatch(r"p\d{1,6}", id_):
        raise InvalidInput(f"power ids look like p001, got {id_!r}", parameter="id")
    row = await (
        await conn.execute(f"SELECT {POWER_FIELDS} FROM {POWER_FROM} WHERE p.id = %(id)s", {"id": id_, "d": as_of})
    ).fetchone()
    if not row:
        raise NotFound(f"no power has id {id_!r}", id=id_)
    args = {"id": id_, "d": as_of}
    holders = await (await conn.execute(HOLDERS_SQL.format(geometry=units.GEOMETRY_SQL[geometry]), args)).fetchall()
    inherited = await (await conn.execute(INHERITED_SQL, args)).fetchall()
    out = dict(
        power_json(row),
        as_of=as_of,
        units_count=len(holders),
        units=[dict(h, held_to=last_day(h.pop("held_until"))) for h in holders],
        inherited_by=[
            {"province": r["code"], "province_name": r["full_name"], "communes": r["communes"]} for r in inherited
        ],
    )
    if not holders:
        out["note"] = _why_none(row, as_of, reform_day)
    return out


def _why_none(row: dict, as_of: date, reform_day: date | None) -> str:
    if reform_day and as_of < reform_day:
        return f"the catalogue describes the two-tier system: no unit holds its powers before {reform_day.isoformat()}"
    if as_of < row["valid_start"]:
        return f"this power is in force from {row['valid_start'].isoformat()} ({row['i_number']})"
    if row["valid_end"] and as_of >= row["valid_end"]:
        by = (
            f"ended by {row['ended_by_article']}"
            if row["end_kind"] == "ended_by"
            else f"{row['i_number']} expired"
            if row["end_kind"] == "sunset"
            else "its own end date"
        )
        return f"this power was in force until {last_day(row['valid_end']).isoformat()}: {by}"
    return "no unit valid on this day matches the power's applies_to"


INSTRUMENTS_SQL = f"""
SELECT {INSTRUMENT_FIELDS}, (SELECT count(*) FROM geo.powers p WHERE p.instrument_id = i.id) AS powers
FROM geo.instruments i
WHERE (%(sector)s::text IS NULL OR i.sector = %(sector)s) AND (%(kind)s::text IS NULL OR i.kind = %(kind)s)
  AND (%(package)s::text IS NULL OR i.package = %(package)s)
  AND {WORDS_MATCH.format(key="i.search_key")}
ORDER BY i.id"""


async def list_instruments(conn: AsyncConnection, *, sector=None, kind=None, package=None, q=None) -> dict:
    check_choice("sector", sector)
    check_choice("kind", kind)
    check_choice("package", package)
    rows = await (
        await conn.execute(
            INSTRUMENTS_SQL, {"sector": sector, "kind": kind, "package": package, "words": query_words(q)}
        )
    ).fetchall()
    return {"total": len(rows), "results": [dict(instrument_json(r), powers=r["powers"]) for r in rows]}


async def get_instrument(conn: AsyncConnection, id_: str, as_of: date | None = None) -> dict:
    row = await _instrument_row(conn, id_)
    powers = await (
        await conn.execute(
            f"SELECT {POWER_FIELDS} FROM {POWER_FROM} WHERE p.instrument_id = %(id)s ORDER BY p.id",
            {"id": id_, "d": as_of or today()},
        )
    ).fetchall()
    out = instrument_json(row)
    out["powers"] = [{k: v for k, v in power_json(p).items() if k != "instrument"} for p in powers]
    out["relations"] = await power_events.relations(conn, id_)
    return out


# Layers and tiles: one join onto geo.units, never a copy of the counts.
POWER_COUNTS_JOIN = "LEFT JOIN geo.unit_power_counts(%(as_of)s::date) pc ON pc.unit_id = u.id"
POWER_COUNT_COLUMNS = (
    "pc.total AS powers_total, pc.by_sector AS powers_by_sector, "
    "pc.by_mechanism AS powers_by_mechanism, pc.inherited AS powers_inherited, "
    "pc.own AS powers_own"
)


async def unit_power_counts(conn: AsyncConnection, as_of: date, codes: list[str] | None = None) -> dict[str, dict]:
    """code -> {total, own, inherited, by_sector, by_mechanism} for provinces and communes valid on as_of;
    total = own + inherited, the same figure as totals.powers of /v1/units/{code}/powers and the tiles."""
    rows = await (
        await conn.execute(
            f"SELECT u.code, {POWER_COUNT_COLUMNS} FROM geo.units u {POWER_COUNTS_JOIN} "
            "WHERE u.valid @> %(as_of)s::date AND u.level IN ('province', 'commune') "
            "AND (%(codes)s::text[] IS NULL OR u.code = ANY(%(codes)s))",
            {"as_of": as_of, "codes": codes},
        )
    ).fetchall()
    return {
        r["code"]: {
            "total": r["powers_total"],
            "own": r["powers_own"],
            "inherited": r["powers_inherited"],
            "by_sector": r["powers_by_sector"],
            "by_mechanism": r["powers_by_mechanism"],
        }
        for r in rows
    }


UNIT_ROW_SQL = """
SELECT u.id, u.code, u.name, u.full_name, u.type, u.level, u.province_code,
       lower(u.valid) AS valid_from, upper(u.valid) AS valid_until
FROM geo.units u WHERE u.code = %(code)s AND u.valid @> %(d)s::date"""

HELD_SQL = f"""
SELECT {POWER_FIELDS}, up.selector, up.inherited, lower(up.valid) AS held_from, upper(up.valid) AS held_until,
       t.code AS through_code, t.full_name AS through_name
FROM geo.unit_powers up
JOIN geo.powers p ON p.id = up.power_id
JOIN geo.instruments i ON i.id = p.instrument_id
LEFT JOIN geo.instruments e ON e.id = p.ended_by
LEFT JOIN geo.units t ON t.id = up.through_unit_id
WHERE up.unit_id = %(unit)s AND up.valid @> %(d)s::date
  AND (%(sector)s::text IS NULL OR p.sector = %(sector)s)
  AND (%(mechanism)s::text IS NULL OR p.mechanism = %(mechanism)s)
ORDER BY p.sector, up.inherited, p.id"""


async def _unit(conn: AsyncConnection, code: str, as_of: date) -> dict:
    units.check_code(code)
    row = await (await conn.execute(UNIT_ROW_SQL, {"code": code, "d": as_of})).fetchone()
    if not row:
        await units.get_unit(conn, code, as_of)  # raises the 404 that says when the code was valid
        raise NotFound(f"no unit has code {code}", code=code)
    unit = {k: row[k] for k in ("code", "name", "full_name", "type", "level", "province_code", "valid_from")}
    return dict(unit, valid_to=last_day(row["valid_until"]), id=row["id"])


def held_json(r: dict) -> dict:
    """A power as one unit holds it: own, or inherited through its province's special mechanism."""
    out = dict(
        power_json(r),
        selector=r["selector"],
        held_from=r["held_from"],
        held_to=last_day(r["held_until"]),
        inherited=r["inherited"],
    )
    if r["inherited"]:
        out["through"] = {
            "code": r["through_code"],
            "full_name": r["through_name"],
            "why": "held by the province under a special mechanism that names it",
        }
    return out


async def _held(conn: AsyncConnection, unit_id: int, as_of: date, sector=None, mechanism=None) -> list[dict]:
    rows = await (
        await conn.execute(HELD_SQL, {"unit": unit_id, "d": as_of, "sector": sector, "mechanism": mechanism})
    ).fetchall()
    return [held_json(r) for r in rows]


def _tally(items: list[dict], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for it in items:
        out[it[key]] = out.get(it[key], 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _notes(held: list[dict], as_of: date, reform_day: date) -> list[str]:
    notes = []
    if as_of < reform_day:
        notes.append(
            f"the catalogue describes the two-tier system: no unit holds its powers before {reform_day.isoformat()}"
        )
    unconfirmed = sorted({h["instrument"]["number"] for h in held if not h["instrument"]["effective_confirmed"]})
    if unconfirmed:
        notes.append(
            f"{sum(1 for h in held if not h['instrument']['effective_confirmed'])} of these powers come "
            f"from instruments whose effective date the sources did not confirm ({', '.join(unconfirmed)}); "
            f"they are treated as in force from the reform, {REFORM_DAY.isoformat()}"
        )
    return notes


async def unit_powers(
    conn: AsyncConnection, code: str, as_of: date, *, reform_day: date, sector=None, mechanism=None
) -> dict:
    """A unit's powers on a day, grouped by sector, with totals per sector and mechanism. reform_day:
    the loaded data's (geodata/dataset.py)."""
    check_choice("sector", sector)
    check_choice("mechanism", mechanism)
    unit = await _unit(conn, code, as_of)
    unit_id = unit.pop("id")
    held = await _held(conn, unit_id, as_of, sector, mechanism)
    sectors: dict[str, list] = {}
    for h in held:
        sectors.setdefault(h["sector"], []).append(h)
    own = [h for h in held if not h["inherited"]]
    return {
        "unit": unit,
        "as_of": as_of,
        "filters": {"sector": sector, "mechanism": mechanism},
        "totals": {
            "powers": len(held),
            "own": len(own),
            "inherited": len(held) - len(own),
            "by_sector": _tally(held, "sector"),
            "by_mechanism": _tally(held, "mechanism"),
            "by_sector_own": _tally(own, "sector"),
            "by_mechanism_own": _tally(own, "mechanism"),
        },
        "sectors": [
            {"sector": s, "count": len(items), "by_mechanism": _tally(items, "mechanism"), "powers": items}
            for s, items in sorted(sectors.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "notes": _notes(held, as_of, reform_day),
        "ending_soon": await power_events.ending_soon(conn, as_of, unit_id=unit_id),
        "coverage": await power_events.coverage(conn, as_of),
    }


def _brief(h: dict) -> dict:
    keep = (
        "id",
        "mechanism",
        "holder_level",
        "holder_body",
        "from_level",
        "summary_vi",
        "summary_en",
        "article",
        "valid_from",
        "valid_to",
        "status",
        "ended_by",
        "replaced_by",
        "confidence",
        "sources",
        "inherited",
    )
    out = {k: h[k] for k in keep}
    out["instrument"] = {"id": h["instrument"]["id"], "number": h["instrument"]["number"]}
    if h["inherited"]:
        out["through"] = h["through"]["code"]
    return out


async def compare(conn: AsyncConnection, codes: list[str], as_of: date, *, reform_day: date) -> dict:
    """The powers one unit holds (own or inherited) and the other does not, side by side per sector."""
    if len(codes) != 2 or codes[0] == codes[1]:
        raise InvalidInput("units must name two different unit codes, e.g. units=00070,31078", parameter="units")
    found = [await _unit(conn, c, as_of) for c in codes]
    held = [{h["id"]: h for h in await _held(conn, u.pop("id"), as_of)} for u in found]
    a, b = codes
    only = {
        a: [held[0][k] for k in sorted(held[0].keys() - held[1].keys())],
        b: [held[1][k] for k in sorted(held[1].keys() - held[0].keys())],
    }
    sectors = sorted({h["sector"] for side in only.values() for h in side})
    return {
        "as_of": as_of,
        "units": [dict(u, powers=len(h), only_here=len(only[u["code"]])) for u, h in zip(found, held)],
        "shared": len(held[0].keys() & held[1].keys()),
        "sectors": [
            {"sector": s, "only_in": {c: [_brief(h) for h in only[c] if h["sector"] == s] for c in codes}}
            for s in sectors
        ],
        "notes": _notes([*held[0].values(), *held[1].values()], as_of, reform_day),
    }
