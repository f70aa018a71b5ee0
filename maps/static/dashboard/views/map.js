// 3. Map: choose a sector or a single power and see which units hold it on the date: a choropleth of
// the count (own + inherited), special regimes hatched, provinces' own re-delegations outlined, the
// provinces with their own law or resolutions drawn with a heavy border.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate, sectorName } from "../i18n.js";
import { dataTable } from "../table.js";

// Sequential, colour-blind safe (viridis, light = few); zero is a neutral grey.
const RAMP = ["#fde725", "#a0da39", "#4ac16d", "#1fa187", "#277f8e", "#365c8d", "#46327e"];
const ZERO = "#e4e4e4";
const SECTORS_ORDER = ["land", "construction", "transport", "finance_budget", "planning_investment", "home_affairs",
  "agriculture_environment", "industry_trade", "education", "health", "culture_tourism", "justice",
  "science_technology", "ethnic_religion", "public_security", "general"];

let map = null;       // one MapLibre map kept across renders of this view (a new one per page is costly)
let mapDay = null;

function classes(max) {
  if (max <= RAMP.length) return Array.from({ length: Math.max(max, 1) }, (_, i) => i + 1);   // one class per count
  const step = max / RAMP.length;
  return RAMP.map((_, i) => Math.round(1 + i * step));
}

function colourFor(n, breaks) {
  if (!n) return ZERO;
  let k = 0;
  for (let i = 0; i < breaks.length; i += 1) if (n >= breaks[i]) k = i;
  return RAMP[Math.round((k * (RAMP.length - 1)) / Math.max(1, breaks.length - 1))];
}

function hatch() {   // 8x8 diagonal stripes for the special regimes
  const size = 8, data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y += 1) for (let x = 0; x < size; x += 1) {
    if ((x + y) % size < 2) data.set([0, 0, 0, 200], (y * size + x) * 4);
  }
  return { width: size, height: size, data };
}

async function tileSource(layer, day) {
  const resp = await fetch(`/v1/tiles/${layer}.json?as_of=${day}`);
  if (resp.ok) {
    const tj = await resp.json();
    const tiles = tj.tiles.map((u) => (u.includes("as_of=") ? u : `${u}${u.includes("?") ? "&" : "?"}as_of=${day}`));
    return { tiled: true, spec: { type: "vector", tiles, minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 14, promoteId: { [layer]: "code" } } };
  }
  return { tiled: false, spec: { type: "geojson", data: `/viewer/${layer}.geojson?as_of=${day}`, promoteId: "code" } };
}

