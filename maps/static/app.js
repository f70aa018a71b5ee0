// The viewer: wires the map, the time bar, search, the panel and the charts to one state that the
// URL carries (?unit=&date=&colour=&level=&lang= and MapLibre's #zoom/lat/lon).
import { getJSON, getOptional, Problem, readState, writeState } from "./api.js";
import { t, setLang, getLang, esc } from "./i18n.js";
import * as layers from "./layers.js";
import { unitHTML, legacyHTML, pointHTML, missHTML } from "./panel.js";
import { renderCharts } from "./charts.js";
import { setupSearch } from "./search.js";

const REFORM = "2025-07-01";
const $ = (id) => document.getElementById(id);
const state = { colour: "population", level: "commune", lang: "vi", date: null, unit: null };
const defaults = { ...state };
let selToken = 0;                            // the latest selection wins over a slower earlier one
let map, meta, config = { tiles: false }, table = { rows: [] }, stats = null, selected = null, lastPanel = null, dayToken = 0;

const status = (msg) => { $("status").textContent = msg || ""; };
const preReform = () => state.date < REFORM;
const save = () => writeState(state, defaults);

async function init() {
  Object.assign(state, readState());
  setLang(state.lang);
  [meta, config] = await Promise.all([getJSON("/v1/meta"), getJSON("/viewer/config.json")]);
  defaults.date = meta.today;
  state.date ||= meta.today;
  $("attribution").textContent = meta.licence;
  const hadView = location.hash.length > 1;   // before MapLibre writes its own hash
  map = layers.createMap("map");
  map.on("error", (e) => { if (e.error?.name !== "AbortError") console.error("map:", e.error?.message || e); });
  await new Promise((ok) => map.on("load", ok));
  bindControls();
  renderGenerations();
  await setDay(state.date);
  if (state.unit) await selectCode(state.unit, { fly: !hadView });
}

// --- time -----------------------------------------------------------------------------------
function generationDates() {
  const out = [{ date: "2025-06-30", label: t("pre_reform") }];
  for (const g of meta.generations) if (g.valid_from) out.push({ date: g.valid_from, label: g.valid_from });
  out.push({ date: meta.today, label: t("today") });
  return out;
}

function renderGenerations() {
  $("date").value = state.date;
  $("date").max = meta.today;
  $("generations").innerHTML = generationDates().map((g) => `<button type="button" data-date="${g.date}" `
    + `aria-pressed="${g.date === state.date}" title="${g.date}">${esc(g.label)}</button>`).join("");
}

async function setDay(date) {
  const token = ++dayToken;                  // a later date change wins over a slow earlier one
  delete document.body.dataset.day;
  state.date = date;
  save();
  renderGenerations();
  status(t("loading"));
  const kind = await layers.setDay(map, date, preReform(), config.tiles);
  const [tab, st] = await Promise.all([getJSON("/viewer/units.json", { as_of: date }),
    preReform() ? null : getOptional("/v1/stats", { as_of: date })]);
  if (token !== dayToken) return;
  table = { ...tab, rows: tab.rows.map((r) => Object.fromEntries(tab.fields.map((f, i) => [f, r[i]]))) };
  stats = st;
  layers.setLabels(map, table);
  restyle();
  renderCharts($("charts"), { table, stats, selected });
  // Tests and scripts wait for this mark: the day's layers are drawn.
  map.once("idle", () => { if (token === dayToken) document.body.dataset.day = date; });
  status(kind === "geojson" ? t("no_tiles") : "");
  if (kind === "geojson") setTimeout(() => status(""), 4000);
}

function restyle() {
  const changed = table.rows.filter((r) => r.changed && r.level === state.level).map((r) => r.code);
  const items = layers.applyStyle(map, { metric: state.colour, level: state.level, table, changed });
  const title = `${t(`m_${state.colour}`)} — ${t(state.level === "province" ? "provinces" : "communes")}`;
  $("legend").innerHTML = layers.legendHTML(title, items, { changed: changed.length, changedOn: table.generation_from, preReform: preReform() });
}

// --- selection --------------------------------------------------------------------------------
function showPanel(render) {
  lastPanel = render;
  $("details").innerHTML = render();
}

