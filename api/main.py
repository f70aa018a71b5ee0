"""The FastAPI app: wiring only (pool, error model, routes)."""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from api.responses import JSON

from api import admin, compression, errors, middleware, openapi_extras
from api.routes import lookup, meta, search, units
from api.routes import powers as powers_routes
from api.routes import lineage as lineage_routes
from api.routes import ogc_tiles, tiles as tile_routes
from api.routes import ogc as ogc_routes
from api.routes import exports as exports_routes
from api.routes import docs as docs_routes, viewer
from api.routes import dashboard as dashboard_routes
from geodata.db import make_pool
from geodata.lookup.point import SnapshotHolder
from geodata.settings import api_url, get_settings
from geodata.units.queries import dataset as loaded_dataset

log = logging.getLogger("vngeo.api")


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    app.state.pool = make_pool(settings, api_url(settings))
    await app.state.pool.open(wait=False)
    app.state.lookup = SnapshotHolder(api_url(settings), settings.state_dir)
    # Ready before serving: uvicorn accepts no request in this worker until startup returns, so
    # lookups never meet a worker without its index (they answered 503 with the database stopped).
    log.info(await asyncio.to_thread(app.state.lookup.open_at_start))
    refresher = asyncio.create_task(_keep_fresh(app.state.lookup, app.state.pool))
    yield
    refresher.cancel()
    await app.state.pool.close()


async def _keep_fresh(holder: SnapshotHolder, pool, every: float = 2.0) -> None:
    """Follow reloads: open the new dataset's index when the loaded version changes. The version
    is polled through the pool (no new connection, no thread) so serving is not disturbed."""
    while True:
        try:
            async with pool.connection() as conn:
                version = (await loaded_dataset(conn) or {}).get("version")
            if version and (holder.current is None or holder.current.version != version):
                await asyncio.to_thread(holder.refresh)
        except Exception as exc:  # the database may be down: keep serving the snapshot we have
            log.warning("lookup snapshot refresh failed: %s", exc)
        await asyncio.sleep(every)

app = FastAPI(title="vn-geodata", version="0.1.0", lifespan=lifespan, default_response_class=JSON,
              docs_url=None, redoc_url=None,  # served with local assets by api/routes/docs.py
              description="Vietnam's administrative units of every generation: lookup, lineage, powers, layers.")
errors.install(app)
compression.install(app)  # innermost of the middleware: negotiated zstd/brotli/gzip
middleware.install(app)  # limits, rate limits, security headers, CORS: every route
openapi_extras.install(app)
for r in (lookup.router, tile_routes.hot_router, meta.router, units.router, search.router):  # hot routes first
    app.include_router(r)
app.include_router(powers_routes.router)
app.include_router(lineage_routes.router)
app.include_router(tile_routes.router)   # after lineage: its fixed /v1/layers paths first
app.include_router(ogc_tiles.router)
app.include_router(viewer.router)
app.include_router(docs_routes.router)
app.include_router(dashboard_routes.router)
viewer.mount(app)
admin.install(app)  # off unless VNGEO_ADMIN_TOKEN is set
app.include_router(ogc_routes.router)
app.include_router(exports_routes.router)
