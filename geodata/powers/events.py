"""Powers in time: the days powers start, end or move (/v1/powers/events), what ends within the next 90
days of a date, an instrument's relations (its "lược đồ"), and the coverage block that says how complete
the catalogue is, so that no total is read as complete when it is not. Every figure comes from SQL."""

from __future__ import annotations

from datetime import date, timedelta

from psycopg import AsyncConnection

from geodata.errors import InvalidInput
from geodata.powers.vocab import ENDING_SOON_DAYS, PACKAGES
from geodata.units.queries import last_day

MAX_SPAN_DAYS = 3660

# One row per power and change: 'starts' on the first day of its range; on the first day after its
# range 'moves' when replaced_by names rows that took it over, else 'ends'. The instrument and article
# are those of the change: the power's own for a start, the ending instrument's for an end.
EVENTS_SQL = """
WITH ev AS (
  SELECT lower(p.valid) AS day, 'starts' AS kind, p.id, p.instrument_id AS by_id, p.article AS by_article
  FROM geo.powers p
  UNION ALL
  SELECT upper(p.valid), CASE WHEN p.replaced_by IS NOT NULL THEN 'moves' ELSE 'ends' END, p.id,
         CASE WHEN p.end_kind = 'ended_by' THEN p.ended_by ELSE p.instrument_id END,
         CASE WHEN p.end_kind = 'ended_by' THEN p.ended_by_article
              WHEN p.end_kind = 'sunset' THEN 'sunset: in force until ' || to_char(upper(p.valid) - 1, 'DD/MM/YYYY')
              ELSE 'the row''s own last day, ' || to_char(upper(p.valid) - 1, 'DD/MM/YYYY') END
  FROM geo.powers p WHERE upper(p.valid) IS NOT NULL)
SELECT ev.day, ev.kind, ev.id AS power_id, ev.by_article AS article, b.id AS instrument_id, b.number AS
    instrument_number,
       p.instrument_id AS power_instrument, p.holder_level, p.applies_to, p.sector, p.summary_en, p.replaced_by,
       p.confidence
FROM ev JOIN geo.powers p ON p.id = ev.id JOIN geo.instruments b ON b.id = ev.by_id
WHERE ev.day BETWEEN %(from)s AND %(to)s
ORDER BY ev.day, ev.kind DESC, ev.id"""


def _split(text: str | None) -> list[str]:
    return [s for s in text.split(";") if s] if text else []


def check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput(f"to ({end}) is before from ({start}); give from <= to", parameter="to")
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidInput(f"from..to spans more than {MAX_SPAN_DAYS} days; ask for a shorter range", parameter="to")


async def events(conn: AsyncConnection, start: date, end: date) -> dict:
    """Powers starting, ending or moving between start and end (both included), by day."""
    check_range(start, end)
    rows = await (await conn.execute(EVENTS_SQL, {"from": start, "to": end})).fetchall()
    days: dict[date, dict] = {}
    out = []
    for r in rows:
        d = days.setdefault(r["day"], {"date": r["day"], "starts": 0, "ends": 0, "moves": 0, "instruments": {}})
        d[r["kind"]] += 1
        key = (r["instrument_id"], r["kind"])
        d["instruments"].setdefault(
            key, {"instrument": r["instrument_id"], "number": r["instrument_number"], "kind": r["kind"], "count": 0}
        )["count"] += 1
        out.append(
            {
                "date": r["day"],
                "kind": r["kind"],
                "power": r["power_id"],
                "instrument": {"id": r["instrument_id"], "number": r["instrument_number"]},
                "article": r["article"],
                "power_instrument": r["power_instrument"],
                "holder_level": r["holder_level"],
                "applies_to": _split(r["applies_to"]),
                "sector": r["sector"],
                "summary_en": r["summary_en"],
                "replaced_by": _split(r["replaced_by"]),
                "confidence": r["confidence"],
            }
        )
    return {
        "from": start,
        "to": end,
        "total": len(out),
        "days": [dict(d, instruments=list(d["instruments"].values())) for d in days.values()],
        "events": out,
    }


ENDING_SQL = """
SELECT p.id, upper(p.valid) AS ends_on, p.end_kind, p.ended_by_article, p.replaced_by, i.number
FROM geo.powers p JOIN geo.instruments i ON i.id = p.instrument_id
WHERE p.valid @> %(d)s::date AND upper(p.valid) <= %(until)s::date
  AND (%(unit)s::int IS NULL OR p.id IN (SELECT up.power_id FROM geo.unit_powers up
                                         WHERE up.unit_id = %(unit)s AND up.valid @> %(d)s::date))
ORDER BY upper(p.valid), p.id"""


async def ending_soon(conn: AsyncConnection, as_of: date, unit_id: int | None = None) -> dict:
    """Powers in force on as_of (held by the unit, when given) whose last day falls within 90 days."""
    until = as_of + timedelta(days=ENDING_SOON_DAYS)
    rows = await (await conn.execute(ENDING_SQL, {"d": as_of, "until": until, "unit": unit_id})).fetchall()
    by_day: dict[date, int] = {}
    for r in rows:
        by_day[r["ends_on"]] = by_day.get(r["ends_on"], 0) + 1
    return {
        "within_days": ENDING_SOON_DAYS,
        "through": until - timedelta(days=1),
        "count": len(rows),
        "by_first_day_out": [{"date": d, "count": n} for d, n in by_day.items()],
        "powers": [
            {
                "id": r["id"],
                "valid_to": last_day(r["ends_on"]),
                "end_kind": r["end_kind"],
                "by": r["ended_by_article"] if r["end_kind"] == "ended_by" else r["number"],
                "replaced_by": _split(r["replaced_by"]),
            }
            for r in rows
        ],
    }


