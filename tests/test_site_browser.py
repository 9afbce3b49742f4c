"""The published site in a real browser (Chromium): the tables generated from data as staff see them."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, copy_fixture, run_sphinx

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


@contextlib.contextmanager
def _tab(
    site: str, page: str, *, width: int = 1280, dark: bool = False, touch: bool = False, idle: bool = False
) -> Iterator[Any]:
    """``page`` of ``site`` open in Chromium at ``width`` px (a phone's touch screen with ``touch``)."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": width, "height": 900},
                color_scheme="dark" if dark else "light",
                is_mobile=touch,
                has_touch=touch,
            )
            tab = context.new_page()
            tab.goto(f"{site}/{page}", wait_until="networkidle" if idle else "load")
            yield tab
        finally:
            browser.close()


def _evaluate(site: str, width: int, page: str, selector: str, script: str, *, dark: bool = False) -> Any:
    """``script`` run on the elements matching ``selector`` on ``page`` at ``width`` px."""
    with _tab(site, page, width=width, dark=dark) as tab:
        return tab.eval_on_selector_all(selector, script)


def _line_boxes(site: str, width: int, page: str, selector: str) -> list[tuple[str, int]]:
    """Each element matching ``selector`` on ``page`` at ``width`` px: its text and its line count."""
    return [(str(text), int(lines)) for text, lines in _evaluate(site, width, page, selector, _LINES)]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_generated_table_heads_stay_on_one_line(site: str, width: int) -> None:
    """The revision history's narrowest column printed its head as "版" over "本"."""
    generated = ".mk-revisions th, .mk-references th, .mk-attachments th, .mk-sla-table th"
    heads = _line_boxes(site, width, "02-appendix.html", generated)
    names = {name for name, _lines in heads}
    assert {"版本", "状态", "生效日期", "附件"} <= names, names
    # (On a phone an SLA table's heads are not shown: its rows are cards naming their columns.)
    assert [(name, lines) for name, lines in heads if lines > 1] == []


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


@pytest.mark.browser
def test_prose_table_columns_keep_four_characters_on_a_phone(site: str) -> None:
    """With its labels whole, the 类别 table's last column (牵头岗位) got one character a line
    on a phone ("客" over "户" over "服" …): every column keeps room for four."""
    script = """cells => cells.map(c => [c.textContent.trim(), c.getBoundingClientRect().width,
        parseFloat(getComputedStyle(c).fontSize)])"""
    cells = _evaluate(site, 390, "01-complaints.html", "table.mk-short-labels td", script)
    assert any(text == "客户服务中心经理" for text, _width, _size in cells), cells
    assert [text for text, width, size in cells if width < 4 * size] == []


#: Each checklist item: the left of its first line (the box) and the leftmost of its other lines.
_HANGING = """items => items.map(p => {
  const range = document.createRange();
  range.selectNodeContents(p);
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  const first = Math.min(...rects.map(r => r.top));
  const firstLeft = Math.min(...rects.filter(r => r.top === first).map(r => r.left));
  const rest = rects.filter(r => r.top > first + 2).map(r => r.left);
  return [p.textContent.trim(), firstLeft, rest.length ? Math.min(...rest) : null,
          parseFloat(getComputedStyle(p.parentElement).paddingLeft)];
})"""


@pytest.mark.browser
def test_checklist_items_hang_under_their_text(site: str) -> None:
    """A wrapped item's next lines start under its text, not under its box, and the list keeps
    clear of its coloured bar (furo's container rule had set its padding to 0)."""
    items = _evaluate(site, 390, "01-complaints.html", ".mk-checklist p.mk-checklist-item", _HANGING)
    wrapped = [(text, box, rest) for text, box, rest, _pad in items if rest is not None]
    assert wrapped, items
    assert [text for text, box, rest in wrapped if rest < box + 8] == []
    assert all(pad > 0 for *_rest, pad in items)


