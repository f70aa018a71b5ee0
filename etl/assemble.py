"""Join the cleaned sources into unit-version rows: names from the unit lists, boundaries and
figures from the official map, corrections applied, every value with its source or its flag."""

from __future__ import annotations

from collections import Counter
from datetime import date

from etl import corrections as corr_mod
from etl.geometry import bbox_mismatch, geodesic_area_km2, label_point, to_multipolygon
from etl.normalize import attribute_record
from etl.plausibility import implausible_population
from etl.sources import ATTRIBUTES_DIR, GEO_OBJECTS_SQL, Source
from geodata.text import fold, same_name

MISSING_REASON = {
    "population": "the official map's attribute record has no population",
    "area_km2": "the official map's attribute record has no area",
    "admin_center": 'the official map gives no administrative centre (it reads "đang cập nhật", being updated)',
    "geom": "no boundary in the source",
}


def _apply_to_list(units: list[dict], corr: dict) -> bool:
    changed = False
    for u in units:
        if u["code"] == corr["key"] and u["level"] in ("commune", "province"):
            changed |= corr_mod.apply({u["code"]: u}, corr)
    return changed


ATTRIBUTE_FIELDS = {"population", "area_km2", "admin_center", "before_merger", "phone", "website"}
FIELD_ALIASES = {"full_name": "official_name"}  # attribute records call the unit's name this
REPORT_ONLY = {"bbox"}  # fields we never publish from the source


def apply_corrections(src: Source, corrections: list[dict], attrs: dict, objects: dict) -> None:
    by_code_boundary = {b["code"]: b for b in src.boundaries}
    for c in corrections:
        field = FIELD_ALIASES.get(c["field"], c["field"]) if c["dataset"] == "attributes" else c["field"]
        if c["field"] in REPORT_ONLY:
            c["applied"] = True  # listed in the report; the ETL recomputes these itself
        elif c["dataset"] == "units" and c["field"] in ATTRIBUTE_FIELDS:
            # A figure of a unit: it lives in the attribute record of the unit's boundary.
            b = by_code_boundary.get(c["key"])
            if b is not None:
                gid = b["props"].get("gisServerId")
                rec = attrs.setdefault(gid, {"file": f"correction {c['id']}", "gid": gid})
                corr_mod.apply({c["key"]: rec}, c)
        elif c["dataset"] == "units":
            hit = _apply_to_list(src.reform_units, c) | _apply_to_list(src.current_units, c)
            b = by_code_boundary.get(c["key"])
            if b is not None and c["field"] == "code" and c["action"] == "set":
                b["code"] = b["props"]["code"] = c["to"]
                hit = True
            c["applied"] = hit
        elif c["dataset"] == "attributes":
            corr_mod.apply(attrs, c, field)
        elif c["dataset"] == "geo_objects":
            corr_mod.apply(objects, c)
        elif c["dataset"] == "boundaries":
            b = by_code_boundary.get(c["key"])
            if b is not None:
                b.setdefault("_flags", {})["geom"] = c["reason"]
                c["applied"] = True


