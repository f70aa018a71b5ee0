"""Coordinate reference systems: the one place that knows CRS URIs, axis order and VN-2000.

Everything the service stores is EPSG:4326 (longitude, latitude in PostGIS order). Output in
another CRS goes through `transformer(dst)`, which for any VN-2000 based CRS is pinned to the
official 7-parameter set of Decision 05/2007/QĐ-BTNMT, EPSG:6960 ("VN-2000 to WGS 84 (2)"):
left to itself PROJ prefers EPSG:5194 (an oil-industry set) inside the Mekong delta box
(104.24–107.11°E, 9.35–11.04°N: Hồ Chí Minh City, Cần Thơ, Vũng Tàu), about 0.8 m away.

Public API (also used by the tiles and the exports):
    SUPPORTED, CRS84, parse(text)            the CRSs offered, a request parameter -> Crs (422 otherwise)
    transformer(dst, src=CRS84)               cached pyproj Transformer (always_xy), EPSG:6960 forced
    transform_geoms(geoms, dst, src=CRS84)   shapely geometries, x/y order (lon/lat, E/N)
    to_authority_order(geoms, crs)           swap to lat/lon where the CRS says so (EPSG:4326, 4756)
    bbox_to_crs84(bbox, src)                 a bbox given in src's authority axis order -> lon/lat
    tm3_zone(province_code, legacy=False)    the VN-2000 TM-3 zone a province uses (data/tm3.toml)
"""

from __future__ import annotations

import functools
import json
import threading
import tomllib
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup

from geodata.errors import InvalidInput, NotFound
from geodata.settings import DATA_DIR

OGC_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
OFFICIAL_OP = 6960  # VN-2000 to WGS 84 (2): Decision 05/2007/QĐ-BTNMT, coordinate frame rotation
MEKONG_OP = 5194  # VN-2000 to WGS 84 (1): what PROJ picks in the Mekong delta box otherwise


@dataclass(frozen=True)
class Crs:
    epsg: int | None  # None: OGC CRS84
    name: str
    lat_first: bool  # authority axis order is latitude, longitude (EPSG:4326, EPSG:4756)
    projected: bool
    vn2000: bool

    @property
    def uri(self) -> str:
        return OGC_CRS84 if self.epsg is None else EPSG_URI.format(self.epsg)

    @property
    def curie(self) -> str:
        return "OGC:CRS84" if self.epsg is None else f"EPSG:{self.epsg}"

    @property
    def decimals(self) -> int:
        """Coordinate precision written out: about 1 mm either way."""
        return 3 if self.projected else 8

    def pyproj(self) -> CRS:
        return _pyproj_crs(self.curie)


@functools.cache
def _pyproj_crs(curie: str) -> CRS:
    return CRS.from_user_input(curie)


def _vn(epsg: int, name: str, projected: bool = True) -> Crs:
    return Crs(epsg, name, lat_first=not projected, projected=projected, vn2000=True)


CRS84 = Crs(None, "WGS 84 (CRS84), longitude/latitude", False, False, False)
TM3_EPSG = (5896, 5897, 5898, 5899, *range(9205, 9219))
SUPPORTED: tuple[Crs, ...] = (
    CRS84,
    Crs(4326, "WGS 84, latitude/longitude", True, False, False),
    _vn(4756, "VN-2000, latitude/longitude", projected=False),
    _vn(3405, "VN-2000 / UTM zone 48N"),
    _vn(3406, "VN-2000 / UTM zone 49N"),
    *(_vn(c, CRS.from_epsg(c).name) for c in TM3_EPSG),
)
BY_URI = {c.uri: c for c in SUPPORTED}
BY_EPSG = {c.epsg: c for c in SUPPORTED}


def supported_uris() -> list[str]:
    return [c.uri for c in SUPPORTED]


def parse(text: str | None, parameter: str = "crs", default: Crs = CRS84) -> Crs:
    """A CRS named as an OGC URI, a safe CURIE "[EPSG:3405]", "EPSG:3405", "CRS84" or a bare code."""
    if text is None or text == "":
        return default
    t = text.strip().strip("[]")
    found = BY_URI.get(t) or BY_URI.get(t.replace("https://", "http://"))
    if found is None:
        key = t.upper().removeprefix("EPSG:").removeprefix("OGC:")
        if key in ("CRS84", "1.3:CRS84"):
            found = CRS84
        elif key.isdigit():
            found = BY_EPSG.get(int(key))
    if found is None:
        raise InvalidInput(
            f"{parameter} {text!r} is not offered; use one of: " + ", ".join(supported_uris()),
            parameter=parameter,
            allowed=supported_uris(),
        )
    return found


def _uses_op(t: Transformer, code: int) -> bool:
    """Whether the operation's PROJJSON has the transformation EPSG:<code> (or its inverse) as a step."""

    def walk(node) -> bool:
        if isinstance(node, dict):
            ident = node.get("id")
            # the inverse is labelled authority "INVERSE(EPSG)" or "INVERSE(DERIVED_FROM(EPSG))"
            if (
                node.get("type") == "Transformation"
                and isinstance(ident, dict)
                and ident.get("code") == code
                and "EPSG" in str(ident.get("authority"))
            ):
                return True
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    return walk(json.loads(t.to_json()))


