// 6. Coverage and sources: how many of the June-2025 decrees are coded, rows by confidence, what is
// known to be missing, the newest instrument read, and every instrument with its source link.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate } from "../i18n.js";
import { dataTable } from "../table.js";
import { chartBox, draw } from "../charts.js";
import { decreeCounts } from "../coverage_data.js";

const CONF_COLOURS = { high: "#009E73", medium: "#E69F00", low: "#D55E00" };
const isURL = (u) => /^https?:\/\//.test(u || "");

export async function render(root, state, { coverage }) {
  const cov = coverage;
  const conf = await Promise.all(["high", "medium", "low"].map(async (c) =>
    [c, (await getJSON("/v1/powers", { confidence: c, limit: 1 })).total]));
  const { with: w, of } = decreeCounts(cov);
  const decrees = cov.decrees?.list || [];
  const missing = cov.missing || cov.known_missing || [];
  const newest = cov.newest_instrument || {};
  root.innerHTML = `<h2>${esc(t("coverage_h"))}</h2>
    <div class="cards" id="coverage-cards">
      <div class="card"><h3>${esc(t("decrees_h"))}</h3><b class="big" data-with="${w}" data-of="${of}">${fmt(w)} / ${fmt(of)}</b>
        <span class="meta">${esc(t("with_powers"))}</span></div>
      <div class="card"><h3>${esc(t("powers"))}</h3><b class="big" data-n="${cov.powers_total}">${fmt(cov.powers_total)}</b>
        <span class="meta">${esc(t("rows"))}</span></div>
      <div class="card"><h3>${esc(t("newest"))}</h3><b class="big" data-date="${esc(newest.date || "")}">${esc(fmtDate(newest.date))}</b>
        <span class="meta">${esc(newest.number || "")}</span></div>
    </div>
    <h3>${esc(t("rows_conf_h"))}</h3>
    ${chartBox("conf-chart", t("rows_conf_h"), "conf-table", 180)}
    ${dataTable({ id: "conf-table", caption: t("rows_conf_h"), rows: conf.map(([c, n]) => ({ confidence: c, rows: n })), name: "rows_by_confidence",
      columns: [{ key: "confidence", label: t("confidence"), html: (r) => esc(t(r.confidence)) }, { key: "rows", label: t("rows"), num: true }] })}
    <h3>${esc(t("decrees_h"))}</h3>
    ${dataTable({ id: "decrees-table", caption: t("decrees_h"), rows: decrees, name: "decrees_june_2025",
      columns: [{ key: "number", label: t("number"), html: (d) => isURL(d.source_url)
          ? `<a href="${esc(d.source_url)}" target="_blank" rel="noopener noreferrer">${esc(d.number)}</a>` : esc(d.number) },
        { key: "sector", label: t("sector") }, { key: "powers", label: t("rows"), num: true },
        { key: "reason", label: t("reason"), value: (d) => d.reason || d.why || "" }] })}
    <h3>${esc(t("missing_h"))}</h3>
    ${missing.length ? `<ul id="missing">${missing.map((m) => `<li>${esc(typeof m === "string" ? m : m.what || m.reason || JSON.stringify(m))}</li>`).join("")}</ul>` : ""}
    <h3>${esc(t("instruments_h"))}</h3>
    ${dataTable({ id: "instruments-table", caption: t("instruments_h"), rows: cov.instruments, name: "instruments",
      columns: [{ key: "number", label: t("number"), html: (i) => isURL(i.source_url)
          ? `<a href="${esc(i.source_url)}" target="_blank" rel="noopener noreferrer">${esc(i.number)}</a>` : esc(i.number) },
        { key: "kind", label: t("kind") }, { key: "effective", label: t("effective"), html: (i) => esc(fmtDate(i.in_force_from || i.effective)) },
        { key: "expires", label: t("expires"), html: (i) => esc(fmtDate(i.expires)) }, { key: "powers", label: t("rows"), num: true },
        { key: "confidence", label: t("confidence"), html: (i) => esc(t(i.confidence)) }, { key: "source_url", label: t("source") }] })}`;
  draw("conf-chart", {
    grid: { left: 110, right: 30, top: 10, bottom: 30 }, tooltip: { trigger: "item" },
    xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: conf.map(([c]) => t(c)) },
    series: [{ type: "bar", name: t("rows"), data: conf.map(([c, n]) => ({ value: n, itemStyle: { color: CONF_COLOURS[c] } })) }],
  });
}
