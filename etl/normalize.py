"""Turn source records into clean unit and attribute records: NFC, casing, numbers, placeholders."""

from __future__ import annotations

import re

from geodata.text import fold, nfc, same_name

TYPE_PREFIX = {
    "tinh": "Tỉnh",
    "thanh_pho": "Thành phố",
    "xa": "Xã",
    "phuong": "Phường",
    "dac_khu": "Đặc khu",
    "huyen": "Huyện",
    "quan": "Quận",
    "thi_xa": "Thị xã",
    "thanh_pho_thuoc_tinh": "Thành phố",
    "thanh_pho_thuoc_tp": "Thành phố",
    "thi_tran": "Thị trấn",
}
TYPE_EN = {
    "tinh": "Province",
    "thanh_pho": "City",
    "xa": "Commune",
    "phuong": "Ward",
    "dac_khu": "Special administrative region",
    "huyen": "District",
    "quan": "District",
    "thi_xa": "Town",
    "thanh_pho_thuoc_tinh": "City",
    "thanh_pho_thuoc_tp": "City",
    "thi_tran": "Township",
}
PLACEHOLDERS = {"đang cập nhật", "dang cap nhat", "", "-", "null"}
_EN_PREFIXED = re.compile(r"^(Ward|Commune|Special administrative region) (.+)$")


def full_name(type_: str, name: str) -> str:
    return f"{TYPE_PREFIX[type_]} {name}"


def unit_record(raw: dict, notes: list[dict]) -> dict:
    """Consistent casing of the type prefix and English forms; differences are noted, not hidden."""
    rec = dict(raw)
    expected = full_name(rec["type"], rec["name"])
    if rec["full_name"] != expected:
        if not same_name(rec["full_name"], expected):
            notes.append(
                {
                    "code": rec["code"],
                    "field": "full_name",
                    "from": rec["full_name"],
                    "to": expected,
                    "why": "full name did not match type prefix + name",
                }
            )
        rec["full_name"] = expected
    if rec.get("name_en"):
        en = rec.get("full_name_en") or ""
        m = _EN_PREFIXED.match(en)
        if m:  # "Ward Ha Giang 2" -> "Ha Giang 2 Ward", the form every other unit uses
            rec["full_name_en"] = f"{m.group(2)} {m.group(1)}"
    rec["search_key"] = fold(rec["name"])
    return rec


def parse_number(text, *, decimal: str) -> float | None:
    """Parse "6.207,90" (decimal=",") or "3.74" (decimal="."); None for empty or placeholder."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    if text.strip().lower() in PLACEHOLDERS:
        return None
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if decimal == ",":
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None


def text_or_none(text) -> str | None:
    s = nfc(text) if isinstance(text, str) else None
    return None if s is None or s.lower() in PLACEHOLDERS else s


def attribute_record(raw: dict) -> dict:
    """The official map's attribute record for a commune (a0x_*) or a province, with parsed figures.

    Commune areas are written with a decimal point ("3.74"), province figures with Vietnamese
    separators ("6.207,90" km², "1.429.841" people)."""
    if "a02_xa" in raw:
        area, pop, centre, before, phone, web = (
            raw.get(k) for k in ("a07_dt", "a08_ds", "a06_trungtamhc", "a05_truocsn", "a09_dthoai", "a10_web")
        )
        decimal = "."
    else:
        area, pop, centre, before, phone, web = (
            raw.get(k) for k in ("a06_dt", "a07_ds", "a05_trungtamhc", "a04_truocsn", "a08_dthoai", "a09_web")
        )
        decimal = ","
    population = parse_number(pop, decimal=",") if isinstance(pop, str) else parse_number(pop, decimal=decimal)
    return {
        "area_km2": parse_number(area, decimal=decimal),
        "population": int(population) if population is not None else None,
        "admin_center": text_or_none(centre),
        "admin_center_raw": nfc(centre) if isinstance(centre, str) else None,
        "before_merger": text_or_none(before),
        "phone": text_or_none(phone),
        "website": text_or_none(web),
        "official_name": nfc(raw.get("a03_ten") or raw.get("a01_ten")),
        "file": raw.get("_file"),
    }
