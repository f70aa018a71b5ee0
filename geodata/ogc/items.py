"""The OGC collections as SQL: one definition per collection, items paged by key, cheap counts.

Paging: the page is chosen on keys only (a sort of ~3,000 short rows, no geometry touched), then
only that page's rows are joined back and their geometry serialised. So `offset` costs the same
at the end of the table as at the start, unlike an OFFSET over the full select (which serialises
every skipped geometry). numberMatched comes from a count query that runs once per dataset
version, collection and filter in each worker (cached), never once per page."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from psycopg import AsyncConnection

from geodata import crs as crsmod
from geodata.errors import InvalidInput, NotFound
from geodata.ogc.cql2 import compile_filter
from geodata.units import fields

# The last day of the pre-reform units (the reform is a hard break): the eve of the first dated
# generation, read from the loaded data.
REFORM_EVE_SQL = "((SELECT min(valid_from) FROM geo.generations) - 1)"

# name -> (SQL expression, JSON type): the properties served and the queryables (geodata/units/fields.py)
UNIT_PROPS = fields.props(fields.OGC)
OLD_PROPS = fields.props(fields.OLD_OGC)
LINEAGE_PROPS = fields.props(fields.LINEAGE_OGC)
UNIT_FROM = "geo.units u"
LINEAGE_FROM = fields.LINEAGE_FROM


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    geometry_type: str
    props: dict
    from_sql: str
    where: str  # uses %(d)s, the date
    key: str  # row key of the page (selected and joined back on)
    order: str
    id_sql: str
    geom: str  # geometry expression (EPSG:4326)
    filters: dict = field(default_factory=dict)  # simple query parameters -> property


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(
            "provinces",
            "Provinces",
            "The provinces and centrally governed cities valid on the date "
            "(34 since 2025-07-01), full-resolution boundaries.",
            "MultiPolygon",
            UNIT_PROPS,
            UNIT_FROM,
            "u.level = 'province' AND u.valid @> %(d)s::date AND u.geom IS NOT NULL",
            "u.id",
            "u.code",
            "u.code",
            "u.geom",
            {"code": "code", "type": "type"},
        ),
        Collection(
            "communes",
            "Communes",
            "The communes, wards and special zones valid on the date "
            "(3,321 on 2025-07-01), full-resolution boundaries.",
            "MultiPolygon",
            UNIT_PROPS,
            UNIT_FROM,
            "u.level = 'commune' AND u.valid @> %(d)s::date AND u.geom IS NOT NULL",
            "u.id",
            "u.code",
            "u.code",
            "u.geom",
            {"code": "code", "type": "type", "province": "province_code"},
        ),
        Collection(
            "old_communes",
            "Communes before the 2025 reform",
            "The 10,035 communes of 2025-06-30 as "
            "points at their centre (no boundaries exist for them); the date is ignored.",
            "Point",
            OLD_PROPS,
            UNIT_FROM + " LEFT JOIN geo.legacy_centres c ON c.unit_id = u.id",
            f"u.level = 'commune' AND u.valid @> {REFORM_EVE_SQL}",
            "u.id",
            "u.code",
            "u.code",
            "c.geom",
            {"code": "code", "type": "type", "province": "province_code"},
        ),
        Collection(
            "lineage",
            "Lineage of the 2025 reform",
            "One line per (old commune, new unit) it went to, wholly "
            "or in part: from the old commune's centre to the new unit's label point. New names as on the date.",
            "LineString",
            LINEAGE_PROPS,
            LINEAGE_FROM,
            "e.kind IN ('whole', 'part')",
            "ROW(e.old_unit_id, e.new_unit_id)",
            "o.code, n.code",
            "o.code || '-' || n.code",
            "ST_MakeLine(c.geom, n.label_point)",
            {"code": "old_code", "province": "new_province_code"},
        ),
    )
}


assert tuple(COLLECTIONS) == fields.LAYER_IDS, "the OGC collections are the layers of geodata/units/fields.py"


def get(collection_id: str) -> Collection:
    """A collection by its id or a former id of its layer (legacy-communes: old_communes)."""
    c = COLLECTIONS.get(fields.layer_id(collection_id))
    if c is None:
        raise NotFound(
            f"no collection {collection_id!r}; collections: {', '.join(COLLECTIONS)}", collections=list(COLLECTIONS)
        )
    return c


@dataclass
class Query:
    as_of: date
    limit: int = 10
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None  # lon/lat (CRS84)
    props: dict = field(default_factory=dict)  # property -> value (equality)
    cql: str | None = None
    crs: crsmod.Crs = crsmod.CRS84


def where_clause(c: Collection, q: Query) -> tuple[str, dict]:
    sql, params = [c.where], {"d": q.as_of}
    for i, (prop, value) in enumerate(sorted(q.props.items())):
        sql.append(f"{c.props[prop][0]} = %(p{i})s")
        params[f"p{i}"] = value
    if q.bbox is not None:
        sql.append(
            f"{c.geom} && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326) "
            f"AND ST_Intersects({c.geom}, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))"
        )
        params.update(zip(("x0", "y0", "x1", "y1"), q.bbox))
    if q.cql:
        compiled = compile_filter(q.cql, c.props)
        sql.append(compiled.sql)
        params.update(compiled.params)
    return " AND ".join(f"({s})" for s in sql), params


def _select(c: Collection, geometry: str) -> str:
    props = ", ".join(f'{expr} AS "{name}"' for name, (expr, _) in c.props.items())
    return f"{c.id_sql} AS fid, {props}, {geometry} AS geometry, (SELECT version FROM geo.dataset) AS dataset"


def in_database(out: crsmod.Crs) -> bool:
    """WGS 84 output is serialised by PostGIS (1e-7° ≈ 1 cm) and embedded as-is; others in Python."""
    return out == crsmod.CRS84 or out.epsg == 4326


def _geometry_sql(c: Collection, out: crsmod.Crs) -> str:
    if out == crsmod.CRS84:
        return f"ST_AsGeoJSON({c.geom}, 7)"
    if out.epsg == 4326:  # same datum, authority axis order: latitude first
        return f"ST_AsGeoJSON(ST_FlipCoordinates({c.geom}), 7)"
    return f"ST_AsBinary({c.geom})"  # transformed by geodata/ogc/geom.py (EPSG:6960)


def page_sql(c: Collection, q: Query) -> tuple[str, dict]:
    where, params = where_clause(c, q)
    sql = f"""
