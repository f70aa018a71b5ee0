// 4. Compare: two units side by side on the date (/v1/compare and each unit's powers): totals, per
// sector, and what one holds that the other does not, with instrument, article and sources.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate, sectorName } from "../i18n.js";
import { dataTable } from "../table.js";
import { chartBox, draw, PALETTE } from "../charts.js";
import { powerColumns } from "./powerlist.js";

// The issue's two pairs: a Hà Nội phường against a Lâm Đồng xã, and Hà Nội against Gia Lai.
export const PRESETS = [["00070", "24848", "preset_1"], ["01", "52", "preset_2"]];
const CODE = /^\d{2}(\d{3})?$/;

function picker(name, code, unit) {
  return `<label class="picker">${esc(t(name === "a" ? "unit_a" : "unit_b"))}
    <input name="${name}" value="${esc(code)}${unit ? ` — ${esc(unit.full_name)}` : ""}" list="units-${name}" autocomplete="off"
      placeholder="${esc(t("search_ph"))}" required><datalist id="units-${name}"></datalist></label>`;
}

async function suggest(input, list) {
  const q = input.value.trim();
  if (q.length < 2 || CODE.test(q.split(" ")[0]) && q.includes("—")) return;
  const res = await getJSON("/v1/search", { q, limit: 8 }).catch(() => null);
  list.innerHTML = (res?.results || []).filter((r) => !r.old && (r.level === "commune" || r.level === "province"))
    .map((r) => `<option value="${esc(r.code)} — ${esc(r.full_name)}"></option>`).join("");
}

export async function render(root, state, { update }) {
  const a = CODE.test(state.a || "") ? state.a : PRESETS[0][0];
  const b = CODE.test(state.b || "") ? state.b : PRESETS[0][1];
  const [cmp, pa, pb] = await Promise.all([
    getJSON("/v1/compare", { units: `${a},${b}`, as_of: state.date }),
    getJSON(`/v1/units/${a}/powers`, { as_of: state.date }),
    getJSON(`/v1/units/${b}/powers`, { as_of: state.date }),
  ]);
  const [ua, ub] = cmp.units;
  const full = new Map([...pa.sectors, ...pb.sectors].flatMap((s) => s.powers).map((p) => [p.id, p]));
  const only = (code) => cmp.sectors.flatMap((s) => s.only_in[code] || []).map((p) => ({ ...full.get(p.id), ...p,
    instrument: full.get(p.id)?.instrument || p.instrument }));
  const sectors = [...new Set([...Object.keys(pa.totals.by_sector), ...Object.keys(pb.totals.by_sector)])];
  const bySector = sectors.map((s) => ({ sector: s, a: pa.totals.by_sector[s] || 0, b: pb.totals.by_sector[s] || 0 }))
    .sort((x, y) => y.a + y.b - x.a - x.b);
  const unconfirmed = [...full.values()].filter((p) => p.instrument && p.instrument.effective_confirmed === false).length;
  const card = (u, p) => `<div class="card" data-code="${esc(u.code)}"><h3>${esc(u.full_name)} <span class="meta">${esc(u.code)}</span></h3>
    <p><b class="big" data-n="${u.powers}">${fmt(u.powers)}</b> ${esc(t("powers"))}
    (${esc(t("own"))} ${fmt(p.totals.own)}, ${esc(t("inherited"))} ${fmt(p.totals.inherited)})</p>
    <p>${esc(t("only_in", { unit: u.full_name }))}: <b data-only="${u.only_here}">${fmt(u.only_here)}</b></p></div>`;
  root.innerHTML = `<h2>${esc(t("compare_h", { date: fmtDate(state.date) }))}</h2>
    <form id="cmpform" class="cmpform">${picker("a", a, ua)}${picker("b", b, ub)}
      <button type="submit">${esc(t("compare_go"))}</button><button type="button" id="swap">${esc(t("swap"))}</button></form>
    <p class="presets">${PRESETS.map(([x, y, k]) => `<a href="?view=compare&a=${x}&b=${y}&date=${state.date}" data-a="${x}" data-b="${y}">${esc(t(k))}</a>`).join(" · ")}</p>
    <div class="cards">${card(ua, pa)}<div class="card shared"><h3>${esc(t("shared"))}</h3><p><b class="big" data-shared="${cmp.shared}">${fmt(cmp.shared)}</b></p></div>${card(ub, pb)}</div>
    ${unconfirmed ? `<p class="note">${esc(t("unconfirmed_note", { n: fmt(unconfirmed) }))}</p>` : ""}
    ${chartBox("compare-chart", `${ua.full_name} / ${ub.full_name}`, "compare-table", Math.max(200, bySector.length * 34 + 70))}
    ${dataTable({ id: "compare-table", caption: `${t("powers")}: ${ua.full_name} / ${ub.full_name}`, rows: bySector, hidden: true,
      name: `compare_${a}_${b}`, columns: [{ key: "sector", label: t("sector"), html: (r) => esc(sectorName(r.sector)) },
        { key: "a", csv: a, label: ua.full_name, num: true }, { key: "b", csv: b, label: ub.full_name, num: true }] })}
    <h3>${esc(t("only_in", { unit: ua.full_name }))}</h3>
    ${dataTable({ id: "only-a", caption: t("only_in", { unit: ua.full_name }), rows: only(a), name: `only_${a}`, columns: powerColumns(), empty: t("no_entries") })}
    <h3>${esc(t("only_in", { unit: ub.full_name }))}</h3>
    ${dataTable({ id: "only-b", caption: t("only_in", { unit: ub.full_name }), rows: only(b), name: `only_${b}`, columns: powerColumns(), empty: t("no_entries") })}`;
  draw("compare-chart", {
    grid: { left: 170, right: 30, top: 30, bottom: 30 }, legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: bySector.map((r) => sectorName(r.sector)) },
    series: [[ua, "a", PALETTE[0]], [ub, "b", PALETTE[1]]].map(([u, k, c]) => ({ name: u.full_name, type: "bar", color: c,
      data: bySector.map((r) => r[k]) })),
  });
  const form = root.querySelector("#cmpform");
  const code = (v) => (v || "").trim().split(/\s/)[0];
  for (const name of ["a", "b"]) {
    const input = form.elements[name];
    let timer;
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => suggest(input, root.querySelector(`#units-${name}`)), 250); });
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const na = code(form.elements.a.value), nb = code(form.elements.b.value);
    if (CODE.test(na) && CODE.test(nb)) update({ a: na, b: nb });
  });
  root.querySelector("#swap").addEventListener("click", () => update({ a: b, b: a }));
  for (const l of root.querySelectorAll(".presets a")) l.addEventListener("click", (ev) => {
    ev.preventDefault();
    update({ a: l.dataset.a, b: l.dataset.b });
  });
}
