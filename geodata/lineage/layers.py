"""Lineage as GeoJSON: old commune centres (points, with their successor codes) and lines from
each old centre to the label point of each new unit it went to. For the viewer and analysts."""

from __future__ import annotations

from datetime import date

from psycopg import AsyncConnection

from geodata.errors import InvalidInput

EDGES_SQL = """
SELECT o.code AS o_code, o.full_name AS o_name, o.parent_code AS o_district, o.province_code AS o_province,
       ST_X(c.geom) AS o_lon, ST_Y(c.geom) AS o_lat, c.flag AS o_flag,
       n.code AS n_code, coalesce(cur.full_name, n.full_name) AS n_name, n.province_code AS n_province,
       ST_X(n.label_point) AS n_lon, ST_Y(n.label_point) AS n_lat,
       e.kind, e.sources, e.is_default, e.suspect
FROM geo.lineage_edges e
JOIN geo.units o ON o.id = e.old_unit_id AND o.level = 'commune'
JOIN geo.legacy_centres c ON c.unit_id = o.id AND c.geom IS NOT NULL  -- withheld centres are not drawn
JOIN geo.units n ON n.id = e.new_unit_id
LEFT JOIN geo.units cur ON cur.code = n.code AND cur.level = n.level AND cur.valid @> %(d)s::date
WHERE e.kind IN ('whole', 'part')
  AND (%(province)s::text IS NULL OR n.province_code = %(province)s)
  AND (%(old_province)s::text IS NULL OR o.province_code = %(old_province)s)
ORDER BY o.code, e.is_default DESC, n.code"""


def _check(code: str | None, name: str) -> None:
    if code is not None and not (len(code) == 2 and code.isdigit()):
        raise InvalidInput(f"{name} must be a 2-digit province code, got {code!r}", parameter=name)


async def lineage_geojson(
    conn: AsyncConnection,
    as_of: date,
    province: str | None = None,
    old_province: str | None = None,
    features: str = "all",
) -> dict:
    _check(province, "province")
    _check(old_province, "old_province")
    if features not in ("all", "points", "lines"):
        raise InvalidInput("features must be all, points or lines", parameter="features")
    rows = await (
        await conn.execute(EDGES_SQL, {"d": as_of, "province": province, "old_province": old_province})
    ).fetchall()
    out, points = [], {}
    for r in rows:
        if features in ("all", "points"):
            p = points.get(r["o_code"])
            if p is None:
                p = points[r["o_code"]] = {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [r["o_lon"], r["o_lat"]]},
                    "properties": {
                        "layer": "old_commune",
                        "code": r["o_code"],
                        "full_name": r["o_name"],
                        "district_code": r["o_district"],
                        "province_code": r["o_province"],
                        "successors": [],
                        "default_successor": None,
                        "split": False,
                        "centre_flag": r["o_flag"],
                    },
                }
                out.append(p)
            p["properties"]["successors"].append(r["n_code"])
            p["properties"]["split"] = len(p["properties"]["successors"]) > 1
            if r["is_default"]:
                p["properties"]["default_successor"] = r["n_code"]
        if features in ("all", "lines") and r["n_lon"] is not None:
            out.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[r["o_lon"], r["o_lat"]], [r["n_lon"], r["n_lat"]]],
                    },
                    "properties": {
                        "layer": "lineage",
                        "old_code": r["o_code"],
                        "old_full_name": r["o_name"],
                        "new_code": r["n_code"],
                        "new_full_name": r["n_name"],
                        "new_province_code": r["n_province"],
                        "kind": r["kind"],
                        "sources": r["sources"],
                        "default": r["is_default"],
                        "suspect": r["suspect"],
                    },
                }
            )
    return {
        "type": "FeatureCollection",
        "features": out,
        "properties": {
            "as_of": as_of.isoformat(),
            "province": province,
            "old_province": old_province,
            "source": "old centres: vietnamadminunits (MIT); new units: official reference map",
        },
    }
