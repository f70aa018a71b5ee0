"""`vngeo`: the command line (database, ETL, service)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geodata.settings import NoDatabase, api_url, etl_url, get_settings
from geodata.units.fields import LAYER_IDS


class _Main(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NoDatabase as exc:  # no cluster started and no DATABASE_URL: say what to run
            raise click.ClickException(exc.detail) from None


@click.group(cls=_Main)
def main() -> None:
    """vn-geodata: Vietnam's administrative units of every generation."""


@main.group()
def db() -> None:
    """The project-local PostGIS cluster (not used when DATABASE_URL is set)."""


def _cluster_call(fn_name: str) -> None:
    from etl import cluster

    try:
        click.echo(getattr(cluster, fn_name)(get_settings()))
    except cluster.ClusterError as exc:
        raise click.ClickException(str(exc)) from None


@db.command("start")
def db_start() -> None:
    """Create (first time) and start the cluster, database, roles and extensions."""
    _cluster_call("start")


@db.command("stop")
def db_stop() -> None:
    _cluster_call("stop")


@db.command("status")
def db_status() -> None:
    _cluster_call("status")


@db.command("url")
@click.option("--role", type=click.Choice(["etl", "api"]), default="etl")
def db_url(role: str) -> None:
    """Print the connection URL the ETL (or the API) uses."""
    s = get_settings()
    click.echo(etl_url(s) if role == "etl" else api_url(s))


@db.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def db_psql(args) -> None:
    """Open psql on the database (as the ETL role)."""
    import os

    os.execvp("psql", ["psql", etl_url(get_settings()), *args])


@main.group()
def etl() -> None:
    """Load the sources into PostGIS and report on their quality."""


@etl.command("load")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="source folder (default: VNGEO_SOURCE_DIR; unset: a copy beside the checkout, else .vngeo/upstream, "
    "fetched pinned from VNGEO_SOURCE_URL when absent)",
)
@click.option("--if-changed", is_flag=True, help="skip when the loaded data already has this version")
def etl_load(source: Path | None, if_changed: bool) -> None:
    """Load every generation; atomic: a failed load leaves the previous data serving."""
    from etl.load import load
    from etl.sources import SourceError

    s = get_settings()
    try:
        report = load(s, etl_url(s), source, if_changed=if_changed)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    if report:
        _print_summary(report)
    from geodata import db
    from geodata.lookup.point import ensure_built

    click.echo(f"lookup index: {ensure_built(lambda: db.connect(s, etl_url(s)), s.state_dir)}")


@etl.command("manifest")
@click.option(
    "--source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="source folder to check (default: the one `etl load` reads)",
)
@click.option("--write", is_flag=True, help="rewrite data/upstream/manifest.tsv from this folder (a new pin)")
def etl_manifest(source: Path | None, write: bool) -> None:
    """Check a source folder against data/upstream/manifest.tsv (canonical content of each file read)."""
    from etl import manifest, upstream

    root = source or get_settings().source_dir
    if write:
        entries = manifest.compute(root)
        manifest.write(
            entries,
            MANIFEST_HEADER.format(
                repo=upstream.REPO, commit=upstream.COMMIT, tags=", ".join(r for r, _ in upstream.ARCHIVES[:-1])
            ),
        )
        click.echo(f"{len(entries)} files -> {manifest.MANIFEST}")
        return
    try:
        manifest.verify(root, manifest.read())
    except manifest.ManifestError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{root}: every file the ETL reads matches {manifest.MANIFEST.name}")


MANIFEST_HEADER = """Content manifest of the upstream files the ETL reads (etl/manifest.py says how each is hashed).
Upstream: {repo} at commit {commit}, and its tags {tags} (under releases/<tag>/).
Each line: SHA-256 of the file's parsed, canonical content, then its path in the source folder.
Written by `vngeo etl manifest --write`; checked by etl/upstream.py after every download."""


