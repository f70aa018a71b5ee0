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
from geodata.dates import REFORM_DAY

TEXT_SOURCES = {"before_merger": "map_text", "before_merger_detail": "map_detail"}
FUZZY_CUTOFF = 0.8
SPELLING_CUTOFF = 0.6  # an unnamed old commune against the names in its likely successor's text
PROVINCE_ALIASES = {"tphcm": "ho chi minh", "tp hcm": "ho chi minh", "hcm": "ho chi minh", "thu do ha noi": "ha noi"}


@dataclass
class Candidate:
    old: tuple[str, str]  # (level, code) of the old unit
    new: tuple[str, str]  # (level, code) of the new unit (2025-07-01 version)
    sources: set[str] = field(default_factory=set)
    part: bool = False  # the text marks only part of the old unit as going here
    default: bool | None = None  # vietnamadminunits' default successor of a split unit
    group: int | None = None  # alternatives for one ambiguous name: keep the best one
    evidence: set[str] = field(default_factory=set)  # the official texts naming the edge, as written
    loose: bool = False  # the text's name matched only without diacritics or by spelling
    variant: str | None = None  # the text spells the old name otherwise: how (rule R6)


class Index:
    """Old units of a set of provinces, by exact and loose name."""

    def __init__(self, units: list[dict]):
        self.spelt, self.exact, self.loose = defaultdict(list), defaultdict(list), defaultdict(list)
        for u in units:
            k = name_key(u["name"])
            self.spelt[exact_key(u["name"])].append(u)
            self.exact[k].append(u)
            self.loose[loose_key(k)].append(u)

    def find(
        self, key: str, fuzzy: list | None = None, spelt: str | None = None, type_: str | None = None
    ) -> list[dict]:
        """Units named `spelt` with its diacritics; only when none, by the folded `key`, then loosely.
        (Folding first made Minh Quán and Minh Quân of one district one name.) A written type counts
        before the diacritics: "Thị trấn Thạnh An" is the thị trấn Thanh An, not the xã Thạnh An."""
        if spelt and self.spelt.get(spelt):
            hits = self.spelt[spelt]
            if type_ in COMMUNE_TYPES and all(h["type"] != type_ for h in hits):
                typed = [h for h in self.exact.get(key, ()) if h["type"] == type_]
                if typed:
                    return typed
            return hits
        if fuzzy is not None:
            fuzzy.append(None)  # marks a match without the exact spelling
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
            elif r["generation_from"] == REFORM_DAY.isoformat():  # the reform generation's id
                self.new[r["level"]][r["code"]] = r
        self.cands: dict[tuple, Candidate] = {}
        self.unmatched: list[dict] = []
        self.groups = 0
        self.fuzzy: list[tuple[str, str]] = []

    def add(
        self, old, new, source, part=False, default=None, group=None, evidence=None, loose=False, variant=None
    ) -> None:
        c = self.cands.setdefault((old, new), Candidate(old, new))
        c.sources.add(source)
        if variant and not c.variant:
            c.variant = variant
        if evidence:
            c.evidence.add(evidence)
            c.loose = loose if len(c.evidence) == 1 else (c.loose and loose)
        c.part |= part
        if default is not None:
            c.default = default
        if group is not None and c.group is None and len(c.sources) == 1:
            c.group = group
        elif group is None:
            c.group = None  # an unambiguous mention beats membership of a group

    # --- provinces -------------------------------------------------------------------------
    def match_provinces(self, vau_provinces) -> dict[str, set[str]]:
        idx = Index(list(self.old["province"].values()))
        for code, p in self.new["province"].items():
            for field_, source in TEXT_SOURCES.items():
                items, unchanged, _ = parse(p.get(field_))
                if unchanged:
                    items = [
                        Item(
                            name=p["name"], key=name_key(p["name"]), raw=p.get(field_) or "", exact=exact_key(p["name"])
                        )
                    ]
                for it in items:
                    hits = idx.find(PROVINCE_ALIASES.get(it.key, it.key), spelt=it.exact)
                    if len(hits) == 1:
                        self.add(
                            ("province", hits[0]["code"]), ("province", code), source, evidence=_evidence(field_, p, it)
                        )
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
                if len(hits) == 1:  # a whole old district (the island districts) in one new commune
                    self.add(
                        ("district", hits[0]["code"]),
                        ("commune", n["code"]),
                        source,
                        part=it.part,
                        evidence=_evidence(field_, n, it),
                    )
                    continue
            fuzzy: list = []
            if unchanged and name_key(self.old["commune"].get(n["code"], {}).get("name", "")) == it.key:
                hits = [self.old["commune"][n["code"]]]  # "giữ nguyên": the old unit that kept the code
            else:
                hits = self._narrow(communes.find(it.key, fuzzy, spelt=it.exact, type_=it.type), it, n, districts)
            self.fuzzy.extend(
                {"new": n["code"], "source": source, "text": it.name, "matched": h["full_name"], "old": h["code"]}
                for f in fuzzy
                if f
                for h in hits
            )
            close = next((f for f in fuzzy if f), None)
            resolved.append((it, hits, bool(fuzzy), close))
        context = Counter(h[0]["parent_code"] for _, h, _, _ in resolved if len(h) == 1)
        for it, hits, loose, close in resolved:
            if len(hits) > 1 and context:
                best = max(context[h["parent_code"]] for h in hits)
                if best:
                    hits = [h for h in hits if context[h["parent_code"]] == best]
            # the written type last: texts keep types that changed (Long Khánh's "Xã Xuân Hòa" is a phường)
            if it.type in COMMUNE_TYPES and len(hits) > 1:
                hits = [h for h in hits if h["type"] == it.type] or hits
            if not hits:
                self._unmatched(n, source, it, hits)
                continue
            group = None
            if len(hits) > 1:
                self.groups += 1
                group = self.groups
            ev = _evidence(field_, n, it)
            for h in hits:
                variant = f"the text writes {it.name!r} for {h['full_name']}, a close spelling" if close else None
                self.add(
                    ("commune", h["code"]),
                    ("commune", n["code"]),
                    source,
                    part=it.part,
                    group=group,
                    evidence=ev,
                    loose=loose,
                    variant=variant,
                )
                for _t, key in it.into:  # "(phần còn lại sau khi sáp nhập vào phường X)": X took the rest
                    for x in news.find(key):
                        self.add(
                            ("commune", h["code"]),
                            ("commune", x["code"]),
                            source,
                            part=True,
                            group=group,
                            evidence=ev,
                            loose=loose,
                        )
        for s in skipped:
            self.unmatched.append(
                {
                    "new": n["code"],
                    "new_name": n["full_name"],
                    "source": source,
                    "text": s,
                    "why": "below commune level (village)",
                }
            )

    @staticmethod
    def _narrow(hits: list[dict], it: Item, n: dict, districts: Index) -> list[dict]:
        if it.district:  # "(huyện Sông Hinh)": only that district's unit, none if it has no such name
            ds = {d["code"] for d in districts.find(it.district)}
            if ds:
                hits = [h for h in hits if h["parent_code"] in ds]
        if len(hits) > 1:
            same_code = [h for h in hits if h["code"] == n["code"]]
            hits = same_code or hits
        return hits

    # --- old communes no text names by their listed spelling ------------------------------
    def spelling_variants(self, support: dict[tuple, set[str]]) -> list[str]:
        """Old communes without a text candidate, found in the texts of the new communes that the package
        or the old centre points to, under another spelling ("Can Hồ" for Kan Hồ, "Nông trường Phong Hải"
        for N.T Phong Hải, "Hòa Tú 2" for Hòa Tú II), or inside a whole old district a text names
        ("Huyện Kiên Hải"). The text is the evidence; the package and the centre only say where to look."""
        named = {c.old for c in self.cands.values() if c.sources & set(TEXT_SOURCES.values())}
        notes = []
        for code, u in self.old["commune"].items():
            old = ("commune", code)
            if old in named:
                continue
            found = None
            for c in list(self.cands.values()):  # the whole district is named: its communes went there
                if c.old == ("district", u["parent_code"]) and c.evidence:
                    found = (
                        c.new[1],
                        next(iter(sorted(c.sources & set(TEXT_SOURCES.values())))),
                        sorted(c.evidence)[0],
                        "its district is named whole",
                    )
                    break
            if found is None:
                found = self._closest_spelling(u, support.get(old, set()))
            if found is None:
                continue
            new, source, evidence, how = found
            self.add(
                old,
                ("commune", new),
                source,
                evidence=evidence,
                loose=True,
                variant=f"{u['full_name']} is not in the texts as listed; {how}",
            )
            notes.append(code)
        return notes

    def _closest_spelling(self, u: dict, news: set[str]):
        target = _spelling(u["name"])
        best = None
        for new in sorted(news):
            n = self.new["commune"].get(new)
            if n is None:
                continue
            for field_, source in TEXT_SOURCES.items():
                items, unchanged, _ = parse(n.get(field_))
                if unchanged:
                    items = [Item(name=n["name"], key=name_key(n["name"]), raw=n.get(field_) or "")]
                for it in items:
                    cand = _spelling(it.name)
                    ratio = difflib.SequenceMatcher(None, target, cand).ratio()
                    if len(min(target, cand, key=len)) >= 3 and (target.endswith(cand) or cand.endswith(target)):
                        ratio = max(ratio, 0.9)
                    if ratio >= SPELLING_CUTOFF and (best is None or ratio > best[0]):
                        best = (ratio, new, source, _evidence(field_, n, it), f"the text writes {it.name!r}")
        return best and best[1:]

    def _unmatched(self, n, source, it, hits) -> None:
        self.unmatched.append(
            {
                "new": n["code"],
                "new_name": n["full_name"],
                "source": source,
                "text": it.name,
                "why": "several old units fit" if hits else "no old unit of that name in the old provinces",
            }
        )


def _spelling(name: str) -> str:
    """A name's letters for comparing spellings: folded, "Nông trường" as "NT", Roman numbers as digits."""
    key = name_key(re.sub(r"(?i)^nông trường\s+", "NT ", name))
    return key.replace("n t ", "nt ").replace(" ", "")


def _evidence(field_: str, unit: dict, it: Item) -> str:
    """Which official text names the edge, and the words it uses."""
    where = "truocsapnhap, sapnhapbando_geo_objects.sql" if field_ == "before_merger_detail" else "a05_truocsn"
    return f"{unit['full_name']} ({unit['code']}), {where}: {it.raw or it.name!r}"
