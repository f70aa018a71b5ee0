// Talking to the service, and the shareable state in the URL (?unit=&date=&colour=&level=&lang=, #zoom/lat/lon).

export class Problem extends Error {
  constructor(body, status) {
    super(body?.detail || `HTTP ${status}`);
    this.body = body || {};
    this.status = status;
  }
}

// GET JSON; a problem+json answer becomes a Problem (its members, e.g. `nearest`, stay readable).
export async function getJSON(path, params = {}, { signal } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
  const resp = await fetch(url, { signal, headers: { accept: "application/json" } });
  const body = await resp.json().catch(() => null);
  if (!resp.ok) throw new Problem(body, resp.status);
  return body;
}

// Answers that 404 are expected (a unit without lineage, a page before powers land): null, not an error.
export async function getOptional(path, params = {}) {
  try { return await getJSON(path, params); } catch (e) { if (e instanceof Problem) return null; throw e; }
}

const KEYS = ["unit", "old", "date", "colour", "level", "lang"];
// What each key may hold; anything else in a shared or hand-edited URL falls back to the default.
export const ALLOWED = { colour: ["population", "density", "area", "type"], level: ["commune", "province"], lang: ["vi", "en"], old: ["1"] };

// A calendar date written YYYY-MM-DD that exists (2025-13-45 and 2026-02-30 do not).
export function isDay(s) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s || "")) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

// The state in the URL, and the keys whose values were refused (to say so, not to blank the map).
export function readState() {
  const q = new URLSearchParams(location.search);
  const out = {}, rejected = [];
  for (const k of KEYS) if (q.get(k)) out[k] = q.get(k);
  const refuse = (k) => { rejected.push(`${k}=${out[k]}`); delete out[k]; };
  if (out.unit && !/^\d{2,5}$/.test(out.unit)) refuse("unit");
  if (out.date && !isDay(out.date)) refuse("date");
  for (const [k, ok] of Object.entries(ALLOWED)) if (out[k] && !ok.includes(out[k])) refuse(k);
  return { state: out, rejected };
}

// Writes the query part; MapLibre keeps the #zoom/lat/lon hash itself. Defaults are left out.
export function writeState(state, defaults) {
  const q = new URLSearchParams();
  for (const k of KEYS) if (state[k] && state[k] !== defaults[k]) q.set(k, state[k]);
  const search = q.toString() ? `?${q}` : "";
  if (search !== location.search) history.replaceState(null, "", `${location.pathname}${search}${location.hash}`);
}
