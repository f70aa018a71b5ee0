"""Aggregates of the powers catalogue for the decentralisation dashboard (/dashboard): the matrix of
sectors x levels on a day, the powers behind one cell, the series of powers in force over time, and
what each unit holds of one sector or one power (the map).

A power is *in force* on a day when its dates say so (geo.powers.valid, the definition of
geodata.powers.catalogue and geodata.powers.events: status 'in_force'); what lapses next is
power_events.ending_soon. Nothing here defines either a second time."""

from __future__ import annotations

from datetime import date

from psycopg import AsyncConnection

from geodata.errors import InvalidInput
from geodata.powers import catalogue as powers
from geodata.powers import events as power_events
from geodata.powers.vocab import FROM_LEVELS, MECHANISMS, SECTORS, check_choice

# The matrix's columns. "central" is where a power came from, not who holds it: the catalogue records
# what left the ministries (from_level = central), so that column counts the powers moved down from
# the centre that are in force, split by the level that received them. It is not added to the others.
MATRIX_LEVELS = ("central", "province", "commune")
MAX_SPAN_DAYS = 3 * 366

MATRIX_SQL = """
SELECT p.sector, p.holder_level, p.mechanism, p.from_level, count(*) AS n
FROM geo.powers p WHERE p.valid @> %(d)s::date
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""


def _bump(d: dict, key: str, n: int) -> None:
    d[key] = d.get(key, 0) + n


def _cell(level: str) -> dict:
    """A cell of the holder levels is split by origin; the central one by the level that received."""
    split = (
        {"to_level": {"province": 0, "commune": 0}}
        if level == "central"
        else {"by_origin": {f: 0 for f in FROM_LEVELS}}
    )
    return {"count": 0, "by_mechanism": {m: 0 for m in MECHANISMS}, **split}


def _add(cell: dict, r: dict) -> None:
    cell["count"] += r["n"]
    cell["by_mechanism"][r["mechanism"]] += r["n"]
    if "to_level" in cell:
        cell["to_level"][r["holder_level"]] += r["n"]
    else:
        cell["by_origin"][r["from_level"]] += r["n"]


async def matrix(conn: AsyncConnection, as_of: date, reform_day: date) -> dict:
    """Sectors x levels on as_of: powers in force per cell, split by mechanism and by origin."""
    rows = await (await conn.execute(MATRIX_SQL, {"d": as_of})).fetchall()
    cells = {(s, lvl): _cell(lvl) for s in SECTORS for lvl in MATRIX_LEVELS}
    totals = {lvl: _cell(lvl) for lvl in MATRIX_LEVELS}
    for r in rows:
        levels = [r["holder_level"]] + (["central"] if r["from_level"] == "central" else [])
        for lvl in levels:
            _add(cells[(r["sector"], lvl)], r)
            _add(totals[lvl], r)
    rows_out = [
        {"sector": s, "cells": {lvl: cells[(s, lvl)] for lvl in MATRIX_LEVELS}}
        for s in SECTORS
        if any(cells[(s, lvl)]["count"] for lvl in MATRIX_LEVELS)
    ]
    return {
        "as_of": as_of,
        "levels": list(MATRIX_LEVELS),
        "mechanisms": list(MECHANISMS),
        "origins": list(FROM_LEVELS),
        "rows": rows_out,
        "totals": totals,
        "powers_in_force": totals["province"]["count"] + totals["commune"]["count"],
        "definition": (
            "powers in force on the day (status in_force); "
            "central counts the powers in force that moved down from the ministries "
            "(they are also counted at the level that holds them)"
        ),
        "notes": []
        if as_of >= reform_day
        else [f"the catalogue describes the two-tier system: nothing is in force before {reform_day.isoformat()}"],
    }


CELL_SQL = f"""
SELECT {powers.POWER_FIELDS},
       (SELECT count(*) FROM geo.power_units pu WHERE pu.power_id = p.id AND pu.valid @> %(d)s::date) AS holders
FROM {powers.POWER_FROM}
WHERE p.valid @> %(d)s::date AND (%(sector)s::text IS NULL OR p.sector = %(sector)s)
  AND (%(level)s::text IS NULL OR (CASE WHEN %(level)s = 'central' THEN p.from_level = 'central'
                                         ELSE p.holder_level = %(level)s END))
  AND (%(mechanism)s::text IS NULL OR p.mechanism = %(mechanism)s)
  AND (%(origin)s::text IS NULL OR p.from_level = %(origin)s)
