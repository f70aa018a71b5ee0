from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Conn, Data
from api.responses import JSON
from geodata import credits, crs
from geodata.dates import today
from geodata.units import fields
from geodata.units import queries as units

router = APIRouter(tags=["meta"])


@router.get("/healthz", summary="200 when the database answers, 503 otherwise")
async def healthz(conn: Conn):
    ds = await units.dataset(conn)
    return {"status": "ok", "dataset": ds["version"] if ds else None}


@router.get("/v1/meta", summary="Data sources, licences and the generations with their unit counts")
async def meta(conn: Conn, data: Data):
    ds = await units.dataset(conn)
    facts = await data.loaded()
    return {
        "service": "vn-geodata",
        "today": today(),
        "dataset": ds,
        # Read from the loaded data (geo.generations, geo.units): the viewer takes its dates from here.
        "reform_day": facts.reform_day,
        "first_geometry_day": facts.first_geometry_day,
        "licence": credits.LICENCE,
        "sources": credits.SOURCES,
        "generations": await units.generations(conn),
    }


@router.get(
    "/v1/fields",
    summary="The catalogue of unit and layer fields: names, types, descriptions, Shapefile "
    "names, which outputs carry each; the layers with their ids and former ids",
)
async def field_catalogue():
    # The viewer reads its field names from here (maps/static/app.js), not from constants of its own.
    return fields.catalogue()


@router.get("/v1/meta/quality", summary="The quality report of the loaded data")
async def quality(conn: Conn):
    return JSON(await units.quality_report(conn))


@router.get(
    "/v1/crs", summary="The coordinate reference systems offered (crs=, bbox-crs=) and the VN-2000 datum shift used"
)
async def crs_catalogue():
    return crs.catalogue()


Legacy = Annotated[bool, Query(description="the 63 provinces before 2025-07-01 (Thông tư 973/2001/TT-TCĐC)")]


@router.get("/v1/crs/tm3", summary="VN-2000 TM-3 central meridian and EPSG CRS of every province")
async def tm3_zones(legacy: Legacy = False):
    return crs.tm3_zones(legacy)


@router.get("/v1/crs/tm3/{province}", summary="VN-2000 TM-3 central meridian and EPSG CRS of one province")
async def tm3_zone(
    province: Annotated[str, Path(pattern=r"^\d{2}$", description="province code, e.g. 79")], legacy: Legacy = False
):
    return crs.tm3_zone(province, legacy)
