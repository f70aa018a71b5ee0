// The viewer: wires the map, the time bar, search, the panel and the charts to one state that the
// URL carries (?unit=&old=&date=&colour=&level=&lang= and MapLibre's #zoom/lat/lon).
import { getJSON, getOptional, Problem, readState, writeState, isDay } from "./api.js";
import { t, setLang, getLang, esc, fmt } from "./i18n.js";
import * as layers from "./layers.js";
import { unitHTML, legacyHTML, pointHTML, missHTML, problemText, flagWhy } from "./panel.js";
import { renderCharts } from "./charts.js";
import { setupSearch } from "./search.js";

// The reform day comes from the service (/v1/meta reform_day: read from the loaded generations);
// PRE, the pre-reform map, shows the old units on their last day, the day before.
let REFORM = null, PRE = null;
const dayBefore = (day) => new Date(Date.parse(day + "T00:00:00Z") - 86400000).toISOString().slice(0, 10);
const MIN_DATE = "2025-01-01";
// A unit's proper name is its type word and its name ("Phường Ba Đình"), whatever the page's language.
const TYPE_VI = { xa: "Xã", phuong: "Phường", dac_khu: "Đặc khu", tinh: "Tỉnh", thanh_pho: "Thành phố" };
const $ = (id) => document.getElementById(id);
const state = { colour: "population", level: "commune", lang: "vi", date: null, unit: null, old: null };
const defaults = { ...state };
let selToken = 0;                            // the latest selection wins over a slower earlier one
let map, meta, catalogue, config = { tiles: false }, table = { rows: [] }, byCode = new Map(), stats = null, selected = null;
let lastPanel = null, dayToken = 0, period = null, statusTimer = null;

// A short message for everyone, or (visual = false) for screen readers only.
const status = (msg, ms = 0, visual = true) => {
  clearTimeout(statusTimer);
  $("status").classList.toggle("sr", !visual);
  $("status").textContent = msg || "";
  if (msg && ms) statusTimer = setTimeout(() => { $("status").textContent = ""; }, ms);
};
const preReform = (d = state.date) => d < REFORM;
const save = () => writeState(state, defaults);
const isPhone = () => matchMedia("(max-width: 760px)").matches;

async function init() {
  const { state: fromUrl, rejected } = readState();
  Object.assign(state, fromUrl);
  setLang(state.lang);
  [meta, config, catalogue] = await Promise.all([getJSON("/v1/meta"), getJSON("/viewer/config.json"), getJSON("/v1/fields")]);
  layers.setCatalogue(catalogue);
  REFORM = meta.reform_day;
  PRE = dayBefore(REFORM);
  defaults.date = meta.today;
  if (state.date && (state.date < MIN_DATE || state.date > meta.today)) { rejected.push(`date=${state.date}`); delete state.date; }
  state.date ||= meta.today;
  $("attribution").textContent = meta.licence;
  const hadView = location.hash.length > 1;   // before MapLibre writes its own hash
  map = layers.createMap("map");
  window.vnViewer = { map };                  // for scripts and the browser tests (read-only use)
  map.on("error", (e) => { if (e.error?.name !== "AbortError") console.error("map:", e.error?.message || e); });
  await new Promise((ok) => map.on("load", ok));
  bindControls();
  save();                                     // the URL drops what was refused
  await setDay(state.date);
  if (rejected.length) status(t("bad_state", { what: rejected.join(", ") }), 8000);
  if (state.unit) {
    const code = state.unit;
    if (state.old || preReform()) await selectLegacy(code, { fly: !hadView, point: "" }).catch(() => dropSelection(code));
    else await selectCode(code, { fly: !hadView });
  }
  document.body.dataset.ready = "1";
}

// --- time -----------------------------------------------------------------------------------
function generationDates() {
  const out = [{ date: PRE, label: t("pre_reform") }];
  for (const g of meta.generations) if (g.valid_from) out.push({ date: g.valid_from, label: g.valid_from });
  out.push({ date: meta.today, label: t("today") });
  return out;
}

