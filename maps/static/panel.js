// The side panel: a unit (figures, where it came from, its powers, downloads), a clicked point,
// an old (pre-reform) unit and what it became. Everything from the API is escaped.
import { t, fmt, esc, getLang } from "./i18n.js";

const SECTORS = {
  land: ["Đất đai", "Land"], construction: ["Xây dựng", "Construction"], transport: ["Giao thông", "Transport"],
  finance_budget: ["Tài chính, ngân sách", "Finance and budget"], planning_investment: ["Kế hoạch, đầu tư", "Planning and investment"],
  home_affairs: ["Nội vụ", "Home affairs"], agriculture_environment: ["Nông nghiệp, môi trường", "Agriculture and environment"],
  industry_trade: ["Công thương", "Industry and trade"], education: ["Giáo dục", "Education"], health: ["Y tế", "Health"],
  culture_tourism: ["Văn hóa, du lịch", "Culture and tourism"], justice: ["Tư pháp", "Justice"],
  science_technology: ["Khoa học, công nghệ", "Science and technology"], ethnic_religion: ["Dân tộc, tôn giáo", "Ethnic and religious affairs"],
  public_security: ["An ninh", "Public security"], general: ["Chung", "General"],
};

export function sectorName(key) {
  return (SECTORS[key] || [key, key])[getLang() === "en" ? 1 : 0];
}

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
    ${nearest}<p class="problem">${esc(problem.message)}</p></div>`;
}

function downloads(unit, asOf) {
  const a = (code, format, label) => `<a href="/v1/units/${esc(code)}/download?format=${format}&as_of=${asOf}" download>${esc(label)} · ${format === "gpkg" ? "GeoPackage" : "GeoJSON"}</a>`;
  const prov = unit.level === "province" ? unit.code : unit.province_code;
  const own = unit.level === "province" ? [] : [a(unit.code, "geojson", t("this_unit")), a(unit.code, "gpkg", t("this_unit"))];
  return `<h3>${t("download")}</h3><div class="downloads">${[...own, a(prov, "geojson", t("its_province")),
    a(prov, "gpkg", t("its_province")), `<a href="/maps/${esc(prov)}.html" target="_blank">${t("folium")}</a>`].join("")}</div>`;
}

function cameFrom(lineage) {
  if (!lineage) return "";
  const preds = lineage.predecessors || [];
  const items = preds.map((p) => `<li><b>${esc(p.full_name)}</b> — ${esc(t(p.kind))}${p.district ? `, ${esc(p.district.full_name)}` : ""}${p.province ? `, ${esc(p.province.full_name)}` : ""}</li>`);
  const changes = (lineage.changes || []).map((c) => `<li>${esc(c.effective)}: ${esc(t(c.change))} ${c.to ? `→ ${esc(c.to.full_name || "")}` : ""} (${esc(c.instrument || "")})</li>`);
  return `<h3>${t("came_from")} (${preds.length})</h3>${items.length ? `<ul class="list preds">${items.join("")}</ul>` : "<p>—</p>"}`
    + (changes.length ? `<h3>${t("changes")}</h3><ul class="list">${changes.join("")}</ul>` : "");
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
  return `<button type="button" class="close" data-close aria-label="${t("close")}">✕</button>${point || ""}
    <div class="unit"><h2 id="unit-name">${esc(unit.full_name)}</h2><p class="en">${esc(unit.full_name_en || "")}</p>
    ${kv([[t("type"), esc(t(unit.type))], [t("code"), esc(unit.code)],
      [t("province"), unit.parent ? esc(unit.parent.full_name) : undefined],
      [t("population"), `<span id="unit-population">${fmt(unit.population)}</span>`],
      [t("area"), `${fmt(unit.area_km2, 2)} km²`], [t("area_computed"), `${fmt(unit.area_km2_computed, 2)} km²`],
      [t("density"), `${fmt(unit.density_per_km2, 1)} ${t("per_km2")}`], [t("centre"), esc(unit.admin_center || "—")],
      [t("contact"), contact || "—"], [t("valid"), valid]])}</div>
    ${cameFrom(lineage)}${powersHTML(powers)}${downloads(unit, asOf)}`;
}

// A pre-reform unit: its old district and province, and its successors (links select them today).
export function legacyHTML(legacy, point) {
  const u = legacy.unit;
  const succ = legacy.successors.map((s) => `<li><a href="?unit=${esc(s.code)}" data-select="${esc(s.code)}" data-today="1">${esc(s.full_name)}</a>`
    + ` — ${esc(t(s.kind))}${s.default && legacy.split ? ` (${t("default_successor")})` : ""}${s.province ? `, ${esc(s.province.full_name)}` : ""}</li>`).join("");
  return `<button type="button" class="close" data-close aria-label="${t("close")}">✕</button>${point || ""}
    <div class="unit"><h2 id="unit-name">${esc(u.full_name)} <span class="badge old">${t("old")}</span></h2>
    ${kv([[t("code"), esc(u.code)], [t("level"), esc(u.level)], ["", u.district ? esc(u.district.full_name) : undefined],
      [t("province"), u.province ? esc(u.province.full_name) : undefined]])}</div>
    <h3>${t("successors")}</h3><ul class="list succ">${succ || "<li>—</li>"}</ul>`;
}
