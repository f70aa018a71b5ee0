"""File downloads: GET /v1/exports/{layer}.{format} (geodata/files/exports.py), prebuilt per dataset
version and period (geodata/files/store.py): the first request builds the file, every later one
streams it from disk at once (with Range and HEAD, as any static file)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from api.deps import AsOf, Data
from api.middleware import cost
from geodata import crs as crsmod
from geodata.credits import ATTRIBUTION
from geodata.files import exports
from geodata.files import store as export_store
from geodata.files import unit_download as unit_exports

router = APIRouter(tags=["exports"])


@router.get(
    "/v1/exports/{filename}",
    summary="Download a layer as a file (full-resolution geometry)",
    response_class=FileResponse,
    openapi_extra=cost("exports"),
    responses={
        200: {
            "description": "the file (prebuilt per dataset version and period)",
            "content": {
                m: {"schema": {"type": "string", "format": "binary"}} for m in sorted(set(exports.FORMATS.values()))
            },
        }
    },
)
async def export(
    data: Data,
    filename: Annotated[
        str,
        PathParam(
            description="{layer}.{format}: layer provinces, communes, "
            "old_communes (former id legacy-communes) or lineage; "
            "format gpkg, shp.zip, fgb, parquet, "
            "geojson, csv, csv.zip (CSV with .csvt and .prj) or latlon.csv "
            "(one row per unit at its centre)",
            examples=["communes.gpkg"],
            max_length=40,
        ),
    ],
    as_of: AsOf,
    crs: Annotated[
        str | None,
        Query(
            description="output CRS (default CRS84); VN-2000 ones use EPSG:6960", examples=["EPSG:3405"], max_length=80
        ),
    ] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$", examples=["79"])] = None,
    code: Annotated[
        str | None,
        Query(
            pattern=r"^(\d{2}|\d{5})$",
            examples=["00070"],
            description="one unit: its code (provinces: 2 digits, communes and old_communes: 5; "
            "lineage: the old commune's)",
        ),
    ] = None,
):
    layer, fmt = exports.parse_format(filename)
    layer = exports.check_request(layer, fmt).id
    out = crsmod.parse(crs)
    name = ""
    if code is not None:  # the unit must exist on the day, at the layer's level (404 says when it did)
        reform_day = (await data.loaded()).reform_day
        async with data.connection() as conn:
            name = await unit_exports.check_unit(conn, layer, code, as_of, reform_day)
    st = await data.tile_state()
    build_day = st.period_start(as_of) or as_of  # every day of a period gives the same file
    period = build_day.isoformat()
    path = await asyncio.to_thread(
        export_store.get_or_build,
        data.connect,
        data.settings.state_dir / "exports",
        st.version,
        period,
        build_day,
        layer,
        fmt,
        out,
        province,
        code,
    )
    name = exports.base_name(layer, as_of, province, code, name) + f".{fmt}"
    headers = {
        "Content-Crs": f"<{out.uri}>",
        "Link": '</v1/meta>; rel="license"',
        "X-Attribution": ATTRIBUTION.encode("ascii", "replace").decode(),
        "X-Data-Valid-From": build_day.isoformat(),
        "Cache-Control": "public, max-age=3600",
    }
    return FileResponse(path, media_type=exports.FORMATS[fmt], filename=name, headers=headers)
