"""The decentralisation dashboard: its page (/dashboard) and the aggregates it reads, thin routes over
geodata.powers.dashboard, geodata.powers.scale and geodata.powers.feed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response

from api.deps import AsOf, Conn, Data, Day, optional_day
from api.routes.viewer import STATIC, VIEWER_CSP, _headers
from geodata.errors import NotFound
from geodata.powers import dashboard, feed
from geodata.powers import scale as dashboard_scale

router = APIRouter(tags=["dashboard"])
PAGE = STATIC / "dashboard" / "index.html"

Since = Annotated[Day, Depends(optional_day("since", "first day (default: a year before today)", ["2026-01-31"]))]
Until = Annotated[Day, Depends(optional_day("until", "last day (default: half a year after today)", ["2026-01-31"]))]
Sector = Annotated[str | None, Query(description="sector key, e.g. land", max_length=40)]


@router.get("/dashboard", include_in_schema=False)
async def page():
    if not (STATIC / "vendor" / "echarts.esm.min.js").exists():
        raise NotFound("the dashboard's browser assets are missing: run `make assets` (npm ci in maps/)")
    return FileResponse(
        PAGE, media_type="text/html; charset=utf-8", headers={**_headers(VIEWER_CSP), "Cache-Control": "no-cache"}
    )


@router.get("/v1/dashboard/matrix", summary="Sectors x levels: powers in force on a date, by mechanism and origin")
async def matrix(as_of: AsOf, conn: Conn, data: Data):
    return await dashboard.matrix(conn, as_of, (await data.loaded()).reform_day)


@router.get("/v1/dashboard/cell", summary="The powers in force behind one cell of the matrix (or any slice of it)")
async def cell(
    as_of: AsOf,
    conn: Conn,
    sector: Sector = None,
    level: Annotated[
        str | None, Query(description="central (moved down from the ministries), province or commune", max_length=20)
    ] = None,
    mechanism: Annotated[str | None, Query(max_length=20)] = None,
    origin: Annotated[str | None, Query(description="central, province or district_abolished", max_length=20)] = None,
):
    return await dashboard.cell_powers(conn, as_of, sector=sector, level=level, mechanism=mechanism, origin=origin)


@router.get("/v1/dashboard/series", summary="Powers in force per level over time (a step series)")
async def series(
    conn: Conn,
    data: Data,
    from_: Annotated[Day, Depends(optional_day("from", "first day (default: the reform day)"))],
    to: Annotated[Day, Depends(optional_day("to", "last day (default: 2027-06-30)", ["2026-01-31"]))],
):
    start = from_.value or (await data.loaded()).reform_day
    end = to.value or date(2027, 6, 30)
    return await dashboard.series(conn, start, end)


@router.get("/v1/dashboard/map", summary="What each unit holds of a sector or of one power on a date")
async def map_counts(
    as_of: AsOf,
    conn: Conn,
    sector: Sector = None,
    power: Annotated[str | None, Query(pattern=r"^p\d{1,6}$", examples=["p001"])] = None,
    level: Annotated[str, Query(pattern="^(province|commune)$")] = "commune",
):
    return await dashboard.map_counts(conn, as_of, level=level, sector=sector, power=power)


@router.get("/v1/dashboard/scale", summary="Per province: communes in the population and area bands, spread, outliers")
async def scale(as_of: AsOf, conn: Conn):
    return await dashboard_scale.scale(conn, as_of)


@router.get(
    "/v1/feed.json",
    summary="What changed and what changes: units and powers, as a JSON Feed 1.1",
    response_class=Response,
    responses={
        200: {
            "content": {"application/feed+json": {"schema": {"type": "object"}}},
            "description": "a JSON Feed 1.1 (https://jsonfeed.org/version/1.1)",
        }
    },
)
async def feed_json(request: Request, conn: Conn, since: Since, until: Until):
    items = await feed.items(conn, *feed.window(since.value, until.value))
    return Response(feed.json_feed(items, str(request.base_url)), media_type="application/feed+json")


@router.get(
    "/v1/feed.atom",
    summary="What changed and what changes: units and powers, as an Atom feed",
    response_class=Response,
    responses={
        200: {
            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
            "description": "an Atom feed (RFC 4287)",
        }
    },
)
async def feed_atom(request: Request, conn: Conn, since: Since, until: Until):
    items = await feed.items(conn, *feed.window(since.value, until.value))
    return Response(feed.atom_feed(items, str(request.base_url)), media_type="application/atom+xml")


@router.get("/v1/dashboard/lapsing", summary="Powers in force on a date whose last day falls within 90 days, in full")
async def lapsing(as_of: AsOf, conn: Conn):
    return await dashboard.lapsing(conn, as_of)