def physical_units(src: Source, corrections: list[dict], notes: list[dict]) -> dict[tuple, dict]:
    """Per post-reform (level, code): geometry, figures and texts shared by all its versions."""
    attrs = {gid: dict(attribute_record(raw), gid=gid) for gid, raw in src.attributes.items()}
    objects = {
        gid: {"code": r["ma"], "name": r["ten"], "province": r["magoc"], "before_merger_detail": r["truocsapnhap"]}
        for gid, r in src.geo_objects.items()
    }
    apply_corrections(src, corrections, attrs, objects)
    names = {(u["level"], u["code"]): u for u in src.current_units}
    out = {}
    for b in src.boundaries:
        key = (b["level"], b["code"])
        gid = b["props"].get("gisServerId")
        geom, repairs = to_multipolygon(b["geometry"])
        a = attrs.get(gid, {})
        o = objects.get(gid, {})
        flags = dict(b.get("_flags", {})) | dict(a.get("_flags", {}))
        sources = {"geom": f"{b['file']} (official map boundary, cleaned upstream)"}
        for field in ("population", "area_km2", "admin_center", "phone", "website", "before_merger"):
            if a.get(field) is not None:
                sources[field] = a.get("_sources", {}).get(field) or f"{a['file']} (official map attribute table)"
        if not a:
            flags["attributes"] = f"no attribute record in {ATTRIBUTES_DIR}/ for {gid}"
        for field in ("population", "area_km2", "admin_center"):
            if a.get(field) is None and field not in flags:
                flags[field] = MISSING_REASON[field] if a else flags["attributes"]
        if repairs:
            notes.append({"code": b["code"], "field": "geom", "why": "; ".join(repairs)})
        if bbox_mismatch(b.get("bbox"), geom):
            notes.append(
                {
                    "code": b["code"],
                    "field": "bbox",
                    "why": f"source bbox {b['bbox']} does not match the geometry; recomputed",
                }
            )
        if o and o.get("code") != b["code"]:
            notes.append(
                {"code": b["code"], "field": "code", "why": f"{GEO_OBJECTS_SQL} gives code {o.get('code')} for {gid}"}
            )
        unit = names.get(key)
        if (
            unit
            and a.get("official_name")
            and not same_name(
                a["official_name"].split(" ", 1)[-1] if b["level"] == "commune" else unit["name"], unit["name"]
            )
            and fold(unit["name"]) not in fold(a["official_name"])
        ):
            notes.append(
                {
                    "code": b["code"],
                    "field": "name",
                    "why": f"official map attribute names it {a['official_name']!r}, unit list {unit['full_name']!r}",
                }
            )
        out[key] = {
            "geom": geom,
            "area_km2_computed": geodesic_area_km2(geom),
            "label_point": label_point(geom),
            "population": a.get("population"),
            "area_km2": a.get("area_km2"),
            "admin_center": a.get("admin_center"),
            "phone": a.get("phone"),
            "website": a.get("website"),
            "before_merger": a.get("before_merger"),
            "before_merger_detail": o.get("before_merger_detail"),
            "gis_server_id": gid,
            "source_area_km2": b["props"].get("areaKm2"),
            "flags": flags,
            "sources": sources,
        }
    return out


def unit_rows(versions: list[dict], physical: dict[tuple, dict], district_province: dict[str, str]) -> list[dict]:
    rows = []
    for i, v in enumerate(sorted(versions, key=lambda v: (v["valid_from"] or date.min, v["level"], v["code"])), 1):
        phys = physical.get((v["level"], v["code"])) if v["generation_from"] != "pre-2025" else None
        if v["level"] == "commune" and v["generation_from"] == "pre-2025":
            province = district_province[v["parent_code"]]
        else:
            province = v["parent_code"] or v["code"]
        row = {
            k: v.get(k)
            for k in (
                "code",
                "level",
                "type",
                "parent_code",
                "name",
                "full_name",
                "name_en",
                "full_name_en",
                "search_key",
                "generation_from",
            )
        }
        row.update(id=i, province_code=province, valid=(v["valid_from"], v["valid_to"]))
        if phys:
            row.update(
                {
                    k: phys[k]
                    for k in (
                        "geom",
                        "label_point",
                        "area_km2_computed",
                        "population",
                        "area_km2",
                        "admin_center",
                        "phone",
                        "website",
                        "before_merger",
                        "before_merger_detail",
                        "gis_server_id",
                        "flags",
                        "sources",
                    )
                }
            )
            # per version: a retyped unit (xã -> phường) is held to its new type's floor
            why = implausible_population(v["type"], row["population"], row["area_km2"])
            if why and "population" not in row["flags"]:
                row["flags"] = {**row["flags"], "population": why}
        elif v["generation_from"] != "pre-2025":
            row.update(flags={"geom": MISSING_REASON["geom"]}, sources={})
        else:
            row.update(flags={}, sources={})
        row["sources"] = dict(row.get("sources") or {}, name="unit list of the statistics office (upstream)")
        rows.append(row)
    return rows


def district_provinces(pre_reform: list[dict]) -> dict[str, str]:
    return {u["code"]: u["parent_code"] for u in pre_reform if u["level"] == "district"}


def check_consistency(src: Source, physical: dict) -> dict:
    """The post-reform lists share one set of units and boundaries: say where they do not."""

    def codes(units, level):
        return {u["code"] for u in units if u["level"] == level}

    out = {}
    for level in ("province", "commune"):
        reform, snap = codes(src.reform_units, level), codes(src.current_units, level)
        bounds = {code for (lv, code) in physical if lv == level}
        out[level] = {
            "only_in_2025_list": sorted(reform - snap),
            "only_in_snapshot": sorted(snap - reform),
            "without_boundary": sorted(snap - bounds),
            "boundary_without_unit": sorted(bounds - snap),
            "without_attribute_record": sorted(
                code for (lv, code), p in physical.items() if lv == level and "attributes" in p["flags"]
            ),
        }
    counts = Counter(p["gis_server_id"] for p in physical.values())
    out["duplicate_gis_ids"] = sorted(g for g, n in counts.items() if n > 1)
    return out
