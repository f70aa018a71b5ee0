"""Vietnamese text: NFC storage, one folding function for search and matching."""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

# Old-style tone placement (hoà, thuỷ, khoẻ) -> the new style used by the statistics office.
# Only the vowel pairs where the two styles differ: the mark moves from the first to the second vowel.
_TONE_MOVES = {
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
_TONE_RE = re.compile("|".join(_TONE_MOVES), re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def nfc(text: str | None) -> str | None:
    """NFC, straight apostrophes, single spaces, trimmed."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u2018", "'")
    return _SPACES.sub(" ", text).strip()


def tone_style(text: str) -> str:
    """One tone-mark placement style, so that "Hòa" and "Hoà" compare equal.

    Vietnamese allows both; we keep the source spelling for display and use this for matching.
    Only applied where the pair ends the syllable (hòa -> hoà, but not hoàng)."""

    def repl(m: re.Match) -> str:
        s = m.group(0)
        out = _TONE_MOVES[s.lower()]
        return out.upper() if s.isupper() else (out.capitalize() if s[0].isupper() else out)

    words = []
    for word in text.split(" "):
        low = word.lower()
        if len(low) >= 2 and low[-2:] in _TONE_MOVES:
            word = word[:-2] + _TONE_RE.sub(repl, word[-2:])
        words.append(word)
    return " ".join(words)


def fold(text: str | None) -> str:
    """Search key: no diacritics (đ -> d), lower case, words separated by one space."""
    if not text:
        return ""
    ascii_text = anyascii(unicodedata.normalize("NFC", text)).lower()
    return _NON_WORD.sub(" ", ascii_text).strip()


def same_name(a: str | None, b: str | None) -> bool:
    """Equal after NFC, case and tone-placement normalisation (diacritics still count)."""
    if a is None or b is None:
        return a is b
    return tone_style(nfc(a)).casefold() == tone_style(nfc(b)).casefold()


def _fold_table() -> dict[int, str]:
    """fold() letter by letter, for the Latin letters with diacritics (Vietnamese and its neighbours):
    one character in, one out, so tokens of a text and of its folded form stay aligned."""
    table = {}
    for cp in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)):
        out = anyascii(chr(cp)).lower()
        if len(out) == 1 and out.isalpha():
            table[cp] = out
    return table


_FOLD_TABLE = _fold_table()


def fold_word(word: str) -> str:
    """fold() of one lower-case word, without the regex and anyascii passes (the address parser's hot loop)."""
    return word.translate(_FOLD_TABLE)