async function ensureMap(el, day) {
  if (map && map.getContainer() === el && mapDay === day) return map;
  if (map) { map.remove(); map = null; }
  maplibregl.setWorkerUrl("/static/vendor/maplibre-gl-csp-worker.js");
  map = new maplibregl.Map({
    container: el, bounds: [[101.8, 8.2], [110.2, 23.6]], fitBoundsOptions: { padding: 10 }, minZoom: 3, maxZoom: 14, dragRotate: false,
    attributionControl: { compact: true, customAttribution: "© vietnamese-provinces-database (MIT), sapnhap.bando.com.vn" },
    style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#dfe8ee" } }] },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  await new Promise((ok) => map.once("load", ok));
  map.addImage("hatch", hatch());
  const [c, p] = await Promise.all([tileSource("communes", day), tileSource("provinces", day)]);
  map.addSource("communes", c.spec);
  map.addSource("provinces", p.spec);
  const sl = (name, s) => (s.tiled ? { "source-layer": name } : {});
  map.addLayer({ id: "units-fill", type: "fill", source: "communes", ...sl("communes", c), paint: { "fill-color": ZERO } });
  map.addLayer({ id: "prov-fill", type: "fill", source: "provinces", ...sl("provinces", p), layout: { visibility: "none" }, paint: { "fill-color": ZERO } });
  map.addLayer({ id: "special-hatch", type: "fill", source: "communes", ...sl("communes", c), filter: ["in", ["get", "code"], ["literal", []]],
    paint: { "fill-pattern": "hatch" } });
  map.addLayer({ id: "prov-special-hatch", type: "fill", source: "provinces", ...sl("provinces", p), filter: ["in", ["get", "code"], ["literal", []]],
    layout: { visibility: "none" }, paint: { "fill-pattern": "hatch" } });
  map.addLayer({ id: "units-line", type: "line", source: "communes", ...sl("communes", c),
    paint: { "line-color": "#ffffff", "line-opacity": ["interpolate", ["linear"], ["zoom"], 5, 0.2, 9, 0.9], "line-width": 0.4 } });
  map.addLayer({ id: "redelegated-line", type: "line", source: "communes", ...sl("communes", c), filter: ["in", ["get", "code"], ["literal", []]],
    paint: { "line-color": "#CC79A7", "line-width": 2, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "prov-line", type: "line", source: "provinces", ...sl("provinces", p), paint: { "line-color": "#34495e", "line-width": 0.7 } });
  map.addLayer({ id: "regime-line", type: "line", source: "provinces", ...sl("provinces", p), filter: ["in", ["get", "code"], ["literal", []]],
    paint: { "line-color": "#000000", "line-width": 3 } });
  mapDay = day;
  return map;
}

function legend(breaks, max) {
  const items = [[ZERO, `0 (${t("legend_zero")})`]];
  breaks.forEach((b, i) => {
    const hi = i + 1 < breaks.length ? breaks[i + 1] - 1 : max;
    items.push([colourFor(b, breaks), b === hi ? fmt(b) : `${fmt(b)}–${fmt(hi)}`]);
  });
  return `<div class="legend"><b>${esc(t("legend_count"))}</b>${items.map(([c, l]) =>
    `<div><i style="background:${c}"></i>${esc(l)}</div>`).join("")}
    <div><i class="hatch"></i>${esc(t("legend_special"))}</div>
    <div><i class="dash"></i>${esc(t("legend_redelegated"))}</div>
    <div><i class="heavy"></i>${esc(t("legend_regime_province"))}</div></div>`;
}

export async function render(root, state, { update }) {
  const level = state.level === "province" ? "province" : "commune";
  const power = /^p\d{1,6}$/.test(state.power || "") ? state.power : "";
  const sector = power ? "" : (SECTORS_ORDER.includes(state.sector) ? state.sector : "land");
  const [data, list] = await Promise.all([
    getJSON("/v1/dashboard/map", { as_of: state.date, level, sector, power }),
    getJSON("/v1/dashboard/cell", { as_of: state.date, sector: sector || state.psector || "" }),
  ]);
  const rows = data.rows.map((r) => Object.fromEntries(data.columns.map((c, i) => [c, r[i]])))
    .map((r) => ({ ...r, total: r.own + r.inherited })).sort((x, y) => y.total - x.total || x.code.localeCompare(y.code));
  const breaks = classes(data.max);
  const regimes = data.special_regimes.map((r) => r.province);
  root.innerHTML = `<h2>${esc(t("map_h", { date: fmtDate(state.date) }))}</h2>
    <form class="mapform" id="mapform">
      <label>${esc(t("choose_sector"))} <select name="sector">${SECTORS_ORDER.map((s) =>
        `<option value="${s}"${s === (sector || state.psector) ? " selected" : ""}>${esc(sectorName(s))}</option>`).join("")}</select></label>
      <label>${esc(t("choose_power"))} <select name="power"><option value="">${esc(t("all_powers"))}</option>${list.results.map((p) =>
        `<option value="${p.id}"${p.id === power ? " selected" : ""}>${esc(p.id)} — ${esc((state.lang === "en" ? p.summary_en : p.summary_vi).slice(0, 90))}</option>`).join("")}</select></label>
      <label>${esc(t("level"))} <select name="level"><option value="commune"${level === "commune" ? " selected" : ""}>${esc(t("communes"))}</option>
        <option value="province"${level === "province" ? " selected" : ""}>${esc(t("provinces"))}</option></select></label>
    </form>
    <p id="map-holding" data-holding="${data.holding}" data-units="${data.units}">${esc(t("holding", { n: fmt(data.holding), of: fmt(data.units) }))}</p>
    <div class="mapwrap"><div id="dmap" role="region" aria-label="${esc(t("map_h", { date: fmtDate(state.date) }))}" aria-describedby="map-table"></div>
      ${legend(breaks, data.max)}<div id="map-pick" class="pick" aria-live="polite">${esc(t("map_pick"))}</div></div>
    <h3>${esc(t("regimes_h"))}</h3>
    ${dataTable({ id: "regimes-table", caption: t("regimes_h"), rows: data.special_regimes, name: "special_regimes",
      columns: [{ key: "province", label: t("code") }, { key: "full_name", label: t("province") }, { key: "instruments", label: t("instrument"), value: (r) => r.instruments.join(" ; ") },
        { key: "powers", label: t("powers"), num: true }] })}
    ${dataTable({ id: "map-table", caption: t("holding", { n: fmt(data.holding), of: fmt(data.units) }), rows, limit: 30,
      name: `holders_${level}_${power || sector}`,
      columns: [{ key: "code", label: t("code") }, { key: "full_name", label: t("unit") }, { key: "province_code", label: t("province") },
        { key: "total", label: t("total"), num: true }, { key: "own", label: t("own"), num: true },
        { key: "inherited", label: t("inherited"), num: true }, { key: "special", label: t("special"), num: true },
        { key: "redelegated", label: t("redelegated"), num: true }] })}`;
  const form = root.querySelector("#mapform");
  form.addEventListener("change", (ev) => {
    const f = new FormData(form);
    if (ev.target.name === "sector") update({ sector: f.get("sector"), power: "", psector: "" });
    else if (ev.target.name === "power") update({ power: f.get("power"), psector: f.get("power") ? f.get("sector") : "", sector: f.get("power") ? "" : f.get("sector") });
    else update({ level: f.get("level") });
  });
  const m = await ensureMap(root.querySelector("#dmap"), state.date);
  const fillLayer = level === "province" ? "prov-fill" : "units-fill";
  const pairs = rows.flatMap((r) => [r.code, colourFor(r.total, breaks)]);
  const colour = pairs.length ? ["match", ["get", "code"], ...pairs, ZERO] : ZERO;
  const special = rows.filter((r) => r.special > 0 || r.inherited > 0).map((r) => r.code);
  m.setLayoutProperty("units-fill", "visibility", level === "commune" ? "visible" : "none");
  m.setLayoutProperty("prov-fill", "visibility", level === "province" ? "visible" : "none");
  m.setLayoutProperty("special-hatch", "visibility", level === "commune" ? "visible" : "none");
  m.setLayoutProperty("prov-special-hatch", "visibility", level === "province" ? "visible" : "none");
  m.setPaintProperty(fillLayer, "fill-color", colour);
  m.setFilter(level === "province" ? "prov-special-hatch" : "special-hatch", ["in", ["get", "code"], ["literal", special]]);
  m.setFilter("redelegated-line", ["in", ["get", "code"], ["literal", rows.filter((r) => r.redelegated > 0).map((r) => r.code)]]);
  m.setFilter("regime-line", ["in", ["get", "code"], ["literal", regimes]]);
  const byCode = new Map(rows.map((r) => [r.code, r]));
  m.off("click", m._dashClick);
  m._dashClick = (ev) => {
    const f = m.queryRenderedFeatures(ev.point, { layers: [fillLayer] })[0];
    if (!f) return;
    const r = byCode.get(f.properties.code) || { own: 0, inherited: 0, special: 0, redelegated: 0, total: 0 };
    root.querySelector("#map-pick").innerHTML = `<b>${esc(f.properties.full_name || f.properties.name || f.properties.code)}</b> (${esc(f.properties.code)}):
      ${fmt(r.total)} — ${esc(t("own"))} ${fmt(r.own)}, ${esc(t("inherited"))} ${fmt(r.inherited)}, ${esc(t("special"))} ${fmt(r.special)}, ${esc(t("redelegated"))} ${fmt(r.redelegated)}`;
  };
  m.on("click", m._dashClick);
  await new Promise((ok) => (m.loaded() ? ok() : m.once("idle", ok)));
}

export function leave() {
  if (map) { map.remove(); map = null; mapDay = null; }
}
