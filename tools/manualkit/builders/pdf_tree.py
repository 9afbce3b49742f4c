"""Turn the assembled single-document doctree into the print layout's doctree.

Why each step exists:

* Unique anchors: docutils numbers ids per document (a Chinese heading becomes ``id1``), so once
  the chapters are merged into one HTML several sections share ``id1`` — WeasyPrint then warns
  "Anchor defined twice" and TOC links and bookmarks land on the wrong page.  Auto-generated and
  colliding ids get the document name as prefix; MyST labels (``complaint-intake``, unique by
  construction) stay as they are, so cross-references keep working.
* Section numbers are attached to the titles (``title['secnumber']``), because Sphinx's HTML
  translator only knows how to look them up for the builder named ``singlehtml``.
* The root document's own section (its title is the manual's title, already on the cover) is
  unwrapped, so chapters become ``<h1>`` — the running header and the bookmarks hang on h1.
* Classes ``mk-chapter`` and ``mk-form-appendix`` let the print CSS start those on a new page.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

from docutils import nodes
from sphinx import addnodes

from manualkit.column_layout import fit_generated_tables
from manualkit.node_classes import CHAPTER_INFO_CLASS, INTRODUCES_CLASS, NOWRAP_CLASS, introduces_next

#: Ids docutils invents (``id1``, ``id12``): meaningless and repeated in every document.
_AUTO_ID = re.compile(r"^id\d+$")
#: Sections holding a printable form (see the ``form-appendices`` directive).

#: The printed page's text width (A4 less its 20 mm side margins, templates/pdf/print.css) in
#: twips, and half an em of the tables' 9.5 pt text in twips.
PRINT_TEXT_TWIPS = round(170 / 25.4 * 1440)
PRINT_TABLE_HALF_EM = 95

SecNumbers = Mapping[str, Mapping[str, tuple[int, ...]]]
FigNumbers = Mapping[str, Mapping[str, Mapping[str, tuple[int, ...]]]]


@dataclasses.dataclass(frozen=True)
class TocEntry:
    """One line of the printed table of contents (and, through its heading, one bookmark)."""

    anchor: str
    number: str
    title: str
    level: int


@dataclasses.dataclass(frozen=True)
class PrintTree:
    """Result of :func:`prepare_print_tree`."""

    toc: tuple[TocEntry, ...]
    fignumbers: dict[str, dict[str, tuple[int, ...]]]


def prepare_print_tree(
    tree: nodes.document,
    root_doc: str,
    secnumbers: SecNumbers,
    fignumbers: FigNumbers,
    toc_depth: int = 2,
) -> PrintTree:
    """Rewrite ``tree`` in place for printing and return its table of contents."""
    owners = dict(_iter_owned_elements(tree, root_doc))
    _attach_secnumbers(owners, secnumbers)
    renames = _plan_renames(owners)
    doc_anchors = _document_anchors(owners, renames)
    _apply_renames(owners, renames, doc_anchors)
    _hoist_included_documents(tree)
    _unwrap_root_section(tree)
    _drop_repeated_ids(tree)
    fit_generated_columns(tree)  # before the links lose their {nowrap} spans
    _unwrap_link_spans(tree)
    _mark_introductions(tree)
    _mark_sections(tree)
    merged_figs: dict[str, dict[str, tuple[int, ...]]] = {}
    for docname, by_type in fignumbers.items():
        for figtype, numbers in by_type.items():
            target = merged_figs.setdefault(figtype, {})
            for old_id, number in numbers.items():
                target[renames.get(docname, {}).get(old_id, old_id)] = number
    return PrintTree(toc=tuple(_toc_entries(tree, toc_depth)), fignumbers=merged_figs)


def _iter_owned_elements(tree: nodes.Node, root_doc: str) -> Iterator[tuple[nodes.Element, str]]:
    """Every element with the name of the source document it came from."""
    stack: list[tuple[nodes.Node, str]] = [(tree, root_doc)]
    while stack:
        node, docname = stack.pop()
        if isinstance(node, addnodes.start_of_file):
            docname = node["docname"]
        if isinstance(node, nodes.Element):
            yield node, docname
            stack.extend((child, docname) for child in reversed(node.children))


def _attach_secnumbers(owners: Mapping[nodes.Element, str], secnumbers: SecNumbers) -> None:
    """Store each section's number on its title, where the HTML translator looks first."""
    first_section_seen: set[str] = set()
    for element, docname in owners.items():
        if not isinstance(element, nodes.section) or not element["ids"]:
            continue
        numbers = secnumbers.get(docname, {})
        key = "#" + element["ids"][0]
        if key not in numbers and docname not in first_section_seen:
            key = ""  # Sphinx keys the document's first section by the empty anchor
        first_section_seen.add(docname)
        number = numbers.get(key)
        title = element.next_node(nodes.title)
        if number and title is not None and title.parent is element:
            title["secnumber"] = number


