// 7. What changed / what changes: unit changes (/v1/changes) and power events (/v1/powers/events),
// one entry per day and instrument, around the chosen date; the same entries as Atom and JSON Feed.
import { getJSON } from "../api.js";
import { t, esc, fmt, fmtDate, getLang } from "../i18n.js";
import { dataTable } from "../table.js";

const shift = (iso, days) => new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);

function summary(e) {
  const by = e.kind === "units" ? e.by_change : e.by_event;
  const parts = Object.entries(by).map(([k, n]) => `${fmt(n)} ${t(k)}`).join(", ");
  return `${e.kind === "units" ? t("units_changed", { n: fmt(e.count) }) : t("powers_changed", { n: fmt(e.count) })} (${parts})`;
}

function entryHTML(e) {
  const items = e.kind === "units"
    ? e.units.slice(0, 40).map((u) => `<li>${esc(t(u.change))}: ${esc(u.name)} <span class="meta">${esc(u.code)}</span></li>`)
    : e.powers.slice(0, 40).map((p) => `<li>${esc(t(p.event))}: <b>${esc(p.id)}</b> ${esc(getLang() === "en" ? p.summary_en : p.summary_vi)}${p.article ? ` <span class="meta">(${esc(p.article)})</span>` : ""}</li>`);
  const more = (e.kind === "units" ? e.units : e.powers).length - items.length;
  return `<li class="entry ${e.kind}" data-date="${e.date}" data-kind="${e.kind}" data-count="${e.count}">
    <time datetime="${e.date}">${esc(fmtDate(e.date))}</time> <span class="tag">${esc(t(`kind_${e.kind}`))}</span>
    <b>${esc(summary(e))}</b>${e.instrument ? ` — ${esc(e.instrument)}` : ""}
    <details><summary>${esc(t("details"))}</summary><ul>${items.join("")}${more > 0 ? `<li>… +${fmt(more)}</li>` : ""}</ul></details></li>`;
}

export async function render(root, state) {
  const since = shift(state.date, -365), until = shift(state.date, 180);
  const feed = await getJSON("/v1/feed.json", { since, until });
  const entries = feed.items.map((i) => i._vngeo);
  const past = entries.filter((e) => e.date <= state.date), coming = entries.filter((e) => e.date > state.date).reverse();
  root.innerHTML = `<h2>${esc(t("changes_h", { date: fmtDate(state.date) }))}</h2>
    <p>${esc(t("subscribe"))} <a href="/v1/feed.atom?since=${since}&until=${until}">Atom</a> ·
      <a href="/v1/feed.json?since=${since}&until=${until}">JSON Feed</a></p>
    <div class="grid2"><section><h3>${esc(t("upcoming"))} <span class="meta" data-n="${coming.length}">(${fmt(coming.length)})</span></h3>
      <ol class="feed" id="feed-coming">${coming.map(entryHTML).join("") || `<li>${esc(t("no_entries"))}</li>`}</ol></section>
    <section><h3>${esc(t("past"))} <span class="meta" data-n="${past.length}">(${fmt(past.length)})</span></h3>
      <ol class="feed" id="feed-past">${past.map(entryHTML).join("") || `<li>${esc(t("no_entries"))}</li>`}</ol></section></div>
    ${dataTable({ id: "feed-table", caption: t("changes_h", { date: fmtDate(state.date) }), rows: entries, name: "changes_feed", hidden: true, summary: t("table"),
      columns: [{ key: "date", label: t("event_date") }, { key: "kind", label: t("kind") }, { key: "instrument", label: t("instrument") },
        { key: "count", label: t("count"), num: true }, { key: "what", label: t("what"), value: (e) => summary(e) }] })}`;
}
