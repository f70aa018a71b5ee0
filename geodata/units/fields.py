"""The catalogue of unit and layer fields, and the table of layers: each attribute declared once.

A Field is one attribute: its name (the same in every output), its SQL expression, its JSON type,
its description (written into files' data dictionaries and served at /v1/fields), its Shapefile
name (at most 10 characters), and the outputs that carry it. Every output builds its SELECT list
and its JSON properties from here (`select`, `names`, `props`), so adding a field to an output is
one entry or one more output name below.

Unit fields are expressions over `geo.units u`; some also use the province of the unit (`pr`,
joined by PROVINCE_JOIN) or the power counts of the day (`pc`, geodata/powers/catalogue.py
POWER_COUNTS_JOIN). Lineage fields are expressions over a lineage edge `e`, its old commune `o`,
its new unit `n` and that unit's version on the day `cur` (LINEAGE_FROM)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

# The outputs. Files (exports) carry what the OGC collection of their layer carries.
UNITS = "units"  # /v1/units and /v1/units/{code} (geodata/units/queries.py)
OGC = "ogc"  # OGC API – Features items of provinces and communes, and their export files
TILES = "tiles"  # vector tiles of provinces and communes, and the viewer's GeoJSON fallback
LABELS = "tile_labels"  # the tiles' <layer>_labels point layer (one label per unit)
LAYERS = "layers"  # /v1/layers/{provinces,communes}.geojson (geodata/views/layers.py)
VIEWER = "viewer"  # the viewer's table /viewer/units.json (geodata/views/viewer.py)
FOLIUM = "folium"  # the rows behind the folium maps (geodata/views/maps.py)
OLD_OGC = "old_ogc"  # OGC items and files of old_communes (the pre-reform communes)
OLD_TILES = "old_tiles"  # vector tiles of old_communes
LINEAGE_OGC = "lineage_ogc"  # OGC items and files of lineage
LINEAGE_TILES = "lineage_tiles"  # vector tiles of lineage
OUTPUTS = (UNITS, OGC, TILES, LABELS, LAYERS, VIEWER, FOLIUM, OLD_OGC, OLD_TILES, LINEAGE_OGC, LINEAGE_TILES)

_ALL_NEW = {UNITS, OGC, TILES, LABELS, LAYERS, VIEWER, FOLIUM}
_FILES = {UNITS, OGC}  # the full attribute set: API and files

PROVINCE_JOIN = (
    "LEFT JOIN geo.units pr ON pr.level = 'province' AND pr.code = u.province_code AND pr.valid @> %(d)s::date"
)
LINEAGE_FROM = """geo.lineage_edges e JOIN geo.units o ON o.id = e.old_unit_id AND o.level = 'commune'
JOIN geo.units n ON n.id = e.new_unit_id
LEFT JOIN geo.legacy_centres c ON c.unit_id = o.id
LEFT JOIN geo.units cur ON cur.code = n.code AND cur.level = n.level AND cur.valid @> %(d)s::date"""

# Density: people per official km², one decimal; none where either figure is missing or zero.
DENSITY_SQL = (
    "CASE WHEN u.population > 0 AND u.area_km2 > 0 THEN round((u.population / u.area_km2)::numeric, 1)::float8 END"
)
# The old units each unit came from, as one line of text (the folium popups).
CAME_FROM_SQL = """(SELECT string_agg(o.full_name || CASE WHEN e.kind = 'part' THEN ' (part)' ELSE '' END
                          || coalesce(' — ' || d.full_name, ''), '; ' ORDER BY o.code)
        FROM geo.lineage_edges e
        JOIN geo.units n ON n.id = e.new_unit_id AND n.code = u.code AND n.level = u.level
        JOIN geo.units o ON o.id = e.old_unit_id AND o.level = u.level
        LEFT JOIN geo.units d ON d.code = o.parent_code AND d.level = 'district' AND d.valid && o.valid
        WHERE e.kind IN ('whole', 'part'))"""


@dataclass(frozen=True)
class Field:
    name: str
    sql: str
    type: str  # JSON type: string, integer, number, boolean, date, array, object
    description: str
    outputs: frozenset[str]
    shp: str | None = None  # Shapefile (dBASE) name when the name is over 10 characters
    metric: str | None = None  # the viewer's colour key that maps this field ("colour=density")
    label: str | None = None  # a short English title where a field is shown to people (folium popups)
    digits: int | None = None  # decimals a number is shown with

    @property
    def shp_name(self) -> str:
        return self.shp or self.name

    def doc(self) -> dict:
        extra = {
            k: v for k, v in (("metric", self.metric), ("label", self.label), ("digits", self.digits)) if v is not None
        }
        return {
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "shapefile_name": self.shp_name,
            "outputs": sorted(self.outputs, key=OUTPUTS.index),
            **extra,
        }


def F(name, sql, type_, description, outputs, shp=None, metric=None, label=None, digits=None) -> Field:  # noqa: N802
    return Field(name, sql, type_, description, frozenset(outputs), shp, metric, label, digits)


_OLD = {OLD_OGC, OLD_TILES}
UNIT_FIELDS: tuple[Field, ...] = (
    F(
        "code",
        "u.code",
        "string",
        "official code (General Statistics Office): 2 digits province, 5 digits commune",
        _ALL_NEW | _OLD,
    ),
    F("name", "u.name", "string", "name without the type word", (_ALL_NEW - {VIEWER, FOLIUM}) | _OLD),
    F(
        "full_name",
        "u.full_name",
        "string",
        "name with the type word (Phường, Xã, Tỉnh…)",
        {UNITS, OGC, LABELS, LAYERS, FOLIUM} | _OLD,
        shp="fullname",
    ),
    F("name_en", "u.name_en", "string", "English name", _FILES),
    F("full_name_en", "u.full_name_en", "string", "English name with the type", _FILES | {FOLIUM}, shp="fullnameen"),
    F(
        "type",
        "u.type",
        "string",
        "unit type key (tinh, thanh_pho, xa, phuong, dac_khu, …)",
        _ALL_NEW | _OLD,
        label="Type",
    ),
    F("level", "u.level", "string", "province or commune", {UNITS, OGC, LAYERS, VIEWER, OLD_OGC}),
    F(
        "parent_code",
        "u.parent_code",
        "string",
        "code of the parent unit (of a pre-reform commune: its district)",
        {OGC} | _OLD,
        shp="parent",
    ),
    F(
        "province_code",
        "u.province_code",
        "string",
        "code of the province",
        (_ALL_NEW - {LABELS, VIEWER}) | _OLD,
        shp="province",
    ),
    F("province_name", "pr.name", "string", "name of the province on the date", {TILES, LAYERS}, shp="prov_name"),
    F(
        "population",
        "u.population",
        "integer",
        "population, official map attribute table (null where withheld, see flags in the API)",
        _ALL_NEW,
        metric="population",
        label="Population",
        digits=0,
    ),
    F(
        "area_km2",
        "u.area_km2::float8",
        "number",
        "official area in km²",
        _ALL_NEW - {LABELS},
        metric="area",
        label="Area (km²)",
        digits=2,
    ),
    F(
        "area_km2_computed",
        "u.area_km2_computed::float8",
        "number",
        "geodesic area of the boundary on WGS 84, km²",
        _FILES,
        shp="area_comp",
    ),
    F(
        "density_per_km2",
        DENSITY_SQL,
        "number",
        "people per official km², one decimal (null where population or area is missing)",
        _ALL_NEW,
        shp="density",
        metric="density",
        label="Density (/km²)",
        digits=1,
    ),
    F(
        "admin_center",
        "u.admin_center",
        "string",
        "administrative centre (address)",
        _FILES | {FOLIUM},
        shp="admincentr",
        label="Administrative centre",
    ),
    F("phone", "u.phone", "string", "telephone", _FILES | {FOLIUM}, label="Telephone"),
    F("website", "u.website", "string", "website", _FILES | {FOLIUM}, label="Website"),
    F(
        "valid_from",
        "lower(u.valid)",
        "date",
        "first day this version of the unit is valid",
        _FILES | {LAYERS},
        shp="valid_from",
    ),
    F("valid_to", "(upper(u.valid) - 1)", "date", "last day (null: still valid)", _FILES),
    F(
        "generation",
        "u.generation_from",
        "string",
        "the generation (set of decrees) that created this version",
        _FILES | {LAYERS},
    ),
    F(
        "label_point",
        "CASE WHEN u.label_point IS NOT NULL THEN ARRAY[ST_X(u.label_point), ST_Y(u.label_point)] END",
        "array",
        "[lon, lat] of a point inside the unit where its label goes",
        {UNITS},
        shp="label_pt",
    ),
    F(
        "bbox",
        "CASE WHEN u.geom IS NOT NULL THEN ARRAY[ST_XMin(u.geom), ST_YMin(u.geom), ST_XMax(u.geom), "
        "ST_YMax(u.geom)] END",
        "array",
        "[min_lon, min_lat, max_lon, max_lat] of the boundary",
        {UNITS},
    ),
    F("flags", "u.flags", "object", "figures withheld or doubted, with why", {UNITS}),
    F(
        "flagged",
        "nullif(jsonb_strip_nulls(jsonb_build_object("
        "'population', CASE WHEN u.flags ? 'population' THEN 1 END, "
        "'area_km2', CASE WHEN u.flags ? 'area_km2' THEN 1 END)), '{}'::jsonb)",
        "object",
        "which mapped figures are withheld or doubted (drawn hatched; /v1/units/{code} says why)",
        {VIEWER},
    ),
    F(
        "changed",
        "(lower(u.valid) = %(gen_from)s::date AND %(gen_from)s::date > %(reform)s::date)",
        "boolean",
        "the unit changed on the first day of the day's generation (the reform itself, which replaced "
        "everything, marks nothing)",
        {VIEWER},
    ),
    F("sources", "u.sources", "object", "where the unit's figures come from", {UNITS}),
    F(
        "powers",
        "pc.total",
        "integer",
        "powers the unit holds on the date (own and inherited)",
        {TILES, FOLIUM},
        label="Powers held",
        digits=0,
    ),
    F(
        "powers_inherited",
        "pc.inherited",
        "integer",
        "of which inherited from an abolished level",
        {TILES},
        shp="powers_inh",
    ),
    F(
        "powers_by_sector",
        "pc.by_sector",
        "object",
        "powers held per sector",
        {FOLIUM},
        shp="powers_sec",
        label="Main sectors",
    ),
    F("came_from", CAME_FROM_SQL, "string", "the old units it came from (part: partly)", {FOLIUM}, label="Came from"),
    # Old communes' tiles only: where each went.
    F(
        "successor",
        "(SELECT sn.code FROM geo.lineage_edges se JOIN geo.units sn ON sn.id = se.new_unit_id "
        "WHERE se.old_unit_id = u.id AND se.is_default LIMIT 1)",
        "string",
        "code of the default (most likely) successor",
        {OLD_TILES},
    ),
    F(
        "successors",
        "(SELECT count(*) FROM geo.lineage_edges se WHERE se.old_unit_id = u.id AND se.kind IN ('whole', 'part'))::int",
        "integer",
        "how many new units it went to",
        {OLD_TILES},
    ),
)

_LIN = {LINEAGE_OGC, LINEAGE_TILES}
LINEAGE_FIELDS: tuple[Field, ...] = (
    F("old_code", "o.code", "string", "code of the pre-reform commune", _LIN),
    F("old_full_name", "o.full_name", "string", "name of the pre-reform commune", {LINEAGE_OGC}, shp="old_name"),
    F(
        "old_province_code",
        "o.province_code",
        "string",
        "province code of the pre-reform commune",
        {LINEAGE_OGC},
        shp="old_prov",
    ),
    F("new_code", "n.code", "string", "code of the new unit", _LIN),
    F(
        "new_full_name",
        "coalesce(cur.full_name, n.full_name)",
        "string",
        "name of the new unit on the date",
        _LIN,
        shp="new_name",
    ),
    F("new_province_code", "n.province_code", "string", "province of the new unit", {LINEAGE_OGC}, shp="new_prov"),
    F("kind", "e.kind", "string", "whole: the old commune went entirely; part: partly", _LIN),
    F("default", "e.is_default", "boolean", "the most likely successor of a split", _LIN),
    F("suspect", "e.suspect", "string", "why the geometric check doubts the edge", _LIN),
)
ALL_FIELDS = UNIT_FIELDS + LINEAGE_FIELDS
BY_NAME = {f.name: f for f in ALL_FIELDS}


def fields(output: str) -> list[Field]:
    return [f for f in ALL_FIELDS if output in f.outputs]


def names(output: str) -> list[str]:
    return [f.name for f in fields(output)]


def select(output: str, cast: dict[str, str] | None = None) -> str:
    """The SELECT list of an output: `expr AS "name"`, in catalogue order. `cast` maps a JSON type to
    an SQL type an output stores it as (the tiles keep numbers as 4-byte floats)."""
    cast = cast or {}
    return ", ".join(
        f'({f.sql})::{cast[f.type]} AS "{f.name}"' if f.type in cast else f'{f.sql} AS "{f.name}"'
        for f in fields(output)
    )


def props(output: str) -> dict[str, tuple[str, str]]:
    """name -> (SQL expression, JSON type): the OGC collections' properties and queryables."""
    return {f.name: (f.sql, f.type) for f in fields(output)}


