"""The published site in a real browser (Chromium): the tables generated from data as staff see them."""

from __future__ import annotations

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS

#: Every line box of each column head of the generated tables: its text and how many lines it takes.
_HEAD_LINES = """els => els.map(e => {
  const tops = new Set();
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
  }
  return [e.textContent.trim(), tops.size];
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_generated_table_heads_stay_on_one_line(site: str, width: int) -> None:
    """The revision history's narrowest column printed its head as "版" over "本"."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": width, "height": 900})
            tab.goto(f"{site}/02-appendix.html")
            heads = tab.eval_on_selector_all(
                ".mk-revisions th, .mk-references th, .mk-attachments th, .mk-sla-table th", _HEAD_LINES
            )
        finally:
            browser.close()
    names = {name for name, _lines in heads}
    assert {"版本", "状态", "生效日期", "附件"} <= names, names
    assert [(name, lines) for name, lines in heads if lines != 1] == []