ORDER BY p.sector, p.holder_level, p.id"""


async def cell_powers(
    conn: AsyncConnection, as_of: date, *, sector=None, level=None, mechanism=None, origin=None
) -> dict:
    """The powers behind a matrix cell (or any slice of it), each with instrument, article and sources."""
    check_choice("sector", sector)
    check_choice("mechanism", mechanism)
    check_choice("from_level", origin)
    if level is not None and level not in MATRIX_LEVELS:
        raise InvalidInput(
            f"level must be one of {', '.join(MATRIX_LEVELS)}; got {level!r}",
            parameter="level",
            allowed=list(MATRIX_LEVELS),
        )
    rows = await (
        await conn.execute(
            CELL_SQL, {"d": as_of, "sector": sector, "level": level, "mechanism": mechanism, "origin": origin}
        )
    ).fetchall()
    return {
        "as_of": as_of,
        "filters": {"sector": sector, "level": level, "mechanism": mechanism, "origin": origin},
        "total": len(rows),
        "results": [dict(powers.power_json(r), holders=r["holders"]) for r in rows],
    }


# The series only changes on a day a power starts or ends.
POINTS_SQL = """
SELECT %(start)s::date AS d
UNION SELECT b FROM geo.powers p, LATERAL (VALUES (lower(p.valid)), (upper(p.valid))) v(b)
WHERE b > %(start)s AND b <= %(end)s ORDER BY 1"""

SERIES_SQL = """
SELECT d, p.holder_level, p.mechanism, count(*) AS n
FROM unnest(%(days)s::date[]) d JOIN geo.powers p ON p.valid @> d
GROUP BY 1, 2, 3 ORDER BY 1"""


async def series(conn: AsyncConnection, start: date, end: date) -> dict:
    """Powers in force per holder level (and mechanism) from start to end: one point per day the count
    can change (a step series), plus the end."""
    if end < start:
        raise InvalidInput(f"to ({end}) is before from ({start})", parameter="to")
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidInput(f"the series covers at most {MAX_SPAN_DAYS} days; narrow from/to", parameter="to")
    days = [r["d"] for r in await (await conn.execute(POINTS_SQL, {"start": start, "end": end})).fetchall()]
    counts: dict[date, dict] = {d: {} for d in days}  # no row on a day: nothing in force
    for r in await (await conn.execute(SERIES_SQL, {"days": days})).fetchall():
        c = counts[r["d"]]
        _bump(c, r["holder_level"], r["n"])
        _bump(c, f"{r['holder_level']}:{r['mechanism']}", r["n"])
    if days[-1] != end:  # close the last step at the end of the window
        counts[end] = counts[days[-1]]
        days.append(end)
    points = [
        {
            "date": d,
            "province": c.get("province", 0),
            "commune": c.get("commune", 0),
            "total": c.get("province", 0) + c.get("commune", 0),
            "by_mechanism": {lvl: {m: c.get(f"{lvl}:{m}", 0) for m in MECHANISMS} for lvl in ("province", "commune")},
        }
        for d, c in ((d, counts[d]) for d in days)
    ]
    return {
        "from": start,
        "to": end,
        "points": points,
        "definition": "powers in force per holder level; the count holds from each point to the next",
    }


DETAILS_SQL = f"""
SELECT {powers.POWER_FIELDS} FROM {powers.POWER_FROM} WHERE p.id = ANY(%(ids)s) ORDER BY upper(p.valid), p.id"""


async def lapsing(conn: AsyncConnection, as_of: date) -> dict:
    """What power_events.ending_soon lists for as_of, each power in full (summary, instrument, article,
    sources) for the dashboard's table."""
    soon = await power_events.ending_soon(conn, as_of)
    rows = await (await conn.execute(DETAILS_SQL, {"ids": [p["id"] for p in soon["powers"]], "d": as_of})).fetchall()
    return {
        "as_of": as_of,
        "days": soon["within_days"],
        "through": soon["through"],
        "total": soon["count"],
        "by_first_day_out": soon["by_first_day_out"],
        "results": [powers.power_json(r) for r in rows],
    }


