"""The published site in a real browser (Chromium): the tables generated from data as staff see them."""

from __future__ import annotations

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS

#: Each element's text and the number of its line boxes (lines of text it takes).
_LINES = """els => els.map(e => {
  const tops = new Set();
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
  }
  return [e.textContent.trim(), tops.size];
})"""


def _line_boxes(site: str, width: int, page: str, selector: str) -> list[tuple[str, int]]:
    """Each element matching ``selector`` on ``page`` at ``width`` px: its text and its line count."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": width, "height": 900})
            tab.goto(f"{site}/{page}")
            found = [(str(text), int(lines)) for text, lines in tab.eval_on_selector_all(selector, _LINES)]
        finally:
            browser.close()
    return found


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_generated_table_heads_stay_on_one_line(site: str, width: int) -> None:
    """The revision history's narrowest column printed its head as "版" over "本"."""
    generated = ".mk-revisions th, .mk-references th, .mk-attachments th, .mk-sla-table th"
    heads = _line_boxes(site, width, "02-appendix.html", generated)
    names = {name for name, _lines in heads}
    assert {"版本", "状态", "生效日期", "附件"} <= names, names
    assert [(name, lines) for name, lines in heads if lines != 1] == []


#: The first cell of each body row of a chapter's own (prose) tables, not the generated ones.
_PROSE_FIRST_CELLS = (
    "table.docutils:not(.mk-sla-rows, .mk-process-steps, .mk-share-rows, .mk-reference-rows, "
    ".mk-revision-rows, .mk-attachment-rows, .mk-fields) > tbody > tr > td:first-child"
)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_prose_table_labels_stay_whole(site: str, width: int) -> None:
    """A chapter's table of 类别 | 含义 | … printed "服务投" over "诉" at desktop width: the long
    columns took the row and Chromium cut the label column to its min-content width; a longer
    label then broke before its last character ("系统与技术投" over "诉")."""
    labels = _line_boxes(site, width, "01-complaints.html", _PROSE_FIRST_CELLS)
    assert {"服务投诉", "产品投诉", "系统与技术投诉"} <= {name for name, _lines in labels}, labels
    assert [(name, lines) for name, lines in labels if lines != 1] == []
