// The viewer's decentralisation charts, drawn with Apache ECharts (vendored from npm, as the dashboard's;
// no hand-written SVG): how communes compare with the 25,000–40,000 people and 100–200 km² the seeds
// speak of, and how many powers each level and sector holds. Every chart has its data as a table.
import { t, fmt, esc } from "./i18n.js";
import { sectorName } from "./panel.js";

const BLUE = "#0072B2", GREEN = "#009E73";   // Okabe–Ito: band bins stand out for every colour vision
const live = [];
// ECharts (~370 KB compressed) is fetched when the reader asks for the drawings, not with the page:
// the figures, band captions and data tables are there at once, and the first load stays under 700 KB.
let lib = null, wanted = false, batch = 0, pending = [];
const echartsLib = () => (lib ??= import("/static/vendor/echarts.esm.min.js"));

function draw() {
  const mine = ++batch, todo = pending;
  pending = [];
  if (!todo.length) return;
  echartsLib().then((echarts) => {
    if (mine !== batch) return;                 // a newer render replaced these boxes
    for (const c of todo) {
      const el = document.getElementById(c.id);
      if (!el || !el.isConnected) continue;
      el.hidden = false;
      const chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption({ animation: false, aria: { enabled: true, decal: { show: true } }, ...c.option });
      live.push(chart);
    }
  });
}

function bins(values, step, max) {
  const n = Math.ceil(max / step) + 1;              // the last bin holds everything ≥ max
  const counts = new Array(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.floor(v / step))] += 1;
  return counts.map((c, i) => ({ label: i === n - 1 ? `≥ ${fmt(max)}` : `${fmt(i * step)}–${fmt((i + 1) * step)}`,
    count: c, inBand: false, lo: i * step, hi: (i + 1) * step }));
}

function table(id, title, rows, head) {
  return `<details class="data"><summary>${esc(t("data_table"))}<span class="sr">: ${esc(title)}</span></summary><table id="${id}"><thead><tr>${head.map((h) =>
    `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) =>
    `<td${i ? ' class="num"' : ""}>${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table></details>`;
}

function box(id, title, height, tableId) {
  return `<div class="chart"><h3>${esc(title)}</h3><div id="${id}" class="echart" style="height:${height}px" tabindex="0" hidden
    role="img" aria-label="${esc(title)}" aria-describedby="${tableId}"></div>`;
}

function histogram(id, values, { step, max, band, title, caption, unit }) {
  const b = bins(values, step, max).map((x) => ({ ...x, inBand: x.lo >= band[0] && x.hi <= band[1] }));
  const html = `${box(id, title, 150, `${id}-data`)}<p>${caption}</p>${table(`${id}-data`, title,
    b.map((x) => [x.label, fmt(x.count)]), [`${t("bin")} (${unit})`, t("count")])}</div>`;
  const option = {
    grid: { left: 40, right: 8, top: 8, bottom: 24 }, tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: b.map((x) => x.label), axisLabel: { interval: Math.ceil(b.length / 4), fontSize: 10 } },
    yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
    series: [{ type: "bar", barCategoryGap: "5%", data: b.map((x) => ({ value: x.count, itemStyle: { color: x.inBand ? GREEN : BLUE } })) }],
  };
  return { html, id, option };
}

function hbars(id, entries, title) {
  if (!entries.length) return null;
  const html = `${box(id, title, entries.length * 20 + 30, `${id}-data`)}${table(`${id}-data`, title,
    entries.map(([k, v]) => [k, fmt(v)]), [title, t("unit_powers")])}</div>`;
  const option = {
    grid: { left: 130, right: 30, top: 4, bottom: 20 }, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
    yAxis: { type: "category", inverse: true, data: entries.map(([k]) => k), axisLabel: { fontSize: 10 } },
    series: [{ type: "bar", color: BLUE, label: { show: true, position: "right", fontSize: 10 }, data: entries.map(([, v]) => v) }],
  };
  return { html, id, option };
}

