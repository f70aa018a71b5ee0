"""GeoJSON layers of provinces and communes for quick use: any day, a province or a bbox, and
boundaries simplified for a zoom level from the same per-band shapes as the tiles, so neighbours
still share their edges (no cracks between them in a GIS)."""

from __future__ import annotations

import re
from datetime import date

from psycopg import AsyncConnection

from geodata.errors import InvalidInput, NotFound, TooLarge
from geodata.geojson import feature_collection
from geodata.tiles.mvt import BANDS, MAX_ZOOM, band_for_zoom
from geodata.units import fields

LEVELS = {"provinces": "province", "communes": "commune"}
# Served beside them by api/routes/lineage.py (geodata/lineage/layers.py): /v1/layers/{name}.geojson too.
LINEAGE_LAYERS = ("lineage", "old_communes")
LINEAGE_ALIASES = ("legacy-communes",)  # former ids, still answered
FULL_BAND = len(BANDS) - 1

LAYER_SQL = f"""
SELECT {fields.select(fields.LAYERS)},
       ST_AsGeoJSON(ST_Transform(s.geom, 4326), %(digits)s) AS geometry
FROM geo.units u
JOIN geo.unit_shapes s ON s.unit_id = u.id AND s.zband = %(band)s
{fields.PROVINCE_JOIN}
WHERE u.level = %(level)s AND u.valid @> %(d)s::date
  AND (%(province)s::text IS NULL OR u.province_code = %(province)s)
  AND (%(bbox)s::float8[] IS NULL OR s.geom && ST_Transform(
         ST_MakeEnvelope(%(bbox)s[1], %(bbox)s[2], %(bbox)s[3], %(bbox)s[4], 4326), 3857))
ORDER BY u.code"""


def parse_bbox(text: str | None) -> list[float] | None:
    """'min_lon,min_lat,max_lon,max_lat' in degrees (WGS 84), as in OGC API bbox."""
    if text is None or text == "":
        return None
    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        vals = []
    if len(vals) != 4:
        raise InvalidInput(f"bbox must be four numbers min_lon,min_lat,max_lon,max_lat, got {text!r}", parameter="bbox")
    w, s, e, n = vals
    if not (-180 <= w < e <= 180 and -85 <= s < n <= 85):
        raise InvalidInput(
            "bbox must have min_lon < max_lon within ±180 and min_lat < max_lat within ±85", parameter="bbox"
        )
    return vals


def parse_simplify(text: str | None) -> int | None:
    """A zoom level (0-22): boundaries simplified for that zoom; none/full or absent: full resolution."""
    if text is None or text in ("", "none", "full"):
        return None
    if not re.fullmatch(r"\d{1,2}", text) or int(text) > MAX_ZOOM:
        raise InvalidInput(
            f"simplify must be a zoom level 0-{MAX_ZOOM} (boundaries simplified for that zoom, "
            f"each shared edge once) or 'none', got {text!r}",
            parameter="simplify",
        )
    return int(text)


def _check_province(code: str | None) -> None:
    if code is not None and not re.fullmatch(r"\d{2}", code):
        raise InvalidInput(f"province must be a 2-digit province code, got {code!r}", parameter="province")


async def layer_geojson(
    conn: AsyncConnection,
    layer: str,
    d: date,
    province: str | None = None,
    bbox: str | None = None,
    simplify: str | None = None,
    first_day: date | None = None,
) -> bytes:
    level = LEVELS.get(layer)
    if level is None:
        raise NotFound(f"no layer {layer!r}; GeoJSON layers: {', '.join((*LEVELS, *LINEAGE_LAYERS))}")
    _check_province(province)
    box, zoom = parse_bbox(bbox), parse_simplify(simplify)
    if first_day and d < first_day:
        raise NotFound(
            f"boundaries exist from {first_day.isoformat()}; {d.isoformat()} is before the reform",
            first_day=first_day.isoformat(),
        )
    if level == "commune" and zoom is None and province is None and box is None:
        raise TooLarge(
            "every commune at full resolution is about 150 MB: add province=, bbox= or simplify= (e.g. simplify=10)",
            parameter="simplify",
        )
    band = FULL_BAND if zoom is None else band_for_zoom(zoom)
    rows = await (
        await conn.execute(
            LAYER_SQL, {"band": band, "digits": 6, "level": level, "d": d, "province": province, "bbox": box}
        )
    ).fetchall()
    extra = {
        "layer": layer,
        "as_of": d.isoformat(),
        "simplified_for_zoom": zoom,
        "tolerance_m": BANDS[band][2],
        "count": len(rows),
    }
    return feature_collection(rows, extra=extra)
