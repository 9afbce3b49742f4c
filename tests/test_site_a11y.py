"""The published site passes an automated accessibility audit: axe-core in a real browser.

Front-line staff read the manual with screen readers, keyboard only and at high zoom (GB/T 37668
follows WCAG 2.x).  axe-core (``axe-playwright-python`` bundles axe.min.js: nothing is
downloaded) audits every page of two sites, in the light and the dark theme, at desktop width
with both sidebars shown and on a phone with the navigation drawer open, and at 320 px (a
1280 px window zoomed to 400%, WCAG's reflow width).  A serious or critical violation of a
WCAG 2 A/AA rule fails the test, named by page, view, rule and element, and so does any finding
of the best-practice rules on what our own scripts add (``OUR_RULES``).

The sites: the real manual (manual/, data/, templates/, built as ``make html`` builds it), and
the ``basic`` fixture with revision markers, published as release 1.1 beside a versions.json
that names an approved 1.2 (so its pages show the version bar and the note of the coming
version).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, REPO, copy_fixture, run_sphinx

#: The rules audited: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
#: What fails the test.
BLOCKING = {"serious", "critical"}
#: Best-practice rules audited too, failing the test at any impact, for what our templates and
#: scripts change: the roles they set (manualkit-keyboard.js makes the drawer icons buttons) must
#: be roles their elements may take, and the side drawers are named landmarks (page.html).
OUR_RULES = {"aria-allowed-role", "landmark-unique"}
#: Violations accepted, each as (rule id, CSS selector axe reports) with the reason: none.  Only a
#: violation in furo's own markup that our templates, CSS and scripts cannot change may go here.
EXCLUDED: dict[tuple[str, str], str] = {}

#: A search that lists results (titles, highlighted words, summaries).
QUERY = "投诉"


@dataclasses.dataclass(frozen=True)
class View:
    name: str
    width: int
    dark: bool = False
    #: A phone: a touch screen, and the navigation drawer opened (☰) before the audit.
    phone: bool = False


VIEWS = [
    # Wider than furo's 82em: the navigation and the page's contents both shown.
    View("desktop-light", 1400),
    View("desktop-dark", 1400, dark=True),
    View("phone-light", 390, phone=True),
    View("phone-dark", 390, dark=True, phone=True),
    # 1280 px at 400% zoom: tables that no longer fit scroll, and must be reachable by keyboard.
    View("zoom-400", 320),
]


@contextlib.contextmanager
def _served(root: Path) -> Iterator[str]:
    """``root`` over HTTP on a free local port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclasses.dataclass(frozen=True)
class Site:
    """A built site: its base URL and the pages to audit (paths relative to it, with a query)."""

    url: str
    pages: list[str]


def _pages(folder: Path, prefix: str = "") -> list[str]:
    """Every page of the site in ``folder``; the search page with results, and a chapter opened
    at a deadline's row (highlighted as the row a link lands on)."""
    pages: list[str] = []
    for page in sorted(folder.glob("*.html")):
        pages.append(f"{prefix}{page.name}?q={QUERY}" if page.name == "search.html" else prefix + page.name)
        row = re.search(r'<tr class="[^"]*" id="(sla-[^"]+)"', page.read_text(encoding="utf-8"))
        if row and not any("#" in p for p in pages):
            pages.append(f"{prefix}{page.name}#{row.group(1)}")
    assert any("#" in p for p in pages) and any(p.startswith(f"{prefix}genindex") for p in pages)
    return pages


@pytest.fixture(scope="module")
def manual_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real manual's site, built from a copy of its sources as ``make html`` builds it."""
    project = tmp_path_factory.mktemp("manual-a11y")
    for folder in ("manual", "data", "templates"):
        shutil.copytree(REPO / folder, project / folder)
    for name in ("conf.py", "docutils.conf"):
        shutil.copy2(REPO / name, project / name)
    run = run_sphinx(project, outdir=project / "build" / "html")
    assert run.error is None, run.warnings
    with _served(run.outdir) as url:
        yield Site(url, _pages(run.outdir))


