from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AsOfOrEvery, Data
from api.routes.units import Level, UnitType
from geodata.units import search as search_mod

router = APIRouter(tags=["search"])


@router.get("/v1/search", summary="Find units by name: folded, prefixes, small typos; old units too")
async def search(
    data: Data,
    day: AsOfOrEvery,
    q: Annotated[str, Query(min_length=1, max_length=search_mod.MAX_QUERY, examples=["hoan kiem"])],
    level: Annotated[Level | None, Query()] = None,
    type: Annotated[UnitType | None, Query()] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
):
    results = search_mod.search(
        data.snapshot().names, q, as_of=day.value, level=level, type_=type, province=province, limit=limit
    )
    return {"query": q, "results": results}
