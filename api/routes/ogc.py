"""OGC API – Features at /ogc: thin routes over geodata/ogc*.py (JSON/GeoJSON or HTML)."""

from __future__ import annotations

import functools
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response

from api.deps import Conn, Data, OgcDay
from api.responses import JSON
from geodata import crs as crsmod
from geodata.errors import GeodataError, InvalidInput
from geodata.ogc import documents as ogc
from geodata.ogc import html as ogc_html
from geodata.ogc import items

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

Format = Annotated[Literal["json", "html"] | None, Query(description="json (GeoJSON for items) or html")]
CollectionId = Annotated[str, Path(description="provinces, communes, old_communes or lineage", max_length=40)]
COMMON = {"f", "datetime", "as_of"}
ITEMS_PARAMS = COMMON | {
    "bbox",
    "bbox-crs",
    "crs",
    "limit",
    "offset",
    "code",
    "type",
    "province",
    "filter",
    "filter-lang",
    "filter-crs",
}


class UnknownParameter(GeodataError):
    """OGC API – Features: a query parameter the API does not define is a 400."""

    title = "Unknown parameter"


def _known(allowed: set[str]):
    def check(request: Request) -> None:
        # Queryables are query parameters too (Part 3, queryables-query-parameters): per collection.
        c = items.COLLECTIONS.get(request.path_params.get("collectionId", ""))
        ok = allowed | set(c.props) if c is not None and "filter" in allowed else allowed
        unknown = sorted(set(request.query_params) - ok)
        if unknown:
            raise UnknownParameter(
                f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(ok))}",
                parameter=unknown[0],
            )

    return Depends(check)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _html(request: Request, f: str | None) -> bool:
    return f == "html" or (f is None and request.headers.get("accept", "").startswith("text/html"))


@router.get("", summary="Landing page", dependencies=[_known({"f"})])
async def landing(request: Request, f: Format = None):
    doc = ogc.landing(_base(request))
    return HTMLResponse(ogc_html.landing(doc)) if _html(request, f) else JSON(doc)


@router.get("/api", summary="The OpenAPI 3.0 definition of /ogc", include_in_schema=False)
async def api_definition(request: Request):
    return Response(_openapi(_base(request)), media_type=ogc.OPENAPI)


@functools.lru_cache(maxsize=8)
def _openapi(base: str) -> bytes:
    """The OGC API's own document, as OGC clients read it: paths relative to its server {base}/ogc
    (GDAL looks up /collections/{collectionId}/items), each collection's items with its queryables
    as parameters (GDAL then sends `-where` filters to the server), features and tiles together."""
    import orjson

    from api import openapi_extras
    from api.routes import ogc_tiles

    doc = get_openapi(
        title="vn-geodata OGC API – Features and Tiles",
        version="1.0.0",
        openapi_version="3.0.3",
        routes=router.routes + ogc_tiles.router.routes,
        description="Vietnam's administrative units; see /ogc",
        servers=[{"url": f"{base}/ogc"}],
    )
    doc = openapi_extras.finish(doc)
    doc["paths"] = {p.removeprefix("/ogc") or "/": item for p, item in doc["paths"].items()}
    template = doc["paths"]["/collections/{collectionId}/items"]
    for p in template["get"]["parameters"]:  # GDAL reads schema.enum of filter-lang, not inside anyOf
        if p["name"] == "filter-lang":
            p["schema"] = {"type": "string", "enum": ["cql2-text", "cql-text"], "default": "cql2-text"}
    for cid, c in items.COLLECTIONS.items():
        doc["paths"][f"/collections/{cid}/items"] = ogc.collection_items_path(template, c)
    return orjson.dumps(doc)


@router.get("/conformance", summary="Conformance classes", dependencies=[_known({"f"})])
async def conformance(request: Request, f: Format = None):
    doc = ogc.conformance()
    return HTMLResponse(ogc_html.conformance(doc)) if _html(request, f) else JSON(doc)


@router.get("/collections", summary="The collections", dependencies=[_known(COMMON)])
async def collections(request: Request, conn: Conn, data: Data, day: OgcDay, f: Format = None):
    extents = {cid: await items.extent(conn, c, day.value) for cid, c in items.COLLECTIONS.items()}
    doc = ogc.collections_doc(_base(request), extents, (await data.loaded()).first_geometry_day)
    return HTMLResponse(ogc_html.collections(doc)) if _html(request, f) else JSON(doc)


@router.get("/collections/{collectionId}", summary="One collection", dependencies=[_known(COMMON)])
async def collection(
    request: Request, collectionId: CollectionId, conn: Conn, data: Data, day: OgcDay, f: Format = None
):
    c = items.get(collectionId)
    bbox = await items.extent(conn, c, day.value)
    doc = ogc.collection_doc(_base(request), c, bbox, (await data.loaded()).first_geometry_day)
    return HTMLResponse(ogc_html.collection(doc)) if _html(request, f) else JSON(doc)


