"""Unit search: folded (diacritics, đ/d, case, tone placement), prefixes, small typos, common forms."""
from __future__ import annotations

import re
from datetime import date

from psycopg import AsyncConnection

from geodata.errors import InvalidInput
from geodata.text import fold
from geodata.units import last_day

MAX_QUERY = 100
LEVELS = {"province", "district", "commune"}
TYPES = {"tinh", "thanh_pho", "xa", "phuong", "dac_khu", "huyen", "quan", "thi_xa",
         "thanh_pho_thuoc_tinh", "thanh_pho_thuoc_tp", "thi_tran"}
# Folded type prefixes people type, and the unit types they point to.
PREFIXES = [
    ("thanh pho", ("thanh_pho", "thanh_pho_thuoc_tinh", "thanh_pho_thuoc_tp")),
    ("thi tran", ("thi_tran",)), ("thi xa", ("thi_xa",)), ("dac khu", ("dac_khu",)),
    ("tinh", ("tinh",)), ("quan", ("quan",)), ("huyen", ("huyen",)), ("phuong", ("phuong",)),
    ("xa", ("xa",)), ("tp", ("thanh_pho", "thanh_pho_thuoc_tinh", "thanh_pho_thuoc_tp")),
    ("tx", ("thi_xa",)), ("tt", ("thi_tran",)), ("q", ("quan",)), ("h", ("huyen",)), ("p", ("phuong",)),
]
# Common short forms of names, folded. Each is how the name is widely written, not a nickname.
ALIASES = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "hn": "ha noi", "sg": "sai gon",
           "brvt": "ba ria vung tau", "ba ria vt": "ba ria vung tau"}

SEARCH_SQL = """
WITH hits AS (
  SELECT DISTINCT ON (u.level, u.code, u.generation_from = 'pre-2025')
         u.id, u.code, u.name, u.full_name, u.type, u.level, u.province_code, u.valid, u.generation_from,
         u.search_key,
         (u.search_key = %(q)s)::int * 3 + (u.search_key LIKE %(prefix)s)::int * 2
           + similarity(u.search_key, %(q)s)
           + (levenshtein(left(u.search_key, 255), %(q)s) <= greatest(1, length(%(q)s) / 5))::int * 1.5
           + (u.generation_from <> 'pre-2025')::int * 0.5
           + (u.type = ANY(%(hint)s))::int * 1.0 + CASE u.level WHEN 'province' THEN 0.3 ELSE 0 END AS score
  FROM geo.units u
  WHERE (u.search_key %% %(q)s OR u.search_key LIKE %(prefix)s OR u.code = %(raw)s)
    AND (%(as_of)s::date IS NULL OR u.valid @> %(as_of)s::date)
    AND (%(level)s::text IS NULL OR u.level = %(level)s)
    AND (%(type)s::text IS NULL OR u.type = %(type)s)
    AND (%(province)s::text IS NULL OR u.province_code = %(province)s)
  ORDER BY u.level, u.code, u.generation_from = 'pre-2025', upper(u.valid) DESC NULLS FIRST
)
SELECT h.*, lower(h.valid) AS valid_from, upper(h.valid) AS valid_until,
       p.name AS province_name, p.full_name AS province_full_name
FROM hits h
LEFT JOIN LATERAL (
  SELECT name, full_name FROM geo.units p
  WHERE p.level = 'province' AND p.code = h.province_code AND p.valid && h.valid
  ORDER BY upper(p.valid) DESC NULLS FIRST LIMIT 1) p ON true
ORDER BY h.score DESC, h.level DESC, h.code
LIMIT %(limit)s"""


def parse_query(q: str) -> tuple[str, list[str]]:
    """Folded query without its type prefix, and the unit types that prefix hints at."""
    folded = fold(q)
    if not folded:
        raise InvalidInput("q must contain letters or digits", parameter="q")
    hint: list[str] = []
    for prefix, types in PREFIXES:
        if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
            folded, hint = folded[len(prefix) + 1:], list(types)
            break
    compact = folded.replace(" ", "")
    folded = ALIASES.get(folded, ALIASES.get(compact, folded))
    return folded, hint


def _check(name: str, value: str | None, allowed: set[str]) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(sorted(allowed))}; got {value!r}", parameter=name)


async def search(conn: AsyncConnection, q: str, *, as_of: date | None = None, level: str | None = None,
                 type_: str | None = None, province: str | None = None, limit: int = 10) -> list[dict]:
    if len(q) > MAX_QUERY:
        raise InvalidInput(f"q is limited to {MAX_QUERY} characters", parameter="q")
    _check("level", level, LEVELS)
    _check("type", type_, TYPES)
    if province is not None and not re.fullmatch(r"\d{2}", province):
        raise InvalidInput("province must be a 2-digit province code", parameter="province")
    folded, hint = parse_query(q)
    rows = await (await conn.execute(SEARCH_SQL, {
        "q": folded, "prefix": folded + "%", "raw": q.strip(), "hint": hint, "as_of": as_of,
        "level": level, "type": type_, "province": province, "limit": limit})).fetchall()
    return [_result(r) for r in rows]


def _result(r: dict) -> dict:
    old = r["generation_from"] == "pre-2025"
    return {
        "code": r["code"], "name": r["name"], "full_name": r["full_name"], "type": r["type"], "level": r["level"],
        "province": {"code": r["province_code"], "name": r["province_name"], "full_name": r["province_full_name"]},
        "valid_from": r["valid_from"], "valid_to": last_day(r["valid_until"]),
        "generation": r["generation_from"], "old": old, "score": round(float(r["score"]), 3),
        "links": {"unit": f"/v1/units/{r['code']}" + (f"?as_of={last_day(r['valid_until'])}" if r["valid_until"] else ""),
                  **({"successors": f"/v1/legacy/units/{r['code']}"} if old else {})},
    }