def _plan_renames(owners: Mapping[nodes.Element, str]) -> dict[str, dict[str, str]]:
    """Per document: old id → print id (only ids that must change)."""
    docs_of_id: dict[str, set[str]] = {}
    for element, docname in owners.items():
        for node_id in element.get("ids", []):
            docs_of_id.setdefault(node_id, set()).add(docname)
    renames: dict[str, dict[str, str]] = {}
    for node_id, docnames in docs_of_id.items():
        if len(docnames) == 1 and not _AUTO_ID.match(node_id):
            continue
        for docname in docnames:
            prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", docname).strip("-") or "doc"
            renames.setdefault(docname, {})[node_id] = f"{prefix}--{node_id}"
    # A section keeps one id: its others (an auto id next to a label) become aliases, so the
    # HTML has no empty <span id> before the heading (it would be a line box the heading's
    # break-after: avoid cannot hold on the same page).
    for element, docname in owners.items():
        if isinstance(element, nodes.section) and len(element["ids"]) > 1:
            mapping = renames.setdefault(docname, {})
            primary = mapping.get(element["ids"][0], element["ids"][0])
            for alias in element["ids"][1:]:
                mapping[alias] = primary
    return renames


def _document_anchors(
    owners: Mapping[nodes.Element, str], renames: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """Per document: the print id of its first section, the target of ``#document-DOC`` links.

    The print HTML has no ``<span id="document-…">`` markers (an empty inline before a chapter's
    page break would leave a blank page), so links to a whole document go to its first heading.
    """
    anchors: dict[str, str] = {}
    for element, docname in owners.items():
        if isinstance(element, nodes.section) and element["ids"] and docname not in anchors:
            first = element["ids"][0]
            anchors[docname] = renames.get(docname, {}).get(first, first)
    return anchors


def _apply_renames(
    owners: Mapping[nodes.Element, str],
    renames: Mapping[str, Mapping[str, str]],
    doc_anchors: Mapping[str, str],
) -> None:
    for element, docname in owners.items():
        mapping = renames.get(docname, {})
        if mapping and element.get("ids"):
            element["ids"] = list(dict.fromkeys(mapping.get(node_id, node_id) for node_id in element["ids"]))
        if mapping and element.get("backrefs"):
            element["backrefs"] = [mapping.get(node_id, node_id) for node_id in element["backrefs"]]
        refid = element.get("refid")
        if mapping and isinstance(refid, str):
            element["refid"] = mapping.get(refid, refid)
        refuri = element.get("refuri")
        if isinstance(refuri, str) and refuri.startswith("#"):
            element["refuri"] = _rewrite_local_uri(refuri, docname, renames, doc_anchors)


def _rewrite_local_uri(
    refuri: str, docname: str, renames: Mapping[str, Mapping[str, str]], doc_anchors: Mapping[str, str]
) -> str:
    """``#document-DOC#id``, ``#document-DOC`` and ``#id`` → ``#<print id>``."""
    parts = refuri[1:].split("#")
    if parts[0].startswith("document-"):
        target_doc = parts[0][len("document-") :]
        if len(parts) == 2:
            return "#" + renames.get(target_doc, {}).get(parts[1], parts[1])
        if len(parts) == 1 and target_doc in doc_anchors:
            return "#" + doc_anchors[target_doc]
        return refuri
    if len(parts) == 1:
        return "#" + renames.get(docname, {}).get(parts[0], parts[0])
    return refuri


def _hoist_included_documents(tree: nodes.document) -> None:
    """Move the chapters out of the root document's sections, right after them.

    The root's toctree may sit inside one of its sections (``## 使用说明``); inlined there, every
    chapter would become a sub-section of 使用说明.  In print, chapters are top-level.
    """
    for top in list(tree.children):
        if isinstance(top, addnodes.start_of_file):
            continue
        included = [
            sof
            for sof in top.findall(addnodes.start_of_file)
            if sof is not top and not _has_ancestor(sof.parent, addnodes.start_of_file)
        ]
        position = tree.index(top) + 1
        for sof in included:
            sof.parent.remove(sof)
            tree.insert(position, sof)
            position += 1


def _has_ancestor(node: nodes.Node | None, kind: type[nodes.Element]) -> bool:
    while node is not None:
        if isinstance(node, kind):
            return True
        node = node.parent
    return False


def _drop_repeated_ids(tree: nodes.document) -> None:
    """Keep each id on one element only: the innermost / last one.

    HTML themes may wrap nodes and copy their attributes (furo puts every table in a
    ``table-wrapper`` container carrying the table's ids); one anchor per id is what a PDF needs,
    and it must stay on the table itself, which the translator numbers by its id.
    """
    seen: set[str] = set()
    for element in reversed(list(tree.findall(nodes.Element))):
        ids = element.get("ids")
        if ids:
            element["ids"] = [node_id for node_id in ids if node_id not in seen]
            seen.update(ids)


def _unwrap_root_section(tree: nodes.document) -> None:
    """Replace the root document's section by its content (without its title).

    The root's document-control line ("本章文档信息：…", see ``manualkit.sphinx.chapter_info``)
    goes with the title: under no heading it stood alone on a page before 前言, naming a
    "chapter" the print does not have (the cover carries the manual's own document control).
    """
    for section in [child for child in tree.children if isinstance(child, nodes.section)]:
        content = [
            child
            for child in section.children
            if not isinstance(child, nodes.title) and CHAPTER_INFO_CLASS not in child.get("classes", ())
        ]
        section.replace_self(content)


#: Inline classes the print stylesheet styles inside a link: those spans must stay.
_STYLED_INLINE_CLASSES = frozenset({NOWRAP_CLASS})
#: Text the line breaker never breaks by itself (UAX #14 keeps "35273-2020" whole: no break
#: before a hyphen, nor between a hyphen and a digit): a {nowrap} span around it adds nothing.
_UNBREAKABLE_BY_ITSELF = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def _unwrap_link_spans(tree: nodes.document) -> None:
    """Leave a link with no span inside: the role spans it wraps its text in (``std-ref``,
    ``mk-role-sla`` …) are dropped, a {nowrap} span that is the whole link becomes the link's
    own class ("15个工作日"), and one around a number that never breaks anyway is dropped.

    WeasyPrint gives every inline box inside a link an annotation of its own: each span made a
    second link over the same text (419 of 1,166 in the manual), which a screen reader
    announces twice.
    """
    for reference in list(tree.findall(nodes.reference)):
        index = 0
        while index < len(reference.children):
            child = reference[index]
            if isinstance(child, nodes.inline) and (
                not _STYLED_INLINE_CLASSES & set(child["classes"])
                or _UNBREAKABLE_BY_ITSELF.fullmatch(child.astext())
            ):
                reference[index : index + 1] = child.children  # its own spans are looked at next
            else:
                index += 1
        if len(reference.children) == 1 and isinstance(reference[0], nodes.inline):
            (only,) = reference.children
            if _STYLED_INLINE_CLASSES & set(only["classes"]):
                reference["classes"].extend(c for c in only["classes"] if c not in reference["classes"])
                reference[:] = only.children


def _mark_introductions(tree: nodes.document) -> None:
    """ "…从以下维度进行：" stays on the page of the table it introduces (print.css)."""
    for paragraph in tree.findall(nodes.paragraph):
        if introduces_next(paragraph):
            paragraph["classes"].append(INTRODUCES_CLASS)


def fit_generated_columns(tree: nodes.document) -> None:
    """Give each generated table column widths fitted to its content, for the printed page.

    The tables keep WeasyPrint's fixed layout (automatic layout measures every cell's
    min-content width, a fifth of the manual's rendering time), but fixed percentages per kind
    of table fitted no table well: an SLA table's 时限 column held "每年" in 12 % of the row
    while its 依据 ran to four lines, and "信息安全管理员" broke before its last character.
    """
    fit_generated_tables(tree, PRINT_TEXT_TWIPS, PRINT_TABLE_HALF_EM)


def _mark_sections(tree: nodes.document) -> None:
    for section in tree.findall(nodes.section):
        if _section_depth(section) == 1:
            section["classes"].append("mk-chapter")
        if _is_form_appendix(section):
            parent = section.parent
            if isinstance(parent, nodes.section) and "mk-form-appendices" not in parent["classes"]:
                parent["classes"].append("mk-form-appendices")


def _is_form_appendix(section: nodes.Element) -> bool:
    """A section the ``form-appendices`` directive made (its class; not the shape of its id)."""
    return "mk-form-appendix" in section["classes"]


def _section_depth(section: nodes.Element) -> int:
    depth = 0
    node: Any = section
    while node is not None:
        if isinstance(node, nodes.section):
            depth += 1
        node = node.parent
    return depth


def _toc_entries(tree: nodes.document, toc_depth: int) -> Iterator[TocEntry]:
    for section in tree.findall(nodes.section):
        level = _section_depth(section)
        if (level > toc_depth and not _is_form_appendix(section)) or not section["ids"]:
            continue
        title = section.next_node(nodes.title)
        if title is None or title.parent is not section:
            continue
        number = ".".join(str(part) for part in title.get("secnumber", ()))
        yield TocEntry(anchor=section["ids"][0], number=number, title=title.astext(), level=level)
