// 1. Matrix: sectors x levels (central, province, commune) on the chosen date, split by mechanism or
// by origin; a cell opens its powers with instrument, article and source links.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate, sectorName } from "../i18n.js";
import { dataTable, registerCSV } from "../table.js";
import { chartBox, draw, LEVEL_COLOURS } from "../charts.js";
import { powerColumns } from "./powerlist.js";

const MECH = ["phan_quyen", "phan_cap", "uy_quyen"];
const ORIGINS = ["central", "province", "district_abolished"];

// The sub-columns of a level under a split: [label, filter {mechanism|origin}, value(cell)]
function parts(level, split) {
  if (split === "mechanism") return MECH.map((m) => [t(m), { mechanism: m }, (c) => c.by_mechanism[m]]);
  if (split === "origin") {
    if (level === "central") return ["province", "commune"].map((l) => [t(`to_${l}`), { to: l }, (c) => c.to_level[l]]);
    return ORIGINS.map((o) => [t(`o_${o}`), { origin: o }, (c) => c.by_origin[o]]);
  }
  return [[t("total"), {}, (c) => c.count]];
}

function cellKey(sector, level, f) {
  return [sector, level, f.mechanism || "", f.origin || (f.to ? `to_${f.to}` : "")].join(":");
}

function cellButton(sector, level, f, n, selected) {
  const key = cellKey(sector, level, f);
  const label = `${sectorName(sector)}, ${t(level)}${f.mechanism ? `, ${t(f.mechanism)}` : ""}${f.origin ? `, ${t(`o_${f.origin}`)}` : ""}: ${n}`;
  return `<button type="button" class="cell${n ? "" : " zero"}${key === selected ? " on" : ""}" data-cell="${esc(key)}"
    data-n="${n}" aria-label="${esc(label)}"${key === selected ? ' aria-pressed="true"' : ' aria-pressed="false"'}>${fmt(n)}</button>`;
}

function matrixTable(m, split, selected) {
  const levels = m.levels;
  const sub = Object.fromEntries(levels.map((l) => [l, parts(l, split)]));
  const head1 = levels.map((l) => `<th scope="colgroup" colspan="${sub[l].length}" class="lvl-${l}">${esc(t(l === "central" ? "central_col" : l))}</th>`).join("");
  const head2 = split === "none" ? "" : `<tr>${levels.map((l) => sub[l].map(([lab]) => `<th scope="col" class="sub">${esc(lab)}</th>`).join("")).join("")}</tr>`;
  const body = m.rows.map((r) => `<tr><th scope="row">${esc(sectorName(r.sector))}</th>${levels.map((l) =>
    sub[l].map(([, f, v]) => `<td class="num lvl-${l}">${cellButton(r.sector, l, f, v(r.cells[l]), selected)}</td>`).join("")).join("")}</tr>`).join("");
  const totals = `<tr class="totals"><th scope="row">${esc(t("total"))}</th>${levels.map((l) =>
    sub[l].map(([, , v]) => `<td class="num lvl-${l}" data-n="${v(m.totals[l])}">${fmt(v(m.totals[l]))}</td>`).join("")).join("")}</tr>`;
  return `<div class="tablewrap" tabindex="0" role="region" aria-label="${esc(t("matrix_h", { date: fmtDate(m.as_of) }))}">
    <table id="matrix-table" class="matrix"><caption>${esc(t("matrix_h", { date: fmtDate(m.as_of) }))}</caption>
    <thead><tr><th scope="col" rowspan="${split === "none" ? 1 : 2}">${esc(t("sector"))}</th>${head1}</tr>${head2}</thead>
    <tbody>${body}${totals}</tbody></table></div>`;
}

