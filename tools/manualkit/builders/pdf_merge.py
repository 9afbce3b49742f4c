"""Join the separately typeset parts of the manual into one tagged PDF (pikepdf / qpdf).

What a plain page concatenation would lose, and how it is kept:

* page numbers — every page gets the matching page of the ``folio`` parts (only "第 X 页 / 共 Y 页")
  drawn over it, marked as a pagination artifact so it stays out of the structure tree;
* the structure tree (PDF/UA) — each part's ``Document`` element children move under one
  ``Document``; the parent tree (marked content → element) is renumbered: pages first, in page
  order, then the link annotations, as WeasyPrint numbers them;
* links between parts — a part keeps its links as named destinations; the merged name tree holds
  every part's real anchors, so the names resolve across parts;
* bookmarks — rebuilt from the parts' (level, label, position) lists, so a part that starts inside
  a chapter hangs its sections under that chapter;
* fonts — every part embeds subsets of the same faces; :mod:`.pdf_fontmerge` replaces them by one
  subset per face holding the union of the glyphs.

Document information, XMP metadata, ``/Lang``, ``/MarkInfo`` and viewer preferences come from the
first part (every part is rendered with the same ``<head>``).  The result is deterministic: same
parts, same bytes (qpdf's deterministic /ID after the permanent identifier).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from manualkit.builders.pdf_fontmerge import FontSource, merge_fonts
from manualkit.builders.pdf_worker import Bookmark, PartResult

#: Resource name of the folio form XObject on every page.
_FOLIO = Name("/MkFolio")
_CATALOG_KEYS = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata")


class MergeError(Exception):
    """The parts cannot be joined (they do not fit together); the message says why."""


def merge_parts(
    parts: Sequence[PartResult], folios: Sequence[PartResult], identifier: bytes, object_streams: bool = True
) -> bytes:
    """The parts, in order, as one PDF; the pages of ``folios`` (in order) are laid over the pages
    of the same number (no folios: no page numbers)."""
    if not parts:
        raise MergeError("nothing to merge")
    total = sum(part.pages for part in parts)
    numbered = sum(folio.pages for folio in folios)
    if folios and numbered != total:
        raise MergeError(f"the page numbers cover {numbered} pages, the manual has {total}")
    first = pikepdf.open(io.BytesIO(parts[0].pdf))
    sources = [first]  # open until saved; every other part is closed once copied
    versions: list[str] = []
    try:
        out = pikepdf.new()
        structure = _StructureMerger(out, total)
        dests: dict[str, Any] = {}
        page_offset = 0
        for number, part in enumerate(parts):
            source = first if number == 0 else pikepdf.open(io.BytesIO(part.pdf))
            try:
                versions.append(source.pdf_version)
                with warnings.catch_warnings():
                    # Named destinations are rebuilt below, from the parts' anchors.
                    warnings.simplefilter("ignore", category=pikepdf.PageCopyWarning)
                    out.pages.extend(source.pages)
                copied_structure = structure.add(source, page_offset, part.pages)
                _collect_dests(out, source, part, page_offset, dests)
                if source is not first:
                    copied = [out.pages[page_offset + index].obj for index in range(part.pages)]
                    _own_stream_data(copied, copied_structure)
            finally:
                if source is not first:
                    source.close()
            page_offset += part.pages
        structure.finish()
        _set_dests(out, dests)
        _set_outline(out, parts)
        _copy_document_level(out, first)
        folio_pages: list[pikepdf.Page] = []
        for folio in folios:
            folio_source = pikepdf.open(io.BytesIO(folio.pdf))
            sources.append(folio_source)
            versions.append(folio_source.pdf_version)
            folio_pages.extend(folio_source.pages)
        if folios:
            _lay_folios(out, folio_pages)
        faces: dict[str, FontSource] = {}
        placeholders: set[str] = set()
        for part in [*parts, *folios]:
            faces.update(part.fonts)
            placeholders.update(part.placeholder_fonts)
        rebuilt = merge_fonts(out, faces)
        if placeholders - rebuilt:
            missing = ", ".join(sorted(placeholders - rebuilt))
            raise MergeError(f"font program(s) left to the merge were not rebuilt: {missing}")
        out.trailer.ID = Array([pikepdf.String(identifier), pikepdf.String(identifier)])
        buffer = io.BytesIO()
        version = max(versions)
        stream_mode = (
            pikepdf.ObjectStreamMode.generate
            if object_streams and version >= "1.5"
            else pikepdf.ObjectStreamMode.disable
        )
        out.save(
            buffer,
            min_version=version,
            deterministic_id=True,
            fix_metadata_version=False,
            object_stream_mode=stream_mode,
            compress_streams=True,
            recompress_flate=False,
        )
        return buffer.getvalue()
    finally:
        for source in sources:
            source.close()


class _StructureMerger:
    """One structure tree for the merged pages (see the module docstring)."""

    def __init__(self, out: pikepdf.Pdf, total_pages: int) -> None:
        self.out = out
        self.root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.document = out.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, P=self.root, K=Array())
        )
        self.root.K = Array([self.document])
        self.nums: list[tuple[int, Any]] = []
        self.next_annotation_key = total_pages
        self.tagged = False

    def add(self, source: pikepdf.Pdf, page_offset: int, pages: int) -> Any:
        """Move the part's structure elements under the one ``Document``; returns their copy."""
        if "/StructTreeRoot" not in source.Root:
            return None
        self.tagged = True
        copied = self.out.copy_foreign(source.Root.StructTreeRoot)
        old_nums = [(int(key), value) for key, value in _tree_items(copied.get("/ParentTree"), "/Nums")]
        renumbered: dict[int, int] = {}
        for index in range(pages):
            page = self.out.pages[page_offset + index].obj
            page_key: Any = page.get("/StructParents")
            if page_key is not None:
                renumbered[int(page_key)] = page_offset + index
                page.StructParents = page_offset + index
            for annotation in page.get("/Annots", Array()):
                old = annotation.get("/StructParent")
                if old is not None and int(old) not in renumbered:
                    renumbered[int(old)] = self.next_annotation_key
                    annotation.StructParent = self.next_annotation_key
                    self.next_annotation_key += 1
        for old_key, value in old_nums:
            if old_key in renumbered:
                self.nums.append((renumbered[old_key], value))
        for document in copied.get("/K", Array()):
            for kid in document.get("/K", Array()):
                if isinstance(kid, Dictionary):
                    kid.P = self.document
                self.document.K.append(kid)
        return copied

    def finish(self) -> None:
        if not self.tagged:
            return
        flat = Array()
        for key, value in sorted(self.nums, key=lambda item: item[0]):
            flat.append(key)
            flat.append(value)
        self.root.ParentTree = self.out.make_indirect(Dictionary(Nums=flat))
        self.root.ParentTreeNextKey = self.next_annotation_key
        self.out.Root.StructTreeRoot = self.root


