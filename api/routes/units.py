from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import AsOf, Conn
from api.middleware import cost
from api.responses import JSON
from geodata.geojson import feature_collection
from geodata.units import queries as units
from geodata.units import search

router = APIRouter(tags=["units"])

CodePath = Annotated[
    str,
    Path(
        description="official code: 2 digits (province), 3 (pre-reform district), 5 (commune)",
        examples=["00070"],
        max_length=16,
    ),
]
Level = Literal["province", "district", "commune"]
UnitType = Literal[search.TYPE_KEYS]  # the core's list of type keys
Geometry = Literal["none", "simplified", "full"]
FULL_GEOMETRY_COST = cost("exports", when="file")  # geometry=full is an export (rate-limited)
Format = Literal["json", "geojson"]
GEOJSON = "application/geo+json"


def _wants_geojson(request: Request, fmt: str | None) -> bool:
    return fmt == "geojson" or (fmt is None and GEOJSON in request.headers.get("accept", ""))


def _listing(
    request: Request, total: int, items: list[dict], limit: int, offset: int, fmt: str | None, geometry: str
) -> Response:
    page = {"total": total, "limit": limit, "offset": offset}
    if offset + limit < total:
        page["next"] = str(request.url.include_query_params(offset=offset + limit))
    if _wants_geojson(request, fmt):
        return Response(feature_collection(items, extra=page), media_type=GEOJSON)
    if geometry == "none":
        for item in items:
            item.pop("geometry", None)
    else:
        from orjson import Fragment

        for item in items:
            item["geometry"] = Fragment(item["geometry"]) if item["geometry"] else None
    return JSON({**page, "results": items})


@router.get("/v1/units/{code}", summary="One unit as it was on a date (default today)")
async def get_unit(code: CodePath, as_of: AsOf, conn: Conn):
    return await units.get_unit(conn, code, as_of)


@router.get(
    "/v1/units",
    summary="Units valid on a date, filtered, paged in a stable order (level, code)",
    openapi_extra=FULL_GEOMETRY_COST,
)
async def list_units(
    request: Request,
    as_of: AsOf,
    conn: Conn,
    type: Annotated[UnitType | None, Query(description="unit type key")] = None,
    level: Annotated[Level | None, Query()] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$", examples=["01"])] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    geometry: Geometry = "none",
    format: Format | None = None,
):
    total, items = await units.list_units(
        conn, as_of, level=level, type_=type, province=province, limit=limit, offset=offset, geometry=geometry
    )
    return _listing(request, total, items, limit, offset, format, geometry)


@router.get("/v1/provinces", summary="The provinces valid on a date", openapi_extra=FULL_GEOMETRY_COST)
async def provinces(
    request: Request, as_of: AsOf, conn: Conn, geometry: Geometry = "none", format: Format | None = None
):
    total, items = await units.list_units(conn, as_of, level="province", limit=100, geometry=geometry)
    return _listing(request, total, items, 100, 0, format, geometry)


@router.get(
    "/v1/provinces/{code}/communes", summary="The communes of a province on a date", openapi_extra=FULL_GEOMETRY_COST
)
async def province_communes(
    request: Request,
    code: CodePath,
    as_of: AsOf,
    conn: Conn,
    type: Annotated[UnitType | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    geometry: Geometry = "none",
    format: Format | None = None,
):
    await units.require_province(conn, code, as_of)
    total, items = await units.list_units(
        conn, as_of, level="commune", type_=type, province=code, limit=limit, offset=offset, geometry=geometry
    )
    return _listing(request, total, items, limit, offset, format, geometry)
