"""An independent reading of the official map's "before merger" texts, for the tests: which new communes
each text names as taking (part of) an old commune. Written apart from etl/lineage_text.py and
etl/lineage_match.py on purpose, and simpler: a text is cut at , ; ( ) "và" and "." into pieces, and a
piece names an old commune when it ends with the commune's name (with its diacritics) after a space or at
its start. Provinces the same way ("tỉnh Hà Giang và tỉnh Tuyên Quang"), so an old commune is looked
for only in the new provinces whose text names its old province. A district written beside a name
("Xã Tân Phú (huyện Đức Hòa)") is not used: same-named communes of a province are each allowed every
new commune that names the name, a superset that still excludes every commune no text names."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

CUT = re.compile(r"[,;()]|\s+và\s+|\.\s")
UNCHANGED = ("giữ nguyên", "không sắp xếp", "không thực hiện sắp xếp")
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
         "x": "10", "xi": "11", "xii": "12"}
# The two tone-mark styles (hòa / hoà): compare in one.
TONES = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ",
         "ọe": "oẹ", "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ"}


def norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")
    words = []
    for w in text.split():
        w = w.strip(".:")
        if w[-2:] in TONES:
            w = w[:-2] + TONES[w[-2:]]
        w = re.sub(r"^0+(\d)", r"\1", w)
        words.append(ROMAN.get(w, w) if w in ROMAN else w)
    return " ".join(words)


def pieces(text: str | None) -> list[str]:
    if not text:
        return []
    return [p.strip() for p in CUT.split(norm(text)) if p.strip()]


def names(text: str | None, name: str) -> bool:
    n = norm(name)
    return any(p == n or p.endswith(" " + n) for p in pieces(text))


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
        for oc, oname in old_prov.items():
            if any(names(t, oname) for t in (t1, t2)) or \
                    (any(t and norm(t) in UNCHANGED for t in (t1, t2)) and norm(oname) == norm(name)):
                preds[code].add(oc)
    new_by_old_prov = defaultdict(list)
    for r in new:
        if r[1] == "commune":
            for op in preds[r[4]]:
                new_by_old_prov[op].append(r)
    out = {}
    for code, level, name, _, province, *_ in old:
        if level != "commune":
            continue
        got = set()
        for ncode, _, nname, _, _, t1, t2, _ in new_by_old_prov[province]:
            if any(names(t, name) for t in (t1, t2)) or \
                    (any(t and norm(t) in UNCHANGED for t in (t1, t2)) and norm(nname) == norm(name)):
                got.add(ncode)
        out[code] = got
    return out
