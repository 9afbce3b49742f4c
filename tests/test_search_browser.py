"""Chinese search: jieba user dictionary in the index, and query segmentation in a real browser."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, SphinxRun, copy_fixture, run_sphinx, touch_later
from manualkit.sphinx import search, zhsearch
from manualkit.sphinx.domain import get_manual_data


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


#: The fixture's extensions plus the fast-rebuild ones (named explicitly: this test must not
#: depend on whether manualkit.sphinx sets them up itself).
FAST_EXTENSIONS = [
    "myst_parser",
    "sphinx.ext.graphviz",
    "manualkit.sphinx",
    "manualkit.sphinx.zhsearch",
    "manualkit.sphinx.templatecache",
]


def search_index(outdir: Path) -> dict[str, object]:
    text = (outdir / "searchindex.js").read_text(encoding="utf-8")
    index: dict[str, object] = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return index


@pytest.mark.slow
def test_rebuild_indexes_from_the_cached_dictionary_as_a_fresh_build_does(
    tmp_path: Path, basic_html: SphinxRun
) -> None:
    project = copy_fixture("basic", tmp_path)
    overrides = {"extensions": FAST_EXTENSIONS}
    first = run_sphinx(project, overrides=overrides)
    assert first.error is None, first.warnings
    assert (first.outdir / ".doctrees" / zhsearch.CACHE_NAME).is_file()
    assert search_index(first.outdir) == search_index(basic_html.outdir)

    chapter = project / "manual" / "01-complaints.md"

    def rebuild_with(sentence: str) -> zhsearch.ManualChineseSearch:
        chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
        touch_later(chapter)
        run = run_sphinx(project, overrides=overrides, fresh=False)
        assert run.error is None, run.warnings
        language = run.app.builder.indexer.lang
        assert isinstance(language, zhsearch.ManualChineseSearch)
        fresh = run_sphinx(project, overrides=overrides, outdir=tmp_path / "fresh", fresh=True)
        assert fresh.error is None, fresh.warnings
        # Sphinx 8.2 does not reload "indexentries" for unchanged pages (its own limitation).
        words = ("docnames", "titles", "alltitles", "terms", "titleterms")
        rebuilt, rewritten = search_index(run.outdir), search_index(fresh.outdir)
        assert {k: rebuilt[k] for k in words} == {k: rewritten[k] for k in words}
        return language

    # 饕餮 are in neither the fixture nor the common characters: the full dictionary is needed …
    assert rebuild_with("饕餮客户对投诉处理结果不满意的，可以申请复核。").full is not None
    assert "复核" in index_terms(project / "_build" / "html")
    # … and the cache now covers them: the next edit is indexed from it alone.
    assert rebuild_with("饕餮客户申请复核的，按投诉处理。").full is None


@pytest.mark.slow
def test_a_word_no_page_holds_any_more_leaves_the_index(tmp_path: Path) -> None:
    """A word only the rewritten page held stayed in the index with no page (``"饕餮":[]``); the
    site's search splits queries by the words the index knows, so a dead word made a query that
    contained it find nothing.  The incremental build's index is the fresh build's."""
    project = copy_fixture("basic", tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    original = chapter.read_text(encoding="utf-8")
    chapter.write_text(original + "\n饕餮客户对投诉处理结果不满意的，可以申请复核。\n", encoding="utf-8")
    first = run_sphinx(project)
    assert first.error is None, first.warnings
    assert "饕餮" in index_terms(first.outdir)
    chapter.write_text(original, encoding="utf-8")
    touch_later(chapter)
    rebuilt = run_sphinx(project, fresh=False)
    assert rebuilt.error is None, rebuilt.warnings
    index = search_index(rebuilt.outdir)
    empty = [word for key in ("terms", "titleterms") for word, pages in index[key].items() if pages == []]  # type: ignore[attr-defined]
    assert empty == [] and "饕餮" not in index_terms(rebuilt.outdir)
    fresh = run_sphinx(project, outdir=tmp_path / "fresh", fresh=True)
    assert fresh.error is None, fresh.warnings
    words = ("docnames", "titles", "alltitles", "terms", "titleterms")
    assert {k: index[k] for k in words} == {k: search_index(fresh.outdir)[k] for k in words}


@contextlib.contextmanager
def _results(site: str, query: str, ready: str) -> Iterator[Any]:
    """The search page for ``query`` in Chromium, once the JavaScript condition ``ready`` holds."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            tab.goto(f"{site}/search.html?q={query}")
            tab.wait_for_function(ready, timeout=20000)
            yield tab
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("投诉", "01-complaints.html"),
        ("投诉处理", "01-complaints.html"),
        ("客户信息", "01-complaints.html"),
        ("受理时限", "01-complaints.html"),  # not an index term: found only by segmenting the query
        ("F-04-01", "02-appendix.html#form-f-04-01"),  # a form by its number (object search)
        # Indexed unstemmed ("nps"): the browser's Porter stemmer made it "np" and found nothing.
        ("NPS", "02-appendix.html"),
        ("nps", "02-appendix.html"),
    ],
)
def test_chinese_queries_find_pages(site: str, query: str, expected: str) -> None:
    summarised = (
        "(() => { const s = document.querySelector('#search-results .search-summary');"
        " return s !== null && s.textContent.trim().length > 0; })()"
    )
    with _results(site, query, summarised) as tab:
        links = tab.eval_on_selector_all("ul.search li a", "els => els.map(e => e.getAttribute('href'))")
        summary = tab.inner_text("#search-results .search-summary")
    assert any((href or "").startswith(expected) for href in links), (query, summary, links)


