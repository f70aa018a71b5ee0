"""The viewer's journeys over every kind of unit, in Debian's Chromium (Playwright), with no console
error: changed provinces and communes by click and by URL, an old unit from search and its
successor, a typed date, the pre-reform map, a phone tap, a bad URL, a flagged figure, and the
bytes a day change within one period costs."""

from __future__ import annotations

import re

import pytest

from tests.test_viewer import WAIT, Page, click_map_centre, distinct_colours, expect, page  # noqa: F401  (the page fixture)

CHANGED_PROVINCES = [
    ("22", "Quảng Ninh", 20.95, 107.08),
    ("24", "Bắc Ninh", 21.18, 106.07),
    ("75", "Đồng Nai", 10.96, 106.85),
]


def retyped_communes(db, effective: str, province: str) -> list[tuple[str, str, float, float]]:
    """The communes retyped on a day in a province, with a point inside each (from PostGIS)."""
    return db.execute(
        """
        SELECT u.code, u.full_name, ST_Y(u.label_point), ST_X(u.label_point) FROM geo.units u
        JOIN geo.lineage_edges e ON e.new_unit_id = u.id AND e.kind = 'retyped'
        WHERE lower(u.valid) = %s::date AND u.level = 'commune' AND u.province_code = %s ORDER BY u.code""",
        (effective, province),
    ).fetchall()


def assert_unit_panel(pg, name: str, *, change: bool = True) -> None:
    expect(pg.locator("#unit-name")).to_contain_text(name, timeout=30_000)
    details = pg.locator("#details").inner_text()
    assert "undefined" not in details and "null" not in details
    if change:  # the later change is listed in words, not as a raw enum
        changes = pg.locator("#details ul.changes li")
        expect(changes.first).to_be_visible()
        text = changes.first.inner_text()
        assert "đổi loại" in text and "retype" not in text


@pytest.mark.parametrize("code,name,lat,lon", CHANGED_PROVINCES)
def test_changed_province_by_url_and_by_click(page, code, name, lat, lon):
    pg = page.open(f"/?unit={code}&level=province")
    assert_unit_panel(pg, name)
    expect(pg).to_have_url(re.compile(f"unit={code}"))
    pg.locator("#details [data-close]").click()
    expect(pg).not_to_have_url(re.compile("unit="))
    pg.goto(page.server + f"/?level=province#9/{lat}/{lon}")
    pg.wait_for_selector("body[data-day]", state="attached", timeout=WAIT)
    click_map_centre(pg)
    assert_unit_panel(pg, name)
    expect(pg).to_have_url(re.compile(f"unit={code}"))
    page.shot(f"10-province-{code}")
    assert page.errors == []


@pytest.mark.parametrize("effective,province", [("2026-09-20", "24"), ("2026-04-30", "75")])
def test_changed_commune_by_url_and_by_click(page, db, effective, province):
    communes = retyped_communes(db, effective, province)
    assert len(communes) >= 10, communes
    code, full_name, lat, lon = communes[0]
    pg = page.open(f"/?unit={code}")
    assert_unit_panel(pg, full_name)
    assert effective in pg.locator("#details ul.changes").inner_text()
    # another of them by a click on the map, where the legend's magenta outline invites it
    code, full_name, lat, lon = communes[-1]
    pg.goto(page.server + f"/?date={effective}#13/{lat}/{lon}")
    pg.wait_for_selector("body[data-day]", state="attached", timeout=WAIT)
    assert "Thay đổi ngày" in pg.locator("#legend").inner_text()
    click_map_centre(pg)
    assert_unit_panel(pg, full_name)
    expect(pg).to_have_url(re.compile(f"unit={code}"))
    page.shot(f"11-commune-{effective}-{code}")
    assert page.errors == []


def test_old_unit_from_search_with_its_district_and_successor(page):
    pg = page.open("/")
    pg.locator("#q").fill("phuong 1 da lat")
    option = pg.locator("#suggestions li", has_text="Đà Lạt").first
    expect(option).to_contain_text("Phường 1", timeout=20_000)
    expect(option).to_contain_text("Thành phố Đà Lạt")  # the old district, not two identical rows
    expect(option).to_contain_text("Trở thành", timeout=20_000)  # what it became
    page.shot("12-search-phuong-1-da-lat")
    option.click()
    expect(pg.locator("#unit-name")).to_contain_text("Phường 1", timeout=20_000)
    assert pg.evaluate("document.activeElement.id") == "unit-name"  # the focus moves to the result
    assert "Thành phố Đà Lạt" in pg.locator("#details").inner_text()
    successor = pg.locator("#details ul.succ a").first
    successor_name = successor.inner_text()
    successor.click()
    expect(pg.locator("#unit-name")).to_contain_text(successor_name, timeout=20_000)
    expect(pg.locator("#details ul.preds")).to_contain_text("Phường 1")
    assert page.errors == []


