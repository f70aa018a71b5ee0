"""Decide the lineage edges from the candidates: the rules that reconcile the three signals.

Signals: the official map's text (a05_truocsn / truocsapnhap; official but rarely marks splits),
vietnamadminunits' mapping (marks splits and a default successor, but its name keys collide),
and geometry (the old unit's centre against the new polygon; centres are geocoded, so a far
centre casts doubt, it does not prove).

The official texts are the authority: every edge is named by one of them (and says which, `evidence`);
the package and geometry only support an edge or flag it. Rules, in order (each disagreement is listed
with the rule that decided it):
  R1 text and vietnamadminunits agree: accepted (a far centre only marks it suspect).
  R2 text only: accepted, the official map is the legal description; listed as a disagreement
     when vietnamadminunits sends the old unit elsewhere; suspect if the centre is far. Except
  R2b text only, matched without its exact spelling (folded or a close spelling), centre farther than
     FAR_M, and the old unit has another text-named successor near its centre: rejected, the text names
     a similarly spelt unit (Ea Bar for Ea Bá).
  R3 vietnamadminunits only: not an edge (no official text names it); listed with the centre's distance.
  R4 an ambiguous name in a text (the same old name in several districts): the alternative with
     other support, else the one whose centre is nearest, is kept.
  R5 no text names a successor: the new commune containing the old centre, flagged (none on the 2025 data).
  R6 the text names the old commune in another spelling (Can Hồ for Kan Hồ, Nông trường Phong Hải for
     N.T Phong Hải, Chơ GLong for Chơ Long), found among the texts of the new communes the package or the
     old centre points to, or a whole old district named ("Huyện Kiên Hải"): accepted, the text quoted.
Kind: part when an old unit has several successors or the text says only part of it went there;
whole otherwise. Default successor of a split, among the text-named ones: the only one the text names
without "part" (một phần, phần còn lại), else the one that kept the old unit's code, else
vietnamadminunits' default, else the one containing the old centre (a centre outside all successors
decides nothing), else the best supported. Each default says which of these chose it.
"""

from __future__ import annotations

from collections import defaultdict

NEAR_M = 2_000  # centre this close to the polygon: geometry supports the edge
FAR_M = 10_000  # centre farther than this: the edge is suspect (vietnamadminunits-only: rejected)
TEXT = {"map_text", "map_detail"}
VAU = "vietnamadminunits"


def signals(sources: set[str]) -> int:
    return bool(sources & TEXT) + (VAU in sources) + ("geometry" in sources)


def _km(d: float | None) -> str:
    return "no centre" if d is None else f"{d / 1000:.1f} km"


def resolve_groups(cands: list, dist: dict) -> list[dict]:
    """R4: keep one alternative per ambiguous text mention; drop the others from `cands`."""
    groups = defaultdict(list)
    for c in cands:
        if c.group is not None:
            groups[c.group].append(c)
    notes, drop = [], set()
    for alts in groups.values():

        def score(c):
            d = dist.get((c.old, c.new))
            return (len(c.sources - TEXT), -(d if d is not None else 1e12))

        best = max(alts, key=score)
        for c in alts:
            if c is not best:
                drop.add(id(c))
        if len(alts) < 2:
            continue
        notes.append(
            {
                "rule": "R4",
                "old": best.old[1],
                "new": best.new[1],
                "alternatives": sorted(c.old[1] for c in alts if c is not best),
                "decision": f"ambiguous name: kept old {best.old[1]} (centre {_km(dist.get((best.old, best.new)))} "
                f"from the polygon), dropped {len(alts) - 1} same-named unit(s)",
            }
        )
    cands[:] = [c for c in cands if id(c) not in drop]
    return notes


