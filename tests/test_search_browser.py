"""Chinese search: jieba user dictionary in the index, and query segmentation in a real browser."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SphinxRun
from manualkit.sphinx import search
from manualkit.sphinx.domain import get_manual_data

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def index_terms(outdir: Path) -> set[str]:
    text = (outdir / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return set(index["terms"]) | set(index["titleterms"])


def test_user_dictionary_holds_manual_terms(basic_html: SphinxRun) -> None:
    path = search.dictionary_path(basic_html.outdir / ".doctrees")
    words = {line.split()[0] for line in path.read_text(encoding="utf-8").splitlines()}
    data = get_manual_data(basic_html.app.env)
    assert {t.term for t in data.glossary} <= words
    assert {t.abbr for t in data.glossary if t.abbr} <= words
    assert {"投诉", "客诉", "工作日", "投诉处理", "客户信息"} <= words


def test_index_keeps_manual_terms_whole(basic_html: SphinxRun) -> None:
    terms = index_terms(basic_html.outdir)
    assert {"投诉", "投诉处理", "客户信息", "客户投诉"} <= terms
    # 受理时限 is not a word of the index: only browser-side segmentation can find it.
    assert "受理时限" not in terms and {"受理", "时限"} <= terms


@pytest.fixture(scope="module")
def site(basic_html: SphinxRun) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(basic_html.outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("投诉", "01-complaints.html"),
        ("投诉处理", "01-complaints.html"),
        ("客户信息", "01-complaints.html"),
        ("受理时限", "01-complaints.html"),  # not an index term: found only by segmenting the query
        ("F-04-01", "02-appendix.html#form-f-04-01"),  # a form by its number (object search)
    ],
)
def test_chinese_queries_find_pages(site: str, query: str, expected: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            tab.goto(f"{site}/search.html?q={query}")
            tab.wait_for_function(
                "(() => { const s = document.querySelector('#search-results .search-summary');"
                " return s !== null && s.textContent.trim().length > 0; })()",
                timeout=20000,
            )
            links = tab.eval_on_selector_all("ul.search li a", "els => els.map(e => e.getAttribute('href'))")
            summary = tab.inner_text("#search-results .search-summary")
        finally:
            browser.close()
    assert any((href or "").startswith(expected) for href in links), (query, summary, links)
