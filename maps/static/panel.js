// The side panel: a unit (figures, where it came from, its powers, downloads), a clicked point,
// an old (pre-reform) unit and what it became. Everything from the API is escaped.
import { t, fmt, esc, getLang } from "./i18n.js";
import { sectorLabel } from "./sectors.js";

export const sectorName = (key) => sectorLabel(key, getLang());

const kv = (pairs) => `<dl class="kv">${pairs.filter(([, v]) => v !== undefined)
  .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;

function link(url, text) {
  return /^https?:\/\//.test(url || "") ? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${esc(text)}</a>` : esc(text);
}

export function pointHTML(point, answer) {
  const where = answer ? `${esc(answer.commune.full_name)}, ${esc(answer.province.full_name)}` : esc(t("at_sea"));
  return `<div class="point"><b>${t("point")}</b> ${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}<br>→ ${where}</div>`;
}

// At sea: the lookup's 404 names the nearest commune and its distance.
export function missHTML(point, problem) {
  const near = problem.body?.nearest;
  const nearest = near ? `<p>${t("nearest")}: <b>${esc(near.full_name)}</b> (${fmt(near.distance_m / 1000, 1)} km)
    <button type="button" data-select="${esc(near.code)}">${t("select")}</button></p>` : "";
  return `<div class="point"><b>${t("point")}</b> ${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}<br>${esc(t("at_sea"))}
    ${nearest}</div>`;
}

// Downloads are exports (/v1/exports/{layer}.{format}): a commune by its code, a province's communes.
function downloads(unit, asOf) {
  const a = (query, format, label) => `<a href="/v1/exports/communes.${format}?${query}&as_of=${asOf}" download>${esc(label)} · ${format === "gpkg" ? "GeoPackage" : "GeoJSON"}</a>`;
  const prov = unit.level === "province" ? unit.code : unit.province_code;
  const own = unit.level === "province" ? [] : [a(`code=${esc(unit.code)}`, "geojson", t("this_unit")), a(`code=${esc(unit.code)}`, "gpkg", t("this_unit"))];
  return `<h3>${t("download")}</h3><div class="downloads">${[...own, a(`province=${esc(prov)}`, "geojson", t("its_province")),
    a(`province=${esc(prov)}`, "gpkg", t("its_province")), `<a href="/maps/${esc(prov)}.html" target="_blank">${t("folium")}</a>`].join("")}</div>`;
}

// /v1/units/{code}/lineage says changes[].kind, /v1/changes says change: read either, show nothing raw.
export const changeKind = (c) => c?.kind ?? c?.change ?? "";
const kindName = (k) => (k ? t(`k_${k}`) : "");
const names = (x) => (Array.isArray(x) ? x : x ? [x] : []).map((u) => u.full_name).filter(Boolean).join(", ");

function cameFrom(lineage) {
  if (!lineage) return "";
  const preds = lineage.predecessors || [];
  const items = preds.map((p) => `<li><b>${esc(p.full_name)}</b> — ${esc(kindName(p.kind))}${p.district ? `, ${esc(p.district.full_name)}` : ""}${p.province ? `, ${esc(p.province.full_name)}` : ""}</li>`);
  const changes = (lineage.changes || []).map((c) => {
    const from = names(c.from), to = names(c.to);
    return `<li class="change"><b>${esc(c.effective || "")}</b>: ${esc(kindName(changeKind(c)))}`
      + `${from && to && from !== to ? ` — ${esc(from)} → ${esc(to)}` : to ? ` → ${esc(to)}` : ""}`
      + `${c.instrument ? ` <span class="meta">(${esc(c.instrument)})</span>` : ""}</li>`;
  });
  const succ = (lineage.successors || []).map((x) => `<li><a href="?unit=${esc(x.code)}" data-select="${esc(x.code)}" data-today="1">`
    + `${esc(x.full_name)}</a> — ${esc(kindName(x.kind))}</li>`);
  if (succ.length) return `<h3>${t("successors")} (${succ.length})</h3><ul class="list succ">${succ.join("")}</ul>`;
  return `<h3>${t("came_from")} (${preds.length})</h3>${items.length ? `<ul class="list preds">${items.join("")}</ul>` : "<p>—</p>"}`
    + (changes.length ? `<h3>${t("changes")}</h3><ul class="list changes">${changes.join("")}</ul>` : "");
}

// Why a figure is flagged, in the page's language: the data's own note is English, so the
// Vietnamese page says it in Vietnamese and keeps the note, marked as English, one click away.
export function flagWhy(value, reason) {
  const withheld = value === null || value === undefined;
  return getLang() === "en" && typeof reason === "string" ? reason : t(withheld ? "why_withheld" : "why_flagged");
}

// A figure with its flag: withheld (no value) or flagged (a value the data itself doubts), with the reason.
export function flaggedFigure(value, reason, id, text) {
  const attrs = id ? ` id="${id}"` : "";
  if (!reason) return `<span${attrs}>${text}</span>`;
  const withheld = value === null || value === undefined;
  const note = getLang() === "en" ? "" : `<details class="note"><summary>${esc(t("data_note"))}</summary><span lang="en">${esc(reason)}</span></details>`;
  return `<span${attrs} class="flagged" data-flagged="${withheld ? "withheld" : "flagged"}">${text}</span>`
    + ` <span class="flag">⚑ ${esc(withheld ? t("withheld") : t("flagged"))}</span><br>`
    + `<span class="flag-why">${esc(t("flag_reason"))}: ${esc(flagWhy(value, reason))}</span>${note}`;
}

