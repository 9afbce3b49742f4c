"""The sidebar navigation (furo) stays what a reader saw before it was rendered once per build.

``manualkit.sphinx.navigation`` replaces furo's per-page computation of the navigation tree.
Each page's sidebar is compared with what furo itself makes of Sphinx's toctree for that page,
on a fixture with captions, a hidden toctree, three levels of nesting, a document in a
subdirectory and a title with characters HTML must escape.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from furo.navigation import get_navigation_tree

from conftest import copy_fixture
from manualkit.sphinx.navigation import FURO_TOCTREE_ARGS

PAGES = [
    "index",
    "01-complaints",
    "02-appendix",
    "03-guide",
    "03a-steps",
    "03b-faq",
    "sub/03a1-detail",
    "04-notes",
    "genindex",
    "search",
]


@dataclasses.dataclass
class NavBuild:
    outdir: Path
    #: Page → the navigation furo itself computes from Sphinx's toctree for that page.
    furo: dict[str, str]


def build(project: Path, outdir: Path, parallel: int = 0, builder: str = "html") -> NavBuild:
    """Build ``project``; a listener after every other one records furo's own navigation."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    furo: dict[str, str] = {}

    def record(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
        furo[pagename] = get_navigation_tree(context["toctree"](**FURO_TOCTREE_ARGS))

    quiet: dict[str, Any] = {"status": io.StringIO(), "warning": io.StringIO(), "freshenv": True}
    with patch_docutils(project), docutils_namespace():
        app = Sphinx(
            project / "manual", project, outdir, outdir / ".doctrees", builder, parallel=parallel, **quiet
        )
        app.connect("html-page-context", record, priority=900)
        app.build()
    assert app.statuscode == 0, app._warning.getvalue()
    return NavBuild(outdir, furo)


@pytest.fixture(scope="module")
def nav_html(tmp_path_factory: pytest.TempPathFactory) -> NavBuild:
    project = copy_fixture("htmlscale", tmp_path_factory.mktemp("nav-html"))
    return build(project, project / "_build" / "html")


def sidebar(outdir: Path, page: str, output: str = "{page}.html") -> Tag:
    html = (outdir / output.format(page=page)).read_text(encoding="utf-8")
    tree = BeautifulSoup(html, "html.parser").select_one("div.sidebar-tree")
    assert tree is not None, f"{page} has no sidebar tree"
    return tree


def normalised(markup: str) -> str:
    return str(BeautifulSoup(markup, "html.parser")).strip()


@pytest.mark.parametrize("page", PAGES)
def test_sidebar_is_furos_navigation(nav_html: NavBuild, page: str) -> None:
    shown = "".join(str(child) for child in sidebar(nav_html.outdir, page).contents)
    assert normalised(shown) == normalised(nav_html.furo[page])


def test_sidebar_lists_every_document_and_marks_the_current_one(nav_html: NavBuild) -> None:
    tree = sidebar(nav_html.outdir, "03a-steps")
    titles = [a.get_text() for a in tree.select("a.reference")]
    assert titles == [
        "1. 投诉处理",
        "2. 操作指引",
        "2.1. 操作步骤",
        "2.1.1.1. 细则",
        "2.2. 问答 & “常见” <问题>",
        "3. 附录",
        "附加说明",  # the hidden toctree is in the sidebar too
    ]
    current = tree.select("li.current-page")
    assert len(current) == 1
    link = current[0].find("a")
    assert isinstance(link, Tag)
    assert link.get_text() == "2.1. 操作步骤" and link["href"] == "#"
    # The branch leading to the page is open; every other branch is closed.
    checked = {box["id"] for box in tree.select("input.toctree-checkbox[checked]")}
    boxes = tree.select("input.toctree-checkbox")
    assert len(boxes) == 2 and checked == {box["id"] for box in boxes}
    for box in boxes:
        label = tree.select_one(f'label[for="{box["id"]}"]')
        assert label is not None
    closed = sidebar(nav_html.outdir, "01-complaints").select("input.toctree-checkbox[checked]")
    assert closed == []


def test_parallel_build_gives_the_same_sidebars(nav_html: NavBuild, tmp_path: Path) -> None:
    project = copy_fixture("htmlscale", tmp_path)
    parallel = build(project, tmp_path / "out", parallel=2)
    for page in PAGES:
        assert str(sidebar(parallel.outdir, page)) == str(sidebar(nav_html.outdir, page)), page


def test_dirhtml_pages_keep_furos_navigation(tmp_path: Path) -> None:
    """Every dirhtml page lives in its own directory, so its links differ from the root's."""
    project = copy_fixture("htmlscale", tmp_path)
    run = build(project, tmp_path / "out", builder="dirhtml")
    for page in PAGES:
        output = "index.html" if page == "index" else "{page}/index.html"
        shown = "".join(str(child) for child in sidebar(run.outdir, page, output).contents)
        assert normalised(shown) == normalised(run.furo[page]), page
