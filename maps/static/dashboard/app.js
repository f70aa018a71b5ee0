// The dashboard: one state in the URL (?view=&date=&lang= and each view's own keys), a date that every
// view follows, and views that read the live API on every render (a data reload shows at once).
import { t, setLang, getLang, fmtDate, esc } from "./i18n.js";
import { installCSV } from "./table.js";
import { disposeAll } from "./charts.js";
import { loadCoverage, banner } from "./coverage_data.js";
import { getJSON } from "./api.js";

const VIEWS = ["matrix", "timeline", "map", "compare", "scale", "coverage", "changes"];
// The reform day (from /v1/meta: the data say when the two-tier government began) to the horizon.
let FIRST = null;
const LAST = "2027-06-30";
const $ = (id) => document.getElementById(id);

// Today in Vietnam, where the decrees take effect (the API's default date too).
export const todayVN = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());

const dayIndex = (iso) => Math.round((Date.parse(iso) - Date.parse(FIRST)) / 86_400_000);
const dayAt = (i) => new Date(Date.parse(FIRST) + i * 86_400_000).toISOString().slice(0, 10);

function readState() {
  const q = new URLSearchParams(location.search);
  const s = Object.fromEntries(q.entries());
  if (!VIEWS.includes(s.view)) s.view = "matrix";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s.date || "") || Number.isNaN(Date.parse(s.date))) s.date = todayVN();
  s.lang = s.lang === "en" ? "en" : "vi";
  return s;
}

let state = readState();
let renderSeq = 0;

function writeState() {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) {
    if (v === null || v === undefined || v === "") continue;
    if ((k === "view" && v === "matrix") || (k === "lang" && v === "vi") || (k === "date" && v === todayVN())) continue;
    q.set(k, v);
  }
  const search = q.toString() ? `?${q}` : "";
  if (search !== location.search) history.pushState(null, "", `${location.pathname}${search}`);
}

// Views call this to change their own keys (and, with view, to move to another view).
export function update(changes, { render = true } = {}) {
  state = { ...state, ...changes };
  writeState();
  if (render) renderView();
}

function syncControls() {
  $("date").value = state.date;
  $("date-slider").value = String(dayIndex(state.date));
  $("date-slider").setAttribute("aria-valuetext", fmtDate(state.date));
  for (const a of document.querySelectorAll("nav.tabs a")) {
    const q = new URLSearchParams({ view: a.dataset.view });
    if (state.date !== todayVN()) q.set("date", state.date);
    if (state.lang !== "vi") q.set("lang", state.lang);
    a.href = `?${q}`;
    if (a.dataset.view === state.view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

async function renderView() {
  const seq = ++renderSeq;
  syncControls();
  disposeAll();
  const root = $("view");
  root.setAttribute("aria-busy", "true");
  $("status").textContent = t("loading");
  try {
    const coverage = await loadCoverage(state.date);
    $("coverage-banner").innerHTML = banner(coverage);
    const mod = await import(`./views/${state.view}.js`);
    if (seq !== renderSeq) return;
    await mod.render(root, state, { update, coverage, isCurrent: () => seq === renderSeq, today: todayVN(), first: FIRST, last: LAST });
    if (seq !== renderSeq) return;
    $("status").textContent = "";
    document.body.dataset.view = state.view;
    document.body.dataset.day = state.date;
    document.body.dataset.ready = String(seq);
  } catch (err) {
    if (seq !== renderSeq) return;
    console.warn(err);
    root.innerHTML = `<p class="error" role="alert">${esc(t("error"))}: ${esc(err.message)}</p>`;
    $("status").textContent = "";
    document.body.dataset.ready = String(seq);
  } finally {
    root.removeAttribute("aria-busy");
  }
}

function setDate(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(Date.parse(iso)) || iso === state.date) return;
  update({ date: iso });
}

async function init() {
  setLang(state.lang);
  FIRST = (await getJSON("/v1/meta")).reform_day;
  const slider = $("date-slider");
  slider.max = String(dayIndex(LAST));
  slider.addEventListener("input", () => {   // the label follows while dragging; the views on release
    $("date").value = dayAt(Number(slider.value));
    slider.setAttribute("aria-valuetext", fmtDate(dayAt(Number(slider.value))));
  });
  slider.addEventListener("change", () => setDate(dayAt(Number(slider.value))));
  $("date").addEventListener("change", () => setDate($("date").value));   // typing: only a whole date counts
  $("today").addEventListener("click", () => setDate(todayVN()));
  $("lang").addEventListener("click", () => {
    state.lang = getLang() === "vi" ? "en" : "vi";
    setLang(state.lang);
    update({});
  });
  for (const a of document.querySelectorAll("nav.tabs a")) {
    a.addEventListener("click", (ev) => {
      if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      const keep = { date: state.date, lang: state.lang };
      state = { ...keep, view: a.dataset.view };
      writeState();
      renderView();
      $("view").focus();
    });
  }
  addEventListener("popstate", () => { state = readState(); setLang(state.lang); renderView(); });
  installCSV(document.body, () => state.date);
  renderView();
}

init().catch((err) => {   // /v1/meta unreachable: say so where the views go
  console.warn(err);
  $("view").innerHTML = `<p class="error" role="alert">${esc(t("error"))}: ${esc(err.message)}</p>`;
  document.body.dataset.ready = "0";
});
