"""Lineage queries: predecessors of a unit, successors of an old unit, changes in a window, layers.

Edges join unit versions (geo.lineage_edges, filled by etl/lineage.py): kind whole/part for the
2025 reform, retyped/renamed for the later changes of one code."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from psycopg import AsyncConnection

from geodata.errors import InvalidInput, NotFound
from geodata.units.queries import check_code, get_unit

VERSION_SQL = "SELECT id, code, level, generation_from FROM geo.units WHERE code = %(code)s AND valid @> %(d)s::date"
CHAIN_SQL = "SELECT id FROM geo.units WHERE code = %(code)s AND level = %(level)s AND generation_from <> 'pre-2025'"

OLD_FIELDS = """o.code, o.name, o.full_name, o.type, o.level,
  d.code AS d_code, d.full_name AS d_full_name, p.code AS p_code, p.full_name AS p_full_name,
  ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat, c.flag AS centre_flag"""
OLD_JOINS = """
LEFT JOIN geo.units d ON o.level = 'commune' AND d.level = 'district' AND d.code = o.parent_code
                     AND d.generation_from = 'pre-2025'
LEFT JOIN geo.units p ON o.level <> 'province' AND p.level = 'province' AND p.code = o.province_code
                     AND p.generation_from = 'pre-2025'
LEFT JOIN geo.legacy_centres c ON c.unit_id = o.id"""
EDGE_FIELDS = """e.kind, e.sources, e.signals, e.is_default, e.suspect, e.decision,
  e.centre_distance_m::float8 AS centre_distance_m, e.effective, e.instrument, e.evidence"""

PREDECESSORS_SQL = f"""
SELECT {OLD_FIELDS}, {EDGE_FIELDS} FROM geo.lineage_edges e
JOIN geo.units o ON o.id = e.old_unit_id {OLD_JOINS}
WHERE e.new_unit_id = ANY(%(ids)s) AND e.kind IN ('whole', 'part')
ORDER BY CASE o.level WHEN 'province' THEN 0 WHEN 'commune' THEN 1 ELSE 2 END, e.kind DESC, o.code"""

CHANGES_SQL = """
SELECT e.kind, e.effective, e.instrument, e.sources, a.full_name AS from_name, a.type AS from_type,
       b.full_name AS to_name, b.type AS to_type
FROM geo.lineage_edges e JOIN geo.units a ON a.id = e.old_unit_id JOIN geo.units b ON b.id = e.new_unit_id
WHERE e.new_unit_id = ANY(%(ids)s) AND e.kind IN ('retyped', 'renamed') ORDER BY e.effective"""

OLD_UNIT_SQL = f"""SELECT o.id, {OLD_FIELDS} FROM geo.units o {OLD_JOINS}
WHERE o.code = %(code)s AND o.level = %(level)s AND o.generation_from = 'pre-2025'"""

SUCCESSORS_SQL = f"""
SELECT n.code, coalesce(cur.name, n.name) AS name, coalesce(cur.full_name, n.full_name) AS full_name,
       coalesce(cur.type, n.type) AS type, n.level, n.province_code,
       coalesce(pc.full_name, pn.full_name) AS p_full_name, {EDGE_FIELDS}
FROM geo.lineage_edges e JOIN geo.units n ON n.id = e.new_unit_id
LEFT JOIN geo.units cur ON cur.code = n.code AND cur.level = n.level AND cur.valid @> %(d)s::date
LEFT JOIN geo.units pn ON pn.level = 'province' AND pn.code = n.province_code AND pn.generation_from = n.generation_from
LEFT JOIN geo.units pc ON pc.level = 'province' AND pc.code = n.province_code AND pc.valid @> %(d)s::date
WHERE e.old_unit_id = %(id)s AND e.kind IN ('whole', 'part')
ORDER BY e.is_default DESC, e.signals DESC, n.code"""

LEVEL_BY_LEN = {2: "province", 3: "district", 5: "commune"}


def _old(r: dict) -> dict:
    out = {"code": r["code"], "name": r["name"], "full_name": r["full_name"], "type": r["type"], "level": r["level"]}
    if r["d_code"]:
        out["district"] = {"code": r["d_code"], "full_name": r["d_full_name"]}
    if r["p_code"]:
        out["province"] = {"code": r["p_code"], "full_name": r["p_full_name"]}
    out["centre"] = [r["lon"], r["lat"]] if r["lon"] is not None else None
    out["centre_flag"] = r["centre_flag"]  # moved inside its successors, or withheld (NULL centre)
    return out


def _edge(r: dict) -> dict:
    return {
        "kind": r["kind"],
        "sources": r["sources"],
        "signals": r["signals"],
        "default": r["is_default"],
        "suspect": r["suspect"],
        "decision": r["decision"],
        "centre_distance_m": None if r["centre_distance_m"] is None else round(r["centre_distance_m"]),
        "effective": r["effective"],
        "instrument": r["instrument"],
        "evidence": r["evidence"],
    }


async def unit_lineage(conn: AsyncConnection, code: str, as_of: date) -> dict:
    check_code(code)
    unit = await get_unit(conn, code, as_of)  # raises the usual 404 with the code's versions
    v = await (await conn.execute(VERSION_SQL, {"code": code, "d": as_of})).fetchone()
    if v["generation_from"] == "pre-2025":
        legacy = await legacy_unit(conn, code, as_of)
        return {"unit": unit, "predecessors": [], "successors": legacy["successors"], "changes": []}
    ids = [r["id"] for r in await (await conn.execute(CHAIN_SQL, {"code": code, "level": v["level"]})).fetchall()]
    preds = await (await conn.execute(PREDECESSORS_SQL, {"ids": ids})).fetchall()
    changes = await (await conn.execute(CHANGES_SQL, {"ids": ids})).fetchall()
    same_level = [_old(r) | _edge(r) for r in preds if r["level"] == v["level"]]
    districts = [_old(r) | _edge(r) for r in preds if r["level"] != v["level"]]
    return {
        "unit": unit,
        "predecessors": same_level,
        "predecessor_districts": districts,
        "changes": [
            {
                "kind": c["kind"],
                "effective": c["effective"],
                "instrument": c["instrument"],
                "from": {"full_name": c["from_name"], "type": c["from_type"]},
                "to": {"full_name": c["to_name"], "type": c["to_type"]},
                "sources": c["sources"],
            }
            for c in changes
        ],
    }


async def legacy_unit(conn: AsyncConnection, code: str, as_of: date) -> dict:
    check_code(code)
    level = LEVEL_BY_LEN[len(code)]
    row = await (await conn.execute(OLD_UNIT_SQL, {"code": code, "level": level})).fetchone()
    if row is None:
        raise NotFound(f"no pre-reform {level} has code {code}", code=code)
    succ = await (await conn.execute(SUCCESSORS_SQL, {"id": row["id"], "d": as_of})).fetchall()
    return {
        "unit": _old(row),
        "split": len(succ) > 1,
        "successors": [
            {
                "code": s["code"],
                "name": s["name"],
                "full_name": s["full_name"],
                "type": s["type"],
                "level": s["level"],
                "province": {"code": s["province_code"], "full_name": s["p_full_name"]},
            }
            | _edge(s)
            for s in succ
        ],
    }


WINDOW_SQL = """
SELECT e.kind, e.effective, e.instrument, e.old_level, o.code AS o_code, o.full_name AS o_name, o.type AS o_type,
       o.level AS o_level, o.name AS o_stem, n.code AS n_code, n.full_name AS n_name, n.type AS n_type,
       n.level AS n_level, n.name AS n_stem
