"""Parse the official map's "before merger" texts into items: the old units a new unit was made of.

The texts are free Vietnamese prose in a few recurring shapes:
    "Phường Quán Thánh, Phường Trúc Bạch, ..., Phường Cửa Đông (phần còn lại sau khi sáp nhập vào phường Hoàn Kiếm)"
    "một phần diện tích TN, quy mô dân số của các phường Cửa Nam, Điện Biên, ..., phần còn lại của phường Cửa Đông"
    "Xã Tân Phú (huyện Đức Hòa), Xã Hiệp Hòa"        (a district named to tell same-named communes apart)
    "tỉnh Hà Giang và tỉnh Tuyên Quang", "giữ nguyên" (unchanged)
Each item: the old unit's name, its type if written, the old district/province hint, whether only a
part of it went here, and (for remainders) the new units that took the other part."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from geodata.lineage.address_index import ROMAN
from geodata.text import fold, nfc, tone_style

# Type words as they appear in the texts (NFC, any case), longest first.
TYPE_WORDS = {
    "thị trấn": "thi_tran",
    "thị xã": "thi_xa",
    "thành phố": "thanh_pho",
    "tp": "thanh_pho",
    "phường": "phuong",
    "xã": "xa",
    "huyện": "huyen",
    "quận": "quan",
    "tỉnh": "tinh",
    "đặc khu": "dac_khu",
}
COMMUNE_TYPES = {"phuong", "xa", "thi_tran"}
DISTRICT_TYPES = {"huyen", "quan", "thi_xa", "thanh_pho"}
_TYPE_ALT = "|".join(re.escape(w) for w in TYPE_WORDS)
# Structural words are matched with their diacritics: folded, "của" (of) and "Cửa" (a name) are one word.
_TYPE_RE = re.compile(rf"^(?:các\s+)?({_TYPE_ALT})\.?(?:\s+|$)(.*)$", re.I)
_PART_RE = re.compile(r"một phần|phần còn lại|phần diện tích", re.I)
_REMAINDER_RE = re.compile(r"phần còn lại", re.I)
_WHOLE_RE = re.compile(r"toàn bộ", re.I)
_OF_RE = re.compile(r"^(.*)\bcủa\b\s*", re.I)  # "... quy mô dân số của các phường X" -> "các phường X"
_TAIL_RE = re.compile(r"\s*\b(sau khi sắp xếp|sau sắp xếp|sau khi sáp nhập)\b.*$", re.I)
_INTO_RE = re.compile(r"sáp nhập vào\s+(.*)$", re.I)
_UNCHANGED = {"giu nguyen", "khong sap xep", "khong thuc hien sap xep"}
_NOISE = re.compile(
    r"^(thôn|ấp|tổ dân phố|khu phố|bản|xóm|bon|buôn|làng|khu vực|nông trường|trường bắn|lâm trường)\s", re.I
)
_NOTE_AFTER = re.compile(r"\.\s+Từ ngày.*$", re.S)  # "... Từ ngày 30/04/2026, ... chuyển thành ...": later news


@dataclass
class Item:
    name: str  # as written (NFC), without type word
    key: str  # folded name, for matching
    type: str | None = None  # type word if written (xa, phuong, thi_tran, huyen, tinh, ...)
    part: bool = False  # "một phần", "phần còn lại": only part of the unit went here
    remainder: bool = False  # "phần còn lại": the rest of a unit split earlier
    district: str | None = None  # folded district hint "(huyện Đức Hòa)"
    district_type: str | None = None
    province: str | None = None  # folded province hint
    into: list[tuple[str | None, str]] = field(default_factory=list)  # other successors named (type, key)
    raw: str = ""  # the piece of text as written (the evidence of the edge)
    exact: str = ""  # the name with its diacritics (lower case, one tone style): exact match first


_ROMAN = ROMAN  # one table with the address index (geodata/lineage/address_index.py)


def name_key(name: str) -> str:
    """Folded name; numbers without leading zeros ("Phường 03" = "Phường 3"), "Phường IV" = "Phường 4"."""
    key = re.sub(r"\b0+(\d)", r"\1", fold(tone_style(nfc(name))))
    return _roman(key)


def _roman(key: str) -> str:
    """A Roman number as the last word ("IV", "Hòa Tú II") in digits."""
    words = key.split(" ")
    words[-1] = _ROMAN.get(words[-1], words[-1])
    return " ".join(words)


def exact_key(name: str) -> str:
    """The name with its diacritics (lower case, one tone-mark style, numbers as name_key has them):
    "Minh Quán" and "Minh Quân" differ here and fold to one name_key."""
    key = re.sub(r"\b0+(\d)", r"\1", " ".join(tone_style(nfc(name)).lower().split()))
    return _roman(key)


def loose_key(key: str) -> str:
    """Spelling variants that the texts and the unit lists disagree on: Xín/Sín, Mỹ/Mĩ, Ea H'leo/Ea Hleo."""
    words = [("s" + w[1:]) if w.startswith("x") else w for w in key.split()]
    words = [(w[:-1] + "i") if w.endswith("y") else w for w in words]
    return "".join(words)


