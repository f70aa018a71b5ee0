"""OGC API – Tiles (Part 1, vector tiles) over the same tiles and cache as /v1/tiles, with the
WebMercatorQuad tile matrix set. Only the tiles part of /ogc lives here (OGC API – Features is
its own module): /ogc/tileMatrixSets[/WebMercatorQuad] and /ogc/collections/{layer}/tiles/..."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.deps import Data, OgcTileDay
from api.middleware import cost
from api.routes.tiles import MVT, serve_tile
from geodata.dates import today
from geodata.errors import NotFound
from geodata.ogc import documents as ogc
from geodata.tiles import mvt as tiles
from geodata.tiles import tilejson

router = APIRouter(prefix="/ogc", tags=["OGC API – Tiles"])
TMS = "WebMercatorQuad"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _tms(tms: str) -> None:
    if tms != TMS:
        raise NotFound(f"tile matrix set {tms!r} is not offered; use {TMS}", tileMatrixSets=[TMS])


@router.get("/tileMatrixSets", summary="Tile matrix sets offered (WebMercatorQuad)")
async def tile_matrix_sets(request: Request):
    return {
        "tileMatrixSets": [
            {
                "id": TMS,
                "title": "Google Maps Compatible for the World",
                "uri": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
                "links": [
                    {"rel": "self", "type": "application/json", "href": f"{_base(request)}/ogc/tileMatrixSets/{TMS}"}
                ],
            }
        ]
    }


@router.get("/tileMatrixSets/{tms}", summary="A tile matrix set definition")
async def tile_matrix_set(tms: Annotated[str, Path(examples=[TMS])]):
    _tms(tms)
    return tilejson.web_mercator_quad()


CollectionId = Annotated[
    str,
    Path(
        description="an OGC collection (provinces, communes, old_communes, lineage; "
        "the former id legacy-communes is accepted)",
        examples=["communes"],
        max_length=40,
    ),
]


def _layer(collection_id: str) -> tiles.Layer:
    """The tile layer of an OGC collection (the same id; former ids accepted)."""
    return tiles.get_layer(ogc.TILE_LAYERS.get(collection_id, collection_id))


@router.get("/collections/{collectionId}/tiles", summary="Tilesets of a collection")
async def collection_tilesets(request: Request, collectionId: CollectionId):
    _layer(collectionId)
    href = f"{_base(request)}/ogc/collections/{collectionId}/tiles/{TMS}"
    return {
        "links": [
            {
                "rel": "self",
                "type": "application/json",
                "href": f"{_base(request)}/ogc/collections/{collectionId}/tiles",
            }
        ],
        "tilesets": [
            {
                "title": f"{collectionId} (vector, {TMS})",
                "dataType": "vector",
                "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                "tileMatrixSetURI": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
                "links": [
                    {"rel": "self", "type": "application/json", "href": href},
                    {
                        "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                        "type": "application/json",
                        "href": f"{_base(request)}/ogc/tileMatrixSets/{TMS}",
                    },
                ],
            }
        ],
    }


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}", summary="Tileset metadata of a collection")
async def collection_tileset(request: Request, data: Data, collectionId: CollectionId, tileMatrixSetId: str):
    lay = _layer(collectionId)
    _tms(tileMatrixSetId)
    st = await data.loaded()
    async with data.connection() as conn:
        bbox = await tilejson.bounds(conn, max(today(), st.first_geometry_day or today()))
    return tilejson.ogc_tileset(lay, _base(request), bbox, collectionId)


@router.get(
    "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    response_class=Response,
    openapi_extra=cost("tiles"),
    summary="A vector tile (OGC API – Tiles; the same tile as /v1/tiles/{layer}/{z}/{x}/{y}.mvt)",
    responses={
        200: {"content": {MVT: {}}},
        204: {"description": "empty tile"},
        304: {"description": "not modified (If-None-Match)"},
    },
)
async def collection_tile(
    request: Request,
    data: Data,
    collectionId: CollectionId,
    tileMatrixSetId: str,
    tileMatrix: int,
    tileRow: int,
    tileCol: int,
    day: OgcTileDay,
):
    """OGC clients send datetime=; a single day is accepted (an interval would mix generations)."""
    _tms(tileMatrixSetId)
    layer = _layer(collectionId)
    return await serve_tile(request, data, layer.name, tileMatrix, tileCol, tileRow, day)