function bandCaption(b, unit) {
  if (!b) return "";
  const pct = `${fmt(b.share * 100, 0)}%`;
  return esc(t("band_share", { n: fmt(b.count), of: fmt(b.of ?? b.total ?? ""), pct, from: fmt(b.from), to: fmt(b.to) })) + ` ${unit}`;
}

// Powers each level holds in the selected unit's province; with nothing selected, no province is
// picked for the reader (the country-wide view is the dashboard's).
function levelBars(stats, selected) {
  const provs = stats?.provinces || [];
  const code = selected?.unit?.level === "province" ? selected.unit.code : selected?.unit?.province_code;
  const prov = code && provs.find((p) => p.code === code);
  if (!prov?.powers) return { html: `<p class="hint">${t("no_selection")}</p>` };
  return hbars("chart-levels", [[t("province_level"), prov.powers.province], [t("commune_level"), prov.powers.commune]],
    `${t("powers_level")} — ${prov.full_name}`);
}

// table: the day's rows; stats: /v1/stats of the day; selected: {unit, powers} or null.
export function renderCharts(el, { table: rows, stats, selected }) {
  while (live.length) live.pop().dispose();
  const communes = rows.rows.filter((r) => r.level === "commune");
  if (!communes.some((r) => r.population !== null || r.area_km2 !== null)) {
    el.innerHTML = `<p class="hint">${t("pre_reform_note")}</p>`;
    return;
  }
  // Flagged figures are not facts: they stay out of the distributions (the map hatches them).
  const pops = communes.filter((r) => !r.flagged?.population).map((r) => r.population).filter((v) => v !== null);
  const areas = communes.filter((r) => !r.flagged?.area_km2).map((r) => r.area_km2).filter((v) => v !== null);
  const popBand = stats?.population?.band && { ...stats.population.band, of: stats.population.count };
  const areaBand = stats?.area_km2?.band && { ...stats.area_km2.band, of: stats.area_km2.count };
  const charts = [
    histogram("chart-pop", pops, { step: 5000, max: 80000, band: [25000, 40000], title: t("pop_dist"), unit: t("people"),
      caption: bandCaption(popBand, t("people")) }),
    histogram("chart-area", areas, { step: 20, max: 300, band: [100, 200], title: t("area_dist"), unit: "km²",
      caption: bandCaption(areaBand, "km²") }),
    levelBars(stats, selected),
  ];
  let extra = "";
  const p = selected?.powers;
  if (p) {
    const own = p.totals.by_sector_own || p.totals.by_sector || {};
    extra = `<p><b>${esc(selected.unit.full_name)}</b>: ${esc(t("n_powers", { n: fmt(p.totals.powers) }))}</p>`;
    charts.push(hbars("chart-sectors", Object.entries(own).sort((a, b) => b[1] - a[1]).map(([k, v]) => [sectorName(k), v]), t("by_sector")));
    charts.push(hbars("chart-mechanisms", Object.entries(p.totals.by_mechanism_own || p.totals.by_mechanism || {}).map(([k, v]) => [t(k), v]), t("by_mechanism")));
  }
  const drawn = charts.filter(Boolean);
  const ask = wanted ? "" : `<button type="button" id="draw-charts" class="link">${esc(t("draw_charts"))}</button>`;
  el.innerHTML = ask + drawn.slice(0, 3).map((c) => c.html).join("") + extra + drawn.slice(3).map((c) => c.html).join("");
  pending = drawn.filter((x) => x.option);
  if (wanted) draw();
  else {
    batch += 1;                                  // drawings of an earlier render are not wanted any more
    el.querySelector("#draw-charts").addEventListener("click", (ev) => {
      wanted = true;
      ev.target.remove();
      draw();
    });
  }
}

addEventListener("resize", () => { for (const c of live) c.resize(); });
