"""Unit search: folded (diacritics, đ/d, case, tone placement), prefixes, small typos, common forms."""

from __future__ import annotations

import bisect
import re
from datetime import date

from rapidfuzz import fuzz, process

from geodata.errors import InvalidInput
from geodata.text import fold
from geodata.units.queries import last_day

MAX_QUERY = 100
LEVELS = {"province", "district", "commune"}
# Unit type keys, in the order the API documents them (api/routes/units.py UnitType reads this).
TYPE_KEYS = (
    "tinh",
    "thanh_pho",
    "xa",
    "phuong",
    "dac_khu",
    "huyen",
    "quan",
    "thi_xa",
    "thanh_pho_thuoc_tinh",
    "thanh_pho_thuoc_tp",
    "thi_tran",
)
TYPES = set(TYPE_KEYS)
# Folded type prefixes people type, and the unit types they point to.
PREFIXES = [
    ("thanh pho", ("thanh_pho", "thanh_pho_thuoc_tinh", "thanh_pho_thuoc_tp")),
    ("thi tran", ("thi_tran",)),
    ("thi xa", ("thi_xa",)),
    ("dac khu", ("dac_khu",)),
    ("tinh", ("tinh",)),
    ("quan", ("quan",)),
    ("huyen", ("huyen",)),
    ("phuong", ("phuong",)),
    ("xa", ("xa",)),
    ("tp", ("thanh_pho", "thanh_pho_thuoc_tinh", "thanh_pho_thuoc_tp")),
    ("tx", ("thi_xa",)),
    ("tt", ("thi_tran",)),
    ("q", ("quan",)),
    ("h", ("huyen",)),
    ("p", ("phuong",)),
]
# Common short forms of names, folded. Each is how the name is widely written, not a nickname.
ALIASES = {
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "hn": "ha noi",
    "sg": "sai gon",
    "brvt": "ba ria vung tau",
    "ba ria vt": "ba ria vung tau",
}

# A short prefix glued to a number, as people write numbered units: "q1", "p.12", "q.10".
GLUED = re.compile(r"^(q|p|h|tx|tt|tp)\.?\s*(\d+)\b(.*)$")


def parse_query(q: str) -> tuple[str, list[str]]:
    """Folded query without its type prefix, and the unit types that prefix hints at."""
    folded = fold(q)
    if not folded:
        raise InvalidInput("q must contain letters or digits", parameter="q")
    glued = GLUED.match(folded)
    if glued:
        folded = f"{glued[1]} {glued[2]}{glued[3]}"
    hint: list[str] = []
    for prefix, types in PREFIXES:
        if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
            folded, hint = folded[len(prefix) + 1 :], list(types)
            break
    compact = folded.replace(" ", "")
    folded = ALIASES.get(folded, ALIASES.get(compact, folded))
    return folded, hint


def _check(name: str, value: str | None, allowed: set[str]) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(sorted(allowed))}; got {value!r}", parameter=name)


