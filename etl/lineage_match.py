"""Match the names in the "before merger" texts to old unit versions: candidate lineage edges.

Names are matched only among the old units of the old provinces that formed the new unit's
province, first exactly (folded: diacritics, case and tone placement ignored), then loosely
(spelling variants such as Xín/Sín Chải). A district hint "(huyện Đức Hòa)" narrows the choice;
so does the written type (Xã Hiệp Hòa vs Thị trấn Hiệp Hòa), the new unit's own code (3,316 new
codes reuse a predecessor's) and the district most other names of the same text come from.
What is still ambiguous is kept as a group of alternatives for the geometric check to decide."""
from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from etl.lineage_text import COMMUNE_TYPES, DISTRICT_TYPES, Item, exact_key, loose_key, name_key, parse

TEXT_SOURCES = {"before_merger": "map_text", "before_merger_detail": "map_detail"}
FUZZY_CUTOFF = 0.8
PROVINCE_ALIASES = {"tphcm": "ho chi minh", "tp hcm": "ho chi minh", "hcm": "ho chi minh", "thu do ha noi": "ha noi"}


@dataclass
class Candidate:
    old: tuple[str, str]                  # (level, code) of the old unit
    new: tuple[str, str]                  # (level, code) of the new unit (2025-07-01 version)
    sources: set[str] = field(default_factory=set)
    part: bool = False                    # the text marks only part of the old unit as going here
    default: bool | None = None           # vietnamadminunits' default successor of a split unit
    group: int | None = None              # alternatives for one ambiguous name: keep the best one
    evidence: set[str] = field(default_factory=set)   # the official texts naming the edge, as written
    loose: bool = False                   # the text's name matched only without diacritics or by spelling


class Index:
    """Old units of a set of provinces, by exact and loose name."""

    def __init__(self, units: list[dict]):
        self.spelt, self.exact, self.loose = defaultdict(list), defaultdict(list), defaultdict(list)
        for u in units:
            k = name_key(u["name"])
            self.spelt[exact_key(u["name"])].append(u)
            self.exact[k].append(u)
            self.loose[loose_key(k)].append(u)

    def find(self, key: str, fuzzy: list | None = None, spelt: str | None = None) -> list[dict]:
        """Units named `spelt` with its diacritics; only when none, by the folded `key`, then loosely.
        (Folding first made Minh Quán and Minh Quân of one district one name.)"""
        if spelt and self.spelt.get(spelt):
            return self.spelt[spelt]
        if fuzzy is not None:
            fuzzy.append(None)   # marks a match without the exact spelling
        hits = self.exact.get(key) or self.loose.get(loose_key(key))
        if hits or fuzzy is None:
            return hits or []
        # Last resort, one close spelling only (Sủng Cháng/Sủng Tráng): the geometric check vets it.
        close = difflib.get_close_matches(loose_key(key), self.loose.keys(), n=2, cutoff=FUZZY_CUTOFF)
        if len(close) == 1 and re.findall(r"\d+", close[0]) == re.findall(r"\d+", key):  # Hòa Tú 2 is not Hòa Tú 1
            fuzzy[-1] = (key, close[0])
            return self.loose[close[0]]
        return []


