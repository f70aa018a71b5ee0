// The search box: suggestions as you type (the service folds accents and forgives typos), old units
// with what they became; arrows, Enter and Escape work as in any combobox.
import { getJSON, getOptional } from "./api.js";
import { t, esc } from "./i18n.js";

export function setupSearch(input, list, onChoose) {
  let results = [], active = -1, timer = null, controller = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  // Each row says what the unit is and where: an old commune its old district and province (two
  // "Phường 1" of Lâm Đồng differ there), an old unit what it became.
  function render() {
    list.innerHTML = results.map((r, i) => {
      const where = [r.district?.full_name, r.province?.full_name].filter(Boolean);
      const sub = [t(r.type), ...where, r.old ? `${t("old")} · ${t("valid")} → ${r.valid_to || ""}` : null].filter(Boolean).join(" · ");
      const became = r.became ? `<div class="sub became">${t("became")}: ${esc(r.became)}</div>` : "";
      return `<li role="option" id="sugg-${i}" aria-selected="${i === active}" data-i="${i}">`
        + `<b>${esc(r.full_name)}</b> ${r.old ? `<span class="badge old">${t("old")}</span>` : ""}`
        + `<div class="sub">${esc(sub)}</div>${became}</li>`;
    }).join("");
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
    if (active >= 0) input.setAttribute("aria-activedescendant", `sugg-${active}`);
    else input.removeAttribute("aria-activedescendant");
  }

  // An old unit's suggestion says what it became (fetched for the few shown, not for every result).
  async function addSuccessors(list_) {
    await Promise.all(list_.filter((r) => r.old && !r.became).slice(0, 5).map(async (r) => {
      const leg = await getOptional(`/v1/legacy/units/${r.code}`);
      if (leg?.successors?.length) r.became = [...new Set(leg.successors.map((s) => s.full_name))].join(", ");
    }));
  }

  async function query(q) {
    controller?.abort();
    controller = new AbortController();
    try {
      const body = await getJSON("/v1/search", { q, limit: 8 }, { signal: controller.signal });
      results = body.results;
      active = -1;
      render();
      await addSuccessors(results);
      if (input.value.trim() === q) render();
    } catch (e) {
      if (e.name !== "AbortError") { results = []; render(); }
    }
  }

  function choose(i) {
    const r = results[i];
    if (!r) return;
    input.value = r.full_name;
    close();
    onChoose(r);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { results = []; close(); return; }
    timer = setTimeout(() => query(q), 120);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!results.length) return;
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : -1) + results.length) % results.length;
      render();
      document.getElementById(`sugg-${active}`)?.scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter") {
      e.preventDefault();
      choose(active >= 0 ? active : 0);
    } else if (e.key === "Escape") {
      close();
    }
  });
  // Keep the focus in the input on mousedown; choose on click, so that the click does not fall
  // through the closing list onto the map (which would look up the point under it).
  list.addEventListener("mousedown", (e) => e.preventDefault());
  list.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-i]");
    if (li) choose(Number(li.dataset.i));
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}
