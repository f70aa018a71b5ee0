"""`vngeo tiles ...`: build PMTiles archives of the tile layers."""

from __future__ import annotations

from pathlib import Path

import click

from geodata.settings import api_url, get_settings


@click.group()
def tiles() -> None:
    """Vector tiles: PMTiles archives for static hosting."""


@tiles.command("build")
@click.option(
    "--layer",
    "layers",
    multiple=True,
    default=["provinces", "communes"],
    show_default=True,
    help="provinces, communes, old_communes, lineage (repeatable)",
)
@click.option("--as-of", default=None, help="day of the units (YYYY-MM-DD; default today in Vietnam)")
@click.option("--maxzoom", type=click.IntRange(0, 16), default=14, show_default=True)
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="archive path (one layer only; default .vngeo/pmtiles/<layer>-<day>.pmtiles)",
)
def build_cmd(layers: tuple[str, ...], as_of: str | None, maxzoom: int, out: Path | None) -> None:
    """Write the whole pyramid (z0-maxzoom) of each layer to a PMTiles archive."""
    import asyncio

    from geodata.dates import parse_date
    from geodata.errors import GeodataError
    from geodata.tiles.pmtiles import build, default_path

    if out and len(layers) > 1:
        raise click.UsageError("--out needs exactly one --layer")
    s = get_settings()
    try:
        d = parse_date(as_of)
        for layer in layers:
            res = asyncio.run(
                build(
                    s,
                    api_url(s),
                    layer,
                    d,
                    out or default_path(s, layer, d),
                    maxzoom,
                    progress=lambda m, ly=layer: click.echo(f"  {ly} {m}", err=True),
                )
            )
            click.echo(
                f"{res['layer']}: {res['tiles']} tiles z0-{res['max_zoom']}, {res['bytes']:,} bytes "
                f"in {res['seconds']} s -> {res['path']}"
            )
    except GeodataError as exc:
        raise click.ClickException(exc.detail) from None
