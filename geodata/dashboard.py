"""Aggregates of the powers catalogue for the decentralisation dashboard (/dashboard): the matrix of
sectors x levels on a day, the powers behind one cell, the series of powers in force over time, and
what each unit holds of one sector or one power (the map).

A power counts as *in force* on a day when at least one unit version holds it that day
(geo.power_units: the unit's validity intersected with the power's time in force), so every figure
here follows the catalogue's dates without a second definition of them."""
from __future__ import annotations

from datetime import date, timedelta

from psycopg import AsyncConnection

from geodata import powers
from geodata.errors import InvalidInput
from geodata.powervocab import FROM_LEVELS, MECHANISMS, REFORM_DAY, SECTORS, check_choice
from geodata.units import last_day

# The matrix's columns. "central" is where a power came from, not who holds it: the catalogue records
# what left the ministries (from_level = central), so that column counts the powers moved down from
# the centre that are in force, split by the level that received them. It is not added to the others.
MATRIX_LEVELS = ("central", "province", "commune")
MAX_SPAN_DAYS = 3 * 366

HELD_CTE = """
held AS (SELECT DISTINCT pu.power_id FROM geo.power_units pu WHERE pu.valid @> %(d)s::date)"""

MATRIX_SQL = f"""
WITH {HELD_CTE}
SELECT p.sector, p.holder_level, p.mechanism, p.from_level, count(*) AS n
FROM geo.powers p JOIN held h ON h.power_id = p.id
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""


def _bump(d: dict, key: str, n: int) -> None:
    d[key] = d.get(key, 0) + n


def _cell() -> dict:
    return {"count": 0, "by_mechanism": {m: 0 for m in MECHANISMS}, "by_origin": {f: 0 for f in FROM_LEVELS}}


async def matrix(conn: AsyncConnection, as_of: date) -> dict:
    """Sectors x levels on as_of: powers in force per cell, split by mechanism and by origin."""
    rows = await (await conn.execute(MATRIX_SQL, {"d": as_of})).fetchall()
    cells = {(s, lvl): _cell() for s in SECTORS for lvl in MATRIX_LEVELS}
    for r in rows:
        # the holder's cell, and the central column for what came from the centre
        targets = [(r["holder_level"], "from")] + ([("central", "to")] if r["from_level"] == "central" else [])
        for lvl, _ in targets:
            c = cells[(r["sector"], lvl)]
            c["count"] += r["n"]
            c["by_mechanism"][r["mechanism"]] += r["n"]
            if lvl == "central":
                _bump(c.setdefault("to_level", {}), r["holder_level"], r["n"])
            else:
                c["by_origin"][r["from_level"]] += r["n"]
    for (s, lvl), c in cells.items():
        if lvl == "central":
            del c["by_origin"]
            c["to_level"] = {"province": c.get("to_level", {}).get("province", 0),
                             "commune": c.get("to_level", {}).get("commune", 0)}
    totals = {lvl: _cell() for lvl in MATRIX_LEVELS}
    for (s, lvl), c in cells.items():
        t = totals[lvl]
        t["count"] += c["count"]
        for m, n in c["by_mechanism"].items():
            t["by_mechanism"][m] += n
        for f, n in c.get("by_origin", {}).items():
            t["by_origin"][f] += n
    del totals["central"]["by_origin"]
    rows_out = [{"sector": s, "cells": {lvl: cells[(s, lvl)] for lvl in MATRIX_LEVELS}} for s in SECTORS
                if any(cells[(s, lvl)]["count"] for lvl in MATRIX_LEVELS)]
    return {"as_of": as_of, "levels": list(MATRIX_LEVELS), "mechanisms": list(MECHANISMS),
            "origins": list(FROM_LEVELS), "rows": rows_out, "totals": totals,
            "powers_in_force": totals["province"]["count"] + totals["commune"]["count"],
            "definition": ("a power is in force on a day when at least one unit holds it that day; "
                           "central counts the powers in force that moved down from the ministries "
                           "(they are also counted at the level that holds them)"),
            "notes": [] if as_of >= REFORM_DAY else [
                f"the catalogue describes the two-tier system: nothing is in force before {REFORM_DAY.isoformat()}"]}


CELL_SQL = f"""
WITH {HELD_CTE}
SELECT {powers.POWER_FIELDS},
       (SELECT count(*) FROM geo.power_units pu WHERE pu.power_id = p.id AND pu.valid @> %(d)s::date) AS holders
FROM geo.powers p JOIN held h ON h.power_id = p.id JOIN geo.instruments i ON i.id = p.instrument_id
WHERE (%(sector)s::text IS NULL OR p.sector = %(sector)s)
  AND (%(level)s::text IS NULL OR (CASE WHEN %(level)s = 'central' THEN p.from_level = 'central'
                                         ELSE p.holder_level = %(level)s END))
  AND (%(mechanism)s::text IS NULL OR p.mechanism = %(mechanism)s)
  AND (%(origin)s::text IS NULL OR p.from_level = %(origin)s)
