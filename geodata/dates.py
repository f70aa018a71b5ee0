"""Dates: "today" is the date in Vietnam, where the decrees take effect. The one parser of the days
a request names (api/deps.py turns query parameters into days through it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from geodata.errors import InvalidInput

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The reform (two-tier local government) took effect on this day. The one constant, for the ETL,
# which builds the generations before any data exists; at run time the service reads the day from
# the loaded data (geo.generations, geodata/dataset.py), never from here.
REFORM_DAY = date(2025, 7, 1)


def today() -> date:
    return datetime.now(VN_TZ).date()


def parse_date(text: str | None, name: str = "as_of") -> date:
    if text is None or text == "":
        return today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date written YYYY-MM-DD, got {text!r}", parameter=name) from None


def parse_instant(datetime_: str | None, as_of: str | None = None, one_day: bool = False) -> date:
    """OGC `datetime` (an instant: a date or an RFC 3339 timestamp, taken as the Vietnamese day it
    falls on) or `as_of` picks the day; intervals are refused. one_day (OGC tiles): only a date."""
    if one_day:
        text = datetime_ or as_of
        if text and ("/" in text or "T" in text and len(text) > 10):
            raise InvalidInput(
                "datetime must be one day YYYY-MM-DD: tiles show the units of one day", parameter="datetime"
            )
        return parse_date(text[:10] if text else None, "datetime" if datetime_ else "as_of")
    if datetime_ and as_of:
        raise InvalidInput("give either datetime or as_of, not both", parameter="datetime")
    if not datetime_:
        return parse_date(as_of)
    if "/" in datetime_:
        raise InvalidInput(
            "datetime must be one instant (a date or a timestamp): every feature is the unit "
            "as it was on one day; intervals are not supported",
            parameter="datetime",
        )
    try:
        if len(datetime_) == 10:
            return date.fromisoformat(datetime_)
        ts = datetime.fromisoformat(datetime_.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"datetime must be a date (YYYY-MM-DD) or an RFC 3339 timestamp, got {datetime_!r}", parameter="datetime"
        ) from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(VN_TZ).date()  # the decrees take effect on Vietnamese days
