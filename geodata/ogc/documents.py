"""OGC API – Features documents (Parts 1, 2 and 3): landing page, conformance, collections, items.

Pure functions from query results to JSON-ready dicts (or bytes for feature collections); the
routes in api/routes/ogc.py only parse parameters and choose JSON or HTML."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson

from geodata import crs as crsmod
from geodata.credits import ATTRIBUTION, LICENCE
from geodata.errors import InvalidInput
from geodata.ogc import geom as ogc_geom
from geodata.ogc import items
from geodata.units import fields

MAX_LIMIT = 10_000  # advertised in the OpenAPI document: GDAL pages with the largest allowed limit
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL = "http://www.opengis.net/spec/cql2/1.0/conf/"
_T1 = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
CONFORMANCE = [
    _F1 + "core",
    _F1 + "oas30",
    _F1 + "html",
    _F1 + "geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    _F3 + "queryables",
    _F3 + "queryables-query-parameters",
    _F3 + "filter",
    _F3 + "features-filter",
    _CQL + "cql2-text",
    _CQL + "basic-cql2",
    _CQL + "advanced-comparison-operators",
    # OGC API – Tiles Part 1 (api/routes/ogc_tiles.py): vector tiles of each collection, WebMercatorQuad
    _T1 + "core",
    _T1 + "tileset",
    _T1 + "tilesets-list",
    _T1 + "geodata-tilesets",
    _T1 + "mvt",
    _T1 + "oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
# Each collection's vector tile layer (geodata/tiles/mvt.py): the same id (geodata/units/fields.py LAYER_TABLE).
TILE_LAYERS = {layer_id: layer_id for layer_id in fields.LAYER_IDS}
TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(base: str) -> dict:
    return {
        "title": "vn-geodata: Vietnam's administrative units (OGC API – Features)",
        "description": "Provinces, communes, pre-reform communes and the 2025 lineage, on any date; "
        "GeoJSON in WGS 84 or VN-2000 (EPSG:6960 transformation). " + LICENCE,
        "attribution": ATTRIBUTION,
        "links": [
            link(f"{base}/ogc", "self", JSON, "this document"),
            link(f"{base}/ogc?f=html", "alternate", HTML, "this document as HTML"),
            link(f"{base}/ogc/api", "service-desc", OPENAPI, "the API definition"),
            link(f"{base}/docs", "service-doc", HTML, "the API documentation"),
            link(f"{base}/ogc/conformance", "conformance", JSON, "conformance classes"),
            link(f"{base}/ogc/collections", "data", JSON, "the collections"),
            link(
                f"{base}/ogc/tileMatrixSets",
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                JSON,
                "tile matrix sets",
            ),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def _instant(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day else None


def collection_doc(base: str, c: items.Collection, bbox: list[float] | None, first_day: date | None) -> dict:
    """first_day: the first day with boundaries (the loaded data's, geodata/dataset.py): the temporal extent."""
    url = f"{base}/ogc/collections/{c.id}"
    spatial = {"bbox": [bbox or [102.14, 7.18, 117.83, 23.4]], "crs": crsmod.OGC_CRS84}
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "extent": {
            "spatial": spatial,
            "temporal": {
                "interval": [[_instant(first_day), None]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "crs": crsmod.supported_uris(),
        "storageCrs": crsmod.OGC_CRS84,
        "links": [
            link(url, "self", JSON, c.title),
            link(f"{url}?f=html", "alternate", HTML, c.title),
            link(f"{url}/items", "items", GEOJSON, f"{c.title}: features"),
            link(f"{url}/items?f=html", "items", HTML, f"{c.title}: features as HTML"),
            link(
                f"{url}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "queryable properties",
            ),
            *(
                [link(f"{url}/tiles", TILESETS_VECTOR, JSON, f"{c.title}: vector tiles (OGC API – Tiles)")]
                if c.id in TILE_LAYERS
                else []
            ),
            link(f"{base}/v1/meta", "license", JSON, LICENCE),
        ],
    }


def collections_doc(base: str, extents: dict[str, list[float] | None], first_day: date | None) -> dict:
    return {
        "links": [
            link(f"{base}/ogc/collections", "self", JSON, "collections"),
            link(f"{base}/ogc/collections?f=html", "alternate", HTML, "collections as HTML"),
        ],
        "crs": crsmod.supported_uris(),
        "collections": [collection_doc(base, c, extents.get(c.id), first_day) for c in items.COLLECTIONS.values()],
    }


_JSON_SCHEMA_TYPE = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}


def queryables(base: str, c: items.Collection) -> dict:
    props = {
        name: {"title": name, "description": fields.BY_NAME[name].description, **_JSON_SCHEMA_TYPE[typ]}
        for name, (_, typ) in c.props.items()
    }
    props["geometry"] = {"$ref": f"https://geojson.org/schema/{c.geometry_type}.json"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/ogc/collections/{c.id}/queryables",
        "type": "object",
        "title": c.title,
        "properties": props,
        "additionalProperties": False,
    }


def collection_items_path(template: dict, c: items.Collection) -> dict:
    """/collections/{c.id}/items in the OpenAPI document: the generic operation without the
    collectionId parameter, plus one query parameter per queryable (what GDAL reads to send
    `-where` filters to the server)."""
    import copy

    item = copy.deepcopy(template)
    op = item["get"]
    op["operationId"] = f"get_items_{c.id}"
    op["summary"] = f"{c.title}: features"
    params = [p for p in op.get("parameters", ()) if p.get("name") != "collectionId"]

    taken = {p["name"] for p in params}
    for name, (_, typ) in c.props.items():
        if name not in taken:
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "style": "form",
                    "explode": False,
                    "description": f"only features whose {name} equals this (a queryable)",
                    "schema": _JSON_SCHEMA_TYPE[typ],
                }
            )
    op["parameters"] = params
    return item


