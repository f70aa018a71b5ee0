"""Old addresses (63 provinces, districts, 10,035 communes) to the new units, in memory.

The parser (geodata.lineage.address_parse) finds the old units in the address index (geodata.lineage.address_index);
the successors come from the lineage edges stored in that index, the new units' names on the date from
the lookup snapshot, and a point resolves a split commune through the point index. No database query."""

from __future__ import annotations

from datetime import date

from geodata.errors import InvalidInput
from geodata.lineage.address_index import AddressIndex, OldUnit
from geodata.lineage.address_parse import parse
from geodata.lookup.point import Snapshot


def check_point(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput("give both lat and lon, or neither", parameter="lat" if lat is None else "lon")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"lat/lon out of range: {lat}, {lon}", parameter="lat")


def old_json(ix: AddressIndex, u: OldUnit | None) -> dict | None:
    if u is None:
        return None
    out = {"code": u.code, "name": u.name, "full_name": u.full_name, "type": u.type, "level": u.level}
    if u.level == "commune":
        d = ix.unit("district", u.parent)
        out["district"] = {"code": d.code, "full_name": d.full_name}
    if u.level != "province":
        p = ix.unit("province", u.province)
        out["province"] = {"code": p.code, "full_name": p.full_name}
    return out


def new_address(street: str | None, unit: dict) -> str:
    """The official two-level form: street kept, then the commune and the province."""
    return ", ".join(x for x in (street, unit["full_name"], unit["province"]["full_name"]) if x)


class Converter:
    """Converts against one snapshot (point index + new units by date) and its address index."""

    def __init__(self, snap: Snapshot, ix: AddressIndex):
        self.snap, self.ix = snap, ix
        self._successors: dict[tuple[int, str], list[dict]] = {}
        self._old: dict[int, dict] = {}
        self._position = {c: k for k, c in enumerate(snap.index.codes)}

    def successors(self, i: int, day: str) -> list[dict]:
        """The successors of old commune i on `day`, in order (default first), as answered."""
        key = (i, day)
        got = self._successors.get(key)
        if got is None:
            got = []
            for s in self.ix.successors.get(i, ()):
                u = self.snap.unit_on("commune", s.code, day)
                if u is None:
                    continue
                p = self.snap.unit_on("province", u["province_code"], day) or {}
                got.append(
                    {
                        "code": u["code"],
                        "name": u["name"],
                        "full_name": u["full_name"],
                        "type": u["type"],
                        "province": {
                            "code": u["province_code"],
                            "name": p.get("name"),
                            "full_name": p.get("full_name"),
                            "type": p.get("type"),
                        },
                        "kind": s.kind,
                        "default": s.default,
                        "sources": s.sources,
                        "evidence": s.evidence,
                    }
                )
            if len(self._successors) > 200_000:
                self._successors.clear()
            self._successors[key] = got
        return got

    def matched(self, i: int) -> dict:
        got = self._old.get(i)
        if got is None:
            u = self.ix.units[i]
            got = self._old[i] = {
                "province": old_json(self.ix, self.ix.unit("province", u.province)),
                "district": old_json(self.ix, self.ix.unit("district", u.parent)),
                "commune": old_json(self.ix, u),
            }
        return got

    def covering(self, lat: float, lon: float) -> set[str]:
        codes = self.snap.index.codes
        return {codes[k] for k in self.snap.index.lookup_all(lon, lat)}

    def convert(
        self, address: str, lat: float | None = None, lon: float | None = None, as_of: date | None = None
    ) -> dict:
        check_point(lat, lon)
        reform = self.snap.reform_day  # the new units exist from the reform on (the loaded data's day)
        d = max(as_of or reform, reform)
        day = d.isoformat()
        p = parse(self.ix, address)
        cands, notes = p.communes, list(p.notes)
        inside: set[str] | None = None
        if lat is not None:
            inside = self.covering(lat, lon)
        if len(cands) > 1 and inside:
            keep = [c for c in cands if {s.code for s in self.ix.successors.get(c, ())} & inside]
            if len(keep) == 1:
                notes.append(
                    f"{len(cands)} old communes have this name; the point picks the one in "
                    f"{self.ix.unit('district', self.ix.units[keep[0]].parent).full_name}"
                )
                cands = keep
        base = {"address": address, "street": p.street, "as_of": day}
        if len(cands) > 1:
            first = self.ix.units[cands[0]]
            where = (
                f" in {p.districts[0].full_name}"
                if len(p.districts) == 1
                else f" in {p.province.full_name}"
                if p.province
                else ""
            )
            return base | {
                "status": "ambiguous",
                "split": None,
                "resolved_by": None,
                "results": [],
                "new_address": None,
                "notes": notes,
                "detail": f"{len(cands)} old communes fit {first.full_name!r}{where}; give the district (or lat/lon)",
                "matched_old": {
                    "province": old_json(self.ix, p.province),
                    "district": old_json(self.ix, p.districts[0]) if len(p.districts) == 1 else None,
                    "commune": None,
                },
                "candidates": [
                    self.matched(c)["commune"] | {"successors": [s.code for s in self.ix.successors.get(c, ())]}
                    for c in cands
                ],
            }
        old = cands[0]
        succ = self.successors(old, day)
        split = len(succ) > 1
        resolved_by = "single" if not split else "default"
        order = succ
        if split and inside is not None:
            hit = [s for s in succ if s["code"] in inside]
            if hit:
                resolved_by, order = "point", hit + [s for s in succ if s not in hit]
            else:
                notes.append("the point lies in none of the successors; the default first")
        results = [s | {"new_address": new_address(p.street, s)} for s in order]
        return base | {
            "status": "ok",
            "split": split,
            "resolved_by": resolved_by,
            "notes": notes,
            "matched_old": self.matched(old),
            "results": results,
            "new_address": results[0]["new_address"] if results else None,
        }
