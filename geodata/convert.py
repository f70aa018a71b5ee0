"""Old addresses (63 provinces, districts, 10,035 communes) to the new units, offline.

Parsing works on folded tokens (geodata.text.fold) from the right: the province, then the
district, then the commune, each optional, each looked up only within what was already found,
with or without its type word ("Phường", "P.", "Q.1", "TP.HCM", "H. Củ Chi"). What is left on the
left is the street and house number, kept as written. The successors come from the lineage
graph (geo.lineage_edges); a split commune with a point is resolved by ST_Covers on the real
polygons of the successors valid on the date."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from psycopg import AsyncConnection

from geodata.errors import InvalidInput
from geodata.text import fold, nfc

REFORM_DAY = date(2025, 7, 1)
MAX_WINDOW = 8   # longest unit name in tokens, type word included

# Type words (folded) per level; the first word of a unit's full name is one of these.
TYPES = {
    "province": {("tinh",): "tinh", ("thanh", "pho"): "thanh_pho"},
    "district": {("quan",): "quan", ("huyen",): "huyen", ("thi", "xa"): "thi_xa", ("thanh", "pho"): "thanh_pho"},
    "commune": {("phuong",): "phuong", ("xa",): "xa", ("thi", "tran"): "thi_tran"},
}
# Abbreviations, applied to the folded text of one address part.
_ABBREV = [
    (re.compile(r"\btp\s*hcm\b|\bhcmc?\b|\bsai gon\b|\bsg\b"), "ho chi minh"),
    (re.compile(r"\bhn\b"), "ha noi"), (re.compile(r"\bbrvt\b"), "ba ria vung tau"),
    (re.compile(r"\btt\s*hue\b"), "thua thien hue"),
    (re.compile(r"\b(p|f)\s*(\d+)\b"), r"phuong \2"), (re.compile(r"\bq\s*(\d+)\b"), r"quan \1"),
    (re.compile(r"\btp\b"), "thanh pho"), (re.compile(r"\btx\b"), "thi xa"), (re.compile(r"\btt\b"), "thi tran"),
    # A lone letter is a type word: "P. Bến Nghé", "H. Củ Chi", "X. Tân Phú", "T. Long An".
    (re.compile(r"\bp\b"), "phuong"), (re.compile(r"\bq\b"), "quan"), (re.compile(r"\bh\b"), "huyen"),
    (re.compile(r"\bx\b"), "xa"), (re.compile(r"\bt\b"), "tinh"),
]
PROVINCE_ALIASES = {"hue": "thua thien hue", "vung tau": "ba ria vung tau"}


def _key(tokens) -> str:
    """Spaceless and without leading zeros: "Phường 03" = "phuong3", "Ea H'leo" = "Ea Hleo"."""
    return "".join(re.sub(r"^0+(\d)", r"\1", t) for t in tokens)


@dataclass
class Unit:
    id: int
    code: str
    level: str
    type: str
    name: str
    full_name: str
    parent: str | None          # district code (commune), province code (district)
    province: str


@dataclass
class Gazetteer:
    version: str
    units: dict[tuple[str, str], Unit] = field(default_factory=dict)           # (level, code)
    by_name: dict[tuple[str, str], list[Unit]] = field(default_factory=lambda: defaultdict(list))  # (level, key)
    successors: dict[int, list[dict]] = field(default_factory=dict)            # old unit id -> edges


OLD_UNITS_SQL = """SELECT id, code, level, type, name, full_name, parent_code, province_code
FROM geo.units WHERE generation_from = 'pre-2025'"""
SUCCESSORS_SQL = """SELECT e.old_unit_id, n.code, n.level, e.kind, e.is_default, e.sources
FROM geo.lineage_edges e JOIN geo.units n ON n.id = e.new_unit_id
WHERE e.kind IN ('whole', 'part') ORDER BY e.is_default DESC, e.signals DESC, n.code"""

_cache: dict[str, Gazetteer] = {}


async def gazetteer(conn: AsyncConnection) -> Gazetteer:
    """The old units and their successors, built once per loaded dataset version."""
    row = await (await conn.execute("SELECT version FROM geo.dataset")).fetchone()
    version = row["version"] if row else ""
    if version in _cache:
        return _cache[version]
    g = Gazetteer(version)
    for r in await (await conn.execute(OLD_UNITS_SQL)).fetchall():
        u = Unit(r["id"], r["code"], r["level"], r["type"], r["name"], r["full_name"], r["parent_code"], r["province_code"])
        g.units[(u.level, u.code)] = u
        g.by_name[(u.level, _key(fold(u.name).split()))].append(u)
    for alias, name in PROVINCE_ALIASES.items():
        g.by_name[("province", _key(alias.split()))] += g.by_name[("province", _key(name.split()))]
    succ = defaultdict(list)
    for r in await (await conn.execute(SUCCESSORS_SQL)).fetchall():
        succ[r["old_unit_id"]].append(dict(r))
    g.successors = dict(succ)
    _cache.clear()
    _cache[version] = g
    return g


def _tokens(part: str) -> list[str]:
    text = fold(part)
    for rx, repl in _ABBREV:
        text = rx.sub(repl, text)
    return text.split()


def _in_scope(u: Unit, province: Unit | None, districts: list[Unit]) -> bool:
    if u.level == "district":
        return province is None or u.parent == province.code
    if u.level == "commune":
        return (not districts or u.parent in {d.code for d in districts}) and \
            (province is None or u.province == province.code)
    return True


def _type_ok(u: Unit, type_: str) -> bool:
    return u.type == type_ or (type_ == "thanh_pho" and u.type.startswith("thanh_pho"))


def _peel(g: Gazetteer, tokens: list[str], level: str, province, districts) -> tuple[list[Unit], int] | None:
    """Match the longest run of tokens at the right end to units of `level` in scope.
    Returns (units, tokens consumed); a type word before the name must agree with the unit's type."""
    for n in range(min(MAX_WINDOW, len(tokens)), 0, -1):
        window = tokens[len(tokens) - n:]
        for words, type_ in [*TYPES[level].items(), ((), None)]:
            if tuple(window[:len(words)]) != words or len(window) == len(words):
                continue
            if type_ is None and level != "province" and (n < len(tokens) or window[-1].isdigit()):
                continue   # untyped: only a whole part ("25 Hàng Trống" is a street), never a bare number
            hits = [u for u in g.by_name.get((level, _key(window[len(words):])), [])
                    if _in_scope(u, province, districts)]
            if type_ is not None:
                hits = [u for u in hits if _type_ok(u, type_)]
            if hits:
                return hits, n
    return None


