"""QGIS (Debian's qgis + python3-qgis), headless: the OGC API layer, the vector tiles and the PostGIS
view load, and Hà Nội renders to a PNG. Run by `make clients` (QGIS is a large install); skipped
where QGIS is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.counting_proxy import CountingProxy
from geodata.settings import api_url

SCRIPT = Path(__file__).with_name("clients") / "qgis_render.py"
SHOTS = Path(os.environ.get("VNGEO_SHOTS", Path(__file__).resolve().parents[1] / ".vngeo" / "shots"))


def _has_qgis() -> bool:
    return (
        shutil.which("qgis") is not None
        and subprocess.run(["/usr/bin/python3", "-c", "import qgis.core"], capture_output=True).returncode == 0
    )


pytestmark = pytest.mark.skipif(not _has_qgis(), reason="QGIS (apt-get install qgis python3-qgis) is not installed")


def _conninfo(settings) -> str:
    from psycopg.conninfo import conninfo_to_dict

    d = conninfo_to_dict(api_url(settings))
    return " ".join(f"{k}='{v}'" for k, v in d.items() if k in ("host", "port", "dbname", "user", "password"))


def test_qgis_loads_ogc_tiles_and_view_and_renders(server, settings, tmp_path):
    proxy = CountingProxy(server)
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = SHOTS / "qgis-hanoi.png"
    try:
        r = subprocess.run(
            ["/usr/bin/python3", str(SCRIPT), proxy.base, _conninfo(settings), str(png)],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)},
        )
    finally:
        proxy.close()
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["oapif_valid"] and report["oapif_crs"] in ("EPSG:4326", "OGC:CRS84")
    assert report["oapif_features_in_view"] >= 10
    assert report["oapif_subset_count"] == 126
    assert report["tiles_valid"]
    assert report["view_key_candidates"][0] == "fid" and report["view_valid"] and report["view_count"] == 3321
    assert report["png_saved"] and png.stat().st_size > 20_000
    from PIL import Image

    img = Image.open(png).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 20  # drawn, not a blank canvas
    # QGIS asks for the map extent only (bbox on the server). (QGIS 3.22 evaluates a layer's subset
    # string on the client: it reads every page; later QGIS versions send it as a filter.)
    items = [p for p, _, _ in proxy.requests if "/items" in p]
    assert any("bbox=" in p for p in items), items[:5]
