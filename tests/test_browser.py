"""The report in a real browser: headless Chromium opens the index and claim pages.

Fails on console errors, links to files that do not exist, links that leave the report
for the network, and images that did not load; saves screenshots to reports/screenshots/
(of the repository) for people to look at. Needs Debian's chromium (the Makefile's test
target installs it); without it the test is skipped, unless NNCLAIMS_REQUIRE_BROWSER is
set (as .ci/run does), when it fails.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def _browser():
    if CHROMIUM is None:
        message = "headless Chromium not found: install Debian's chromium (make test does) to run the browser test"
        if os.environ.get("NNCLAIMS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    playwright = pytest.importorskip("playwright.sync_api")
    return playwright.sync_playwright()


def _check_page(page, url: str, shots: Path, name: str, width: int) -> dict:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed to load {r.url}"))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url, wait_until="load")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    broken_images = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    missing_alt = page.evaluate("Array.from(document.images).filter(i => !i.alt.trim()).map(i => i.src)")
    links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    bad_links = []
    for href in links:
        parsed = urlparse(href)
        if parsed.scheme != "file":
            bad_links.append(href)  # the report must work offline: no links out
        elif not Path(unquote(parsed.path)).exists():
            bad_links.append(href)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    return {"errors": errors, "broken_images": broken_images, "missing_alt": missing_alt, "bad_links": bad_links,
            "links": len(links)}


@pytest.mark.browser
def test_report_pages_in_chromium(quick_run):
    reports = quick_run / "reports"
    shots = REPO / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    pages = {"index": reports / "index.html"}
    for claim in ("xor-not-separable", "dying-relu", "depth-vs-width"):
        pages[claim] = reports / "claims" / f"{claim}.html"
    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for name, path in pages.items():
                for label, width in (("desktop", 1280), ("phone", 390)):
                    page = browser.new_page()
                    found = _check_page(page, path.as_uri(), shots, f"{name}-{label}", width)
                    page.close()
                    assert not found["errors"], f"{name}: console errors {found['errors']}"
                    assert not found["broken_images"], f"{name}: images that did not load {found['broken_images']}"
                    assert not found["missing_alt"], f"{name}: images without alt text {found['missing_alt']}"
                    assert not found["bad_links"], f"{name}: broken or outgoing links {found['bad_links']}"
                    assert found["links"] > 0
        finally:
            browser.close()
    assert (shots / "index-desktop.png").stat().st_size > 10_000
