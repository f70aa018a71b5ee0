// 2. Timeline, 2025-07-01 to 2027-06-30: powers in force per level (a step series), the events marked
// (decrees taking effect, NĐ 49/2026, the Capital Law, the 2027-03-01 cliff), a today line and the
// chosen date; a countdown and what lapses in the next 90 days.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate } from "../i18n.js";
import { dataTable } from "../table.js";
import { chartBox, draw, LEVEL_COLOURS } from "../charts.js";
import { powerColumns } from "./powerlist.js";

const FROM = "2025-07-01", TO = "2027-06-30";
// The days the issue names, labelled; every other event day is labelled by its instruments.
const NAMED = { "2025-07-01": "ev_reform", "2026-01-31": "ev_nd49", "2026-07-01": "ev_capital", "2027-03-01": "ev_cliff" };
const days = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

function eventDays(events) {
  const by = new Map();
  for (const e of events) {
    const d = by.get(e.date) || { date: e.date, start: 0, end: 0, moved: 0, instruments: new Map() };
    const kind = e.event === "start" || e.event === "starts" ? "start" : e.event === "end" || e.event === "ends" ? "end" : "moved";
    d[kind] += 1;
    const num = e.instrument?.number || e.ended_by?.number || "";
    if (num) d.instruments.set(num, (d.instruments.get(num) || 0) + 1);
    by.set(e.date, d);
  }
  return [...by.values()].sort((a, b) => a.date.localeCompare(b.date)).map((d) => ({
    ...d, label: NAMED[d.date] ? t(NAMED[d.date]) : [...d.instruments.entries()].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([n]) => n).join(", "),
    instruments: [...d.instruments.keys()].join(" ; ") }));
}

export async function render(root, state, { today }) {
  const [series, ev, lapsing] = await Promise.all([
    getJSON("/v1/dashboard/series", { from: FROM, to: TO }),
    getJSON("/v1/dashboard/events", { from: FROM, to: TO }),
    getJSON("/v1/dashboard/lapsing", { as_of: state.date, days: 90 }),
  ]);
  const evDays = eventDays(ev.events);
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
    ${lapsing.total ? dataTable({ id: "lapsing-table", caption: t("lapsing_h", { date: fmtDate(state.date) }), rows: lapsing.results,
      name: "lapsing_90_days", limit: 60, columns: powerColumns({ extra: [{ key: "last_day", label: t("last_day"), html: (p) => esc(fmtDate(p.last_day)) }] }) })
      : `<p>${esc(t("lapsing_none"))}</p>`}
    <h3>${esc(t("events_h"))}</h3>
    ${dataTable({ id: "events-table", caption: t("events_h"), rows: evDays, name: "power_events",
      columns: [{ key: "date", label: t("event_date"), html: (r) => esc(fmtDate(r.date)) },
        { key: "label", label: t("event") }, { key: "start", label: t("starts"), num: true },
        { key: "end", label: t("ends"), num: true }, { key: "moved", label: t("moves"), num: true },
        { key: "instruments", label: t("instrument") }] })}`;
  const line = (date, name, colour, width, type = "dashed") => ({ xAxis: date, name, lineStyle: { color: colour, width, type },
    label: { formatter: name, color: colour, position: "insideEndTop", fontSize: 11 } });
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
