// UI strings in Vietnamese and English. Unit names stay as the sources write them (both are shown).
const STRINGS = {
  vi: {
    skip: "Bỏ qua bản đồ", tagline: "Đơn vị hành chính Việt Nam", search_label: "Tìm đơn vị",
    search_ph: "Tìm xã, phường, tỉnh… (vd. hoan kiem)", colour_by: "Tô màu theo", level: "Cấp",
    m_population: "Dân số", m_density: "Mật độ", m_area: "Diện tích", m_type: "Loại đơn vị", m_powers: "Số thẩm quyền",
    communes: "Xã/phường", provinces: "Tỉnh/thành", basemap: "Nền OSM", date: "Ngày", date_nav: "Chọn ngày",
    map: "Bản đồ", details: "Chi tiết", overview: "Phân cấp, phân quyền", folium: "Bản đồ chia sẻ",
    hint: "Nhấn vào bản đồ để biết điểm đó thuộc xã/phường nào, hoặc tìm theo tên.",
    pre_reform: "Trước sắp xếp", today: "Hôm nay", type: "Loại", province: "Tỉnh/thành", population: "Dân số",
    area: "Diện tích (chính thức)", area_computed: "Diện tích (tính từ ranh giới)", density: "Mật độ",
    centre: "Trụ sở", contact: "Liên hệ", code: "Mã", valid: "Hiệu lực", came_from: "Hình thành từ",
    whole: "toàn bộ", part: "một phần", retyped: "đổi loại", renamed: "đổi tên", powers: "Thẩm quyền",
    powers_none: "Chưa có dữ liệu thẩm quyền.", own: "riêng", inherited: "thừa hưởng", download: "Tải về",
    this_unit: "Đơn vị này", its_province: "Cả tỉnh", point: "Điểm", at_sea: "Ngoài khơi / không thuộc xã nào",
    nearest: "Gần nhất", select: "Chọn", became: "Trở thành", old: "cũ", successors: "Đơn vị kế thừa",
    default_successor: "mặc định", per_km2: "người/km²", people: "người", close: "Đóng", loading: "Đang tải…",
    no_data: "không có số liệu", changed: "Thay đổi ngày {date}", selected: "Đang chọn",
    old_centres: "Trung tâm đơn vị cũ", pre_reform_map: "Trước 01/07/2025: chấm là trung tâm xã cũ",
    pop_dist: "Dân số các xã/phường", area_dist: "Diện tích các xã/phường (km²)",
    band_share: "{n} / {of} ({pct}) trong khoảng {from}–{to}", powers_level: "Thẩm quyền theo cấp",
    by_sector: "Theo lĩnh vực", by_mechanism: "Theo cơ chế", province_level: "Cấp tỉnh", commune_level: "Cấp xã",
    basemap_off: "Không tải được bản đồ nền (ngoại tuyến)", source: "nguồn", changes: "Thay đổi sau đó",
    no_tiles: "Đang dùng GeoJSON (chưa có vector tiles)", xa: "Xã", phuong: "Phường", dac_khu: "Đặc khu",
    tinh: "Tỉnh", thanh_pho: "Thành phố", phan_quyen: "phân quyền", phan_cap: "phân cấp", uy_quyen: "ủy quyền",
    n_powers: "{n} thẩm quyền",
  },
  en: {
    skip: "Skip the map", tagline: "Vietnam's administrative units", search_label: "Find a unit",
    search_ph: "Find a commune, ward, province… (e.g. hoan kiem)", colour_by: "Colour by", level: "Level",
    m_population: "Population", m_density: "Density", m_area: "Area", m_type: "Unit type", m_powers: "Powers held",
    communes: "Communes", provinces: "Provinces", basemap: "OSM base", date: "Date", date_nav: "Pick a date",
    map: "Map", details: "Details", overview: "Decentralisation", folium: "Shareable maps",
    hint: "Click the map to find which commune a point is in, or search by name.",
    pre_reform: "Pre-reform", today: "Today", type: "Type", province: "Province", population: "Population",
    area: "Area (official)", area_computed: "Area (from the boundary)", density: "Density",
    centre: "Administrative centre", contact: "Contact", code: "Code", valid: "Valid", came_from: "Came from",
    whole: "whole", part: "part", retyped: "retyped", renamed: "renamed", powers: "Powers",
    powers_none: "No powers data yet.", own: "own", inherited: "inherited", download: "Download",
    this_unit: "This unit", its_province: "Its province", point: "Point", at_sea: "At sea / in no commune",
    nearest: "Nearest", select: "Select", became: "Became", old: "old", successors: "Successors",
    default_successor: "default", per_km2: "people/km²", people: "people", close: "Close", loading: "Loading…",
    no_data: "no figure", changed: "Changed on {date}", selected: "Selected",
    old_centres: "Old units' centres", pre_reform_map: "Before 2025-07-01: dots are old communes' centres",
    pop_dist: "Population of communes", area_dist: "Area of communes (km²)",
    band_share: "{n} of {of} ({pct}) within {from}–{to}", powers_level: "Powers by level",
    by_sector: "By sector", by_mechanism: "By mechanism", province_level: "Province level", commune_level: "Commune level",
    basemap_off: "Base map unreachable (offline)", source: "source", changes: "Later changes",
    no_tiles: "Drawing from GeoJSON (vector tiles not available)", xa: "Commune", phuong: "Ward",
    dac_khu: "Special zone", tinh: "Province", thanh_pho: "City", phan_quyen: "devolution", phan_cap: "delegation",
    uy_quyen: "authorisation", n_powers: "{n} powers",
  },
};

let lang = "vi";

export function getLang() { return lang; }

export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
}

export function fmt(n, digits = 0) {
  if (n === null || n === undefined) return "—";
  return Number(n).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB",
    { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

// Applies the language to the static page: text, placeholders and labels marked with data-i18n*.
export function setLang(next) {
  lang = next === "en" ? "en" : "vi";
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  const btn = document.getElementById("lang");
  btn.textContent = lang === "vi" ? "EN" : "VI";
  btn.setAttribute("aria-label", lang === "vi" ? "English" : "Tiếng Việt");
  btn.lang = lang === "vi" ? "en" : "vi";
}

// Text from the API (problem details) is put in the page as text, never as HTML.
export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
