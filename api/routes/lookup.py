from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import AsOf, Data
from api.middleware import cost
from api.responses import JSON
from geodata.errors import InvalidInput, NotFound, TooLarge
from geodata.lookup import batch
from geodata.lookup.point import lookup_point, nearest
from geodata.settings import get_settings

router = APIRouter(tags=["lookup"])


@router.get("/v1/lookup", summary="The commune and province containing a point (WGS 84)")
async def lookup(
    data: Data,
    as_of: AsOf,
    lat: Annotated[float, Query(description="latitude, degrees", examples=[21.0288])],
    lon: Annotated[float, Query(description="longitude, degrees", examples=[105.8522])],
):
    found = await lookup_point(data, lat, lon, as_of)
    if found:
        return JSON(found)  # already plain JSON types: skip FastAPI's encoder on the hot path
    async with data.connection() as conn:
        near = await nearest(conn, lat, lon, as_of)
    extra = {"nearest": near} if near else {}
    where = f"; the nearest is {near['full_name']} at {near['distance_m']:.0f} m" if near else ""
    raise NotFound(
        f"the point lat={lat}, lon={lon} lies in no commune on {as_of.isoformat()}{where}",
        point={"lat": lat, "lon": lon},
        **extra,
    )


@router.post(
    "/v1/lookup",
    summary='Batch lookup: JSON {"points": [[lon, lat], ...]} or a CSV upload',
    openapi_extra=cost(
        "batch",
        requestBody={
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["points"],
                        "properties": {
                            "points": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": batch.MAX_POINTS,
                                "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
                            }
                        },
                    },
                    "example": {"points": [[105.8522, 21.0288], [109.4, 12.2]]},
                },
                "text/csv": {"schema": {"type": "string"}, "example": "id,lat,lon\n1,21.0288,105.8522\n"},
            },
        },
    ),
)
async def lookup_batch(
    request: Request,
    data: Data,
    as_of: AsOf,
    format: Annotated[
        Literal["full", "codes"], Query(description="full: one answer per point; codes: parallel arrays of codes")
    ] = "full",
    lat_col: Annotated[str | None, Query(max_length=100)] = None,
    lon_col: Annotated[str | None, Query(max_length=100)] = None,
):
    limit = get_settings().max_batch_body_bytes  # VNGEO_MAX_BATCH_BODY_BYTES, as the middleware's cap
    size = int(request.headers.get("content-length") or 0)
    if size > limit:
        raise TooLarge(f"request body over {limit:,} bytes; split the batch", limit=limit)
    body = await request.body()
    if len(body) > limit:
        raise TooLarge(f"request body over {limit:,} bytes; split the batch", limit=limit)
    snap = data.snapshot()
    day = snap.day(as_of)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("text/csv"):
        return Response(batch.lookup_csv(snap, day, body, lat_col, lon_col), media_type="text/csv")
    if ctype and not ctype.startswith("application/json"):
        raise InvalidInput(f"send application/json or text/csv, not {ctype}")
    lon, lat = batch.parse_points(body)
    idx = batch.lookup_arrays(snap, day, lon, lat)
    out = batch.answer_codes(day, idx) if format == "codes" else batch.answer_full(day, idx)
    return Response(out, media_type="application/json")
