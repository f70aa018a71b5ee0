from __future__ import annotations

from fastapi import APIRouter
from api.responses import JSON

from api.deps import Conn
from geodata import credits, units
from geodata.dates import today

router = APIRouter(tags=["meta"])


@router.get("/healthz", summary="200 when the database answers, 503 otherwise")
async def healthz(conn: Conn):
    ds = await units.dataset(conn)
    return {"status": "ok", "dataset": ds["version"] if ds else None}


@router.get("/v1/meta", summary="Data sources, licences and the generations with their unit counts")
async def meta(conn: Conn):
    ds = await units.dataset(conn)
    return {
        "service": "vn-geodata",
        "today": today(),
        "dataset": ds,
        "licence": credits.LICENCE,
        "sources": credits.SOURCES,
        "generations": await units.generations(conn),
    }


@router.get("/v1/meta/quality", summary="The quality report of the loaded data")
async def quality(conn: Conn):
    return JSON(await units.quality_report(conn))