def test_q1_finds_the_old_district_one(page):
    pg = page.open("/")
    pg.locator("#q").fill("q1")
    first = pg.locator("#suggestions li").first
    expect(first).to_contain_text("Quận 1", timeout=20_000)
    expect(first).to_contain_text("Hồ Chí Minh")
    assert page.errors == []


def test_typing_a_date_loads_one_day_not_one_per_keystroke(page):
    pg = page.open("/")
    loads = []
    pg.on("request", lambda r: "/viewer/units.json" in r.url and loads.append(r.url))
    field = pg.locator("#date")
    field.focus()  # the month segment first
    pg.keyboard.type("06152026", delay=120)  # month, day, year as Chromium's en-US field takes them
    expect(field).to_have_value("2026-06-15")
    pg.wait_for_selector("body[data-day='2026-06-15']", state="attached", timeout=WAIT)
    assert field.input_value() == "2026-06-15"
    assert loads == [page.server + "/viewer/units.json?as_of=2026-04-30"], loads  # one load, keyed by the period
    expect(pg).to_have_url(re.compile("date=2026-06-15"))
    # out of range: refused, said, and the field goes back to the day shown
    field.fill("2031-01-01")
    field.blur()
    expect(pg.locator("#status")).to_contain_text("2025-01-01")
    expect(field).to_have_value("2026-06-15")
    assert page.errors == []


def test_two_days_of_one_period_fetch_nothing(page):
    pg = page.open("/?date=2025-08-01#8/21.0/105.8")
    pg.wait_for_timeout(1000)
    fetched = []
    pg.on("request", lambda r: fetched.append(r.url))
    pg.locator("#date").fill("2025-12-31")
    pg.locator("#date").press("Enter")
    pg.wait_for_selector("body[data-day='2025-12-31']", state="attached", timeout=WAIT)
    pg.wait_for_timeout(1500)
    assert [u for u in fetched if "/v1/tiles" in u or "/viewer/" in u] == []
    assert "date=2025-12-31" in pg.url
    assert page.errors == []


def test_pre_reform_map_names_on_hover_and_drops_a_new_unit(page, http):
    centre = http.get("/v1/legacy/units/00070").json()["unit"]["centre"]  # Phường Hàng Trống (old)
    pg = page.open(f"/?unit=00070#13/{centre[1]}/{centre[0]}")
    expect(pg.locator("#unit-name")).to_contain_text("Hoàn Kiếm", timeout=20_000)
    pg.locator("#generations button", has_text="Trước sắp xếp").click()
    pg.wait_for_selector("body[data-day='2025-06-30']", state="attached", timeout=WAIT)
    # the new ward is not swapped for the old unit that had its code: dropped, with a message
    expect(pg.locator("#details .notice")).to_contain_text("Phường Hoàn Kiếm")
    assert "Hàng Trống" not in pg.locator("#details").inner_text()
    assert "unit=" not in pg.url
    box = pg.locator("#map").bounding_box()
    pg.mouse.move(box["x"] + box["width"] / 2 + 1, box["y"] + box["height"] / 2 + 1)
    expect(pg.locator("#tip")).to_contain_text("Hàng Trống", timeout=10_000)
    assert "ranh giới tỉnh cũ" in pg.locator("#legend").inner_text().lower()
    assert pg.locator("#colour").is_disabled()  # no control that silently does nothing
    page.shot("13-pre-reform-hover")
    pg.goto(page.server + "/?date=2025-06-30#6.2/16.2/106.5")
    pg.wait_for_selector("body[data-day]", state="attached", timeout=WAIT)
    pg.wait_for_timeout(1000)
    page.shot("14-pre-reform-outlines")
    assert page.errors == []


