"""One settings object, read from the environment (prefix VNGEO_, plus DATABASE_URL)."""

from __future__ import annotations

import sysconfig
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geodata.errors import Unavailable

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The project's own curated data (data/README.md): in the checkout, or where `pip install .` put it
# (pyproject.toml [tool.setuptools.data-files]: <prefix>/share/vn-geodata/data).
DATA_DIR = PROJECT_ROOT / "data"
if not DATA_DIR.is_dir():
    DATA_DIR = Path(sysconfig.get_path("data")) / "share" / "vn-geodata" / "data"
# A copy of the upstream snapshot beside the checkout, used when present (this workplace has one).
SHARED_SNAPSHOT = PROJECT_ROOT.parent / "shared" / "data" / "vietnamese-provinces-database"

# The project-local cluster's database and roles (created by etl/cluster.py, `vngeo db start`).
DB_NAME = "vngeo"
ETL_ROLE = "vngeo_etl"  # owns the data; loads and reloads
API_ROLE = "vngeo_api"  # read-only; what the service connects as


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VNGEO_", extra="ignore")

    # An existing server; when unset the project-local cluster under state_dir is used.
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "VNGEO_DATABASE_URL"))
    # Read-only connection for the API; defaults to database_url (or the local api role).
    api_database_url: str | None = None
    # The upstream snapshot. Unset: SHARED_SNAPSHOT if present, else state_dir/upstream, fetched when
    # absent from source_url ({ref}: the pinned commit or tag; etl/upstream.py) and verified.
    source_dir: Path | None = None
    source_url: str = "https://github.com/thanglequoc/vietnamese-provinces-database/archive/{ref}.tar.gz"
    amendments_dir: Path = DATA_DIR / "amendments"  # official changes after the snapshot
    powers_dir: Path = DATA_DIR / "powers"  # the project's own catalogue (data/powers/README.md)
    state_dir: Path = PROJECT_ROOT / ".vngeo"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2  # uvicorn worker processes; 0: one per core
    pg_port: int = 0  # 0: choose a free port once and remember it in state_dir
    pool_min: int = 1
    pool_max: int = 8
    statement_timeout_ms: int = 15000
    tile_cache: bool = True  # false: render every tile (the bench's cold figures)
    ogc_cache_mb: int = 256  # OGC item geometries kept serialised per worker (geodata/ogc/geom.py)
    db_wait_s: float = 2.0  # longest a request waits for a pooled connection before answering 503
    db_reconnect_s: float = 3.0  # pool reconnect attempts give up after this; the next request retries
    max_body_bytes: int = 1 << 20  # request bodies, except the batch endpoints below (413 above)
    max_batch_body_bytes: int = 64 << 20  # POST /v1/lookup and /v1/convert bodies (413 above)
    max_query_chars: int = 4096  # query string length (414 above)
    body_timeout_s: float = 30.0  # a request body must arrive within this (408 after)
    rate_per_minute: int = 60  # tokens per client: a batch (lookup, convert: +1 per 10,000 rows), an export; 0: off
    rate_burst: int = 20  # expensive requests a client may send at once before the rate applies
    tiles_rate_per_minute: int = 1200  # cold tiles per client (tile routes charge only on a cache miss)
    expensive_concurrency: int = 4  # expensive requests running at once per worker (429 beyond)
    trust_forwarded_for: bool = False  # key rate limits on X-Forwarded-For (only behind a proxy you run)
    # Origins allowed by CORS on the public routes (comma-separated); "*" (default): any site may use
    # the public, read-only data; empty: no CORS headers. Never on /v1/admin.
    cors_origins: str = "*"
    admin_token: str | None = None  # enables /v1/admin/* with this bearer token; unset: no admin routes
    # Testing aid: make `etl load` fail at a named step (e.g. "publish") after writing.
    etl_fail_at: str | None = None

    @model_validator(mode="after")
    def _default_source_dir(self) -> Settings:
        if self.source_dir is None:
            self.source_dir = SHARED_SNAPSHOT if SHARED_SNAPSHOT.is_dir() else self.state_dir / "upstream"
        return self

    @property
    def pg_dir(self) -> Path:
        return self.state_dir / "pg"


class NoDatabase(Unavailable):
    """No database is configured: neither DATABASE_URL nor a local cluster's port (503, says what to run)."""


def local_pg_port(settings: Settings) -> int:
    """The local cluster's port: VNGEO_PG_PORT, else the one `vngeo db start` chose and wrote to
    state_dir/pg/port. Read only: choosing and writing it is the cluster's job (etl/cluster.py), so a
    request never writes a file and the service never invents a port nobody listens on."""
    if settings.pg_port:
        return settings.pg_port
    try:
        return int((settings.pg_dir / "port").read_text())
    except FileNotFoundError:
        raise NoDatabase(
            f"no database: the local cluster under {settings.pg_dir} was never started "
            "(run `vngeo db start`, or `make up`), and DATABASE_URL is not set"
        ) from None


def local_url(settings: Settings, role: str) -> str:
    return f"postgresql://{role}@127.0.0.1:{local_pg_port(settings)}/{DB_NAME}"


def etl_url(settings: Settings) -> str:
    """Where loads write: DATABASE_URL, else the local cluster as the owner role."""
    return settings.database_url or local_url(settings, ETL_ROLE)


def api_url(settings: Settings) -> str:
    """Where the service reads: VNGEO_API_DATABASE_URL (e.g. a replica), else DATABASE_URL, else the
    local cluster as the read-only role."""
    return settings.api_database_url or settings.database_url or local_url(settings, API_ROLE)


@lru_cache
def get_settings() -> Settings:
    return Settings()