// The period (first day of the generation) a day belongs to: the key of every layer URL.
function periodOf(date) {
  if (preReform(date)) return PRE;
  let from = REFORM;
  for (const g of meta.generations) if (g.valid_from && g.valid_from <= date && g.valid_from > from) from = g.valid_from;
  return from;
}

function renderGenerations() {
  const input = $("date");
  input.min = MIN_DATE;
  input.max = meta.today;
  if (document.activeElement !== input) input.value = state.date;   // never rewrite what is being typed
  $("generations").innerHTML = generationDates().map((g) => `<button type="button" data-date="${g.date}" `
    + `aria-pressed="${g.date === state.date}" title="${g.date}">${esc(g.label)}</button>`).join("");
}

async function setDay(date) {
  const token = ++dayToken;                  // a later date change wins over a slow earlier one
  state.date = date;
  save();
  renderGenerations();
  const next = periodOf(date);
  if (next === period && map.getSource("labels")) {      // same period: nothing to fetch or redraw
    document.body.dataset.day = date;
    return false;
  }
  delete document.body.dataset.day;
  status(t("loading"));
  const kind = await layers.setPeriod(map, next, preReform(date), config.tiles);
  const [tab, st] = await Promise.all([getJSON("/viewer/units.json", { as_of: next }),
    preReform(date) ? null : getOptional("/v1/stats", { as_of: next })]);
  if (token !== dayToken) return false;
  period = next;
  table = { ...tab, rows: tab.rows.map((r) => Object.fromEntries(tab.fields.map((f, i) => [f, r[i]]))) };
  byCode = new Map(table.rows.map((r) => [`${r.level}:${r.code}`, r]));
  stats = st;
  layers.setLabels(map, table);
  restyle();
  renderCharts($("charts"), { table, stats, selected });
  // Tests and scripts wait for this mark: the day's layers are drawn.
  map.once("idle", () => {
    if (token !== dayToken) return;
    document.body.dataset.day = date;
    layers.loadLater(map, next, preReform(date));
  });
  if (kind === "geojson") status(t("no_tiles"), 4000);
  else if ($("status").textContent === t("loading")) status("");   // keep any message said meanwhile
  return true;
}

function restyle() {
  const pre = preReform();
  $("colour").disabled = pre;
  $("level").disabled = pre;
  const changedAt = (lvl) => table.rows.filter((r) => r.changed && r.level === lvl).map((r) => r.code);
  const changed = changedAt("commune"), changedProvinces = changedAt("province");
  const style = pre ? null : layers.applyStyle(map, { metric: state.colour, level: state.level, table, changed, changedProvinces });
  const title = `${t(`m_${state.colour}`)} — ${t(state.level === "province" ? "provinces" : "communes")}`;
  $("legend-body").innerHTML = layers.legendHTML(title, style, { changed: changed.length, changedProvinces: changedProvinces.length,
    changedOn: table.generation_from, preReform: pre });
}

// --- selection --------------------------------------------------------------------------------
function showPanel(render, { focus = false } = {}) {
  lastPanel = render;
  if (isPhone()) $("tip").hidden = true;       // a tap is no hover: no tip left over the sheet
  $("details").innerHTML = render();
  if (isPhone()) $("panel").classList.add("open");
  $("sheet-toggle")?.setAttribute("aria-expanded", String($("panel").classList.contains("open")));
  const h = $("unit-name");
  if (h) {
    status(h.textContent.trim(), 3000, false);  // one short announcement, not the whole panel
    if (focus) h.focus({ preventScroll: isPhone() });
    if (isPhone()) $("panel").scrollTop = 0;
  }
}

// A code that is not a unit on the chosen day: said once, and the selection is dropped.
function dropSelection(code, name = "") {
  clearSelection();
  status(t("not_on_date", { name: name || code, date: state.date }), 6000);
  $("details").innerHTML = `<p class="notice" role="note">${esc(t("not_on_date", { name: name || code, date: state.date }))}</p>`
    + `<p class="hint">${t("hint")}</p>`;
}

