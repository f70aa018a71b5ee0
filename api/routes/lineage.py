"""Lineage, legacy units, address conversion, changes and the lineage layer: thin routes."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import ORJSONResponse, Response

from api.deps import AsOf, Conn, Data, Day, optional_day, required_day
from api.middleware import charge_rows, cost
from geodata.dates import today
from geodata.errors import InvalidInput
from geodata.lineage import convert_batch
from geodata.lineage import layers as lineage_layers
from geodata.lineage import queries as lineage

router = APIRouter(tags=["lineage"])

CodePath = Annotated[
    str,
    Path(
        description="official code: 2 digits (province), 3 (pre-reform district), 5 (commune)",
        examples=["00004"],
        max_length=16,
    ),
]
ProvinceQ = Annotated[str | None, Query(description="new province code (2 digits)", examples=["01"])]


@router.get(
    "/v1/units/{code}/lineage",
    summary="Predecessors of a unit (old units, with kind and sources) and its later changes",
)
async def unit_lineage(code: CodePath, as_of: AsOf, conn: Conn):
    return await lineage.unit_lineage(conn, code, as_of)


@router.get("/v1/legacy/units/{code}", summary="A pre-reform unit, its centre and its successors (default marked)")
async def legacy_unit(code: CodePath, as_of: AsOf, conn: Conn):
    return await lineage.legacy_unit(conn, code, as_of)


@router.get("/v1/convert", summary="An old address to the new units (in memory; lat/lon resolves splits)")
async def convert_get(
    data: Data,
    as_of: AsOf,
    address: Annotated[
        str, Query(description="old address, e.g. '12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM'", max_length=500)
    ],
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
):
    # The in-memory converter of the worker's current snapshot (no database per address).
    return ORJSONResponse(data.snapshot().converter.convert(address, lat, lon, as_of))


@router.post(
    "/v1/convert",
    summary="Batch: a JSON list of addresses or a CSV with an address column (lat/lon optional)",
    openapi_extra=cost("batch"),
)
async def convert_post(request: Request, data: Data, as_of: AsOf):
    body = await request.body()
    conv = data.snapshot().converter
    if request.headers.get("content-type", "").startswith("text/csv"):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("the CSV is not UTF-8 text", parameter="body") from None
        rows, fields = convert_batch.rows_from_csv(text)
        charge_rows(request, len(rows))
        results = convert_batch.convert_rows(conv, rows, as_of)
        return Response(convert_batch.to_csv(rows, results, fields), media_type="text/csv; charset=utf-8")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body is neither JSON nor text/csv", parameter="body") from None
    rows = convert_batch.rows_from_json(payload)
    charge_rows(request, len(rows))
    results = convert_batch.convert_rows(conv, rows, as_of)
    return Response(orjson.dumps({"count": len(results), "results": results}), media_type="application/json")


@router.get("/v1/changes", summary="Every change to units in a window (merged, split, retyped, renamed, created)")
async def changes(
    conn: Conn,
    since: Annotated[Day, Depends(required_day("since", examples=["2026-01-01"]))],
    until: Annotated[Day, Depends(optional_day("until", "last day, included (default: today)"))],
    level: Annotated[str | None, Query(pattern="^(province|district|commune)$")] = None,
):
    return await lineage.changes(conn, since.value, until.value or today(), level)


@router.get("/v1/layers/lineage.geojson", summary="Old commune centres and lines to their successors (GeoJSON)")
async def lineage_layer(
    conn: Conn,
    as_of: AsOf,
    province: ProvinceQ = None,
    old_province: Annotated[str | None, Query(description="old province code")] = None,
    features: Annotated[str, Query(pattern="^(all|points|lines)$")] = "all",
):
    return await lineage_layers.lineage_geojson(conn, as_of, province, old_province, features)


@router.get("/v1/layers/old_communes.geojson", summary="Old commune centres with their successor codes (GeoJSON)")
@router.get(
    "/v1/layers/legacy-communes.geojson",
    deprecated=True,
    summary="Old commune centres (former id of /v1/layers/old_communes.geojson; answers the same)",
)
async def legacy_layer(
    conn: Conn,
    as_of: AsOf,
    province: ProvinceQ = None,
    old_province: Annotated[str | None, Query(description="old province code")] = None,
):
    return await lineage_layers.lineage_geojson(conn, as_of, province, old_province, "points")