_FIELD_WIDTHS = """rows => rows.map(r => [r.cells[0].textContent.trim(),
    r.cells[0].getBoundingClientRect().width / r.getBoundingClientRect().width])"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_form_fields_read_as_blocks_on_a_phone(site: str, width: int) -> None:
    """On a phone a form's label column was two characters wide ("（必" over "填）") and its
    notes off-screen: each field is then a block, its label across the form's width.  On a
    desktop the form keeps its three columns."""
    rows = _evaluate(site, width, "01-complaints.html", ".mk-form tr.mk-field", _FIELD_WIDTHS)
    assert len(rows) > 3
    shares = [share for _label, share in rows]
    if width == 390:
        assert min(shares) > 0.85, rows
        labels = _line_boxes(site, width, "01-complaints.html", ".mk-form tr.mk-field > td:first-child")
        assert [(label, lines) for label, lines in labels if lines != 1] == []
    else:
        assert max(shares) < 0.4, rows


_CONTRAST = """rows => rows.map(row => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const back = lum(getComputedStyle(row).backgroundColor);
  const text = lum(getComputedStyle(row.cells[0]).color);
  return (Math.max(back, text) + 0.05) / (Math.min(back, text) + 0.05);
})"""


@pytest.mark.browser
@pytest.mark.parametrize("dark", [False, True])
def test_the_row_a_deadline_links_to_stays_readable(site: str, dark: bool) -> None:
    """A deadline's link lands on its row, highlighted: in the dark theme the highlight was pale
    yellow under light grey text (contrast 1.4:1)."""
    page = "01-complaints.html#sla-complaint-general-resolve"
    (contrast,) = _evaluate(site, 1280, page, "tr:target", _CONTRAST, dark=dark)
    assert contrast >= 4.5


@pytest.mark.browser
def test_heading_links_take_no_room_on_a_touch_screen(site: str) -> None:
    """A heading's "¶" link shows on hover, which a touch screen has not: hidden there, it still
    took its place and, after a heading that filled its line, wrapped onto a blank line of its own."""
    boxes = "links => links.map(a => a.getClientRects().length)"
    counts: dict[bool, list[int]] = {}
    for touch in (False, True):
        with _tab(site, "01-complaints.html", width=390, touch=touch) as tab:
            counts[touch] = tab.eval_on_selector_all("h1 > a.headerlink, h2 > a.headerlink", boxes)
    assert counts[False] and all(counts[False])  # a mouse can still reach them
    assert counts[True] and not any(counts[True])


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 800])
def test_reference_titles_get_room(site: str, width: int) -> None:
    """Left to the automatic layout, the reference list's unbroken dates and numbers took the
    row and a law's title ran two or three characters a line ("《中" / "华人" / "民共" …).
    (On a phone each reference is a card: see the test of the cards.)"""
    script = """heads => heads.map(h => [h.textContent.trim(), h.getBoundingClientRect().width,
        parseFloat(getComputedStyle(h).fontSize)])"""
    heads = _evaluate(site, width, "02-appendix.html", ".mk-references thead th", script)
    (title,) = [(head_width, size) for text, head_width, size in heads if text == "名称"]
    assert title[0] >= 8 * title[1], heads


@pytest.mark.browser
def test_the_search_box_shows_keyboard_focus(site: str) -> None:
    """furo draws no outline on the focused search box: tabbing to it showed nothing."""
    with _tab(site, "01-complaints.html") as tab:
        for _ in range(40):  # the keyboard's way there: Tab until the search box has focus
            tab.keyboard.press("Tab")
            if tab.evaluate("document.activeElement.classList.contains('sidebar-search')"):
                break
        outline = tab.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        focused = tab.evaluate("document.activeElement.className")
    assert "sidebar-search" in focused
    assert outline[0] != "none" and outline[1] >= 2


#: Each line of each element's text, as the browser set it.
_LINE_TEXTS = """els => els.map(e => {
  const lines = new Map();
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (let i = 0; i < text.data.length; i++) {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const box = range.getClientRects()[0];
      if (!box || !text.data[i].trim()) continue;
      const top = Math.round(box.top);
      lines.set(top, (lines.get(top) || "") + text.data[i]);
    }
  }
  return [...lines.keys()].sort((a, b) => a - b).map(top => lines.get(top));
})"""


@pytest.mark.browser
def test_role_names_in_generated_tables_stay_readable(site: str) -> None:
    """ "投诉处理专" over "员": a role column at its minimum held five characters a line."""
    cells = ".mk-process table td:nth-child(3), .mk-sla-table td:nth-child(5)"
    lines = [
        line
        for page in ("01-complaints.html", "02-appendix.html")
        for line in _evaluate(site, 1280, page, cells, _LINE_TEXTS)
    ]
    roles = [cell for cell in lines if len("".join(cell)) <= 6]
    assert any("".join(cell) == "投诉处理专员" for cell in roles), lines
    assert [cell for cell in roles if len(cell) != 1] == []
    assert [cell for cell in lines if len(cell) > 1 and min(len(line) for line in cell) < 2] == []


@pytest.mark.browser
@pytest.mark.parametrize("dark", [False, True])
def test_flowcharts_follow_the_theme(site: str, dark: bool) -> None:
    """In the dark theme a flowchart was a white box in a dark page: it is drawn light on dark."""
    import io

    from PIL import Image, ImageStat

    with _tab(site, "01-complaints.html", dark=dark, idle=True) as tab:
        chart = tab.locator("object.graphviz, img.graphviz").first
        chart.scroll_into_view_if_needed()
        shot = chart.screenshot()
    (brightness,) = ImageStat.Stat(Image.open(io.BytesIO(shot)).convert("L")).mean
    assert (brightness < 96) if dark else (brightness > 160), brightness


_SLA_ROWS = """rows => rows.map(row => {
  const name = row.cells[0].getBoundingClientRect();
  const deadline = row.cells[3].getBoundingClientRect();
  return [row.cells[3].textContent.trim(), deadline.right, deadline.top > name.top,
          getComputedStyle(row.cells[3], "::before").content];
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_sla_rows_show_their_deadline_on_a_phone(site: str, width: int) -> None:
    """On a phone the SLA table scrolled and its 时限 column started off-screen: there each SLA
    is a card whose lines name their column (时限：7个工作日); on a desktop it stays a table."""
    rows = _evaluate(
        site, width, "02-appendix.html", ".mk-sla-table table.mk-sla-rows > tbody > tr", _SLA_ROWS
    )
    assert any(text == "7个工作日" for text, *_rest in rows), rows
    if width == 390:
        assert all(right <= width and below and label == '"时限："' for _text, right, below, label in rows)
    else:
        assert not any(below for _text, _right, below, _label in rows)


_STEP_ROWS = """rows => rows.map(row => {
  const cells = [...row.cells].map(c => c.getBoundingClientRect());
  const caption = row.closest("table").querySelector("caption").getBoundingClientRect();
  return [Math.max(...cells.map(c => c.right)), cells[3].top > cells[1].top, caption.height];
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_process_steps_read_as_cards_on_a_phone(site: str, width: int) -> None:
    """A process's six columns scrolled on a phone, its 时限 and 下一步 off-screen: each step is
    then a card, with every value in view and the table's caption across the card's width."""
    rows = _evaluate(site, width, "01-complaints.html", "table.mk-process-steps > tbody > tr", _STEP_ROWS)
    assert len(rows) >= 3
    if width == 390:
        assert all(right <= width and below and caption < 40 for right, below, caption in rows), rows
    else:
        assert not any(below for _right, below, _caption in rows)


_LAST_LINES = """cells => cells.map(c => {
  const lines = new Map();
  const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (let i = 0; i < text.data.length; i++) {
      if (!text.data[i].trim()) continue;
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const box = range.getClientRects()[0];
      if (box) lines.set(Math.round(box.top), (lines.get(Math.round(box.top)) || "") + text.data[i]);
    }
  }
  const ordered = [...lines.keys()].sort((a, b) => a - b).map(top => lines.get(top));
  return [c.textContent.trim(), ordered.length, ordered[ordered.length - 1] || ""];
})"""


@pytest.mark.browser
def test_no_table_cell_ends_with_one_character_alone(site: str) -> None:
    """ "…并形成处理结" over "论": a line for one character at the end of a cell."""
    cells = _evaluate(site, 390, "01-complaints.html", "[role=main] td", _LAST_LINES)
    wrapped = [(text, last) for text, lines, last in cells if lines > 1]
    assert wrapped, cells
    assert [(text, last) for text, last in wrapped if len(last.strip("。，；、）》")) <= 1] == []


def _printed_pages(page: Any) -> list[str]:
    """The text of each A4 sheet Chromium prints ``page`` on (what "Print" in the browser gives)."""
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    # pypdf gives some CJK characters as their Kangxi radical twins (⽤ for 用) and spaces
    # around digits: compare compatibility-normalised text without spaces.
    return ["".join(unicodedata.normalize("NFKC", sheet.extract_text()).split()) for sheet in reader.pages]


@pytest.mark.browser
def test_a_printed_form_keeps_its_signatures_on_its_sheet(tmp_path: Path) -> None:
    """Printed from the site, a long form (as long as the manual's F-04-01) ran its signature
    lines, or its whole table, onto a sheet of their own: unusable as a signed record."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    project = copy_fixture("basic", tmp_path)
    forms = project / "data" / "forms.yaml"
    extra = "".join(
        f"    - {{id: extra.{n}, label: 补充事项{n}, type: {'multiline' if n % 5 == 0 else 'text'}}}\n"
        for n in range(1, 11)
    )
    text = forms.read_text(encoding="utf-8")
    anchor = "    - {id: reply.due,"
    forms.write_text(text.replace(anchor, extra + anchor, 1), encoding="utf-8")
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            tab.goto((run.outdir / "02-appendix.html").as_uri())
            sheets = _printed_pages(tab)
        finally:
            browser.close()
    (sheet,) = [s for s in sheets if "F-04-01" in s and "投诉受理登记表" in s and "补充事项1" in s]
    # The form's title, its last field and both signature lines on that one sheet.
    assert "答复期限" in sheet
    assert sheet.count("签字:") == 2, sheet  # (NFKC: "：" is ":")
    # The next form starts a sheet of its own.
    assert "F-04-02" not in sheet.split("投诉受理登记表", 1)[1]


#: Each link's underline (as painted over the page background) against that background.
_UNDERLINE_CONTRAST = """links => links.map(link => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const pen = canvas.getContext("2d");
  const paint = colour => { pen.fillStyle = colour; pen.fillRect(0, 0, 1, 1);
    return [...pen.getImageData(0, 0, 1, 1).data].slice(0, 3); };
  const back = paint(getComputedStyle(document.body).backgroundColor);
  const line = paint(getComputedStyle(link).textDecorationColor);
  const lum = rgb => { const [r, g, b] = rgb.map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [a, b] = [lum(back), lum(line)];
  return [getComputedStyle(link).textDecorationLine, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
})"""


@pytest.mark.browser
@pytest.mark.parametrize("dark", [False, True])
def test_links_are_told_from_text_without_colour(site: str, dark: bool) -> None:
    """In the dark theme a deadline link differed from the text around it by colour alone
    (1.6:1), its underline drawn in the border colour (#303335 on #131416)."""
    links = _evaluate(
        site, 1280, "01-complaints.html", "article a.reference.internal", _UNDERLINE_CONTRAST, dark=dark
    )
    assert links
    assert [(line, ratio) for line, ratio in links if "underline" not in line or ratio < 3] == []


#: Each row's status (references) or effective date (revisions): its text, right edge, label.
_LAST_CELLS = """rows => rows.map(row => {
  const revision = row.closest("table").classList.contains("mk-revision-rows");
  const cell = revision ? row.cells[6] : row.cells[5];
  return [cell.textContent.trim(), cell.getBoundingClientRect().right,
          getComputedStyle(cell, "::before").content];
})"""


@pytest.mark.browser
@pytest.mark.parametrize(
    ("rows", "label"),
    [
        (".mk-references table.mk-reference-rows", '"状态："'),
        (".mk-revisions table.mk-revision-rows", '"生效日期："'),
    ],
)
def test_reference_and_revision_rows_read_as_cards_on_a_phone(site: str, rows: str, label: str) -> None:
    """On a phone the reference list scrolled and its 状态 column (现行有效 / 待核实) started
    off-screen; so did a revision's dates."""
    cells = _evaluate(site, 390, "02-appendix.html", f"{rows} > tbody > tr", _LAST_CELLS)
    assert cells
    assert [(text, right, shown) for text, right, shown in cells if right > 390 or shown != label] == []


#: Where the keyboard focus is: the element's classes, whether it is in a drawer, and on screen.
_FOCUS = """() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect();
  const label = el.parentElement && el.parentElement.tagName === "LABEL" ? el.parentElement : null;
  const within = label ? " in " + label.className : "";
  return [el.tagName + "." + el.className + within, !!el.closest(".sidebar-drawer, .toc-drawer"),
          r.right > 0 && r.left < innerWidth && r.width > 0];
}"""


#: ``_FOCUS``'s name of the ☰ button: the icon inside furo's label.
_MENU_BUTTON = "SPAN.icon in nav-overlay-icon"


@pytest.mark.browser
def test_a_keyboard_opens_the_navigation_on_a_phone(site: str) -> None:
    """On a phone ☰ was a label no Tab stop reached, and Tab went on into the closed drawer's
    links, off-screen: now Tab reaches ☰, Enter opens the drawer and moves into it."""
    with _tab(site, "01-complaints.html", width=390, touch=True) as tab:
        stops = []
        for _ in range(8):
            tab.keyboard.press("Tab")
            stops.append(tab.evaluate(_FOCUS))
        assert [stop for stop in stops if stop[1] or not stop[2]] == [], stops
        assert any(name == _MENU_BUTTON for name, _in_drawer, _shown in stops), stops
        # A button named "导航" says whether the drawer is open (the <label> itself keeps its role).
        menu = tab.locator("label.nav-overlay-icon .icon")
        assert (menu.get_attribute("role"), menu.get_attribute("aria-expanded")) == ("button", "false")
        assert (
            menu.get_attribute("aria-label") and tab.get_attribute("label.nav-overlay-icon", "role") is None
        )
        menu.focus()
        tab.keyboard.press("Enter")
        tab.wait_for_timeout(600)
        name, in_drawer, shown = tab.evaluate(_FOCUS)
        assert in_drawer and shown, name
        assert menu.get_attribute("aria-expanded") == "true"
        tab.keyboard.press("Escape")
        tab.wait_for_timeout(400)
        assert tab.evaluate(_FOCUS)[0] == _MENU_BUTTON
        menu.click()  # a pointer on the icon still opens the drawer through its label
        tab.wait_for_timeout(400)
        assert tab.evaluate("document.getElementById('__navigation').checked")
