// Small SVG charts of the decentralisation view: how communes compare with the 25,000–40,000
// people and 100–200 km² the seeds speak of, and how many powers each level and sector now holds.
import { t, fmt, esc } from "./i18n.js";
import { sectorName } from "./panel.js";

const W = 360;

function histogram(values, { step, max, band, title, caption, unit }) {
  const n = Math.ceil(max / step) + 1;              // the last bin holds everything ≥ max
  const counts = new Array(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.floor(v / step))] += 1;
  const top = Math.max(1, ...counts), h = 90, bw = (W - 20) / n;
  const bars = counts.map((c, i) => {
    const lo = i * step, inBand = lo >= band[0] && lo + step <= band[1];
    const bh = (c / top) * h;
    const label = i === n - 1 ? `≥ ${fmt(max)}` : `${fmt(lo)}–${fmt(lo + step)}`;
    return `<rect class="${inBand ? "col-band" : "col"}" x="${10 + i * bw}" y="${10 + h - bh}" width="${bw - 1}" height="${bh}"><title>${label} ${unit}: ${c}</title></rect>`;
  }).join("");
  const ticks = [0, Math.floor(n / 2), n - 1].map((i) => `<text x="${10 + i * bw + (i === n - 1 ? bw : 0)}" y="${h + 22}" text-anchor="${i === n - 1 ? "end" : "start"}">${fmt(i * step)}${i === n - 1 ? "+" : ""}</text>`).join("");
  const rows = counts.map((c, i) => [i === n - 1 ? `≥ ${fmt(max)}` : `${fmt(i * step)}–${fmt((i + 1) * step)}`, c]);
  return `<figure class="chart"><h3>${esc(title)}</h3><svg viewBox="0 0 ${W} ${h + 26}" role="img" aria-label="${esc(title)}">${bars}${ticks}</svg>`
    + `<figcaption>${caption}</figcaption>${dataTable(title, [`${t("bin")} (${unit})`, t("count")], rows)}</figure>`;
}

// Every chart's figures as a table too (screen readers, copying): folded away under the chart.
function dataTable(title, head, rows) {
  return `<details class="data"><summary>${esc(t("data_table"))}<span class="sr">: ${esc(title)}</span></summary><table>`
    + `<thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead>`
    + `<tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${fmt(v)}</td></tr>`).join("")}</tbody></table></details>`;
}

function hbars(entries, title) {
  if (!entries.length) return "";
  const top = Math.max(...entries.map(([, v]) => v)), rh = 15, lw = 150;
  const rows = entries.map(([label, v], i) => `<text x="0" y="${i * rh + 11}">${esc(label)}</text>`
    + `<rect class="col" x="${lw}" y="${i * rh + 2}" width="${((W - lw - 40) * v) / top}" height="${rh - 4}"></rect>`
    + `<text x="${lw + ((W - lw - 40) * v) / top + 4}" y="${i * rh + 11}">${fmt(v)}</text>`).join("");
  return `<figure class="chart"><h3>${esc(title)}</h3><svg viewBox="0 0 ${W} ${entries.length * rh + 4}" role="img" aria-label="${esc(title)}">${rows}</svg>`
    + `${dataTable(title, [title, t("unit_powers")], entries)}</figure>`;
}

function bandCaption(b, unit) {
  if (!b) return "";
  const pct = `${fmt(b.share * 100, 0)}%`;
  return esc(t("band_share", { n: fmt(b.count), of: fmt(b.of ?? b.total ?? ""), pct, from: fmt(b.from), to: fmt(b.to) })) + ` ${unit}`;
}

// table: the day's rows; stats: /v1/stats of the day; selected: {unit, powers} or null.
export function renderCharts(el, { table, stats, selected }) {
  const communes = table.rows.filter((r) => r.level === "commune");
  if (!communes.some((r) => r.population !== null || r.area !== null)) {
    el.innerHTML = `<p class="hint">${t("pre_reform_note")}</p>`;
    return;
  }
  // Flagged figures are not facts: they stay out of the distributions (the map hatches them).
  const pops = communes.filter((r) => !r.flags?.population).map((r) => r.population).filter((v) => v !== null);
  const areas = communes.filter((r) => !r.flags?.area_km2).map((r) => r.area).filter((v) => v !== null);
  const popBand = stats?.population?.band && { ...stats.population.band, of: stats.population.count };
  const areaBand = stats?.area_km2?.band && { ...stats.area_km2.band, of: stats.area_km2.count };
  let html = histogram(pops, { step: 5000, max: 80000, band: [25000, 40000], title: t("pop_dist"), unit: t("people"),
    caption: bandCaption(popBand, t("people")) });
  html += histogram(areas, { step: 20, max: 300, band: [100, 200], title: t("area_dist"), unit: "km²",
    caption: bandCaption(areaBand, "km²") });
  html += levelBars(stats, selected);
  const p = selected?.powers;
  if (p) {
    const own = p.totals.by_sector_own || p.totals.by_sector || {};
    html += `<p><b>${esc(selected.unit.full_name)}</b>: ${esc(t("n_powers", { n: fmt(p.totals.powers) }))}</p>`;
    html += hbars(Object.entries(own).sort((a, b) => b[1] - a[1]).map(([k, v]) => [sectorName(k), v]), t("by_sector"));
    html += hbars(Object.entries(p.totals.by_mechanism_own || p.totals.by_mechanism || {}).map(([k, v]) => [t(k), v]), t("by_mechanism"));
  }
  el.innerHTML = html;
}

// Powers each level holds in the selected unit's province; with nothing selected, no province is
// picked for the reader (the country-wide view is the dashboard's).
function levelBars(stats, selected) {
  const provs = stats?.provinces || [];
  const code = selected?.unit?.level === "province" ? selected.unit.code : selected?.unit?.province_code;
  const prov = code && provs.find((p) => p.code === code);
  if (!prov?.powers) return `<p class="hint">${t("no_selection")}</p>`;
  return hbars([[t("province_level"), prov.powers.province], [t("commune_level"), prov.powers.commune]],
    `${t("powers_level")} — ${prov.full_name}`);
}
