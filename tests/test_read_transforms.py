"""Read transforms: idle ones dropped per document, the others exactly as Sphinx."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from docutils import nodes
from docutils.transforms import Transform, frontmatter, misc, references
from docutils.utils import new_document
from myst_parser.mdit_to_docutils.transforms import CollectFootnotes
from sphinx import addnodes
from sphinx.builders.latex.transforms import FootnoteDocnameUpdater
from sphinx.io import SphinxStandaloneReader
from sphinx.transforms import DefaultSubstitutions, DoctestTransform, GlossarySorter, HandleCodeBlocks
from sphinx.transforms.i18n import Locale, TranslationProgressTotaliser

from conftest import REPO, copy_fixture, run_sphinx
from manualkit.sphinx import read_transforms
from manualkit.sphinx.read_transforms import ACTS_ON, MAY_ADD, DropIdleTransforms, add_anything, idle

PROSE = {nodes.document, nodes.section, nodes.title, nodes.paragraph, nodes.Text, nodes.target}

#: Chapters using the nodes some dropped transforms act on, one kind a chapter (a substitution,
#: for one, keeps every later transform in its chapter).
CHAPTERS = {
    "03-transition": """\
(transition)=
# 分隔线

## 小节

本节的正文。

---

## 下一小节

本节的正文。
""",
    "04-footnote": """\
# 脚注

正文一段，附脚注[^note]。

[^note]: 脚注的内容。
""",
    "05-glossary": """\
# 术语

> 引用的一段话。

```{index} 投诉; 受理
```

```{glossary}
:sorted:

SLA
   服务时限。

KYC
   了解你的客户。
```
""",
    "06-rst": """\
# 文献

```{eval-rst}
>>> 1 + 1
2

见 [CIT2024]_ 。

.. [CIT2024] 一条文献。
```
""",
    "08-author": """\
```{eval-rst}
:作者: 1. 张三
```

# 作者

正文。
""",
    "09-named-link": """\
# 链接

```{eval-rst}
见 `监管网站`_ 和 `无此目标`_ 。

.. _监管网站: https://www.nfra.gov.cn/
```
""",
    "07-substitution": """\
# 替换

