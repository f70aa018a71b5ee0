"""CQL2 text (OGC API – Features Part 3) for property comparisons, compiled to SQL with bound values.

Supported (conformance classes basic-cql2 and advanced-comparison-operators):
    prop = 'x'   <>  <  <=  >  >=     AND  OR  NOT  ( )
    prop [NOT] LIKE 'Phường %'       prop [NOT] IN ('01', '79')       prop [NOT] BETWEEN 1 AND 9
    prop IS [NOT] NULL               literals: 'text' ('' escapes a quote), numbers, TRUE/FALSE,
                                     DATE('2025-07-01'), TIMESTAMP('2025-07-01T00:00:00Z')
Property names come from the collection's queryables (a whitelist mapping name -> SQL expression
and JSON type); anything else is a 422 naming the allowed properties. Values never enter the SQL
text: each becomes a named parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from geodata.errors import InvalidInput

TOKEN = re.compile(
    r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<op><>|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<qname>"[^"]+")
  | (?P<word>[A-Za-z_][A-Za-z0-9_.:]*)
)""",
    re.VERBOSE,
)
COMPARE = {"=", "<>", "<", "<=", ">", ">="}


@dataclass
class Compiled:
    sql: str
    params: dict = field(default_factory=dict)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InvalidInput(f"filter: cannot read {text[pos : pos + 20]!r} (CQL2 text expected)", parameter="filter")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str, queryables: dict[str, tuple[str, str]], prefix: str):
        self.toks, self.i = _tokens(text), 0
        self.q, self.params, self.prefix = queryables, {}, prefix

    # -- token helpers
    def peek(self, ahead: int = 0) -> tuple[str, str] | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def word(self, *names: str, ahead: int = 0) -> bool:
        t = self.peek(ahead)
        return t is not None and t[0] == "word" and t[1].upper() in names

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        t = self.peek()
        if t is None or (kind and t[0] != kind) or (value and t[1].upper() != value):
            want = value or kind or "more"
            got = "the end" if t is None else repr(t[1])
            raise InvalidInput(f"filter: expected {want}, found {got}", parameter="filter")
        self.i += 1
        return t[1]

    def bind(self, value, typ: str | None = None) -> str:
        for v in value if isinstance(value, list) else [value]:
            if typ and not _fits(v, typ):
                raise InvalidInput(
                    f"filter: {v!r} is not a {typ} value, as the property compared with it is", parameter="filter"
                )
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    # -- grammar
    def expr(self) -> str:
        return self.joined("OR", self.conj)

    def conj(self) -> str:
        return self.joined("AND", self.neg)

    def joined(self, op: str, operand) -> str:
        """operand (op operand)*, parenthesised when there is more than one."""
        parts = [operand()]
        while self.word(op):
            self.i += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else "(" + f" {op} ".join(parts) + ")"

    def neg(self) -> str:
        if self.word("NOT"):
            self.i += 1
            return f"(NOT {self.neg()})"
        if self.peek() == ("punct", "("):
            self.i += 1
            inner = self.expr()
            self.take("punct", ")")
            return f"({inner})"
        return self.predicate()

    def prop(self) -> tuple[str, str]:
        t = self.peek()
        if t is None or t[0] not in ("word", "qname"):
            raise InvalidInput(
                f"filter: expected a property name, found {t[1] if t else 'the end'!r}", parameter="filter"
            )
        self.i += 1
        name = t[1].strip('"')
        if name not in self.q:
            raise InvalidInput(
                f"filter: unknown property {name!r}; queryables: {', '.join(self.q)}",
                parameter="filter",
                allowed=list(self.q),
            )
        return self.q[name]

    def literal(self, typ: str):
        kind, v = self.peek() or ("end", "")
        if kind == "str":
            self.i += 1
            return self._typed(v[1:-1].replace("''", "'"), typ)
        if kind == "num":
            self.i += 1
            return float(v) if any(c in v for c in ".eE") else int(v)
        if kind == "word" and v.upper() in ("TRUE", "FALSE"):
            self.i += 1
            return v.upper() == "TRUE"
        if kind == "word" and v.upper() in ("DATE", "TIMESTAMP"):
            self.i += 1
            self.take("punct", "(")
            s = self.take("str")[1:-1]
            self.take("punct", ")")
            return self._typed(s[:10], "date")
        raise InvalidInput(f"filter: expected a value, found {v or 'the end'!r}", parameter="filter")

    @staticmethod
    def _typed(s: str, typ: str):
        if typ == "date":
            try:
                return date.fromisoformat(s[:10])
            except ValueError:
                raise InvalidInput(f"filter: {s!r} is not a date YYYY-MM-DD", parameter="filter") from None
        return s

    def predicate(self) -> str:
        col, typ = self.prop()
        negate = "NOT " if self.word("NOT") else ""
        if negate:
            self.i += 1
        if self.word("LIKE"):
            self.i += 1
            return f"({col})::text {negate}LIKE {self.bind(self.literal('string'), 'string')}"
        if self.word("IN"):
            self.i += 1
            self.take("punct", "(")
            values = [self.literal(typ)]
            while self.peek() == ("punct", ","):
                self.i += 1
                values.append(self.literal(typ))
            self.take("punct", ")")
            return f"{negate}({col} = ANY({self.bind(values, typ)}))"
        if self.word("BETWEEN"):
            self.i += 1
            lo = self.literal(typ)
            self.take("word", "AND")
            hi = self.literal(typ)
            return f"({col} {negate}BETWEEN {self.bind(lo, typ)} AND {self.bind(hi, typ)})"
        if negate:
            raise InvalidInput("filter: NOT must be followed by LIKE, IN or BETWEEN here", parameter="filter")
        if self.word("IS"):
            self.i += 1
            isnot = "NOT " if self.word("NOT") else ""
            if isnot:
                self.i += 1
            self.take("word", "NULL")
            return f"({col} IS {isnot}NULL)"
        op = self.take("op")
        if op not in COMPARE:
            raise InvalidInput(f"filter: unknown operator {op!r}", parameter="filter")
        return f"({col} {op} {self.bind(self.literal(typ), typ)})"


def _fits(v, typ: str) -> bool:
    if typ in ("integer", "number"):
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, {"string": str, "date": date, "boolean": bool}.get(typ, object))


def compile_filter(text: str, queryables: dict[str, tuple[str, str]], prefix: str = "f") -> Compiled:
    """CQL2 text -> SQL boolean expression over the queryables' SQL expressions, with parameters."""
    if len(text) > 4000:
        raise InvalidInput("filter is too long (4000 characters at most)", parameter="filter")
    p = _Parser(text, queryables, prefix)
    if not p.toks:
        raise InvalidInput("filter is empty", parameter="filter")
    sql = p.expr()
    if p.peek() is not None:
        raise InvalidInput(f"filter: unexpected {p.peek()[1]!r} after a complete expression", parameter="filter")
    return Compiled(sql, p.params)
