// The map: sources (vector tiles, or GeoJSON while tiles are unavailable), choropleth, outlines,
// labels, highlights. Every layer filters on feature properties, so tiles and GeoJSON style alike.
// Source URLs are keyed by the period (the first day of the generation), not by the day: two days
// of one period share every URL, so switching between them fetches nothing.
import { t, fmt } from "./i18n.js";

const NA = "#d3d7da";
const LOW_ZOOM = 5;           // below it, the coarse "communes-low" source draws the communes
const COMMUNE_SOURCES = ["communes", "communes-low"];
const SEQ = ["#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04"];
// Unit types: xã light, phường dark, đặc khu darker still: told apart by lightness, not hue alone.
const TYPES = { xa: "#c7e9a0", phuong: "#d95f0e", dac_khu: "#08519c", tinh: "#c7e9a0", thanh_pho: "#d95f0e" };
const FONT = ["Noto Sans Regular"];
const EMPTY = { type: "FeatureCollection", features: [] };
export const METRIC_UNITS = { population: "unit_people", density: "unit_density", area: "unit_km2" };
// The field each colour key maps (population, area, density), from the service's field catalogue
// (/v1/fields "metrics"): the tiles, their GeoJSON fallback and the table all use these names.
let METRIC_FIELDS = {}, FIELDS = {};
export function setCatalogue(catalogue) {
  METRIC_FIELDS = { ...catalogue.metrics };
  FIELDS = Object.fromEntries(catalogue.fields.map((f) => [f.name, f]));
}
export const fieldOf = (metric) => METRIC_FIELDS[metric] || metric;
export const digitsOf = (metric) => FIELDS[fieldOf(metric)]?.digits ?? 0;   // decimals the figure is shown with

