"""`vngeo maps build`: the shareable folium maps as files (registered on the main command group)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("maps")
def maps_group() -> None:
    """Shareable HTML maps (folium): the country and one per province."""


@maps_group.command("build")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="folder (default: .vngeo/maps/<format>-<dataset version>/<date>/, which /maps/{code}.html serves)",
)
@click.option("--as-of", default=None, help="date of the units (YYYY-MM-DD; default today in Vietnam)")
@click.option("--province", "codes", multiple=True, help="only these province codes (repeatable); vn: the country")
def build(out: Path | None, as_of: str | None, codes: tuple[str, ...]) -> None:
    """Write vn.html (provinces) and <code>.html per province (communes), with Leaflet in vendor/ beside them."""
    import time

    from geodata.dates import parse_date
    from geodata.errors import GeodataError
    from geodata.settings import api_url, get_settings
    from maps.folium_maps import build_all

    s = get_settings()
    started = time.perf_counter()
    try:
        day = parse_date(as_of)
        written = build_all(
            api_url(s),
            s.state_dir,
            day,
            list(codes) or None,
            out,
            progress=lambda code: click.echo(f"  {code}", err=True),
        )
    except (GeodataError, LookupError, FileNotFoundError) as exc:
        raise click.ClickException(getattr(exc, "detail", None) or f"unknown province or missing file: {exc}") from None
    size = sum(p.stat().st_size for p in written)
    click.echo(
        f"{len(written)} maps ({size / 2**20:.1f} MiB) in {written[0].parent} "
        f"in {time.perf_counter() - started:.1f} s; open vn.html or serve them at /maps/<code>.html"
    )
