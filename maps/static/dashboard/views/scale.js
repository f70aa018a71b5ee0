// 5. Scale: per province, communes inside the 25,000–40,000 people band and the 100–200 km² band,
// the spread (box plot of population), and the outliers; flagged figures are marked, not hidden.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate } from "../i18n.js";
import { dataTable } from "../table.js";
import { chartBox, draw, narrow, PALETTE } from "../charts.js";

export async function render(root, state) {
  const s = await getJSON("/v1/dashboard/scale", { as_of: state.date });
  const provs = s.provinces;
  const bands = provs.map((p) => {
    const both = p.both.in_band, popOnly = p.population.in_band - both, areaOnly = p.area_km2.in_band - both;
    const unknown = p.communes - p.both.known;
    return { code: p.code, name: p.full_name, communes: p.communes, both, pop_only: popOnly, area_only: areaOnly,
      neither: p.communes - unknown - both - popOnly - areaOnly, unknown, pop_in_band: p.population.in_band,
      area_in_band: p.area_km2.in_band, pop_median: p.population.median, pop_q1: p.population.q1, pop_q3: p.population.q3,
      pop_min: p.population.min, pop_max: p.population.max, area_median: p.area_km2.median, outliers: p.outliers, flagged: p.flagged };
  });
  const tot = s.total;
  const short = (n) => n.replace(/^(Thành phố|Tỉnh) /, "");
  const outRows = s.outliers.map((o) => ({ ...o, pop_flag: o.flags.population || "", area_flag: o.flags.area_km2 || "" }));
  const flagged = (o, k) => (o[k === "population" ? "pop_flag" : "area_flag"] ? ` <span class="flag">${esc(t("flag_mark"))}</span>` : "");
  const reason = (o) => [o.pop_flag, o.area_flag].filter(Boolean).map((r) => r.replace(/^[^:]*\)\s*:\s*/, "")).join(" · ");
  root.innerHTML = `<h2>${esc(t("scale_h", { date: fmtDate(state.date) }))}</h2>
    <div class="cards" id="scale-total">
      <div class="card"><h3>${esc(t("communes_n"))}</h3><b class="big" data-n="${tot.communes}">${fmt(tot.communes)}</b></div>
      <div class="card"><h3>${esc(t("pop_band"))}</h3><b class="big" data-n="${tot.population.in_band}">${fmt(tot.population.in_band)}</b>
        <span class="meta">/ ${fmt(tot.population.known)}</span></div>
      <div class="card"><h3>${esc(t("area_band"))}</h3><b class="big" data-n="${tot.area_km2.in_band}">${fmt(tot.area_km2.in_band)}</b>
        <span class="meta">/ ${fmt(tot.area_km2.known)}</span></div>
      <div class="card"><h3>${esc(t("both_band"))}</h3><b class="big" data-n="${tot.both.in_band}">${fmt(tot.both.in_band)}</b>
        <span class="meta">/ ${fmt(tot.both.known)}</span></div>
      <div class="card"><h3>${esc(t("outliers"))}</h3><b class="big" data-n="${tot.outliers}">${fmt(tot.outliers)}</b></div>
      <div class="card"><h3>${esc(t("flagged"))}</h3><b class="big" data-n="${tot.flagged}">${fmt(tot.flagged)}</b></div>
    </div>
    <p class="meta">${esc(t("band_quote"))} <q lang="vi">${esc((s.band_source.split(": ").slice(1).join(": ") || s.band_source).replace(/^'|'$/g, ""))}</q>. ${esc(t("flag_note"))}</p>
    <h3>${esc(t("band_h"))}</h3>
    ${chartBox("band-chart", t("band_h"), "scale-table", 640)}
    <h3>${esc(t("spread_h"))}</h3>
    ${chartBox("spread-chart", t("spread_h"), "scale-table", 420)}
    ${dataTable({ id: "scale-table", caption: t("band_h"), rows: bands, name: "scale_by_province",
      columns: [{ key: "code", label: t("code") }, { key: "name", label: t("province") },
        { key: "communes", label: t("communes_n"), num: true }, { key: "pop_in_band", label: t("pop_band"), num: true },
        { key: "area_in_band", label: t("area_band"), num: true }, { key: "both", label: t("both_band"), num: true },
        { key: "unknown", label: t("unknown"), num: true }, { key: "pop_min", label: `${t("population")}: ${t("min")}`, num: true },
        { key: "pop_q1", label: t("q1"), num: true }, { key: "pop_median", label: t("median"), num: true },
        { key: "pop_q3", label: t("q3"), num: true }, { key: "pop_max", label: t("max"), num: true },
        { key: "area_median", label: `${t("area")}: ${t("median")}`, num: true, digits: 1 },
        { key: "outliers", label: t("outliers"), num: true }, { key: "flagged", label: t("flagged"), num: true }] })}
    <h3>${esc(t("outliers_h"))}</h3>
    ${dataTable({ id: "outliers-table", caption: t("outliers_h"), rows: outRows, name: "scale_outliers", limit: 60,
      columns: [{ key: "code", label: t("code") }, { key: "full_name", label: t("unit") }, { key: "province", label: t("province") },
        { key: "population", label: t("population"), num: true, html: (o) => fmt(o.population) + flagged(o, "population") + (o.population_outlier ? " ▲" : "") },
        { key: "area_km2", label: t("area"), num: true, html: (o) => fmt(o.area_km2, 2) + flagged(o, "area_km2") + (o.area_outlier ? " ▲" : "") },
        { key: "why", label: t("why"), value: reason, html: (o) => `<span class="why">${esc(reason(o))}</span>` },
        { key: "pop_flag", csvOnly: true }, { key: "area_flag", csvOnly: true }] })}`;
  const names = bands.map((b) => short(b.name));
  draw("band-chart", {
    grid: { left: narrow() ? 90 : 120, right: 20, top: narrow() ? 80 : 40, bottom: 30 }, legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: names, axisLabel: { fontSize: 10 } },
    series: [["both", t("both_band"), PALETTE[2]], ["pop_only", t("pop_band"), PALETTE[0]], ["area_only", t("area_band"), PALETTE[1]],
      ["neither", t("neither"), "#bbbbbb"], ["unknown", t("unknown"), PALETTE[3]]].map(([k, name, color]) => ({
      name, type: "bar", stack: "c", color, data: bands.map((b) => b[k]) })),
  });
  draw("spread-chart", {
    grid: { left: 60, right: 20, top: 30, bottom: 90 },
    tooltip: { trigger: "item" },
    xAxis: { type: "category", data: names, axisLabel: { rotate: 60, fontSize: 10 } },
    yAxis: { type: "log", name: t("population"), min: 100 },
    series: [{ name: t("population"), type: "boxplot", itemStyle: { color: "#cfe3f3", borderColor: PALETTE[0] },
      data: bands.map((b) => [b.pop_min, b.pop_q1, b.pop_median, b.pop_q3, b.pop_max].map((v) => Math.max(v ?? 0, 100))),
      markArea: { silent: true, itemStyle: { color: "rgba(0,158,115,0.12)" }, data: [[{ yAxis: s.bands.population[0] }, { yAxis: s.bands.population[1] }]] } }],
  });
}
