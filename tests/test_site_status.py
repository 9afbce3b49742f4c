"""The site's version-status.css: the no-JavaScript notice of each published version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import tinycss2

from conftest import copy_fixture, run_sphinx
from manualkit.css_text import css_string
from manualkit.site_status import notice_text, version_status_css

ENTRIES = [
    {"version": "1.0", "effective": "2025-01-01"},
    {"version": "1.10", "effective": "2025-09-01"},
    {"version": "1.9", "effective": "2025-03-01"},
]


def test_each_version_but_the_one_in_force_has_a_notice() -> None:
    assert notice_text("1.9", "1.9", "2025-03-01") is None
    assert notice_text("1.0", "1.9", "2025-01-01") == "本版本（v1.0）已被 v1.9 取代，仅供查阅。"
    # 1.10 follows 1.9 (versions compare as numbers, as the release sorts them).
    assert notice_text("1.10", "1.9", "2025-09-01") == (
        "本版本（v1.10）批准待施行（自2025年9月1日起施行），现行版本为 v1.9。"
    )


def test_the_stylesheet_parses_and_names_each_version_once() -> None:
    css = version_status_css(ENTRIES, "1.9", dt.date(2025, 3, 2))
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    assert [r.type for r in rules] == ["qualified-rule"] * len(rules)
    selectors = [tinycss2.serialize(r.prelude).strip() for r in rules]
    shown = [s for s in selectors if s.startswith(".mk-static-status") and not s.endswith("::before")]
    assert shown == ['.mk-static-status[data-version="1.10"]', '.mk-static-status[data-version="1.0"]']
    assert "as of 2025-03-02" in css


def test_css_strings_cannot_be_closed_early() -> None:
    hostile = 'x"; } body { display: none } .a { content: "\\'
    css = f".a::before {{ content: {css_string(hostile)}; }}"
    (rule,) = tinycss2.parse_stylesheet(css, skip_whitespace=True)
    (declaration,) = [d for d in tinycss2.parse_blocks_contents(rule.content) if d.type == "declaration"]
    (string,) = [t for t in declaration.value if t.type == "string"]
    assert string.value == hostile
    assert css_string("第\n行") == '"第\\a 行"'


def test_a_released_page_opens_its_content_with_the_notice(tmp_path: Path) -> None:
    """The notice is the first thing in the page's main content: after furo's skip link, which
    stays the first Tab stop, and where "skip to content" lands."""
    project = copy_fixture("basic", tmp_path)
    extensions = [
        "myst_parser",
        "sphinx.ext.graphviz",
        "manualkit.sphinx",
        "manualkit.sphinx.revision_markers",
    ]
    run = run_sphinx(project, overrides={"extensions": extensions, "manualkit_site_status": True})
    assert run.error is None, run.warnings
    page = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    skip = page.index('class="skip-to-content')
    main = page.index('<article role="main" id="furo-main-content">')
    notice = page.index('<div class="mk-static-status" data-version=')
    assert skip < main < notice
    assert page[main:notice].count("<") == 1  # nothing of the page's content comes before it
    assert '<link rel="stylesheet" href="../version-status.css" />' in page


def test_only_the_site_builders_take_the_notice() -> None:
    """The release sets ``manualkit_site_status`` for every builder; the PDF's print HTML (builder
    ``pdf``: one document, no site around it, nothing to link) must not take the notice."""
    from types import SimpleNamespace

    from manualkit.sphinx.revision_markers import _site_status_context

    def context_for(builder: str, enabled: bool = True) -> dict[str, object]:
        app = SimpleNamespace(
            config=SimpleNamespace(manualkit_site_status=enabled, version="1.0", root_doc="index"),
            confdir=".",
            builder=SimpleNamespace(name=builder, get_target_uri=lambda doc: f"{doc}.html"),
        )
        context: dict[str, object] = {"pathto": lambda uri, resource=0: uri}
        _site_status_context(app, "index", "page.html", context, None)  # type: ignore[arg-type]
        return context

    assert context_for("html")["mk_site_status"] == {
        "version": "1.0",
        "stylesheet": "../version-status.css",
        "latest": "../latest/index.html",
    }
    assert "mk_site_status" not in context_for("pdf")
    assert "mk_site_status" not in context_for("html", enabled=False)