function csvRows(m) {
  const rows = [];
  for (const r of m.rows) for (const l of m.levels) {
    const c = r.cells[l];
    rows.push({ sector: r.sector, level: l, count: c.count, ...c.by_mechanism,
      from_central: c.by_origin?.central ?? null, from_province: c.by_origin?.province ?? null,
      from_district_abolished: c.by_origin?.district_abolished ?? null,
      to_province: c.to_level?.province ?? null, to_commune: c.to_level?.commune ?? null });
  }
  return rows;
}
const CSV_COLUMNS = ["sector", "level", "count", ...MECH, "from_central", "from_province", "from_district_abolished",
  "to_province", "to_commune"].map((key) => ({ key }));

async function renderCell(el, state, key) {
  const [sector, level, mechanism, originKey] = key.split(":");
  const data = await getJSON("/v1/dashboard/cell", { as_of: state.date, sector, level, mechanism,
    origin: originKey && !originKey.startsWith("to_") ? originKey : "" });
  let rows = data.results;
  if (originKey?.startsWith("to_")) rows = rows.filter((p) => p.holder_level === originKey.slice(3));
  const title = t("cell_h", { sector: sectorName(sector), level: t(level) + (mechanism ? ` (${t(mechanism)})` : "")
    + (originKey ? ` (${t(originKey.startsWith("to_") ? originKey : `o_${originKey}`)})` : ""), n: fmt(rows.length) });
  el.innerHTML = `<h3 id="cell-title" tabindex="-1">${esc(title)}</h3>` + dataTable({
    id: "cell-powers", caption: title, rows, name: `powers_${sector}_${level}${mechanism ? `_${mechanism}` : ""}${originKey ? `_${originKey}` : ""}`,
    columns: powerColumns() });
}

export async function render(root, state, { update }) {
  const split = ["none", "mechanism", "origin"].includes(state.split) ? state.split : "none";
  const m = await getJSON("/v1/dashboard/matrix", { as_of: state.date });
  const chartRows = m.rows.filter((r) => r.cells.province.count || r.cells.commune.count);
  root.innerHTML = `<h2>${esc(t("matrix_h", { date: fmtDate(state.date) }))}</h2>
    ${m.notes.map((n) => `<p class="note">${esc(t("pre_reform"))}</p>`).join("")}
    <fieldset class="split"><legend>${esc(t("split_by"))}</legend>${["none", "mechanism", "origin"].map((s) =>
      `<label><input type="radio" name="split" value="${s}"${s === split ? " checked" : ""}> ${esc(t(`split_${s}`))}</label>`).join("")}</fieldset>
    ${matrixTable(m, split, state.cell)}
    <p class="meta">${esc(t("matrix_note"))}</p>
    ${registerCSV("matrix-table", CSV_COLUMNS, csvRows(m), "matrix")}
    <section id="cell" class="cellpanel" aria-live="polite"><p class="hint">${esc(t("cell_pick"))}</p></section>
    <h3>${esc(t("by_sector_chart"))}</h3>
    ${chartBox("matrix-chart", t("by_sector_chart"), "matrix-table", Math.max(220, chartRows.length * 28 + 70))}`;
  draw("matrix-chart", {
    grid: { left: 170, right: 30, top: 30, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: chartRows.map((r) => sectorName(r.sector)) },
    series: ["province", "commune"].map((l) => ({ name: t(l), type: "bar", stack: "held", color: LEVEL_COLOURS[l],
      data: chartRows.map((r) => r.cells[l].count) })),
  });
  root.querySelector("fieldset.split").addEventListener("change", (ev) => update({ split: ev.target.value, cell: state.cell }));
  const cellEl = root.querySelector("#cell");
  root.querySelector("#matrix-table").addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button[data-cell]");
    if (!btn) return;
    update({ cell: btn.dataset.cell }, { render: false });
    for (const b of root.querySelectorAll("button[data-cell]")) {
      b.classList.toggle("on", b === btn);
      b.setAttribute("aria-pressed", String(b === btn));
    }
    await renderCell(cellEl, { ...state, cell: btn.dataset.cell }, btn.dataset.cell);
    cellEl.querySelector("#cell-title")?.focus();
  });
  if (state.cell) await renderCell(cellEl, state, state.cell);
}