```{eval-rst}
名称为 |name| ，版本 |version| 。

.. |name| replace:: 客户服务
```
""",
}


class _Unaudited(Transform):
    """Stands for a transform of another extension's, or a later one of manualkit's."""


def _dropped(queue: Iterable[type[Any]], present: set[type[nodes.Node]]) -> list[type[Any]]:
    order = [(transform, False) for transform in queue]
    return [order[position][0] for position in idle(order, present)]


def test_a_transform_is_dropped_only_when_no_node_it_acts_on_can_be_there() -> None:
    queue = [DefaultSubstitutions, HandleCodeBlocks, DoctestTransform, GlossarySorter, misc.Transitions]
    assert _dropped(queue, PROSE) == queue
    assert _dropped(queue, PROSE | {nodes.transition}) == queue[:-1]
    assert _dropped(queue, PROSE | {addnodes.glossary}) == [*queue[:3], misc.Transitions]
    # An empty block quote is unwrapped too: the block quote counts, not the doctest block.
    assert HandleCodeBlocks not in _dropped(queue, PROSE | {nodes.block_quote})


def test_a_node_a_transform_in_between_may_add_keeps_the_transform_acting_on_it() -> None:
    queue = [CollectFootnotes, FootnoteDocnameUpdater, misc.Transitions]
    assert _dropped(queue, PROSE) == queue
    # MyST appends a transition after the footnotes it collects.
    assert _dropped(queue, PROSE | {nodes.footnote}) == []
    # A substitution copies in whatever its definition holds: nothing after it is dropped.
    queue = [references.Substitutions, DoctestTransform, misc.Transitions]
    assert _dropped(queue, PROSE | {nodes.substitution_reference}) == []
    # A transform nobody read may add anything: only what runs before it is dropped.
    queue = [DoctestTransform, _Unaudited, misc.Transitions]
    assert _dropped(queue, PROSE) == [DoctestTransform]


def test_a_pending_transform_may_add_anything() -> None:
    order = [(DoctestTransform, False), (misc.Transitions, True), (GlossarySorter, False)]
    assert idle(order, PROSE) == [0]


def _document(*children: nodes.Node) -> nodes.document:
    document = new_document("chapter.md")
    document.extend(children)
    return document


def _author(body: nodes.Element) -> nodes.field_list:
    return nodes.field_list("", nodes.field("", nodes.field_name("", "作者"), nodes.field_body("", body)))


def _in_sections(depth: int, node: nodes.Node) -> nodes.Node:
    for level in range(depth):
        node = nodes.section("", nodes.title("", f"第{level}层"), node)
    return node


def test_docinfo_may_add_anything_where_it_may_parse_an_author_again() -> None:
    def listed() -> nodes.enumerated_list:  # "1. 张三", which DocInfo parses again
        return nodes.enumerated_list("", nodes.list_item("", nodes.paragraph("", "张三")))

    assert add_anything(_document(_author(nodes.paragraph("", "张三")))) == set()
    document = _document(_author(listed()))
    assert add_anything(document) == {frontmatter.DocInfo}
    order = [(frontmatter.DocInfo, False), (DoctestTransform, False)]
    assert idle(order, PROSE) == [1]
    assert idle(order, PROSE, add_anything(document)) == []
    # DocTitle may promote a lone section, then its lone subsection, into the document.
    assert add_anything(_document(_in_sections(2, _author(listed())))) == {frontmatter.DocInfo}
    assert add_anything(_document(_in_sections(3, _author(listed())))) == set()


def test_indirect_hyperlinks_may_add_anything_where_a_reference_resolver_is_installed() -> None:
    document = new_document("chapter.md")
    assert add_anything(document) == set()
    document.transformer.unknown_reference_resolvers.append(lambda node: False)
    assert add_anything(document) == {references.IndirectHyperlinks}


def test_footnotes_the_document_registers_count_as_present() -> None:
    document = new_document("chapter.md")
    document += nodes.paragraph("", "正文")
    assert nodes.footnote not in read_transforms.present_features(document)
    document.note_autofootnote(nodes.footnote())  # registered, not (yet) in the tree
    assert nodes.footnote in read_transforms.present_features(document)


def _read_transforms(app: Any) -> list[type[Transform]]:
    """The transforms Sphinx's reader and the MyST parser give each document of ``app``."""
    reader = SphinxStandaloneReader()
    reader.setup(app)
    parser = app.registry.create_source_parser(app, "markdown")
    return [*reader.get_transforms(), *parser.get_transforms()]


@pytest.fixture(scope="module")
def manual_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The manual's own Sphinx application (conf.py and extensions), set up without building."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    out = tmp_path_factory.mktemp("read-transforms")
    with patch_docutils(REPO), docutils_namespace():
        app = Sphinx(
            srcdir=REPO / "manual",
            confdir=REPO,
            outdir=out / "html",
            doctreedir=out / "doctrees",
            buildername="html",
            status=None,
            warning=None,
            freshenv=True,
        )
    return app


def test_the_tables_list_transforms_the_manual_reads_with(manual_app: Any) -> None:
    registered = _read_transforms(manual_app)
    assert DropIdleTransforms in registered
    assert set(ACTS_ON) <= set(registered), set(ACTS_ON) - set(registered)
    assert set(MAY_ADD) <= set(registered), set(MAY_ADD) - set(registered)
    # The classes are collected after i18n, and before the first transform that may be dropped.
    gate = DropIdleTransforms.default_priority
    assert Locale.default_priority < gate and TranslationProgressTotaliser.default_priority < gate
    assert gate < min(transform.default_priority for transform in ACTS_ON)


def _run_order(transforms: list[type[Transform]]) -> list[type[Transform]]:
    """As docutils' transformer runs them: by priority, then in the order they were added."""
    return sorted(transforms, key=lambda transform: (transform.default_priority, transforms.index(transform)))


