"""FastAPI dependencies: the dataset handle, the pooled connection, and one family of date parameters.

Every route that takes a day takes it from here: `Day` says which day and whether the client gave
it (a given day is cached longer; a search without one looks through every generation). The text
is parsed in one place, geodata/dates.py."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

import psycopg
from fastapi import Depends, Query, Request
from psycopg import AsyncConnection

from geodata.dataset import Dataset
from geodata.dates import parse_date, parse_instant, today

log = logging.getLogger("vngeo.api")
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def dataset(request: Request) -> Dataset:
    """The process's dataset handle (made in the app's lifespan, api/main.py)."""
    return request.app.state.dataset


Data = Annotated[Dataset, Depends(dataset)]


async def connection(data: Data) -> AsyncIterator[AsyncConnection]:
    async with data.connection() as conn:
        answered = False
        try:
            async with conn.transaction():  # one snapshot (REPEATABLE READ, geodata/db.py) per answer
                yield conn
                answered = True
        except psycopg.OperationalError as exc:
            # The end of this read-only transaction runs once the answer is being sent: a database
            # stopping just then (AdminShutdown) must not cut the answer off (the client saw the
            # connection drop). What was read stands; the pool drops the broken connection.
            if not answered:
                raise
            log.warning("database went away after the answer was made: %s", exc)


@dataclass(frozen=True)
class Day:
    """The day a request is about: `value` (today in Vietnam when not given; None where the route's
    default is every day, as for search) and whether the client gave it."""

    value: date | None
    given: bool


async def as_of_day(
    as_of: Annotated[
        str | None,
        Query(
            description="date (YYYY-MM-DD) on which the units are taken; default: today in Vietnam",
            examples=["2025-07-01"],
            pattern=DAY_PATTERN,
        ),
    ] = None,
) -> Day:
    return Day(parse_date(as_of), bool(as_of))


async def as_of_date(day: Annotated[Day, Depends(as_of_day)]) -> date:
    return day.value


async def as_of_or_every_day(
    as_of: Annotated[
        str | None, Query(pattern=DAY_PATTERN, description="only units valid that day; default: every generation")
    ] = None,
) -> Day:
    return Day(parse_date(as_of) if as_of else None, bool(as_of))


async def ogc_day(
    datetime: Annotated[
        str | None,
        Query(
            description="an instant (YYYY-MM-DD or RFC 3339): the units valid that day in Vietnam; default today",
            examples=["2025-07-01"],
            max_length=40,
        ),
    ] = None,
    as_of: Annotated[
        str | None, Query(description="same as datetime, as elsewhere in this API (YYYY-MM-DD)", max_length=10)
    ] = None,
) -> Day:
    """OGC API – Features: `datetime` (a date or an RFC 3339 timestamp) or `as_of`; not both, no intervals."""
    return Day(parse_instant(datetime, as_of), bool(datetime or as_of))


async def ogc_tile_day(
    datetime: Annotated[
        str | None, Query(description="day the units are taken (YYYY-MM-DD)", examples=["2025-07-01"])
    ] = None,
    as_of: Annotated[str | None, Query(pattern=DAY_PATTERN)] = None,
) -> Day:
    """OGC API – Tiles: `datetime` or `as_of`, one day (a tile shows the units of one day)."""
    return Day(parse_instant(datetime, as_of, one_day=True), bool(datetime or as_of))


def optional_day(name: str, description: str | None = None, examples: list[str] | None = None):
    """A dependency for an optional day parameter `name` (since, until, from, to): Day(None, False)
    when absent, so the route applies its own documented default."""

    # The Query as a default, not in Annotated: annotations are strings here (postponed evaluation)
    # and could not see this function's locals.
    async def day(
        value: str | None = Query(None, alias=name, pattern=DAY_PATTERN, description=description, examples=examples),
    ) -> Day:
        return Day(parse_date(value, name) if value else None, bool(value))

    return day


def required_day(name: str, description: str | None = None, examples: list[str] | None = None):
    """A dependency for a required day parameter `name`."""

    async def day(
        value: str = Query(alias=name, pattern=DAY_PATTERN, description=description, examples=examples),
    ) -> Day:
        return Day(parse_date(value, name), True)

    return day


Conn = Annotated[AsyncConnection, Depends(connection)]
AsOf = Annotated[date, Depends(as_of_date)]  # the day (today when not given)
AsOfDay = Annotated[Day, Depends(as_of_day)]  # the day and whether it was given
AsOfOrEvery = Annotated[Day, Depends(as_of_or_every_day)]
OgcDay = Annotated[Day, Depends(ogc_day)]
OgcTileDay = Annotated[Day, Depends(ogc_tile_day)]
__all__ = ["AsOf", "AsOfDay", "AsOfOrEvery", "Conn", "Data", "Day", "OgcDay", "OgcTileDay", "today"]
