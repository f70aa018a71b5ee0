"""The FastAPI app: wiring only (pool, error model, routes)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import admin, compression, errors, middleware, openapi_extras
from api.responses import JSON
from api.routes import dashboard as dashboard_routes
from api.routes import docs as docs_routes
from api.routes import exports as exports_routes
from api.routes import lineage as lineage_routes
from api.routes import lookup, meta, ogc_tiles, search, units, viewer
from api.routes import ogc as ogc_routes
from api.routes import powers as powers_routes
from api.routes import tiles as tile_routes
from geodata.dataset import Dataset
from geodata.settings import api_url, get_settings

log = logging.getLogger("vngeo.api")


@asynccontextmanager
async def lifespan(app: FastAPI):
    """One dataset handle per process (pool, lookup snapshot, tile state and cache), opened before
    the first request (lookups never meet a worker without its index), and its one poller, which
    follows reloads. Routes reach it through api/deps.py."""
    settings = get_settings()
    app.state.dataset = data = Dataset(settings, api_url(settings))
    await data.open()
    poller = asyncio.create_task(data.keep_fresh())
    yield
    poller.cancel()
    await data.close()


app = FastAPI(
    title="vn-geodata",
    version="0.1.0",
    lifespan=lifespan,
    default_response_class=JSON,
    docs_url=None,
    redoc_url=None,  # served with local assets by api/routes/docs.py
    description="Vietnam's administrative units of every generation: lookup, lineage, powers, layers.",
)
errors.install(app)
compression.install(app)  # innermost of the middleware: negotiated zstd/brotli/gzip
middleware.install(app)  # limits, rate limits, security headers, CORS: every route
openapi_extras.install(app)
for r in (lookup.router, tile_routes.hot_router, meta.router, units.router, search.router):  # hot routes first
    app.include_router(r)
app.include_router(powers_routes.router)
app.include_router(lineage_routes.router)
app.include_router(tile_routes.router)  # /v1/layers paths are disjoint (path convertors): any order
app.include_router(ogc_tiles.router)
app.include_router(viewer.router)
app.include_router(docs_routes.router)
app.include_router(dashboard_routes.router)
viewer.mount(app)
admin.install(app)  # off unless VNGEO_ADMIN_TOKEN is set
app.include_router(ogc_routes.router)
app.include_router(exports_routes.router)
