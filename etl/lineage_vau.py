"""The `vietnamadminunits` package (PyPI, MIT) as a lineage source: old units' centres and its
name-keyed mapping from 63-province units to 34-province units.

Its keys are folded names ("thanhphohanoi_quanbadinh_phuongtrucbach" -> "phuongbadinh"); we turn
them back into official codes with the package's own unit tables, so every edge it gives can be
checked against the other sources. A new-side key names a commune within a new province; where
it collides (a same-named commune elsewhere in the province) the edge lands in the wrong commune,
which is what the geometric check catches."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import sqlite3
from dataclasses import dataclass, field

SOURCE = "vietnamadminunits"


@dataclass
class VauData:
    version: str
    centres: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)  # (level, code) -> (lon, lat)
    provinces: list[tuple[str, str]] = field(default_factory=list)  # (old code, new code)
    communes: list[tuple[str, str, bool | None]] = field(default_factory=list)  # (old, new, default); None: not split
    districts: list[tuple[str, str]] = field(default_factory=list)  # districts without communes -> new
    unresolved: list[str] = field(default_factory=list)  # keys we could not turn into codes


def _data_dir():
    return importlib.resources.files("vietnamadminunits") / "data"


def _legacy_rows(db: sqlite3.Connection) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode, "
        "provinceLat, provinceLon, districtLat, districtLon, wardLat, wardLon FROM admin_units_legacy"
    ).fetchall()


def read_vau() -> VauData:
    data_dir = _data_dir()
    out = VauData(version=f"{SOURCE} {importlib.metadata.version(SOURCE)}")
    with importlib.resources.as_file(data_dir / "dataset.db") as path:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        legacy = _legacy_rows(db)
        new_rows = db.execute("SELECT provinceKey, provinceCode, wardKey, wardCode FROM admin_units").fetchall()
        db.close()
    conv = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))

    old_key: dict[str, tuple[str, str]] = {}  # "p_d_w" -> ("commune", code) or ("district", code)
    old_prov: dict[str, str] = {}
    for r in legacy:
        old_prov[r["provinceKey"]] = r["provinceCode"]
        out.centres[("province", r["provinceCode"])] = (r["provinceLon"], r["provinceLat"])
        out.centres[("district", r["districtCode"])] = (r["districtLon"], r["districtLat"])
        if r["wardCode"]:
            old_key[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"] = ("commune", r["wardCode"])
            if r["wardLat"] is not None:
                out.centres[("commune", r["wardCode"])] = (r["wardLon"], r["wardLat"])
        else:  # island districts without communes: the key ends with "_"
            old_key[f"{r['provinceKey']}_{r['districtKey']}_"] = ("district", r["districtCode"])
    new_prov = {r["provinceKey"]: r["provinceCode"] for r in new_rows}
    new_ward = {(r["provinceKey"], r["wardKey"]): r["wardCode"] for r in new_rows}

    for new_key, olds in conv["DICT_PROVINCE"].items():
        out.provinces.extend((old_prov[o], new_prov[new_key]) for o in olds if o in old_prov)

    def add(new_pkey: str, okey: str, wkey: str, default: bool | None) -> None:
        old, new = old_key.get(okey), new_ward.get((new_pkey, wkey))
        if old is None or new is None:
            out.unresolved.append(f"{okey} -> {new_pkey}/{wkey}")
        elif old[0] == "district":
            out.districts.append((old[1], new))
        else:
            out.communes.append((old[1], new, default))

    for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            for okey in olds:
                add(pkey, okey, wkey, None)
    for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for okey, news in olds.items():
            for n in news:
                add(pkey, okey, n["newWardKey"], bool(n["isDefaultNewWard"]))
    return out