@dataclass
class Parsed:
    street: str | None
    province: Unit | None
    district: Unit | None
    communes: list[Unit]             # one, or the candidates when ambiguous


def _not_understood(address, parts, toks, province, districts) -> InvalidInput:
    left = next((parts[j] for j in range(len(parts) - 1, -1, -1) if toks[j]), None)
    found = [u.full_name for u in (*districts[:1], province) if u]
    where = ", ".join(found) or "any old province"
    detail = (f"no old commune (phường, xã, thị trấn) recognised in {address!r}: {left!r} is not a "
              f"commune, district or province of {where}" if left else
              f"no old commune recognised in {address!r}; found only {where}")
    return InvalidInput(detail, parameter="address", part="commune" if found else "address", text=left,
                        matched={"province": province and province.code,
                                 "districts": [d.code for d in districts]})


def parse_address(g: Gazetteer, address: str) -> Parsed:
    if not address or not address.strip():
        raise InvalidInput("address is empty", parameter="address")
    parts = [p.strip() for p in re.split(r"[,;\n|]+", nfc(address)) if p.strip()]
    toks = [_tokens(p) for p in parts]
    province, districts, communes = None, [], []
    i = len(parts) - 1
    for level in ("province", "district", "commune"):
        while i >= 0 and not toks[i]:
            i -= 1
        if i < 0:
            break
        hit = _peel(g, toks[i], level, province, districts)
        if hit is None:
            continue
        units, n = hit
        toks[i] = toks[i][:-n]
        if level == "province":
            province = units[0]
        elif level == "district":
            districts = units
        else:
            communes = units
    if not communes:
        raise _not_understood(address, parts, toks, province, districts)
    district = districts[0] if len(districts) == 1 else None
    if len(communes) == 1:
        district = g.units[("district", communes[0].parent)]
    if district is not None and province is None:
        province = g.units[("province", district.parent)]
    return Parsed(street=_street(parts, toks), province=province, district=district, communes=communes)


def _street(parts: list[str], toks: list[list[str]]) -> str | None:
    """The parts left of the recognised units, as written (a partly consumed part keeps its left words)."""
    kept = []
    for p, t in zip(parts, toks):
        if not t:
            continue
        words = p.split()
        k = next((k for k in range(len(words), 0, -1) if _tokens(" ".join(words[:k])) == t), None)
        kept.append(" ".join(words[:k]) if k else " ".join(t))
    return ", ".join(kept) or None


