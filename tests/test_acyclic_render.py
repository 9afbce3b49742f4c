"""MyST's rendering with each syntax tree taken apart: MyST's own doctrees, no tree left as garbage."""

from __future__ import annotations

import gc
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from docutils import nodes
from markdown_it.tree import SyntaxTreeNode
from myst_parser.parsers.sphinx_ import MystParser

from conftest import copy_fixture, run_sphinx
from manualkit.sphinx import acyclic_render
from manualkit.sphinx.acyclic_render import AcyclicMystParser, take_apart


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture("basic", tmp_path_factory.mktemp("acyclic-render"))


def _doctrees(project: Path, outdir: Path) -> dict[str, nodes.document]:
    run = run_sphinx(project, "dummy", outdir=outdir)
    assert run.error is None, run.warnings
    documents = {}
    for path in sorted((outdir / ".doctrees").glob("*.doctree")):
        document = pickle.loads(path.read_bytes())
        assert isinstance(document, nodes.document)
        documents[path.stem] = document
    return documents


@pytest.fixture
def kept_garbage() -> Iterator[list[object]]:
    """What the cyclic collector finds unreachable, kept (``DEBUG_SAVEALL``) for the test to see."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _syntax_trees(garbage: list[object]) -> int:
    gc.collect()
    return sum(isinstance(item, SyntaxTreeNode) for item in garbage)


def test_the_manual_reads_to_the_doctrees_myst_s_own_parser_gives(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken_apart: list[SyntaxTreeNode] = []

    def spying(root: SyntaxTreeNode) -> None:
        taken_apart.append(root)
        take_apart(root)

    monkeypatch.setattr(acyclic_render, "take_apart", spying)
    acyclic = _doctrees(project, tmp_path / "acyclic")
    with monkeypatch.context() as patch:
        patch.setattr(AcyclicMystParser, "parse", MystParser.parse)  # MyST's renderer
        own = _doctrees(project, tmp_path / "own")

    # Each chapter's tree and each directive body's (forms, checklists, tables) was taken apart.
    assert len(taken_apart) > len(acyclic) + 3
    assert all(node.parent is None for root in taken_apart for node in root.walk())
    assert acyclic.keys() == own.keys() and "01-complaints" in acyclic
    for docname, document in acyclic.items():
        assert document.pformat() == own[docname].pformat(), docname
        assert document.attributes == own[docname].attributes, docname
    # A form's body (a nested parse, rendered by the same renderer) is in its chapter.
    assert "投诉受理登记表" in acyclic["01-complaints"].astext()


def test_reading_leaves_no_syntax_tree_to_the_cyclic_collector(
    project: Path, tmp_path: Path, kept_garbage: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    _doctrees(project, tmp_path / "acyclic")
    assert _syntax_trees(kept_garbage) == 0

    # MyST's own renderer leaves every tree it rendered for the collector: the check can fail.
    monkeypatch.setattr(AcyclicMystParser, "parse", MystParser.parse)
    _doctrees(project, tmp_path / "own")
    assert _syntax_trees(kept_garbage) > 100