async function selectCode(code, { fly = true, point = "" } = {}) {
  try {
    const unit = await getJSON(`/v1/units/${code}`, { as_of: state.date });
    if (unit.level === "district" || (preReform() && unit.level === "commune")) return selectLegacy(code, { fly, point });
    return selectUnit(unit, { fly, point });
  } catch (e) {
    if (e instanceof Problem && e.status === 404 && code.length !== 2) return selectLegacy(code, { fly, point });
    showPanel(() => `<p class="problem">${esc(e.message)}</p>`);
  }
}

async function selectUnit(unit, { fly, point }) {
  const token = ++selToken;
  state.unit = unit.code;
  save();
  const [lineage, powers] = await Promise.all([getOptional(`/v1/units/${unit.code}/lineage`, { as_of: state.date }),
    getOptional(`/v1/units/${unit.code}/powers`, { as_of: state.date })]);
  if (token !== selToken) return;
  selected = { unit, powers };
  showPanel(() => unitHTML({ unit, lineage, powers, asOf: state.date, point }));
  layers.select(map, unit.code, unit.level);
  layers.showPredecessors(map, lineage?.predecessors);
  renderCharts($("charts"), { table, stats, selected });
  if (fly && unit.bbox) map.fitBounds([[unit.bbox[0], unit.bbox[1]], [unit.bbox[2], unit.bbox[3]]], { padding: 40, maxZoom: 13, duration: 800 });
}

// An old unit: its centre on the map, its successors outlined (from 2025-07-01) and listed.
async function selectLegacy(code, { fly, point }) {
  const token = ++selToken;
  const legacy = await getJSON(`/v1/legacy/units/${code}`, { as_of: preReform() ? REFORM : state.date });
  if (token !== selToken) return;
  state.unit = code;
  save();
  selected = null;
  showPanel(() => legacyHTML(legacy, point));
  layers.showPredecessors(map, [{ ...legacy.unit, kind: "whole" }]);
  if (preReform()) layers.select(map, code, "old");
  else map.setFilter("communes-selected", ["in", ["get", "code"], ["literal", legacy.successors.map((s) => s.code)]]);
  if (fly && legacy.unit.centre) map.flyTo({ center: legacy.unit.centre, zoom: Math.max(map.getZoom(), 11) });
}

function clearSelection() {
  state.unit = null;
  selected = null;
  save();
  lastPanel = null;
  $("details").innerHTML = `<p class="hint">${t("hint")}</p>`;
  layers.select(map, null, null);
  layers.showPredecessors(map, []);
  renderCharts($("charts"), { table, stats, selected });
}

// Click anywhere: the lookup answer for that point (the nearest commune at sea), with the coordinates.
async function clickAt(e) {
  const point = { lat: e.lngLat.lat, lon: e.lngLat.lng };
  if (preReform()) {
    const hit = map.queryRenderedFeatures([[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]], { layers: ["legacy-points"] })[0];
    if (hit) await selectLegacy(hit.properties.code, { fly: false, point: "" });
    return;
  }
  try {
    const answer = await getJSON("/v1/lookup", { lat: point.lat.toFixed(6), lon: point.lon.toFixed(6), as_of: state.date });
    const code = state.level === "province" ? answer.province.code : answer.commune.code;
    await selectCode(code, { fly: false, point: pointHTML(point, answer) });
  } catch (err) {
    if (!(err instanceof Problem)) throw err;
    showPanel(() => missHTML(point, err));
    layers.select(map, null, null);
  }
}

// --- controls ---------------------------------------------------------------------------------
function bindHover() {
  let hovered = null;
  const tip = $("tip");
  map.on("mousemove", (e) => {
    const id = state.level === "province" ? "provinces-fill" : "communes-fill";
    const f = map.getLayer(id) ? map.queryRenderedFeatures(e.point, { layers: [id] })[0] : null;
    const src = state.level === "province" ? "provinces" : "communes";
    if (hovered && (!f || f.id !== hovered.id)) map.setFeatureState(hovered, { hover: false });
    if (f && f.id !== undefined) {
      hovered = { source: src, id: f.id, ...(f.sourceLayer ? { sourceLayer: f.sourceLayer } : {}) };
      map.setFeatureState(hovered, { hover: true });
      tip.hidden = false;
      tip.textContent = f.properties.full_name || f.properties.name;
      tip.style.left = `${e.point.x + 12}px`;
      tip.style.top = `${e.point.y + 12}px`;
    } else {
      hovered = null;
      tip.hidden = true;
    }
    map.getCanvas().style.cursor = f ? "pointer" : "";
  });
  map.getCanvas().addEventListener("mouseleave", () => { tip.hidden = true; });
}

