// The map: sources (vector tiles, or GeoJSON while tiles are unavailable), choropleth, outlines,
// labels, highlights. Every layer filters on feature properties, so tiles and GeoJSON style alike.
import { t, fmt } from "./i18n.js";

const NA = "#d3d7da";
const SEQ = ["#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04"];
const PURPLE = ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"];
const TYPES = { xa: "#a6d96a", phuong: "#fdae61", dac_khu: "#2b83ba", tinh: "#c2e699", thanh_pho: "#e6550d" };
const FONT = ["Noto Sans Regular"];
const EMPTY = { type: "FeatureCollection", features: [] };

export function createMap(container) {
  maplibregl.setWorkerUrl("/static/vendor/maplibre-gl-csp-worker.js"); // CSP: no blob: workers
  const map = new maplibregl.Map({
    container, hash: true, center: [106.2, 16.1], zoom: 4.6, minZoom: 3, maxZoom: 16, dragRotate: false,
    attributionControl: { compact: true, customAttribution: "© vietnamese-provinces-database (MIT), sapnhap.bando.com.vn" },
    style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#dfe8ee" } }] },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl(), "bottom-right");
  return map;
}

// Tiles when the tile endpoint answers, otherwise the service's GeoJSON with the same properties.
async function sourceFor(layer, asOf, useTiles) {
  if (useTiles) try {
    const resp = await fetch(`/v1/tiles/${layer}.json?as_of=${asOf}`);
    if (resp.ok) {
      const tj = await resp.json();
      const tiles = tj.tiles.map((u) => (u.includes("as_of=") ? u : `${u}${u.includes("?") ? "&" : "?"}as_of=${asOf}`));
      return { kind: "tiles", spec: { type: "vector", tiles, minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 14,
        promoteId: { [layer]: "code" } } };
    }
  } catch { /* no tiles: fall back */ }
  return { kind: "geojson", spec: { type: "geojson", data: `/viewer/${layer}.geojson?as_of=${asOf}`, promoteId: "code" } };
}

function removeAll(map) {
  for (const id of map.getStyle().layers.map((l) => l.id)) if (id !== "bg" && id !== "osm") map.removeLayer(id);
  for (const id of Object.keys(map.getStyle().sources)) if (id !== "osm") map.removeSource(id);
}

// (Re)builds the sources for a day: polygons from 2025-07-01, old communes' centres before.
export async function setDay(map, asOf, preReform, useTiles) {
  removeAll(map);
  let kind = "none";
  if (!preReform) {
    const [c, p] = await Promise.all([sourceFor("communes", asOf, useTiles), sourceFor("provinces", asOf, useTiles)]);
    kind = c.kind;
    map.addSource("communes", c.spec);
    map.addSource("provinces", p.spec);
    const sl = (name) => (c.kind === "tiles" ? { "source-layer": name } : {});
    map.addLayer({ id: "communes-fill", type: "fill", source: "communes", ...sl("communes"), paint: { "fill-color": NA, "fill-opacity": 0.85 } });
    map.addLayer({ id: "provinces-fill", type: "fill", source: "provinces", ...sl("provinces"), layout: { visibility: "none" }, paint: { "fill-color": NA, "fill-opacity": 0.85 } });
    map.addLayer({ id: "communes-line", type: "line", source: "communes", ...sl("communes"),
      paint: { "line-color": "#ffffff", "line-opacity": ["interpolate", ["linear"], ["zoom"], 5, 0.25, 9, 0.9], "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.2, 10, 1] } });
    map.addLayer({ id: "provinces-line", type: "line", source: "provinces", ...sl("provinces"),
      paint: { "line-color": "#34495e", "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.6, 9, 2] } });
    for (const lvl of ["communes", "provinces"]) {
      map.addLayer({ id: `${lvl}-hover`, type: "line", source: lvl, ...sl(lvl),
        paint: { "line-color": "#111", "line-width": 2.5, "line-opacity": ["case", ["boolean", ["feature-state", "hover"], false], 1, 0] } });
    }
    map.addLayer({ id: "changed-line", type: "line", source: "communes", ...sl("communes"), filter: ["in", ["get", "code"], ["literal", []]],
      paint: { "line-color": "#d100b5", "line-width": 2.2, "line-dasharray": [2, 1] } });
    for (const lvl of ["communes", "provinces"]) {
      map.addLayer({ id: `${lvl}-selected`, type: "line", source: lvl, ...sl(lvl), filter: ["==", ["get", "code"], ""],
        paint: { "line-color": "#00b8d9", "line-width": 3.5 } });
    }
  } else {
    map.addSource("legacy", { type: "geojson", data: "/v1/layers/legacy-communes.geojson", promoteId: "code" });
    map.addLayer({ id: "legacy-points", type: "circle", source: "legacy",
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 4, 1.6, 10, 5],
        "circle-color": ["case", ["get", "split"], "#e6550d", "#3182bd"], "circle-stroke-color": "#fff", "circle-stroke-width": 0.4 } });
    map.addLayer({ id: "legacy-selected", type: "circle", source: "legacy", filter: ["==", ["get", "code"], ""],
      paint: { "circle-radius": 8, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#00b8d9", "circle-stroke-width": 3 } });
  }
  map.addSource("labels", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "province-labels", type: "symbol", source: "labels", filter: ["==", ["get", "level"], "province"], maxzoom: 9,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 12, "text-max-width": 7 },
    paint: { "text-color": "#1b2a38", "text-halo-color": "#fff", "text-halo-width": 1.4 } });
  map.addLayer({ id: "commune-labels", type: "symbol", source: "labels", filter: ["==", ["get", "level"], "commune"], minzoom: 9,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-max-width": 6 },
    paint: { "text-color": "#222", "text-halo-color": "#fff", "text-halo-width": 1.2 } });
  map.addSource("predecessors", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "pred-points", type: "circle", source: "predecessors",
    paint: { "circle-radius": 6, "circle-color": ["case", ["==", ["get", "kind"], "part"], "#ff7f00", "#e31a1c"], "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  map.addLayer({ id: "pred-labels", type: "symbol", source: "predecessors", minzoom: 8,
    layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 11, "text-offset": [0, 1.1], "text-anchor": "top" },
    paint: { "text-color": "#8c1010", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
  return kind;
}

export function setLabels(map, table) {
  const features = table.rows.filter((r) => r.lon !== null).map((r) => ({
    type: "Feature", geometry: { type: "Point", coordinates: [r.lon, r.lat] }, properties: { name: r.name, level: r.level, code: r.code } }));
  map.getSource("labels")?.setData({ type: "FeatureCollection", features });
}

// Class breaks: the distinct values when few (power counts), else septiles rounded to 2 significant digits.
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

function valueExpr(metric) {
  // The tiles name the official area `area_km2`; the GeoJSON fallback `area`.
  if (metric === "area") return ["coalesce", ["get", "area"], ["get", "area_km2"]];
  return metric === "powers" ? ["coalesce", ["get", "powers"], ["get", "powers_total"]] : ["get", metric];
}

// The fill expression and the legend rows for a metric on one level's rows.
export function choropleth(metric, rows) {
  if (metric === "type") {
    const present = [...new Set(rows.map((r) => r.type))].filter((k) => TYPES[k]);
    const expr = ["match", ["get", "type"], ...present.flatMap((k) => [k, TYPES[k]]), NA];
    return { expr, items: present.map((k) => [TYPES[k], t(k)]) };
  }
  const b = breaks(rows.map((r) => r[metric]));
  const colours = (metric === "powers" ? PURPLE : SEQ).slice(-(b.length + 1));
  const v = valueExpr(metric);
  const expr = ["case", ["==", v, null], NA, ["step", ["to-number", v], colours[0], ...b.flatMap((x, i) => [x, colours[i + 1]])]];
  const digits = metric === "area" && b[0] < 10 ? 1 : 0;
  const distinct = [...new Set(rows.map((r) => r[metric]).filter((x) => x !== null && x !== undefined))].sort((x, y) => x - y);
  // Few distinct values (power counts): one class per value, labelled with the value itself.
  const items = distinct.length <= 7 ? distinct.map((x, i) => [colours[i], fmt(x)])
    : colours.map((c, i) => [c, i === 0 ? `< ${fmt(b[0], digits)}` : i === b.length ? `≥ ${fmt(b[i - 1], digits)}`
      : `${fmt(b[i - 1], digits)} – ${fmt(b[i], digits)}`]);
  items.push([NA, t("no_data")]);
  return { expr, items };
}

export function applyStyle(map, { metric, level, table, changed }) {
  if (!map.getLayer("communes-fill")) return null;
  const rows = table.rows.filter((r) => r.level === level);
  const { expr, items } = choropleth(metric, rows);
  const fillId = level === "province" ? "provinces-fill" : "communes-fill";
  const other = level === "province" ? "communes-fill" : "provinces-fill";
  map.setPaintProperty(fillId, "fill-color", expr);
  map.setLayoutProperty(fillId, "visibility", "visible");
  map.setLayoutProperty(other, "visibility", "none");
  map.setFilter("changed-line", ["in", ["get", "code"], ["literal", changed]]);
  return items;
}

export function legendHTML(title, items, { changed = 0, changedOn = "", preReform = false } = {}) {
  if (preReform) {
    return `<b>${t("pre_reform_map")}</b><div><i style="background:#3182bd;border-radius:50%"></i>${t("whole")}</div>`
      + `<div><i style="background:#e6550d;border-radius:50%"></i>${t("part")} (split)</div>`;
  }
  const rows = (items || []).map(([c, label]) => `<div><i style="background:${c}"></i>${label}</div>`).join("");
  const ch = changed ? `<div><i class="ring"></i>${t("changed", { date: changedOn })} (${changed})</div>` : "";
  return `<b>${title}</b>${rows}${ch}`;
}

export function select(map, code, level) {
  const none = ["==", ["get", "code"], ""];
  const f = ["==", ["get", "code"], code || ""];
  const which = { "communes-selected": "commune", "provinces-selected": "province", "legacy-selected": "old" };
  for (const [id, lvl] of Object.entries(which)) if (map.getLayer(id)) map.setFilter(id, lvl === level ? f : none);
}

export function showPredecessors(map, preds) {
  const features = (preds || []).filter((p) => p.centre).map((p) => ({ type: "Feature",
    geometry: { type: "Point", coordinates: p.centre }, properties: { name: p.full_name, kind: p.kind, code: p.code } }));
  map.getSource("predecessors")?.setData({ type: "FeatureCollection", features });
}
