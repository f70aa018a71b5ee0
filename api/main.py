"""The FastAPI app: wiring only (pool, error model, routes)."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import ORJSONResponse

from api import errors
from api.routes import meta, units
from etl.cluster import api_url
from geodata.db import make_pool
from geodata.settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    app.state.pool = make_pool(settings, api_url(settings))
    await app.state.pool.open(wait=False)
    yield
    await app.state.pool.close()


app = FastAPI(title="vn-geodata", version="0.1.0", lifespan=lifespan, default_response_class=ORJSONResponse,
              description="Vietnam's administrative units of every generation: lookup, lineage, powers, layers.")
errors.install(app)
for r in (meta.router, units.router):
    app.include_router(r)
