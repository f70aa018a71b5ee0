"""A reverse proxy that counts what a client asked of the service: requests, paths and the bytes
sent back (as sent: compressed when the client asked for it). Used by the real-client tests (GDAL,
OWSLib, QGIS) and by bench/ogc_bench.py to measure what a GIS client downloads."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class CountingProxy:
    def __init__(self, upstream: str, identity: bool = False, hide: str | None = None):
        """identity: ask the service for uncompressed answers (as before it compressed);
        hide: a path answered 404 here (e.g. "/ogc/api": a client then cannot find the parameters)."""
        self.upstream, self.requests, self.lock = upstream.rstrip("/"), [], threading.Lock()
        proxy = self
        client = httpx.Client(timeout=300)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                # The Host header goes through: the service writes its links for the proxy's address,
                # so a client that follows them (next pages, tiles) stays behind the proxy.
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP - {"host"}}
                if identity:
                    headers = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
                    headers["Accept-Encoding"] = "identity"
                if hide and self.path.split("?")[0].rstrip("/") == hide:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    with proxy.lock:
                        proxy.requests.append((self.path, 0, 404))
                    return
                with client.stream("GET", proxy.upstream + self.path, headers=headers) as r:
                    body = b"".join(r.iter_raw())  # as the service sent it (compressed or not)
                    status, resp_headers = r.status_code, r.headers.multi_items()
                if "content-encoding" not in r.headers:  # a server that writes its own fixed URL into
                    body = body.replace(proxy.upstream.encode(), proxy.base.encode())  # links: keep clients here
                with proxy.lock:
                    proxy.requests.append((self.path, len(body), status))
                self.send_response(status)
                for k, v in resp_headers:
                    if k.lower() not in HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()

    @property
    def bytes(self) -> int:
        return sum(n for _, n, _ in self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
