"""Post-transforms over the assembled manual: idle ones skipped, the others exactly as Sphinx."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import docx
import pytest
from docutils import nodes
from myst_parser.sphinx_ext.myst_refs import MystReferenceResolver
from sphinx import addnodes
from sphinx.transforms.post_transforms import OnlyNodeTransform, ReferencesResolver
from sphinx.transforms.post_transforms.code import HighlightLanguageTransform
from sphinx.transforms.post_transforms.images import BaseImageConverter, ImageDownloader

from manualkit import cli
from manualkit.builders import post_transforms
from test_cli import three_output_project


class _LocalTransform:
    """Stands for a transform of manualkit's or another extension's: never skipped."""


def test_a_transform_runs_only_when_the_nodes_it_acts_on_are_present() -> None:
    prose = {nodes.document, nodes.section, nodes.paragraph, nodes.Text}
    assert not post_transforms.has_work(HighlightLanguageTransform, prose)
    assert post_transforms.has_work(HighlightLanguageTransform, prose | {nodes.literal_block})
    assert not post_transforms.has_work(ImageDownloader, prose)  # a subclass of an entry
    assert post_transforms.has_work(ImageDownloader, prose | {nodes.image})
    assert not post_transforms.has_work(BaseImageConverter, prose)
    assert post_transforms.has_work(ReferencesResolver, prose)
    assert post_transforms.has_work(_LocalTransform, prose)


def test_the_registry_is_restored_after_the_resolution() -> None:
    listed = [HighlightLanguageTransform, OnlyNodeTransform, ReferencesResolver, _LocalTransform]

    class Registry:
        def get_post_transforms(self) -> list[Any]:
            return listed

    registry = Registry()
    tree = nodes.document(None, None)  # type: ignore[arg-type]
    tree += nodes.paragraph("", "正文")
    with post_transforms.only_post_transforms_with_work(SimpleNamespace(registry=registry), tree):
        assert registry.get_post_transforms() == [ReferencesResolver, _LocalTransform]
    assert registry.get_post_transforms() == listed
    tree += addnodes.only(expr="html")
    with post_transforms.only_post_transforms_with_work(SimpleNamespace(registry=registry), tree):
        assert registry.get_post_transforms() == [OnlyNodeTransform, ReferencesResolver, _LocalTransform]


def test_myst_resolves_only_where_a_link_of_its_own_is() -> None:
    """MyST's resolver walks the tree for ``[text](target)`` references: without one it is skipped."""
    listed = [MystReferenceResolver, ReferencesResolver]

    class Registry:
        def get_post_transforms(self) -> list[Any]:
            return listed

    registry = Registry()
    app = SimpleNamespace(registry=registry)
    tree = nodes.document(None, None)  # type: ignore[arg-type]
    paragraph = nodes.paragraph("", "见")
    paragraph += addnodes.pending_xref("", nodes.inline("", "投诉受理"), reftype="ref", refdomain="std")
    tree += paragraph
    with post_transforms.only_post_transforms_with_work(app, tree):
        assert registry.get_post_transforms() == [ReferencesResolver]
    paragraph += addnodes.pending_xref("", nodes.inline("", "受理"), reftype="myst", refdomain=None)
    with post_transforms.only_post_transforms_with_work(app, tree):
        assert registry.get_post_transforms() == listed


@pytest.mark.slow
def test_a_myst_link_is_still_resolved_in_the_docx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chapter's ``[text](#label)`` link to another chapter (a reference MyST resolves after
    reading) jumps to its target in the DOCX, as ``{ref}`` does."""
    project = three_output_project(tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write("\n受理要求见[本手册的附录](#appendix)。\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    status = cli.main(["--project", str(project), "build", "docx", "--no-check"])
    assert status == 0, capsys.readouterr().err
    (path,) = (project / "build" / "docx").glob("*.docx")
    body = docx.Document(str(path)).element.body
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    anchors = [
        link.get(w + "anchor")
        for link in body.iter(w + "hyperlink")
        if "本手册的附录" in "".join(link.itertext())
    ]
    headings = {
        mark.get(w + "name")
        for paragraph in body.iter(w + "p")
        if "附录" in "".join(paragraph.itertext())
        for mark in paragraph.iter(w + "bookmarkStart")
    }
    assert anchors and set(anchors) <= headings


@pytest.mark.slow
def test_a_chapter_that_needs_a_skipped_transform_still_gets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ``only`` block is resolved for the DOCX: its HTML-only text stays out of the document."""
    project = three_output_project(tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write("\n:::{only} html\n仅在网页上显示的说明。\n:::\n")
        handle.write("\n:::{only} docx\n仅在文档中显示的说明。\n:::\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    status = cli.main(["--project", str(project), "build", "docx", "--no-check"])
    assert status == 0, capsys.readouterr().err
    (path,) = (project / "build" / "docx").glob("*.docx")
    text = "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)
    assert "仅在文档中显示的说明。" in text
    assert "仅在网页上显示的说明。" not in text
