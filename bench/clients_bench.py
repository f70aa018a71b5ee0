"""What a GIS analyst's client downloads, before and after issue 17, beside pygeoapi on the same
requests (`python -m bench.ogc_bench clients` runs just this part):
- a QGIS-like view of Hà Nội: the OGC API – Features requests QGIS's OAPIF provider makes for a
  map extent (bbox pages of the largest page size, following "next" links), with the
  Accept-Encoding Qt sends (gzip, deflate);
- a GDAL filtered read: `ogr2ogr -where "province_code = '01'"` from the OAPIF driver.
"Before" is the same service behind a proxy that takes away what issue 17 added: compression
(it asks for identity) and, for GDAL, the API description (so GDAL filters on the client, as it did
when /ogc/api listed no paths it could use). Bytes are counted as sent on the wire."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import tempfile
import time
import zlib
from pathlib import Path

import httpx

from bench.counting_proxy import CountingProxy

VIEW = "105.70,20.95,105.95,21.12"  # Hà Nội's centre as a QGIS canvas shows it
QT_HEADERS = {"Accept": "application/geo+json, application/json", "Accept-Encoding": "gzip, deflate"}


def qgis_view(base: str, collection: str, page: int = 1000) -> dict:
    """The bbox pages, following next links; bytes as received on the wire, seconds, features."""
    t, n, feats, url = time.perf_counter(), 0, 0, f"{base}{collection}/items?bbox={VIEW}&limit={page}"
    with httpx.Client(timeout=600, headers=QT_HEADERS) as c:
        while url:
            with c.stream("GET", url) as r:
                r.raise_for_status()
                raw = b"".join(r.iter_raw())
            n += len(raw)
            enc = r.headers.get("content-encoding")
            doc = json.loads(
                gzip.decompress(raw) if enc == "gzip" else zlib.decompress(raw) if enc == "deflate" else raw
            )
            feats += len(doc["features"])
            url = next((link["href"] for link in doc.get("links", ()) if link["rel"] == "next"), None)
    return {"bytes": n, "seconds": time.perf_counter() - t, "features": feats}


def gdal_filtered(base: str, layer: str, where: str = "province_code = '01'", timeout: int = 900) -> dict:
    if not shutil.which("ogr2ogr"):
        return {"error": "ogr2ogr not installed"}
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.geojson"
        t = time.perf_counter()
        p = subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{base}", layer, "-where", where],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        seconds = time.perf_counter() - t
        feats = len(json.loads(out.read_text())["features"]) if out.exists() else None
    return {"seconds": seconds, "features": feats, **({"error": p.stderr[-300:]} if p.returncode else {})}


def measure(name: str, base: str, prefix: str, collection: str, layer: str, before: bool) -> dict:
    """One server, one variant (before: no compression, no API description for GDAL)."""
    out = {}
    proxy = CountingProxy(base, identity=before, hide=f"{prefix}/api" if before else None)
    try:
        out["view"] = qgis_view(proxy.base, collection)
        out["view"]["bytes"] = proxy.bytes
        proxy.reset()
        g = gdal_filtered(proxy.base + prefix, layer)
        g["bytes"], g["requests"] = proxy.bytes, len(proxy.requests)
        out["gdal"] = g
    finally:
        proxy.close()
    return out


def print_report(res: dict) -> None:
    print("\n== GIS clients: bytes on the wire and time (QGIS-like Hà Nội view; GDAL -where province_code = '01')")
    print(f"  {'':<34}{'view MB':>9}{'view s':>8}{'feat':>6}{'GDAL MB':>10}{'GDAL s':>8}{'req':>6}{'feat':>6}")
    for label, r in res.items():
        v, g = r["view"], r["gdal"]
        gd = (
            f"{g['bytes'] / 1e6:10.2f}{g['seconds']:8.1f}{g['requests']:6d}{g['features'] or 0:6d}"
            if "seconds" in g
            else f"  {g.get('error', '')[:40]}"
        )
        print(f"  {label:<34}{v['bytes'] / 1e6:9.2f}{v['seconds']:8.1f}{v['features']:6d}{gd}")
    a, b = res.get("vn-geodata after"), res.get("vn-geodata before")
    p = res.get("pygeoapi")
    if a and b:
        print(
            f"  after vs before: view {b['view']['bytes'] / a['view']['bytes']:.1f}x fewer bytes, "
            f"{b['view']['seconds'] / a['view']['seconds']:.1f}x faster; GDAL filtered read "
            f"{b['gdal']['bytes'] / max(1, a['gdal']['bytes']):.0f}x fewer bytes, "
            f"{b['gdal']['seconds'] / a['gdal']['seconds']:.1f}x faster"
        )
    if a and p:
        print(
            f"  vn-geodata vs pygeoapi: view {p['view']['bytes'] / a['view']['bytes']:.1f}x fewer bytes, "
            f"{p['view']['seconds'] / a['view']['seconds']:.1f}x faster; GDAL "
            f"{p['gdal']['bytes'] / max(1, a['gdal']['bytes']):.1f}x fewer bytes, "
            f"{p['gdal']['seconds'] / a['gdal']['seconds']:.1f}x faster"
        )
