"""Vector tiles (Mapbox Vector Tile 2.1) of the units, from the per-band shapes of geo.unit_shapes.

Boundaries come pre-simplified per zoom band as a coverage (etl/tiles.py), so a tile is a clip
and a snap of few vertices, and neighbours keep one shared edge at every zoom. Every layer's
tile also carries a `<layer>_labels` point layer (one label point per unit) so that a viewer
draws one label per unit instead of one per polygon piece."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from psycopg import AsyncConnection

from geodata.errors import NotFound
from geodata.units import fields

# (min zoom, max zoom, tolerance in Web Mercator metres). About one tile pixel (extent 4096) at
# the band's highest zoom (9784 m / 2^z; 1.6 at z6 to keep z6 tiles small); z7 uses the 250 m
# shapes too (under one pixel of a 512-pixel tile, 306 m), which keeps its tiles under 500 KB. The
# last band is the full-resolution cleaned coverage.
BANDS: tuple[tuple[int, int, float], ...] = ((0, 4, 600.0), (5, 7, 250.0), (8, 8, 40.0), (9, 10, 10.0), (11, 24, 0.0))
EXTENT = 4096
# Up to LOW_ZOOM a tile has half the grid (2048: still 4 units per pixel of a 512-pixel tile): the
# country's 3,321 communes fit in a few tiles there, and the finer grid made them over 500 KB.
LOW_ZOOM, LOW_EXTENT = 7, 2048


def extent_for_zoom(z: int) -> int:
    return LOW_EXTENT if z <= LOW_ZOOM else EXTENT


def min_area(layer_name: str, extent: int) -> float:
    """Smallest polygon a tile keeps, in square tile units. A commune smaller than one pixel of a
    512-pixel tile is not drawn at that zoom (the province layer gives the outline at low zooms);
    a province, or anything, needs only a non-zero area (the MVT spec forbids zero-area rings that
    snapping to the grid makes)."""
    return (extent / 512) ** 2 if layer_name == "communes" else 0.5


BUFFER = 64  # tile units around the tile, so strokes do not stop at tile edges
MAX_ZOOM = 22  # tiles exist to here; TileJSON advertises MAX_NATIVE_ZOOM (clients overzoom)
MAX_NATIVE_ZOOM = 14
WORLD = 20037508.342789244


def band_for_zoom(z: int) -> int:
    return next(i for i, (lo, hi, _) in enumerate(BANDS) if lo <= z <= hi)


@dataclass(frozen=True)
class Layer:
    name: str  # the layer's id (geodata/units/fields.py LAYER_TABLE)
    kind: str  # polygons | points | lines
    description: str
    output: str  # the catalogue output whose fields the tile carries
    dated_geometry: bool = True  # polygons exist only from the reform on
    label_min: int = 0  # first zoom with the <layer>_labels points

    @property
    def fields(self) -> dict[str, str]:
        """attribute -> TileJSON type (Number, String, Boolean), from the catalogue."""
        return fields.tilejson_fields(self.output)


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer("provinces", "polygons", "Provinces and centrally governed cities", fields.TILES),
        Layer(
            "communes", "polygons", "Communes, wards and special zones (xã, phường, đặc khu)", fields.TILES, label_min=8
        ),
        Layer(
            "old_communes",
            "points",
            "Pre-2025 communes: centres and default successor",
            fields.OLD_TILES,
            dated_geometry=False,
        ),
        Layer(
            "lineage",
            "lines",
            "Lines from each old commune centre to the new units it went to",
            fields.LINEAGE_TILES,
            dated_geometry=False,
        ),
    )
}
assert tuple(LAYERS) == fields.LAYER_IDS, "the tile layers are the layers of geodata/units/fields.py"


def get_layer(name: str) -> Layer:
    """A tile layer by its id or a former id (legacy-communes: old_communes)."""
    layer = LAYERS.get(fields.layer_id(name))
    if layer is None:
        raise NotFound(f"no tile layer {name!r}; layers: {', '.join(LAYERS)}", layers=list(LAYERS))
    return layer


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise NotFound(f"zoom {z} is outside 0-{MAX_ZOOM}", parameter="z")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise NotFound(
            f"tile {x}/{y} does not exist at zoom {z} (x and y run from 0 to {n - 1})",
            parameter="x" if not 0 <= x < n else "y",
        )


# Units: the band's shapes in and around the tile, joined to the versions valid on the day; the
# attributes are the catalogue's (numbers as 4-byte floats: smaller tiles). Power counts arrive as
# int[] literals indexed by unit id (made once per period from geo.unit_power_counts, see
# geodata/tiles/cache.py): calling that function per tile would cost 0.5 s.
_POWERS = {"powers": "(%(ptot)s::int[])[u.id]", "powers_inherited": "(%(pinh)s::int[])[u.id]"}
_TILE_FIELDS = [f for f in fields.UNIT_FIELDS if f.outputs & {fields.TILES, fields.LABELS}]


def _tile_expr(f: fields.Field) -> str:
    sql = _POWERS.get(f.name, f.sql)
    return f'({sql})::real AS "{f.name}"' if f.type == "number" else f'{sql} AS "{f.name}"'


_TILE_SELECT = ", ".join(_tile_expr(f) for f in _TILE_FIELDS)


def _cols(output: str) -> str:
    return ", ".join(f'"{n}"' for n in fields.names(output))


UNITS_SQL = f"""
WITH t AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
f AS (
  SELECT u.code::bigint AS fid, {_TILE_SELECT},
         ST_SnapToGrid(ST_Affine(ST_CollectionExtract(ST_ClipByBox2D(s.geom, ST_Expand(t.env, %(margin)s)), 3),
             %(k)s, 0, 0, -%(k)s, -%(k)s * ST_XMin(t.env), %(k)s * ST_YMax(t.env)), 1) AS g,
         CASE WHEN %(z)s >= %(label_min)s AND ST_Intersects(u.label_point, ST_Transform(t.env, 4326))
              THEN ST_AsMVTGeom(ST_Transform(u.label_point, 3857), t.env, %(extent)s, 0, true) END AS label
  FROM t
  JOIN geo.unit_shapes s ON s.zband = %(band)s AND s.geom && ST_Expand(t.env, %(margin)s)
  JOIN geo.units u ON u.id = s.unit_id AND u.level = %(level)s AND u.valid @> %(d)s::date
  {fields.PROVINCE_JOIN}
  )