@router.get(
    "/collections/{collectionId}/queryables",
    summary="Queryable properties (JSON Schema)",
    dependencies=[_known({"f"})],
    response_class=Response,
    responses={
        200: {
            "content": {"application/schema+json": {"schema": {"type": "object"}}},
            "description": "JSON Schema of the queryables",
        }
    },
)
async def queryables(request: Request, collectionId: CollectionId, f: Format = None):
    return Response(
        JSON(None).render(ogc.queryables(_base(request), items.get(collectionId))), media_type="application/schema+json"
    )


FEATURES = {
    200: {
        "description": "GeoJSON (f=json, the default) or HTML (f=html or Accept: text/html)",
        "headers": {"Content-Crs": {"description": "CRS of the geometries", "schema": {"type": "string"}}},
        "content": {
            ogc.GEOJSON: {
                "schema": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"enum": ["FeatureCollection"]},
                        "features": {"type": "array"},
                        "numberMatched": {"type": "integer"},
                        "numberReturned": {"type": "integer"},
                        "links": {"type": "array"},
                    },
                }
            },
            "text/html": {"schema": {"type": "string"}},
        },
    }
}
FEATURE = {
    200: {
        "description": "GeoJSON (f=json, the default) or HTML (f=html or Accept: text/html)",
        "content": {
            ogc.GEOJSON: {
                "schema": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {"type": {"enum": ["Feature"]}},
                }
            },
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


@router.get(
    "/collections/{collectionId}/items",
    summary="Features, paged by code",
    dependencies=[_known(ITEMS_PARAMS)],
    response_class=Response,
    responses=FEATURES,
)
async def get_items(
    request: Request,
    collectionId: CollectionId,
    conn: Conn,
    data: Data,
    day: OgcDay,
    f: Format = None,
    bbox: Annotated[
        str | None,
        Query(
            description="min x, min y, max x, max y in bbox-crs axis order",
            examples=["105.8,21.0,105.9,21.1"],
            max_length=200,
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description="CRS of bbox (default CRS84)", max_length=80)
    ] = None,
    crs: Annotated[
        str | None,
        Query(
            description="CRS of the geometries (default CRS84)",
            examples=["http://www.opengis.net/def/crs/EPSG/0/3405"],
            max_length=80,
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=ogc.MAX_LIMIT, description="features per page")] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    code: Annotated[str | None, Query(max_length=16)] = None,
    type: Annotated[str | None, Query(max_length=32)] = None,
    province: Annotated[str | None, Query(max_length=2)] = None,
    filter: Annotated[
        str | None,
        Query(
            description="CQL2 text over the queryables",
            examples=["population > 50000 AND type = 'phuong'"],
            max_length=4000,
        ),
    ] = None,
    filter_lang: Annotated[
        Literal["cql2-text", "cql-text"] | None,
        Query(alias="filter-lang", description="cql2-text (cql-text: the same, as GDAL 3.6 names it)"),
    ] = None,
    filter_crs: Annotated[
        str | None,
        Query(
            alias="filter-crs",
            max_length=80,
            description=(
                "CRS of geometries in filter (CRS84 or any CRS offered); the filter language here compares "
                "properties only, so it is checked and otherwise has no effect"
            ),
        ),
    ] = None,
):
    c = items.get(collectionId)
    crsmod.parse(filter_crs, "filter-crs")
    if filter_crs and not filter:
        raise InvalidInput("filter-crs given without filter", parameter="filter-crs")
    props = items.check_props(c, {"code": code, "type": type, "province": province})
    props.update(items.queryable_params(c, request.query_params))
    q = items.Query(
        as_of=day.value,
        limit=limit,
        offset=offset,
        bbox=ogc.parse_bbox(bbox, bbox_crs),
        crs=crsmod.parse(crs),
        props=props,
        cql=filter,
    )
    rows, matched = await items.fetch_page(conn, c, q)

    def page_url(off: int, f: str | None = None) -> str:
        extra = {"offset": off, "limit": q.limit, **({"f": f} if f else {})}
        return str(request.url.include_query_params(**extra))

    body = ogc.feature_collection(rows, matched, c, q, str(request.url), page_url, data.ogc_geometry)
    if _html(request, f):
        return HTMLResponse(ogc_html.features(body, c.title))
    return Response(body, media_type=ogc.GEOJSON, headers={"Content-Crs": f"<{q.crs.uri}>"})


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    summary="One feature",
    dependencies=[_known(COMMON | {"crs"})],
    response_class=Response,
    responses=FEATURE,
)
async def get_item(
    request: Request,
    collectionId: CollectionId,
    featureId: Annotated[str, Path(max_length=40)],
    conn: Conn,
    data: Data,
    day: OgcDay,
    f: Format = None,
    crs: Annotated[str | None, Query(max_length=80)] = None,
):
    c = items.get(collectionId)
    q = items.Query(as_of=day.value, crs=crsmod.parse(crs))
    body = ogc.feature(await items.fetch_one(conn, c, featureId, q), c, q, _base(request), data.ogc_geometry)
    if _html(request, f):
        return HTMLResponse(ogc_html.feature(body, c.title))
    return Response(body, media_type=ogc.GEOJSON, headers={"Content-Crs": f"<{q.crs.uri}>"})