def _tree_items(tree: Any, leaves: str) -> list[tuple[Any, Any]]:
    """(key, value) pairs of a PDF number tree (``leaves="/Nums"``) or name tree (``"/Names"``).

    WeasyPrint writes one flat leaf array; ``/Kids`` are followed for any other writer.
    """
    if tree is None:
        return []
    items: list[tuple[Any, Any]] = []
    flat = tree.get(leaves)
    if flat is not None:
        items += [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    for kid in tree.get("/Kids", Array()):
        items += _tree_items(kid, leaves)
    return items


def _own_stream_data(pages: Sequence[Any], structure: Any) -> None:
    """Give the streams of just-copied ``pages`` (and ``structure``) their own data.

    Why: qpdf copies a foreign stream's dictionary at once but reads its data from the source
    only when the merged PDF is saved, so every part stayed open (and parsed: ~15 MB a part of the
    10× manual, 180 MB in all) until the end.  The raw, still encoded bytes are taken over as
    they are, with their filters: the saved PDF is byte-identical.

    The streams are found by walking what the part's pages reach, not by listing the merged
    PDF's objects: qpdf builds that list anew on every access, so a per-part listing made the
    merge quadratic (22 of the 50× manual's 32 merge seconds).
    """
    for stream in _reachable_streams(pages, structure):
        encoding: Any = stream.get("/Filter")
        parameters: Any = stream.get("/DecodeParms")
        stream.write(stream.read_raw_bytes(), filter=encoding, decode_parms=parameters, type_check=False)


#: What may hold a stream (directly or further down).
_CONTAINERS = (pikepdf.Array, Dictionary, pikepdf.Stream)
#: Keys that lead out of a part (to the page tree, the structure tree's root, other pages' parents).
_UPWARD_KEYS = frozenset({"/Parent", "/P", "/ParentTree"})


def _reachable_streams(pages: Sequence[Any], structure: Any) -> list[pikepdf.Stream]:
    """Every stream reachable from ``pages`` and ``structure``, without going up or to other pages.

    A link's destination names another page object: only the given pages are entered.
    """
    own_pages = {page.objgen for page in pages}
    seen: set[tuple[int, int]] = set()
    streams: list[pikepdf.Stream] = []
    stack: list[Any] = [*pages, *([structure] if structure is not None else [])]
    while stack:
        item = stack.pop()
        if item.is_indirect:
            key = item.objgen
            if key in seen:
                continue
            seen.add(key)
        if isinstance(item, pikepdf.Array):
            stack.extend(value for value in item if isinstance(value, _CONTAINERS))
            continue
        if isinstance(item, pikepdf.Stream):
            streams.append(item)
        elif item.get("/Type") in (Name.Page, Name.Pages) and item.objgen not in own_pages:
            continue
        for name, value in item.items():
            if name not in _UPWARD_KEYS and isinstance(value, _CONTAINERS):
                stack.append(value)
    return streams


def _collect_dests(
    out: pikepdf.Pdf, source: pikepdf.Pdf, part: PartResult, page_offset: int, dests: dict[str, Any]
) -> None:
    """The part's own anchors as destinations on the merged pages (borrowed anchors skipped)."""
    names = source.Root.get("/Names")
    tree = names.get("/Dests") if names is not None else None
    if tree is None:
        return
    page_index = {page.objgen: number for number, page in enumerate(source.pages)}
    for key, dest in _tree_items(tree, "/Names"):
        name = str(key)
        if name not in part.anchors or name in dests:
            continue
        target: Any = dest.get("/D") if isinstance(dest, Dictionary) else dest
        number = page_index.get(target[0].objgen)
        if number is None:
            continue
        dests[name] = Array([out.pages[page_offset + number].obj, *list(target)[1:]])


def _set_dests(out: pikepdf.Pdf, dests: dict[str, Any]) -> None:
    if not dests:
        return
    flat = Array()
    for name in sorted(dests, key=lambda text: text.encode("utf-16-be")):
        flat.append(pikepdf.String(name))
        flat.append(dests[name])
    out.Root.Names = Dictionary(Dests=out.make_indirect(Dictionary(Names=flat)))


def _set_outline(out: pikepdf.Pdf, parts: Sequence[PartResult]) -> None:
    """Bookmarks of all parts, nested by level (as WeasyPrint nests them in one document)."""
    marks: list[tuple[int, Bookmark]] = []
    offset = 0
    for part in parts:
        marks += [(offset + mark.page, mark) for mark in part.bookmarks]
        offset += part.pages
    if not marks:
        return
    with out.open_outline() as outline:
        stack: list[tuple[int, pikepdf.OutlineItem]] = []
        for page, mark in marks:
            item = pikepdf.OutlineItem(
                mark.label, page, pikepdf.PageLocation.XYZ, left=mark.x, top=mark.y, zoom=0
            )
            item.is_closed = not mark.open
            while stack and stack[-1][0] >= mark.level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((mark.level, item))
    # A reader opening the manual sees its chapters in the viewer's sidebar, as in the HTML site.
    out.Root.PageMode = Name.UseOutlines


def _copy_document_level(out: pikepdf.Pdf, first: pikepdf.Pdf) -> None:
    for key in _CATALOG_KEYS:
        value = first.Root.get(key)
        if value is None:
            continue
        out.Root[key] = out.copy_foreign(value) if value.is_indirect else _copy_direct(out, value)
    info = first.trailer.get("/Info")
    if info is not None:
        out.trailer.Info = (
            out.copy_foreign(info) if info.is_indirect else out.make_indirect(Dictionary(dict(info.items())))
        )


def _copy_direct(out: pikepdf.Pdf, value: Any) -> Any:
    """A direct catalog value (dictionaries of names and booleans): copied as it is."""
    if isinstance(value, Dictionary):
        return Dictionary({key: _copy_direct(out, item) for key, item in value.items()})
    return value


def _lay_folios(out: pikepdf.Pdf, folio_pages: Sequence[pikepdf.Page]) -> None:
    """Draw folio page *i* over page *i*, as a pagination artifact outside the structure tree."""
    for page, folio_page in zip(out.pages, folio_pages, strict=True):
        form = out.copy_foreign(folio_page.as_form_xobject())
        # A part's pages share one resource dictionary: each page gets its own (shallow) copy.
        shared = page.obj.get("/Resources")
        resources = Dictionary(dict(shared.items())) if shared is not None else Dictionary()
        xobjects = resources.get("/XObject")
        resources.XObject = Dictionary(dict(xobjects.items())) if xobjects is not None else Dictionary()
        resources.XObject[_FOLIO] = form
        page.obj.Resources = resources
        page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
        page.contents_add(
            pikepdf.Stream(
                out,
                b"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\nq "
                + bytes(_FOLIO)
                + b" Do Q\nEMC\n",
            ),
            prepend=False,
        )


__all__ = ["MergeError", "merge_parts"]