WITH page AS (SELECT {c.key} AS k FROM {c.from_sql} WHERE {where}
              ORDER BY {c.order} LIMIT %(limit)s OFFSET %(offset)s)
SELECT {_select(c, _geometry_sql(c, q.crs))}
FROM page, {c.from_sql}
WHERE {c.key} = page.k AND {c.where}
ORDER BY {c.order}"""
    return sql, {**params, "limit": q.limit, "offset": q.offset}


_counts: OrderedDict = OrderedDict()  # (dataset, sql, params) -> count; small, per worker


async def count(conn: AsyncConnection, c: Collection, q: Query, dataset: str | None) -> int:
    where, params = where_clause(c, q)
    key = (dataset, c.id, where, repr(sorted(params.items(), key=lambda kv: kv[0])))
    if dataset is not None and key in _counts:
        _counts.move_to_end(key)
        return _counts[key]
    row = await (await conn.execute(f"SELECT count(*) AS n FROM {c.from_sql} WHERE {where}", params)).fetchone()
    _counts[key] = row["n"]
    while len(_counts) > 2000:
        _counts.popitem(last=False)
    return row["n"]


async def dataset_version(conn: AsyncConnection) -> str | None:
    row = await (await conn.execute("SELECT version FROM geo.dataset")).fetchone()
    return row["version"] if row else None


async def fetch_page(conn: AsyncConnection, c: Collection, q: Query) -> tuple[list[dict], int]:
    sql, params = page_sql(c, q)
    rows = await (await conn.execute(sql, params)).fetchall()
    dataset = rows[0]["dataset"] if rows else await dataset_version(conn)
    return rows, await count(conn, c, q, dataset)


async def fetch_one(conn: AsyncConnection, c: Collection, fid: str, q: Query) -> dict:
    if len(fid) > 40:
        raise NotFound(f"no feature {fid[:40]!r}… in {c.id}")
    where, params = where_clause(c, q)
    sql = f"SELECT {_select(c, _geometry_sql(c, q.crs))} FROM {c.from_sql} WHERE {where} AND {c.id_sql} = %(fid)s"
    row = await (await conn.execute(sql, {**params, "fid": fid})).fetchone()
    if row is None:
        raise NotFound(f"no feature {fid!r} in {c.id} on {q.as_of.isoformat()}", collection=c.id)
    return row


async def extent(conn: AsyncConnection, c: Collection, as_of: date) -> list[float] | None:
    where = c.where.replace("u.geom IS NOT NULL", "true")
    sql = f"SELECT ST_Extent({c.geom})::box2d AS b FROM {c.from_sql} WHERE {where}"
    row = await (
        await conn.execute(
            f"SELECT ST_XMin(b) x0, ST_YMin(b) y0, ST_XMax(b) x1, ST_YMax(b) y1 FROM ({sql}) s", {"d": as_of}
        )
    ).fetchone()
    return None if row is None or row["x0"] is None else [row["x0"], row["y0"], row["x1"], row["y1"]]


def queryable_params(c: Collection, query: Mapping[str, str]) -> dict:
    """Queryables given as query parameters (`?province_code=01`): property equality, typed."""
    out = {}
    for name, (_, typ) in c.props.items():
        text = query.get(name)
        if text is None:
            continue
        try:
            out[name] = (
                int(text)
                if typ == "integer"
                else float(text)
                if typ == "number"
                else date.fromisoformat(text)
                if typ == "date"
                else _bool(text)
                if typ == "boolean"
                else text
            )
        except ValueError:
            raise InvalidInput(f"{name} must be a {typ}, got {text[:40]!r}", parameter=name) from None
    return out


def _bool(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError(text)
    return text.lower() == "true"


def check_props(c: Collection, given: dict[str, str | None]) -> dict:
    """Simple query-parameter filters (code, type, province) -> property equality."""
    out = {}
    for param, value in given.items():
        if value is None:
            continue
        if param not in c.filters:
            raise InvalidInput(f"{param} is not a filter of {c.id}; use: {', '.join(c.filters)}", parameter=param)
        out[c.filters[param]] = value
    return out
