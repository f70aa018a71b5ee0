"""GeoJSON output: geometry strings from PostGIS are embedded as-is (no parse, no re-serialise)."""

from __future__ import annotations

import orjson

from geodata.credits import ATTRIBUTION


def feature_collection(features: list[dict], *, id_field: str = "code", extra: dict | None = None) -> bytes:
    """Features given as property dicts with a "geometry" GeoJSON string (or None)."""
    out = []
    for f in features:
        props = {k: v for k, v in f.items() if k != "geometry"}
        geom = f.get("geometry")
        out.append(
            {
                "type": "Feature",
                "id": props.get(id_field),
                "geometry": orjson.Fragment(geom) if geom else None,
                "properties": props,
            }
        )
    return orjson.dumps({"type": "FeatureCollection", **(extra or {}), "attribution": ATTRIBUTION, "features": out})
