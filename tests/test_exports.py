"""File downloads over real HTTP, opened with GDAL (pyogrio), pyarrow and geopandas."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas
import pyarrow.parquet as pq
import pyogrio
import pytest
from pyproj import CRS

from tests.conftest import assert_problem


def _download(http, tmp_path: Path, name: str, **params) -> Path:
    r = http.get(f"/v1/exports/{name}", params=params)
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    path = tmp_path / name
    path.write_bytes(r.content)
    return path


def test_geopackage_of_all_communes_in_vn2000_utm48(http, tmp_path):
    path = _download(http, tmp_path, "communes.gpkg", crs="EPSG:3405", as_of="2026-01-01")
    info = pyogrio.read_info(path, layer="communes")
    assert info["features"] == 3321
    assert CRS.from_user_input(info["crs"]).to_epsg() == 3405
    meta = info["dataset_metadata"]
    assert "MIT" in meta["LICENCE"] and "sapnhap.bando.com.vn" in meta["CREDITS"]
    assert "6960" in meta["TRANSFORMATION"]
    assert {d["name"] for d in json.loads(meta["DATA_DICTIONARY"])} >= {"code", "population", "area_km2"}
    assert {"code", "full_name", "population", "area_km2_computed", "valid_from"} <= set(info["fields"])


def test_zipped_shapefile_has_readme_and_dictionary(http, tmp_path):
    path = _download(http, tmp_path, "communes.shp.zip", province="01", crs="EPSG:9209")
    names = zipfile.ZipFile(path).namelist()
    assert "README.txt" in names and "data_dictionary.csv" in names
    readme = zipfile.ZipFile(path).read("README.txt").decode()
    assert "Licence" in readme and "EPSG:6960" in readme and "fullname = full_name" in readme
    info = pyogrio.read_info(f"/vsizip/{path}")
    assert info["features"] == 126          # Hà Nội's communes
    assert CRS.from_user_input(info["crs"]).to_epsg() == 9209
    assert "fullname" in info["fields"] and "population" in info["fields"]


def test_flatgeobuf_geojson_csv(http, tmp_path):
    fgb = pyogrio.read_info(_download(http, tmp_path, "provinces.fgb", crs="EPSG:4756"))
    assert fgb["features"] == 34 and CRS.from_user_input(fgb["crs"]).to_epsg() == 4756
    assert "MIT" in fgb["layer_metadata"]["LICENCE"]
    gj = json.loads(_download(http, tmp_path, "communes.geojson", province="79").read_text())
    assert len(gj["features"]) > 100 and "MIT" in gj["licence"] and gj["data_dictionary"]
    csv_path = _download(http, tmp_path, "lineage.csv", province="01")
    head = csv_path.read_text().splitlines()
    assert head[0].startswith("WKT,old_code") and head[1].startswith('"LINESTRING')


def test_geoparquet_metadata_and_crs(http, tmp_path):
    path = _download(http, tmp_path, "communes.parquet", province="01", crs="EPSG:3405")
    meta = pq.read_schema(path).metadata
    geo = json.loads(meta[b"geo"])
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    assert b"MIT" in meta[b"vngeo:licence"] and b"vngeo:data_dictionary" in meta
    gdf = geopandas.read_parquet(path)
    assert gdf.crs.to_epsg() == 3405 and len(gdf) > 100 and gdf.geometry.is_valid.mean() > 0.99


@pytest.mark.parametrize("name,params,status,text", [
    ("communes.kml", {}, 404, "unknown file format"),
    ("rivers.gpkg", {}, 404, "no collection"),
    ("communes.gpkg", {"crs": "EPSG:3857"}, 422, "not offered"),
    ("communes.gpkg", {"province": "1"}, 422, "province"),
    ("provinces.gpkg", {"province": "01"}, 422, "not a filter"),
])
def test_export_errors(http, name, params, status, text):
    assert_problem(http.get(f"/v1/exports/{name}", params=params), status, text)
