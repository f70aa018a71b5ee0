"""Load part: the merger lineage (old unit versions -> new ones) and the old units' centres.

prepare: read vietnamadminunits, parse the official map's "before merger" texts, match names
         (etl/lineage_match.py) into candidate edges;
stage:   store the old centres, measure every candidate edge in PostGIS (old centre against the
         new polygon), decide by the rules of etl/lineage_decide.py, derive the district edges
         from their communes', add the later changes (retyped, renamed) of every new unit;
report:  the lineage section of the quality report.
Edges join unit versions (geo_stage.units.id), never codes: the reform reused codes."""

from __future__ import annotations

import time
from collections import defaultdict

import psycopg

from etl.lineage_decide import FAR_M, NEAR_M, decide, fallback, kinds_and_defaults, resolve_groups, signals
from etl.lineage_match import Matcher
from etl.lineage_vau import read_vau
from geodata.dates import REFORM_DAY

TABLES = ("legacy_centres", "lineage_edges")
REFORM = REFORM_DAY.isoformat()  # the reform generation's id (etl/generations.toml)


def prepare(settings, src, prep) -> dict:
    t0 = time.monotonic()
    vau = read_vau()
    m = Matcher(prep["rows"])
    preds = m.match_provinces(vau.provinces)
    m.match_communes(preds, vau)
    if len(m.old["commune"]) != 10_035 or len(m.new["commune"]) != 3_321:
        raise ValueError(
            f"lineage: expected 10,035 old and 3,321 new communes, got "
            f"{len(m.old['commune'])} and {len(m.new['commune'])}"
        )
    ids = {
        (r["generation_from"] == "pre-2025", r["level"], r["code"]): r["id"]
        for r in prep["rows"]
        if r["generation_from"] in ("pre-2025", REFORM)
    }
    return {"vau": vau, "matcher": m, "ids": ids, "seconds": round(time.monotonic() - t0, 1)}


def _old_id(data, key):
    return data["ids"][(True, key[0], key[1])]


def _new_id(data, key):
    return data["ids"][(False, key[0], key[1])]


def _stage_centres(conn: psycopg.Connection, data: dict) -> None:
    src = data["vau"].version + " (geocoded centre)"
    with conn.cursor().copy("COPY geo_stage.legacy_centres (unit_id, geom, source_geom, source) FROM STDIN") as copy:
        for (level, code), (lon, lat) in data["vau"].centres.items():
            uid = data["ids"].get((True, level, code))
            if uid is not None and lon is not None and lat is not None:
                point = f"SRID=4326;POINT({lon} {lat})"
                copy.write_row((uid, point, point, src))


MEASURE = """
SELECT c.old_id, c.new_id,
       CASE WHEN lc.geom IS NULL OR n.geom IS NULL THEN NULL
            WHEN ST_Covers(n.geom, lc.geom) THEN 0
            ELSE ST_Distance(n.geom::geography, lc.geom::geography) END
FROM lin_cand c JOIN geo_stage.units n ON n.id = c.new_id
LEFT JOIN geo_stage.legacy_centres lc ON lc.unit_id = c.old_id"""

CENTRE_IN = """
SELECT lc.unit_id, n.id FROM geo_stage.legacy_centres lc
JOIN geo_stage.units o ON o.id = lc.unit_id AND o.level = 'commune'
JOIN geo_stage.units n ON n.level = 'commune' AND n.generation_from = %s AND ST_Covers(n.geom, lc.geom)"""


def _measure(conn: psycopg.Connection, data: dict, cands: list) -> dict:
    """Distance in metres from each candidate's old centre to its new polygon (0 inside)."""
    conn.execute("CREATE TEMP TABLE lin_cand (old_id int, new_id int) ON COMMIT DROP")
    key_of = {}
    with conn.cursor().copy("COPY lin_cand (old_id, new_id) FROM STDIN") as copy:
        for c in cands:
            pair = (_old_id(data, c.old), _new_id(data, c.new))
            key_of[pair] = (c.old, c.new)
            copy.write_row(pair)
    out = {}
    for old_id, new_id, d in conn.execute(MEASURE):
        out[key_of[(old_id, new_id)]] = None if d is None else float(d)
    return out


def _centre_in(conn: psycopg.Connection, data: dict) -> dict:
    by_id = {v: k for k, v in data["ids"].items()}
    out = {}
    for old_id, new_id in conn.execute(CENTRE_IN, (REFORM,)):
        _, lvl, code = by_id[old_id]
        out[(lvl, code)] = ("commune", by_id[new_id][2])
    return out


