"""Powers, instruments, comparison and scale figures: thin routes over geodata.powers.catalogue and geodata.units.stats.

Vocabulary parameters (sector, level, mechanism, ...) are plain strings checked in geodata, so a wrong
value gets a 422 that lists the allowed values."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import AsOf, Conn, Data, Day, optional_day
from api.routes.units import GEOJSON, CodePath
from geodata.dates import today
from geodata.geojson import feature_collection
from geodata.powers import catalogue as powers
from geodata.powers import events as power_events
from geodata.units import stats

router = APIRouter(tags=["powers"])

Sector = Annotated[str | None, Query(description="sector key, e.g. land, construction", max_length=40)]
Mechanism = Annotated[str | None, Query(description="phan_quyen, phan_cap or uy_quyen", max_length=40)]
Level = Annotated[str | None, Query(description="holder level: province or commune", max_length=40)]
Search = Annotated[
    str | None,
    Query(
        description="words in Vietnamese or English, folded (no diacritics needed)",
        max_length=powers.MAX_QUERY,
        examples=["giay phep xay dung"],
    ),
]


@router.get("/v1/units/{code}/powers", summary="The powers a unit holds on a date, grouped by sector")
async def unit_powers(
    code: CodePath, as_of: AsOf, conn: Conn, data: Data, sector: Sector = None, mechanism: Mechanism = None
):
    return await powers.unit_powers(
        conn, code, as_of, reform_day=(await data.loaded()).reform_day, sector=sector, mechanism=mechanism
    )


@router.get("/v1/powers", summary="The catalogue of powers, filtered and searchable")
async def list_powers(
    as_of: AsOf,
    conn: Conn,
    sector: Sector = None,
    level: Level = None,
    mechanism: Mechanism = None,
    confidence: Annotated[str | None, Query(description="high, medium or low", max_length=10)] = None,
    instrument: Annotated[str | None, Query(examples=["nd-151-2025"], max_length=60)] = None,
    q: Search = None,
    status: Annotated[str | None, Query(description="on as_of: in_force, not_yet or ended", max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
):
    return await powers.list_powers(
        conn,
        as_of,
        sector=sector,
        level=level,
        mechanism=mechanism,
        confidence=confidence,
        instrument=instrument,
        q=q,
        status=status,
        limit=limit,
        offset=offset,
    )


@router.get("/v1/powers/events", summary="Powers starting, ending or moving between two dates, by day")
async def power_events_route(
    conn: Conn,
    from_: Annotated[Day, Depends(optional_day("from", "first day (default: today)", ["2026-01-01"]))],
    to: Annotated[Day, Depends(optional_day("to", "last day, included (default: from + 365 days)", ["2027-03-01"]))],
):
    start = from_.value or today()
    end = to.value or start + timedelta(days=365)
    return await power_events.events(conn, start, end)


@router.get("/v1/powers/{id}", summary="One power and the units holding it on a date (geojson: their polygons)")
async def get_power(
    id: Annotated[str, Path(examples=["p001"], max_length=20)],
    as_of: AsOf,
    conn: Conn,
    data: Data,
    format: Literal["json", "geojson"] = "json",
):
    reform_day = (await data.loaded()).reform_day
    if format == "geojson":
        power = await powers.get_power(conn, id, as_of, geometry="simplified", reform_day=reform_day)
        units = power.pop("units")
        return Response(feature_collection(units, extra={"power": power}), media_type=GEOJSON)
    return await powers.get_power(conn, id, as_of, reform_day=reform_day)


@router.get("/v1/instruments", summary="The legal instruments of the catalogue")
async def list_instruments(
    conn: Conn,
    sector: Sector = None,
    kind: Annotated[str | None, Query(examples=["nghi_dinh"], max_length=40)] = None,
    package: Annotated[str | None, Query(description="june-2025: the 28 decrees of June 2025", max_length=20)] = None,
    q: Search = None,
):
    return await powers.list_instruments(conn, sector=sector, kind=kind, package=package, q=q)


@router.get("/v1/instruments/{id}", summary="One instrument, its relations to other texts and the powers it moves")
async def get_instrument(id: Annotated[str, Path(examples=["nd-151-2025"], max_length=60)], as_of: AsOf, conn: Conn):
    return await powers.get_instrument(conn, id, as_of)


@router.get("/v1/compare", summary="Powers one unit holds and the other does not, side by side")
async def compare(
    as_of: AsOf,
    conn: Conn,
    data: Data,
    units: Annotated[
        str, Query(description="two unit codes, comma-separated", examples=["00070,31078"], max_length=40)
    ],
):
    return await powers.compare(
        conn, [c.strip() for c in units.split(",")], as_of, reform_day=(await data.loaded()).reform_day
    )


@router.get("/v1/stats", summary="Population, area and density of units on a date; communes and powers per province")
async def get_stats(
    as_of: AsOf,
    conn: Conn,
    level: Annotated[str, Query(description="province, district or commune", max_length=20)] = "commune",
    province: Annotated[str | None, Query(pattern=r"^\d{2}$", examples=["01"])] = None,
):
    return await stats.stats(conn, as_of, level=level, province=province)
