"""The in-memory gazetteer of old addresses: every pre-reform province, district and commune under every
name, type and spelling it is written with, and the successors of each old commune.

Built once per dataset version at load, next to the point index (.vngeo/index/<version>/address.json),
from geo.units (pre-2025), geo.unit_aliases (other names it was written with: earlier names, merged
districts, "Sài Gòn") and geo.lineage_edges. Each worker opens the file into hash maps (see
`AddressIndex.nbytes`), so converting an address reads no database.

Two keys per name: the exact key (lower case, one tone-mark style, no spaces or punctuation, numbers
without leading zeros: "Ea H'leo" = "eahleo", "Phường 03" = "3") and the folded key (also without
diacritics). The parser (geodata.lineage.address_parse) tries the exact key first: "Minh Quán" and "Minh Quân"
of one district are two exact keys and one folded key."""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import orjson
import psycopg

from geodata.text import _TONE_MOVES, fold_word, nfc

FORMAT = "vngeo-addressindex/2"
FILE = "address.json"
LEVELS = ("province", "district", "commune")

UNITS_SQL = """SELECT code, level, type, name, full_name, parent_code, province_code FROM geo.units
WHERE generation_from = 'pre-2025' ORDER BY level, code"""
ALIASES_SQL = """SELECT u.level, u.code, a.written, a.type, a.source FROM geo.unit_aliases a
JOIN geo.units u ON u.id = a.unit_id ORDER BY u.level, u.code, a.written"""
EDGES_SQL = """SELECT o.code AS old, n.code AS new, e.kind, e.is_default, e.sources, e.evidence
FROM geo.lineage_edges e JOIN geo.units o ON o.id = e.old_unit_id JOIN geo.units n ON n.id = e.new_unit_id
WHERE o.level = 'commune' AND o.generation_from = 'pre-2025' AND e.kind IN ('whole', 'part')
ORDER BY o.code, e.is_default DESC, e.signals DESC, n.code"""

WORD = re.compile(r"[^\W_]+")
_LEADING_ZEROS = re.compile(r"^0+(?=\d)")
# The tone-style table of geodata.text, lower case only (tokens are lower-cased first).
_TONE_LOWER = {k: v for k, v in _TONE_MOVES.items()}


def exact_token(tok: str) -> str:
    """One lower-case word in one tone-mark style ("hòa" = "hoà"), numbers without leading zeros."""
    if len(tok) >= 2 and tok[-2:] in _TONE_LOWER:
        tok = tok[:-2] + _TONE_LOWER[tok[-2:]]
    return _LEADING_ZEROS.sub("", tok) if tok[0] == "0" else tok


def keys(name: str) -> tuple[str, str]:
    """(exact key, folded key) of a unit's name as the gazetteer stores it."""
    toks = [exact_token(t) for t in WORD.findall(nfc(name).lower())]
    exact = "".join(toks)
    return exact, fold_word(exact)


# Wards numbered in Roman numerals (Phường I, III, IV of Vị Thanh) are also written with digits.
ROMAN = {
    "i": "1",
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
    "vi": "6",
    "vii": "7",
    "viii": "8",
    "ix": "9",
    "x": "10",
    "xi": "11",
    "xii": "12",
}


@dataclass(slots=True)
class OldUnit:
    code: str
    level: str
    type: str
    name: str
    full_name: str
    parent: str | None  # district code (commune), province code (district)
    province: str | None  # province code (district, commune)


@dataclass(slots=True)
class Successor:
    code: str  # new commune code
    kind: str  # whole / part
    default: bool
    sources: list[str]
    evidence: str | None  # the official text that names the edge


