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

const KEYS = ["unit", "date", "colour", "level", "lang"];

export function readState() {
  const q = new URLSearchParams(location.search);
  const out = {};
  for (const k of KEYS) if (q.get(k)) out[k] = q.get(k);
  if (out.unit && !/^\d{2,5}$/.test(out.unit)) delete out.unit;
  if (out.date && !/^\d{4}-\d{2}-\d{2}$/.test(out.date)) delete out.date;
  return out;
}

// Writes the query part; MapLibre keeps the #zoom/lat/lon hash itself. Defaults are left out.
export function writeState(state, defaults) {
  const q = new URLSearchParams();
  for (const k of KEYS) if (state[k] && state[k] !== defaults[k]) q.set(k, state[k]);
  const search = q.toString() ? `?${q}` : "";
  if (search !== location.search) history.replaceState(null, "", `${location.pathname}${search}${location.hash}`);
}
