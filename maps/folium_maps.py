"""Shareable folium maps: the country (provinces) and one per province (its communes).

Each map is one HTML file an analyst can attach to a report: a density choropleth, a legend with the
credits, and popups with the figures, the old units each commune came from and its powers. No CDN:
the page loads Leaflet from vendor/ beside it (served at /maps/vendor/, copied next to the files by
`vngeo maps build`), so it works offline."""

from __future__ import annotations

import html
import shutil
from datetime import date
from pathlib import Path

import folium
import orjson
import psycopg
from psycopg.rows import dict_row

from geodata.credits import ATTRIBUTION, LICENCE
from geodata.units import fields
from geodata.views import maps as map_data

VENDOR_SRC = Path(__file__).resolve().parent / "static" / "vendor" / "leaflet"
COUNTRY = "vn"
# Density classes (people per km²), shared by every map so that two provinces compare at a glance.
BREAKS = [100, 250, 500, 1000, 2500, 5000, 10000]
COLOURS = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"]
NO_DATA = "#cccccc"


def colour(density: float | None) -> str:
    if density is None:
        return NO_DATA
    return COLOURS[sum(density >= b for b in BREAKS)]


def _fmt(v, digits: int = 0) -> str:
    if v is None:
        return "—"
    return f"{v:,.{digits}f}".replace(",", " ")


def _sectors(by_sector: dict | None) -> str | None:
    top = sorted((by_sector or {}).items(), key=lambda kv: -kv[1])[:5]
    return ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in top) or None


def _value(f: fields.Field, v) -> str | None:
    """A field's value as the popup shows it; None: the row is left out. A missing figure shows as
    "—" (withheld is worth saying); an empty text (no phone, no sectors) says nothing and is left out."""
    if f.name == "powers_by_sector":
        return _sectors(v)
    if f.type in ("integer", "number"):
        return _fmt(v, f.digits or 0)
    return None if v is None or v == "" else str(v)


def _popup(r: dict, province_map: bool) -> str:
    """Popup HTML, escaped: names come from the sources. The rows are the catalogue's folium fields
    that have a label (geodata/units/fields.py), in its order."""
    e = html.escape
    rows = [(f.label, _value(f, r[f.name])) for f in fields.fields(fields.FOLIUM) if f.label]
    body = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows if v is not None)
    link = "" if province_map else f'<p><a href="{e(r["code"])}.html">Map of its communes →</a></p>'
    return (
        f'<div class="vg-popup"><h4>{e(r["full_name"])}</h4><p>{e(r["full_name_en"] or "")} · '
        f"code {e(r['code'])}</p><table>{body}</table>{link}</div>"
    )


def _legend(title: str, as_of: date) -> str:
    labels = [f"< {BREAKS[0]}"] + [f"{a:,}–{b:,}" for a, b in zip(BREAKS, BREAKS[1:])] + [f"≥ {BREAKS[-1]:,}"]
    items = "".join(f'<div><i style="background:{c}"></i>{lbl}</div>' for c, lbl in zip(COLOURS, labels))
    items += f'<div><i style="background:{NO_DATA}"></i>no figure</div>'
    return f"""<style>
.vg-legend{{position:fixed;bottom:52px;left:12px;z-index:1000;background:#fff;padding:8px 10px;font:12px/1.4 sans-serif;
 border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:300px}}
.vg-legend i{{display:inline-block;width:14px;height:12px;margin-right:6px;vertical-align:middle;border:1px solid #999}}
.vg-popup{{font:12px/1.35 sans-serif;max-width:320px}} .vg-popup h4{{margin:0 0 2px}} .vg-popup p{{margin:0 0 4px}}
.vg-popup th{{text-align:left;padding-right:8px;vertical-align:top;font-weight:600}}
.leaflet-container{{background:#dfe8ee}}
</style>
<div class="vg-legend"><b>{html.escape(title)}</b><br>as of {as_of.isoformat()}<br>
<b>Density, people per km²</b>{items}
<div style="margin-top:4px;color:#555">{html.escape(ATTRIBUTION)}<br>{html.escape(LICENCE)}</div></div>"""


