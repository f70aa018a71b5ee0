"""`vngeo etl load`: sources -> checks -> staging -> one transaction that replaces the live data.

Readers never see half a load (the swap is one transaction; MVCC keeps the old rows visible to
them until it commits) and a failure at any step leaves the previous data serving."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import orjson
import psycopg
import shapely
from psycopg.types.range import Range

from etl import quality, upstream
from etl.assemble import check_consistency, district_provinces, physical_units, unit_rows
from etl.corrections import FOLDER as CORRECTIONS_DIR
from etl.corrections import read_corrections
from etl.generations import read_amendments, read_generations, unit_versions
from etl.migrate import grant_read, migrate
from etl.parts import parts
from etl.sources import read_source
from geodata.settings import Settings

GENERATIONS_FILE = Path(__file__).with_name("generations.toml")
UNIT_COLUMNS = (
    "id",
    "code",
    "level",
    "type",
    "parent_code",
    "province_code",
    "name",
    "full_name",
    "name_en",
    "full_name_en",
    "search_key",
    "population",
    "area_km2",
    "area_km2_computed",
    "admin_center",
    "phone",
    "website",
    "before_merger",
    "before_merger_detail",
    "gis_server_id",
    "geom",
    "label_point",
    "valid",
    "generation_from",
    "sources",
    "flags",
)
LOCK_ID = 7_204_2025  # advisory lock: one load at a time


class LoadFailed(RuntimeError):
    pass


def dataset_version(src_root: Path, extra_files: list[Path]) -> str:
    """Hash of every input's name, size and mtime plus the curated files' contents and the version of
    the vietnamadminunits data (pinned in pyproject.toml; another release would change the lineage)."""
    h = hashlib.sha256(f"vietnamadminunits {metadata.version('vietnamadminunits')}\n".encode())
    for p in sorted(src_root.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(src_root)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    for p in extra_files:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _curated_files(settings: Settings) -> list[Path]:
    """Our own inputs besides the source folder: they change the data too."""
    here = Path(__file__).parent  # the ETL's own code shapes the data too
    return [
        GENERATIONS_FILE,
        *sorted(here.glob("*.py")),
        here.with_name("geodata") / "lookup" / "pointindex.py",
        here.with_name("geodata") / "lineage" / "address_index.py",
        *sorted((here.parent / "data" / "addresses").glob("*.csv")),
        *sorted(CORRECTIONS_DIR.glob("*.toml")),
        *sorted(settings.amendments_dir.glob("*.toml")),
        *sorted(Path(__file__).with_name("migrations").glob("*.sql")),
        *sorted(settings.powers_dir.glob("*.csv")),
    ]


def _maybe_fail(settings: Settings, step: str) -> None:
    if settings.etl_fail_at == step:
        raise LoadFailed(f"load stopped at step {step!r} (VNGEO_ETL_FAIL_AT)")


def prepare(settings: Settings, source_dir: Path, log=print) -> dict:
    """Everything up to the database: read, correct, version, assemble."""
    t0 = time.monotonic()
    src = read_source(source_dir)
    log(f"read source {source_dir} in {time.monotonic() - t0:.1f}s")
    corrections = read_corrections()
    notes: list[dict] = []
    physical = physical_units(src, corrections, notes)  # applies the corrections to src first
    gens, versions = unit_versions(
        src.pre_reform,
        src.reform_units,
        src.current_units,
        read_generations(GENERATIONS_FILE),
        read_amendments(settings.amendments_dir),
        notes,
    )
    rows = unit_rows(versions, physical, district_provinces(src.pre_reform))
    log(f"assembled {len(rows)} unit versions in {len(gens)} generations ({time.monotonic() - t0:.1f}s)")
    consistency = check_consistency(src, physical)
    prep = {
        "consistency": consistency,
        "generations": gens,
        "rows": rows,
        "corrections": corrections,
        "notes": notes,
        "source": src,
        "version": dataset_version(source_dir, _curated_files(settings)),
        "source_dir": str(source_dir),
        "t0": t0,
    }
    prep["parts"] = {part.__name__: part.prepare(settings, src, prep) for part in parts()}
    return prep


def _copy_units(conn: psycopg.Connection, rows: list[dict]) -> None:
    geoms = shapely.set_srid([r.get("geom") for r in rows], 4326)
    labels = shapely.set_srid([r.get("label_point") for r in rows], 4326)
    geom_hex = shapely.to_wkb(geoms, hex=True, include_srid=True)
    label_hex = shapely.to_wkb(labels, hex=True, include_srid=True)
    cols = ", ".join(UNIT_COLUMNS)
    with conn.cursor().copy(f"COPY geo_stage.units ({cols}) FROM STDIN") as copy:
        for r, g, lp in zip(rows, geom_hex, label_hex):
            values = dict(
                r,
                geom=g,
                label_point=lp,
                valid=Range(*r["valid"], bounds="[)"),
                sources=orjson.dumps(r.get("sources") or {}).decode(),
                flags=orjson.dumps(r.get("flags") or {}).decode(),
            )
            for k in ("area_km2", "area_km2_computed"):
                if values.get(k) is not None:
                    values[k] = round(values[k], 2)
            copy.write_row([values.get(c) for c in UNIT_COLUMNS])


UNIT_TABLES = ("generations", "units", "corrections")


def stage_tables() -> list[str]:
    return [*UNIT_TABLES, *(t for part in parts() for t in part.TABLES)]


def _stage(conn: psycopg.Connection, prep: dict) -> None:
    conn.execute("DROP SCHEMA IF EXISTS geo_stage CASCADE")
    conn.execute("CREATE SCHEMA geo_stage")
    for t in stage_tables():
        conn.execute(f"CREATE UNLOGGED TABLE geo_stage.{t} (LIKE geo.{t} INCLUDING DEFAULTS)")
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO geo_stage.generations (id, valid_from, valid_to, name, legal_basis, source, ordinal) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (g.id, g.valid_from, g.valid_to, g.name, g.legal_basis, g.source, i)
                for i, g in enumerate(prep["generations"])
            ],
        )
        cur.executemany(
            "INSERT INTO geo_stage.corrections (id, dataset, key, field, from_value, to_value, action, applied, "
            "reason, source) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    c["id"],
                    c["dataset"],
                    c["key"],
                    c["field"],
                    None if "from" not in c else str(c["from"]),
                    None if "to" not in c else str(c["to"]),
                    c["action"],
                    c["applied"],
                    c["reason"],
                    c["source"],
                )
                for c in prep["corrections"]
            ],
        )
    _copy_units(conn, prep["rows"])
    conn.execute("CREATE INDEX ON geo_stage.units USING gist (geom)")
    conn.execute("CREATE INDEX ON geo_stage.units USING gist (valid)")
    conn.execute("ANALYZE geo_stage.units")
    for part in parts():
        part.stage(conn, prep["parts"][part.__name__], prep)


def _publish(conn: psycopg.Connection, prep: dict, report: dict, settings: Settings) -> None:
    with conn.transaction():
        tables = stage_tables()
        for t in reversed(tables):
            conn.execute(f"DELETE FROM geo.{t}")
        for t in tables:
            conn.execute(f"INSERT INTO geo.{t} SELECT * FROM geo_stage.{t}")
        _maybe_fail(settings, "publish")
        conn.execute(
            "INSERT INTO geo.dataset (version, loaded_at, source_dir, load_seconds, report) VALUES (%s, %s, %s, "
            "%s, %s) "
            "ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, loaded_at = excluded.loaded_at, "
            "source_dir = excluded.source_dir, load_seconds = excluded.load_seconds, report = excluded.report",
            (
                prep["version"],
                datetime.now(UTC),
                prep["source_dir"],
                round(time.monotonic() - prep["t0"], 1),
                orjson.dumps(report).decode(),
            ),
        )
    conn.execute("DROP SCHEMA geo_stage CASCADE")
    conn.commit()


def loaded_version(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        if not conn.execute("SELECT to_regclass('geo.dataset')").fetchone()[0]:
            return None
        row = conn.execute("SELECT version FROM geo.dataset").fetchone()
    return row[0] if row else None


def load(
    settings: Settings, url: str, source_dir: Path | None = None, log=print, if_changed: bool = False
) -> dict | None:
    """Run a full load; return the quality report. Raises on failure, leaving live data as it was.

    With if_changed, return None without loading when the inputs have the loaded version."""
    # The upstream snapshot, fetched and verified first when absent (etl/upstream.py).
    source_dir = Path(source_dir) if source_dir else upstream.ensure(settings, log)
    if if_changed and source_dir.is_dir():
        version = dataset_version(source_dir, _curated_files(settings))
        if version == loaded_version(url):
            log(f"dataset {version} is already loaded; nothing to do")
            return None
    prep = prepare(settings, source_dir, log)
    prep["url"] = url  # the quality report opens a second connection for its parallel checks
    _maybe_fail(settings, "prepare")
    with psycopg.connect(url) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
        try:
            migrate(conn)
            _stage(conn, prep)
            conn.commit()
            log(f"staged ({time.monotonic() - prep['t0']:.1f}s)")
            _maybe_fail(settings, "stage")
            report = quality.build_report(conn, "geo_stage", prep)
            for part in parts():
                report[part.__name__.split(".")[-1]] = part.report(conn, "geo_stage", prep["parts"][part.__name__])
            conn.commit()
            log(f"quality report built ({time.monotonic() - prep['t0']:.1f}s)")
            _publish(conn, prep, report, settings)
            grant_read(conn)
        finally:
            conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))
            conn.commit()
    log(f"published dataset {prep['version']} in {time.monotonic() - prep['t0']:.1f}s")
    return report
