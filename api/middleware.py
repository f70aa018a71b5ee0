"""Guards that cover every route, present and future: size and time limits on requests, per-client
rate limits and a concurrency cap on expensive requests, security headers, CORS.

A pure ASGI middleware (not BaseHTTPMiddleware): it adds a few microseconds to a single lookup, and
it holds a concurrency slot until a streamed response has sent its last byte. Limits are per worker
process; with N workers a client gets at most N times the rate (documented in the README)."""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

import orjson
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException

from geodata.settings import Settings, get_settings

# Cost classes. Each route declares its own (openapi_extra=cost(...), so the OpenAPI document shows it
# as x-cost-class); the guard finds the route a request is for and charges by its class, not by URL:
# - batch: takes large bodies (VNGEO_MAX_BATCH_BODY_BYTES); one token on arrival and, once its rows are
#   counted, one more per started ROWS_PER_TOKEN rows (charge_rows); a single GET /v1/convert or
#   /v1/lookup is an in-memory lookup and is not limited;
# - exports: a file or full-resolution geometry; one token on arrival; with when="file" only when the
#   query asks for a file format or full geometry (format=gpkg, geometry=full);
# - tiles: charged by the route itself, only on a cache miss (charge(request, "tiles")).
# batch and exports also share the per-worker concurrency cap (VNGEO_EXPENSIVE_CONCURRENCY).
COST_KEY = "x-cost-class"
COST_CLASSES = ("batch", "exports", "tiles")
ON_ARRIVAL = ("batch", "exports")
ROWS_PER_TOKEN = 10_000
FILE_FORMATS = {"gpkg", "shp", "shapefile", "zip", "fgb", "flatgeobuf", "parquet", "geoparquet", "kml", "csv"}

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), payment=(), usb=()"),
]
# Any HTML page that sets no policy of its own (the viewer sets its own): own scripts only (MapLibre's CSP
# build loads its worker from 'self'); MapLibre sets
# inline styles and makes blob: images and workers.
HTML_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data: blob:; worker-src 'self' blob:; child-src 'self' blob:; connect-src 'self'; "
    b"font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# /docs and /redoc: Swagger UI / ReDoc from the service's own /static/vendor, with an inline bootstrap.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    b"object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


