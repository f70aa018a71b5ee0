"""Read the source folder into plain records. No cleaning here beyond NFC; see normalize.py."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from etl.sqlvalues import insert_rows
from geodata.text import nfc

# Paths as upstream has them (relative to the source folder).
CURRENT_UNITS_GLOB = "json/full_json_generated_data_vn_units_*.json"
REFORM_UNITS = "releases/v3.0.2/json/full_json_generated_data_vn_units.json"
PRE_REFORM_SQL = "releases/v2.4.1/postgresql/ImportData_vn_units.sql"
GEO_OBJECTS_SQL = "dataset-generation-scripts/resources/gis/sapnhapbando_geo_objects.sql"
ATTRIBUTES_DIR = "dataset-generation-scripts/resources/gis/sapnhapbando_geojson"
BOUNDARIES_DIR = "json/geojson"

# administrative_unit_id -> type key, per upstream release line.
POST_REFORM_TYPES = {1: "thanh_pho", 2: "tinh", 3: "phuong", 4: "xa", 5: "dac_khu"}
PRE_REFORM_TYPES = {
    1: "thanh_pho",
    2: "tinh",
    3: "thanh_pho_thuoc_tp",
    4: "thanh_pho_thuoc_tinh",
    5: "quan",
    6: "thi_xa",
    7: "huyen",
    8: "phuong",
    9: "thi_tran",
    10: "xa",
}


class SourceError(Exception):
    """The source folder is missing, incomplete or unreadable; the message names what."""


@dataclass
class Source:
    root: Path
    reform_units: list[dict]  # units of 2025-07-01 (provinces and communes)
    current_units: list[dict]  # units of the snapshot (2026-04-30)
    pre_reform: list[dict]  # provinces, districts, communes before 2025-07-01
    boundaries: list[dict]  # {code, level, props, geometry (GeoJSON dict), bbox}
    attributes: dict[str, dict]  # gisServerId -> official map attribute record
    geo_objects: dict[str, dict]  # gisServerId -> official map unit list row
    files: dict[str, str] = field(default_factory=dict)  # what was read, for the report


def _require(root: Path, rel: str) -> Path:
    path = root / rel
    if not path.exists():
        raise SourceError(f"source folder {root} is incomplete: {rel} is missing")
    return path


def _unit_list(path: Path) -> list[dict]:
    """Flatten upstream's generated JSON (provinces with their Wards) into unit records."""
    out = []
    for p in orjson.loads(path.read_bytes()):
        out.append(_unit(p, "province", None))
        out.extend(_unit(w, "commune", p["Code"]) for w in p.get("Wards") or [])
    return out


def _unit(rec: dict, level: str, parent: str | None) -> dict:
    return {
        "code": rec["Code"],
        "level": level,
        "parent_code": parent,
        "type": POST_REFORM_TYPES[rec["AdministrativeUnitId"]],
        "name": nfc(rec["Name"]),
        "full_name": nfc(rec["FullName"]),
        "name_en": nfc(rec.get("NameEn")),
        "full_name_en": nfc(rec.get("FullNameEn")),
    }


def _pre_reform(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    units = []
    for level, table, parent_col in (
        ("province", "provinces", None),
        ("district", "districts", "province_code"),
        ("commune", "wards", "district_code"),
    ):
        for r in insert_rows(text, table):
            units.append(
                {
                    "code": r["code"],
                    "level": level,
                    "parent_code": r[parent_col] if parent_col else None,
                    "type": PRE_REFORM_TYPES[r["administrative_unit_id"]],
                    "name": nfc(r["name"]),
                    "full_name": nfc(r["full_name"]),
                    "name_en": nfc(r["name_en"]),
                    "full_name_en": nfc(r["full_name_en"]),
                }
            )
    return units


def _boundaries(root: Path) -> list[dict]:
    files = sorted(glob.glob(str(root / BOUNDARIES_DIR / "*" / "*.geojson")))
    files += sorted(glob.glob(str(root / BOUNDARIES_DIR / "*" / "wards" / "*.geojson")))
    if not files:
        raise SourceError(f"source folder {root} is incomplete: no boundary files under {BOUNDARIES_DIR}/")
    out = []
    for f in files:
        doc = orjson.loads(Path(f).read_bytes())
        for feat in doc["features"]:
            props = {k: nfc(v) if isinstance(v, str) else v for k, v in feat["properties"].items()}
            out.append(
                {
                    "code": props["code"],
                    "level": "commune" if os.sep + "wards" + os.sep in f else "province",
                    "props": props,
                    "geometry": feat["geometry"],
                    "bbox": feat.get("bbox"),
                    "collection_bbox": doc.get("bbox"),
                    "file": os.path.relpath(f, root),
                }
            )
    return out


def _attributes(root: Path) -> dict[str, dict]:
    files = glob.glob(str(root / ATTRIBUTES_DIR / "*.geojson"))
    if not files:
        raise SourceError(f"source folder {root} is incomplete: no attribute files under {ATTRIBUTES_DIR}/")
    out = {}
    for f in files:
        for feat in orjson.loads(Path(f).read_bytes())["features"]:
            props = {k: nfc(v) if isinstance(v, str) else v for k, v in feat["properties"].items()}
            key = props.get("a02_xa") or props.get("a02_tinh")
            props["_file"] = os.path.relpath(f, root)
            out[key] = props
    return out


def _geo_objects(path: Path) -> dict[str, dict]:
    rows = insert_rows(path.read_text(encoding="utf-8"), "sapnhap_geojson_objects")
    return {r["malk"]: {k: nfc(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows}


def read_source(root: Path) -> Source:
    root = Path(root)
    if not root.is_dir():
        raise SourceError(f"source folder {root} does not exist (set VNGEO_SOURCE_DIR or --source)")
    current = sorted(glob.glob(str(root / CURRENT_UNITS_GLOB)))
    if not current:
        raise SourceError(f"source folder {root} is incomplete: no {CURRENT_UNITS_GLOB}")
    paths = {
        "current_units": Path(current[-1]),
        "reform_units": _require(root, REFORM_UNITS),
        "pre_reform": _require(root, PRE_REFORM_SQL),
        "geo_objects": _require(root, GEO_OBJECTS_SQL),
    }
    try:
        return Source(
            root=root,
            reform_units=_unit_list(paths["reform_units"]),
            current_units=_unit_list(paths["current_units"]),
            pre_reform=_pre_reform(paths["pre_reform"]),
            boundaries=_boundaries(root),
            attributes=_attributes(root),
            geo_objects=_geo_objects(paths["geo_objects"]),
            files={k: os.path.relpath(v, root) for k, v in paths.items()},
        )
    except (KeyError, ValueError, orjson.JSONDecodeError) as exc:
        raise SourceError(f"source folder {root}: unreadable record ({type(exc).__name__}: {exc})") from exc
