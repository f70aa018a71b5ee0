// Data tables: every table (and every chart's data) as an HTML table with a CSV download of the
// same rows. The CSV holds raw values (ISO dates, plain numbers), the table the formatted ones.
import { t, esc, fmt } from "./i18n.js";

const registry = new Map();   // table id -> {columns, rows, name}

// columns: [{key, label, num, value(row) -> raw, html(row) -> cell HTML}]
// csvOnly columns go to the file and not on screen; `hidden` folds the table under `summary`.
export function dataTable({ id, caption, columns, rows, name, hidden = false, limit = 0, summary, empty }) {
  registry.set(id, { columns, rows, name: name || id });
  if (!rows.length && empty) return `<p class="empty" id="${esc(id)}">${esc(empty)}</p>`;
  const all = columns;
  columns = all.filter((c) => !c.csvOnly);
  const head = columns.map((c) => `<th scope="col"${c.num ? ' class="num"' : ""}>${esc(c.label)}</th>`).join("");
  const shown = limit && rows.length > limit ? rows.slice(0, limit) : rows;
  const body = shown.map((r) => `<tr>${columns.map((c, i) => {
    const raw = c.value ? c.value(r) : r[c.key];
    const html = c.html ? c.html(r) : c.num ? fmt(raw, c.digits ?? 0) : esc(raw ?? "—");
    const attrs = c.num && raw !== null && raw !== undefined ? ` class="num" data-n="${esc(raw)}"` : c.num ? ' class="num"' : "";
    return i === 0 && c.rowHeader ? `<th scope="row"${attrs}>${html}</th>` : `<td${attrs}>${html}</td>`;
  }).join("")}</tr>`).join("");
  const more = shown.length < rows.length ? `<p class="meta">${esc(`${fmt(shown.length)} / ${fmt(rows.length)}`)} — ${esc(t("csv"))}</p>` : "";
  const table = `<div class="tablewrap" tabindex="0" role="region" aria-label="${esc(caption)}"><table id="${esc(id)}">
    <caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${more}`;
  const button = `<button type="button" class="csv" data-csv="${esc(id)}">${esc(t("csv"))} <span class="meta">(${fmt(rows.length)})</span></button>`;
  if (hidden) return `<details class="chartdata"><summary>${esc(summary || t("chart_table"))}</summary>${table}</details>${button}`;
  return `${table}${button}`;
}

// A CSV for a table drawn by hand (the matrix): the rows and columns the file will hold.
export function registerCSV(id, columns, rows, name) {
  registry.set(id, { columns, rows, name: name || id });
  return `<button type="button" class="csv" data-csv="${esc(id)}">${esc(t("csv"))} <span class="meta">(${fmt(rows.length)})</span></button>`;
}

function cell(v) {
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;   // RFC 4180
}

export function toCSV(id) {
  const { columns, rows } = registry.get(id);
  const lines = [columns.map((c) => cell(c.csv || c.key)).join(",")];
  for (const r of rows) lines.push(columns.map((c) => cell(c.value ? c.value(r) : r[c.key])).join(","));
  return lines.join("\r\n") + "\r\n";
}

// One listener for every CSV button of the page.
export function installCSV(root, suffix) {
  root.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button[data-csv]");
    if (!btn || !registry.has(btn.dataset.csv)) return;
    const blob = new Blob(["\ufeff", toCSV(btn.dataset.csv)], { type: "text/csv;charset=utf-8" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${registry.get(btn.dataset.csv).name}${suffix() ? `_${suffix()}` : ""}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  });
}
