"""Dates: "today" is the date in Vietnam, where the decrees take effect."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from geodata.errors import InvalidInput

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(VN_TZ).date()


def parse_date(text: str | None, name: str = "as_of") -> date:
    if text is None or text == "":
        return today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date written YYYY-MM-DD, got {text!r}", parameter=name) from None