def parse_bbox(text: str | None, bbox_crs: str | None) -> tuple | None:
    if text is None:
        if bbox_crs:
            raise InvalidInput("bbox-crs given without bbox", parameter="bbox-crs")
        return None
    try:
        numbers = [float(v) for v in text.split(",")]
    except ValueError:
        raise InvalidInput(f"bbox must be four comma-separated numbers, got {text!r}", parameter="bbox") from None
    src = crsmod.parse(bbox_crs, "bbox-crs")
    if (
        src == crsmod.CRS84
        and len(numbers) == 4
        and not (
            -180 <= numbers[0] <= 180
            and -90 <= numbers[1] <= 90
            and -180 <= numbers[2] <= 180
            and -90 <= numbers[3] <= 90
        )
    ):
        raise InvalidInput(
            "bbox in CRS84 must be longitudes and latitudes (use bbox-crs for other CRSs)", parameter="bbox"
        )
    return crsmod.bbox_to_crs84(numbers, src)


def _feature_bytes(rows: list[dict], c: items.Collection, out: crsmod.Crs, cache: ogc_geom.GeometryCache) -> list[dict]:
    geoms = (
        [r["geometry"].encode() if r["geometry"] else None for r in rows]
        if items.in_database(out)
        else ogc_geom.geojson_in(rows, c.id, out, cache)
    )
    feats = []
    for r, g in zip(rows, geoms):
        props = {k: r[k] for k in c.props}
        feats.append(
            {"type": "Feature", "id": r["fid"], "geometry": orjson.Fragment(g) if g else None, "properties": props}
        )
    return feats


def feature_collection(
    rows: list[dict],
    matched: int,
    c: items.Collection,
    q: items.Query,
    self_url: str,
    page_url,
    cache: ogc_geom.GeometryCache,
) -> bytes:
    """page_url(offset) -> the URL of another page with the same parameters; cache: the dataset
    handle's geometry cache (geodata/dataset.py)."""
    links = [
        link(self_url, "self", GEOJSON, "this page"),
        link(page_url(q.offset, f="html"), "alternate", HTML, "this page as HTML"),
    ]
    if q.offset + len(rows) < matched and rows:
        links.append(link(page_url(q.offset + q.limit), "next", GEOJSON, "next page"))
    if q.offset > 0:
        links.append(link(page_url(max(0, q.offset - q.limit)), "prev", GEOJSON, "previous page"))
    doc = {
        "type": "FeatureCollection",
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "numberMatched": matched,
        "numberReturned": len(rows),
        "as_of": q.as_of.isoformat(),
        "attribution": ATTRIBUTION,
        "links": links,
        "features": _feature_bytes(rows, c, q.crs, cache),
    }
    return orjson.dumps(doc)


def feature(row: dict, c: items.Collection, q: items.Query, base: str, cache: ogc_geom.GeometryCache) -> bytes:
    f = _feature_bytes([row], c, q.crs, cache)[0]
    url = f"{base}/ogc/collections/{c.id}/items/{row['fid']}"
    f["links"] = [
        link(url, "self", GEOJSON),
        link(f"{url}?f=html", "alternate", HTML),
        link(f"{base}/ogc/collections/{c.id}", "collection", JSON, c.title),
    ]
    f["attribution"] = ATTRIBUTION
    return orjson.dumps(f)
