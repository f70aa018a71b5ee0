"""Admin routes: off unless VNGEO_ADMIN_TOKEN is set, then only with `Authorization: Bearer <token>`.

The API's database role is read-only, so nothing here can write data; loads run from the ETL role
(`vngeo etl load`). Other routes that need the gate (a tile cache purge) depend on `require_admin`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from starlette.exceptions import HTTPException

from geodata.settings import get_settings


def require_admin(authorization: Annotated[str | None, Header()] = None) -> None:
    token = get_settings().admin_token
    if not token:  # off: indistinguishable from a route that does not exist
        raise HTTPException(404, "no such resource")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):  # constant time: no timing oracle
        raise HTTPException(401, "admin token missing or wrong", headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/v1/admin", tags=["admin"], include_in_schema=False, dependencies=[Depends(require_admin)])


@router.post("/refresh")
async def refresh(request: Request):
    """Switch to the loaded dataset's lookup index now instead of at the next 2 s poll."""
    data = request.app.state.dataset
    changed = await data.refresh()
    return {"changed": changed, "version": data.snapshot().version}


def install(app: FastAPI) -> None:
    if get_settings().admin_token:
        app.include_router(router)