def _split_top(text: str) -> list[tuple[str, list[str]]]:
    """Split on , ; "và" outside parentheses; return (main text, [parenthesised notes]) pieces."""
    pieces, depth, cur, notes, note = [], 0, [], [], []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
            if depth == 1:
                note = []
                i += 1
                continue
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                notes.append("".join(note))
                i += 1
                continue
        if depth:
            note.append(ch)
        elif ch in ",;" or text.startswith(" và ", i) or text.startswith(". ", i):
            pieces.append(("".join(cur), notes))
            cur, notes = [], []
            i += 4 if ch == " " else 1
            continue
        else:
            cur.append(ch)
        i += 1
    pieces.append(("".join(cur), notes))
    return [(p.strip(), n) for p, n in pieces if p.strip() or n]


def _typed(text: str) -> tuple[str | None, str]:
    """Split a leading type word off: ("xa", "Hòa Sơn") for "Xã Hòa Sơn"."""
    m = _TYPE_RE.match(text.strip())
    if not m:
        return None, text.strip()
    rest = m.group(2).strip()
    again = _TYPE_RE.match(rest)  # "các phường Phường Giảng Võ"
    if again and again.group(1).lower() == m.group(1).lower():
        rest = again.group(2).strip()
    return TYPE_WORDS[m.group(1).lower()], rest


def _apply_note(item: Item, note: str) -> None:
    if _PART_RE.search(note):
        item.part = True
        item.remainder = item.remainder or bool(_REMAINDER_RE.search(note))
        m = _INTO_RE.search(note)
        if m:  # "phần còn lại sau khi sáp nhập vào phường Ba Đình, phường Ngọc Hà"
            for piece in re.split(r",|;|\bvà\b", m.group(1)):
                t, rest = _typed(piece)
                if rest:
                    item.into.append((t, name_key(rest)))
        return
    t, rest = _typed(note)
    if not rest:
        return
    if t == "tinh":
        item.province = name_key(rest)
    elif t in DISTRICT_TYPES:
        item.district, item.district_type = name_key(rest), t
    elif t is None:  # "(Quận 11)" has its type; a bare "(Phủ Lý)" is a district too
        item.district = name_key(rest)


def parse(text: str | None) -> tuple[list[Item], bool, list[str]]:
    """Items of one text; whether it says "unchanged"; pieces it could not read (for the report)."""
    if not text:
        return [], False, []
    text = _NOTE_AFTER.sub("", nfc(text))
    if fold(text) in _UNCHANGED:
        return [], True, []
    items: list[Item] = []
    skipped: list[str] = []
    unchanged = False
    ctx_type: str | None = None  # "các phường A, B, C": B and C are phường too
    ctx_part = ctx_rem = False  # ... and part too when the group said "một phần ... của"
    pending: bool | None = None  # "một phần diện tích TN," dangling before "quy mô dân số của ..."
    for main, notes in _split_top(text):
        if fold(main) in _UNCHANGED:
            unchanged = True
            continue
        if _NOISE.match(main):  # a village of another commune: below our level
            skipped.append(main)
            continue
        m = _OF_RE.match(main)
        prefix, body = (m.group(1), main[m.end() :]) if m else ("", main)
        body = _TAIL_RE.sub("", body).strip()
        if not m and (_PART_RE.search(body) or _WHOLE_RE.search(body)) and not _typed(body)[0]:
            pending = bool(_PART_RE.search(body))  # a modifier with no name: applies to what follows
            continue
        t, rest = _typed(body)
        if not rest:
            if notes:
                skipped.append(main)
            continue
        if m:  # a new group "... của [các] phường X"
            ctx_part = bool(_PART_RE.search(prefix)) or bool(pending)
            ctx_rem = bool(_REMAINDER_RE.search(prefix))
            ctx_type = t
        elif t:
            ctx_type = t
            ctx_part = ctx_rem = False
        pending = None
        raw = main + "".join(f" ({n})" for n in notes)
        item = Item(
            name=rest,
            key=name_key(rest),
            type=t or ctx_type,
            part=ctx_part,
            remainder=ctx_rem,
            raw=raw,
            exact=exact_key(rest),
        )
        for n in notes:
            _apply_note(item, n)
        items.append(item)
    return items, unchanged, skipped
