"""Connections: one async pool for the service, read-only role, statement timeout.

Database restarts: `check` pings each connection as it leaves the pool, so connections killed by a
restart are dropped and replaced instead of failing a request; `timeout` (db_wait_s, short) makes a
request wait at most that long for a connection and then answer 503; `reconnect_timeout`
(db_reconnect_s) bounds the pool's background retries. psycopg_pool gives up on a slot after
reconnect_timeout and shrinks; with 0 (as before) a slot was given up after one retry, and while a
retry sits in its exponential backoff (1, 2, 4... s) no other growth is tried. A few seconds keeps the
backoff short, so once the database is back the next request grows the pool again at once."""

from __future__ import annotations

import psycopg
from psycopg import AsyncConnection, IsolationLevel
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from geodata.settings import Settings


async def _snapshot_per_transaction(conn: AsyncConnection) -> None:
    """A request's statements share one snapshot (api/deps.py opens one read-only transaction per
    request): a count and its page, or a unit and its dataset version, never straddle a reload."""
    await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
    await conn.set_read_only(True)


def _options(settings: Settings) -> dict:
    """What every connection of the service carries, pooled or not: a statement timeout (a query
    over it is cancelled, and the API answers 503) and a bounded wait to connect."""
    return {"connect_timeout": 3, "options": f"-c statement_timeout={settings.statement_timeout_ms}"}


def make_pool(settings: Settings, url: str) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        url,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        open=False,
        kwargs={"row_factory": dict_row, "autocommit": True, **_options(settings)},
        check=AsyncConnectionPool.check_connection,
        configure=_snapshot_per_transaction,
        timeout=settings.db_wait_s,
        reconnect_timeout=settings.db_reconnect_s,
    )


def connect(settings: Settings, url: str, **kwargs) -> psycopg.Connection:
    """A sync connection for work in a thread (a server-side cursor for exports, folium maps, the
    lookup index build), with the pool's statement timeout and read-only, REPEATABLE READ settings:
    its statements share one snapshot until it is closed (use it as a context manager)."""
    conn = psycopg.connect(url, **_options(settings), **kwargs)
    conn.read_only = True
    conn.isolation_level = IsolationLevel.REPEATABLE_READ
    return conn
