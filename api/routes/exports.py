"""File downloads: GET /v1/exports/{layer}.{gpkg|shp.zip|fgb|parquet|geojson|csv} (geodata/exports.py).

The file is written to a temporary directory in a worker thread, then streamed out in 1 MiB chunks
and deleted when the response ends (or the client goes away)."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Path as PathParam, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from api.deps import AsOf
from etl.cluster import api_url
from geodata import crs as crsmod
from geodata import exports
from geodata.credits import ATTRIBUTION
from geodata.settings import get_settings

router = APIRouter(tags=["exports"])
CHUNK = 1 << 20


def _stream(path: Path):
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


@router.get("/v1/exports/{filename}", summary="Download a layer as a file (full-resolution geometry)",
            response_class=StreamingResponse)
async def export(filename: Annotated[str, PathParam(description="{layer}.{format}: layer provinces, communes, "
                                                    "old_communes or lineage; format gpkg, shp.zip, fgb, "
                                                    "parquet, geojson or csv", examples=["communes.gpkg"],
                                                    max_length=40)],
                 as_of: AsOf,
                 crs: Annotated[str | None, Query(description="output CRS (default CRS84); VN-2000 ones use "
                                                  "EPSG:6960", examples=["EPSG:3405"], max_length=80)] = None,
                 province: Annotated[str | None, Query(pattern=r"^\d{2}$", examples=["79"])] = None):
    layer, fmt = exports.parse_format(filename)
    out = crsmod.parse(crs)
    workdir = exports.new_workdir()
    try:
        path = await asyncio.to_thread(exports.export_file, api_url(get_settings()), layer, fmt, out, as_of,
                                       province, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    headers = {"Content-Disposition": f'attachment; filename="{path.name}"', "Content-Crs": f"<{out.uri}>",
               "Content-Length": str(path.stat().st_size), "Link": '</v1/meta>; rel="license"',
               "X-Attribution": ATTRIBUTION.encode("ascii", "replace").decode()}
    return StreamingResponse(_stream(path), media_type=exports.FORMATS[fmt], headers=headers,
                             background=BackgroundTask(shutil.rmtree, workdir, True))
