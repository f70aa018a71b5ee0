"""SQL migrations under etl/migrations, applied in order once each, recorded in a table."""

from __future__ import annotations

from pathlib import Path

import psycopg

from geodata.settings import API_ROLE

MIGRATIONS = Path(__file__).with_name("migrations")


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply pending migrations in one transaction each; return the names applied."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS geo_meta")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS geo_meta.schema_migrations "
        "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    conn.commit()
    done = {r[0] for r in conn.execute("SELECT name FROM geo_meta.schema_migrations")}
    applied = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        if path.name in done:
            continue
        with conn.transaction():
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO geo_meta.schema_migrations (name) VALUES (%s)", (path.name,))
        applied.append(path.name)
    grant_read(conn)
    return applied


def grant_read(conn: psycopg.Connection) -> None:
    """The API role may read the data schema and nothing else (when that role exists here)."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (API_ROLE,)).fetchone():
        with conn.transaction():
            conn.execute(f"GRANT USAGE ON SCHEMA geo TO {API_ROLE}")
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA geo TO {API_ROLE}")
            conn.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA geo GRANT SELECT ON TABLES TO {API_ROLE}")
