"""FastAPI dependencies: the pooled connection and families of query parameters."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

import psycopg
from fastapi import Depends, Query, Request
from psycopg import AsyncConnection

from geodata.dates import parse_date

log = logging.getLogger("vngeo.api")


async def connection(request: Request) -> AsyncIterator[AsyncConnection]:
    async with request.app.state.pool.connection() as conn:
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


async def as_of_query(as_of: Annotated[str | None, Query(
        description="date (YYYY-MM-DD) on which the units are taken; default: today in Vietnam",
        examples=["2025-07-01"], pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> date:
    return parse_date(as_of)


Conn = Annotated[AsyncConnection, Depends(connection)]
AsOf = Annotated[date, Depends(as_of_query)]
