// Talking to the service: JSON GETs whose problem+json answers become readable errors.
export class Problem extends Error {
  constructor(body, status) {
    super(body?.detail || `HTTP ${status}`);
    this.body = body || {};
    this.status = status;
  }
}

export async function getJSON(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
  const resp = await fetch(url, { headers: { accept: "application/json" } });
  const body = await resp.json().catch(() => null);
  if (!resp.ok) throw new Problem(body, resp.status);
  return body;
}

// Pages through a paged list (limit/offset/total) to the end.
export async function getAll(path, params = {}, limit = 500) {
  const out = [];
  for (let offset = 0; ; offset += limit) {
    const page = await getJSON(path, { ...params, limit, offset });
    out.push(...page.results);
    if (out.length >= page.total || !page.results.length) return { ...page, results: out };
  }
}
