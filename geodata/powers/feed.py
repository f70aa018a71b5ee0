"""What changed and what changes: unit changes (geodata.lineage.queries.changes) and power events
(geodata.powers.events.events, /v1/powers/events) in a window, grouped into one entry per day and instrument, served
as a JSON Feed 1.1 and an Atom feed (feedgen) for subscribers, and read by the dashboard.

Entries in the future are included on purpose: a subscriber learns of the cliff before it comes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import orjson
from feedgen.feed import FeedGenerator
from psycopg import AsyncConnection

from geodata.dates import VN_TZ, today
from geodata.errors import InvalidInput
from geodata.lineage import queries as lineage
from geodata.powers import events as power_events

FEED_TITLE = "vn-geodata: đơn vị hành chính và thẩm quyền — what changed and what changes"
PAST_DAYS, AHEAD_DAYS, MAX_DAYS = 365, 180, 3 * 366
LICENCE = (
    "units: vietnamese-provinces-database (MIT), sapnhap.bando.com.vn; "
    "powers: the vn-geodata catalogue, each power with its legal source"
)


def window(since: date | None, until: date | None) -> tuple[date, date]:
    """Default: a year back and half a year ahead of today (in Vietnam)."""
    start = since or today() - timedelta(days=PAST_DAYS)
    end = until or today() + timedelta(days=AHEAD_DAYS)
    if end < start:
        raise InvalidInput(f"until ({end}) is before since ({start})", parameter="until")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(f"the feed covers at most {MAX_DAYS} days; narrow since/until", parameter="since")
    return start, end


def _unit_entries(changes: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for c in changes:
        groups[(c["effective"], c["instrument"] or "")].append(c)
    out = []
    for (day, instrument), cs in groups.items():
        kinds: dict[str, int] = defaultdict(int)
        for c in cs:
            kinds[c["change"]] += 1
        names = [c["to"]["full_name"] if isinstance(c.get("to"), dict) else c["from"]["full_name"] for c in cs]
        out.append(
            {
                "kind": "units",
                "date": day,
                "instrument": instrument or None,
                "count": len(cs),
                "by_change": dict(kinds),
                "units": [
                    {"code": c["code"], "level": c["level"], "change": c["change"], "name": n}
                    for c, n in zip(cs, names)
                ],
            }
        )
    return out


SUMMARIES_SQL = "SELECT id, summary_vi FROM geo.powers WHERE id = ANY(%(ids)s)"


def _power_entries(events: list[dict], summaries_vi: dict[str, str]) -> list[dict]:
    """One entry per day and instrument of the change (the ending instrument for an end)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for e in events:
        groups[(e["date"], e["instrument"]["number"])].append(e)
    out = []
    for (day, number), es in groups.items():
        kinds: dict[str, int] = defaultdict(int)
        for e in es:
            kinds[e["kind"]] += 1
        out.append(
            {
                "kind": "powers",
                "date": day,
                "instrument": number,
                "count": len(es),
                "by_event": dict(kinds),
                "powers": [
                    {
                        "id": e["power"],
                        "event": e["kind"],
                        "sector": e["sector"],
                        "holder_level": e["holder_level"],
                        "summary_vi": summaries_vi.get(e["power"]),
                        "summary_en": e["summary_en"],
                        "article": e["article"],
                        "replaced_by": e["replaced_by"],
                    }
                    for e in es
                ],
            }
        )
    return out


async def items(conn: AsyncConnection, since: date, until: date) -> dict:
    changes = (await lineage.changes(conn, since, until))["changes"]
    events = (await power_events.events(conn, since, until))["events"]
    ids = sorted({e["power"] for e in events})
    summaries = {r["id"]: r["summary_vi"] for r in await (await conn.execute(SUMMARIES_SQL, {"ids": ids})).fetchall()}
    entries = _unit_entries(changes) + _power_entries(events, summaries)
    entries.sort(key=lambda e: (e["date"], e["kind"], e["instrument"] or ""), reverse=True)
    return {"since": since, "until": until, "today": today(), "entries": entries}


def _title(e: dict) -> str:
    if e["kind"] == "units":
        what = ", ".join(f"{n} {k}" for k, n in sorted(e["by_change"].items()))
        return f"{e['date'].isoformat()}: {e['count']} đơn vị thay đổi / units changed ({what})" + (
            f" — {e['instrument']}" if e["instrument"] else ""
        )
    what = ", ".join(f"{n} {k}" for k, n in sorted(e["by_event"].items()))
    return f"{e['date'].isoformat()}: {e['count']} thẩm quyền / powers ({what}) — {e['instrument']}"


def _text(e: dict) -> str:
    if e["kind"] == "units":
        return "\n".join(f"{u['change']}: {u['name']} ({u['code']}, {u['level']})" for u in e["units"])
    return "\n".join(
        f"{p['event']}: {p['id']} [{p['sector']}, {p['holder_level']}] {p['summary_vi']} / "
        f"{p['summary_en']}" + (f" ({p['article']})" if p["article"] else "")
        for p in e["powers"]
    )


def _id(e: dict, base: str) -> str:
    instrument = (e["instrument"] or "none").replace(" ", "_")
    return f"{base}dashboard?view=changes#{e['kind']}-{e['date'].isoformat()}-{instrument}"


def _when(d: date) -> datetime:
    return datetime.combine(d, time(0, 0), VN_TZ)


def json_feed(feed: dict, base: str) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1); each item keeps its structured entry under _vngeo."""
    return orjson.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": FEED_TITLE,
            "language": "vi",
            "home_page_url": f"{base}dashboard?view=changes",
            "feed_url": f"{base}v1/feed.json",
            "description": f"{feed['since']} .. {feed['until']}; {LICENCE}",
            "items": [
                {
                    "id": _id(e, base),
                    "url": _id(e, base),
                    "title": _title(e),
                    "content_text": _text(e),
                    "date_published": _when(e["date"]).isoformat(),
                    "tags": [e["kind"]],
                    "_vngeo": e,
                }
                for e in feed["entries"]
            ],
        }
    )


def atom_feed(feed: dict, base: str) -> bytes:
    fg = FeedGenerator()
    fg.id(f"{base}v1/feed.atom")
    fg.title(FEED_TITLE)
    fg.link(href=f"{base}dashboard?view=changes", rel="alternate")
    fg.link(href=f"{base}v1/feed.atom", rel="self")
    fg.language("vi")
    fg.rights(LICENCE)
    fg.updated(_when(feed["today"]))
    for e in reversed(feed["entries"]):  # feedgen prepends: add oldest first so the newest ends up on top
        fe = fg.add_entry()
        fe.id(_id(e, base))
        fe.title(_title(e))
        fe.link(href=_id(e, base))
        fe.content(_text(e), type="text")
        fe.published(_when(e["date"]))
        fe.updated(_when(e["date"]))
        fe.category(term=e["kind"])
    return fg.atom_str(pretty=True)
