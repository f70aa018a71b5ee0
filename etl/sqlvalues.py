"""Read the rows of `INSERT INTO t(cols) VALUES (...), (...);` statements in upstream SQL dumps."""

from __future__ import annotations

import re
from collections.abc import Iterator

_INSERT = re.compile(r"INSERT INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _tuple(text: str, pos: int) -> tuple[list, int]:
    """Parse one parenthesised tuple starting at text[pos] == '('; return values and end position."""
    values: list = []
    pos += 1
    while True:
        while text[pos] in " \t\r\n":
            pos += 1
        ch = text[pos]
        if ch == "'":
            buf = []
            pos += 1
            while True:
                end = text.index("'", pos)
                buf.append(text[pos:end])
                if text.startswith("''", end):
                    buf.append("'")
                    pos = end + 2
                else:
                    pos = end + 1
                    break
            values.append("".join(buf))
        elif text.startswith("NULL", pos):
            values.append(None)
            pos += 4
        else:
            m = _NUMBER.match(text, pos)
            if not m:
                raise ValueError(f"unexpected SQL value at offset {pos}: {text[pos : pos + 40]!r}")
            values.append(float(m.group()) if "." in m.group() else int(m.group()))
            pos = m.end()
        while text[pos] in " \t\r\n":
            pos += 1
        if text[pos] == ",":
            pos += 1
        elif text[pos] == ")":
            return values, pos + 1
        else:
            raise ValueError(f"unexpected SQL at offset {pos}: {text[pos : pos + 40]!r}")


def insert_rows(text: str, table: str) -> Iterator[dict]:
    """Yield each row inserted into `table` as a dict keyed by column name."""
    for m in _INSERT.finditer(text):
        if m.group(1).lower() != table.lower():
            continue
        cols = [c.strip().strip('"') for c in m.group(2).split(",")]
        pos = m.end()
        while True:
            values, pos = _tuple(text, pos)
            if len(values) != len(cols):
                raise ValueError(f"{table}: {len(values)} values for {len(cols)} columns near offset {pos}")
            yield dict(zip(cols, values))
            while text[pos] in " \t\r\n":
                pos += 1
            if text[pos] == ",":
                pos += 1
                while text[pos] in " \t\r\n":
                    pos += 1
                continue
            break
