from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.routes.units import Level, UnitType
from geodata.units import search as search_mod
from geodata.dates import parse_date

router = APIRouter(tags=["search"])


@router.get("/v1/search", summary="Find units by name: folded, prefixes, small typos; old units too")
async def search(request: Request,
                 q: Annotated[str, Query(min_length=1, max_length=search_mod.MAX_QUERY, examples=["hoan kiem"])],
                 level: Annotated[Level | None, Query()] = None,
                 type: Annotated[UnitType | None, Query()] = None,
                 province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                 as_of: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                                    description="only units valid that day; default: every generation")] = None,
                 limit: Annotated[int, Query(ge=1, le=100)] = 10):
    day: date | None = parse_date(as_of) if as_of else None
    results = search_mod.search(request.app.state.lookup.get().names, q, as_of=day, level=level, type_=type, province=province, limit=limit)
    return {"query": q, "results": results}