class TokenBuckets:
    """Per-client token buckets: `rate` tokens a second up to `burst`; memory bounded by pruning."""

    MAX_CLIENTS = 50_000

    def __init__(self, per_minute: int, burst: int):
        self.rate, self.burst = per_minute / 60.0, max(1, burst)
        self.state: dict[tuple, tuple[float, float]] = {}

    def take(self, key: tuple, n: float = 1) -> float:
        """Take n tokens (at most the burst); return 0 when allowed, else the seconds until they are there."""
        if self.rate <= 0:
            return 0.0
        n = min(n, self.burst)
        now = time.monotonic()
        tokens, last = self.state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < n:
            self.state[key] = (tokens, now)
            return (n - tokens) / self.rate
        if len(self.state) >= self.MAX_CLIENTS:
            self._prune(now)
        self.state[key] = (tokens - n, now)
        return 0.0

    def _prune(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: forget those.
        full = [k for k, (t, last) in self.state.items() if t + (now - last) * self.rate >= self.burst]
        for k in full or list(self.state)[: len(self.state) // 2]:
            del self.state[k]


@dataclass
class Limits:
    max_body: int
    max_batch_body: int
    max_query: int
    body_timeout: float
    buckets: TokenBuckets
    tiles: TokenBuckets
    expensive: asyncio.Semaphore
    trust_forwarded_for: bool

    @classmethod
    def from_settings(cls, s: Settings) -> Limits:
        return cls(
            s.max_body_bytes,
            s.max_batch_body_bytes,
            s.max_query_chars,
            s.body_timeout_s,
            TokenBuckets(s.rate_per_minute, s.rate_burst),
            TokenBuckets(s.tiles_rate_per_minute, max(1, s.tiles_rate_per_minute // 6)),
            asyncio.Semaphore(s.expensive_concurrency),
            s.trust_forwarded_for,
        )


def client_key(scope: dict, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":  # the address our own proxy saw is the last one
                return value.decode("latin-1").rsplit(",", 1)[-1].strip()
    client = scope.get("client")
    return client[0] if client else "?"


def cost(name: str, when: str | None = None, **openapi_extra) -> dict:
    """A route's cost class, given as its openapi_extra: @router.get(..., openapi_extra=cost("exports"))."""
    if name not in COST_CLASSES or when not in (None, "file"):
        raise ValueError(f"unknown cost class {name!r} (when={when!r})")
    return {COST_KEY: {"class": name, **({"when": when} if when else {})}, **openapi_extra}


def _asks_for_file(scope: dict) -> bool:
    qs = scope.get("query_string", b"")
    if qs and (b"format=" in qs or b"geometry=" in qs):
        q = parse_qs(qs.decode("latin-1"))
        return bool(set(q.get("format", ())) & FILE_FORMATS or "full" in q.get("geometry", ()))
    return False


def path_regex(template: str) -> re.Pattern:
    """/v1/tiles/{layer}.json -> a regex matching its paths (a parameter is one path segment)."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


class CostTable:
    """The operations that declare a cost class charged on arrival, read from the app's OpenAPI
    document (where cost() puts them, so clients see them too) once every route is registered, on
    the first request; a request is matched against these few operations only."""

    def __init__(self, root: FastAPI):
        self.root, self.routes = root, None

    def _build(self) -> list[tuple[re.Pattern, set[str], str, str | None]]:
        out = []
        for path, item in self.root.openapi().get("paths", {}).items():
            for method, op in item.items():
                declared = op.get(COST_KEY) if isinstance(op, dict) else None
                if declared and declared["class"] in ON_ARRIVAL:
                    methods = {method.upper()} | ({"HEAD"} if method == "get" else set())
                    out.append((path_regex(path), methods, declared["class"], declared.get("when")))
        return out

    def of(self, scope: dict) -> str | None:
        """The cost class of this request, or None (cheap)."""
        if self.routes is None:
            self.routes = self._build()
        for regex, methods, name, when in self.routes:
            if scope["method"] in methods and regex.match(scope["path"]):
                return name if when is None or _asks_for_file(scope) else None
        return None


async def _send_problem(scope, send, status: int, detail: str, headers: list | None = None, **extra) -> None:
    titles = {408: "Request timeout", 413: "Request too large", 414: "Query string too long", 429: "Too many requests"}
    body = orjson.dumps(
        {
            "type": "about:blank",
            "title": titles.get(status, "Error"),
            "status": status,
            "detail": detail,
            "instance": scope["path"],
            **extra,
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _retry_after(seconds: float) -> list:
    return [(b"retry-after", str(max(1, math.ceil(seconds))).encode())]


class Guard:
    def __init__(self, app, limits: Limits, root: FastAPI):
        self.app, self.limits, self.root = app, limits, root
        self.costs = CostTable(root)
        self._templates = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = _with_security_headers(scope, send, self._allowed)
        lim = self.limits
        if len(scope.get("query_string", b"")) > lim.max_query:
            return await _send_problem(
                scope,
                send,
                414,
                f"the query string is limited to {lim.max_query} characters; send large inputs in a POST body",
                limit=lim.max_query,
            )
        rule = self.costs.of(scope) if scope["method"] != "OPTIONS" else None
        cap = lim.max_batch_body if rule == "batch" else lim.max_body
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            return await _send_problem(
                scope,
                send,
                413,
                f"request body of {declared:,} bytes is over the "
                f"limit of {cap:,} bytes for this endpoint; split the request",
                limit=cap,
            )
        if rule is None:
            return await self.app(scope, _bounded(receive, cap, lim.body_timeout), send)
        wait = lim.buckets.take((rule, client_key(scope, lim.trust_forwarded_for)))
        if wait:
            return await _send_problem(
                scope,
                send,
                429,
                f"rate limit for {rule} requests reached; retry in {math.ceil(wait)} s",
                _retry_after(wait),
                limit=rule,
            )
        if lim.expensive.locked():  # no queue: a client told to come back beats a request timing out
            return await _send_problem(
                scope,
                send,
                429,
                "the service is busy with other expensive requests; retry shortly",
                _retry_after(1),
                limit="concurrency",
            )
        async with lim.expensive:
            await self.app(scope, _bounded(receive, cap, lim.body_timeout), send)

    def _allowed(self, path: str) -> bytes:
        """Every method the OpenAPI document lists for this path (Starlette's 405 names only the
        first matching route's methods); the document is the public contract the fuzzer checks."""
        if self._templates is None:
            self._templates = [
                (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), item)
                for p, item in self.root.openapi().get("paths", {}).items()
            ]
        methods = {m.upper() for regex, item in self._templates if regex.match(path) for m in item}
        if "GET" in methods:
            methods.add("HEAD")
        return ", ".join(sorted(methods)).encode()


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _bounded(receive, cap: int, timeout: float):
    """The body, cut off at `cap` bytes (chunked uploads have no Content-Length) and within `timeout`
    seconds overall, so a slow client cannot keep a request open. HTTPException goes to the app's
    problem+json handler."""
    deadline, seen, done = time.monotonic() + timeout, 0, False

    async def wrapped():
        nonlocal seen, done
        if done:  # after the body, receive() waits for a disconnect (streaming responses): no limit
            return await receive()
        try:
            message = await asyncio.wait_for(receive(), max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            raise HTTPException(408, f"the request body did not arrive within {timeout:g} s") from None
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise HTTPException(413, f"request body over the limit of {cap:,} bytes for this endpoint")
            done = not message.get("more_body", False)
        else:
            done = True
        return message

    return wrapped


def _with_security_headers(scope, send, allowed):
    path = scope["path"]

    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            if message["status"] == 405:
                headers = [(k, v) for k, v in headers if k.lower() != b"allow"] + [(b"allow", allowed(path))]
            present = {k.lower() for k, _ in headers}
            headers += [h for h in SECURITY_HEADERS if h[0] not in present]
            ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if ctype.startswith(b"text/html") and b"content-security-policy" not in present:
                headers.append((b"content-security-policy", DOCS_CSP if path in DOCS_PATHS else HTML_CSP))
            if scope.get("scheme") == "https":
                headers.append((b"strict-transport-security", b"max-age=31536000"))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


def charge(request: Request, bucket: str = "tiles") -> None:
    """For routes whose cost is only known inside (a tile that is not cached): take a token from the
    client's bucket or answer 429 with Retry-After."""
    lim: Limits = request.app.state.limits
    buckets = lim.tiles if bucket == "tiles" else lim.buckets
    wait = buckets.take((bucket, client_key(request.scope, lim.trust_forwarded_for)))
    if wait:
        raise HTTPException(
            429,
            f"rate limit for {bucket} reached; retry in {math.ceil(wait)} s",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def charge_rows(request: Request, rows: int) -> None:
    """A batch's cost beyond the token it paid on arrival: one more per started ROWS_PER_TOKEN rows."""
    extra = math.ceil(rows / ROWS_PER_TOKEN) - 1
    if extra <= 0:
        return
    lim: Limits = request.app.state.limits
    wait = lim.buckets.take(("batch", client_key(request.scope, lim.trust_forwarded_for)), extra)
    if wait:
        raise HTTPException(
            429,
            f"rate limit for batch requests reached ({rows:,} rows cost {extra + 1} tokens); "
            f"retry in {math.ceil(wait)} s",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


class PublicCORS(CORSMiddleware):
    """CORS on every public route (the data is public and read-only: a MapLibre map on another site
    reads the TileJSON, the tiles, the OGC API and the exports), never on the admin routes."""

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/v1/admin"):
            return await self.app(scope, receive, send)
        return await super().__call__(scope, receive, send)


# Headers a cross-origin script may read: revalidation, rate limits, the CRS and licence of a file.
CORS_EXPOSE = ["etag", "retry-after", "content-crs", "link", "content-disposition", "x-attribution", "x-tile-cache"]


def install(app: FastAPI, settings: Settings | None = None) -> None:
    """Outermost: the guard (so 413/414/429 carry security headers), then CORS, then the app."""
    s = settings or get_settings()
    origins = [o.strip() for o in s.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            PublicCORS,
            allow_origins=origins,
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=["content-type", "accept", "accept-encoding", "if-none-match", "range"],
            expose_headers=CORS_EXPOSE,
            max_age=600,
        )
    app.state.limits = Limits.from_settings(s)
    app.add_middleware(Guard, limits=app.state.limits, root=app)