def _build(src: Crs, dst: Crs) -> Transformer:
    if src.vn2000 == dst.vn2000:  # same datum: no choice of datum shift to make
        return Transformer.from_crs(src.pyproj(), dst.pyproj(), always_xy=True)
    group = TransformerGroup(src.pyproj(), dst.pyproj(), always_xy=True)
    for t in group.transformers:
        if _uses_op(t, OFFICIAL_OP):
            return t
    raise RuntimeError(f"PROJ offers no EPSG:{OFFICIAL_OP} operation for {src.curie} -> {dst.curie}")


_local = threading.local()  # pyproj transformers must not be shared between threads


def transformer(dst: Crs, src: Crs = CRS84) -> Transformer:
    """x/y (lon/lat, E/N) transformer; any VN-2000 <-> WGS 84 step is EPSG:6960."""
    cache = _local.__dict__.setdefault("cache", {})
    key = (src.epsg, dst.epsg)
    if key not in cache:
        cache[key] = _build(src, dst)
    return cache[key]


def official_transformer(code: int = OFFICIAL_OP) -> Transformer:
    """The bare VN-2000 -> WGS 84 operation, EPSG:6960 or (for comparison) EPSG:5194, lat/lon order."""
    return Transformer.from_pipeline(f"EPSG:{code}")


def transform_geoms(geoms, dst: Crs, src: Crs = CRS84, decimals: int | None = None):
    """Shapely geometries (array) in src x/y order -> dst x/y order, rounded to dst's precision."""
    if dst == src:
        return geoms
    t = transformer(dst, src)
    nd = dst.decimals if decimals is None else decimals

    def fn(x, y):
        xx, yy = t.transform(x, y)
        return np.round(xx, nd), np.round(yy, nd)

    return shapely.transform(geoms, fn, interleaved=False)


def to_authority_order(geoms, crs: Crs):
    """OGC rule: coordinates follow the CRS's axis order (EPSG:4326 and 4756: latitude first)."""
    if not crs.lat_first:
        return geoms
    return shapely.transform(geoms, lambda x, y: (y, x), interleaved=False)


def bbox_to_crs84(bbox: list[float], src: Crs) -> tuple[float, float, float, float]:
    """A bbox given in src's authority axis order -> (min lon, min lat, max lon, max lat)."""
    if len(bbox) != 4:
        raise InvalidInput("bbox must have 4 numbers (3D bboxes are not supported)", parameter="bbox")
    a, b, c, d = bbox
    if src.lat_first:
        a, b, c, d = b, a, d, c
    if a > c or b > d:
        raise InvalidInput("bbox must be min x, min y, max x, max y in the axis order of bbox-crs", parameter="bbox")
    if src == CRS84 or src.epsg == 4326:
        return a, b, c, d
    return transformer(CRS84, src).transform_bounds(a, b, c, d, densify_pts=21)


# --- TM-3 zones per province -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _tm3() -> dict:
    return tomllib.loads((DATA_DIR / "tm3.toml").read_text(encoding="utf-8"))


def _zone_for(meridian: float) -> int | None:
    return next((c for c in TM3_EPSG if _meridian_of(c) == meridian), None)


@functools.cache
def _meridian_of(epsg: int) -> float:
    op = CRS.from_epsg(epsg).coordinate_operation
    return next(p.value for p in op.params if "longitude" in p.name.lower())


def tm3_zone(province_code: str, legacy: bool = False) -> dict:
    """The central meridian and EPSG TM-3 CRS a province uses; legacy=True: the 63 old provinces."""
    table = _tm3()["legacy" if legacy else "provinces"]
    row = table.get(province_code)
    if row is None:
        raise NotFound(
            f"no {'pre-2025 ' if legacy else ''}province has code {province_code!r}; codes: {', '.join(table)}",
            parameter="province",
        )
    m = row["meridian"]
    out = {
        "province": province_code,
        "name": row["name"],
        "meridian": m,
        "crs": EPSG_URI.format(_zone_for(m)),
        "basis": row["basis"],
    }
    if not legacy:  # the merged provinces' old meridians: what data made before the reform used
        out["constituents"] = [c | {"crs": EPSG_URI.format(_zone_for(c["meridian"]))} for c in row["constituents"]]
    return out


def tm3_zones(legacy: bool = False) -> dict:
    return {
        "source": _tm3()["sources"]["legacy" if legacy else "provinces"],
        "zones": [tm3_zone(code, legacy) for code in _tm3()["legacy" if legacy else "provinces"]],
    }


def catalogue() -> dict:
    """The CRSs offered and the datum transformation used, for /v1/crs."""
    return {
        "crs": [
            {
                "uri": c.uri,
                "curie": c.curie,
                "name": c.name,
                "axis_order": "lat,lon" if c.lat_first else ("easting,northing" if c.projected else "lon,lat"),
            }
            for c in SUPPORTED
        ],
        "transformation": {
            "epsg": OFFICIAL_OP,
            "name": "VN-2000 to WGS 84 (2)",
            "basis": "Quyết định 05/2007/QĐ-BTNMT, 7 parameters, coordinate frame rotations",
            "accuracy_m": 1.0,
            "note": f"forced everywhere; PROJ would pick EPSG:{MEKONG_OP} in the Mekong delta box "
            "(about 0.8 m off at Bến Thành)",
        },
    }
