"""One settings object, read from the environment (prefix VNGEO_, plus DATABASE_URL)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VNGEO_", extra="ignore")

    # An existing server; when unset the project-local cluster under state_dir is used.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "VNGEO_DATABASE_URL")
    )
    # Read-only connection for the API; defaults to database_url (or the local api role).
    api_database_url: str | None = None
    source_dir: Path = PROJECT_ROOT.parent / "shared" / "data" / "vietnamese-provinces-database"
    amendments_dir: Path = PROJECT_ROOT.parent / "shared" / "data" / "amendments"
    powers_dir: Path = PROJECT_ROOT.parent / "shared" / "research" / "powers"  # catalogue, read in place
    state_dir: Path = PROJECT_ROOT / ".vngeo"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    pg_port: int = 0  # 0: choose a free port once and remember it in state_dir
    pool_min: int = 1
    pool_max: int = 8
    statement_timeout_ms: int = 15000
    # Testing aid: make `etl load` fail at a named step (e.g. "publish") after writing.
    etl_fail_at: str | None = None

    @property
    def pg_dir(self) -> Path:
        return self.state_dir / "pg"


@lru_cache
def get_settings() -> Settings:
    return Settings()
