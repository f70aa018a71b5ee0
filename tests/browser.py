"""Debian's Chromium driven by Playwright, shared by the viewer, accessibility and dashboard tests:
where the binary is, the flags for WebGL without a GPU, and a page that records what went wrong."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# WebGL without a GPU: SwiftShader through ANGLE. No network beyond the service under test.
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
WAIT = 90_000  # ms: the first day's layers, on a busy 2-core machine


class RecordingPage:
    """A page in its own context that records console errors, page errors, failed requests and HTTP
    errors, for the assertions. `offline_links`: other origins get a stand-in page (tests run offline)."""

    def __init__(self, browser, server, *, offline_links: bool = False, **ctx):
        self.server = server
        self.context = browser.new_context(viewport=ctx.pop("viewport", None) or {"width": 1280, "height": 800}, **ctx)
        if offline_links:
            self.context.route(
                re.compile(r"^https?://(?!127\.0\.0\.1)"),
                lambda route: route.fulfill(
                    status=200, content_type="text/html", body="<title>source</title><p>source stand-in</p>"
                ),
            )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda m: m.type == "error" and self.errors.append(f"console: {m.text} at {m.location.get('url', '')}"),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))

    def _failed(self, request):
        # MapLibre cancels the tiles it no longer needs while flying, and the GeoJSON of a source
        # replaced by another day's: aborted by the page, not failed.
        if "ERR_ABORTED" in (request.failure or "") and (".mvt" in request.url or ".geojson" in request.url):
            return
        self.errors.append(f"failed: {request.url} {request.failure}")

    def close(self):
        self.context.close()
