"""Old (pre-reform) provinces and districts as outlines, derived from the lineage where it is exact.

No boundary of an old unit is loaded: only the new communes have polygons. An old province (or
district) is the union of the new communes its old communes went to, exactly when none of those
new communes also took in a commune of another old province (district); the 2025 reform merged
provinces whole, so every old province qualifies, while districts are exact only where no new
commune straddles an old district line. Units that do not qualify are left out (never drawn as if
known). Each unit also gets a label point. The unions take tens of seconds in PostGIS, so the
answer is computed once per dataset version and kept in the state folder (one request at a time)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
from psycopg import AsyncConnection

from geodata.credits import ATTRIBUTION
from geodata.settings import get_settings

# level: 'province' (old province code) or 'district' (old district code) of each old commune.
OUTLINES_SQL = """
WITH e AS (
  SELECT CASE WHEN %(level)s = 'province' THEN o.province_code ELSE o.parent_code END AS old_code, n.id AS nid
  FROM geo.lineage_edges e
  JOIN geo.units o ON o.id = e.old_unit_id AND o.level = 'commune' AND o.generation_from = 'pre-2025'
  JOIN geo.units n ON n.id = e.new_unit_id AND n.level = 'commune' AND n.geom IS NOT NULL
  WHERE e.kind IN ('whole', 'part')),
shared AS (SELECT nid FROM e GROUP BY nid HAVING count(DISTINCT old_code) > 1),
exact AS (SELECT old_code FROM e GROUP BY old_code HAVING bool_and(nid NOT IN (SELECT nid FROM shared))),
parts AS (SELECT DISTINCT e.old_code, e.nid FROM e JOIN exact USING (old_code)),
shapes AS (
  SELECT p.old_code, ST_Union(n.geom) AS g FROM parts p JOIN geo.units n ON n.id = p.nid GROUP BY p.old_code)
SELECT s.old_code AS code, o.name, o.full_name,
       ST_AsGeoJSON(ST_SimplifyPreserveTopology(s.g, %(tol)s), 4) AS geometry,
       ST_AsGeoJSON(ST_PointOnSurface(s.g), 4) AS label
FROM shapes s
JOIN geo.units o ON o.code = s.old_code AND o.level = %(level)s AND o.generation_from = 'pre-2025'
ORDER BY s.old_code"""

TOLERANCE = {"province": 0.01, "district": 0.006}
_LOCK = asyncio.Lock()


def _path(version: str) -> Path:
    return Path(get_settings().state_dir) / "legacy-outlines" / f"{version}.geojson"


async def outlines(conn: AsyncConnection, version: str) -> bytes:
    """GeoJSON: exact old provinces and districts (polygons) and their label points, kept per dataset
    version (the dataset handle's, geodata/dataset.py)."""
    path = _path(version)
    async with _LOCK:
        if path.exists():
            return path.read_bytes()
        body = await _outlines(conn)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
        return body


async def _outlines(conn: AsyncConnection) -> bytes:
    features = []
    for level in ("province", "district"):
        async with conn.transaction():  # once per dataset version: past the per-request timeout
            await conn.execute("SET LOCAL statement_timeout = 0")
            rows = await (await conn.execute(OUTLINES_SQL, {"level": level, "tol": TOLERANCE[level]})).fetchall()
        for r in rows:
            props = {"code": r["code"], "name": r["name"], "full_name": r["full_name"], "exact": True}
            features.append(
                {"type": "Feature", "geometry": orjson.Fragment(r["geometry"]), "properties": {**props, "level": level}}
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": orjson.Fragment(r["label"]),
                    "properties": {**props, "level": f"{level}-label"},
                }
            )
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "attribution": ATTRIBUTION,
            "note": "old units drawn only where the lineage gives their outline exactly",
            "features": features,
        }
    )
