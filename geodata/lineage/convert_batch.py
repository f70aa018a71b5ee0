"""Batch conversion: many addresses (JSON list or CSV with an address column, optional lat/lon),
each answered on its own, so one bad address does not fail the batch. In memory (geodata.lineage.convert):
about 10-30 µs an address, no database."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

from geodata.errors import GeodataError, InvalidInput, TooLarge
from geodata.lineage.convert import Converter

MAX_ROWS = 50_000
ADDRESS_COLUMNS = ("address", "dia_chi", "địa chỉ", "diachi")
OUT_COLUMNS = (
    "status",
    "old_commune_code",
    "old_commune",
    "old_district_code",
    "old_province_code",
    "new_commune_code",
    "new_commune",
    "new_province_code",
    "new_province",
    "split",
    "resolved_by",
    "new_address",
    "other_successors",
    "candidates",
    "error",
)


def _float(v) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InvalidInput(f"lat/lon must be numbers, got {v!r}", parameter="lat") from None


def rows_from_json(body) -> list[dict]:
    items = body.get("addresses") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise InvalidInput('send a JSON list of addresses, or {"addresses": [...]}, or a CSV', parameter="body")
    rows = []
    for x in items:
        rows.append({"address": x} if isinstance(x, str) else dict(x) if isinstance(x, dict) else {"address": None})
    return _check_size(rows)


def rows_from_csv(text: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = reader.fieldnames or []
    col = next((f for f in fields if f.strip().lower() in ADDRESS_COLUMNS), None)
    if col is None:
        raise InvalidInput(
            f"the CSV needs an address column (one of {', '.join(ADDRESS_COLUMNS)}); it has {fields}", parameter="body"
        )
    rows = [dict(r, address=r[col]) for r in reader]
    return _check_size(rows), fields


def _check_size(rows: list) -> list:
    if len(rows) > MAX_ROWS:
        raise TooLarge(f"at most {MAX_ROWS:,} addresses per request, got {len(rows):,}")
    return rows


def convert_one(conv: Converter, row: dict, as_of: date) -> dict:
    try:
        lat, lon = row.get("lat"), row.get("lon")
        if lat is None and lon is None:
            lat, lon = row.get("latitude"), row.get("longitude")
        lat, lon = _float(lat), _float(lon)
        address = row.get("address")
        if address is not None and not isinstance(address, str):
            raise InvalidInput(f"an address must be a string, got {type(address).__name__}", parameter="address")
        return conv.convert(address or "", lat, lon, as_of)
    except GeodataError as exc:
        return {
            "address": row.get("address"),
            "status": "error",
            "error": {"title": exc.title, "detail": exc.detail, **exc.extra},
        }


def convert_rows(
    conv: Converter, rows: list[dict], as_of: date, progress: Callable[[], None] | None = None
) -> list[dict]:
    if progress is None:
        return [convert_one(conv, row, as_of) for row in rows]
    out = []
    for row in rows:
        out.append(convert_one(conv, row, as_of))
        progress()
    return out


def flat(result: dict) -> dict:
    """One CSV row of a conversion result."""
    old = result.get("matched_old") or {}
    first = (result.get("results") or [None])[0] or {}
    return {
        "status": result.get("status"),
        "old_commune_code": (old.get("commune") or {}).get("code"),
        "old_commune": (old.get("commune") or {}).get("full_name"),
        "old_district_code": (old.get("district") or {}).get("code"),
        "old_province_code": (old.get("province") or {}).get("code"),
        "new_commune_code": first.get("code"),
        "new_commune": first.get("full_name"),
        "new_province_code": (first.get("province") or {}).get("code"),
        "new_province": (first.get("province") or {}).get("full_name"),
        "split": result.get("split"),
        "resolved_by": result.get("resolved_by"),
        "new_address": result.get("new_address"),
        "other_successors": " ".join(r["code"] for r in (result.get("results") or [])[1:]),
        "candidates": " ".join(c["code"] for c in result.get("candidates") or []),
        "error": (result.get("error") or {}).get("detail") or result.get("detail")
        if result.get("status") != "ok"
        else None,
    }


def to_csv(rows: list[dict], results: list[dict], fields: list[str]) -> str:
    buf = io.StringIO()
    extra = [c for c in OUT_COLUMNS if c not in fields]
    w = csv.DictWriter(buf, fieldnames=[*fields, *extra], extrasaction="ignore")
    w.writeheader()
    for row, res in zip(rows, results):
        w.writerow({**{f: row.get(f) for f in fields}, **{k: v for k, v in flat(res).items() if k in extra}})
    return buf.getvalue()
