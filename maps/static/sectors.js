// The powers catalogue's sectors (geodata/powers/vocab.py) in Vietnamese and English: one table for the
// viewer's panel and the dashboard.
export const SECTORS = {
  land: ["Đất đai", "Land"], construction: ["Xây dựng", "Construction"], transport: ["Giao thông", "Transport"],
  finance_budget: ["Tài chính, ngân sách", "Finance and budget"], planning_investment: ["Kế hoạch, đầu tư", "Planning and investment"],
  home_affairs: ["Nội vụ", "Home affairs"], agriculture_environment: ["Nông nghiệp, môi trường", "Agriculture and environment"],
  industry_trade: ["Công thương", "Industry and trade"], education: ["Giáo dục", "Education"], health: ["Y tế", "Health"],
  culture_tourism: ["Văn hóa, du lịch", "Culture and tourism"], justice: ["Tư pháp", "Justice"],
  science_technology: ["Khoa học, công nghệ", "Science and technology"], ethnic_religion: ["Dân tộc, tôn giáo", "Ethnic and religious affairs"],
  public_security: ["An ninh", "Public security"], general: ["Chung", "General"],
};

export const sectorLabel = (key, lang) => (SECTORS[key] || [key, key])[lang === "en" ? 1 : 0];
