"""The field catalogue (geodata/units/fields.py, served at /v1/fields) against what every output
really serves: the units API, OGC items and queryables, export files (GeoPackage, Shapefile and
their data dictionaries), vector tiles and their TileJSON, /v1/layers, the viewer's table and
fallback GeoJSON, and the folium rows. Each list is read from the running service and database."""

from __future__ import annotations

import csv
import io
import zipfile

import mapbox_vector_tile
import pyogrio
import pytest

from geodata.units import fields

DAY = "2026-01-01"
HANOI_Z12 = (12, 3255, 1800)  # central Hà Nội: Hoàn Kiếm and its neighbours


@pytest.fixture(scope="module")
def catalogue(http):
    cat = http.get("/v1/fields").json()
    assert cat == fields.catalogue()  # the served description is the module's, nothing added
    return cat


def carried(cat: dict, output: str) -> list[str]:
    return [f["name"] for f in cat["fields"] if output in f["outputs"]]


def test_catalogue_is_well_formed(catalogue):
    names = [f["name"] for f in catalogue["fields"]]
    assert len(names) == len(set(names))  # one name, one field
    assert all(len(f["shapefile_name"]) <= 10 for f in catalogue["fields"])  # a dBASE field name
    for output in catalogue["outputs"]:
        shp = [f["shapefile_name"] for f in catalogue["fields"] if output in f["outputs"]]
        assert len(shp) == len(set(shp)), output
    assert all(f["description"] for f in catalogue["fields"])
    assert catalogue["metrics"] == {"population": "population", "area": "area_km2", "density": "density_per_km2"}
    assert "province" not in names and "area" not in names and "density" not in names


def test_units_api(http, catalogue):
    unit = http.get("/v1/units/00070", params={"as_of": DAY}).json()
    assert list(unit) == carried(catalogue, "units") + ["parent"]
    page = http.get("/v1/units", params={"as_of": DAY, "province": "01", "limit": 2}).json()["results"]
    assert page and all([k for k in u if k != "geometry"] == carried(catalogue, "units") + ["parent"] for u in page)


@pytest.mark.parametrize(
    "collection,output",
    [("provinces", "ogc"), ("communes", "ogc"), ("old_communes", "old_ogc"), ("lineage", "lineage_ogc")],
)
def test_ogc_items_and_queryables(http, catalogue, collection, output):
    items = http.get(f"/ogc/collections/{collection}/items", params={"limit": 1, "datetime": DAY}).json()
    feature = items["features"][0]
    assert list(feature["properties"]) == carried(catalogue, output)
    queryables = http.get(f"/ogc/collections/{collection}/queryables").json()["properties"]
    assert set(carried(catalogue, output)) <= set(queryables)


def test_export_files(http, catalogue, tmp_path):
    gpkg = tmp_path / "one.gpkg"
    gpkg.write_bytes(http.get("/v1/exports/communes.gpkg", params={"code": "00070", "as_of": DAY}).content)
    info = pyogrio.read_info(gpkg)
    assert list(info["fields"]) == carried(catalogue, "ogc") and info["features"] == 1
    shp = tmp_path / "one.shp.zip"
    shp.write_bytes(http.get("/v1/exports/communes.shp.zip", params={"code": "00070", "as_of": DAY}).content)
    by_name = {f["name"]: f for f in catalogue["fields"]}
    assert list(pyogrio.read_info(f"/vsizip/{shp}")["fields"]) == [
        by_name[n]["shapefile_name"] for n in carried(catalogue, "ogc")
    ]
    rows = list(csv.DictReader(io.StringIO(zipfile.ZipFile(shp).read("data_dictionary.csv").decode())))
    assert [(r["field"], r["full_name"], r["description"]) for r in rows] == [
        (by_name[n]["shapefile_name"], n, by_name[n]["description"]) for n in carried(catalogue, "ogc")
    ]


def _tile_props(http, layer: str) -> dict[str, set]:
    z, x, y = HANOI_Z12
    r = http.get(f"/v1/tiles/{layer}/{z}/{x}/{y}.mvt", params={"as_of": DAY}, headers={"accept-encoding": "identity"})
    assert r.status_code == 200
    tile = mapbox_vector_tile.decode(r.content)
    # MVT leaves out null values: the union over the tile's features is the layer's field list
    return {name: set().union(*(f["properties"] for f in lay["features"])) for name, lay in tile.items()}


def test_tiles_and_tilejson(http, catalogue):
    props = _tile_props(http, "communes")
    assert props["communes"] == set(carried(catalogue, "tiles"))
    assert props["communes_labels"] == set(carried(catalogue, "tile_labels"))
    assert _tile_props(http, "old_communes")["old_communes"] == set(carried(catalogue, "old_tiles"))
    assert _tile_props(http, "lineage")["lineage"] <= set(carried(catalogue, "lineage_tiles"))
    layers = {v["id"]: v["fields"] for v in http.get("/v1/tiles/communes.json").json()["vector_layers"]}
    assert list(layers["communes"]) == carried(catalogue, "tiles")
    assert list(layers["communes_labels"]) == carried(catalogue, "tile_labels")


def test_layers_viewer_and_folium(http, catalogue, db_url):
    fc = http.get("/v1/layers/communes.geojson", params={"province": "01", "simplify": "10", "as_of": DAY}).json()
    assert list(fc["features"][0]["properties"]) == carried(catalogue, "layers")
    table = http.get("/viewer/units.json", params={"as_of": DAY}).json()
    assert table["fields"] == carried(catalogue, "viewer") and len(table["rows"][0]) == len(table["fields"])
    fallback = http.get("/viewer/provinces.geojson", params={"as_of": DAY}).json()["features"][0]["properties"]
    tile_fields = [f["name"] for f in catalogue["fields"] if {"tiles", "tile_labels"} & set(f["outputs"])]
    assert list(fallback) == tile_fields  # the fallback draws both the polygons and the labels
    from datetime import date

    import psycopg
    from psycopg.rows import dict_row

    from geodata.views import maps

    with psycopg.connect(db_url, row_factory=dict_row) as conn:  # what the folium maps are drawn from
        rows = maps.map_units(conn, date.fromisoformat(DAY), "01", 0.001)
    assert len(rows) == 126 and list(rows[0]) == carried(catalogue, "folium") + ["geometry"]


def test_one_layer_table(http, catalogue):
    ids = [layer["id"] for layer in catalogue["layers"]]
    assert [c["id"] for c in http.get("/ogc/collections").json()["collections"]] == ids
    assert [layer["id"] for layer in http.get("/v1/tiles").json()["layers"]] == ids
    for layer in catalogue["layers"]:
        for alias in layer["aliases"]:  # a former id answers as the layer
            assert http.get(f"/v1/tiles/{alias}.json").json()["name"] == f"vn-geodata {layer['id']}"
            assert http.get(f"/ogc/collections/{alias}/items", params={"limit": 1}).status_code == 200