@pytest.mark.browser
def test_result_summaries_quote_the_manual_not_its_document_line(site: str) -> None:
    """Every summary began with the chapter's "本章文档信息：责任岗位 …" line when the query was
    found near the top of the page."""
    with _results(site, "投诉", "document.querySelectorAll('ul.search li p.context').length > 0") as tab:
        tab.wait_for_load_state("networkidle")
        summaries = tab.eval_on_selector_all("ul.search li p.context", "els => els.map(e => e.textContent)")
    assert summaries
    assert [text for text in summaries if "本章文档信息" in text] == []
    assert any("投诉" in text for text in summaries)


@pytest.mark.browser
def test_the_search_page_has_a_box_of_its_own(site: str) -> None:
    """Opened without a query, or on a phone where the sidebar's box hides behind the menu
    button, the search page was empty: it has a box of its own, which finds 投诉."""
    page_ready = "document.querySelector('[role=main] form[role=search] input[name=q]') !== null"
    with _results(site, "", page_ready) as tab:
        tab.set_viewport_size({"width": 390, "height": 844})
        box = tab.locator("[role=main] form[role=search] input[name=q]")
        assert box.is_visible()
        box.fill("投诉")
        box.press("Enter")
        tab.wait_for_selector("ul.search li a", timeout=20000)
        links = tab.eval_on_selector_all("ul.search li a", "els => els.map(e => e.getAttribute('href'))")
        query = box.input_value()
    assert query == "投诉"
    assert any((href or "").startswith("01-complaints.html") for href in links), links


def _listed(site: str, query: str) -> list[tuple[str, str, str]]:
    """Each result for ``query`` once its summary is in: (link text, link target, summary)."""
    script = """els => els.map(li => {
      const link = li.querySelector("a");
      const summary = li.querySelector(":scope > p.context") || li.querySelector(":scope > span");
      return [link.textContent, link.getAttribute("href"), summary ? summary.textContent : ""];
    })"""
    ready = "document.querySelectorAll('ul.search li').length > 0"
    with _results(site, query, ready) as tab:
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(300)
        return [(str(a), str(b), str(c)) for a, b, c in tab.eval_on_selector_all("ul.search li", script)]


@pytest.mark.browser
def test_a_glossary_term_is_listed_as_a_term_with_its_definition(site: str) -> None:
    """It was listed as the appendix's title ("2 附录") with the bare term under it."""
    results = _listed(site, "客户投诉")
    title, href, summary = results[0]
    assert title == "术语：客户投诉", results
    assert href.startswith("02-appendix.html#term-")
    assert "客户对本行产品或服务不满而提出的诉求" in summary


@pytest.mark.browser
def test_a_word_found_in_the_text_leads_to_its_section(site: str) -> None:
    """A text match linked to the top of the chapter and quoted the text 120 characters before
    it; it now links to the section holding it and quotes its table row."""
    results = _listed(site, "录音录像")
    chapter = [(href, summary) for _title, href, summary in results if href.startswith("01-complaints.html")]
    assert chapter, results
    href, summary = chapter[0]
    assert href == "01-complaints.html#complaint-intake"
    assert summary.startswith("服务投诉｜客户对服务态度"), summary


@pytest.mark.browser
def test_a_term_that_only_contains_the_query_ranks_after_the_pages(site: str) -> None:
    """For 投诉 the glossary's 客户投诉 came first, above the chapter about complaints."""
    titles = [title for title, _href, _summary in _listed(site, "投诉")]
    assert "术语：客户投诉" in titles
    assert titles.index("术语：客户投诉") > titles.index("1. 投诉处理"), titles


@pytest.mark.browser
def test_a_form_is_listed_with_its_kind_in_chinese_brackets_and_its_text(site: str) -> None:
    """searchtools.js listed a form as its name and " (表单，在 2 附录)", Latin brackets around
    Chinese, and quoted nothing of it."""
    results = _listed(site, "F-04-01")
    title, _href, summary = next(r for r in results if r[1].endswith("#form-f-04-01"))
    assert title.startswith("F-04-01 投诉受理登记表（") and title.endswith("）"), results
    assert "(" not in title
    assert "登记客户投诉的基本信息与处理过程" in summary, results


@pytest.mark.browser
def test_what_is_named_after_the_whole_query_comes_first(site: str) -> None:
    """表 is no word of the index: 回访记录表 was searched as 回访 and 记录, and the form named
    投诉回访记录表 was listed below pages that merely use those words."""
    titles = [title for title, _href, _summary in _listed(site, "回访记录表")]
    assert titles and titles[0].startswith("F-04-02 投诉回访记录表"), titles
