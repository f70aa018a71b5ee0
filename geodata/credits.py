"""Data sources, licences and credits: shown by /v1/meta and written into every export."""

SOURCES = [
    {
        "name": "vietnamese-provinces-database",
        "author": "Thang Le Quoc and contributors",
        "url": "https://github.com/thanglequoc/vietnamese-provinces-database",
        "licence": "MIT",
        "used_for": "unit lists of every generation, codes, names and English names; cleaned boundaries",
    },
    {
        "name": "Official reference map of the 2025 reorganisation",
        "author": "Vietnam Natural Resources, Environment and Cartography Publishing House (sapnhap.bando.com.vn)",
        "url": "https://sapnhap.bando.com.vn",
        "licence": "published official information; boundaries as redistributed upstream under MIT",
        "used_for": "boundaries, population, area, administrative centre, phone, website, before-merger text",
    },
    {
        "name": "Unit codes",
        "author": "General Statistics Office (Cục Thống kê), Quyết định 19/2025/QĐ-TTg",
        "url": "https://danhmuchanhchinh.nso.gov.vn",
        "licence": "official list",
        "used_for": "codes and types; the 2026 amendments",
    },
]
LICENCE = (
    "Data: MIT (vietnamese-provinces-database, © Thang Le Quoc), derived from the official map "
    "(sapnhap.bando.com.vn). Code: MIT."
)
ATTRIBUTION = "© vietnamese-provinces-database (MIT), official map sapnhap.bando.com.vn, vn-geodata"