// Powers grouped by sector, then by mechanism and legal basis, each linking to its source.
function powersHTML(powers) {
  if (!powers) return `<h3>${t("powers")}</h3><p class="hint">${t("powers_none")}</p>`;
  const en = getLang() === "en";
  const sectors = powers.sectors.map((s) => {
    const groups = new Map();
    for (const p of s.powers) {
      const key = `${p.mechanism}|${p.instrument?.number || ""}`;
      if (!groups.has(key)) groups.set(key, { p, items: [] });
      groups.get(key).items.push(p);
    }
    const body = [...groups.values()].map(({ p, items }) => `<div class="power"><div class="meta"><b>${esc(t(p.mechanism))}</b> · `
      + `${link(p.instrument?.source_url, p.instrument?.number || "")} ${esc((en ? p.instrument?.title_en : p.instrument?.title_vi) || "")}</div>`
      + `<ul class="list">${items.map((x) => `<li>${esc(en ? x.summary_en : x.summary_vi)} <span class="meta">${link((x.source_url || [])[0], x.article || t("source"))}`
      + `${x.inherited ? ` · ${t("inherited")}` : ""}</span></li>`).join("")}</ul></div>`).join("");
    return `<details class="sector"><summary>${esc(sectorName(s.sector))} <span class="badge">${s.count}</span></summary>${body}</details>`;
  }).join("");
  const tot = powers.totals;
  return `<h3>${t("powers")}: ${fmt(tot.powers)} <span class="meta">(${t("own")} ${fmt(tot.own)}, ${t("inherited")} ${fmt(tot.inherited)})</span></h3>${sectors}`;
}

export function unitHTML({ unit, lineage, powers, asOf, point }) {
  const contact = [unit.phone && esc(unit.phone), unit.website && link(unit.website, unit.website)].filter(Boolean).join(" · ");
  const valid = `${esc(unit.valid_from || "…")} → ${esc(unit.valid_to || "")}`;
  const flags = unit.flags || {};
  const densityWhy = flags.population || flags.area_km2;
  return `<button type="button" class="close" data-close aria-label="${t("close")}">✕</button>${point || ""}
    <div class="unit"><h2 id="unit-name" tabindex="-1">${esc(unit.full_name)}</h2><p class="en" lang="en">${esc(unit.full_name_en || "")}</p>
    ${kv([[t("type"), esc(t(unit.type))], [t("code"), esc(unit.code)],
      [t("province"), unit.parent ? esc(unit.parent.full_name) : undefined],
      [t("population"), flaggedFigure(unit.population, flags.population, "unit-population", fmt(unit.population))],
      [t("area"), flaggedFigure(unit.area_km2, flags.area_km2, "", `${fmt(unit.area_km2, 2)} km²`)],
      [t("area_computed"), `${fmt(unit.area_km2_computed, 2)} km²`],
      [t("density"), flaggedFigure(unit.density_per_km2, densityWhy, "", `${fmt(unit.density_per_km2, 1)} ${t("per_km2")}`)],
      [t("centre"), unit.admin_center ? esc(unit.admin_center) : flaggedFigure(null, flags.admin_center, "", "—")],
      [t("contact"), contact || "—"], [t("valid"), valid]])}</div>
    ${cameFrom(lineage)}${powersHTML(powers)}${downloads(unit, asOf)}`;
}

// A pre-reform unit: its old district and province, and its successors (links select them today).
export function legacyHTML(legacy, point) {
  const u = legacy.unit;
  const succ = legacy.successors.map((s) => `<li><a href="?unit=${esc(s.code)}" data-select="${esc(s.code)}" data-today="1">${esc(s.full_name)}</a>`
    + ` — ${esc(kindName(s.kind))}${s.default && legacy.split ? ` (${t("default_successor")})` : ""}${s.province ? `, ${esc(s.province.full_name)}` : ""}</li>`).join("");
  return `<button type="button" class="close" data-close aria-label="${t("close")}">✕</button>${point || ""}
    <div class="unit"><h2 id="unit-name" tabindex="-1">${esc(u.full_name)} <span class="badge old">${t("old")}</span></h2>
    ${kv([[t("code"), esc(u.code)], [t("level_label"), esc(t(`lvl_${u.level}`))],
      [t("old_district"), u.district ? esc(u.district.full_name) : undefined],
      [t("province"), u.province ? esc(u.province.full_name) : undefined]])}</div>
    <h3>${t("successors")}</h3><ul class="list succ">${succ || "<li>—</li>"}</ul>`;
}

// A problem from the API in the page's language; the service's own (English) words only in English.
export function problemText(e) {
  const key = e?.status === 404 ? "problem_404" : e?.status === 422 ? "problem_422" : "problem_other";
  return getLang() === "en" && e?.message ? e.message : t(key);
}
