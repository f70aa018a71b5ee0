"""The viewer for everyone and on a thin line, in Debian's Chromium: axe-core finds no serious or
critical violation, Lighthouse scores accessibility and best practices at least 95, the first
load moves at most 700 KB, and a day change within one period moves nothing. The figures are
printed (pytest -s) and kept in .vngeo/screenshots/figures.json. axe-core and Lighthouse come
from npm into tests/a11y/node_modules (`make a11y`)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.browser import ARGS, CHROMIUM, WAIT
from tests.test_viewer import SHOTS, Page, page  # noqa: F401  (the page fixture)

A11Y = SHOTS.parents[1] / "tests" / "a11y" / "node_modules"
FIRST_LOAD_BUDGET = 700_000


def _tool(path: str):
    f = A11Y / path
    if not f.exists():
        pytest.fail(f"{f} is missing: run `make a11y` (npm ci in tests/a11y)")
    return f


def _record(key: str, value) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "figures.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = value
    path.write_text(json.dumps(data, indent=1))
    print(f"{key}: {value}")


class Transfer:
    """Bytes on the wire per request, the map's worker (tiles) included: Playwright's sizes of each
    finished request (headers and encoded body, as transferred)."""

    def __init__(self, pg):
        self.bytes: dict[str, int] = {}
        pg.on("requestfinished", self._done)

    def _done(self, request):
        s = request.sizes()
        key = f"{len(self.bytes)} {request.url}"
        self.bytes[key] = s["responseBodySize"] + s["responseHeadersSize"] + s["requestHeadersSize"]

    def reset(self):
        self.bytes.clear()

    def add_page_timing(self, pg) -> None:
        """Playwright under-reports the worker script itself: take what the page's resource timing
        says it transferred (the worker's own requests, the tiles, are Playwright's)."""
        for name, size in pg.evaluate("performance.getEntriesByType('resource').map(e => [e.name, e.transferSize])"):
            for k, v in self.bytes.items():
                if k.split(" ", 1)[1] == name and size > v:
                    self.bytes[k] = size

    def total(self) -> int:
        return sum(self.bytes.values())

    def by_url(self) -> list[tuple[str, int]]:
        return sorted(((k.split(" ", 1)[1], v) for k, v in self.bytes.items()), key=lambda x: -x[1])


@pytest.mark.parametrize("path", ["/", "/?unit=24", "/?date=2025-06-30#11/21.03/105.85"])
def test_axe_finds_no_serious_violation(browser, server, path):
    # axe is injected as a script: allowed for this test only (the viewer's CSP forbids inline scripts)
    p = Page(browser, server, bypass_csp=True)
    try:
        pg = p.open(path)
        pg.wait_for_selector("body[data-ready]", state="attached", timeout=WAIT)
        pg.wait_for_timeout(1000)
        pg.add_script_tag(path=str(_tool("axe-core/axe.min.js")))
        result = pg.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        _record(
            f"axe {path}",
            {
                "violations": len(result["violations"]),
                "serious_or_critical": len(bad),
                "all": [(v["id"], v["impact"]) for v in result["violations"]],
            },
        )
        assert bad == []
        assert p.errors == []
    finally:
        p.close()


def test_lighthouse_accessibility_and_best_practices(server, tmp_path):
    cli = _tool("lighthouse/cli/index.js")
    flags = " ".join(a for a in ARGS if a != "--headless=new") + " --headless=new"
    out = tmp_path / "lh.json"
    run = subprocess.run(
        [
            "node",
            str(cli),
            f"{server}/?unit=00070",
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--only-categories=accessibility,best-practices",
            "--form-factor=desktop",
            "--screenEmulation.disabled",
            "--max-wait-for-load=90000",
            f"--chrome-flags={flags}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(out.read_text())
    scores = {k: round(c["score"] * 100) for k, c in report["categories"].items()}
    failing = [
        a["id"]
        for a in report["audits"].values()
        if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") == "binary"
    ]
    _record("lighthouse", {"scores": scores, "failing_audits": failing})
    assert scores["accessibility"] >= 95 and scores["best-practices"] >= 95, (scores, failing)


def test_first_load_and_a_day_change_within_a_period(page):
    pg = page.page
    net = Transfer(pg)
    page.open("/")
    pg.wait_for_selector("body[data-ready]", state="attached", timeout=WAIT)
    pg.wait_for_timeout(2000)  # late tiles of the first view
    net.add_page_timing(pg)
    first = net.total()
    _record("first load bytes", {"total": first, "requests": len(net.bytes), "each": net.by_url()})
    assert first <= FIRST_LOAD_BUDGET, net.by_url()
    # two days of one period (2026-09-20 .. today): the second fetches nothing at all
    for day in ("2026-10-01", "2026-11-15"):
        net.reset()
        pg.locator("#date").fill(day)
        pg.locator("#date").press("Enter")
        pg.wait_for_selector(f"body[data-day='{day}']", state="attached", timeout=WAIT)
        pg.wait_for_timeout(1500)
        _record(f"day change to {day} bytes", {"total": net.total(), "requests": net.by_url()})
        assert net.total() == 0 and net.bytes == {}, net.by_url()
    assert page.errors == []
