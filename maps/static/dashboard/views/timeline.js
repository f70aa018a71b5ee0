// 2. Timeline, 2025-07-01 to 2027-06-30: powers in force per level (a step series), the events marked
// (decrees taking effect, NĐ 49/2026, the Capital Law, the 2027-03-01 cliff), a today line and the
// chosen date; a countdown and what lapses in the next 90 days.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate } from "../i18n.js";
import { dataTable } from "../table.js";
import { chartBox, draw, LEVEL_COLOURS } from "../charts.js";
import { powerColumns } from "./powerlist.js";

// The days the issue names, labelled (the reform day, from the data, is added in render); every other
// event day is labelled by its instruments.
const NAMED = { "2026-01-31": "ev_nd49", "2026-07-01": "ev_capital", "2027-03-01": "ev_cliff" };
const days = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

// /v1/powers/events groups its events by day, with the instruments of each change.
function eventDays(days) {
  return days.map((d) => ({ date: d.date, start: d.starts, end: d.ends, moved: d.moves,
    label: NAMED[d.date] ? t(NAMED[d.date]) : [...d.instruments].sort((a, b) => b.count - a.count).slice(0, 2).map((i) => i.number).join(", "),
    instruments: d.instruments.map((i) => `${i.number} (${t(i.kind)} ${i.count})`).join(" ; ") }));
}

// What lapses, by last day and holder level, with the instruments whose end it is.
function lapsingGroups(powers) {
  const by = new Map();
  for (const p of powers) {
    const e = p.ended_by;
    const what = e ? (e.sunset ? `${t("sunset")} ${e.number}` : e.number) : t("own_end");
    const key = `${p.valid_to}|${p.holder_level}`;
    const g = by.get(key) || { last_day: p.valid_to, holder_level: p.holder_level, count: 0, by: new Map() };
    g.count += 1;
    g.by.set(what, (g.by.get(what) || 0) + 1);
    by.set(key, g);
  }
  return [...by.values()].sort((a, b) => a.last_day.localeCompare(b.last_day) || b.count - a.count)
    .map((g) => ({ ...g, by: [...g.by.entries()].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${w} (${n})`).join(" ; ") }));
}

export async function render(root, state, { today, first: FROM, last: TO }) {
  NAMED[FROM] = "ev_reform";
  const [series, ev, lapsing] = await Promise.all([
    getJSON("/v1/dashboard/series", { from: FROM, to: TO }),
    getJSON("/v1/powers/events", { from: FROM, to: TO }),
    getJSON("/v1/dashboard/lapsing", { as_of: state.date }),
  ]);
  const evDays = eventDays(ev.days);
  const next = evDays.find((d) => d.date > state.date && (NAMED[d.date] || d.end));
  const cliff = "2027-03-01";
  const countdowns = [next, next?.date !== cliff && { date: cliff, label: t("ev_cliff") }].filter(Boolean).map((d) =>
    `<li data-days="${days(state.date, d.date)}">${esc(t("countdown", { n: fmt(days(state.date, d.date)), date: fmtDate(d.date), what: d.label }))}</li>`).join("");
  root.innerHTML = `<h2>${esc(t("timeline_h"))}</h2>
    <ul class="countdown" id="countdown">${countdowns || `<li>${esc(t("countdown_past", { what: t("ev_cliff"), date: fmtDate(cliff) }))}</li>`}</ul>
    ${chartBox("timeline-chart", t("timeline_h"), "series-table", 380)}
    ${dataTable({ id: "series-table", caption: t("timeline_h"), rows: series.points, name: "powers_in_force_series", hidden: true,
      columns: [{ key: "date", label: t("event_date"), html: (r) => esc(fmtDate(r.date)) },
        { key: "province", label: t("province"), num: true }, { key: "commune", label: t("commune"), num: true },
        { key: "total", label: t("total"), num: true }] })}
    <h3 id="lapsing-h">${esc(t("lapsing_h", { date: fmtDate(state.date) }))} — <span data-n="${lapsing.total}">${fmt(lapsing.total)}</span></h3>
    ${lapsing.total ? dataTable({ id: "lapsing-summary", caption: t("lapsing_by_day"), rows: lapsingGroups(lapsing.results), name: "lapsing_by_day",
      columns: [{ key: "last_day", label: t("last_day"), html: (r) => esc(fmtDate(r.last_day)) },
        { key: "holder_level", label: t("holder"), html: (r) => esc(t(r.holder_level)) }, { key: "count", label: t("count"), num: true },
        { key: "by", label: t("ended_by") }] })
      + dataTable({ id: "lapsing-table", caption: t("lapsing_h", { date: fmtDate(state.date) }), rows: lapsing.results, hidden: true,
        summary: t("lapsing_all", { n: fmt(lapsing.total) }), name: "lapsing_90_days", columns: powerColumns() })
      : `<p>${esc(t("lapsing_none"))}</p>`}
    <h3>${esc(t("events_h"))}</h3>
    ${dataTable({ id: "events-table", caption: t("events_h"), rows: evDays, name: "power_events",
      columns: [{ key: "date", label: t("event_date"), html: (r) => esc(fmtDate(r.date)) },
        { key: "label", label: t("event") }, { key: "start", label: t("starts"), num: true },
        { key: "end", label: t("ends"), num: true }, { key: "moved", label: t("moves"), num: true },
        { key: "instruments", label: t("instrument") }] })}`;
  const line = (date, name, colour, width, type = "dashed") => ({ xAxis: date, name, lineStyle: { color: colour, width, type },
    label: { formatter: name, color: colour, position: "insideStartTop", fontSize: 11 } });
  const marks = [
    ...evDays.filter((d) => NAMED[d.date] || d.end + d.start + d.moved >= 3).map((d) => line(d.date, d.label, "#555", 1)),
    line(today, t("today_line"), "#D55E00", 2, "solid"),
  ];
  if (state.date !== today) marks.push(line(state.date, t("selected_line"), "#009E73", 2, "solid"));
  draw("timeline-chart", {
    grid: { left: 50, right: 40, top: 60, bottom: 40 },
    legend: { top: 0 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "time", min: FROM, max: TO },
    yAxis: { type: "value", minInterval: 1, name: t("count") },
    series: [
      ...["province", "commune"].map((l, i) => ({ name: t(l), type: "line", step: "end", symbol: "none", color: LEVEL_COLOURS[l],
        lineStyle: { width: 2.5, type: i ? "dashed" : "solid" }, data: series.points.map((p) => [p.date, p[l]]),
        ...(i === 0 ? { markLine: { symbol: "none", silent: true, data: marks } } : {}) })),
    ],
  });
}