ORDER BY p.sector, p.holder_level, p.id"""


async def cell_powers(conn: AsyncConnection, as_of: date, *, sector=None, level=None, mechanism=None,
                      origin=None) -> dict:
    """The powers behind a matrix cell (or any slice of it), each with instrument, article and sources."""
    check_choice("sector", sector)
    check_choice("mechanism", mechanism)
    check_choice("from_level", origin)
    if level is not None and level not in MATRIX_LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(MATRIX_LEVELS)}; got {level!r}", parameter="level",
                           allowed=list(MATRIX_LEVELS))
    rows = await (await conn.execute(CELL_SQL, {"d": as_of, "sector": sector, "level": level,
                                                "mechanism": mechanism, "origin": origin})).fetchall()
    return {"as_of": as_of, "filters": {"sector": sector, "level": level, "mechanism": mechanism, "origin": origin},
            "total": len(rows), "results": [dict(powers.power_json(r), holders=r["holders"]) for r in rows]}


# Each power's days in force as one multirange (the union over its holders), then the days on which
# any of them starts or ends: the series only changes there.
SPANS_CTE = """
spans AS (SELECT pu.power_id, range_agg(pu.valid) AS days FROM geo.power_units pu GROUP BY pu.power_id)"""

SERIES_SQL = f"""
WITH {SPANS_CTE},
edges AS (SELECT lower(r) AS d FROM spans, unnest(days) r UNION SELECT upper(r) FROM spans, unnest(days) r),
pts AS (SELECT %(start)s::date AS d UNION SELECT d FROM edges WHERE d > %(start)s AND d <= %(end)s)
SELECT pts.d, p.holder_level, p.mechanism, count(*) AS n
FROM pts JOIN spans s ON s.days @> pts.d JOIN geo.powers p ON p.id = s.power_id
GROUP BY 1, 2, 3 ORDER BY 1"""

POINTS_SQL = f"""
WITH {SPANS_CTE},
edges AS (SELECT lower(r) AS d FROM spans, unnest(days) r UNION SELECT upper(r) FROM spans, unnest(days) r)
SELECT %(start)s::date AS d UNION SELECT d FROM edges WHERE d > %(start)s AND d <= %(end)s ORDER BY 1"""


async def series(conn: AsyncConnection, start: date, end: date) -> dict:
    """Powers in force per holder level (and mechanism) from start to end: one point per day the count
    can change (a step series), plus the end."""
    if end < start:
        raise InvalidInput(f"to ({end}) is before from ({start})", parameter="to")
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidInput(f"the series covers at most {MAX_SPAN_DAYS} days; narrow from/to", parameter="to")
    args = {"start": start, "end": end}
    days = [r["d"] for r in await (await conn.execute(POINTS_SQL, args)).fetchall()]
    counts: dict[date, dict] = {d: {} for d in days}   # no row on a day: nothing in force
    for r in await (await conn.execute(SERIES_SQL, args)).fetchall():
        c = counts[r["d"]]
        _bump(c, r["holder_level"], r["n"])
        _bump(c, f"{r['holder_level']}:{r['mechanism']}", r["n"])
    if days[-1] != end:   # close the last step at the end of the window
        counts[end] = counts[days[-1]]
        days.append(end)
    points = [{"date": d, "province": c.get("province", 0), "commune": c.get("commune", 0),
               "total": c.get("province", 0) + c.get("commune", 0),
               "by_mechanism": {lvl: {m: c.get(f"{lvl}:{m}", 0) for m in MECHANISMS} for lvl in ("province", "commune")}}
              for d, c in ((d, counts[d]) for d in days)]
    return {"from": start, "to": end, "points": points,
            "definition": "powers in force per holder level; the count holds from each point to the next"}


LAPSING_SQL = f"""
WITH {SPANS_CTE},
ends AS (SELECT s.power_id, upper(r) AS ends FROM spans s, unnest(s.days) r
         WHERE r @> %(d)s::date AND upper(r) > %(d)s AND upper(r) <= %(until)s)