@etl.command("report")
@click.option("--json", "as_json", is_flag=True, help="the whole report as JSON")
def etl_report(as_json: bool) -> None:
    """Print the quality report of the loaded data."""
    import orjson
    import psycopg

    with psycopg.connect(etl_url(get_settings())) as conn:
        row = conn.execute("SELECT report FROM geo.dataset").fetchone()
    if not row:
        raise click.ClickException("no data loaded yet: run `vngeo etl load`")
    if as_json:
        sys.stdout.write(orjson.dumps(row[0], option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_summary(row[0])


def _print_summary(report: dict) -> None:
    click.echo(f"dataset {report['dataset_version']}")
    for gen, counts in report["counts"].items():
        click.echo(f"  {gen}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for field, m in report["missing"].items():
        click.echo(f"  missing/flagged {field}: {m['count']}")
    if "implausible_population" in report:
        click.echo(f"  implausible population (flagged): {report['implausible_population']['count']}")
    click.echo(f"  official vs computed area > 2%: {len(report['area_official_vs_computed'])}")
    applied = sum(c["applied"] for c in report["corrections"])
    click.echo(f"  corrections applied: {applied} of {len(report['corrections'])}")
    pv = report["province_vs_communes"]
    click.echo(
        f"  province area not covered by its communes: {pv['total_not_covered_km2']} km²; "
        f"communes outside their province: {pv['total_outside_km2']} km²"
    )
    ov = report["commune_overlaps"]
    click.echo(f"  overlapping commune pairs: {ov['pairs']} ({ov['total_m2']} m²)")
    for section in report.values():  # parts' sections (lineage, ...) print their own summary lines
        if isinstance(section, dict) and section.get("summary"):
            click.echo("\n".join(section["summary"]))


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--workers", type=int, default=None)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the API and the map viewer."""
    import os

    import uvicorn

    s = get_settings()
    workers = s.workers if workers is None else workers
    workers = workers or os.cpu_count() or 1  # 0: one per core
    uvicorn.run(
        "api.main:app",
        host=host or s.host,
        port=port or s.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        timeout_keep_alive=5,
        limit_concurrency=2000,
        backlog=1024,
    )  # idle clients let go; past 2000 open: 503


@main.command("lookup")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="output file (.csv, .gpkg, .parquet)")
@click.option("--as-of", default=None, help="date YYYY-MM-DD (default today in Vietnam)")
@click.option("--lat-col", default=None)
@click.option("--lon-col", default=None)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="index directory (default: the newest under .vngeo/index)",
)
def lookup_cmd(src, out, as_of, lat_col, lon_col, index_dir) -> None:
    """Add commune and province columns to a CSV, GeoPackage or GeoParquet of points (no database)."""
    from geodata.dates import parse_date
    from geodata.errors import GeodataError
    from geodata.lookup.files import latest_index, lookup_file

    try:
        n = lookup_file(
            index_dir or latest_index(get_settings().state_dir),
            src,
            out,
            parse_date(as_of),
            lat_col,
            lon_col,
            progress=sys.stderr.isatty(),
        )
    except GeodataError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{n} rows -> {out}")


@main.command("convert")
@click.argument("infile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "outfile",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV to write: the input columns plus the new units and the new address",
)
@click.option("--as-of", default=None, help="date of the new units (YYYY-MM-DD; default today)")
def convert_cmd(infile: Path, outfile: Path, as_of: str | None) -> None:
    """Convert old addresses (CSV with an address column, optional lat/lon) to the new units, offline."""
    from geodata.errors import GeodataError
    from vngeo.convert import run

    try:
        n, stats = run(get_settings(), infile, outfile, as_of)
    except GeodataError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{n} addresses -> {outfile}: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))


@main.command("export")
@click.argument("layer", type=click.Choice(list(LAYER_IDS)))
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["gpkg", "shp.zip", "fgb", "parquet", "geojson", "csv"]), default="gpkg"
)
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--crs", default=None, help="output CRS, e.g. EPSG:3405 (default CRS84); VN-2000 uses EPSG:6960")
@click.option("--as-of", default=None, help="date YYYY-MM-DD (default today in Vietnam)")
@click.option("--province", default=None, help="2-digit province code")
@click.option("--code", default=None, help="one unit's code (as /v1/exports/...?code=)")
def export_cmd(layer, fmt, out, crs, as_of, province, code) -> None:
    """Write a layer to a file (full resolution, licence and data dictionary in its metadata)."""
    import shutil

    from geodata import crs as crsmod
    from geodata import db
    from geodata.dates import parse_date
    from geodata.errors import GeodataError
    from geodata.files import exports

    workdir = exports.new_workdir()
    s = get_settings()
    try:
        path = exports.export_file(
            lambda: db.connect(s, etl_url(s)), layer, fmt, crsmod.parse(crs), parse_date(as_of), province, workdir, code
        )
        shutil.move(str(path), out)
    except GeodataError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    click.echo(f"{layer} -> {out}")


from vngeo.maps import maps_group  # noqa: E402  (vngeo maps build)

main.add_command(maps_group)

from vngeo.tiles import tiles as _tiles_group  # noqa: E402  (vngeo tiles build)

main.add_command(_tiles_group)

if __name__ == "__main__":
    main()