def uses_province(output: str) -> bool:
    return any("pr." in f.sql for f in fields(output))


TILEJSON_TYPES = {"string": "String", "integer": "Number", "number": "Number", "boolean": "Boolean"}


def tilejson_fields(output: str) -> dict[str, str]:
    return {f.name: TILEJSON_TYPES[f.type] for f in fields(output)}


# --- the layers: one id each ------------------------------------------------------------------
@dataclass(frozen=True)
class Layer:
    id: str
    title: str
    aliases: tuple[str, ...] = ()  # former ids, still accepted (answered as the layer, or redirected)


LAYER_TABLE: tuple[Layer, ...] = (
    Layer("provinces", "Provinces"),
    Layer("communes", "Communes"),
    Layer("old_communes", "Communes before the 2025 reform", aliases=("legacy-communes", "legacy_communes")),
    Layer("lineage", "Lineage of the 2025 reform"),
)
LAYER_IDS = tuple(layer.id for layer in LAYER_TABLE)
ALIASES = {a: layer.id for layer in LAYER_TABLE for a in layer.aliases}


def layer_id(name: str) -> str:
    """The layer's id for an id or a former id (unknown names are returned as given)."""
    return ALIASES.get(name, name)


def catalogue() -> dict:
    """The served description (/v1/fields): every field, its outputs, and the layers with their ids."""
    return {
        "fields": [f.doc() for f in ALL_FIELDS],
        "outputs": {
            UNITS: "/v1/units, /v1/units/{code}",
            OGC: "/ogc/collections/{provinces,communes}/items and /v1/exports/{provinces,communes}.{format}",
            TILES: "/v1/tiles/{provinces,communes} (and /viewer/{level}.geojson)",
            LABELS: "the tiles' <layer>_labels points",
            LAYERS: "/v1/layers/{provinces,communes}.geojson",
            VIEWER: "/viewer/units.json",
            FOLIUM: "/maps/{code}.html popups",
            OLD_OGC: "old_communes items and files",
            OLD_TILES: "/v1/tiles/old_communes",
            LINEAGE_OGC: "lineage items and files",
            LINEAGE_TILES: "/v1/tiles/lineage",
        },
        "layers": [{"id": layer.id, "title": layer.title, "aliases": list(layer.aliases)} for layer in LAYER_TABLE],
        "metrics": {f.metric: f.name for f in ALL_FIELDS if f.metric},
    }


# A short fingerprint of the catalogue (fields with their SQL, and layers): part of the keys of what is
# built once and kept (tiles, export files, folium maps), so a changed field never meets a stale file.
VERSION = hashlib.sha256(json.dumps([catalogue(), [f.sql for f in ALL_FIELDS]], sort_keys=True).encode()).hexdigest()[
    :8
]
