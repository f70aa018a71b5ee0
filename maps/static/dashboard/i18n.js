// The dashboard's words in Vietnamese (default) and English, number and date formats, escaping.
import { sectorLabel } from "../sectors.js";
const STRINGS = {
  vi: {
    skip: "Đến nội dung", title: "Bảng điều khiển phân quyền",
    subtitle: "Ai giữ thẩm quyền nào, ở đâu, từ khi nào, và điều gì sắp hết hiệu lực",
    date: "Ngày", date_slider: "Kéo để đổi ngày", today: "Hôm nay", viewer: "Bản đồ đơn vị", views: "Các mục",
    v_matrix: "Ma trận", v_timeline: "Dòng thời gian", v_map: "Bản đồ", v_compare: "So sánh", v_scale: "Quy mô",
    v_coverage: "Độ phủ, nguồn", v_changes: "Thay đổi",
    credits: "Dữ liệu: vietnamese-provinces-database (MIT), sapnhap.bando.com.vn; danh mục thẩm quyền của vn-geodata, mỗi dòng có nguồn văn bản. Biểu đồ: Apache ECharts; bản đồ: MapLibre GL.",
    loading: "Đang tải…", error: "Lỗi", csv: "Tải CSV", table: "Bảng số liệu", chart_table: "Số liệu của biểu đồ",
    central: "Trung ương", province: "Cấp tỉnh", commune: "Cấp xã", sector: "Lĩnh vực", total: "Tổng",
    phan_quyen: "phân quyền", phan_cap: "phân cấp", uy_quyen: "ủy quyền",
    o_central: "từ bộ, ngành", o_province: "từ cấp tỉnh", o_district_abolished: "từ cấp huyện (đã bỏ)",
    to_province: "xuống tỉnh", to_commune: "xuống xã",
    split_none: "không tách", split_mechanism: "cơ chế", split_origin: "nguồn gốc",
    matrix_h: "Thẩm quyền đang có hiệu lực ngày {date}, theo lĩnh vực và cấp",
    matrix_note: "Cột Trung ương đếm các thẩm quyền đã chuyển xuống từ bộ, ngành (cũng được đếm ở cấp nhận), không cộng vào tổng.",
    in_force: "đang có hiệu lực", cell_h: "{sector} — {level}: {n} thẩm quyền", cell_pick: "Chọn một ô để xem các thẩm quyền.",
    id: "Mã", summary: "Nội dung", instrument: "Văn bản", article: "Điều khoản", mechanism: "Cơ chế", origin: "Nguồn gốc",
    holders: "Số đơn vị giữ", source: "Nguồn", confidence: "Độ tin cậy", high: "cao", medium: "trung bình", low: "thấp",
    holder: "Cấp giữ", by_sector_chart: "Thẩm quyền theo lĩnh vực và cấp",
    timeline_h: "Thẩm quyền có hiệu lực theo thời gian, 01/07/2025 – 30/06/2027",
    today_line: "hôm nay", selected_line: "ngày chọn", cliff: "Hết hiệu lực các nghị định 6/2025",
    countdown: "Còn {n} ngày đến {date} ({what})", countdown_past: "{what}: đã qua ngày {date}",
    lapsing_h: "Sẽ hết hiệu lực trong 90 ngày kể từ {date}", lapsing_none: "Không có thẩm quyền nào hết hiệu lực trong 90 ngày.",
    last_day: "Ngày cuối", events_h: "Các mốc", event_date: "Ngày", event: "Sự kiện", count: "Số lượng",
    starts: "bắt đầu", ends: "kết thúc", moves: "chuyển", start: "bắt đầu", end: "kết thúc", moved: "chuyển",
    ev_nd49: "NĐ 49/2026 (đất đai)", ev_capital: "Luật Thủ đô 2026", ev_cliff: "Mốc 01/03/2027", ev_reform: "Chính quyền 2 cấp",
    map_h: "Đơn vị nắm giữ thẩm quyền ngày {date}", choose_sector: "Lĩnh vực", choose_power: "Một thẩm quyền",
    all_powers: "(cả lĩnh vực)", level: "Cấp", communes: "Xã/phường", provinces: "Tỉnh/thành",
    legend_count: "Số thẩm quyền (riêng + thừa hưởng)", legend_zero: "không có", legend_special: "Cơ chế đặc thù (Hà Nội, TP.HCM, Đà Nẵng, Hải Phòng, đặc khu…)",
    legend_redelegated: "Tỉnh ủy quyền lại (quyết định của tỉnh)", legend_regime_province: "Tỉnh/thành có luật, nghị quyết riêng",
    own: "riêng", inherited: "thừa hưởng", special: "đặc thù", redelegated: "tỉnh giao lại", unit: "Đơn vị", code: "Mã",
    holding: "{n} / {of} đơn vị nắm giữ", map_pick: "Nhấn vào bản đồ để xem đơn vị.", regimes_h: "Cơ chế đặc thù",
    compare_h: "So sánh hai đơn vị ngày {date}", unit_a: "Đơn vị A", unit_b: "Đơn vị B", swap: "Đổi chỗ",
    preset_1: "Phường Hoàn Kiếm (Hà Nội) ↔ một xã Lâm Đồng", preset_2: "Hà Nội ↔ Gia Lai", compare_go: "So sánh",
    only_in: "Chỉ {unit} có", shared: "Cả hai cùng có", powers: "Thẩm quyền", search_ph: "Tìm xã, phường, tỉnh…",
    scale_h: "Quy mô: xã/phường trong khoảng 25.000–40.000 dân và 100–200 km², ngày {date}",
    pop_band: "Trong khoảng dân số", area_band: "Trong khoảng diện tích", both_band: "Cả hai", neither: "Ngoài cả hai",
    unknown: "Chưa có số liệu / bị gắn cờ", communes_n: "Số xã/phường", outliers: "Ngoại lai", flagged: "Gắn cờ",
    population: "Dân số", area: "Diện tích (km²)", median: "Trung vị", q1: "Tứ phân vị 1", q3: "Tứ phân vị 3",
    min: "Nhỏ nhất", max: "Lớn nhất", spread_h: "Phân bố dân số xã/phường theo tỉnh", outliers_h: "Ngoại lai và số liệu gắn cờ",
    flag_mark: "⚑ gắn cờ", flag_note: "Số liệu gắn cờ được hiển thị kèm lý do, không tính vào khoảng và phân bố.",
    band_h: "Xã/phường theo khoảng quy mô, mỗi tỉnh", country: "Cả nước", why: "Lý do",
    coverage_h: "Độ phủ và nguồn của danh mục thẩm quyền",
    partial: "Danh mục CHƯA đầy đủ: {with} / {of} nghị định phân quyền tháng 6/2025 có thẩm quyền được mã hóa; văn bản mới nhất đã đọc: {newest}. Mọi con số là số đã mã hóa, không phải tổng số.",
    partial_short: "Danh mục chưa đầy đủ — xem Độ phủ", decrees_h: "28 nghị định tháng 6/2025", rows_conf_h: "Số dòng theo độ tin cậy",
    missing_h: "Còn thiếu / chưa xác minh", newest: "Văn bản mới nhất đã đọc", reason: "Lý do không có thẩm quyền",
    with_powers: "có thẩm quyền", without_powers: "không có thẩm quyền", instruments_h: "Các văn bản",
    number: "Số hiệu", kind: "Loại", effective: "Hiệu lực", expires: "Hết hiệu lực", rows: "Số dòng",
    changes_h: "Đã thay đổi và sắp thay đổi (quanh ngày {date})", past: "Đã thay đổi", upcoming: "Sắp thay đổi",
    subscribe: "Theo dõi:", units_changed: "{n} đơn vị hành chính thay đổi", powers_changed: "{n} thẩm quyền",
    kind_units: "đơn vị", kind_powers: "thẩm quyền", merged: "hợp nhất", split: "chia tách", renamed: "đổi tên",
    retyped: "đổi loại", created: "thành lập", dissolved: "giải thể", kept: "giữ nguyên", no_entries: "Không có.",
    details: "Chi tiết", what: "Nội dung", xa: "Xã", phuong: "Phường", dac_khu: "Đặc khu", tinh: "Tỉnh", thanh_pho: "Thành phố",
    coverage_note: "Danh mục chỉ ghi những thẩm quyền đã đọc trong các văn bản được liệt kê, chưa phải mọi thẩm quyền của mọi văn bản. Độ tin cậy: cao = đọc văn bản gốc đầy đủ; trung bình = nguồn thứ cấp trích dẫn; thấp = suy luận.",
    verified_n: "{n} dòng dự án tự kiểm tra, {r} dòng lấy từ tài liệu nghiên cứu", in_force_on: "Có hiệu lực ngày {date}",
    redelegation_provinces: "Tỉnh có quyết định phân cấp lại (đã nạp)", rows_status_h: "Số dòng theo tình trạng ngày {date}",
    status: "Tình trạng", not_yet: "chưa có hiệu lực", ended: "đã hết hiệu lực",
    unconfirmed_note: "{n} thẩm quyền của hai đơn vị đến từ văn bản mà nguồn chưa xác nhận ngày hiệu lực; được coi là có hiệu lực từ 01/07/2025.",
    lapsing_by_day: "Theo ngày và văn bản", lapsing_all: "Danh sách đầy đủ ({n})",
    band_quote: "Khoảng quy mô theo bài viết gốc (seeds):", coverage_aria: "Độ phủ của danh mục", ended_by: "Chấm dứt bởi", own_end: "ngày kết thúc riêng của dòng", central_col: "Trung ương → đã chuyển xuống", sunset: "hết thời hạn của", split_by: "Tách theo",
    pre_reform: "Trước 01/07/2025 không có chính quyền hai cấp: danh mục bắt đầu từ 01/07/2025.",
    chart_kbd: "Biểu đồ; số liệu ở bảng bên dưới",
  },
  en: {
    skip: "Skip to content", title: "Decentralisation dashboard",
    subtitle: "Who holds which power, where, since when, and what lapses next",
    date: "Date", date_slider: "Drag to change the date", today: "Today", viewer: "Units map", views: "Views",
    v_matrix: "Matrix", v_timeline: "Timeline", v_map: "Map", v_compare: "Compare", v_scale: "Scale",
    v_coverage: "Coverage, sources", v_changes: "Changes",
    credits: "Data: vietnamese-provinces-database (MIT), sapnhap.bando.com.vn; the vn-geodata powers catalogue, every row with its legal source. Charts: Apache ECharts; map: MapLibre GL.",
    loading: "Loading…", error: "Error", csv: "Download CSV", table: "Data table", chart_table: "The chart's data",
    central: "Central", province: "Province", commune: "Commune", sector: "Sector", total: "Total",
    phan_quyen: "devolution (phân quyền)", phan_cap: "delegation (phân cấp)", uy_quyen: "authorisation (ủy quyền)",
    o_central: "from ministries", o_province: "from the province", o_district_abolished: "from abolished districts",
    to_province: "to provinces", to_commune: "to communes",
    split_none: "none", split_mechanism: "mechanism", split_origin: "origin",
    matrix_h: "Powers in force on {date}, by sector and level",
    matrix_note: "The Central column counts powers moved down from the ministries (also counted at the level that received them); it is not added to the totals.",
    in_force: "in force", cell_h: "{sector} — {level}: {n} powers", cell_pick: "Pick a cell to see its powers.",
    id: "Id", summary: "Power", instrument: "Instrument", article: "Article", mechanism: "Mechanism", origin: "Origin",
    holders: "Units holding", source: "Source", confidence: "Confidence", high: "high", medium: "medium", low: "low",
    holder: "Held by", by_sector_chart: "Powers by sector and level",
    timeline_h: "Powers in force over time, 2025-07-01 to 2027-06-30",
    today_line: "today", selected_line: "selected", cliff: "June-2025 decrees lapse",
    countdown: "{n} days to {date} ({what})", countdown_past: "{what}: passed on {date}",
    lapsing_h: "Lapsing within 90 days of {date}", lapsing_none: "No power lapses within 90 days.",
    last_day: "Last day", events_h: "Events", event_date: "Date", event: "Event", count: "Count",
    starts: "start", ends: "end", moves: "move", start: "start", end: "end", moved: "moved",
    ev_nd49: "Decree 49/2026 (land)", ev_capital: "Capital Law 2026", ev_cliff: "2027-03-01 cliff", ev_reform: "Two-tier government",
    map_h: "Units holding the powers on {date}", choose_sector: "Sector", choose_power: "One power",
    all_powers: "(whole sector)", level: "Level", communes: "Communes", provinces: "Provinces",
    legend_count: "Powers held (own + inherited)", legend_zero: "none", legend_special: "Special regime (Hà Nội, HCMC, Đà Nẵng, Hải Phòng, special zones…)",
    legend_redelegated: "Re-delegated by the province (its own decision)", legend_regime_province: "Province with its own law or resolutions",
    own: "own", inherited: "inherited", special: "special", redelegated: "re-delegated", unit: "Unit", code: "Code",
    holding: "{n} of {of} units hold them", map_pick: "Click the map to see a unit.", regimes_h: "Special regimes",
    compare_h: "Two units compared on {date}", unit_a: "Unit A", unit_b: "Unit B", swap: "Swap",
    preset_1: "Phường Hoàn Kiếm (Hà Nội) ↔ a Lâm Đồng commune", preset_2: "Hà Nội ↔ Gia Lai", compare_go: "Compare",
    only_in: "Only {unit} holds", shared: "Both hold", powers: "Powers", search_ph: "Find a commune, ward, province…",
    scale_h: "Scale: communes within 25,000–40,000 people and 100–200 km², on {date}",
    pop_band: "In the population band", area_band: "In the area band", both_band: "Both", neither: "Neither",
    unknown: "No figure / flagged", communes_n: "Communes", outliers: "Outliers", flagged: "Flagged",
    population: "Population", area: "Area (km²)", median: "Median", q1: "Lower quartile", q3: "Upper quartile",
    min: "Min", max: "Max", spread_h: "Population of communes per province", outliers_h: "Outliers and flagged figures",
    flag_mark: "⚑ flagged", flag_note: "Flagged figures are shown with their reason, and left out of bands and spread.",
    band_h: "Communes by scale band, per province", country: "Country", why: "Why",
    coverage_h: "Coverage and sources of the powers catalogue",
    partial: "The catalogue is NOT complete: {with} of {of} June-2025 decentralisation decrees have powers coded; newest instrument read: {newest}. Every figure counts coded powers, not all powers.",
    partial_short: "The catalogue is partial — see Coverage", decrees_h: "The 28 decrees of June 2025", rows_conf_h: "Rows by confidence",
    missing_h: "Known missing / not verified", newest: "Newest instrument read", reason: "Why it has no powers",
    with_powers: "with powers", without_powers: "without powers", instruments_h: "Instruments",
    number: "Number", kind: "Kind", effective: "In force", expires: "Lapses", rows: "Rows",
    changes_h: "What changed and what changes (around {date})", past: "Changed", upcoming: "Coming",
    subscribe: "Subscribe:", units_changed: "{n} administrative units changed", powers_changed: "{n} powers",
    kind_units: "units", kind_powers: "powers", merged: "merged", split: "split", renamed: "renamed",
    retyped: "retyped", created: "created", dissolved: "dissolved", kept: "kept", no_entries: "None.",
    details: "Details", what: "What", xa: "Commune", phuong: "Ward", dac_khu: "Special zone", tinh: "Province", thanh_pho: "City",
    coverage_note: "The catalogue records the powers read in the texts listed, not every power of every instrument. Confidence: high = read in the full legal text; medium = a secondary source quoting it; low = inferred.",
    verified_n: "{n} rows verified by the project, {r} taken from research", in_force_on: "In force on {date}",
    redelegation_provinces: "Provinces with a re-delegation decision (loaded)", rows_status_h: "Rows by status on {date}",
    status: "Status", not_yet: "not yet in force", ended: "ended",
    unconfirmed_note: "{n} of the two units' powers come from instruments whose effective date the sources did not confirm; they are taken as in force from 2025-07-01.",
    lapsing_by_day: "By day and instrument", lapsing_all: "The full list ({n})",
    band_quote: "The band as the seed article puts it:", coverage_aria: "How complete the catalogue is", ended_by: "Ended by", own_end: "the row's own last day", central_col: "Central → moved down", sunset: "sunset of", split_by: "Split by",
    pre_reform: "Before 2025-07-01 there was no two-tier government: the catalogue starts on 2025-07-01.",
    chart_kbd: "Chart; its data is in the table below",
  },
};

let lang = "vi";

export const getLang = () => lang;

export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.en[key] ?? String(key);
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ""));
}

export const sectorName = (key) => sectorLabel(key, lang);

export function fmt(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  return Number(n).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB", { maximumFractionDigits: digits });
}

// 2026-01-31 -> 31/01/2026 (vi) or 31 Jan 2026 (en); the ISO form stays in URLs, CSV and the API.
export function fmtDate(iso) {
  if (!iso) return "—";
  const [y, m, d] = iso.split("-").map(Number);
  if (lang === "vi") return `${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`;
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

export function setLang(next) {
  lang = next === "en" ? "en" : "vi";
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  const btn = document.getElementById("lang");
  btn.textContent = lang === "vi" ? "English" : "Tiếng Việt";
  btn.lang = lang === "vi" ? "en" : "vi";
  document.title = `${t("title")} — vn-geodata`;
}

export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
