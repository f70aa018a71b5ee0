// Charts with Apache ECharts (vendored from npm, no CDN): SVG renderer, colour-blind-safe colours
// (Okabe–Ito) with ECharts' decal patterns, and its aria description. Each chart container is
// keyboard reachable and points at the table that holds its data (dataTable in table.js).
import * as echarts from "/static/vendor/echarts.esm.min.js";

// Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
export const LEVEL_COLOURS = { province: "#0072B2", commune: "#E69F00", central: "#7a7a7a" };

const live = new Map();   // container id -> chart

export function chartBox(id, label, tableId, height = 320) {
  return `<div class="chart" id="${id}" style="height:${height}px" tabindex="0" role="img" aria-label="${label.replace(/"/g, "&quot;")}"
    aria-describedby="${tableId}"></div>`;
}

export function draw(id, option) {
  const el = document.getElementById(id);
  if (!el) return null;
  live.get(id)?.dispose();
  const chart = echarts.init(el, null, { renderer: "svg", locale: "EN" });
  chart.setOption({
    color: PALETTE, animation: false,
    aria: { enabled: true, decal: { show: true } },
    textStyle: { fontFamily: "system-ui, sans-serif" },
    ...option,
  });
  live.set(id, chart);
  return chart;
}

// A phone's width: legends go above more room, labels get smaller.
export const narrow = () => innerWidth < 600;

export function disposeAll() {
  for (const c of live.values()) c.dispose();
  live.clear();
}

addEventListener("resize", () => { for (const c of live.values()) c.resize(); });
