from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import AsOf, Conn
from geodata import units

router = APIRouter(tags=["units"])

CodePath = Annotated[str, Path(description="official code: 2 digits (province), 3 (pre-reform district), 5 (commune)",
                               examples=["00070"], max_length=16)]


@router.get("/v1/units/{code}", summary="One unit as it was on a date (default today)")
async def get_unit(code: CodePath, as_of: AsOf, conn: Conn):
    return await units.get_unit(conn, code, as_of)
