"""The browser viewer (/ and /static), its compact data, downloads, and the folium maps (/maps)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse, Response
from psycopg.rows import dict_row
from starlette.staticfiles import StaticFiles

from api.deps import AsOf, Conn, Data
from api.routes.units import CodePath
from geodata.dataset import Dataset
from geodata.errors import NotFound
from geodata.files import unit_download
from geodata.lineage import legacy_outlines
from geodata.views import viewer as viewer_data
from maps import folium_maps

router = APIRouter()
STATIC = Path(folium_maps.__file__).resolve().parent / "static"

# MapLibre's CSP build loads its worker from /static (no blob: script needed, but tiles decode to
# blob: images); the optional OpenStreetMap base map is the only other origin the page may reach.
OSM = "https://tile.openstreetmap.org"
VIEWER_CSP = (
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; "
    f"img-src 'self' data: blob: {OSM}; connect-src 'self' {OSM}; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# folium writes its map as inline script and styles: allowed there, and nothing but self.
MAPS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}


def _headers(csp: str) -> dict:
    frame = "SAMEORIGIN" if csp is MAPS_CSP else "DENY"  # a report may embed a folium map
    return {"Content-Security-Policy": csp, "X-Frame-Options": frame, **COMMON}


class _Static(StaticFiles):
    """Static files with the security headers, revalidated (ETag) so an upgrade shows at once."""

    def __init__(self, *args, csp: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra = _headers(csp)

    def file_response(self, *args, **kwargs):
        resp = super().file_response(*args, **kwargs)
        resp.headers.update(self.extra)
        resp.headers.setdefault("Cache-Control", "no-cache")
        return resp


def mount(app: FastAPI) -> None:
    app.mount("/static", _Static(directory=STATIC, check_dir=False, csp=VIEWER_CSP), name="static")
    app.mount("/maps/vendor", _Static(directory=STATIC / "vendor", check_dir=False, csp=MAPS_CSP), name="maps-vendor")


@router.get("/", include_in_schema=False)
async def index():
    page = STATIC / "index.html"
    if not (STATIC / "vendor" / "maplibre-gl-csp.js").exists():
        raise NotFound("the viewer's browser assets are missing: run `make assets` (npm ci in maps/)")
    return FileResponse(
        page, media_type="text/html; charset=utf-8", headers={**_headers(VIEWER_CSP), "Cache-Control": "no-cache"}
    )


TILEJSON_PATH = "/v1/tiles/{layer}.json"


@router.get("/viewer/config.json", tags=["viewer"], summary="What the viewer can use on this service")
async def viewer_config(request: Request):
    # Asking the app, not fetching the TileJSON: a 404 in the browser console would look like a fault.
    # (The OpenAPI paths, generated once and cached: routers may be nested, app.routes is not flat.)
    tiles = TILEJSON_PATH in request.app.openapi().get("paths", {})
    return {"tiles": tiles, "tilejson": TILEJSON_PATH if tiles else None}


@router.get(
    "/viewer/units.json",
    tags=["viewer"],
    summary="Provinces and communes of a day as rows of arrays: the viewer's class breaks and charts",
)
async def units_table(as_of: AsOf, conn: Conn, data: Data):
    # The viewer asks by period (the generation's first day), so a cached answer serves every day of it.
    reform_day = (await data.loaded()).reform_day
    return Response(
        await viewer_data.units_table(conn, as_of, reform_day),
        media_type="application/json",
        headers={"Cache-Control": "max-age=300"},
    )


@router.get(
    "/viewer/seats.geojson",
    tags=["viewer"],
    summary="Communes' seats of a day as labelled points (approximate; the viewer's street-zoom orientation)",
)
async def seats_geojson(as_of: AsOf, conn: Conn):
    return Response(
        await viewer_data.seats_geojson(conn, as_of),
        media_type="application/geo+json",
        headers={"Cache-Control": "max-age=300"},
    )


@router.get(
    "/viewer/legacy-outlines.geojson",
    tags=["viewer"],
    summary="Old provinces and districts as outlines, only where the lineage gives them exactly",
)
async def legacy_outlines_geojson(conn: Conn, data: Data):
    return Response(
        await legacy_outlines.outlines(conn, (await data.loaded()).version),
        media_type="application/geo+json",
        headers={"Cache-Control": "max-age=300"},
    )


@router.get(
    "/viewer/{level}.geojson",
    tags=["viewer"],
    summary="Polygons of a day with the tile properties (the viewer's fallback when tiles are unavailable)",
    responses={
        503: {
            "description": "the database is not answering, or this generation's polygons (built "
            "once per dataset, then cached) took longer than the build's time limit on a busy "
            "server; retry after Retry-After seconds"
        }
    },
)
async def units_geojson(level: Literal["provinces", "communes"], as_of: AsOf, conn: Conn, data: Data):
    body = await viewer_data.units_geojson(conn, as_of, level[:-1], (await data.loaded()).version)
    return Response(body, media_type="application/geo+json", headers={"Cache-Control": "max-age=300"})


@router.get(
    "/v1/units/{code}/download",
    tags=["units"],
    status_code=308,
    response_class=RedirectResponse,
    summary="Former download of one unit: redirects to /v1/exports/{layer}.{format}?code= (or ?province=)",
    responses={
        308: {
            "description": "the export of the unit: a commune's row (communes?code=), a "
            "province's communes (communes?province=, the default) or its outline (communes=false: "
            "provinces?code=)"
        }
    },
)
async def download(
    code: CodePath,
    as_of: AsOf,
    conn: Conn,
    format: Literal["geojson", "gpkg"] = "geojson",
    communes: Annotated[bool, Query(description="for a province: its communes (else its outline)")] = True,
):
    url = await unit_download.export_url(conn, code, as_of, format, communes)
    return RedirectResponse(url, status_code=308)


def _build_map(data: Dataset, version: str, code: str, as_of) -> Path:
    """Build (once per dataset version and day) and return the file; runs in a thread. Through the
    dataset handle's connection: the statement timeout applies (503 past it, as for any query)."""
    out = folium_maps.map_dir(data.settings.state_dir, version) / as_of.isoformat()
    path = out / f"{code}.html"
    if not path.exists():
        with data.connect(row_factory=dict_row) as conn:
            html = folium_maps.build_one(conn, code, as_of)
        out.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{id(out)}.tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
    return path


@router.get("/maps/{code}.html", include_in_schema=False)
async def folium_map(code: Annotated[str, PathParam(pattern=r"^(vn|\d{2})$", max_length=2)], as_of: AsOf, data: Data):
    version = (await data.loaded()).version
    try:
        path = await asyncio.to_thread(_build_map, data, version, code, as_of)
    except LookupError:
        raise NotFound(
            f"no province has code {code} on {as_of.isoformat()}; /maps/vn.html is the country", code=code
        ) from None
    return FileResponse(
        path, media_type="text/html; charset=utf-8", headers={**_headers(MAPS_CSP), "Cache-Control": "no-cache"}
    )
