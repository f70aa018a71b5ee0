"""Documents that describe the tiles: TileJSON 3.0.0 (what MapLibre GL reads) and the OGC API –
Tiles WebMercatorQuad tile matrix set (OGC 17-083r4), generated from the same constants."""

from __future__ import annotations

import math
from datetime import date

from psycopg import AsyncConnection

from geodata.credits import ATTRIBUTION
from geodata.tiles.mvt import EXTENT, LAYERS, LOW_EXTENT, LOW_ZOOM, MAX_NATIVE_ZOOM, MAX_ZOOM, WORLD, Layer
from geodata.units import fields

BOUNDS_SQL = """
SELECT ST_XMin(e) AS w, ST_YMin(e) AS s, ST_XMax(e) AS e, ST_YMax(e) AS n
FROM (SELECT ST_Extent(geom) AS e FROM geo.units WHERE level = 'province' AND valid @> %(d)s::date) x"""
DEFAULT_BOUNDS = [102.1, 6.0, 117.9, 23.4]


async def bounds(conn: AsyncConnection, d: date) -> list[float]:
    row = await (await conn.execute(BOUNDS_SQL, {"d": d})).fetchone()
    if not row or row["w"] is None:
        return DEFAULT_BOUNDS
    return [round(row[k], 4) for k in ("w", "s", "e", "n")]


def vector_layers(layer: Layer) -> list[dict]:
    out = [
        {
            "id": layer.name,
            "description": layer.description,
            "fields": layer.fields,
            "minzoom": 0,
            "maxzoom": MAX_NATIVE_ZOOM,
        }
    ]
    if layer.kind == "polygons":
        out.append(
            {
                "id": f"{layer.name}_labels",
                "description": "one label point per unit (inside it)",
                "fields": fields.tilejson_fields(fields.LABELS),
                "minzoom": layer.label_min,
                "maxzoom": MAX_NATIVE_ZOOM,
            }
        )
    return out


def tilejson(layer: Layer, base_url: str, bbox: list[float], as_of: date | None, version: str) -> dict:
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    w, s, e, n = bbox
    return {
        "tilejson": "3.0.0",
        "name": f"vn-geodata {layer.name}",
        "description": layer.description,
        "version": "1.0.0",
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [f"{base_url}/v1/tiles/{layer.name}/{{z}}/{{x}}/{{y}}.mvt{query}"],
        "minzoom": 0,
        "maxzoom": MAX_NATIVE_ZOOM,
        "bounds": bbox,
        "center": [round((w + e) / 2, 4), round((s + n) / 2, 4), 5],
        "vector_layers": vector_layers(layer),
        "dataset_version": version,
        "as_of": as_of.isoformat() if as_of else None,
    }


def layer_index(base_url: str) -> dict:
    return {
        "layers": [
            {
                "id": name,
                "kind": layer.kind,
                "description": layer.description,
                "tilejson": f"{base_url}/v1/tiles/{name}.json",
                "tiles": f"{base_url}/v1/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt",
            }
            for name, layer in LAYERS.items()
        ]
    }


def web_mercator_quad(max_zoom: int = MAX_ZOOM) -> dict:
    """The WebMercatorQuad tile matrix set as OGC 2D TileMatrixSet JSON."""
    matrices = []
    for z in range(max_zoom + 1):
        n = 1 << z
        cell = 2 * WORLD / (n * 256)
        matrices.append(
            {
                "id": str(z),
                "scaleDenominator": cell / 0.00028,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-WORLD, WORLD],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            }
        )
    return {
        "id": "WebMercatorQuad",
        "title": "Google Maps Compatible for the World",
        "uri": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        # The same set in the TMS 1.0 encoding (OGC 17-083r2), which GDAL up to 3.6 (Debian's, under
        # QGIS) reads: its OGCAPI driver fails on a 2.0-only document.
        "type": "TileMatrixSetType",
        "identifier": "WebMercatorQuad",
        "supportedCRS": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrix": [
            {
                "type": "TileMatrixType",
                "identifier": m["id"],
                "scaleDenominator": m["scaleDenominator"],
                "topLeftCorner": m["pointOfOrigin"],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": m["matrixWidth"],
                "matrixHeight": m["matrixHeight"],
            }
            for m in matrices
        ],
    }


def tile_limits(bbox: list[float], max_zoom: int = MAX_NATIVE_ZOOM) -> list[dict]:
    """Rows and columns of WebMercatorQuad that cover bbox, per zoom (clients ask no tile outside)."""

    def col(lon: float, n: int) -> int:
        return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

    def row(lat: float, n: int) -> int:
        y = math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat)))
        return min(n - 1, max(0, int((1 - y / math.pi) / 2 * n)))

    out = []
    for z in range(max_zoom + 1):
        n = 1 << z
        out.append(
            {
                "tileMatrix": str(z),
                "minTileRow": row(bbox[3], n),
                "maxTileRow": row(bbox[1], n),
                "minTileCol": col(bbox[0], n),
                "maxTileCol": col(bbox[2], n),
            }
        )
    return out


def ogc_tileset(layer: Layer, base_url: str, bbox: list[float], collection: str | None = None) -> dict:
    """A tileset description (OGC API – Tiles, Part 1) for one collection."""
    collection = collection or layer.name
    return {
        "title": f"{layer.name} (WebMercatorQuad)",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
        "boundingBox": {
            "lowerLeft": bbox[:2],
            "upperRight": bbox[2:],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
        "tileMatrixSetLimits": tile_limits(bbox),
        "layers": [
            {
                "id": v["id"],
                "dataType": "vector",
                "propertiesSchema": {
                    "type": "object",
                    "properties": {
                        k: {"type": "string" if t == "String" else "boolean" if t == "Boolean" else "number"}
                        for k, t in v["fields"].items()
                    },
                },
            }
            for v in vector_layers(layer)
        ],
        "links": [
            {
                "rel": "self",
                "type": "application/json",
                "href": f"{base_url}/ogc/collections/{collection}/tiles/WebMercatorQuad",
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                "type": "application/json",
                "href": f"{base_url}/ogc/tileMatrixSets/WebMercatorQuad",
            },
            {
                "rel": "item",
                "type": "application/vnd.mapbox-vector-tile",
                "templated": True,
                "href": f"{base_url}/ogc/collections/{collection}/tiles/WebMercatorQuad"
                "/{tileMatrix}/{tileRow}/{tileCol}",
            },
        ],
        # The MVT grid is coarser at low zooms (geodata.tiles.mvt.extent_for_zoom): say so per zoom range.
        "extent": [
            {"minZoom": 0, "maxZoom": LOW_ZOOM, "extent": LOW_EXTENT},
            {"minZoom": LOW_ZOOM + 1, "maxZoom": MAX_ZOOM, "extent": EXTENT},
        ],
    }