@pytest.fixture(scope="module")
def release_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The ``basic`` fixture with revision markers, published as 1.1 with 1.2 approved."""
    tmp = tmp_path_factory.mktemp("release-a11y")
    project = copy_fixture("basic", tmp)
    extensions = [
        "myst_parser",
        "sphinx.ext.graphviz",
        "manualkit.sphinx",
        "manualkit.sphinx.revision_markers",
    ]
    run = run_sphinx(project, overrides={"extensions": extensions})
    assert run.error is None, run.warnings
    published = tmp / "site"
    shutil.copytree(run.outdir, published / "1.1", ignore=shutil.ignore_patterns(".doctrees"))
    versions = [
        {"version": "1.2", "path": "1.2/", "effective": "2999-01-01"},
        {"version": "1.1", "path": "1.1/", "effective": "2025-03-01"},
        {"version": "1.0", "path": "1.0/", "effective": "2024-02-01"},
    ]
    (published / "versions.json").write_text(json.dumps({"versions": versions}), encoding="utf-8")
    with _served(published) as url:
        yield Site(url, _pages(published / "1.1", "1.1/"))


def _violations(site: Site, view: View) -> list[str]:
    """Every blocking WCAG violation on the site's pages in ``view``, one line each."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "rules": {rule: {"enabled": True} for rule in OUR_RULES},
        "resultTypes": ["violations"],
    }
    found: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": view.width, "height": 900},
                color_scheme="dark" if view.dark else "light",
                is_mobile=view.phone,
                has_touch=view.phone,
            )
            tab = context.new_page()
            for page in site.pages:
                tab.goto("about:blank")  # a page opened afresh, even when only the #fragment differs
                # networkidle: the search index, versions.json and the results are in.
                tab.goto(f"{site.url}/{page}", wait_until="networkidle")
                if "search.html" in page:
                    tab.wait_for_selector("ul.search li p.context", timeout=20000)
                if view.phone:
                    tab.click("label.nav-overlay-icon")
                    tab.wait_for_timeout(400)  # furo's drawer slides in for 0.25 s
                    assert tab.evaluate("document.getElementById('__navigation').checked"), page
                results: dict[str, Any] = axe.run(tab, options=options).response
                for rule in results["violations"]:
                    if rule["impact"] not in BLOCKING and rule["id"] not in OUR_RULES:
                        continue
                    for node in rule["nodes"]:
                        target = " ".join(str(t) for t in node["target"])
                        if (rule["id"], target) in EXCLUDED:
                            continue
                        summary = " ".join(str(node.get("failureSummary", "")).split())
                        where = f"{page} [{view.name}]"
                        found.append(f"{where}: {rule['id']} ({rule['impact']}) at {target}: {summary}")
        finally:
            browser.close()
    return found


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("view", VIEWS, ids=[v.name for v in VIEWS])
def test_the_manual_passes_the_accessibility_audit(manual_site: Site, view: View) -> None:
    violations = _violations(manual_site, view)
    assert violations == [], "\n".join(violations)


@pytest.mark.browser
@pytest.mark.parametrize("view", VIEWS, ids=[v.name for v in VIEWS])
def test_a_published_release_passes_the_accessibility_audit(release_site: Site, view: View) -> None:
    violations = _violations(release_site, view)
    assert violations == [], "\n".join(violations)


#: Each table wrapper: whether it scrolls sideways, its tab index, role and name, and whether it
#: holds a form's fields.
_WRAPPERS = """els => els.map(e => [e.scrollWidth > e.clientWidth + 1, e.tabIndex,
    e.getAttribute("role"), e.getAttribute("aria-label") || "", e.classList.contains("mk-fields")])"""


@pytest.mark.browser
@pytest.mark.slow
def test_a_table_that_scrolls_is_a_named_tab_stop(manual_site: Site) -> None:
    """At 320 px a chapter's table scrolled sideways and a keyboard could not scroll it (it holds
    no link): a wrapper that scrolls is a Tab stop named after the table, and only such a one;
    the forms, whose date blanks and options overflowed, no longer scroll there."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    wrappers: list[tuple[str, bool, int, str | None, str, bool]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 320, "height": 900})
            for page in site_chapters(manual_site):
                tab.goto(f"{manual_site.url}/{page}", wait_until="networkidle")
                found = tab.eval_on_selector_all("article .table-wrapper", _WRAPPERS)
                wrappers += [(page, *w) for w in found]
        finally:
            browser.close()
    scrolling = [w for w in wrappers if w[1]]
    assert scrolling, "no table scrolls at 320 px: the test no longer tests anything"
    assert [w for w in scrolling if w[2] != 0 or w[3] != "region" or not w[4].startswith("表格：")] == []
    assert [w for w in wrappers if not w[1] and (w[2] == 0 or w[3] is not None)] == []
    assert [w for w in scrolling if w[5]] == []


def site_chapters(site: Site) -> list[str]:
    """The site's chapter pages (not the home, search or index page)."""
    return [p for p in site.pages if re.fullmatch(r"\d\d-[\w-]+\.html", p)]
