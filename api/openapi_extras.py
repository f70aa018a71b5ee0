"""Make the OpenAPI document say what the service really answers, for every route (present and future):
every error is problem+json; the guards' 408/413/414/429 and the database's 503 can answer any
operation; routes that return GeoJSON, CSV or files say so. The fuzzer (tests/test_fuzz.py) checks
each response against this document, so it must be exact."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string", "pattern": r"^\d+$"}}}
# status -> (description, headers): what the guards and the error handlers can answer anywhere.
ALWAYS = {
    "413": ("request body over its limit (see README, Reliability and limits)", None),
    "414": ("query string over its limit", None),
    "429": ("rate limit or concurrency cap reached; retry after Retry-After seconds", RETRY_AFTER),
    "503": (
        "the database is not answering, or a query passed its time limit on a busy server; retry after "
        "Retry-After seconds",
        RETRY_AFTER,
    ),
}
WITH_INPUT = {
    "400": ("malformed request (the OGC API routes also reject unknown query parameters)", None),
    "404": ("no such unit, code, date or resource", None),
    "422": ("invalid parameter or body; `errors` lists each", None),
}
WITH_BODY = {"408": ("the request body did not arrive in time", None)}
GEOJSON = "application/geo+json"


def _problem(description: str, headers: dict | None) -> dict:
    resp = {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        resp["headers"] = headers
    return resp


def _success_types(path: str, op: dict) -> list[str]:
    """Media types a 200 may have besides JSON, from what the operation takes."""
    types = []
    values = set()
    for p in op.get("parameters", ()):
        if p["name"] in ("format", "f"):  # f: the OGC API spelling
            schema = p.get("schema", {})
            values |= set(schema.get("enum", ())) | {v for alt in schema.get("anyOf", ()) for v in alt.get("enum", ())}
    if "geojson" in values or path.endswith(".geojson"):
        types.append(GEOJSON)
    if "gpkg" in values:
        types.append("application/geopackage+sqlite3")
    if "html" in values:
        types.append("text/html")
    if "text/csv" in op.get("requestBody", {}).get("content", {}):
        types.append("text/csv")
    return types


DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _date_formats(op: dict) -> None:
    """Date parameters checked by a YYYY-MM-DD pattern are dates: say so, so that clients and the
    fuzzer send real dates (a pattern alone admits 0000-00-00 and the fuzzer never gets past it)."""
    for p in op.get("parameters", ()):
        schema = p.get("schema", {})
        for s in (schema, *schema.get("anyOf", ())):
            if s.get("pattern") == DATE_PATTERN:
                s["format"] = "date"


def _fix_operation(path: str, method: str, op: dict) -> None:
    _date_formats(op)
    responses = op.setdefault("responses", {})
    takes_body = "requestBody" in op or method == "post"
    has_input = bool(op.get("parameters")) or takes_body
    extra = {**ALWAYS, **(WITH_INPUT if has_input else {}), **(WITH_BODY if takes_body else {})}
    if path.startswith("/ogc") and has_input:  # OGC API: an invalid parameter is a 400 (api/errors.py)
        extra.pop("422", None)
        responses.pop("422", None)
    for status, (description, headers) in extra.items():
        responses[status] = _problem(responses.get(status, {}).get("description") or description, headers)
    ok = responses.get("200")
    if ok is not None:
        content = ok.setdefault("content", {})
        for media in _success_types(path, op):
            content.setdefault(media, {"schema": {}})


def exact_openapi(app: FastAPI) -> dict:
    return finish(get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes))


def finish(doc: dict) -> dict:
    """Problem+json everywhere, the guards' answers, the real media types (also for /ogc/api)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    for name in ("HTTPValidationError", "ValidationError"):  # replaced by Problem everywhere
        schemas.pop(name, None)
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                _fix_operation(path, method, op)
    return doc


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:  # built on first use, when every router is included
            app.openapi_schema = exact_openapi(app)
        return app.openapi_schema

    app.openapi = openapi
