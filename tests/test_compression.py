"""Negotiated compression over real HTTP: every JSON, GeoJSON, HTML, JS/CSS and tile response is
compressed when the client asks, decodes to the identity bytes, and keeps ETag/304 working."""

from __future__ import annotations

import gzip

import brotli
import httpx
import pytest
import zstandard

PATHS = [  # one of each kind of text response the service sends
    "/v1/meta",
    "/openapi.json",
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/api",
    "/ogc/collections/communes/queryables",
    "/ogc/collections/communes/items?limit=20",
    "/ogc/collections/provinces/items/01",
    "/ogc?f=html",
    "/ogc/collections/communes/items?limit=5&f=html",
    "/v1/tiles/communes.json",
    "/v1/units/00070",
    "/v1/lookup?lat=21.0288&lon=105.8522",
    "/v1/layers/provinces.geojson?simplify=5",
    "/viewer/units.json",
    "/",
    "/static/app.js",
    "/static/style.css",
    "/ogc/collections/nowhere/items",  # a problem+json 404
]
DECODE = {
    "br": brotli.decompress,
    "gzip": gzip.decompress,
    "zstd": lambda b: zstandard.ZstdDecompressor().decompressobj().decompress(b),
}


def raw(server: str, path: str, encoding: str, **headers) -> httpx.Response:
    """The bytes as sent (httpx would otherwise decode them)."""
    with httpx.Client(base_url=server, timeout=60) as c:
        req = c.build_request("GET", path, headers={"Accept-Encoding": encoding, **headers})
        resp = c.send(req, stream=True)
        resp.raw_bytes = b"".join(resp.iter_raw())
        resp.close()
        return resp


@pytest.mark.parametrize("path", PATHS)
def test_text_responses_are_compressed_when_asked(server, path):
    plain = raw(server, path, "identity")
    assert plain.status_code in (200, 404) and "content-encoding" not in plain.headers
    for enc in ("br", "gzip", "zstd"):
        r = raw(server, path, enc)
        assert r.status_code == plain.status_code
        assert r.headers.get("content-encoding") == enc, (path, enc, r.headers)
        assert "accept-encoding" in r.headers.get("vary", "").lower()
        body = DECODE[enc](r.raw_bytes)
        if b"timeStamp" not in plain.raw_bytes and "/lookup" not in path:  # these two carry the time
            assert body == plain.raw_bytes, path
        if len(plain.raw_bytes) > 500:
            assert len(r.raw_bytes) < len(plain.raw_bytes)
    assert "accept-encoding" in plain.headers.get("vary", "").lower()


def test_a_large_page_shrinks(server):
    plain = raw(server, "/ogc/collections/communes/items?limit=100", "identity")
    br = raw(server, "/ogc/collections/communes/items?limit=100", "gzip, br")
    assert br.headers["content-encoding"] == "br"
    assert len(br.raw_bytes) * 3 < len(plain.raw_bytes), (len(br.raw_bytes), len(plain.raw_bytes))


def test_static_etag_is_weak_when_compressed_and_304_still_works(server):
    plain = raw(server, "/static/app.js", "identity")
    br = raw(server, "/static/app.js", "br")
    assert plain.headers["etag"].startswith('"') and br.headers["etag"] == "W/" + plain.headers["etag"]
    again = raw(server, "/static/app.js", "br", **{"If-None-Match": br.headers["etag"]})
    assert again.status_code == 304 and not again.raw_bytes


def test_tiles_are_sent_precompressed_from_the_cache(server):
    path = "/v1/tiles/communes/9/406/225.mvt?as_of=2026-02-03"  # Hà Nội
    plain = raw(server, path, "identity")
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["etag"].startswith('"')
    tags = {plain.headers["etag"]}
    for enc in ("br", "gzip"):
        first = raw(server, path, f"{enc}, deflate")
        second = raw(server, path, f"{enc}, deflate")
        assert first.headers["content-encoding"] == enc and "accept-encoding" in first.headers["vary"].lower()
        assert DECODE[enc](first.raw_bytes) == plain.raw_bytes and second.raw_bytes == first.raw_bytes
        assert second.headers["x-tile-cache"] == "hit" and len(first.raw_bytes) < len(plain.raw_bytes)
        assert first.headers["etag"].startswith("W/")
        tags.add(first.headers["etag"])
        nm = raw(server, path, enc, **{"If-None-Match": first.headers["etag"]})
        assert nm.status_code == 304 and nm.headers["etag"] == first.headers["etag"]
    assert len(tags) == 3  # one representation, one ETag
    # zstd only: tiles are kept in br and gzip; identity then (still correct, never a wrong encoding)
    z = raw(server, path, "zstd")
    assert "content-encoding" not in z.headers and z.raw_bytes == plain.raw_bytes
    # a refused encoding is not sent
    q0 = raw(server, path, "br;q=0, gzip")
    assert q0.headers["content-encoding"] == "gzip"