class Matcher:
    def __init__(self, rows: list[dict]):
        self.old = {lvl: {} for lvl in ("province", "district", "commune")}
        self.new = {lvl: {} for lvl in ("province", "commune")}
        for r in rows:
            if r["generation_from"] == "pre-2025":
                self.old[r["level"]][r["code"]] = r
            elif r["generation_from"] == "2025-07-01":
                self.new[r["level"]][r["code"]] = r
        self.cands: dict[tuple, Candidate] = {}
        self.unmatched: list[dict] = []
        self.groups = 0
        self.fuzzy: list[tuple[str, str]] = []

    def add(self, old, new, source, part=False, default=None, group=None, evidence=None, loose=False) -> None:
        c = self.cands.setdefault((old, new), Candidate(old, new))
        c.sources.add(source)
        if evidence:
            c.evidence.add(evidence)
            c.loose = loose if len(c.evidence) == 1 else (c.loose and loose)
        c.part |= part
        if default is not None:
            c.default = default
        if group is not None and c.group is None and len(c.sources) == 1:
            c.group = group
        elif group is None:
            c.group = None   # an unambiguous mention beats membership of a group

    # --- provinces -------------------------------------------------------------------------
    def match_provinces(self, vau_provinces) -> dict[str, set[str]]:
        idx = Index(list(self.old["province"].values()))
        for code, p in self.new["province"].items():
            for field_, source in TEXT_SOURCES.items():
                items, unchanged, _ = parse(p.get(field_))
                if unchanged:
                    items = [Item(name=p["name"], key=name_key(p["name"]), raw=p.get(field_) or "",
                                  exact=exact_key(p["name"]))]
                for it in items:
                    hits = idx.find(PROVINCE_ALIASES.get(it.key, it.key), spelt=it.exact)
                    if len(hits) == 1:
                        self.add(("province", hits[0]["code"]), ("province", code), source,
                                 evidence=_evidence(field_, p, it))
                    else:
                        self._unmatched(p, source, it, hits)
        for old, new in vau_provinces:
            self.add(("province", old), ("province", new), "vietnamadminunits")
        preds: dict[str, set[str]] = defaultdict(set)
        for c in self.cands.values():
            if c.old[0] == "province":
                preds[c.new[1]].add(c.old[1])
        return preds

    # --- communes --------------------------------------------------------------------------
    def match_communes(self, province_preds: dict[str, set[str]], vau) -> None:
        by_prov = defaultdict(list)
        for u in self.old["commune"].values():
            by_prov[u["province_code"]].append(u)
        dist_by_prov = defaultdict(list)
        for d in self.old["district"].values():
            dist_by_prov[d["parent_code"]].append(d)
        new_by_prov = defaultdict(list)
        for n in self.new["commune"].values():
            new_by_prov[n["parent_code"]].append(n)
        for pcode, olds in province_preds.items():
            communes = Index([u for o in olds for u in by_prov[o]])
            districts = Index([d for o in olds for d in dist_by_prov[o]])
            news = Index(new_by_prov[pcode])
            for n in new_by_prov[pcode]:
                for field_, source in TEXT_SOURCES.items():
                    self._match_text(n, n.get(field_), source, communes, districts, news)
        for old, new, default in vau.communes:
            self.add(("commune", old), ("commune", new), "vietnamadminunits", default=default)
        for old, new in vau.districts:
            self.add(("district", old), ("commune", new), "vietnamadminunits")

    def _match_text(self, n, text, source, communes: Index, districts: Index, news: Index) -> None:
        items, unchanged, skipped = parse(text)
        if unchanged:
            items = [Item(name=n["name"], key=name_key(n["name"]), raw=text or "", exact=exact_key(n["name"]))]
        field_ = next(f for f, s in TEXT_SOURCES.items() if s == source)
        resolved = []
        for it in items:
            if it.type in DISTRICT_TYPES and not it.district:
                hits = districts.find(it.key, spelt=it.exact)
                if len(hits) == 1:   # a whole old district (the island districts) in one new commune
                    self.add(("district", hits[0]["code"]), ("commune", n["code"]), source, part=it.part,
                             evidence=_evidence(field_, n, it))
                    continue
            fuzzy: list = []
            hits = self._narrow(communes.find(it.key, fuzzy, spelt=it.exact), it, n, districts)
            self.fuzzy.extend({"new": n["code"], "source": source, "text": it.name, "matched": h["full_name"],
                               "old": h["code"]} for f in fuzzy if f for h in hits)
            resolved.append((it, hits, bool(fuzzy)))
        context = Counter(h[0]["parent_code"] for _, h, _ in resolved if len(h) == 1)
        for it, hits, loose in resolved:
            if len(hits) > 1 and context:
                best = max(context[h["parent_code"]] for h in hits)
                if best:
                    hits = [h for h in hits if context[h["parent_code"]] == best]
            if not hits:
                self._unmatched(n, source, it, hits)
                continue
            group = None
            if len(hits) > 1:
                self.groups += 1
                group = self.groups
            ev = _evidence(field_, n, it)
            for h in hits:
                self.add(("commune", h["code"]), ("commune", n["code"]), source, part=it.part, group=group,
                         evidence=ev, loose=loose)
                for t, key in it.into:   # "(phần còn lại sau khi sáp nhập vào phường X)": X took the rest
                    for x in news.find(key):
                        self.add(("commune", h["code"]), ("commune", x["code"]), source, part=True, group=group,
                                 evidence=ev, loose=loose)
        for s in skipped:
            self.unmatched.append({"new": n["code"], "new_name": n["full_name"], "source": source,
                                   "text": s, "why": "below commune level (village)"})

    @staticmethod
    def _narrow(hits: list[dict], it: Item, n: dict, districts: Index) -> list[dict]:
        if it.district and len(hits) > 1:
            ds = {d["code"] for d in districts.find(it.district)}
            hits = [h for h in hits if h["parent_code"] in ds] or hits
        if it.type in COMMUNE_TYPES and len(hits) > 1:
            hits = [h for h in hits if h["type"] == it.type] or hits
        if len(hits) > 1:
            same_code = [h for h in hits if h["code"] == n["code"]]
            hits = same_code or hits
        return hits

    def _unmatched(self, n, source, it, hits) -> None:
        self.unmatched.append({"new": n["code"], "new_name": n["full_name"], "source": source, "text": it.name,
                               "why": "several old units fit" if hits else "no old unit of that name in the old provinces"})


def _evidence(field_: str, unit: dict, it: Item) -> str:
    """Which official text names the edge, and the words it uses."""
    where = "truocsapnhap, sapnhapbando_geo_objects.sql" if field_ == "before_merger_detail" else "a05_truocsn"
    return f"{unit['full_name']} ({unit['code']}), {where}: {it.raw or it.name!r}"