def _rows(conn: psycopg.Connection, as_of: date, province: str | None) -> list[dict]:
    return map_data.map_units(conn, as_of, province, tolerance=0.0005 if province else 0.003)


def render(rows: list[dict], as_of: date, title: str, province_map: bool) -> str:
    """The HTML of one map; Leaflet comes from vendor/ next to it, never from a CDN."""
    features = [
        {
            "type": "Feature",
            "geometry": orjson.loads(r["geometry"]),
            "properties": {
                "code": r["code"],
                "name": r["full_name"],
                "fill": colour(r["density_per_km2"]),
                "popup": _popup(r, province_map),
            },
        }
        for r in rows
    ]
    m = folium.Map(tiles=None, control_scale=True)
    m.default_js = [("leaflet", "vendor/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "vendor/leaflet/leaflet.css")]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=title,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#555",
            "weight": 0.6,
            "fillOpacity": 0.8,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
    )
    layer.add_to(m)
    if features:
        m.fit_bounds(_bounds(features))
    m.get_root().header.add_child(
        folium.Element(f'<title>{html.escape(title)} — vn-geodata</title><link rel="icon" href="data:,">')
    )  # no /favicon.ico 404
    m.get_root().html.add_child(folium.Element(_legend(title, as_of)))
    out = m.get_root().render()
    if "https://cdn" in out or "cdnjs" in out:  # a folium upgrade added an asset we do not ship
        raise RuntimeError("folium map references a CDN asset; add it to maps/vendor.mjs")
    return out


def _bounds(features: list[dict]) -> list[list[float]]:
    xs, ys = [], []
    for f in features:
        for poly in (
            f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon" else [f["geometry"]["coordinates"]]
        ):
            for x, y in poly[0]:
                xs.append(x)
                ys.append(y)
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def build_one(conn: psycopg.Connection, code: str, as_of: date) -> str:
    """HTML of the country map (code "vn") or of one province's communes; LookupError when unknown."""
    if code == COUNTRY:
        return render(_rows(conn, as_of, None), as_of, "Vietnam: provinces", province_map=False)
    name = map_data.province_name(conn, code, as_of)
    if not name:
        raise LookupError(code)
    return render(_rows(conn, as_of, code), as_of, f"{name}: communes", province_map=True)


def dataset_version(conn: psycopg.Connection) -> str:
    return map_data.dataset_version(conn)


# bump when what a map shows changes; the catalogue's fingerprint follows the popups' fields
MAP_FORMAT = f"m2.{fields.VERSION}"


def map_dir(state_dir: Path, version: str) -> Path:
    """Maps are cached per dataset version and map format: a reload or an upgrade never serves stale maps."""
    return state_dir / "maps" / f"{MAP_FORMAT}-{version}"


def copy_vendor(out: Path) -> None:
    if not (VENDOR_SRC / "leaflet.js").exists():
        raise FileNotFoundError(f"{VENDOR_SRC} is missing: run `make assets` (npm ci in maps/)")
    shutil.copytree(VENDOR_SRC, out / "vendor" / "leaflet", dirs_exist_ok=True)


def build_all(
    url: str,
    state_dir: Path,
    as_of: date,
    codes: list[str] | None = None,
    out: Path | None = None,
    progress=lambda code: None,
) -> list[Path]:
    """Write vn.html and one HTML per province (or only `codes`); returns the files written."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        out = out or map_dir(state_dir, dataset_version(conn)) / as_of.isoformat()
        out.mkdir(parents=True, exist_ok=True)
        copy_vendor(out)
        if codes is None:
            codes = [COUNTRY] + map_data.province_codes(conn, as_of)
        written = []
        for code in codes:
            progress(code)
            path = out / f"{code}.html"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(build_one(conn, code, as_of), encoding="utf-8")
            tmp.replace(path)  # readers never see half a file
            written.append(path)
        return written
