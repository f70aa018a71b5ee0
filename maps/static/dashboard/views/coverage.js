// 6. Coverage and sources: how many of the 28 June-2025 decrees are coded (and why the others are not),
// rows by confidence and by status on the date, what the project verified itself, the newest instrument
// read, the provinces whose own re-delegation decisions are loaded, and every instrument with its source.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate } from "../i18n.js";
import { dataTable } from "../table.js";
import { chartBox, draw } from "../charts.js";

const CONF_COLOURS = { high: "#009E73", medium: "#E69F00", low: "#D55E00" };
const STATUS_COLOURS = { in_force: "#0072B2", not_yet: "#56B4E9", ended: "#7a7a7a" };
const isURL = (u) => /^https?:\/\//.test(u || "");
const numberLink = (i) => (isURL(i.source_url)
  ? `<a href="${esc(i.source_url)}" target="_blank" rel="noopener noreferrer">${esc(i.number)}</a>` : esc(i.number));

export async function render(root, state, { coverage: cov }) {
  const d = cov.decrees_june_2025, pw = cov.powers;
  const redelegating = await Promise.all(cov.provinces_with_redelegation_decisions.map((code) =>
    getJSON(`/v1/units/${code}`, { as_of: state.date }).then((u) => u.full_name).catch(() => code)));
  const june = cov.instrumentList.filter((i) => i.package === "june-2025");
  const conf = ["high", "medium", "low"].map((c) => ({ key: c, rows: pw.by_confidence[c] || 0 }));
  const status = ["in_force", "not_yet", "ended"].map((s) => ({ key: s, rows: pw.by_status[s] || 0 }));
  root.innerHTML = `<h2>${esc(t("coverage_h"))}</h2>
    <p class="note" id="coverage-note">${esc(t("coverage_note"))}</p>
    <div class="cards" id="coverage-cards">
      <div class="card"><h3>${esc(t("decrees_h"))}</h3><b class="big" id="decrees-with" data-with="${d.with_rows}" data-of="${d.count}">${fmt(d.with_rows)} / ${fmt(d.count)}</b>
        <span class="meta">${esc(t("with_powers"))}; ${fmt(d.without_rows)} ${esc(t("without_powers"))}</span></div>
      <div class="card"><h3>${esc(t("rows"))}</h3><b class="big" data-n="${pw.rows}">${fmt(pw.rows)}</b>
        <span class="meta">${esc(t("verified_n", { n: fmt(pw.verified_by_project), r: fmt(pw.taken_from_research) }))}</span></div>
      <div class="card"><h3>${esc(t("in_force_on", { date: fmtDate(state.date) }))}</h3><b class="big" data-in-force="${pw.by_status.in_force}">${fmt(pw.by_status.in_force)}</b></div>
      <div class="card"><h3>${esc(t("newest"))}</h3><b class="big" data-date="${esc(cov.instruments.newest_date || "")}">${esc(fmtDate(cov.instruments.newest_date))}</b>
        <span class="meta">${esc(cov.instruments.newest || "")}</span></div>
      <div class="card"><h3>${esc(t("redelegation_provinces"))}</h3><b class="big" data-n="${cov.provinces_with_redelegation_decisions.length}">${fmt(cov.provinces_with_redelegation_decisions.length)}</b>
        <span class="meta">${esc(redelegating.join(", "))}</span></div>
    </div>
    <div class="grid2"><div><h3>${esc(t("rows_conf_h"))}</h3>
      ${chartBox("conf-chart", t("rows_conf_h"), "conf-table", 170)}
      ${dataTable({ id: "conf-table", caption: t("rows_conf_h"), rows: conf, name: "rows_by_confidence",
        columns: [{ key: "key", csv: "confidence", label: t("confidence"), html: (r) => esc(t(r.key)) }, { key: "rows", label: t("rows"), num: true }] })}</div>
    <div><h3>${esc(t("rows_status_h", { date: fmtDate(state.date) }))}</h3>
      ${chartBox("status-chart", t("rows_status_h", { date: fmtDate(state.date) }), "status-table", 170)}
      ${dataTable({ id: "status-table", caption: t("rows_status_h", { date: fmtDate(state.date) }), rows: status, name: "rows_by_status",
        columns: [{ key: "key", csv: "status", label: t("status"), html: (r) => esc(t(r.key)) }, { key: "rows", label: t("rows"), num: true }] })}</div></div>
    <h3>${esc(t("missing_h"))}</h3>
    ${dataTable({ id: "missing-table", caption: t("missing_h"), rows: d.without, name: "decrees_without_rows",
      columns: [{ key: "number", label: t("number") }, { key: "reason", label: t("reason") }] })}
    <h3>${esc(t("decrees_h"))}</h3>
    ${dataTable({ id: "decrees-table", caption: t("decrees_h"), rows: june, name: "decrees_june_2025",
      columns: [{ key: "number", label: t("number"), html: numberLink }, { key: "sector", label: t("sector") },
        { key: "powers", label: t("rows"), num: true }, { key: "in_force_until", label: t("last_day"), html: (i) => esc(fmtDate(i.in_force_until)) },
        { key: "no_powers_reason", label: t("reason"), html: (i) => esc(i.no_powers_reason || "") },
        { key: "source_url", label: t("source"), html: (i) => (isURL(i.source_url) ? `<a class="src" href="${esc(i.source_url)}" target="_blank" rel="noopener noreferrer">${esc(t("source"))}</a>` : "") }] })}
    <h3>${esc(t("instruments_h"))}</h3>
    ${dataTable({ id: "instruments-table", caption: t("instruments_h"), rows: cov.instrumentList, name: "instruments",
      columns: [{ key: "number", label: t("number"), html: numberLink }, { key: "kind", label: t("kind") },
        { key: "in_force_from", label: t("effective"), html: (i) => esc(fmtDate(i.in_force_from)) },
        { key: "in_force_until", label: t("last_day"), html: (i) => esc(fmtDate(i.in_force_until)) }, { key: "powers", label: t("rows"), num: true },
        { key: "confidence", label: t("confidence"), html: (i) => esc(t(i.confidence)) },
        { key: "source_url", label: t("source"), html: (i) => (isURL(i.source_url) ? `<a class="src" href="${esc(i.source_url)}" target="_blank" rel="noopener noreferrer">${esc(t("source"))}</a>` : "") }] })}`;
  const bars = (id, rows, colours) => draw(id, {
    grid: { left: 110, right: 40, top: 10, bottom: 30 }, tooltip: { trigger: "item" },
    xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", inverse: true, data: rows.map((r) => t(r.key)) },
    series: [{ type: "bar", name: t("rows"), label: { show: true, position: "right" },
      data: rows.map((r) => ({ value: r.rows, itemStyle: { color: colours[r.key] } })) }],
  });
  bars("conf-chart", conf, CONF_COLOURS);
  bars("status-chart", status, STATUS_COLOURS);
}