async function selectCode(code, { fly = true, point = "", focus = false } = {}) {
  try {
    const unit = await getJSON(`/v1/units/${code}`, { as_of: state.date });
    if (unit.level === "district") return selectLegacy(code, { fly, point, focus });
    return selectUnit(unit, { fly, point, focus });
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    if (e.status === 404 && code.length !== 2) return selectLegacy(code, { fly, point, focus }).catch(() => dropSelection(code));
    if (e.status === 404) return dropSelection(code);
    showPanel(() => `<p class="problem">${esc(problemText(e))}</p>`);
  }
}

async function selectUnit(unit, { fly, point, focus }) {
  const token = ++selToken;
  const [lineage, powers] = await Promise.all([getOptional(`/v1/units/${unit.code}/lineage`, { as_of: state.date }),
    getOptional(`/v1/units/${unit.code}/powers`, { as_of: state.date })]);
  if (token !== selToken) return;
  state.unit = unit.code;
  state.old = null;
  save();
  selected = { unit, powers, old: false };
  showPanel(() => unitHTML({ unit, lineage, powers, asOf: state.date, point }), { focus });
  layers.select(map, unit.code, unit.level);
  layers.showPredecessors(map, lineage?.predecessors);
  renderCharts($("charts"), { table, stats, selected });
  if (fly && unit.bbox) map.fitBounds([[unit.bbox[0], unit.bbox[1]], [unit.bbox[2], unit.bbox[3]]], { padding: 40, maxZoom: 13, duration: 800 });
}

// An old unit: its centre on the map, its successors outlined (from 2025-07-01) and listed.
async function selectLegacy(code, { fly, point, focus }) {
  const token = ++selToken;
  const legacy = await getJSON(`/v1/legacy/units/${code}`, { as_of: preReform() ? REFORM : state.date });
  if (token !== selToken) return;
  state.unit = code;
  state.old = preReform() ? null : "1";        // before the reform every code is an old one
  save();
  selected = { unit: legacy.unit, old: true };
  showPanel(() => legacyHTML(legacy, point), { focus });
  layers.showPredecessors(map, [{ ...legacy.unit, kind: "whole" }]);
  if (preReform()) layers.select(map, code, "old");
  else if (map.getLayer("communes-selected")) {
    layers.select(map, null, null);
    const succ = ["in", ["get", "code"], ["literal", legacy.successors.map((s) => s.code)]];
    for (const id of ["communes-selected", "communes-low-selected"]) if (map.getLayer(id)) map.setFilter(id, succ);
  }
  renderCharts($("charts"), { table, stats, selected: null });
  if (fly && legacy.unit.centre) map.flyTo({ center: legacy.unit.centre, zoom: Math.max(map.getZoom(), 11) });
}

function clearSelection() {
  ++selToken;
  state.unit = null;
  state.old = null;
  selected = null;
  save();
  lastPanel = null;
  $("details").innerHTML = `<p class="hint">${t("hint")}</p>`;
  layers.select(map, null, null);
  layers.showPredecessors(map, []);
  renderCharts($("charts"), { table, stats, selected });
}

// Click anywhere: the lookup answer for that point (the nearest commune at sea), with the coordinates.
async function clickAt(e, { focus = false } = {}) {
  const point = { lat: e.lngLat.lat, lon: e.lngLat.lng };
  if (isPhone()) $("tip").hidden = true;
  if (preReform()) {
    const hit = map.queryRenderedFeatures([[e.point.x - 8, e.point.y - 8], [e.point.x + 8, e.point.y + 8]], { layers: ["legacy-points"] })[0];
    if (hit) await selectLegacy(hit.properties.code, { fly: false, point: "", focus });
    return;
  }
  try {
    const answer = await getJSON("/v1/lookup", { lat: point.lat.toFixed(6), lon: point.lon.toFixed(6), as_of: state.date });
    const code = state.level === "province" ? answer.province.code : answer.commune.code;
    await selectCode(code, { fly: false, point: pointHTML(point, answer), focus });
  } catch (err) {
    if (!(err instanceof Problem)) throw err;
    showPanel(() => missHTML(point, err));
    layers.select(map, null, null);
  }
}

