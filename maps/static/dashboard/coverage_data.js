// How complete the catalogue is (the `coverage` block of /v1/powers, geodata.power_events.coverage),
// read on every render from the live API, and the banner every view carries so that no count is read
// as complete.
import { getJSON } from "./api.js";
import { t, esc, fmt, fmtDate } from "./i18n.js";

export async function loadCoverage(day) {
  const [powers, instruments] = await Promise.all([getJSON("/v1/powers", { limit: 1, as_of: day }), getJSON("/v1/instruments")]);
  return { ...powers.coverage, instrumentList: instruments.results };
}

export function banner(cov) {
  const d = cov.decrees_june_2025;
  const text = cov.complete === false || d.without_rows
    ? t("partial", { with: fmt(d.with_rows), of: fmt(d.count), newest: `${fmtDate(cov.instruments.newest_date)} (${cov.instruments.newest})` })
    : "";
  return text ? `<span class="warn" aria-hidden="true">⚠</span> ${esc(text)} <a href="?view=coverage">${esc(t("v_coverage"))}</a>` : "";
}