class NameIndex:
    """Every unit version's folded name in memory (about 14,000): exact, prefix, substring and
    typo-tolerant (rapidfuzz) matching in well under a millisecond, no database round trip."""

    def __init__(self, names: list[dict]):
        self.entries = names
        self.by_key: dict[str, list[int]] = {}
        for i, e in enumerate(names):
            self.by_key.setdefault(e["search_key"], []).append(i)
        self.keys = sorted(self.by_key)
        self.by_code: dict[str, list[int]] = {}
        for i, e in enumerate(names):
            self.by_code.setdefault(e["code"], []).append(i)
        self.provinces: dict[str, list[dict]] = {}
        self.districts: dict[str, dict] = {}
        for e in names:
            if e["level"] == "province":
                self.provinces.setdefault(e["code"], []).append(e)
            elif e["level"] == "district":
                self.districts[e["code"]] = e

    def _candidates(self, q: str) -> dict[str, float]:
        """Matching keys with a match score: exact 5, prefix 4, word prefix 3, typo 1.5-2.5."""
        found = {}
        for key, _, _ in process.extract(q, self.keys, scorer=fuzz.ratio, limit=40, score_cutoff=70):
            found[key] = 1.5 + (fuzz.ratio(q, key) - 70) / 30
        lo = bisect.bisect_left(self.keys, q)
        for key in self.keys[lo : lo + 300]:
            if not key.startswith(q):
                break
            found[key] = 4.0
        if len(q) >= 3:
            for key in self.keys:
                if f" {q}" in f" {key}" and key not in found:
                    found[key] = 3.0
        if q in self.by_key:
            found[q] = 5.0
        return found

    def province_of(self, e: dict) -> dict | None:
        versions = self.provinces.get(e["province_code"], [])
        for p in reversed(versions):
            if (e["valid_until"] is None or p["valid_from"] is None or p["valid_from"] < e["valid_until"]) and (
                p["valid_until"] is None or e["valid_from"] is None or e["valid_from"] < p["valid_until"]
            ):
                return p
        return None

    def search(
        self,
        q: str,
        *,
        as_of: date | None = None,
        level: str | None = None,
        type_: str | None = None,
        province: str | None = None,
        limit: int = 10,
    ) -> list[dict]:
        folded, hint = parse_query(q)
        day = as_of.isoformat() if as_of else None
        best: dict[tuple, tuple[float, dict]] = {}
        candidates = self._candidates(folded)
        matches = [(self.by_key[key], match) for key, match in candidates.items()]
        matches.append((self.by_code.get(q.strip(), []), 5.0))  # a code typed as such
        for ids, match in matches:
            for i in ids:
                e = self.entries[i]
                if (
                    (level and e["level"] != level)
                    or (type_ and e["type"] != type_)
                    or (province and e["province_code"] != province)
                    or (day and not _valid_on(e, day))
                ):
                    continue
                old = e["generation_from"] == "pre-2025"
                score = (
                    match
                    + (0 if old else 0.5)
                    + (1.0 if e["type"] in hint else 0)
                    + (0.3 if e["level"] == "province" else 0)
                )
                k = (e["level"], e["code"], old)
                if k not in best or (e["valid_until"] or "9999") > (best[k][1]["valid_until"] or "9999"):
                    best[k] = (max(score, best.get(k, (0,))[0]), e)
        # "phuong 1 da lat": a name followed by the place it is in (old district or province).
        for score, e in self._qualified(folded, hint, day):
            if (
                (level and e["level"] != level)
                or (type_ and e["type"] != type_)
                or (province and e["province_code"] != province)
            ):
                continue
            k = (e["level"], e["code"], e["generation_from"] == "pre-2025")
            if score > best.get(k, (0,))[0]:
                best[k] = (score, e)
        ranked = sorted(best.values(), key=lambda se: (-se[0], se[1]["level"] != "province", se[1]["code"]))
        return [self._result(e, score) for score, e in ranked[:limit]]

    def _qualified(self, folded: str, hint: list[str], day: str | None) -> list[tuple[float, dict]]:
        """Units named by the first words whose old district or province is named by the rest."""
        words = folded.split()
        out = []
        for cut in range(1, len(words)):
            name, place = " ".join(words[:cut]), " ".join(words[cut:])
            if name not in self.by_key:  # the name part must be a whole name ("1", "ba dinh")
                continue
            for key, match in ((name, 5.0),):
                for i in self.by_key[key]:
                    e = self.entries[i]
                    if day and not _valid_on(e, day):
                        continue
                    d = self.districts.get(e.get("parent_code") or "") if e["level"] == "commune" else None
                    p = self.province_of(e) or {}
                    where = " ".join(x.get("search_key") or "" for x in (d or {}, p))
                    if f" {place} " in f" {where} ":
                        old = e["generation_from"] == "pre-2025"
                        out.append((match + 1.0 + (0 if old else 0.5) + (1.0 if e["type"] in hint else 0), e))
        return out

    def _result(self, e: dict, score: float) -> dict:
        old = e["generation_from"] == "pre-2025"
        p = self.province_of(e) or {}
        d = self.districts.get(e.get("parent_code") or "") if old and e["level"] == "commune" else None
        until = date.fromisoformat(e["valid_until"]) if e["valid_until"] else None
        return {
            "code": e["code"],
            "name": e["name"],
            "full_name": e["full_name"],
            "type": e["type"],
            "level": e["level"],
            "province": {"code": e["province_code"], "name": p.get("name"), "full_name": p.get("full_name")},
            **({"district": {"code": d["code"], "name": d["name"], "full_name": d["full_name"]}} if d else {}),
            "valid_from": e["valid_from"],
            "valid_to": last_day(until),
            "generation": e["generation_from"],
            "old": old,
            "score": round(score, 3),
            "links": {
                "unit": f"/v1/units/{e['code']}" + (f"?as_of={last_day(until)}" if until else ""),
                **({"successors": f"/v1/legacy/units/{e['code']}"} if old else {}),
            },
        }


def _valid_on(e: dict, day: str) -> bool:
    return (e["valid_from"] is None or e["valid_from"] <= day) and (e["valid_until"] is None or day < e["valid_until"])


def search(
    names: NameIndex,
    q: str,
    *,
    as_of: date | None = None,
    level: str | None = None,
    type_: str | None = None,
    province: str | None = None,
    limit: int = 10,
) -> list[dict]:
    if len(q) > MAX_QUERY:
        raise InvalidInput(f"q is limited to {MAX_QUERY} characters", parameter="q")
    _check("level", level, LEVELS)
    _check("type", type_, TYPES)
    if province is not None and not re.fullmatch(r"\d{2}", province):
        raise InvalidInput("province must be a 2-digit province code", parameter="province")
    return names.search(q, as_of=as_of, level=level, type_=type_, province=province, limit=limit)