SELECT (SELECT ST_AsMVT(a, %(layer)s, %(extent)s, 'geom', 'fid') FROM
          (SELECT fid, {_cols(fields.TILES)}, ST_ForcePolygonCCW(g) AS geom
           FROM f WHERE NOT ST_IsEmpty(g) AND ST_Area(g) >= %(min_area)s) a)
    || (SELECT ST_AsMVT(b, %(labels)s, %(extent)s, 'geom', 'fid') FROM
          (SELECT fid, {_cols(fields.LABELS)}, label AS geom
           FROM f WHERE label IS NOT NULL) b) AS tile"""

LEGACY_SQL = f"""
WITH t AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
f AS (
  SELECT u.code::bigint AS fid, {fields.select(fields.OLD_TILES)},
         ST_AsMVTGeom(ST_Transform(c.geom, 3857), t.env, %(extent)s, %(buffer)s, true) AS geom
  FROM t JOIN geo.legacy_centres c ON c.geom && ST_Transform(ST_Expand(t.env, %(margin)s), 4326)
  JOIN geo.units u ON u.id = c.unit_id AND u.level = 'commune')
SELECT ST_AsMVT(f, %(layer)s, %(extent)s, 'geom', 'fid') AS tile FROM f WHERE geom IS NOT NULL"""

LINEAGE_SQL = f"""
WITH t AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
e AS (
  SELECT {fields.select(fields.LINEAGE_TILES)}, ST_Transform(ST_MakeLine(c.geom, n.label_point), 3857) AS line
  FROM geo.lineage_edges e
  JOIN geo.units o ON o.id = e.old_unit_id AND o.level = 'commune'
  JOIN geo.legacy_centres c ON c.unit_id = o.id
  JOIN geo.units n ON n.id = e.new_unit_id AND n.label_point IS NOT NULL
  LEFT JOIN geo.units cur ON cur.code = n.code AND cur.level = n.level AND cur.valid @> %(d)s::date
  WHERE e.kind IN ('whole', 'part')),
f AS (SELECT {_cols(fields.LINEAGE_TILES)},
             ST_AsMVTGeom(line, t.env, %(extent)s, %(buffer)s, true) AS geom
      FROM e, t WHERE line && ST_Expand(t.env, %(margin)s))
SELECT ST_AsMVT(f, %(layer)s, %(extent)s, 'geom') AS tile FROM f WHERE geom IS NOT NULL"""


def _params(layer: Layer, z: int, x: int, y: int, d: date, powers: tuple[str, str]) -> dict:
    extent = extent_for_zoom(z)
    margin = (2 * WORLD / (1 << z)) * BUFFER / EXTENT
    level = {"provinces": "province", "communes": "commune"}.get(layer.name)
    return {
        "z": z,
        "x": x,
        "y": y,
        "d": d,
        "band": band_for_zoom(z),
        "level": level,
        "layer": layer.name,
        "labels": f"{layer.name}_labels",
        "label_min": layer.label_min,
        "extent": extent,
        "buffer": BUFFER * extent // EXTENT,
        "margin": margin,
        "k": extent / (2 * WORLD / (1 << z)),
        "ptot": powers[0],
        "pinh": powers[1],
        "min_area": min_area(layer.name, extent),
    }


SQL_BY_KIND = {"polygons": UNITS_SQL, "points": LEGACY_SQL, "lines": LINEAGE_SQL}


async def render(
    conn: AsyncConnection, layer: Layer, z: int, x: int, y: int, d: date, powers: tuple[str, str] = ("{}", "{}")
) -> bytes:
    """One tile as MVT bytes (b'' when it has no features)."""
    row = await (await conn.execute(SQL_BY_KIND[layer.kind], _params(layer, z, x, y, d, powers))).fetchone()
    tile = row["tile"] if isinstance(row, dict) else row[0]
    return bytes(tile or b"")
