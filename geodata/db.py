"""Connections: one async pool for the service, read-only role, statement timeout."""
from __future__ import annotations

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from geodata.settings import Settings


def make_pool(settings: Settings, url: str) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        url, min_size=settings.pool_min, max_size=settings.pool_max, open=False,
        kwargs={"row_factory": dict_row, "autocommit": True,
                "options": f"-c statement_timeout={settings.statement_timeout_ms}"},
        timeout=5, reconnect_timeout=0,
    )