FROM geo.lineage_edges e JOIN geo.units o ON o.id = e.old_unit_id JOIN geo.units n ON n.id = e.new_unit_id
WHERE e.effective BETWEEN %(since)s AND %(until)s ORDER BY e.effective, n.level, n.code, o.code"""
CREATED_SQL = """
SELECT u.code, u.full_name, u.type, u.level, lower(u.valid) AS effective, g.legal_basis
FROM geo.units u JOIN geo.generations g ON g.id = u.generation_from
WHERE lower(u.valid) BETWEEN %(since)s AND %(until)s
  AND NOT EXISTS (SELECT 1 FROM geo.lineage_edges e WHERE e.new_unit_id = u.id)"""


def _reform_kind(olds: list[dict]) -> str:
    """What the reform did to one new unit: merged from several, took part of one, or one renamed/retyped/kept."""
    if len(olds) > 1:
        return "merged"
    o = olds[0]
    if o["kind"] == "part":
        return "split"
    return "renamed" if o["o_stem"] != o["n_stem"] else "retyped" if o["o_type"] != o["n_type"] else "kept"


async def changes(conn: AsyncConnection, since: date, until: date, level: str | None = None) -> dict:
    if until < since:
        raise InvalidInput(f"until ({until}) is before since ({since})", parameter="until")
    rows = await (await conn.execute(WINDOW_SQL, {"since": since, "until": until})).fetchall()
    out = []
    by_new, by_old = defaultdict(list), defaultdict(list)
    for r in rows:
        if r["kind"] in ("retyped", "renamed"):
            out.append(
                {
                    "change": r["kind"],
                    "effective": r["effective"],
                    "instrument": r["instrument"],
                    "level": r["n_level"],
                    "code": r["n_code"],
                    "from": {"full_name": r["o_name"], "type": r["o_type"]},
                    "to": {"full_name": r["n_name"], "type": r["n_type"]},
                }
            )
        else:
            if r["o_level"] == r["n_level"]:
                by_new[(r["n_level"], r["n_code"])].append(r)
            by_old[(r["o_level"], r["o_code"])].append(r)
    for (lvl, code), olds in by_new.items():
        n = olds[0]
        out.append(
            {
                "change": _reform_kind(olds),
                "effective": n["effective"],
                "instrument": n["instrument"],
                "level": lvl,
                "code": code,
                "to": {"full_name": n["n_name"], "type": n["n_type"]},
                "from": [
                    {"code": o["o_code"], "full_name": o["o_name"], "level": o["o_level"], "kind": o["kind"]}
                    for o in olds
                ],
            }
        )
    for (lvl, code), news in by_old.items():
        if len(news) > 1 or lvl == "district":  # an old unit split, or a district abolished
            o = news[0]
            out.append(
                {
                    "change": "split" if lvl != "district" else "dissolved",
                    "effective": o["effective"],
                    "instrument": o["instrument"],
                    "level": lvl,
                    "code": code,
                    "from": {"full_name": o["o_name"], "type": o["o_type"]},
                    "to": [{"code": x["n_code"], "full_name": x["n_name"], "kind": x["kind"]} for x in news],
                }
            )
    for c in await (await conn.execute(CREATED_SQL, {"since": since, "until": until})).fetchall():
        out.append(
            {
                "change": "created",
                "effective": c["effective"],
                "instrument": c["legal_basis"],
                "level": c["level"],
                "code": c["code"],
                "to": {"full_name": c["full_name"], "type": c["type"]},
            }
        )
    if level:
        out = [c for c in out if c["level"] == level]
    out.sort(key=lambda c: (c["effective"], c["level"], c["code"]))
    counts = defaultdict(int)
    for c in out:
        counts[c["change"]] += 1
    return {"since": since, "until": until, "count": len(out), "by_change": dict(counts), "changes": out}
