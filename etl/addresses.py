"""Load part: the other names old units are written with (geo.unit_aliases), for the address parser.

Two inputs: the project's curated list (data/addresses/aliases.csv, one source per row) and the keyword
lists of `vietnamadminunits` (its legacy parser): keywords of old districts that differ from the official
name (districts merged before 2025, i/y spellings) and the districts divided before 2025 ("Thành phố Huế"
-> Phú Xuân, Thuận Hóa). Keywords are folded and spaceless ("huyenhoanhbo"); their type prefix is read
off. An alias that is the name of another unit of the same level in the same province is dropped (it
would hide that unit)."""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.resources
import json

import psycopg

from geodata.lineage.address_index import keys
from geodata.settings import DATA_DIR

TABLES = ("unit_aliases",)
CURATED = DATA_DIR / "addresses" / "aliases.csv"
PACKAGE = "vietnamadminunits"
# Type prefixes of the package's folded keywords, longest first.
PREFIXES = (
    ("thanhpho", "thanh_pho"),
    ("thixa", "thi_xa"),
    ("thisa", "thi_xa"),
    ("district", "quan"),
    ("huyen", "huyen"),
    ("quan", "quan"),
    ("tp", "thanh_pho"),
    ("tx", "thi_xa"),
    ("h", "huyen"),
    ("q", "quan"),
)


def _split_keyword(kw: str) -> tuple[str, str | None]:
    for prefix, type_ in PREFIXES:
        if kw.startswith(prefix) and len(kw) > len(prefix):
            return kw[len(prefix) :], type_
    return kw, None


def _package_aliases() -> tuple[str, list[dict]]:
    version = f"{PACKAGE} {importlib.metadata.version(PACKAGE)}"
    source = f"{version} parser keywords"
    doc = json.loads((importlib.resources.files(PACKAGE) / "data" / "parser_legacy.json").read_text(encoding="utf-8"))
    out = []
    for p in doc["DICT_PROVINCE"].values():
        base = {keys(p["province"])[1], keys(p["provinceShort"])[1]}
        for kw in p["provinceKeywords"]:
            if kw not in base:
                out.append(
                    {"level": "province", "code": p["provinceCode"], "written": kw, "type": None, "source": source}
                )
    for districts in doc["DICT_PROVINCE_DISTRICT"].values():
        for d in districts.values():
            base = {keys(d["district"])[1], keys(d["districtShort"])[1]}
            for kw in d["districtKeywords"]:
                if kw in base:
                    continue
                written, type_ = _split_keyword(kw)
                if written.isdigit() and type_ is None:
                    continue
                out.append(
                    {
                        "level": "district",
                        "code": d["districtCode"],
                        "written": written,
                        "type": type_,
                        "source": source,
                    }
                )
    for pkey, divided in doc["DICT_PROVINCE_DISTRICT_DIVIDED"].items():
        for x in divided.values():
            codes = [
                doc["DICT_PROVINCE_DISTRICT"][pkey][k]["districtCode"]
                for k in x["districts"]
                if k in doc["DICT_PROVINCE_DISTRICT"].get(pkey, {})
            ]
            for kw in x["dividedDistrictKeywords"]:
                written, type_ = _split_keyword(kw)
                for code in codes:
                    out.append(
                        {
                            "level": "district",
                            "code": code,
                            "written": written,
                            "type": type_,
                            "source": f"{source} (district divided before 2025)",
                        }
                    )
    return version, out


def prepare(settings, src, prep) -> dict:
    with open(CURATED, encoding="utf-8") as f:
        curated = [dict(r, type=r["type"] or None) for r in csv.DictReader(f)]
    for r in curated:
        if not r["source"].strip():
            raise ValueError(f"{CURATED}: alias {r['written']!r} has no source")
    version, package = _package_aliases()
    return {"rows": curated + package, "package": version, "curated": len(curated)}


UNITS = "SELECT id, level, code, name, province_code FROM geo_stage.units WHERE generation_from = 'pre-2025'"


def stage(conn: psycopg.Connection, data: dict, prep: dict) -> None:
    units = {(lvl, code): (uid, prov) for uid, lvl, code, _name, prov in conn.execute(UNITS)}
    names = {}  # (level, province, folded key) -> unit codes with that official name
    for _uid, lvl, code, name, prov in conn.execute(UNITS):
        names.setdefault((lvl, prov, keys(name)[1]), set()).add(code)
    rows, seen, dropped = [], set(), []
    for r in data["rows"]:
        hit = units.get((r["level"], r["code"]))
        if hit is None:
            dropped.append({**r, "why": "no such old unit"})
            continue
        uid, prov = hit
        key = keys(r["written"])[1]
        if r["level"] == "province":  # "Vũng Tàu" names a city of the province: a district, not the province
            others = names.get(("district", r["code"], key), set())
        else:
            others = names.get((r["level"], prov, key), set()) - {r["code"]}
        if others:
            dropped.append({**r, "why": f"also the name of {', '.join(sorted(others))}"})
            continue
        if (uid, r["written"]) in seen:
            continue
        seen.add((uid, r["written"]))
        rows.append((uid, r["written"], r["type"], r["source"]))
    with conn.cursor().copy("COPY geo_stage.unit_aliases (unit_id, written, type, source) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    data.update(staged=len(rows), dropped=dropped)


def report(conn: psycopg.Connection, schema: str, data: dict) -> dict:
    by_source = conn.execute(
        f"SELECT source LIKE %s, count(*) FROM {schema}.unit_aliases GROUP BY 1", (PACKAGE + "%",)
    ).fetchall()
    counts = {("package" if pkg else "curated"): n for pkg, n in by_source}
    return {
        "summary": [
            f"address aliases: {data.get('staged', 0):,} ({counts.get('curated', 0)} curated, "
            f"{counts.get('package', 0)} from {data['package']}); {len(data.get('dropped', []))} dropped"
        ],
        "aliases": data.get("staged", 0),
        "by_origin": counts,
        "dropped": data.get("dropped", []),
    }
