"""Vector tiles and their TileJSON; GeoJSON layers of provinces and communes. Thin routes: the SQL
is in geodata/tiles/mvt.py and geodata/views/layers.py, the cache in geodata/tiles/cache.py."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.convertors import StringConvertor, register_url_convertor

from api.compression import compress, tile_encoding
from api.deps import AsOf, AsOfDay, Data, Day
from api.middleware import charge, cost
from geodata.errors import NotFound
from geodata.tiles import cache as tilecache
from geodata.tiles import mvt as tiles
from geodata.tiles import tilejson
from geodata.views import layers

router = APIRouter(tags=["tiles and layers"])
hot_router = APIRouter(tags=["tiles and layers"])  # the tile itself: matched right after the lookup routes
MVT = "application/vnd.mapbox-vector-tile"
GEOJSON = "application/geo+json"

LayerPath = Annotated[
    str,
    Path(
        description="provinces, communes, old_communes (former id legacy-communes, still accepted) or lineage",
        examples=["communes"],
        max_length=40,
    ),
]
Z = Annotated[int, Path(description="zoom level (0-22; TileJSON advertises 0-14, clients overzoom)")]
X = Annotated[int, Path(description="column, 0 to 2^z - 1")]
Y = Annotated[int, Path(description="row from the top (XYZ), 0 to 2^z - 1")]


class _UnitLayer(StringConvertor):
    """{layer:unit_layer}: only the unit layers (provinces, communes), so /v1/layers/{layer}.geojson
    never matches the lineage layers' fixed paths (api/routes/lineage.py) whatever the order in which
    the routers are registered."""

    regex = "|".join(re.escape(name) for name in layers.LEVELS)


class _OtherLayer(StringConvertor):
    """{layer:other_layer}: any name but the GeoJSON layers served (a clear 404 for the rest)."""

    regex = (
        r"(?!(?:"
        + "|".join(re.escape(n) for n in (*layers.LEVELS, *layers.LINEAGE_LAYERS, *layers.LINEAGE_ALIASES))
        + r")\.geojson$)[^/]+"
    )


register_url_convertor("unit_layer", _UnitLayer())
register_url_convertor("other_layer", _OtherLayer())


def _cache_control(explicit_date: bool) -> str:
    # A dated request changes only on a reload; "today" may move to the next period at midnight.
    return "public, max-age=86400" if explicit_date else "public, max-age=3600"


async def serve_tile(request: Request, data: Data, layer_name: str, z: int, x: int, y: int, day: Day) -> Response:
    """Shared by /v1/tiles and the OGC API – Tiles routes: ETag/304, cache, then PostGIS."""
    layer = tiles.get_layer(layer_name)
    tiles.check_tile(z, x, y)
    d = day.value
    st = await data.tile_state()
    if layer.dated_geometry and st.first_geometry_day and d < st.first_geometry_day:
        raise NotFound(
            f"boundaries exist from {st.first_geometry_day.isoformat()}; {d.isoformat()} is before "
            f"the reform (the old_communes layer has the old communes)",
            first_day=st.first_geometry_day,
        )
    period = st.period(d)
    tag = tilecache.etag(st.version, layer.name, period, z, x, y)
    encoding = tile_encoding(request.headers.get("accept-encoding", ""))
    # Each encoding is its own representation: its own ETag (weak, as the middleware marks any
    # compressed one), and Vary so a shared cache keeps them apart.
    headers = {
        "ETag": f'W/"{tag[1:-1]}-{encoding}"' if encoding else tag,
        "Vary": "Accept-Encoding",
        "Cache-Control": _cache_control(day.given),
    }  # CORS: api/middleware.py, like every public route
    if tag[1:-1] in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    cache, key = data.tile_cache, (st.version, layer.name, period, z, x, y)
    body = cache.get(key, encoding) if encoding else None
    if body is None:
        body = cache.get(key)
        headers["X-Tile-Cache"] = "hit" if body is not None else "miss"
        if body is None:
            charge(request, "tiles")  # a cold body costs PostGIS work: per-client rate limit, 429 + Retry-After
            async with data.connection() as conn:
                powers = await tilecache.power_arrays(st, conn, d) if layer.kind == "polygons" else tilecache.NO_POWERS
                body = await tiles.render(conn, layer, z, x, y, d, powers)
            cache.put(key, body)
        if body and encoding:  # compressed once, then served from the cache like the identity body
            body = compress(body, encoding)
            cache.put(key, body, encoding)
    else:
        headers["X-Tile-Cache"] = "hit"
    if not body:
        return Response(status_code=204, headers=headers)  # an empty body: MapLibre draws nothing
    if encoding:
        headers["Content-Encoding"] = encoding
    return Response(body, media_type=MVT, headers=headers)


@router.get("/v1/tiles", summary="The tile layers and their TileJSON")
async def tile_layers(request: Request):
    return tilejson.layer_index(str(request.base_url).rstrip("/"))


@router.get("/v1/tiles/{layer}.json", summary="TileJSON 3.0.0 of a tile layer (what MapLibre GL reads)")
async def tile_json(request: Request, data: Data, layer: LayerPath, day: AsOfDay):
    """as_of pins the tiles to that day (default: today)."""
    lay = tiles.get_layer(layer)
    d = day.value
    st = await data.loaded()
    async with data.connection() as conn:
        bbox = await tilejson.bounds(conn, max(d, st.first_geometry_day or d))
    return tilejson.tilejson(lay, str(request.base_url).rstrip("/"), bbox, d if day.given else None, st.version)


@hot_router.get(
    "/v1/tiles/{layer}/{z}/{x}/{y}.mvt",
    response_class=Response,
    summary="A vector tile (MVT)",
    openapi_extra=cost("tiles"),
    responses={
        200: {"content": {MVT: {}}, "description": "the tile"},
        204: {"description": "empty tile"},
        304: {"description": "not modified (If-None-Match)"},
    },
)
async def tile(request: Request, data: Data, layer: LayerPath, z: Z, x: X, y: Y, day: AsOfDay):
    return await serve_tile(request, data, layer, z, x, y, day)


@router.get(
    "/v1/layers/{layer:unit_layer}.geojson",
    response_class=Response,
    summary="Provinces or communes as GeoJSON (any day; province, bbox, simplified for a zoom)",
    responses={200: {"content": {GEOJSON: {}}}},
)
async def layer_geojson(
    data: Data,
    layer: Annotated[str, Path(description="provinces or communes")],
    as_of: AsOf,
    province: Annotated[str | None, Query(description="2-digit province code", examples=["01"])] = None,
    bbox: Annotated[
        str | None, Query(description="min_lon,min_lat,max_lon,max_lat", examples=["105.7,20.9,106.0,21.1"])
    ] = None,
    simplify: Annotated[
        str | None,
        Query(
            description="zoom level 0-22: boundaries simplified for it, shared edges once; "
            "none (default): full resolution",
            examples=["5"],
        ),
    ] = None,
):
    st = await data.loaded()
    async with data.connection() as conn:
        body = await layers.layer_geojson(conn, layer, as_of, province, bbox, simplify, st.first_geometry_day)
    return Response(body, media_type=GEOJSON)


@router.get("/v1/layers/{layer:other_layer}.geojson", include_in_schema=False)
async def unknown_layer(layer: str):
    raise NotFound(f"no layer {layer!r}; GeoJSON layers: {', '.join((*layers.LEVELS, *layers.LINEAGE_LAYERS))}")
