"""`vngeo lookup` on CSV, GeoPackage and GeoParquet files: no database, same index as the service."""

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

VNGEO = [sys.executable, "-m", "vngeo.cli"]
PLACES = [("a", 21.0288, 105.8522, "00070"), ("b", 10.7725, 106.6980, "26743"), ("c", 12.2, 109.4, None)]


def _run(*args):
    return subprocess.run([*VNGEO, "lookup", *map(str, args)], capture_output=True, text=True)


def test_csv(tmp_path, db_url):
    src = tmp_path / "in.csv"
    pd.DataFrame([(i, lat, lon) for i, lat, lon, _ in PLACES], columns=["id", "latitude", "longitude"]).to_csv(
        src, index=False
    )
    r = _run(src, "-o", tmp_path / "out.csv", "--as-of", "2026-10-01")
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(out["commune_code"]) == [c or "" for *_, c in PLACES]
    assert out["province_name"][0] == "Thành phố Hà Nội"


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_geo_formats_keep_crs(tmp_path, suffix, db_url):
    gdf = gpd.GeoDataFrame(
        {"id": [p[0] for p in PLACES]}, geometry=[Point(lon, lat) for _, lat, lon, _ in PLACES], crs=4326
    ).to_crs(3405)
    src = tmp_path / f"in{suffix}"
    gdf.to_parquet(src) if suffix == ".parquet" else gdf.to_file(src, driver="GPKG")
    r = _run(src, "-o", tmp_path / f"out{suffix}")
    assert r.returncode == 0, r.stderr
    out = (
        gpd.read_parquet(tmp_path / f"out{suffix}")
        if suffix == ".parquet"
        else gpd.read_file(tmp_path / f"out{suffix}")
    )
    assert out.crs.to_epsg() == 3405
    assert [c if isinstance(c, str) else None for c in out["commune_code"]] == [c for *_, c in PLACES]


def test_bad_file_is_explained(tmp_path, db_url):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    r = _run(tmp_path / "x.csv", "-o", tmp_path / "o.csv")
    assert r.returncode != 0 and "lat" in r.stderr
    r = _run(tmp_path / "missing.csv", "-o", tmp_path / "o.csv")
    assert r.returncode != 0 and "does not exist" in r.stderr