def decide(cands: list, dist: dict, vau_succ: dict) -> tuple[list[dict], list[dict]]:
    """Accepted edges {old, new, sources, part, default, distance, suspect, decision} and the disagreements."""
    edges, disagreements = [], []
    well_placed = set()  # old units with a text-named successor near their centre
    for c in cands:
        d = dist.get((c.old, c.new))
        if d is not None and d <= NEAR_M and c.sources & TEXT:
            well_placed.add(c.old)
    for c in cands:
        d = dist.get((c.old, c.new))
        sources = set(c.sources)
        if d is not None and d <= NEAR_M:
            sources.add("geometry")
        far = d is not None and d > FAR_M
        e = {
            "old": c.old,
            "new": c.new,
            "sources": sources,
            "part": c.part,
            "default": c.default,
            "distance": d,
            "suspect": None,
            "decision": None,
            "evidence": "; ".join(sorted(c.evidence)) or None,
        }
        text, vau = bool(sources & TEXT), VAU in sources
        if text and vau:  # R1
            if far:
                e["suspect"] = f"centre {_km(d)} from the polygon although both sources agree (centre misplaced?)"
        elif text and far and c.loose and c.old in well_placed:  # R2b
            disagreements.append(
                {
                    "rule": "R2b",
                    "old": c.old[1],
                    "new": c.new[1],
                    "level": c.old[0],
                    "sources": sorted(sources),
                    "distance_m": d,
                    "decision": f"R2b rejected: the map text's name matched only without its exact "
                    f"spelling, centre {_km(d)} from the polygon, and another text "
                    f"places the old unit near its centre (a similarly spelt unit)",
                }
            )
            continue
        elif text:  # R2
            if far:
                e["suspect"] = f"centre {_km(d)} from the polygon; only the map text names this edge"
            elsewhere = vau_succ.get(c.old)
            if c.old[0] == "commune" and elsewhere:
                e["decision"] = (
                    f"R2 accepted: the official map text names it; vietnamadminunits maps the old unit "
                    f"to {', '.join(sorted(elsewhere))}"
                )
        elif vau:  # R3
            disagreements.append(
                {
                    "rule": "R3",
                    "old": c.old[1],
                    "new": c.new[1],
                    "level": c.old[0],
                    "sources": sorted(sources),
                    "distance_m": d,
                    "decision": f"R3 rejected: only vietnamadminunits names it, no official text "
                    f"does (centre {_km(d)} from the polygon"
                    f"{'' if d is None or d > NEAR_M else '; geometry would support it'})",
                }
            )
            continue
        if getattr(c, "variant", None) and not e["decision"]:  # R6: the text spells the old name otherwise
            e["decision"] = f"R6 accepted: {c.variant}"
        if e["decision"]:
            disagreements.append(
                {
                    "rule": e["decision"][:2],
                    "old": c.old[1],
                    "new": c.new[1],
                    "level": c.old[0],
                    "sources": sorted(sources),
                    "distance_m": d,
                    "decision": e["decision"],
                }
            )
        edges.append(e)
    return edges, disagreements


def fallback(old_ids_without: list[tuple], centre_in: dict) -> tuple[list[dict], list[dict]]:
    """R5: old units no source maps, placed by the new commune containing their centre."""
    edges, notes = [], []
    for old in old_ids_without:
        new = centre_in.get(old)
        if new is None:
            notes.append(
                {
                    "rule": "R5",
                    "old": old[1],
                    "new": None,
                    "level": old[0],
                    "decision": "no successor: no source names one and its centre is in no new commune",
                }
            )
            continue
        edges.append(
            {
                "old": old,
                "new": new,
                "sources": {"geometry"},
                "part": False,
                "default": True,
                "distance": 0.0,
                "suspect": "only the geometric signal",
                "decision": "R5 centre inside",
                "evidence": None,
            }
        )
        notes.append(
            {
                "rule": "R5",
                "old": old[1],
                "new": new[1],
                "level": old[0],
                "decision": "R5: no source names a successor; the new commune containing its centre",
            }
        )
    return edges, notes


def kinds_and_defaults(edges: list[dict], centre_in: dict, neighbours=lambda old, new: 0) -> None:
    """Set kind and the default successor per old unit; the default's `decision` says what chose it.
    `neighbours(old, new)`: how many other communes of the old unit's district the new unit's text names."""
    by_old = defaultdict(list)
    for e in edges:
        by_old[e["old"]].append(e)
    for old, es in by_old.items():
        split = len(es) > 1
        for e in es:
            e["kind"] = "part" if split or e["part"] else "whole"
            e["is_default"] = not split
        if not split:
            continue
        # The package's default is overruled only when its text names no other commune of the old unit's
        # district and another successor's text does: the package's name keys collided (Hòa Bình of Kim
        # Thành sent to Hà Nam, whose text names the communes of another district).
        most = max(neighbours(old, e["new"]) for e in es)
        isolated = any(e["default"] and neighbours(old, e["new"]) == 0 for e in es)
        rules = (
            ("the only successor the official text names without 'part'", [e for e in es if not e["part"]]),
            ("the successor that kept the old code", [e for e in es if e["new"][1] == old[1]]),
            (
                "the successor whose text names other communes of its district (vietnamadminunits' default names none)",
                [e for e in es if isolated and most and neighbours(old, e["new"]) == most],
            ),
            ("vietnamadminunits' default", [e for e in es if e["default"]]),
            ("the successor containing the old centre", [e for e in es if centre_in.get(old) == e["new"]]),
        )
        why, best = next(((why, pick[0]) for why, pick in rules if len(pick) == 1), (None, None))
        if best is None:
            why = "the best supported successor"
            best = max(es, key=lambda e: (signals(e["sources"]), -(e["distance"] or 0), e["new"][1]))
        best["is_default"] = True
        best["decision"] = "; ".join(x for x in (best["decision"], f"default: {why}") if x)
