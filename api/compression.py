"""Negotiated compression (zstd, brotli, gzip) of every text response: JSON, GeoJSON, HTML, JS, CSS.

starlette-compress does the negotiation and the encoding (streamed for streamed bodies, Vary:
Accept-Encoding on every compressible response, precompressed responses left alone). Two things it
leaves to us:
- An ETag describes the bytes sent, so a compressed variant must not carry the identity variant's
  strong ETag (RFC 9110 §8.8.3): `weak_etags` marks it weak. If-None-Match compares weakly, so a
  client sending W/"x" back still gets its 304 (Starlette's StaticFiles strips the W/).
- Vector tiles are compressed once and cached compressed (geodata/tiles/cache.py), not per request:
  the tile routes set Content-Encoding themselves, and MVT is taken off the middleware's list so a
  tile answer does not pass through its buffering at all."""

from __future__ import annotations

import gzip

import brotli
from fastapi import FastAPI
from starlette_compress import CompressMiddleware, add_compress_type, remove_compress_type

# JSON media types of this API that the middleware's list lacks.
EXTRA_TYPES = (
    "application/problem+json",
    "application/schema+json",
    "application/vnd.oai.openapi+json",
    "application/vnd.oai.openapi",
    "text/csv",
)
MVT = "application/vnd.mapbox-vector-tile"
MIN_SIZE = 0  # every answer a client asks compressed is compressed (a small one costs microseconds)
LEVEL = 4  # brotli quality / gzip / zstd level: ~4x on GeoJSON at a few ms per MB

# Encodings the tile routes precompress, in the server's order of preference.
TILE_ENCODINGS = ("br", "gzip")


def tile_encoding(accept_encoding: str) -> str | None:
    """The encoding a cached tile is sent in: brotli, then gzip, else none (q=0 refuses one)."""
    if not accept_encoding:
        return None
    offered = {}
    for item in accept_encoding.lower().split(","):
        name, _, params = item.partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        offered[name.strip()] = q
    for enc in TILE_ENCODINGS:
        if offered.get(enc, offered.get("*", 0.0)) > 0:
            return enc
    return None


def compress(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=9)  # once per cached tile: spend the time on size
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=9, mtime=0)
    raise ValueError(encoding)


class WeakEtags:
    """ASGI middleware: a response sent with a Content-Encoding gets its ETag marked weak."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_weak(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                if any(k.lower() == b"content-encoding" and v.strip().lower() != b"identity" for k, v in headers):
                    message = {
                        **message,
                        "headers": [
                            (k, b"W/" + v if k.lower() == b"etag" and not v.startswith(b"W/") else v)
                            for k, v in headers
                        ],
                    }
            await send(message)

        await self.app(scope, receive, send_weak)


def install(app: FastAPI) -> None:
    """Inside the guard and CORS, outside the routes (add before middleware.install)."""
    for t in EXTRA_TYPES:
        add_compress_type(t)
    remove_compress_type(MVT)
    app.add_middleware(
        CompressMiddleware, minimum_size=MIN_SIZE, zstd_level=LEVEL, brotli_quality=LEVEL, gzip_level=LEVEL
    )
    app.add_middleware(WeakEtags)