# Old commune centres outside all of their successors: within MOVE_M moved to a point inside the
# successors near the closest one (the geocoder missed by a little), farther withheld (it is somewhere
# else: the Trường Sa units geocoded to Nha Trang). Either way flagged; such a centre decides nothing.
MOVE_M = 5_000
CENTRES_OUTSIDE = """
WITH outside AS (
  SELECT c.unit_id, c.geom FROM geo_stage.legacy_centres c
  JOIN geo_stage.units o ON o.id = c.unit_id AND o.level = 'commune'
  WHERE NOT EXISTS (SELECT 1 FROM geo_stage.lineage_edges e JOIN geo_stage.units n ON n.id = e.new_unit_id
                    WHERE e.old_unit_id = c.unit_id AND e.kind IN ('whole', 'part') AND ST_Covers(n.geom, c.geom))),
succ AS (
  SELECT o.unit_id, o.geom, ST_Union(n.geom) AS g FROM outside o
  JOIN geo_stage.lineage_edges e ON e.old_unit_id = o.unit_id AND e.kind IN ('whole', 'part')
  JOIN geo_stage.units n ON n.id = e.new_unit_id GROUP BY o.unit_id, o.geom),
measured AS (
  SELECT unit_id, geom, g, ST_Distance(g::geography, geom::geography) AS d FROM succ)
UPDATE geo_stage.legacy_centres lc SET
  geom = CASE WHEN m.d <= %(move)s THEN coalesce(
           ST_PointOnSurface(ST_Intersection(m.g, ST_Buffer(ST_ClosestPoint(m.g, m.geom)::geography, 250)::geometry)),
           ST_PointOnSurface(m.g)) END,
  flag = CASE WHEN m.d <= %(move)s THEN 'moved' ELSE 'withheld' END
     || format(': the source centre lies %%s km outside all of its successors', round((m.d / 1000)::numeric, 1))
FROM measured m WHERE m.unit_id = lc.unit_id
RETURNING lc.unit_id, m.d"""


def _check_centres(conn: psycopg.Connection, data: dict) -> None:
    by_id = {v: k for k, v in data["ids"].items()}
    out = []
    for uid, d in conn.execute(CENTRES_OUTSIDE, {"move": MOVE_M}).fetchall():
        out.append({"old": by_id[uid][2], "distance_m": round(d), "action": "moved" if d <= MOVE_M else "withheld"})
    data["centres_outside"] = sorted(out, key=lambda r: -r["distance_m"])


def _district_edges(m: Matcher, edges: list[dict]) -> list[dict]:
    """An old district's successors: where its communes went (plus the island districts named directly)."""
    by_district: dict[str, dict] = defaultdict(dict)
    whole_communes = defaultdict(lambda: True)
    for e in edges:
        if e["old"][0] == "commune":
            dcode = m.old["commune"][e["old"][1]]["parent_code"]
            d = by_district[dcode].setdefault(e["new"], {"sources": set(), "part": False})
            d["sources"] |= e["sources"]
            whole_communes[dcode] &= e["kind"] == "whole"
        elif e["old"][0] == "district":
            d = by_district[e["old"][1]].setdefault(e["new"], {"sources": set(), "part": False})
            d["sources"] |= e["sources"]
            d["part"] |= e["part"]
    out = []
    for dcode, news in by_district.items():
        whole = len(news) == 1 and whole_communes[dcode]
        for new, d in news.items():
            out.append(
                {
                    "old": ("district", dcode),
                    "new": new,
                    "sources": d["sources"],
                    "part": d["part"],
                    "distance": None,
                    "suspect": None,
                    "decision": None,
                    "evidence": None,
                    "kind": "whole" if whole and not d["part"] else "part",
                    "is_default": False,
                }
            )
    return out


def _later_changes(prep: dict) -> list[tuple]:
    """Consecutive post-reform versions of one code: retyped or renamed, with the instrument."""
    gens = {g.id: g for g in prep["generations"]}
    by_code = defaultdict(list)
    for r in prep["rows"]:
        if r["generation_from"] != "pre-2025":
            by_code[(r["level"], r["code"])].append(r)
    out = []
    for (level, code), versions in by_code.items():
        versions.sort(key=lambda r: r["valid"][0])
        for a, b in zip(versions, versions[1:]):
            kind = "retyped" if a["type"] != b["type"] else "renamed" if a["name"] != b["name"] else None
            if kind is None:
                continue
            g = gens[b["generation_from"]]
            rec = next((c for c in g.changes if c["code"] == code and c["level"] == level), None)
            instrument = rec["instrument"] if rec else g.legal_basis
            source = "amendments" if rec else "unit_lists"
            out.append(
                (
                    a["id"],
                    b["id"],
                    kind,
                    level,
                    [source],
                    1,
                    True,
                    None,
                    None,
                    None,
                    b["valid"][0],
                    instrument,
                    f"{source}: {instrument}",
                )
            )
    return out