# What each unit holds of a sector (or of one power) on a day: own powers, those inherited through
# the province's special regime, and among the own ones those given by a selector that names a
# province or đặc khu (a special regime) or by the province's own decision (a re-delegation).
MAP_SQL = """
WITH held AS (
  SELECT up.unit_id, up.inherited,
         (i.kind = 'quyet_dinh' AND i.scope <> 'national' AND p.from_level = 'province') AS redelegated,
         (up.selector ~ '[0-9]' OR up.selector LIKE 'dac_khu%%') AS special_selector
  FROM geo.unit_powers up
  JOIN geo.powers p ON p.id = up.power_id JOIN geo.instruments i ON i.id = p.instrument_id
  WHERE up.valid @> %(d)s::date
    AND (%(sector)s::text IS NULL OR p.sector = %(sector)s) AND (%(power)s::text IS NULL OR p.id = %(power)s))
SELECT u.code, u.full_name, u.province_code, count(*) FILTER (WHERE NOT h.inherited) AS own,
       count(*) FILTER (WHERE h.inherited) AS inherited,
       count(*) FILTER (WHERE NOT h.inherited AND h.special_selector AND NOT h.redelegated) AS special,
       count(*) FILTER (WHERE NOT h.inherited AND h.redelegated) AS redelegated
FROM geo.units u JOIN held h ON h.unit_id = u.id
WHERE u.valid @> %(d)s::date AND u.level = %(level)s
GROUP BY u.code, u.full_name, u.province_code ORDER BY u.code"""

# Special regimes: the provinces named by an instrument that is not national (their own law or
# resolutions of the National Assembly; a province's own decisions are re-delegations, not regimes).
REGIMES_SQL = """
SELECT s.code, u.full_name, array_agg(DISTINCT i.number ORDER BY i.number) AS instruments,
       count(DISTINCT p.id) FILTER (WHERE p.valid @> %(d)s::date) AS powers
FROM geo.instruments i CROSS JOIN LATERAL unnest(string_to_array(i.scope, ';')) s(code)
LEFT JOIN geo.powers p ON p.instrument_id = i.id
LEFT JOIN geo.units u ON u.level = 'province' AND u.code = trim(s.code) AND u.valid @> %(d)s::date
WHERE i.scope <> 'national' AND i.kind <> 'quyet_dinh' AND i.in_force @> %(d)s::date  -- a replaced law is not a regime
GROUP BY s.code, u.full_name ORDER BY s.code"""

UNITS_COUNT_SQL = "SELECT count(*) AS n FROM geo.units WHERE valid @> %(d)s::date AND level = %(level)s"


async def map_counts(conn: AsyncConnection, as_of: date, *, level: str = "commune", sector=None, power=None) -> dict:
    """Per unit of a level valid on as_of: own, inherited, special and re-delegated powers of the sector or
    the power chosen, as rows of `columns` (units holding none are left out; `units` says how many there are)."""
    check_choice("sector", sector)
    if level not in ("province", "commune"):
        raise InvalidInput(
            f"level must be province or commune; got {level!r}", parameter="level", allowed=["province", "commune"]
        )
    if power is not None:
        await powers.get_power(conn, power, as_of)  # 422/404 for a bad or unknown id
        if sector is not None:
            raise InvalidInput("give a sector or a power, not both", parameter="power")
    args = {"d": as_of, "level": level, "sector": sector, "power": power}
    rows = await (await conn.execute(MAP_SQL, args)).fetchall()
    units = (await (await conn.execute(UNITS_COUNT_SQL, args)).fetchone())["n"]
    columns = ["code", "full_name", "province_code", "own", "inherited", "special", "redelegated"]
    return {
        "as_of": as_of,
        "level": level,
        "sector": sector,
        "power": power,
        "units": units,
        "holding": len(rows),
        "max": max((r["own"] + r["inherited"] for r in rows), default=0),
        "columns": columns,
        "rows": [[r[c] for c in columns] for r in rows],
        "special_regimes": await special_regimes(conn, as_of),
    }


async def special_regimes(conn: AsyncConnection, as_of: date) -> list[dict]:
    """Provinces with their own law or National Assembly resolutions, and how many of those powers are in
    force on as_of."""
    rows = await (await conn.execute(REGIMES_SQL, {"d": as_of})).fetchall()
    return [
        {
            "province": r["code"].strip(),
            "full_name": r["full_name"],
            "instruments": r["instruments"],
            "powers": r["powers"],
        }
        for r in rows
    ]