function bindControls() {
  $("colour").value = state.colour;
  $("level").value = state.level;
  $("colour").addEventListener("change", (e) => { state.colour = e.target.value; save(); restyle(); });
  $("level").addEventListener("change", (e) => { state.level = e.target.value; save(); restyle(); });
  $("date").addEventListener("change", (e) => { if (/^\d{4}-\d{2}-\d{2}$/.test(e.target.value)) changeDay(e.target.value); });
  $("generations").addEventListener("click", (e) => { const b = e.target.closest("button[data-date]"); if (b) changeDay(b.dataset.date); });
  $("lang").addEventListener("click", () => {
    state.lang = getLang() === "vi" ? "en" : "vi";
    setLang(state.lang);
    save();
    renderGenerations();
    restyle();
    if (lastPanel) $("details").innerHTML = lastPanel(); else $("details").innerHTML = `<p class="hint">${t("hint")}</p>`;
    renderCharts($("charts"), { table, stats, selected });
  });
  $("basemap").addEventListener("click", toggleBasemap);
  $("details").addEventListener("click", (e) => {
    if (e.target.closest("[data-close]")) return clearSelection();
    const sel = e.target.closest("[data-select]");
    if (!sel) return;
    e.preventDefault();
    if (sel.dataset.today && preReform()) changeDay(meta.today).then(() => selectCode(sel.dataset.select));
    else selectCode(sel.dataset.select);
  });
  map.on("click", (e) => clickAt(e).catch((err) => console.error(err)));
  // Keyboard: arrows pan the focused map (MapLibre); Enter looks up the point at its centre.
  map.getCanvas().addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const lngLat = map.getCenter();
    clickAt({ lngLat, point: map.project(lngLat) }).catch((err) => console.error(err));
  });
  bindHover();
  setupSearch($("q"), $("suggestions"), chooseResult);
}

async function changeDay(date) {
  const unit = state.unit;
  await setDay(date);
  if (unit) await selectCode(unit, { fly: false });
}

// A suggestion: an old unit shows what it became; a unit not valid on the chosen day moves the day.
async function chooseResult(r) {
  if (!r.old && (r.valid_from > state.date || (r.valid_to && r.valid_to < state.date))) await setDay(r.valid_from);
  if (r.old && r.level !== "province") return selectLegacy(r.code, { fly: true, point: "" });
  await selectCode(r.code, { fly: true });
  $("unit-name")?.focus?.();
}

// The OpenStreetMap base map: optional, off by default, switched off again when unreachable.
function toggleBasemap() {
  const btn = $("basemap");
  if (map.getLayer("osm")) {
    map.removeLayer("osm");
    map.removeSource("osm");
    btn.setAttribute("aria-pressed", "false");
    return;
  }
  const probe = new Image();
  const timer = setTimeout(() => { probe.src = ""; status(t("basemap_off")); }, 4000);
  probe.onload = () => {
    clearTimeout(timer);
    map.addSource("osm", { type: "raster", tiles: ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"], tileSize: 256,
      attribution: "© OpenStreetMap contributors" });
    map.addLayer({ id: "osm", type: "raster", source: "osm", paint: { "raster-opacity": 0.6 } }, map.getStyle().layers[1]?.id);
    btn.setAttribute("aria-pressed", "true");
  };
  probe.onerror = () => { clearTimeout(timer); status(t("basemap_off")); setTimeout(() => status(""), 4000); };
  probe.src = "https://tile.openstreetmap.org/0/0/0.png";
}

init().catch((e) => { console.error(e); status(e.message); });