class AddressIndex:
    """Old units by (level, key) -> indices into `units`, both exact and folded, and the successors."""

    def __init__(self, doc: dict):
        if doc.get("format") != FORMAT:
            raise ValueError(f"unsupported address index format {doc.get('format')!r}")
        self.version: str = doc["version"]
        self.units = [OldUnit(*u[:7]) for u in doc["units"]]
        self.by_code: dict[tuple[str, str], int] = {(u.level, u.code): i for i, u in enumerate(self.units)}
        exact: dict[str, dict[str, list[int]]] = {lvl: defaultdict(list) for lvl in LEVELS}
        folded: dict[str, dict[str, list[int]]] = {lvl: defaultdict(list) for lvl in LEVELS}
        # written type of an alias ("Quận 2" of Thủ Đức): the type it was written with, per (index, key)
        self.alias_types: dict[tuple[int, str], str | None] = {}
        for i, (u, row) in enumerate(zip(self.units, doc["units"])):
            e, f = row[7], row[8]  # keys made at build
            exact[u.level][e].append(i)
            folded[u.level][f].append(i)
            if e in ROMAN:
                exact[u.level][ROMAN[e]].append(i)
                folded[u.level][ROMAN[e]].append(i)
        for level, code, _written, type_, _source, e, f in doc["aliases"]:
            i = self.by_code.get((level, code))
            if i is None:
                continue
            if i not in exact[level][e]:
                exact[level][e].append(i)
                self.alias_types[(i, e)] = type_
            if i not in folded[level][f]:
                folded[level][f].append(i)
                self.alias_types[(i, f)] = type_
        self.exact = {lvl: {k: tuple(v) for k, v in d.items()} for lvl, d in exact.items()}
        self.folded = {lvl: {k: tuple(v) for k, v in d.items()} for lvl, d in folded.items()}
        # Names within a scope, for one-edit typos: folded key -> indices, per scope: ("province", None),
        # ("district", province code), ("commune", district code), ("commune@province", province code).
        self.children: dict[tuple[str, str | None], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, (u, row) in enumerate(zip(self.units, doc["units"])):
            f = row[8]
            scope = {"province": None, "district": u.province, "commune": u.parent}[u.level]
            self.children[(u.level, scope)][f].append(i)
            if u.level == "commune":
                self.children[("commune@province", u.province)][f].append(i)
        self.children = {k: dict(v) for k, v in self.children.items()}
        self.successors: dict[int, list[Successor]] = defaultdict(list)
        for old, new, kind, default, sources, evidence in doc["edges"]:
            i = self.by_code.get(("commune", old))
            if i is not None:
                self.successors[i].append(Successor(new, kind, default, sources, evidence))
        self.successors = dict(self.successors)

    def unit(self, level: str, code: str | None) -> OldUnit | None:
        i = self.by_code.get((level, code))
        return None if i is None else self.units[i]

    @property
    def nbytes(self) -> int:
        """Approximate memory of the maps and records (deep size of the Python objects)."""
        seen: set[int] = set()

        def size(o) -> int:
            if id(o) in seen:
                return 0
            seen.add(id(o))
            n = sys.getsizeof(o)
            if isinstance(o, dict):
                n += sum(size(k) + size(v) for k, v in o.items())
            elif isinstance(o, (list, tuple, set)):
                n += sum(size(x) for x in o)
            elif hasattr(o, "__slots__"):
                n += sum(size(getattr(o, s)) for s in o.__slots__)
            return n

        return sum(
            size(x)
            for x in (
                self.units,
                self.by_code,
                self.exact,
                self.folded,
                self.alias_types,
                self.children,
                self.successors,
            )
        )

    @classmethod
    def open(cls, directory: Path) -> AddressIndex:
        return cls(orjson.loads((Path(directory) / FILE).read_bytes()))


def current(directory: Path) -> bool:
    """Whether the folder holds an address index of this format (written first in the file)."""
    path = Path(directory) / FILE
    if not path.exists():
        return False
    with open(path, "rb") as f:
        return FORMAT.encode() in f.read(64)


def build(conn: psycopg.Connection, directory: Path, version: str) -> Path:
    """Write address.json for the loaded data into `directory` (the index folder being built)."""
    units = [[*r, *keys(r[3])] for r in conn.execute(UNITS_SQL).fetchall()]
    aliases = [[*r, *keys(r[2])] for r in conn.execute(ALIASES_SQL).fetchall()]
    edges = [list(r) for r in conn.execute(EDGES_SQL).fetchall()]
    path = Path(directory) / FILE
    path.write_bytes(
        orjson.dumps({"format": FORMAT, "version": version, "units": units, "aliases": aliases, "edges": edges})
    )
    return path