def stage(conn: psycopg.Connection, data: dict, prep: dict) -> None:
    t0 = time.monotonic()
    m: Matcher = data["matcher"]
    _stage_centres(conn, data)
    centre_in = _centre_in(conn, data)
    support = defaultdict(set)  # where the package and the old centre put an old commune: where to look
    for c in m.cands.values():
        if "vietnamadminunits" in c.sources and c.old[0] == "commune":
            support[c.old].add(c.new[1])
    for old, new in centre_in.items():
        support[old].add(new[1])
    m.spelling_variants(support)
    cands = list(m.cands.values())
    dist = _measure(conn, data, cands)
    notes = resolve_groups(cands, dist)
    vau_succ = defaultdict(set)
    for c in cands:
        if "vietnamadminunits" in c.sources:
            vau_succ[c.old].add(c.new[1])
    edges, disagreements = decide(cands, dist, vau_succ)
    mapped = {e["old"] for e in edges}
    missing = [("commune", code) for code in m.old["commune"] if ("commune", code) not in mapped]
    extra, notes5 = fallback(missing, centre_in)
    edges += extra
    named = defaultdict(set)  # new commune -> old communes its texts name
    for c in cands:
        if c.old[0] == "commune" and c.sources & {"map_text", "map_detail"}:
            named[c.new].add(c.old[1])
    district = {code: u["parent_code"] for code, u in m.old["commune"].items()}

    def neighbours(old, new) -> int:
        return sum(1 for o in named[new] if o != old[1] and district.get(o) == district.get(old[1]))

    kinds_and_defaults(edges, centre_in, neighbours)
    per_old = defaultdict(int)
    for e in edges:
        per_old[e["old"]] += 1
    split_one = [
        {"old": e["old"][1], "new": e["new"][1]}
        for e in edges
        if e["old"][0] == "commune" and e["part"] and per_old[e["old"]] == 1
    ]
    edges = [e for e in edges if e["old"][0] != "district"] + _district_edges(m, edges)
    data.update(disagreements=notes + disagreements + notes5, split_marked_one_successor=split_one)
    reform = next(g for g in prep["generations"] if g.id == REFORM)
    rows = [
        (
            _old_id(data, e["old"]),
            _new_id(data, e["new"]),
            e["kind"],
            e["old"][0],
            sorted(e["sources"]),
            signals(e["sources"]),
            e["is_default"],
            e["distance"],
            e["suspect"],
            e["decision"],
            reform.valid_from,
            reform.legal_basis,
            e["evidence"],
        )
        for e in edges
    ]
    rows += _later_changes(prep)
    with conn.cursor().copy(
        "COPY geo_stage.lineage_edges (old_unit_id, new_unit_id, kind, old_level, sources, signals, is_default, "
        "centre_distance_m, suspect, decision, effective, instrument, evidence) FROM STDIN"
    ) as copy:
        for r in rows:
            copy.write_row(r)
    conn.execute("ANALYZE geo_stage.lineage_edges")
    _check_centres(conn, data)
    data["stage_seconds"] = round(time.monotonic() - t0, 1)


BY_KIND = "SELECT old_level, kind, count(*) FROM {s}.lineage_edges GROUP BY 1, 2 ORDER BY 1, 2"
BY_SIGNALS = """SELECT old_level, signals, count(*) FROM {s}.lineage_edges WHERE kind IN ('whole', 'part')
                GROUP BY 1, 2 ORDER BY 1, 2"""
NO_SUCCESSOR = """SELECT u.level, u.code, u.full_name FROM {s}.units u
WHERE u.generation_from = 'pre-2025' AND NOT EXISTS (SELECT 1 FROM {s}.lineage_edges e WHERE e.old_unit_id = u.id)
ORDER BY u.level, u.code"""
NO_PREDECESSOR = """SELECT u.level, u.code, u.full_name FROM {s}.units u
WHERE u.generation_from = %s AND NOT EXISTS (SELECT 1 FROM {s}.lineage_edges e WHERE e.new_unit_id = u.id)
ORDER BY u.level, u.code"""
SUSPECTS = """SELECT o.level, o.code, o.full_name, n.code, n.full_name, e.kind, e.sources, e.centre_distance_m,
    e.suspect
FROM {s}.lineage_edges e JOIN {s}.units o ON o.id = e.old_unit_id JOIN {s}.units n ON n.id = e.new_unit_id
WHERE e.suspect IS NOT NULL ORDER BY e.centre_distance_m DESC NULLS LAST"""
WITH_SUCCESSOR = """SELECT count(DISTINCT e.old_unit_id) FROM {s}.lineage_edges e JOIN {s}.units o ON o.id =
    e.old_unit_id
WHERE o.level = 'commune' AND o.generation_from = 'pre-2025'"""