RELATIONS_SQL = """
SELECT 'out' AS direction, r.relation, r.target_id AS other_id, o.number AS other_number, r.target_article, r.on_date,
       r.until, r.article, r.source_url, r.confidence, r.notes
FROM geo.instrument_relations r JOIN geo.instruments o ON o.id = r.target_id WHERE r.instrument_id = %(id)s
UNION ALL
SELECT 'in', r.relation, r.instrument_id, o.number, r.target_article, r.on_date, r.until, r.article, r.source_url,
       r.confidence, r.notes
FROM geo.instrument_relations r JOIN geo.instruments o ON o.id = r.instrument_id WHERE r.target_id = %(id)s
ORDER BY on_date NULLS LAST, direction, other_id"""


async def relations(conn: AsyncConnection, id_: str) -> list[dict]:
    """What this instrument does to others ('out': it amends/repeals/... other) and what others do to it ('in')."""
    rows = await (await conn.execute(RELATIONS_SQL, {"id": id_})).fetchall()
    return [
        {
            "direction": r["direction"],
            "relation": r["relation"],
            "other": {"id": r["other_id"], "number": r["other_number"]},
            "target_article": r["target_article"],
            "on_date": r["on_date"],
            "until": r["until"],
            "article": r["article"],
            "source_url": r["source_url"],
            "confidence": r["confidence"],
            "notes": r["notes"],
        }
        for r in rows
    ]


COVERAGE_SQL = """
SELECT
  (SELECT count(*) FROM geo.powers) AS rows,
  (SELECT jsonb_object_agg(confidence, n) FROM (SELECT confidence, count(*) AS n FROM geo.powers GROUP BY 1) c)
    AS by_confidence,
  (SELECT count(*) FROM geo.powers WHERE verified LIKE 'read %%') AS verified,
  (SELECT count(*) FROM geo.powers WHERE valid @> %(d)s::date) AS in_force,
  (SELECT count(*) FROM geo.powers WHERE lower(valid) > %(d)s::date) AS not_yet,
  (SELECT count(*) FROM geo.powers WHERE upper(valid) <= %(d)s::date) AS ended,
  (SELECT count(*) FROM geo.instruments) AS instruments,
  (SELECT count(*) FROM geo.instruments i WHERE EXISTS (SELECT 1 FROM geo.powers p WHERE p.instrument_id = i.id))
    AS instruments_with_rows,
  (SELECT max(greatest(signed, effective)) FROM geo.instruments) AS newest,
  (SELECT string_agg(number, ', ' ORDER BY number) FROM geo.instruments
    WHERE greatest(signed, effective) = (SELECT max(greatest(signed, effective)) FROM geo.instruments)) AS
        newest_numbers,
  (SELECT array_agg(DISTINCT scope ORDER BY scope) FROM geo.instruments WHERE kind = 'quyet_dinh'
     AND EXISTS (SELECT 1 FROM geo.powers p WHERE p.instrument_id = geo.instruments.id AND p.holder_level = 'commune'))
    AS redelegating_provinces"""

PACKAGE_SQL = """
SELECT i.id, i.number, i.no_powers_reason,
       (SELECT count(*) FROM geo.powers p WHERE p.instrument_id = i.id) AS rows,
       (SELECT count(*) FROM geo.powers p WHERE p.instrument_id = i.id AND p.valid @> %(d)s::date) AS in_force
FROM geo.instruments i WHERE i.package = %(package)s ORDER BY i.id"""


async def coverage(conn: AsyncConnection, as_of: date) -> dict:
    """How complete the catalogue is: the 28 June-2025 decrees with rows and without (and why), rows by
    confidence and by status on as_of, what the project itself verified, the newest instrument read."""
    c = await (await conn.execute(COVERAGE_SQL, {"d": as_of})).fetchone()
    june = await (await conn.execute(PACKAGE_SQL, {"d": as_of, "package": PACKAGES[0]})).fetchall()
    with_rows = [r for r in june if r["rows"]]
    return {
        "as_of": as_of,
        "decrees_june_2025": {
            "count": len(june),
            "with_rows": len(with_rows),
            "without_rows": len(june) - len(with_rows),
            "with_rows_in_force": sum(1 for r in june if r["in_force"]),
            "without": [
                {"id": r["id"], "number": r["number"], "reason": r["no_powers_reason"]} for r in june if not r["rows"]
            ],
        },
        "powers": {
            "rows": c["rows"],
            "by_confidence": c["by_confidence"] or {},
            "by_status": {"in_force": c["in_force"], "not_yet": c["not_yet"], "ended": c["ended"]},
            "verified_by_project": c["verified"],
            "taken_from_research": c["rows"] - c["verified"],
        },
        "instruments": {
            "count": c["instruments"],
            "with_rows": c["instruments_with_rows"],
            "newest_date": c["newest"],
            "newest": c["newest_numbers"],
        },
        "provinces_with_redelegation_decisions": c["redelegating_provinces"] or [],
        "complete": False,
        "note": (
            "the catalogue is partial: it records the powers read in the texts listed, not every power of every "
            "instrument; decrees without rows say why; confidence: high = read in the full legal text, "
            "medium = a secondary source quoting it, low = inferred"
        ),
    }