SELECT {powers.POWER_FIELDS}, e.ends
FROM ends e JOIN geo.powers p ON p.id = e.power_id JOIN geo.instruments i ON i.id = p.instrument_id
ORDER BY e.ends, p.id"""


async def lapsing(conn: AsyncConnection, as_of: date, days: int = 90) -> dict:
    """Powers in force on as_of that stop being held within the next `days` days (ends = first day
    without them)."""
    if not 1 <= days <= 730:
        raise InvalidInput("days must be between 1 and 730", parameter="days")
    until = as_of + timedelta(days=days)
    rows = await (await conn.execute(LAPSING_SQL, {"d": as_of, "until": until})).fetchall()
    return {"as_of": as_of, "days": days, "until": until, "total": len(rows),
            "results": [dict(powers.power_json(r), last_day=last_day(r["ends"]), ends=r["ends"]) for r in rows]}


# What each unit holds of a sector (or of one power) on a day: own powers, those inherited through
# the province's special regime, and among the own ones those given by a selector that names a
# province or đặc khu (a special regime) or by the province's own decision (a re-delegation).
MAP_SQL = """
SELECT u.code, u.full_name, u.province_code, count(*) FILTER (WHERE NOT up.inherited) AS own, count(*) FILTER (WHERE up.inherited) AS inherited,
       count(*) FILTER (WHERE NOT up.inherited AND (up.selector ~ '[0-9]' OR up.selector LIKE 'dac_khu%%')) AS special,
       count(*) FILTER (WHERE NOT up.inherited AND p.from_level = 'province' AND i.scope <> 'national'
                        AND i.kind = 'quyet_dinh') AS redelegated
FROM geo.units u
JOIN geo.unit_powers up ON up.unit_id = u.id AND up.valid @> %(d)s::date
JOIN geo.powers p ON p.id = up.power_id JOIN geo.instruments i ON i.id = p.instrument_id
WHERE u.valid @> %(d)s::date AND u.level = %(level)s
  AND (%(sector)s::text IS NULL OR p.sector = %(sector)s) AND (%(power)s::text IS NULL OR p.id = %(power)s)
GROUP BY u.code, u.full_name, u.province_code ORDER BY u.code"""

# Special regimes: the provinces named by an instrument that is not national (their own law or
# resolutions of the National Assembly; a province's own decisions are re-delegations, not regimes).
REGIMES_SQL = """
SELECT s.code, array_agg(DISTINCT i.number ORDER BY i.number) AS instruments, count(DISTINCT p.id) AS powers
FROM geo.instruments i CROSS JOIN LATERAL unnest(string_to_array(i.scope, ';')) s(code)
LEFT JOIN geo.powers p ON p.instrument_id = i.id
WHERE i.scope <> 'national' AND i.kind <> 'quyet_dinh'
GROUP BY s.code ORDER BY s.code"""

UNITS_COUNT_SQL = "SELECT count(*) AS n FROM geo.units WHERE valid @> %(d)s::date AND level = %(level)s"


async def map_counts(conn: AsyncConnection, as_of: date, *, level: str = "commune", sector=None, power=None) -> dict:
    """Per unit of a level valid on as_of: own, inherited, special and re-delegated powers of the sector or
    the power chosen, as rows of `columns` (units holding none are left out; `units` says how many there are)."""
    check_choice("sector", sector)
    if level not in ("province", "commune"):
        raise InvalidInput(f"level must be province or commune; got {level!r}", parameter="level",
                           allowed=["province", "commune"])
    if power is not None:
        await powers.get_power(conn, power, as_of)   # 422/404 for a bad or unknown id
        if sector is not None:
            raise InvalidInput("give a sector or a power, not both", parameter="power")
    args = {"d": as_of, "level": level, "sector": sector, "power": power}
    rows = await (await conn.execute(MAP_SQL, args)).fetchall()
    units = (await (await conn.execute(UNITS_COUNT_SQL, args)).fetchone())["n"]
    columns = ["code", "full_name", "province_code", "own", "inherited", "special", "redelegated"]
    return {"as_of": as_of, "level": level, "sector": sector, "power": power, "units": units,
            "holding": len(rows), "max": max((r["own"] + r["inherited"] for r in rows), default=0),
            "columns": columns, "rows": [[r[c] for c in columns] for r in rows],
            "special_regimes": await special_regimes(conn)}


async def special_regimes(conn: AsyncConnection) -> list[dict]:
    rows = await (await conn.execute(REGIMES_SQL)).fetchall()
    return [{"province": r["code"].strip(), "instruments": r["instruments"], "powers": r["powers"]} for r in rows]


EVENTS_SQL = f"""
WITH {SPANS_CTE},
ev AS (SELECT s.power_id, lower(r) AS d, 'start' AS event FROM spans s, unnest(s.days) r
       UNION ALL SELECT s.power_id, upper(r), 'end' FROM spans s, unnest(s.days) r)
SELECT {powers.POWER_FIELDS}, ev.d, ev.event
FROM ev JOIN geo.powers p ON p.id = ev.power_id JOIN geo.instruments i ON i.id = p.instrument_id
WHERE ev.d BETWEEN %(since)s AND %(until)s ORDER BY ev.d, p.id"""


async def power_events(conn: AsyncConnection, since: date, until: date) -> dict:
    """Days on which a power starts or stops being held (end: the first day without it)."""
    rows = await (await conn.execute(EVENTS_SQL, {"since": since, "until": until})).fetchall()
    return {"from": since, "to": until, "total": len(rows),
            "events": [{"date": r["d"], "event": r["event"], "power": powers.power_json(r),
                        "instrument": powers.instrument_json(r, full=False), "article": r["article"]} for r in rows]}
