"""/docs (Swagger UI) and /redoc (ReDoc) with their browser assets served by the service itself
(from npm into maps/static/vendor by `make assets`), so the API docs work offline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

router = APIRouter(include_in_schema=False)
VENDOR = "/static/vendor"
FAVICON = f"{VENDOR}/swagger-ui/favicon-32x32.png"


@router.get("/docs")
async def swagger_ui(request: Request):
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API",
        swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=FAVICON,
    )


@router.get("/redoc")
async def redoc(request: Request):
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API",
        redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