def report(conn: psycopg.Connection, schema: str, data: dict) -> dict:
    q = lambda sql, *a: conn.execute(sql.format(s=schema), a or None).fetchall()  # noqa: E731
    by_kind = defaultdict(dict)
    for lvl, kind, n in q(BY_KIND):
        by_kind[lvl][kind] = n
    by_signals = defaultdict(dict)
    for lvl, k, n in q(BY_SIGNALS):
        by_signals[lvl][str(k)] = n
    no_succ = [{"level": lvl, "code": c, "name": n} for lvl, c, n in q(NO_SUCCESSOR)]
    no_pred = [{"level": lvl, "code": c, "name": n} for lvl, c, n in q(NO_PREDECESSOR, REFORM)]
    suspects = [
        {
            "level": lvl,
            "old": oc,
            "old_name": on,
            "new": nc,
            "new_name": nn,
            "kind": k,
            "sources": s,
            "distance_m": None if d is None else round(d),
            "why": why,
        }
        for lvl, oc, on, nc, nn, k, s, d, why in q(SUSPECTS)
    ]
    with_succ = q(WITH_SUCCESSOR)[0][0]
    dis = data.get("disagreements", [])
    by_rule = defaultdict(int)
    for d in dis:
        by_rule[d["decision"].split(":")[0] if d["rule"].startswith("R") and ":" in d["decision"] else d["rule"]] += 1
    two_plus = sum(n for lvl in by_signals.values() for k, n in lvl.items() if int(k) >= 2)
    m: Matcher = data["matcher"]
    centres = data.get("centres_outside", [])
    moved = sum(c["action"] == "moved" for c in centres)
    far = sum(c["distance_m"] > MOVE_M for c in centres)
    summary = [
        f"lineage: old communes with a successor {with_succ:,} of {len(m.old['commune']):,}",
        "  edges by kind: "
        + "; ".join(f"{lvl} " + ", ".join(f"{k} {n:,}" for k, n in ks.items()) for lvl, ks in by_kind.items()),
        "  merger edges by signals (text, vietnamadminunits, geometry): "
        + "; ".join(f"{lvl} " + ", ".join(f"{k}: {n:,}" for k, n in ks.items()) for lvl, ks in by_signals.items())
        + f" (2+ signals: {two_plus:,})",
        f"  disagreements: {len(dis)} (" + ", ".join(f"{k} {n}" for k, n in sorted(by_rule.items())) + ")",
        f"  suspect edges (geometric check): {len(suspects)}; old units without successor: {len(no_succ)}; "
        f"new units without predecessor: {len(no_pred)}",
        f"  old commune centres outside all of their successors: {len(centres)} ({moved} moved inside, "
        f"{len(centres) - moved} withheld; {far} of them more than {MOVE_M // 1000} km out)",
    ]
    return {
        "summary": summary,
        "thresholds_m": {"geometry_supports": NEAR_M, "suspect": FAR_M},
        "old_communes_with_successor": with_succ,
        "old_communes": len(m.old["commune"]),
        "edges_by_kind": by_kind,
        "merger_edges_by_signals": by_signals,
        "edges_with_2plus_signals": two_plus,
        "disagreements": {"count": len(dis), "by_decision": dict(by_rule), "list": dis},
        "disagreements_with_package": {
            "note": "every edge where vietnamadminunits and the official texts differ, and how it was decided",
            "list": [d for d in dis if d["rule"] in ("R2", "R3") or "vietnamadminunits" in d["decision"]],
        },
        "centres_outside_successors": {
            "count": len(centres),
            "moved": moved,
            "withheld": len(centres) - moved,
            "more_than_5_km": far,
            "list": centres,
        },
        "suspect_edges": {"count": len(suspects), "list": suspects},
        "old_units_without_successor": {"count": len(no_succ), "list": no_succ},
        "new_units_without_predecessor": {"count": len(no_pred), "list": no_pred},
        "split_marked_in_text_with_one_successor": data.get("split_marked_one_successor", []),
        "text_names_not_matched": {"count": len(m.unmatched), "list": m.unmatched},
        "text_names_matched_by_spelling_similarity": m.fuzzy,
        "sources": {
            "vietnamadminunits": data["vau"].version,
            "vietnamadminunits_unresolved_keys": data["vau"].unresolved,
        },
        "seconds": {"prepare": data["seconds"], "stage": data.get("stage_seconds")},
    }
