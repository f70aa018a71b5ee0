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
    assert info["features"] == 126  # Hà Nội's communes
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
    assert head[0].replace('"', "").startswith("WKT,old_code") and head[1].startswith('"LINESTRING')


def test_geoparquet_metadata_and_crs(http, tmp_path):
    path = _download(http, tmp_path, "communes.parquet", province="01", crs="EPSG:3405")
    meta = pq.read_schema(path).metadata
    geo = json.loads(meta[b"geo"])
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    assert b"MIT" in meta[b"vngeo:licence"] and b"vngeo:data_dictionary" in meta
    gdf = geopandas.read_parquet(path)
    assert gdf.crs.to_epsg() == 3405 and len(gdf) > 100 and gdf.geometry.is_valid.mean() > 0.99


@pytest.mark.parametrize(
    "name,params,status,text",
    [
        ("communes.kml", {}, 404, "unknown file format"),
        ("rivers.gpkg", {}, 404, "no collection"),
        ("communes.gpkg", {"crs": "EPSG:3857"}, 422, "not offered"),
        ("communes.gpkg", {"province": "1"}, 422, "province"),
        ("provinces.gpkg", {"province": "01"}, 422, "not a filter"),
    ],
)
def test_export_errors(http, name, params, status, text):
    assert_problem(http.get(f"/v1/exports/{name}", params=params), status, text)


def test_geopackage_and_shapefile_carry_epsg_4326(http, tmp_path):
    """Standard CRS codes: GeoPackage srs 4326 (organization EPSG), a .prj that pyproj and GDAL 3.6 map
    to EPSG:4326; the layer inside the zip is named after the layer; long texts are kept aside."""
    import subprocess

    gpkg = _download(http, tmp_path, "communes.gpkg", province="01")
    # read through GDAL, as QGIS does: the geometry column's srs and who defines it
    srs = pyogrio.read_dataframe(
        gpkg,
        sql="SELECT c.srs_id, s.organization, s.organization_coordsys_id "
        "FROM gpkg_geometry_columns c JOIN gpkg_spatial_ref_sys s USING (srs_id)",
    )
    assert tuple(srs.iloc[0]) == (4326, "EPSG", 4326)
    # Debian's GDAL (what QGIS on Debian uses) reads it with no warning about the GeoPackage version
    info = subprocess.run(["ogrinfo", "-so", str(gpkg), "communes"], capture_output=True, text=True, check=True)
    assert "Warning" not in info.stderr and 'ID["EPSG",4326]' in info.stdout, info.stderr
    shp = _download(http, tmp_path, "communes.shp.zip")
    z = zipfile.ZipFile(shp)
    assert {"communes.shp", "communes.dbf", "communes.prj", "communes.cpg"} <= set(z.namelist())
    assert CRS.from_wkt(z.read("communes.prj").decode()).to_epsg() == 4326
    assert pyogrio.list_layers(f"/vsizip/{shp}")[0][0] == "communes"
    readme = z.read("README.txt").decode()
    long = z.read("long_texts.csv").decode().splitlines() if "long_texts.csv" in z.namelist() else []
    if long:  # each cut text is in full in the side table, and the README says so
        assert "long_texts.csv" in readme and long[0] == '"code","field","text"'
        assert all(len(line.encode()) > 254 for line in long[1:])
    else:
        assert "nothing is cut" in readme
    dbf = pyogrio.read_dataframe(f"/vsizip/{shp}", read_geometry=False)
    for line in long[1:]:
        code = line.split(",")[0].strip('"')
        assert code in set(dbf["code"])


def test_geoparquet_bbox_covering(http, tmp_path):
    path = _download(http, tmp_path, "communes.parquet")
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["columns"]["geometry"]["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    hanoi = geopandas.read_parquet(path, bbox=(105.80, 21.00, 105.86, 21.05))
    assert 5 < len(hanoi) < 60 and "00070" in set(hanoi["code"])  # Hoàn Kiếm and its neighbours only
    assert pq.ParquetFile(path).metadata.num_row_groups > 1  # so a bbox read skips row groups


def test_csv_keeps_codes_as_text_and_latlon_csv(http, tmp_path):
    import subprocess

    z = zipfile.ZipFile(_download(http, tmp_path, "communes.csv.zip", province="01"))
    assert {"communes.csv", "communes.csvt", "communes.prj"} <= set(z.namelist())
    z.extractall(tmp_path / "csv")
    # GDAL 3.6 (QGIS's reader on Debian) reads the code as a string, leading zero kept
    out = subprocess.run(
        ["ogrinfo", "-q", "-where", "code = '00004'", str(tmp_path / "csv" / "communes.csv"), "communes"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "code (String) = 00004" in out, out[:2000]
    plain = _download(http, tmp_path, "communes.csv", province="01").read_text().splitlines()
    assert ',"00004",' in "\n".join(plain)  # quoted: a spreadsheet or QGIS keeps the zeros
    latlon = _download(http, tmp_path, "communes.latlon.csv", province="01").read_text().splitlines()
    header = latlon[0].replace('"', "").split(",")
    assert header[-2:] == ["lat", "lon"] and "WKT" not in header
    row = next(r for r in latlon[1:] if '"00070"' in r).split(",")
    lat, lon = float(row[-2]), float(row[-1])
    assert 21.0 < lat < 21.05 and 105.83 < lon < 105.87  # Hoàn Kiếm's centre
    assert_problem(http.get("/v1/exports/lineage.latlon.csv"), 404, "no centre points")


def test_exports_are_prebuilt_and_streamed_from_disk(http, tmp_path):
    import time

    first = http.get("/v1/exports/provinces.fgb", params={"as_of": "2026-02-02"})
    t0 = time.monotonic()
    again = http.get("/v1/exports/provinces.fgb", params={"as_of": "2026-02-03"})  # same period
    took = time.monotonic() - t0
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert again.headers["x-data-valid-from"] == first.headers["x-data-valid-from"] <= "2026-02-02"
    assert 'filename="provinces-2026-02-03.fgb"' in again.headers["content-disposition"]
    assert int(again.headers["content-length"]) == len(again.content) and took < 2.0, took
    part = http.get("/v1/exports/provinces.fgb", params={"as_of": "2026-02-03"}, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == first.content[:100]