// --- controls ---------------------------------------------------------------------------------
// The hover tip: the unit's name and the value the map shows for it (or why it shows none).
function tipText(props, level) {
  const row = byCode.get(`${level}:${props.code}`);
  const name = props.full_name || `${TYPE_VI[props.type] || ""} ${props.name}`.trim();
  const m = state.colour;
  if (m === "type") return `${name} — ${t(props.type || row?.type)}`;
  const why = layers.flagReason(row, m);
  const v = row ? row[layers.fieldOf(m)] : props[layers.fieldOf(m)];
  const shown = v === null || v === undefined ? t("no_data") : `${fmt(v, layers.digitsOf(m))} ${t(layers.METRIC_UNITS[m])}`;
  const none = v === null || v === undefined;
  return `${name} — ${t(`m_${m}`)}: ${shown}${why ? ` ⚑ ${none ? t("withheld") : t("flagged")}: ${flagWhy(v, why)}` : ""}`;
}

function bindHover() {
  let hovered = null;
  const tip = $("tip");
  const noHover = matchMedia("(hover: none)");   // touch screens: a tap selects, nothing hovers
  map.on("mousemove", (e) => {
    // (a mouse event made from a touch says so: a tap is no hover either)
    if (noHover.matches || e.originalEvent?.sourceCapabilities?.firesTouchEvents) { tip.hidden = true; return; }
    const pre = preReform();
    const ids = (pre ? ["legacy-points"] : state.level === "province" ? ["provinces-fill"] : ["communes-fill", "communes-low-fill"])
      .filter((id) => map.getLayer(id));
    const f = !ids.length ? null : pre
      ? map.queryRenderedFeatures([[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]], { layers: ids })[0]
      : map.queryRenderedFeatures(e.point, { layers: ids })[0];
    if (hovered && (!f || f.id !== hovered.id)) map.setFeatureState(hovered, { hover: false });
    if (f && f.id !== undefined) {
      hovered = { source: f.source, id: f.id, ...(f.sourceLayer ? { sourceLayer: f.sourceLayer } : {}) };
      map.setFeatureState(hovered, { hover: true });
      tip.hidden = false;
      tip.textContent = pre ? `${f.properties.full_name}${f.properties.split ? ` (${t("k_split")})` : ""}`
        : tipText(f.properties, state.level);
      const w = map.getContainer().clientWidth;
      tip.style.left = `${Math.min(e.point.x + 12, w - tip.offsetWidth - 4)}px`;
      tip.style.top = `${e.point.y + 12}px`;
    } else {
      hovered = null;
      tip.hidden = true;
    }
    map.getCanvas().style.cursor = f ? "pointer" : "";
  });
  map.getCanvas().addEventListener("mouseleave", () => { tip.hidden = true; });
}

// The date field: typed freely; a complete day within min..max is applied after a pause (or on
// Enter/blur), never on each keystroke, and the field is not rewritten while it has the focus.
function bindDate() {
  const input = $("date");
  let timer = null;
  const apply = (final) => {
    clearTimeout(timer);
    const v = input.value;
    if (isDay(v) && v >= input.min && v <= input.max) {
      input.removeAttribute("aria-invalid");
      if (v !== state.date) changeDay(v);
    } else if (final) {
      input.setAttribute("aria-invalid", "true");
      status(t("date_range", { min: input.min, max: input.max }), 5000);
      input.value = state.date;
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => apply(false), 900); });
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") apply(true); });
  input.addEventListener("blur", () => apply(true));
}

