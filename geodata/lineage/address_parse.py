"""Old addresses as people write them -> the old units they name: lenient, exact spelling first, never a guess.

An address is split into parts at commas (; | and new lines too). A trailing country (", Việt Nam", ", VN")
or postcode is dropped. From the right: the province, then the district, then the commune, each a run of
words at the right end of a part, each looked up only within what was already found. A run may start with
a type word (Phường, P., F.12, Xã, X., Thị trấn, TT., Quận, Q.1, Huyện, H., Thị xã, TX., Thành phố, TP.,
Tỉnh, T.); a single letter is a type word only before "." or a number ("P.12", "Q1"), else only when the
whole run is no name (the P of "P Rao" and the H of "Ea H'leo" are letters of the name; the T of "N.T" is
glued to the N and starts nothing). A written type is a preference, not a filter: "Thị xã Dĩ An" finds the
Thành phố Dĩ An it became. For each run the exact spelling is tried first (diacritics count: Minh Quán is
not Minh Quân), then the folded one (no diacritics, any case), then, for a whole part in a known scope, a
spelling one edit away when only one name is that close. A district that is missing or not recognised is
resolved from the commune and the province; several old communes that fit stay candidates (the caller
answers "ambiguous"). What is left of the parts on the left is the street and house number, as written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from geodata.errors import InvalidInput
from geodata.lineage.address_index import WORD, AddressIndex, OldUnit
from geodata.text import _TONE_MOVES, fold_word, nfc

MAX_WINDOW = 8  # longest unit name in words, type word included
TYPO_MIN_LEN = 5  # folded names shorter than this are not corrected ("Ea Bá" vs "Ea Bar")
PARTS = re.compile(r"[,;\n|]+")
POSTCODE = re.compile(r"^\d{5,6}$")
COUNTRY = {("viet", "nam"), ("vietnam",), ("vn",), ("vietnam", "republic"), ("socialist", "republic", "of", "vietnam")}
LETTER_TYPES = {"p", "f", "x", "q", "h", "t"}
# Type words (folded words) per level -> the unit type they name.
TYPES = {
    "province": {
        ("tinh",): "tinh",
        ("t",): "tinh",
        ("thanh", "pho"): "thanh_pho",
        ("tp",): "thanh_pho",
        ("thu", "do"): "thanh_pho",
    },
    "district": {
        ("quan",): "quan",
        ("q",): "quan",
        ("huyen",): "huyen",
        ("h",): "huyen",
        ("thi", "xa"): "thi_xa",
        ("tx",): "thi_xa",
        ("thanh", "pho"): "thanh_pho",
        ("tp",): "thanh_pho",
    },
    "commune": {
        ("phuong",): "phuong",
        ("p",): "phuong",
        ("f",): "phuong",
        ("xa",): "xa",
        ("x",): "xa",
        ("thi", "tran"): "thi_tran",
        ("tt",): "thi_tran",
    },
}


@dataclass(slots=True)
class Tok:
    exact: str  # lower case, one tone style
    folded: str  # no diacritics
    start: int  # offsets in the part's text
    end: int
    attached: bool  # glued to the previous word by . ' - without a space: never starts a name
    after: str  # the character right after the word ("." "'" " " or "" at the end)


_TOKENS: dict[str, list[Tok]] = {}  # parts repeat (provinces, districts): tokenised once; never mutated


def tokenize(text: str) -> list[Tok]:
    """Words of one part, lower case in one tone style, each with its folded form and what glues it.
    The whole part is lowered, restyled and folded once (all three keep its length), then sliced."""
    got = _TOKENS.get(text)
    if got is None:
        if len(_TOKENS) > 100_000:
            _TOKENS.clear()
        got = _TOKENS[text] = _tokenize(text)
    return got


def _tokenize(text: str) -> list[Tok]:
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer (İ): offsets must fit the text
        low = "".join(c.lower()[:1] for c in text)
    low = _TONE_END.sub(_tone, low)
    folded = fold_word(low)
    out: list[Tok] = []
    prev_end = -1
    n = len(low)
    for m in WORD.finditer(low):
        s, e = m.span()
        attached = s - 1 == prev_end and s > 0 and low[s - 1] in GLUE
        after = low[e] if e < n else ""
        w = low[s:e]
        if w[0] in "pfqx" and len(w) > 1 and w[1:].isdigit():  # "P12" -> "p" + "12"
            num = w[1:].lstrip("0") or "0"
            out.append(Tok(w[0], w[0], s, s + 1, attached, "0"))
            out.append(Tok(num, num, s + 1, e, True, after))
        elif w[0] == "0" and w.isdigit():
            num = w.lstrip("0") or "0"
            out.append(Tok(num, num, s, e, attached, after))
        else:
            out.append(Tok(w, folded[s:e], s, e, attached, after))
        prev_end = e
    return out


GLUE = ".'-’"
# Old-style tone placement at the end of a word (hòa -> hoà): geodata.text's table, applied to a whole part.
_TONE_END = re.compile("(" + "|".join(_TONE_MOVES) + r")(?![^\W_])")


def _tone(m: re.Match) -> str:
    return _TONE_MOVES[m.group(1)]


@dataclass
class Parsed:
    street: str | None
    province: OldUnit | None
    districts: list[OldUnit]
    communes: list[int]  # indices into the index's units: one, or the candidates
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Hit:
    units: list[int]
    start: int  # first token consumed
    how: str  # exact / folded / typo


# Type words by their first word, per level.
_FIRST = {level: {} for level in TYPES}
for _level, _words in TYPES.items():
    for _w, _t in _words.items():
        _FIRST[_level].setdefault(_w[0], []).append((_w, _t))


def _type_of(window: list[Tok], level: str) -> list[tuple[int, str, bool]]:
    """Ways the window can start with a type word: (words taken, type, strong)."""
    cands = _FIRST[level].get(window[0].folded)
    if not cands:
        return []
    out = []
    n = len(window)
    for words, type_ in cands:
        k = len(words)
        if n <= k or (k == 2 and window[1].folded != words[1]):
            continue
        if k == 1 and len(words[0]) == 1:  # a single letter: a type before "." or a number only
            t = window[0]
            if t.after in (".", "0") or (t.after == " " and window[1].exact.isdigit()):
                out.append((1, type_, True))
            elif t.after == " ":
                out.append((1, type_, False))
        else:
            out.append((k, type_, True))
    return out


def _type_ok(ix: AddressIndex, i: int, key: str, written: str | None) -> bool:
    if written is None:
        return True
    t = ix.alias_types.get((i, key), ix.units[i].type) or written
    return t == written or (written == "thanh_pho" and t.startswith("thanh_pho"))


def _peel(ix: AddressIndex, toks: list[Tok], level: str, in_scope, province_suffix: bool = False) -> _Hit | None:
    """The longest run of words at the right end of `toks` that names units of `level` in scope."""
    n = len(toks)
    for fold in (False, True):
        table = ix.folded[level] if fold else ix.exact[level]
        for start in range(max(0, n - MAX_WINDOW), n):
            if toks[start].attached:
                continue
            window = toks[start:]
            typed = _type_of(window, level)
            untyped_ok = start == 0 or (province_suffix and not _only_type(toks[:start]))
            if level != "province" and window[-1].exact.isdigit() and not typed:
                untyped_ok = False  # a bare number is a house number, never a unit
            interps = [(k, t) for k, t, strong in typed if strong]
            if untyped_ok:
                interps.append((0, None))
            interps += [(k, t) for k, t, strong in typed if not strong]
            for k, written in interps:
                key = "".join((t.folded if fold else t.exact) for t in window[k:])
                hits = [i for i in table.get(key, ()) if in_scope(ix.units[i])]
                if not hits:
                    continue
                agree = [i for i in hits if _type_ok(ix, i, key, written)]
                return _Hit(agree or hits, start, "folded" if fold else "exact")
    return None


def _only_type(toks: list[Tok]) -> bool:
    """The words left of a run are only a type word ("Xã" of "Xã Phú Thọ"): the run is no province."""
    words = tuple(t.folded for t in toks)
    return any(words == w for lvl in TYPES.values() for w in lvl)


def _typo(
    ix: AddressIndex, toks: list[Tok], level: str, scope_keys: list[tuple[str, str | None]], in_scope
) -> _Hit | None:
    """A whole part one edit away from exactly one name in scope (Phường Bến Ngé -> Bến Nghé)."""
    if not toks or toks[0].attached:
        return None
    typed = _type_of(toks, level)
    for k, _written in [(k, t) for k, t, _ in typed] + [(0, None)]:
        key = "".join(t.folded for t in toks[k:])
        if len(key) < TYPO_MIN_LEN or key.isdigit():
            continue
        found: set[int] = set()
        for sk in scope_keys:
            for name, idx in ix.children.get(sk, {}).items():
                if abs(len(name) - len(key)) <= 1 and Levenshtein.distance(name, key, score_cutoff=1) <= 1:
                    found.update(i for i in idx if in_scope(ix.units[i]))
        names = {ix.units[i].name for i in found}
        if len(names) == 1:
            return _Hit(sorted(found), 0, "typo")
    return None


_COUNTRY_HINT = re.compile(r"(?i)(\d{5,6}|nam|vn|vietnam|republic)\W*$")


def _drop_country(parts: list[str]) -> list[str]:
    """Drop a trailing country name and postcode (", Việt Nam", ", VN 700000")."""
    while parts and _COUNTRY_HINT.search(parts[-1]):
        toks = tokenize(parts[-1])
        n = len(toks)
        while n:
            if POSTCODE.match(toks[n - 1].exact):
                n -= 1
                continue
            for words in COUNTRY:
                k = len(words)
                if n >= k and tuple(t.folded for t in toks[n - k : n]) == words:
                    n -= k
                    break
            else:
                break
        if n == len(toks):
            return parts
        rest = parts[-1][: toks[n].start].strip(" .-") if n else ""
        parts = parts[:-1] + ([rest] if rest else [])
    return parts


def parse(ix: AddressIndex, address: str) -> Parsed:
    if not address or not address.strip():
        raise InvalidInput("address is empty", parameter="address")
    parts = _drop_country([p.strip() for p in PARTS.split(nfc(address)) if p.strip()])
    toks = [tokenize(p) for p in parts]
    notes: list[str] = []
    i = len(parts) - 1

    def current() -> int:
        nonlocal i
        while i >= 0 and not toks[i]:
            i -= 1
        return i

    province = None
    if current() >= 0:
        hit = _peel(ix, toks[i], "province", lambda u: True, province_suffix=True)
        if hit is None and len(toks[i]) and i > 0:
            hit = _typo(ix, toks[i], "province", [("province", None)], lambda u: True)
        if hit and len({ix.units[j].code for j in hit.units}) == 1:
            province = ix.units[hit.units[0]]
            toks[i] = toks[i][: hit.start]
            if hit.how == "typo":
                notes.append(f"province {parts[i]!r} read as {province.full_name} (one letter off)")
    pcode = province.code if province else None
    in_province = (lambda u: u.province == pcode) if province else (lambda u: True)

    districts: list[OldUnit] = []
    skipped_district = None
    if current() >= 0:
        hit = _peel(ix, toks[i], "district", lambda u: u.province == pcode if pcode else True)
        if hit is None and province is not None and i > 0:
            hit = _typo(ix, toks[i], "district", [("district", pcode)], lambda u: True)
            if hit:
                notes.append(f"district {parts[i]!r} read as {ix.units[hit.units[0]].full_name} (one letter off)")
        if hit:
            districts = [ix.units[j] for j in hit.units]
            toks[i] = toks[i][: hit.start]

    communes: list[int] = []
    if current() >= 0:
        dcodes = {d.code for d in districts}
        hit = None
        if districts:
            hit = _peel(ix, toks[i], "commune", lambda u: u.parent in dcodes)
            if hit is None:
                hit = _typo(ix, toks[i], "commune", [("commune", d) for d in dcodes], lambda u: True)
                if hit:
                    notes.append(f"commune {parts[i]!r} read as {ix.units[hit.units[0]].full_name} (one letter off)")
            if hit is None and province is not None:  # the commune is in another district of the province
                hit = _peel(ix, toks[i], "commune", in_province)
                if hit and len(hit.units) == 1:
                    u = ix.units[hit.units[0]]
                    notes.append(
                        f"{u.full_name} is not in {districts[0].full_name}: it was in "
                        f"{ix.unit('district', u.parent).full_name} before the reform"
                    )
                else:
                    hit = None
        else:
            hit = _peel(ix, toks[i], "commune", in_province)
            if hit is None and i > 0:
                # not a commune: an old district name we do not know; the commune is on its left
                skipped_district = parts[i]
                i -= 1
                if current() >= 0:
                    hit = _peel(ix, toks[i], "commune", in_province)
            if hit is None and province is not None and current() >= 0:
                hit = _typo(ix, toks[i], "commune", [("commune@province", pcode)], lambda u: True)
                if hit:
                    notes.append(f"commune {parts[i]!r} read as {ix.units[hit.units[0]].full_name} (one letter off)")
        if hit:
            communes = hit.units
            toks[i] = toks[i][: hit.start]
            if skipped_district:
                notes.append(
                    f"{skipped_district!r} is not an old district of "
                    f"{province.full_name if province else 'any province'}; "
                    "the commune was found from its name and the province"
                )
    if not communes:
        raise _not_understood(ix, address, parts, toks, province, districts)
    if len(communes) > 1:
        communes = _dedupe(ix, communes)
    street = _street(parts, toks, i)
    return Parsed(street, province, districts, communes, notes)


def _dedupe(ix: AddressIndex, idx: list[int]) -> list[int]:
    return sorted(set(idx), key=lambda j: ix.units[j].code)


def _street(parts: list[str], toks: list[list[Tok]], i: int) -> str | None:
    """What is left of the commune's part and the parts on its left, as written."""
    kept = [p for p in parts[:i]]
    if 0 <= i < len(parts) and toks[i]:
        kept.append(parts[i][: toks[i][-1].end])  # the words left of the commune, as written
    kept = [k.strip(" .-") for k in kept if k.strip(" .-")]
    return ", ".join(kept) or None


def _not_understood(ix, address, parts, toks, province, districts) -> InvalidInput:
    left = next((parts[j] for j in range(len(parts) - 1, -1, -1) if toks[j]), None)
    found = [u.full_name for u in (*districts[:1], province) if u]
    where = ", ".join(found) or "any old province"
    detail = (
        f"no old commune (phường, xã, thị trấn) recognised in {address!r}: {left!r} is not a "
        f"commune, district or province of {where}"
        if left
        else f"no old commune recognised in {address!r}; found only {where}"
    )
    return InvalidInput(
        detail,
        parameter="address",
        part="commune" if found else "address",
        text=left,
        matched={"province": province and province.code, "districts": [d.code for d in districts]},
    )