NEW_SQL = """
SELECT u.code, u.name, u.full_name, u.type, u.level, u.province_code,
       p.name AS p_name, p.full_name AS p_full_name, p.type AS p_type
FROM geo.units u JOIN geo.units p ON p.level = 'province' AND p.code = u.province_code AND p.valid @> %(d)s::date
WHERE u.level = 'commune' AND u.code = ANY(%(codes)s) AND u.valid @> %(d)s::date"""
COVERS_SQL = """
SELECT code FROM geo.units
WHERE level = 'commune' AND code = ANY(%(codes)s) AND valid @> %(d)s::date
  AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))"""


def check_point(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput("give both lat and lon, or neither", parameter="lat" if lat is None else "lon")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"lat/lon out of range: {lat}, {lon}", parameter="lat")


def old_json(g: Gazetteer, u: Unit | None) -> dict | None:
    if u is None:
        return None
    out = {"code": u.code, "name": u.name, "full_name": u.full_name, "type": u.type, "level": u.level}
    if u.level == "commune":
        d = g.units[("district", u.parent)]
        out["district"] = {"code": d.code, "full_name": d.full_name}
    if u.level != "province":
        p = g.units[("province", u.province)]
        out["province"] = {"code": p.code, "full_name": p.full_name}
    return out


def new_address(street: str | None, unit: dict) -> str:
    """The official two-level form: street kept, then the commune and the province."""
    return ", ".join(x for x in (street, unit["full_name"], unit["p_full_name"]) if x)


async def _covering(conn: AsyncConnection, codes: list[str], d: date, lat: float, lon: float) -> list[str]:
    rows = await (await conn.execute(COVERS_SQL, {"codes": codes, "d": d, "lat": lat, "lon": lon})).fetchall()
    return [r["code"] for r in rows]


async def _disambiguate(conn, g: Gazetteer, cands: list[Unit], d: date, lat, lon) -> list[Unit]:
    """Same old name in several districts: keep the candidates one of whose successors contains the point."""
    keep = []
    for c in cands:
        codes = [e["code"] for e in g.successors.get(c.id, [])]
        if codes and await _covering(conn, codes, d, lat, lon):
            keep.append(c)
    return keep


async def convert(conn: AsyncConnection, address: str, lat: float | None = None, lon: float | None = None,
                  as_of: date | None = None) -> dict:
    check_point(lat, lon)
    g = await gazetteer(conn)
    d = max(as_of or REFORM_DAY, REFORM_DAY)   # the new units exist from the reform on
    p = parse_address(g, address)
    cands, notes = p.communes, []
    if len(cands) > 1 and lat is not None:
        inside = await _disambiguate(conn, g, cands, d, lat, lon)
        if len(inside) == 1:
            notes.append(f"{len(cands)} old communes have this name; the point picks the one in "
                         f"{g.units[('district', inside[0].parent)].full_name}")
            cands = inside
    base = {"address": address, "street": p.street, "as_of": d.isoformat()}
    if len(cands) > 1:
        return base | {
            "status": "ambiguous", "split": None, "resolved_by": None, "results": [], "new_address": None,
            "detail": f"{len(cands)} old communes are called {cands[0].full_name!r}"
                      f"{' in ' + p.province.full_name if p.province else ''}; give the district (or lat/lon)",
            "matched_old": {"province": old_json(g, p.province), "district": old_json(g, p.district), "commune": None},
            "candidates": [old_json(g, c) | {"successors": [e["code"] for e in g.successors.get(c.id, [])]}
                           for c in cands]}
    old = cands[0]
    district = g.units[("district", old.parent)]
    province = g.units[("province", old.province)]
    edges = g.successors.get(old.id, [])
    codes = [e["code"] for e in edges]
    rows = {r["code"]: r for r in await (await conn.execute(NEW_SQL, {"codes": codes, "d": d})).fetchall()}
    split = len(edges) > 1
    order = codes
    resolved_by = "single" if not split else "default"
    if split and lat is not None:
        inside = await _covering(conn, codes, d, lat, lon)
        if inside:
            resolved_by, order = "point", inside + [c for c in codes if c not in inside]
        else:
            notes.append("the point lies in none of the successors; most likely first")
    results = []
    for code in order:
        e, u = next(x for x in edges if x["code"] == code), rows.get(code)
        if u is None:
            continue
        results.append({"code": u["code"], "name": u["name"], "full_name": u["full_name"], "type": u["type"],
                        "province": {"code": u["province_code"], "name": u["p_name"], "full_name": u["p_full_name"],
                                     "type": u["p_type"]},
                        "kind": e["kind"], "default": e["is_default"], "sources": e["sources"],
                        "new_address": new_address(p.street, u)})
    return base | {
        "status": "ok", "split": split, "resolved_by": resolved_by, "notes": notes,
        "matched_old": {"province": old_json(g, province), "district": old_json(g, district), "commune": old_json(g, old)},
        "results": results, "new_address": results[0]["new_address"] if results else None}
