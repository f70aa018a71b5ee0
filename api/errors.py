"""One error model: RFC 9457 problem+json for every error the API returns."""

from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.responses import ProblemJSON
from geodata.errors import GeodataError, InvalidInput, NotFound, TooLarge, Unavailable

STATUS = {NotFound: 404, InvalidInput: 422, TooLarge: 413, Unavailable: 503}
log = logging.getLogger("vngeo.api")


def ogc_status(status: int, request: Request) -> int:
    """OGC API – Features answers an invalid parameter with 400, where the rest of this API uses 422."""
    return 400 if status == 422 and request.url.path.startswith("/ogc") else status


def problem(status: int, title: str, detail: str, request: Request, headers: dict | None = None, **extra):
    status = ogc_status(status, request)
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
        **extra,
    }
    return ProblemJSON(body, status_code=status, headers=headers)


def _validation_detail(exc: RequestValidationError) -> tuple[str, list]:
    errors = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body")]
        errors.append({"parameter": ".".join(loc), "message": e.get("msg")})
    return "; ".join(f"{e['parameter']}: {e['message']}" for e in errors) or "invalid request", errors


def install(app: FastAPI) -> None:
    @app.exception_handler(GeodataError)
    async def domain(request: Request, exc: GeodataError):
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        headers = {"Retry-After": "5"} if status == 503 else None
        return problem(status, exc.title, exc.detail, request, headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError):
        detail, errors = _validation_detail(exc)
        return problem(422, "Invalid input", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such resource: {request.url.path}"
        return problem(exc.status_code, "Error", detail, request, headers=getattr(exc, "headers", None))

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(psycopg.OperationalError)
    async def database_down(request: Request, exc: Exception):
        log.warning("database unavailable: %s", exc)
        detail = (
            "the query took longer than its time limit on a busy server; try again shortly"
            if isinstance(exc, psycopg.errors.QueryCanceled)
            else "the database is not answering; try again shortly"
        )
        return problem(503, "Service unavailable", detail, request, {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "Internal error", "unexpected error; it has been logged", request)
