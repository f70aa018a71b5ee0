"""An independent reading of the official map's "before merger" texts, for the tests: which new communes
each text names as taking (part of) an old commune. Written apart from etl/lineage_text.py and
etl/lineage_match.py on purpose, and simpler: a text is cut at , ; ( ) "và" and "." into pieces, and a
piece names an old commune when it ends with the commune's name (with its diacritics) after a space or at
its start. Provinces the same way ("tỉnh Hà Giang và tỉnh Tuyên Quang"), so an old commune is looked
for only in the new provinces whose text names its old province. A district written beside a name
("Xã Tân Phú (huyện Đức Hòa)") is not used: same-named communes of a province are each allowed every
new commune that names the name, a superset that still excludes every commune no text names.
The texts and the unit list spell some names differently (Sà/Xà Phìn, Phó/Phố Bảng, Nông trường/N.T,
"Văn Miếu - Quốc Tử Giám" with or without the dash): when no text names an old commune as listed, the
names are compared without diacritics and spaces (x = s, y = i), then, last, by a close spelling
(difflib ratio >= 0.8) among the texts of the new province."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict

CUT = re.compile(r"[,;()]|\s+và\s+|\.\s")
CUT_KEEP_VA = re.compile(r"[,;()]|\.\s")  # "Lao Và Chải" is a name
UNCHANGED = ("giữ nguyên", "không sắp xếp", "không thực hiện sắp xếp")
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
# The two tone-mark styles (hòa / hoà): compare in one.
TONES = {
    "òa": "oà",
    "óa": "oá",
    "ỏa": "oả",
    "õa": "oã",
    "ọa": "oạ",
    "òe": "oè",
    "óe": "oé",
    "ỏe": "oẻ",
    "õe": "oẽ",
    "ọe": "oẹ",
    "ùy": "uỳ",
    "úy": "uý",
    "ủy": "uỷ",
    "ũy": "uỹ",
    "ụy": "uỵ",
}


def norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")
    words = []
    for w in text.split():
        w = w.strip(".:")
        if w[-2:] in TONES:
            w = w[:-2] + TONES[w[-2:]]
        w = re.sub(r"^0+(\d)", r"\1", w)
        words.append(w)
    if words and words[-1] in ROMAN:  # "Hòa Tú II" = "Hòa Tú 2"; a Roman number ends a name
        words[-1] = ROMAN[words[-1]]
    return " ".join(words)


def pieces(text: str | None) -> list[str]:
    if not text:
        return []
    text = unicodedata.normalize("NFC", text).lower()
    return [norm(p) for cut in (CUT, CUT_KEEP_VA) for p in cut.split(text) if p.strip()]


def loose(name: str) -> str:
    """Without diacritics, spaces and dashes; x = s, y = i; "nông trường" = "nt"."""
    text = unicodedata.normalize("NFD", norm(name).replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"^nong truong\b|\bn\.?\s?t\b", "nt", text)
    return "".join(re.findall(r"[a-z0-9]+", text)).replace("x", "s").replace("y", "i")


def names(text: str | None, name: str) -> bool:
    return norm(name) in endings(text)


def endings(text: str | None) -> set[str]:
    """Every run of last words of every piece: a piece names what it ends with."""
    out = set()
    for p in pieces(text):
        words = p.split()
        out.update(" ".join(words[k:]) for k in range(len(words)))
    return out


def expected_successors(db) -> dict[str, set[str]]:
    """Old commune code -> the new communes (2025-07-01) whose texts name it."""
    rows = db.execute("""SELECT code, level, name, parent_code, province_code, before_merger, before_merger_detail,
                                generation_from FROM geo.units
                         WHERE generation_from IN ('pre-2025', '2025-07-01')""").fetchall()
    old = [r for r in rows if r[7] == "pre-2025"]
    new = [r for r in rows if r[7] == "2025-07-01"]
    old_prov = {r[0]: r[2] for r in old if r[1] == "province"}
    # new province -> old provinces its text names (or its own name when unchanged)
    preds = defaultdict(set)
    for code, level, name, _, _, t1, t2, _ in new:
        if level != "province":
            continue
        t1, t2 = (
            t and re.sub(r"(?i)\bTPHCM\b", "Thành phố Hồ Chí Minh", t) for t in (t1, t2)
        )  # as Ho Chi Minh City's text has it
        for oc, oname in old_prov.items():
            if any(names(t, oname) for t in (t1, t2)) or (
                any(t and norm(t) in UNCHANGED for t in (t1, t2)) and norm(oname) == norm(name)
            ):
                preds[code].add(oc)
    new_by_old_prov = defaultdict(list)
    for r in new:
        if r[1] == "commune":
            for op in preds[r[4]]:
                new_by_old_prov[op].append(r)
    ends, loose_ends, outside, raw = {}, {}, {}, {}
    for ncode, level, nname, _, _, t1, t2, _ in new:
        if level == "commune":
            # outside parentheses: "(huyện Quan Hóa)" tells a district apart, "Huyện Kiên Hải" names it whole
            outside[ncode] = {p for t in (t1, t2) if t for p in pieces(re.sub(r"\([^)]*\)", "", t))}
            raw[ncode] = " | ".join(norm(t) for t in (t1, t2) if t)
            e = endings(t1) | endings(t2)
            if any(t and norm(t) in UNCHANGED for t in (t1, t2)):
                e.add(norm(nname))
            ends[ncode] = e
            loose_ends[ncode] = {loose(x) for x in e}
    districts = {r[0]: r[2] for r in old if r[1] == "district"}
    communes = [r for r in old if r[1] == "commune"]
    by_district = defaultdict(list)
    for r in communes:
        by_district[r[3]].append(r)
    same_name = defaultdict(list)  # (old province group, loose name) -> old communes
    for r in communes:
        same_name[(frozenset(preds_of(preds, r[4])), loose(r[2]))].append(r)

    def named(n_code: str, name: str) -> bool:
        return norm(name) in ends[n_code] or loose(name) in loose_ends[n_code]

    out = {}
    for code, _level, name, district, province, *_ in communes:
        whole_district = norm("huyện " + districts[district])  # "Huyện Kiên Hải": all its communes
        cands = new_by_old_prov[province]
        got = {r[0] for r in cands if named(r[0], name) or whole_district in outside[r[0]]}
        twins = same_name[(frozenset(preds_of(preds, province)), loose(name))]
        if len(twins) > 1 and got:
            # Several old communes of these provinces have this name: a text names this one when it also
            # names its district ("(huyện Đức Hòa)") or another commune of its district.
            hints = [
                f"{norm(name)} ({norm(t + ' ' + districts[district])})"
                for t in ("huyện", "quận", "thị xã", "thành phố")
            ]
            near = {
                n
                for n in got
                if any(h in raw[n] for h in hints)
                or any(o[0] != code and named(n, o[2]) for o in by_district[district])
            }
            got = near or got
        if not got:
            got = {
                r[0]
                for r in cands
                if any(difflib.SequenceMatcher(None, loose(name), x).ratio() >= 0.8 for x in loose_ends[r[0]])
            }
        out[code] = got
    return out


def preds_of(preds: dict, old_province: str) -> set[str]:
    """The new provinces an old province went into."""
    return {new for new, olds in preds.items() if old_province in olds}
