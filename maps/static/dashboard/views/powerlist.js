// The columns of every list of powers (a matrix cell, what lapses, a compared unit): what it is,
// who holds it, the instrument and article, and the source links to read it in.
import { t, esc, getLang, sectorName, fmtDate } from "../i18n.js";

const isURL = (u) => /^https?:\/\//.test(u || "");

export function sourceLinks(p) {
  const urls = [...(p.source_url || [])];
  if (p.instrument?.source_url && !urls.includes(p.instrument.source_url)) urls.push(p.instrument.source_url);
  return urls.filter(isURL).map((u, i) => `<a class="src" href="${esc(u)}" target="_blank" rel="noopener noreferrer"
    title="${esc(u)}">${esc(t("source"))} ${i + 1}</a>`).join(" ");
}

function endedBy(p) {
  const e = p.ended_by;
  if (!e) return "";
  if (e.sunset) return `${t("sunset")} ${e.number}`;
  return e.article || e.number || "";
}

export function powerColumns({ extra = [] } = {}) {
  return [
    { key: "id", label: t("id") },
    { key: "summary", csv: getLang() === "en" ? "summary_en" : "summary_vi", label: t("summary"),
      value: (p) => (getLang() === "en" ? p.summary_en : p.summary_vi) },
    { key: "sector", label: t("sector"), value: (p) => p.sector, html: (p) => esc(sectorName(p.sector)) },
    { key: "holder_level", label: t("holder"), html: (p) => esc(t(p.holder_level)) },
    { key: "mechanism", label: t("mechanism"), html: (p) => esc(t(p.mechanism)) },
    { key: "from_level", label: t("origin"), html: (p) => esc(t(`o_${p.from_level}`)) },
    { key: "instrument", label: t("instrument"), value: (p) => p.instrument?.number,
      html: (p) => isURL(p.instrument?.source_url)
        ? `<a href="${esc(p.instrument.source_url)}" target="_blank" rel="noopener noreferrer">${esc(p.instrument.number)}</a>`
        : esc(p.instrument?.number) },
    { key: "article", label: t("article") },
    { key: "valid_from", label: t("effective"), value: (p) => p.valid_from ?? p.instrument?.in_force_from ?? null,
      html: (p) => esc(fmtDate(p.valid_from ?? p.instrument?.in_force_from)) },
    { key: "valid_to", label: t("last_day"), value: (p) => p.valid_to ?? null, html: (p) => esc(p.valid_to ? fmtDate(p.valid_to) : "—") },
    { key: "ended_by", label: t("ended_by"), value: (p) => endedBy(p), html: (p) => esc(endedBy(p) || "—") },
    ...extra,
    { key: "confidence", label: t("confidence"), html: (p) => esc(t(p.confidence)) },
    { key: "source_url", label: t("source"), value: (p) => (p.source_url || []).join(" ; "), html: sourceLinks },
  ];
}
