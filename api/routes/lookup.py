from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import AsOf
from api.responses import JSON
from geodata.lookup import batch
from geodata.errors import InvalidInput, NotFound, TooLarge
from geodata.lookup.point import covering_codes, lookup_point, nearest

router = APIRouter(tags=["lookup"])
MAX_BODY = 64 * 1024 * 1024


def _snapshot(request: Request):
    return request.app.state.lookup.get()


@router.get("/v1/lookup", summary="The commune and province containing a point (WGS 84)")
async def lookup(request: Request, as_of: AsOf,
                 lat: Annotated[float, Query(description="latitude, degrees", examples=[21.0288])],
                 lon: Annotated[float, Query(description="longitude, degrees", examples=[105.8522])]):
    pool = request.app.state.pool

    async def covering(lat, lon, day):  # the database only for points on an edge
        async with pool.connection() as conn:
            return await covering_codes(conn, lat, lon, day)

    found = await lookup_point(_snapshot(request), lat, lon, as_of, covering)
    if found:
        return JSON(found)  # already plain JSON types: skip FastAPI's encoder on the hot path
    async with pool.connection() as conn:
        near = await nearest(conn, lat, lon, as_of)
    extra = {"nearest": near} if near else {}
    where = f"; the nearest is {near['full_name']} at {near['distance_m']:.0f} m" if near else ""
    raise NotFound(f"the point lat={lat}, lon={lon} lies in no commune on {as_of.isoformat()}{where}",
                   point={"lat": lat, "lon": lon}, **extra)


@router.post("/v1/lookup", summary="Batch lookup: JSON {\"points\": [[lon, lat], ...]} or a CSV upload",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object", "required": ["points"], "properties": {
                     "points": {"type": "array", "minItems": 1, "maxItems": batch.MAX_POINTS, "items": {
                         "type": "array", "minItems": 2, "maxItems": 2,
                         "items": {"type": "number"}}}}},
                     "example": {"points": [[105.8522, 21.0288], [109.4, 12.2]]}},
                 "text/csv": {"schema": {"type": "string"}, "example": "id,lat,lon\n1,21.0288,105.8522\n"}}}})
async def lookup_batch(request: Request, as_of: AsOf,
                       format: Annotated[Literal["full", "codes"], Query(
                           description="full: one answer per point; codes: parallel arrays of codes")] = "full",
                       lat_col: Annotated[str | None, Query(max_length=100)] = None,
                       lon_col: Annotated[str | None, Query(max_length=100)] = None):
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_BODY:
        raise TooLarge(f"request body over {MAX_BODY // 2**20} MiB; split the batch", limit=MAX_BODY)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise TooLarge(f"request body over {MAX_BODY // 2**20} MiB; split the batch", limit=MAX_BODY)
    snap = _snapshot(request)
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