export function createMap(container) {
  maplibregl.setWorkerUrl("/static/vendor/maplibre-gl-csp-worker.js"); // CSP: no blob: workers
  const map = new maplibregl.Map({
    container, hash: true, center: [106.2, 16.1], zoom: 4.6, minZoom: 3, maxZoom: 16, dragRotate: false,
    attributionControl: { compact: true, customAttribution: "© vietnamese-provinces-database (MIT), sapnhap.bando.com.vn" },
    style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#dfe8ee" } }] },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl(), "bottom-right");
  map.on("load", () => map.addImage("hatch", hatch(), { pixelRatio: 2 }));
  return map;
}

// A 16x16 diagonal hatch (grey lines on transparent): a flagged figure's fill pattern.
function hatch() {
  const n = 16, data = new Uint8Array(n * n * 4);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const on = (x + y) % 8 < 3, i = (y * n + x) * 4;
    data.set(on ? [60, 60, 60, 220] : [255, 255, 255, 90], i);
  }
  return { width: n, height: n, data };
}

// Tiles when the tile endpoint answers, otherwise the service's GeoJSON with the same properties.
async function sourceFor(layer, period, useTiles) {
  if (useTiles) try {
    const resp = await fetch(`/v1/tiles/${layer}.json?as_of=${period}`);
    if (resp.ok) {
      const tj = await resp.json();
      const tiles = tj.tiles.map((u) => (u.includes("as_of=") ? u : `${u}${u.includes("?") ? "&" : "?"}as_of=${period}`));
      return { kind: "tiles", spec: { type: "vector", tiles, minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 14,
        promoteId: { [layer]: "code" } } };
    }
  } catch { /* no tiles: fall back */ }
  return { kind: "geojson", spec: { type: "geojson", data: `/viewer/${layer}.geojson?as_of=${period}`, promoteId: "code" } };
}

function removeAll(map) {
  for (const id of map.getStyle().layers.map((l) => l.id)) if (id !== "bg" && id !== "osm") map.removeLayer(id);
  for (const id of Object.keys(map.getStyle().sources)) if (id !== "osm") map.removeSource(id);
}

const none = ["==", ["get", "code"], ""];

// (Re)builds the sources for a period: polygons from 2025-07-01; before it, old provinces and
// districts (outlines where exact) and old communes' centres.
export async function setPeriod(map, period, preReform, useTiles) {
  removeAll(map);
  let kind = "none";
  if (!preReform) {
    const [c, p] = await Promise.all([sourceFor("communes", period, useTiles), sourceFor("provinces", period, useTiles)]);
    kind = c.kind;
    map.addSource("communes", c.spec);
    map.addSource("provinces", p.spec);
    // The country view draws communes from one coarser tile (z3, overzoomed; ~100 KB) instead of
    // the z4 ones (~230 KB): a source is fetched only while a layer of it is in its zoom range.
    const communeSources = [["communes", kind === "tiles" ? { minzoom: LOW_ZOOM } : {}]];
    if (kind === "tiles") {
      map.addSource("communes-low", { ...c.spec, maxzoom: 3 });   // z3 tiles, overzoomed
      communeSources.push(["communes-low", { maxzoom: LOW_ZOOM }]);
    }
    const sl = (name) => (c.kind === "tiles" ? { "source-layer": name } : {});
    for (const [src, range] of communeSources) {
      map.addLayer({ id: `${src}-fill`, type: "fill", source: src, ...sl("communes"), ...range, paint: { "fill-color": NA, "fill-opacity": 0.85 } });
      map.addLayer({ id: `${src}-flagged`, type: "fill", source: src, ...sl("communes"), ...range, filter: none,
        paint: { "fill-pattern": "hatch", "fill-opacity": 0.9 } });
    }
    map.addLayer({ id: "provinces-fill", type: "fill", source: "provinces", ...sl("provinces"), layout: { visibility: "none" },
      paint: { "fill-color": NA, "fill-opacity": 0.85 } });
    map.addLayer({ id: "provinces-flagged", type: "fill", source: "provinces", ...sl("provinces"), filter: none,
      paint: { "fill-pattern": "hatch", "fill-opacity": 0.9 } });
    for (const [src, range] of communeSources) {
      map.addLayer({ id: `${src}-line`, type: "line", source: src, ...sl("communes"), ...range,
        paint: { "line-color": "#ffffff", "line-opacity": ["interpolate", ["linear"], ["zoom"], 5, 0.25, 9, 0.9], "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.2, 10, 1] } });
    }
    map.addLayer({ id: "provinces-line", type: "line", source: "provinces", ...sl("provinces"),
      paint: { "line-color": "#34495e", "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.6, 9, 2] } });
    const mainRange = communeSources[0][1];     // no layer may keep the detailed source in use below LOW_ZOOM
    for (const lvl of ["communes", "provinces"]) {
      map.addLayer({ id: `${lvl}-hover`, type: "line", source: lvl, ...sl(lvl), ...(lvl === "communes" ? mainRange : {}),
        paint: { "line-color": "#111", "line-width": 2.5, "line-opacity": ["case", ["boolean", ["feature-state", "hover"], false], 1, 0] } });
    }
    // What changed at the start of the period: communes and provinces alike, the province wider.
    map.addLayer({ id: "changed-province-line", type: "line", source: "provinces", ...sl("provinces"), filter: none,
      paint: { "line-color": "#b0009a", "line-width": 3.2, "line-dasharray": [2, 1] } });
    for (const [src, range] of communeSources) {
      map.addLayer({ id: `${src}-changed`, type: "line", source: src, ...sl("communes"), ...range, filter: none,
        paint: { "line-color": "#d100b5", "line-width": 2.2, "line-dasharray": [2, 1] } });
    }
    for (const [src, range] of [...communeSources, ["provinces", {}]]) {
      map.addLayer({ id: `${src}-selected`, type: "line", source: src, ...sl(src === "provinces" ? "provinces" : "communes"), ...range,
        filter: none, paint: { "line-color": "#00b8d9", "line-width": 3.5 } });
    }
  } else {
    // filled in after the dots are drawn (loadLater): the first computation takes a while
    map.addSource("old-outlines", { type: "geojson", data: EMPTY });
    map.addLayer({ id: "old-provinces-fill", type: "fill", source: "old-outlines", filter: ["==", ["get", "level"], "province"],
      paint: { "fill-color": ["case", ["get", "exact"], "#f3efe4", "#e6e6e6"], "fill-opacity": 0.9 } });
    map.addLayer({ id: "old-districts-line", type: "line", source: "old-outlines", filter: ["==", ["get", "level"], "district"], minzoom: 7,
      paint: { "line-color": "#7b8794", "line-width": 0.8, "line-dasharray": [3, 2] } });
    map.addLayer({ id: "old-provinces-line", type: "line", source: "old-outlines", filter: ["==", ["get", "level"], "province"],
      paint: { "line-color": "#5a4a2f", "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.8, 9, 2.2] } });
    map.addSource("legacy", { type: "geojson", data: "/v1/layers/old_communes.geojson", promoteId: "code" });
    map.addLayer({ id: "legacy-points", type: "circle", source: "legacy",
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 4, 1.4, 10, 5, 13, 7],
        "circle-color": ["case", ["get", "split"], "#d95f0e", "#2166ac"], "circle-stroke-color": "#fff", "circle-stroke-width": 0.5,
        "circle-opacity": ["interpolate", ["linear"], ["zoom"], 4, 0.55, 8, 1] } });
    map.addLayer({ id: "legacy-hover", type: "circle", source: "legacy",
      paint: { "circle-radius": 9, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#111",
        "circle-stroke-width": ["case", ["boolean", ["feature-state", "hover"], false], 2, 0] } });
    map.addLayer({ id: "legacy-selected", type: "circle", source: "legacy", filter: none,
      paint: { "circle-radius": 9, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#00b8d9", "circle-stroke-width": 3 } });
    map.addLayer({ id: "old-district-labels", type: "symbol", source: "old-outlines", filter: ["==", ["get", "level"], "district-label"],
      minzoom: 8, maxzoom: 11, layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-max-width": 7 },
      paint: { "text-color": "#4a5560", "text-halo-color": "#fff", "text-halo-width": 1.4 } });
    map.addLayer({ id: "old-province-labels", type: "symbol", source: "old-outlines", filter: ["==", ["get", "level"], "province-label"],
      maxzoom: 8, layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 12, "text-max-width": 7 },
      paint: { "text-color": "#3b2f1a", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
    map.addLayer({ id: "legacy-labels", type: "symbol", source: "legacy", minzoom: 10,
      layout: { "text-field": ["get", "full_name"], "text-font": FONT, "text-size": 11, "text-offset": [0, 0.9], "text-anchor": "top",
        "text-max-width": 8 },
      paint: { "text-color": "#1b2a38", "text-halo-color": "#fff", "text-halo-width": 1.4 } });
  }
  map.addSource("labels", { type: "geojson", data: EMPTY });
  map.addSource("seats", { type: "geojson", data: EMPTY });
  // Street-zoom orientation without a base map: communes' seats (fetched at street zoom only) and
  // provinces' capitals, as labelled points.
  map.addLayer({ id: "seat-points", type: "circle", source: "seats", minzoom: 10,
    paint: { "circle-radius": 4, "circle-color": "#1b2a38", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
  map.addLayer({ id: "seat-labels", type: "symbol", source: "seats", minzoom: 11,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 12, "text-offset": [0, 0.7], "text-anchor": "top" },
    paint: { "text-color": "#111", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
  map.addLayer({ id: "capital-points", type: "circle", source: "labels", minzoom: 6, filter: ["==", ["get", "level"], "capital"],
    paint: { "circle-radius": 5, "circle-color": "#b30000", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
  if (!preReform) {   // names from the tiles' label points (or the fallback polygons)
    const lab = (name) => (kind === "tiles" ? { "source-layer": `${name}_labels` } : {});
    map.addLayer({ id: "province-labels", type: "symbol", source: "provinces", ...lab("provinces"), maxzoom: 8,
      layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 12, "text-max-width": 7 },
      paint: { "text-color": "#1b2a38", "text-halo-color": "#fff", "text-halo-width": 1.4 } });
    map.addLayer({ id: "commune-labels", type: "symbol", source: "communes", ...lab("communes"), minzoom: 9, maxzoom: 11,  // (z >= LOW_ZOOM)
      layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-max-width": 6,
        "text-variable-anchor": ["top", "bottom", "left", "right"], "text-radial-offset": 0.5 },
      paint: { "text-color": "#222", "text-halo-color": "#fff", "text-halo-width": 1.2 } });
  }
  map.addLayer({ id: "capital-labels", type: "symbol", source: "labels", filter: ["==", ["get", "level"], "capital"], minzoom: 8,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 12, "text-offset": [0, 0.8], "text-anchor": "top" },
    paint: { "text-color": "#7a0000", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
  map.addSource("predecessors", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "pred-points", type: "circle", source: "predecessors",
    paint: { "circle-radius": 6, "circle-color": ["case", ["==", ["get", "kind"], "part"], "#ff7f00", "#e31a1c"], "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  map.addLayer({ id: "pred-labels", type: "symbol", source: "predecessors", minzoom: 8,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-offset": [0, 1.1], "text-anchor": "top" },
    paint: { "text-color": "#8c1010", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
  return kind;
}

// What waits for the first drawing, or for street zoom: old outlines, communes' seats.
export function loadLater(map, period, preReform) {
  if (preReform) map.getSource("old-outlines")?.setData("/viewer/legacy-outlines.geojson");
  const seats = () => {
    if (map.getZoom() < 10 || !map.getSource("seats") || map.__seats === period) return;
    map.__seats = period;
    map.getSource("seats").setData(`/viewer/seats.geojson?as_of=${period}`);
  };
  map.__seats = null;
  if (map.__seatsHandler) map.off("zoomend", map.__seatsHandler);
  map.__seatsHandler = preReform ? null : seats;
  if (!preReform) { seats(); map.on("zoomend", seats); }
}

// The provinces' capitals of the day's table, as labelled points.
export function setLabels(map, table) {
  const features = [];
  for (const c of table.capitals || []) features.push({ type: "Feature", geometry: { type: "Point", coordinates: [c.lon, c.lat] },
    properties: { name: c.name, level: "capital", code: c.province_code } });
  map.getSource("labels")?.setData({ type: "FeatureCollection", features });
}

// Class breaks: the distinct values when few, else septiles rounded to 2 significant digits.
export function breaks(values) {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  const distinct = [...new Set(v)];
  if (distinct.length <= 7) return distinct.slice(1);
  const round = (x) => { if (x <= 0) return 0; const p = 10 ** (Math.floor(Math.log10(x)) - 1); return Math.round(x / p) * p; };
  const out = [];
  for (let i = 1; i < 7; i++) {
    const b = round(v[Math.floor((i * v.length) / 7)]);
    if (!out.includes(b) && b > (out.at(-1) ?? -Infinity)) out.push(b);
  }
  return out;
}

const valueExpr = (metric) => ["get", fieldOf(metric)];

// The reason a row's figure for a metric is flagged or withheld ("" when it is a plain figure).
export function flagReason(row, metric) {
  const f = row?.flagged;
  if (!f) return "";
  if (metric === "population") return f.population || "";
  if (metric === "area") return f.area_km2 || "";
  if (metric === "density") return f.population || f.area_km2 || "";
  return "";
}

// The fill expression and the legend rows for a metric on one level's rows. Flagged figures stay
// out of the class breaks (they are not facts) and are drawn hatched over grey.
export function choropleth(metric, rows) {
  if (metric === "type") {
    const present = [...new Set(rows.map((r) => r.type))].filter((k) => TYPES[k]);
    const expr = ["match", ["get", "type"], ...present.flatMap((k) => [k, TYPES[k]]), NA];
    return { expr, items: present.map((k) => [TYPES[k], t(k)]), flagged: [] };
  }
  const flagged = rows.filter((r) => flagReason(r, metric)).map((r) => r.code);
  const facts = rows.filter((r) => !flagReason(r, metric));
  const b = breaks(facts.map((r) => r[fieldOf(metric)]));
  const colours = SEQ.slice(-(b.length + 1));
  const v = valueExpr(metric);
  const expr = ["case", ["in", ["get", "code"], ["literal", flagged]], NA, ["==", v, null], NA,
    ["step", ["to-number", v], colours[0], ...b.flatMap((x, i) => [x, colours[i + 1]])]];
  const digits = metric === "area" && b[0] < 10 ? 1 : 0;
  const unit = ` ${t(METRIC_UNITS[metric])}`;
  const items = colours.map((c, i) => [c, (i === 0 ? `< ${fmt(b[0], digits)}` : i === b.length ? `≥ ${fmt(b[i - 1], digits)}`
    : `${fmt(b[i - 1], digits)} – ${fmt(b[i], digits)}`) + unit]);
  items.push([NA, t("no_data")]);
  return { expr, items, flagged };
}

export function applyStyle(map, { metric, level, table, changed, changedProvinces }) {
  if (!map.getLayer("communes-fill")) return null;
  const rows = table.rows.filter((r) => r.level === level);
  const { expr, items, flagged } = choropleth(metric, rows);
  const sources = COMMUNE_SOURCES.filter((src) => map.getLayer(`${src}-fill`));
  const fills = level === "province" ? ["provinces"] : sources;
  const others = level === "province" ? sources : ["provinces"];
  for (const src of fills) {
    map.setPaintProperty(`${src}-fill`, "fill-color", expr);
    map.setLayoutProperty(`${src}-fill`, "visibility", "visible");
    map.setFilter(`${src}-flagged`, ["in", ["get", "code"], ["literal", flagged]]);
  }
  for (const src of others) {
    map.setLayoutProperty(`${src}-fill`, "visibility", "none");
    map.setFilter(`${src}-flagged`, none);
  }
  for (const src of sources) map.setFilter(`${src}-changed`, ["in", ["get", "code"], ["literal", changed]]);
  map.setFilter("changed-province-line", ["in", ["get", "code"], ["literal", changedProvinces]]);
  return { items, flagged: flagged.length };
}

export function legendHTML(title, style, { changed = 0, changedProvinces = 0, changedOn = "", preReform = false } = {}) {
  if (preReform) {
    return `<b>${t("pre_reform_legend")}</b><div><i class="line-old"></i>${t("old_province_outline")}</div>`
      + `<div><i class="line-district"></i>${t("old_district_outline")}</div>`
      + `<div><i class="dot" style="background:#2166ac"></i>${t("old_commune_dot")}</div>`
      + `<div><i class="dot" style="background:#d95f0e"></i>${t("old_commune_split")}</div>`
      + `<p class="note">${t("pre_reform_note")}</p>`;
  }
  const rows = (style?.items || []).map(([c, label]) => `<div><i style="background:${c}"></i>${label}</div>`).join("");
  const fl = style?.flagged ? `<div><i class="hatch"></i>${t("flagged_legend")} (${fmt(style.flagged)})</div>` : "";
  const chP = changedProvinces ? `<div><i class="ring wide"></i>${t("changed", { date: changedOn })}: ${fmt(changedProvinces)} ${t("lvl_province")}</div>` : "";
  const ch = changed ? `<div><i class="ring"></i>${t("changed", { date: changedOn })}: ${fmt(changed)} ${t("lvl_commune")}</div>` : "";
  return `<b>${title}</b>${rows}${fl}${chP}${ch}`;
}

export function select(map, code, level) {
  const f = ["==", ["get", "code"], code || ""];
  const which = { "communes-selected": "commune", "communes-low-selected": "commune", "provinces-selected": "province", "legacy-selected": "old" };
  for (const [id, lvl] of Object.entries(which)) if (map.getLayer(id)) map.setFilter(id, lvl === level ? f : none);
}

export function showPredecessors(map, preds) {
  const features = (preds || []).filter((p) => p.centre).map((p) => ({ type: "Feature",
    geometry: { type: "Point", coordinates: p.centre }, properties: { name: p.full_name, kind: p.kind, code: p.code } }));
  map.getSource("predecessors")?.setData({ type: "FeatureCollection", features });
}