def test_phone_tap_shows_the_panel(browser, server):
    p = Page(browser, server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        pg = p.open("/#14/21.0287/105.8524")
        header = pg.locator("header").bounding_box()
        assert header["height"] < 0.15 * 844, header
        assert pg.locator("#legend").evaluate("e => e.classList.contains('collapsed')")
        box = pg.locator("#map").bounding_box()
        pg.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3)
        name = pg.locator("#unit-name")
        expect(name).to_be_visible(timeout=20_000)
        nb = name.bounding_box()
        assert 0 <= nb["y"] and nb["y"] + nb["height"] <= 844, nb  # the result is on screen
        assert pg.locator("#tip").is_hidden()  # a tap leaves no hover tip
        small = pg.evaluate("""() => [...document.querySelectorAll('button, select, input, a, [role=option]')]
            .filter(e => e.offsetParent && e.getBoundingClientRect().height > 0)
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.top < innerHeight && r.bottom > 0 && r.right > 0 && r.left < innerWidth; })
            .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
            .map(e => e.id || e.className || e.textContent.slice(0, 20))""")
        assert small == [], small
        assert pg.evaluate("document.documentElement.scrollWidth") <= 391
        p.shot("15-phone-tap")
        pg.locator("#sheet-toggle").tap()
        p.shot("16-phone-sheet")
        assert p.errors == []
    finally:
        p.close()


def test_bad_url_state_falls_back(page):
    pg = page.open("/?date=2025-13-45&colour=bogus&level=nope&unit=abc")
    pg.wait_for_timeout(500)
    expect(pg.locator("#status")).to_contain_text("date=2025-13-45")
    png = page.shot("17-bad-url")
    box = pg.locator("#map").bounding_box()
    colours = distinct_colours(
        png, (int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
    )
    assert colours >= 8, colours
    assert pg.locator("#colour").input_value() == "population" and pg.locator("#level").input_value() == "commune"
    assert "bogus" not in pg.url and "2025-13-45" not in pg.url
    pg.goto(page.server + "/?unit=99999")
    pg.wait_for_selector("body[data-ready]", state="attached", timeout=WAIT)
    expect(pg.locator("#details .notice")).to_contain_text("99999")
    assert [e for e in page.errors if "/99999" not in e] == []  # the 404s of the unknown code only


def test_flagged_population_is_shown_as_flagged(page, http):
    hit = http.get("/v1/search", params={"q": "Bình Quới", "limit": 1}).json()["results"][0]
    unit = http.get(f"/v1/units/{hit['code']}").json()
    assert unit["population"] is not None and "population" in unit["flags"]
    pg = page.open(f"/?unit={hit['code']}")
    pop = pg.locator("#unit-population")
    expect(pop).to_have_attribute("data-flagged", "flagged", timeout=20_000)
    assert "bất hợp lý" in pg.locator("#details .flag-why").first.inner_text()  # the reason, in Vietnamese
    pg.locator("#details details.note summary").first.click()  # the data's own note, marked English
    assert unit["flags"]["population"] in pg.locator("#details details.note [lang=en]").first.inner_text()
    expect(pg.locator("#legend")).to_contain_text("gắn cờ")
    pg.wait_for_timeout(1500)
    page.shot("18-flagged-binh-quoi")
    assert page.errors == []


def test_withheld_population_says_why(page, db):
    code, why = db.execute("""SELECT code, flags ->> 'population' FROM geo.units
        WHERE upper_inf(valid) AND level = 'commune' AND province_code = '24' AND population IS NULL
        ORDER BY code LIMIT 1""").fetchone()
    pg = page.open(f"/?unit={code}&lang=en")
    expect(pg.locator("#unit-population")).to_have_attribute("data-flagged", "withheld", timeout=20_000)
    assert why in pg.locator("#details").inner_text()
    assert page.errors == []


def test_english_has_no_vietnamese_enums_and_no_raw_ones(page):
    pg = page.open("/?unit=24&lang=en")
    expect(pg.locator("#unit-name")).to_contain_text("Bắc Ninh", timeout=20_000)
    text = pg.locator("#details").inner_text()
    assert "retyped" in text and "đổi loại" not in text
    pg.locator("#lang").click()
    text = pg.locator("#details").inner_text()
    assert "đổi loại" in text and "retyped" not in text
    assert "commune" not in pg.locator("#legend").inner_text()
    assert "người" in pg.locator("#legend").inner_text()  # units in the legend
    assert page.errors == []


def test_keyboard_map_shows_crosshair_and_enter_looks_up(page):
    pg = page.open("/#14/21.0287/105.8524")
    canvas = pg.locator("canvas.maplibregl-canvas")
    for _ in range(30):  # tab through the page to the map, as a keyboard user
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.classList.contains('maplibregl-canvas')"):
            break
    assert pg.evaluate("document.activeElement.classList.contains('maplibregl-canvas')")
    expect(pg.locator("#crosshair")).to_be_visible()
    outline = canvas.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"
    pg.keyboard.press("Enter")
    expect(pg.locator("#unit-name")).to_contain_text("Hoàn Kiếm", timeout=20_000)
    assert pg.evaluate("document.activeElement.id") == "unit-name"
    page.shot("19-keyboard-crosshair")
    assert page.errors == []
