// How complete the catalogue is, read once per render from the live API, and the banner every view
// carries so that no count is read as complete. The `coverage` block of /v1/powers is the source;
// /v1/instruments gives the instruments themselves.
import { getJSON } from "./api.js";
import { t, esc, fmt, fmtDate } from "./i18n.js";

export async function loadCoverage() {
  const [powers, instruments] = await Promise.all([getJSON("/v1/powers", { limit: 1 }), getJSON("/v1/instruments")]);
  return { ...(powers.coverage || {}), instruments: instruments.results, powers_total: powers.total };
}

// The 28 decentralisation decrees of June 2025, as the coverage block counts them.
export function decreeCounts(cov) {
  const d = cov.decrees || {};
  return { with: d.with_powers ?? d.with ?? null, of: d.total ?? null };
}

export function banner(cov) {
  const { with: w, of } = decreeCounts(cov);
  const newest = cov.newest_instrument?.date || cov.newest_instrument_date || null;
  return `<span class="warn" aria-hidden="true">⚠</span> ${esc(t("partial", { with: fmt(w), of: fmt(of), newest: fmtDate(newest) }))}
    <a href="?view=coverage">${esc(t("v_coverage"))}</a>`;
}