def test_every_transform_between_the_gate_and_the_last_dropped_one_was_read(manual_app: Any) -> None:
    """Else nothing after it is dropped: correct, but the saving is lost without a word."""
    order = _run_order(_read_transforms(manual_app))
    last = max(order.index(transform) for transform in ACTS_ON)
    between = set(order[order.index(DropIdleTransforms) + 1 : last])
    assert between - set(MAY_ADD) == set()
    # Sphinx's domains (850, added after its dangling references) run next: anything may follow.
    assert order[last + 1].__name__ == "SphinxDomains"


def _build(project: Path, *, dropping: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Each document's pickled doctree, read with or without idle transforms dropped."""
    with monkeypatch.context() as patch:
        if not dropping:
            patch.setattr(read_transforms, "idle", lambda *args: [])
        run = run_sphinx(project, "dummy")
    assert run.error is None, run.warnings
    return {path.stem: path.read_bytes() for path in sorted((run.outdir / ".doctrees").glob("*.doctree"))}


@pytest.fixture(scope="module")
def rich_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_fixture("basic", tmp_path_factory.mktemp("read-transforms-rich"))
    for docname, text in CHAPTERS.items():
        (project / "manual" / f"{docname}.md").write_text(text, encoding="utf-8")
    index = project / "manual" / "index.md"
    listed = "\n".join(["02-appendix", *CHAPTERS])
    index.write_text(index.read_text(encoding="utf-8").replace("02-appendix", listed), encoding="utf-8")
    return project


def _spy_on_dropping(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Per document read, the names of the transforms dropped from its queue."""
    dropped: dict[str, set[str]] = {}
    apply = DropIdleTransforms.apply

    def spying(self: DropIdleTransforms, **kwargs: Any) -> None:
        before = {entry[1].__name__ for entry in self.document.transformer.transforms}
        apply(self, **kwargs)
        after = {entry[1].__name__ for entry in self.document.transformer.transforms}
        dropped[self.env.docname] = before - after

    monkeypatch.setattr(DropIdleTransforms, "apply", spying)
    return dropped


@dataclasses.dataclass
class Read:
    """The fixture manual read once with idle transforms dropped."""

    doctrees: dict[str, bytes]  # docname -> pickled doctree
    dropped: dict[str, set[str]]  # docname -> names of the transforms dropped from its queue

    def doctree(self, docname: str) -> nodes.document:
        document = pickle.loads(self.doctrees[docname])
        assert isinstance(document, nodes.document)
        return document


@pytest.fixture(scope="module")
def read(rich_project: Path) -> Read:
    with pytest.MonkeyPatch.context() as patch:
        dropped = _spy_on_dropping(patch)
        doctrees = _build(rich_project, dropping=True, monkeypatch=patch)
    return Read(doctrees, dropped)


ALL = {transform.__name__ for transform in ACTS_ON}
#: Run before docutils' Substitutions (220), which has the same priority as DefaultSubstitutions.
IDLE_BEFORE_SUBSTITUTIONS = {"HandleCodeBlocks", "AutoIndexUpgrader"}
#: Kept where a reference by name ("refname": a footnote's, a citation's, "`x`_") is left.
DANGLING = "SphinxDanglingReferences"
#: Kept in the reStructuredText chapter (a doctest block, a citation).
RST_CHAPTER = {"DoctestTransform", "CitationDefinitionTransform", "CitationReferenceTransform"}


@pytest.mark.parametrize(
    ("docname", "kept"),
    [
        ("01-complaints", set()),
        ("03-transition", {"Transitions"}),
        # MyST appends a transition after the footnotes it collects.
        ("04-footnote", {"CollectFootnotes", "FootnoteDocnameUpdater", "Transitions", DANGLING}),
        ("05-glossary", {"HandleCodeBlocks", "AutoIndexUpgrader", "GlossarySorter"}),
        ("06-rst", RST_CHAPTER | {DANGLING}),
        # References by name ("`监管网站`_"): one to resolve, one to report.
        ("09-named-link", {DANGLING}),
        # A substitution copies in whatever its definition holds: all that follows runs.
        ("07-substitution", ALL - IDLE_BEFORE_SUBSTITUTIONS),
        # DocInfo parses the author's "1. 张三" again: all that follows runs.
        ("08-author", ALL - IDLE_BEFORE_SUBSTITUTIONS - {"DefaultSubstitutions", "Substitutions"}),
    ],
)
def test_a_transform_is_dropped_where_it_has_nothing_to_do(read: Read, docname: str, kept: set[str]) -> None:
    assert ALL - read.dropped[docname] == kept


def test_a_document_reads_to_the_same_doctree_with_idle_transforms_dropped(
    rich_project: Path, read: Read, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = _build(rich_project, dropping=False, monkeypatch=monkeypatch)
    assert set(CHAPTERS) <= without.keys() and without.keys() == read.doctrees.keys()
    unprinted = 0
    for docname, doctree in without.items():
        if read.doctrees[docname] != doctree:
            unprinted += _unprinted_messages(doctree)
        assert _printed(read.doctrees[docname]) == _printed(doctree), docname
    assert unprinted  # the one difference was there to be left out


def _unprinted_messages(doctree: bytes) -> int:
    document = pickle.loads(doctree)
    return sum(message["level"] < 2 for message in document.transform_messages)


def _printed(doctree: bytes) -> bytes:
    """A pickled doctree without the INFO messages on unreferenced targets that Sphinx never
    prints: the one trace ``SphinxDanglingReferences`` leaves without a named reference."""
    document = pickle.loads(doctree)
    messages = document.transform_messages
    document.transform_messages = [message for message in messages if message["level"] >= 2]
    return pickle.dumps(document)


def test_a_chapter_with_the_nodes_gets_each_transform_s_work(read: Read) -> None:
    # Transitions: the rule ending a section moves up, between the two sections.
    (transition,) = read.doctree("03-transition").findall(nodes.transition)
    assert isinstance(transition.parent, nodes.section) and "transition" in transition.parent["ids"]
    # FootnoteDocnameUpdater, and MyST's CollectFootnotes (a transition before the footnotes)
    doctree = read.doctree("04-footnote")
    assert [node["docname"] for node in doctree.findall(nodes.footnote)] == ["04-footnote"]
    assert [node["docname"] for node in doctree.findall(nodes.footnote_reference)] == ["04-footnote"]
    assert [node["classes"] for node in doctree.findall(nodes.transition)] == [["footnotes"]]
    # GlossarySorter
    (glossary,) = read.doctree("05-glossary").findall(addnodes.glossary)
    assert [term.astext() for term in glossary.findall(nodes.term)] == ["KYC", "SLA"]
    # DoctestTransform, CitationReferenceTransform
    doctree = read.doctree("06-rst")
    (doctest,) = doctree.findall(nodes.doctest_block)
    assert "doctest" in doctest["classes"]
    assert not list(doctree.findall(nodes.citation_reference))
    assert [xref["reftarget"] for xref in doctree.findall(addnodes.pending_xref)] == ["CIT2024"]
    # SphinxDanglingReferences: a name nothing defines is reported, in place of its link.
    doctree = read.doctree("09-named-link")
    (link,) = doctree.findall(nodes.reference)
    assert "refname" not in link and link.astext() == "监管网站" and link.resolved
    assert [node.astext() for node in doctree.findall(nodes.problematic)] == ["`无此目标`_"]
    # DefaultSubstitutions replaced |version|; Substitutions reported |name| (MyST's eval-rst
    # parses into a document of its own, which keeps the definition).
    doctree = read.doctree("07-substitution")
    assert not list(doctree.findall(nodes.substitution_reference))
    assert "版本  。" in doctree.astext()
    assert [node.astext() for node in doctree.findall(nodes.problematic)] == ["|name|"]
