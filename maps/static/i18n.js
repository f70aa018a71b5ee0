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
    huyen: "Huyện", quan: "Quận", thi_xa: "Thị xã", thanh_pho_thuoc_tinh: "Thành phố thuộc tỉnh",
    thanh_pho_thuoc_tp: "Thành phố thuộc thành phố", thi_tran: "Thị trấn",
    lvl_province: "tỉnh/thành", lvl_district: "huyện/quận", lvl_commune: "xã/phường",
    k_whole: "toàn bộ", k_part: "một phần", k_split: "chia tách", k_merged: "sáp nhập", k_retyped: "đổi loại",
    k_renamed: "đổi tên", k_created: "thành lập", k_dissolved: "giải thể", k_unchanged: "giữ nguyên",
    unit_people: "người", unit_km2: "km²", unit_density: "người/km²", unit_powers: "thẩm quyền",
    flagged: "Số liệu bị gắn cờ", withheld: "Không công bố", flag_reason: "Lý do",
    why_flagged: "bất hợp lý so với diện tích và loại đơn vị (dưới ngưỡng mật độ/dân số của loại này); số liệu chưa kiểm chứng",
    why_withheld: "bảng thuộc tính của bản đồ chính thức không có số liệu, hoặc số liệu sai nên không công bố",
    data_note: "Ghi chú của dữ liệu (tiếng Anh)", flagged_legend: "Số liệu bị gắn cờ (gạch chéo)",
    not_on_date: "{name} không tồn tại ngày {date}; đã bỏ chọn.",
    pre_reform_legend: "Trước 01/07/2025: tỉnh, huyện cũ và trung tâm xã cũ",
    old_province_outline: "Ranh giới tỉnh cũ (chính xác, từ các xã mới)", old_district_outline: "Ranh giới huyện cũ (chính xác)",
    old_commune_dot: "Trung tâm xã cũ", old_commune_split: "Xã cũ bị chia tách",
    pre_reform_note: "Không có ranh giới xã cũ: chấm là trung tâm xã cũ (vị trí gần đúng).",
    old_district: "Huyện cũ", became_province: "Nay thuộc", level_label: "Cấp",
    problem_404: "Không tìm thấy.", problem_422: "Dữ liệu nhập không hợp lệ.", problem_other: "Lỗi máy chủ; vui lòng thử lại.",
    date_range: "Chọn ngày từ {min} đến {max}.", bad_state: "Tham số không hợp lệ trong địa chỉ ({what}); dùng mặc định.",
    no_selection: "Chưa chọn đơn vị: cả nước.", country: "Cả nước", data_table: "Bảng số liệu", draw_charts: "Vẽ biểu đồ", bin: "Khoảng", count: "Số đơn vị",
    value: "Giá trị", legend_toggle: "Chú giải", seats: "Trung tâm hành chính", capital: "Tỉnh lỵ",
    crosshair: "Enter: tra cứu điểm giữa bản đồ", docs: "Tài liệu API", dashboard: "Bảng phân quyền",
    share_unit: "Đơn vị", people_n: "{n} người",
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
    uy_quyen: "authorisation",
    n_powers: "{n} powers",
    huyen: "District", quan: "Urban district", thi_xa: "Town", thanh_pho_thuoc_tinh: "Provincial city",
    thanh_pho_thuoc_tp: "Municipal city", thi_tran: "Township",
    lvl_province: "province", lvl_district: "district", lvl_commune: "commune",
    k_whole: "whole", k_part: "part", k_split: "split", k_merged: "merged", k_retyped: "retyped",
    k_renamed: "renamed", k_created: "created", k_dissolved: "dissolved", k_unchanged: "unchanged",
    unit_people: "people", unit_km2: "km²", unit_density: "people/km²", unit_powers: "powers",
    flagged: "Figure flagged", withheld: "Withheld", flag_reason: "Reason",
    why_flagged: "implausible for the unit's area and type (below the density/population floor of its type); unverified",
    why_withheld: "the official map's attribute table has no figure, or a wrong one that is withheld",
    data_note: "Data note", flagged_legend: "Flagged figure (hatched)",
    not_on_date: "{name} does not exist on {date}; selection dropped.",
    pre_reform_legend: "Before 2025-07-01: old provinces, districts and commune centres",
    old_province_outline: "Old province boundary (exact, from the new communes)", old_district_outline: "Old district boundary (exact)",
    old_commune_dot: "Old commune centre", old_commune_split: "Old commune that was split",
    pre_reform_note: "Old commune boundaries are not available: dots are old commune centres (approximate).",
    old_district: "Old district", became_province: "Now in", level_label: "Level",
    problem_404: "Not found.", problem_422: "Invalid input.", problem_other: "Server error; please try again.",
    date_range: "Pick a date from {min} to {max}.", bad_state: "Invalid value in the address ({what}); using the default.",
    no_selection: "No unit selected: the whole country.", country: "Whole country", data_table: "Data table", draw_charts: "Draw the charts", bin: "Range", count: "Units",
    value: "Value", legend_toggle: "Legend", seats: "Administrative centre", capital: "Provincial capital",
    crosshair: "Enter: look up the map centre", docs: "API docs", dashboard: "Decentralisation dashboard",
    share_unit: "Unit", people_n: "{n} people",
  },
};

let lang = "vi";

export function getLang() { return lang; }

// An unknown or missing key never throws: it shows as itself (or nothing), never as a crash.
export function t(key, vars = {}) {
  if (key === undefined || key === null) return "";
  const s = STRINGS[lang][key] ?? STRINGS.en[key] ?? String(key);
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
  btn.setAttribute("aria-label", lang === "vi" ? "EN – English" : "VI – Tiếng Việt");   // the visible text first
  btn.lang = lang === "vi" ? "en" : "vi";
}

// Text from the API (problem details) is put in the page as text, never as HTML.
export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