function bindControls() {
  $("colour").value = state.colour;
  $("level").value = state.level;
  $("colour").addEventListener("change", (e) => { state.colour = e.target.value; save(); restyle(); });
  $("level").addEventListener("change", (e) => { state.level = e.target.value; save(); restyle(); });
  bindDate();
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
  $("legend-toggle").addEventListener("click", () => {
    const open = $("legend").classList.toggle("collapsed") === false;
    $("legend-toggle").setAttribute("aria-expanded", String(open));
  });
  if (isPhone()) { $("legend").classList.add("collapsed"); $("legend-toggle").setAttribute("aria-expanded", "false"); }
  $("sheet-toggle").addEventListener("click", () => {
    const open = $("panel").classList.toggle("open");
    $("sheet-toggle").setAttribute("aria-expanded", String(open));
  });
  $("details").addEventListener("click", (e) => {
    if (e.target.closest("[data-close]")) return clearSelection();
    const sel = e.target.closest("[data-select]");
    if (!sel) return;
    e.preventDefault();
    if (sel.dataset.today && preReform()) changeDay(meta.today, { keep: false }).then(() => selectCode(sel.dataset.select, { focus: true }));
    else selectCode(sel.dataset.select, { focus: true });
  });
  map.on("click", (e) => clickAt(e).catch((err) => console.error(err)));
  // Keyboard: arrows pan the focused map (MapLibre); Enter looks up the point under the crosshair.
  const canvas = map.getCanvas();
  canvas.setAttribute("aria-label", `${t("map")}. ${t("crosshair")}`);
  canvas.addEventListener("focus", () => { $("crosshair").hidden = !canvas.matches(":focus-visible"); });   // keyboard only
  canvas.addEventListener("blur", () => $("crosshair").hidden = true);
  canvas.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const lngLat = map.getCenter();
    clickAt({ lngLat, point: map.project(lngLat) }, { focus: true }).catch((err) => console.error(err));
  });
  bindHover();
  setupSearch($("q"), $("suggestions"), chooseResult);
}

// A new day: the layers change only with the period; a selected unit is kept if it exists on the
// new day, an old unit always (it is what it was), and anything else is dropped with a message.
async function changeDay(date, { keep = true } = {}) {
  const unit = state.unit, old = selected?.old || state.old, name = selected?.unit?.full_name;
  const before = period;
  await setDay(date);
  if (!keep || !unit) return;
  if (old) {
    if (period !== before) await selectLegacy(unit, { fly: false, point: "" }).catch(() => dropSelection(unit, name));
    return;
  }
  if (preReform()) return dropSelection(unit, name);
  if (period === before) return;
  try {
    const u = await getJSON(`/v1/units/${unit}`, { as_of: date });
    await selectUnit(u, { fly: false, point: "" });
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    dropSelection(unit, name);
  }
}

// A suggestion: an old unit shows what it became; a unit not valid on the chosen day moves the day.
async function chooseResult(r) {
  if (!r.old && (r.valid_from > state.date || (r.valid_to && r.valid_to < state.date))) await setDay(r.valid_from);
  if (r.old && r.level !== "province") return selectLegacy(r.code, { fly: true, point: "", focus: true });
  if (r.old) {                                 // an old province: what it became, on the day it ended
    if (!preReform()) await setDay(PRE);
    return selectCode(r.code, { fly: true, focus: true });
  }
  await selectCode(r.code, { fly: true, focus: true });
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
  const timer = setTimeout(() => { probe.src = ""; status(t("basemap_off"), 4000); }, 4000);
  probe.onload = () => {
    clearTimeout(timer);
    map.addSource("osm", { type: "raster", tiles: ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"], tileSize: 256,
      attribution: "© OpenStreetMap contributors" });
    map.addLayer({ id: "osm", type: "raster", source: "osm", paint: { "raster-opacity": 0.6 } }, map.getStyle().layers[1]?.id);
    btn.setAttribute("aria-pressed", "true");
  };
  probe.onerror = () => { clearTimeout(timer); status(t("basemap_off"), 4000); };
  probe.src = "https://tile.openstreetmap.org/0/0/0.png";
}

init().catch((e) => { console.error(e); status(problemText(e)); });
