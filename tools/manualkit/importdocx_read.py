"""Reading a Word manual's body as blocks: headings, paragraphs, list items, tables, figures.

Word manuals mark their structure in several ways and the import must read each of them: a
Heading style or an outline level; a numbered heading style ("第一章" from the numbering, not the
text); or just bold paragraphs typed with their numbers ("第一章 总则", "一、", "（一）", "1.1").
Generated text (the table of contents, whether styled "toc 1" or a TOC field's result) is left out.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from manualkit.importdocx_inline import NOTE, W_NS, Image, Inline, InlineReader, escape_inline, w

BlockKind = Literal["heading", "paragraph", "bullet", "number", "table"]

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
#: Paragraph styles whose text Word or manualkit generates: the table of contents (Word's
#: "toc N", LibreOffice's "Contents N"; the toctree makes it), a chapter's document-control line
#: and the revision notes (made from the front matter and data/revisions.yaml).  Imported as
#: prose they would be frozen, wrong after an edit.
_GENERATED_STYLE = re.compile(
    r"^(?:toc \d|toc heading|contents \d+|contents heading|chapter info|revision note)$", re.IGNORECASE
)
_CN_NUMERAL = "一二三四五六七八九十百零〇两"
#: Numbers typed at the start of a heading, by kind, outermost first: the order in which Chinese
#: documents nest them (第一章 › 第一节 › 一、 › （一） › 1. › （1）) and decimal outlines (1 › 1.1 › 1.1.1).
_TYPED_NUMBERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^第[{_CN_NUMERAL}\d]+[章篇部]")),
    ("section", re.compile(rf"^第[{_CN_NUMERAL}\d]+节")),
    ("cn", re.compile(rf"^[{_CN_NUMERAL}]+[、.．]")),
    ("cn-paren", re.compile(rf"^[（(][{_CN_NUMERAL}]+[）)]")),
    ("decimal-3", re.compile(r"^\d+[.．]\d+[.．]\d+(?![.．]?\d)")),
    ("decimal-2", re.compile(r"^\d+[.．]\d+(?![.．]?\d)")),
    ("decimal-1", re.compile(r"^\d+(?:[、]|[.．](?!\d)|\s)")),
    ("paren", re.compile(r"^[（(]\d+[）)]")),
)
_KIND_RANK = {kind: rank for rank, (kind, _) in enumerate(_TYPED_NUMBERS)}
#: Where a typed heading may end: no sentence ends in a heading (第一条 …。 is an article, prose).
_SENTENCE_END = re.compile(r"[。；;，,：:？?！!]$")
#: A typed heading is short: longer bold text is an emphasised paragraph.
_TYPED_HEADING_MAX = 40


class DocxImportError(Exception):
    """The DOCX cannot be imported (not a DOCX, or output would overwrite files): exit status 2."""


@dataclasses.dataclass(frozen=True)
class CellParagraph:
    """One paragraph of a table cell: ``kind`` (paragraph, bullet, number), plain text, MyST.

    ``images``: the pictures shown after its text, in the same paragraph or list item (a row of
    a nested table is one list item: its pictures stay in it).  The chapter writer names their
    files, in the order the chapter shows them, as it does for figures.
    """

    kind: str
    text: str
    myst: str
    images: tuple[Image, ...] = ()


Cell = tuple[CellParagraph, ...]


@dataclasses.dataclass(frozen=True)
class MergedCell:
    """A Word table cell merged over several rows and/or columns (0-based, as in ``Block.rows``).

    A ``list-table`` cannot merge cells.  Text merged down a column is repeated in every row it
    spans: each row of the list-table is read on its own (服务类 names the category of every row
    beside it; a deadline merged over two rows applies to both).  Text merged across columns stays
    in the first column and the columns it spans are left empty: such a cell is a row's heading,
    a total's label or a note over the whole row, which would read as a repeated sentence in
    every column.
    """

    row: int
    column: int
    rows: int = 1
    columns: int = 1
    text: str = ""

    @property
    def copies(self) -> tuple[tuple[int, int], ...]:
        """(row, column) of every cell that repeats this one's text (the rows it spans below)."""
        return tuple((self.row + i, self.column) for i in range(1, self.rows))


def repeated_cells(merged: Sequence[MergedCell]) -> frozenset[tuple[int, int]]:
    """(row, column) of every cell whose text repeats a vertically merged cell's above it."""
    return frozenset(copy for cell in merged for copy in cell.copies)


@dataclasses.dataclass(frozen=True)
class Block:
    """One unit of the Word body in reading order."""

    kind: BlockKind
    text: str = ""
    level: int = 0
    rows: tuple[tuple[Cell, ...], ...] = ()
    #: MyST inline markup of ``text`` (bold, links, footnote marks); empty: ``text`` escaped.
    myst: str = ""
    header_rows: int = 0
    #: The item's number in Word's numbering (an ordered list that goes on after a paragraph).
    number: int = 1
    notes: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    #: A heading's label from a bookmark Word or manualkit put on it (``service_basics``).
    label: str = ""
    #: A heading that carries a number (Word's numbering, or typed "第一章") — chapters do,
    #: 前言 and 使用说明 before them do not.  A table: its heading rows are marked in Word.
    numbered: bool = False
    bold: bool = False
    #: Every bookmark on a heading (also Word's hidden ``_Ref…``/``_Toc…`` ones): what the
    #: document's cross-references to this section point at.
    bookmarks: tuple[str, ...] = ()
    #: A table's merged cells, each once (its text is repeated in ``rows`` down a column).
    merged: tuple[MergedCell, ...] = ()

    @property
    def markup(self) -> str:
        return self.myst or escape_inline(self.text)


# --------------------------------------------------------------------------- styles and numbering


def _outline_level(element: Any) -> int | None:
    """``w:outlineLvl`` (0-based) of a paragraph or style element, if set directly on it."""
    ppr = element.find(w("pPr"))
    if ppr is None:
        return None
    lvl = ppr.find(w("outlineLvl"))
    if lvl is None:
        return None
    try:
        value = int(lvl.get(w("val")))
    except (TypeError, ValueError):
        return None
    return value if value < 9 else None  # 9 = body text


def heading_level(paragraph: Any) -> int | None:
    """1-based heading level from the style name (Heading N / 标题 N) or an outline level; 0: Title."""
    level = _outline_level(paragraph._p)
    if level is not None:
        return level + 1
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:
        match = _HEADING_STYLE.match(style.name or "")
        if match:
            return int(match.group(1))
        if style.name == "Title":
            return 0  # the document's title: it heads index.md, it is not a chapter
        level = _outline_level(style.element)
        if level is not None:
            return level + 1
        style = style.base_style
        seen += 1
    return None


def _generated(paragraph: Any) -> bool:
    """Whether the paragraph is generated text (contents entries, manualkit's notes)."""
    style = paragraph.style
    return style is not None and bool(_GENERATED_STYLE.match(style.name or ""))


def _style_bold(paragraph: Any) -> bool:
    """Whether the paragraph's style (or a style it is based on) sets bold."""
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:
        b = style.element.find(f"{w('rPr')}/{w('b')}")
        if b is not None:
            return _on(b)
        style = style.base_style
        seen += 1
    return False


def _num_pr(paragraph: Any) -> tuple[int | None, int] | None:
    """(numId, ilvl) of the paragraph's numbering, its own or its style's; None: not numbered."""
    ppr = paragraph._p.pPr
    numpr = ppr.numPr if ppr is not None else None
    style = paragraph.style
    seen = 0
    while numpr is None and style is not None and seen < 10:
        sppr = style.element.pPr
        numpr = sppr.numPr if sppr is not None else None
        style = style.base_style
        seen += 1
    if numpr is None:
        return None
    ilvl = numpr.ilvl.val if numpr.ilvl is not None else 0
    num_id = numpr.numId.val if numpr.numId is not None else None
    return num_id, int(ilvl)


class _Numbering:
    """Word's list numbering: each item's format and number, counted as Word counts them.

    Counters belong to the abstract list, so a list that goes on after a paragraph (1, 2, note,
    3) continues; a level restarts when a level above it advances.
    """

    def __init__(self, document: Any) -> None:
        self._abstract_of: dict[int, int] = {}
        self._overrides: dict[int, dict[int, int]] = {}
        self._levels: dict[int, dict[int, tuple[str, int]]] = {}
        self._counters: dict[int, list[int | None]] = {}
        self._started: set[int] = set()
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, AttributeError, NotImplementedError):
            return
        for abstract in numbering.findall(w("abstractNum")):
            levels: dict[int, tuple[str, int]] = {}
            for lvl in abstract.findall(w("lvl")):
                fmt = lvl.find(w("numFmt"))
                start = lvl.find(w("start"))
                levels[_int(lvl.get(w("ilvl")))] = (
                    fmt.get(w("val")) or "decimal" if fmt is not None else "decimal",
                    _int(start.get(w("val")), 1) if start is not None else 1,
                )
            self._levels[_int(abstract.get(w("abstractNumId")))] = levels
        for num in numbering.findall(w("num")):
            num_id = _int(num.get(w("numId")))
            ref = num.find(w("abstractNumId"))
            self._abstract_of[num_id] = _int(ref.get(w("val")) if ref is not None else None)
            overrides: dict[int, int] = {}
            for override in num.findall(w("lvlOverride")):
                start = override.find(w("startOverride"))
                if start is not None:
                    overrides[_int(override.get(w("ilvl")))] = _int(start.get(w("val")), 1)
            self._overrides[num_id] = overrides

    def item(self, num_id: int, ilvl: int) -> tuple[str, int]:
        """(``bullet``/``number``, number) of the next item of list ``num_id`` at level ``ilvl``."""
        abstract = self._abstract_of.get(num_id)
        fmt, start = (
            self._levels.get(abstract, {}).get(ilvl, ("decimal", 1))
            if abstract is not None
            else ("decimal", 1)
        )
        key = abstract if abstract is not None else -num_id
        counters = self._counters.setdefault(key, [None] * 10)
        overrides = self._overrides.get(num_id, {})
        if num_id not in self._started:
            self._started.add(num_id)
            for level in overrides:
                if 0 <= level < 10:
                    counters[level] = None
        start = overrides.get(ilvl, start)
        ilvl = min(max(ilvl, 0), 9)
        current = counters[ilvl]
        counters[ilvl] = start if current is None else current + 1
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = None
        return ("bullet" if fmt == "bullet" else "number"), counters[ilvl] or 1


def _on(toggle: Any) -> bool:
    """Whether a Word on/off property (``<w:b/>``, ``<w:tblHeader w:val="0"/>``) is on."""
    return (toggle.get(w("val")) or "true").lower() not in ("0", "false", "off")


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _list_item(paragraph: Any, numbering: _Numbering) -> tuple[str, int, int] | None:
    """(``bullet``/``number``, nesting level, number) for a paragraph in a Word list, else None."""
    name = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    # "List Bullet 2" / "List Number 3": the level is in the name (its numbering says level 0).
    match = re.match(r"^list (bullet|number)(?: (\d))?$", name)
    named_level = int(match.group(2) or 1) - 1 if match else 0
    num = _num_pr(paragraph)
    if num is None:
        return (match.group(1), named_level, 1) if match else None
    num_id, ilvl = num
    if num_id is None or num_id == 0:
        return None  # numbering switched off on this paragraph
    kind, number = numbering.item(num_id, ilvl)
    if "bullet" in name and kind == "number" and number == 1 and num_id not in numbering._abstract_of:
        kind = "bullet"  # no numbering part: trust the style name
    return kind, max(ilvl, named_level), number


# --------------------------------------------------------------------------- package checks


#: The relationship type of a package's main document part (``_rels/.rels``).
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
#: The signature of an OLE compound file: a Word 97-2003 .doc, or a .docx saved with a password.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Unpacked size limits: python-docx holds every part in memory, and a ZIP entry of zeros
#: unpacks a thousandfold ("zip bomb").  A 500-page manual's document.xml is some 10 MB.
MAX_PART_BYTES = 200 * 1024 * 1024
MAX_PACKAGE_BYTES = 1024 * 1024 * 1024


def package_problem(path: Path) -> None:
    """Raise :class:`DocxImportError` saying what is wrong with the package at ``path``, if anything.

    python-docx reports a file that is no ZIP as "Package not found", which reads like a missing
    file, and a package without its Word document or with damaged XML as an ``AttributeError`` or
    an lxml ``XMLSyntaxError`` traceback.  Opening the ZIP and parsing the parts python-docx reads
    first names the part and the damage instead.
    """
    import zipfile

    from lxml import etree

    def refuse(reason: str) -> DocxImportError:
        return DocxImportError(f"{path}: not a readable .docx file ({reason})")

    try:
        package = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        start = _first_bytes(path)
        if start.startswith(b"PK\x03\x04"):
            raise refuse(
                "the ZIP package is truncated or damaged; copy the file again from where it came from"
            ) from exc
        if start.startswith(_OLE_SIGNATURE):
            raise refuse(
                "it is password-protected, or a Word 97-2003 .doc renamed to .docx; remove the "
                "password (File › Info › Protect Document) or save it from Word as .docx"
            ) from exc
        raise refuse(
            "expected a ZIP package, as every .docx is, found another kind of file (a .doc or a text "
            "file renamed to .docx?); save it from Word as .docx"
        ) from exc
    except OSError as exc:
        raise DocxImportError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with package:
        _size_problem(package, refuse)
        names = set(package.namelist())
        main = "word/document.xml"
        for part in ("[Content_Types].xml", "_rels/.rels"):
            if part not in names:
                raise refuse(f"{part} is missing: the file is not a complete Word package")
        for part in ("[Content_Types].xml", "_rels/.rels", main):
            if part not in names:
                raise refuse(f"{part} is missing: the package holds no Word document")
            try:
                root = etree.fromstring(package.read(part))
            except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError) as exc:
                raise refuse(f"{part} is damaged: {_first_line(exc)}") from exc
            if part == "_rels/.rels":
                main = _main_part(root) or main


def _size_problem(package: Any, refuse: Any) -> None:
    """Refuse a package whose parts unpack beyond :data:`MAX_PART_BYTES` / :data:`MAX_PACKAGE_BYTES`.

    The sizes are the ZIP directory's; :mod:`zipfile` never unpacks more than an entry declares.
    """
    total = 0
    for info in package.infolist():
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            raise refuse(
                f"{info.filename} unpacks to {info.file_size // 2**20} MB, more than "
                f"{MAX_PART_BYTES // 2**20} MB a part"
            )
    if total > MAX_PACKAGE_BYTES:
        raise refuse(f"it unpacks to {total // 2**20} MB, more than {MAX_PACKAGE_BYTES // 2**20} MB")


def _first_bytes(path: Path) -> bytes:
    """The file's first bytes (its signature), empty if it cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError:
        return b""


def _main_part(rels: Any) -> str | None:
    """The package path of the main document part named by ``_rels/.rels`` (``None`` if unnamed)."""
    for rel in rels:
        if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("Target"):
            return str(rel.get("Target")).lstrip("/")
    return None


def _first_line(exc: BaseException) -> str:
    """The parser's reason on one line, without lxml's "(<string>, line 2)" (the part is named)."""
    text = str(exc).strip().split("\n", 1)[0]
    return re.sub(r"\s*\(<string>, line \d+\)$", "", text) or type(exc).__name__


# --------------------------------------------------------------------------- the body


def _children(element: Any) -> Iterator[Any]:
    """Children of ``element``, those inside content controls and custom XML included."""
    for child in element:
        if child.tag in (w("sdt"), w("customXml")):
            content = child.find(w("sdtContent")) if child.tag == w("sdt") else child
            if content is not None and not _is_toc_control(child):
                yield from _children(content)
        else:
            yield child


def _is_toc_control(sdt: Any) -> bool:
    """Whether a content control holds Word's table of contents (its gallery says so)."""
    gallery = sdt.find(f"{w('sdtPr')}/{w('docPartObj')}/{w('docPartGallery')}")
    return gallery is not None and "contents" in (gallery.get(w("val")) or "").lower()


def _bookmark_label(p: Any) -> str:
    """A label from a bookmark on the heading: ``service_basics`` → ``service-basics``.

    manualkit's DOCX marks each labelled heading with a bookmark of the label's name, so a
    round trip keeps the labels data/ and other chapters refer to.  Word's hidden bookmarks
    (``_Toc…``, ``_Ref…``) and docutils' ``idN`` are no names anyone chose.
    """
    for mark in p.iter(w("bookmarkStart")):
        name = mark.get(w("name")) or ""
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", name) and not re.fullmatch(r"id\d+", name):
            return name.replace("_", "-").lower()
    return ""


def typed_number_kind(text: str) -> str | None:
    """The kind of number typed at the start of ``text`` ("第一章", "（一）", "1.1"), if any."""
    for kind, pattern in _TYPED_NUMBERS:
        if pattern.match(text.strip()):
            return kind
    return None


class _Reader:
    def __init__(self, document: Any) -> None:
        from docx.text.paragraph import Paragraph

        self._document = document
        self._paragraph = Paragraph
        self.inline = InlineReader(document.part)
        self.numbering = _Numbering(document)

    def blocks(self, container: Any) -> Iterator[Block]:
        for element in _children(container):
            if element.tag == w("p"):
                block = self.paragraph(element)
                if block is not None:
                    yield block
            elif element.tag == w("tbl"):
                block = self.table(element)
                if block is not None:
                    yield block

    def paragraph(self, p: Any) -> Block | None:
        paragraph = self._paragraph(p, self._document._body)
        content = self.inline.read(p, style_bold=_style_bold(paragraph))
        if content.generated or _generated(paragraph):
            return None
        text = content.text
        if not text:  # a paragraph holding only a picture or a footnote mark
            if not (content.images or content.notes):
                return None
            return Block("paragraph", myst=content.myst, notes=content.notes, images=content.images)
        level = heading_level(paragraph)
        common = {"myst": content.myst, "notes": content.notes, "images": content.images}
        if level is not None:
            num = _num_pr(paragraph)
            numbered = (num is not None and num[0] not in (None, 0)) or typed_number_kind(text) is not None
            marks = tuple(m.get(w("name")) or "" for m in p.iter(w("bookmarkStart")))
            label = _bookmark_label(p)
            return Block("heading", text, level, label=label, numbered=numbered, bookmarks=marks, **common)  # type: ignore[arg-type]
        listing = _list_item(paragraph, self.numbering)
        if listing is not None:
            kind, ilvl, number = listing
            return Block(kind, text, ilvl, number=number, **common)  # type: ignore[arg-type]
        return Block("paragraph", text, bold=content.bold, **common)  # type: ignore[arg-type]

    def table(self, tbl: Any) -> Block | None:
        rows: list[tuple[Cell, ...]] = []
        header_rows = 0
        counting_header = True
        merged: list[MergedCell] = []
        #: Grid column → (index in ``merged``, cell) of a vertical merge that may go on below.
        open_merges: dict[int, tuple[int, Cell]] = {}
        for tr in _children(tbl):
            if tr.tag != w("tr"):
                continue
            trpr = tr.find(w("trPr"))
            if trpr is not None and trpr.find(w("del")) is not None:
                continue  # a row deleted with tracked changes on
            header = trpr is not None and any(
                (h.get(w("val")) or "true").lower() not in ("0", "false", "off")
                for h in trpr.findall(w("tblHeader"))
            )
            cells: list[Cell] = [()] * _grid(trpr, "gridBefore")
            going_on: dict[int, tuple[int, Cell]] = {}
            last: int | None = None  # the merge the cell to the left began, for w:hMerge
            for tc in _children(tr):
                if tc.tag != w("tc"):
                    continue
                tcpr = tc.find(w("tcPr"))
                span = _grid(tcpr, "gridSpan") or 1
                column = len(cells)
                vmerge = tcpr.find(w("vMerge")) if tcpr is not None else None
                hmerge = tcpr.find(w("hMerge")) if tcpr is not None else None
                if hmerge is not None and (hmerge.get(w("val")) or "continue") == "continue":
                    # Word 97's horizontal merge: the cell is part of the one to its left.
                    if last is not None:
                        merged[last] = dataclasses.replace(merged[last], columns=merged[last].columns + span)
                    cells.extend([()] * span)
                    continue
                if vmerge is not None and (vmerge.get(w("val")) or "continue") == "continue":
                    # The cell goes on from the one above: its text is repeated (see MergedCell).
                    origin = open_merges.get(column)
                    if origin is not None:
                        index, content = origin
                        merged[index] = dataclasses.replace(merged[index], rows=merged[index].rows + 1)
                        going_on[column] = origin
                        cells.append(content)
                    else:
                        cells.append(())
                    cells.extend([()] * (span - 1))
                    last = None
                    continue
                content = self.cell(tc)
                last = None
                if vmerge is not None or hmerge is not None or span > 1:
                    text = " ".join(p.text for p in content if p.text)
                    merged.append(MergedCell(len(rows), column, 1, span, text))
                    last = len(merged) - 1
                    if vmerge is not None:
                        going_on[column] = (last, content)
                cells.append(content)
                cells.extend([()] * (span - 1))
            cells.extend([()] * _grid(trpr, "gridAfter"))
            open_merges = going_on
            rows.append(tuple(cells))
            if counting_header and header:
                header_rows += 1
            else:
                counting_header = False
        if not any(any(c for c in r) for r in rows):
            return None
        width = max(len(r) for r in rows)
        padded = tuple(r + ((),) * (width - len(r)) for r in rows)
        return Block(
            "table",
            rows=padded,
            header_rows=min(header_rows, len(rows) - 1),
            numbered=header_rows > 0,
            merged=tuple(m for m in merged if m.rows > 1 or m.columns > 1),
        )

    def cell(self, tc: Any) -> Cell:
        """A cell's paragraphs, list items and pictures; a table nested in it becomes a list of
        its rows.  Cells were read for their text only: a picture in a table (a form's sample, a
        screenshot beside its step) vanished without a word, and the report counted one image
        fewer than the document shows."""
        out: list[CellParagraph] = []
        for block in self.blocks(tc):
            if block.kind == "table":
                repeated = repeated_cells(block.merged)
                for r, row in enumerate(block.rows):
                    # A merged cell's text is shown in each row, but reported (``text``) once.
                    texts = [
                        " ".join(p.text for p in c if p.text) if (r, i) not in repeated else ""
                        for i, c in enumerate(row)
                    ]
                    mysts = [" ".join(p.myst for p in c) for c in row]
                    shown = "，".join(m for m in mysts if m)
                    pictures = tuple(image for c in row for p in c for image in p.images)
                    if shown or pictures:  # a row of repeated text only: shown, with nothing to report
                        out.append(CellParagraph("bullet", "，".join(t for t in texts if t), shown, pictures))
            elif block.kind == "heading":
                out.append(CellParagraph("paragraph", block.text, block.markup, block.images))
            else:
                if block.text or block.images:
                    kind = block.kind if block.kind in ("bullet", "number") else "paragraph"
                    # A cell bold throughout is the table's look (a heading row or column), not emphasis.
                    myst = escape_inline(block.text) if block.bold else block.markup
                    myst = myst.replace(NOTE, "") if block.text else ""
                    out.append(CellParagraph(kind, block.text, myst, block.images))
                # A footnote in a cell: its text follows in the cell (a list-table holds no definitions).
                out.extend(
                    CellParagraph("paragraph", note, "注：" + escape_inline(note)) for note in block.notes
                )
        return tuple(out)


def _grid(properties: Any, name: str) -> int:
    """A ``w:gridSpan``/``w:gridBefore``/``w:gridAfter`` value (0 when absent or unreadable)."""
    if properties is None:
        return 0
    element = properties.find(w(name))
    return max(_int(element.get(w("val")) if element is not None else None), 0)


def read_blocks(path: Path) -> list[Block]:
    """The body of a DOCX as blocks in reading order (headings, paragraphs, list items, tables)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    package_problem(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocxImportError(f"{path}: not a readable .docx file ({exc})") from exc
    except Exception as exc:  # python-docx on a package it cannot make sense of: never a traceback
        raise DocxImportError(
            f"{path}: not a readable .docx file ({type(exc).__name__}: {exc}); open it in Word and "
            "save it again as .docx"
        ) from exc
    try:
        blocks = list(_Reader(document).blocks(document.element.body))
    except Exception as exc:  # XML python-docx accepted but the import cannot follow: no traceback
        raise DocxImportError(
            f"{path}: cannot read the document body ({type(exc).__name__}: {exc}); open it in Word "
            "and save it again as .docx"
        ) from exc
    blocks = _preface_headings(_typed_headings(_header_rows(blocks)))
    return _with_title(blocks, document)


def _with_title(blocks: list[Block], document: Any) -> list[Block]:
    """``blocks`` opened by the document's title: its Title paragraph, else the title in its
    properties (File › Info), which many manuals set instead of a Title paragraph — the
    imported ``index.md`` was headed with the file's name ("old-manual-final-2")."""
    if any(block.kind == "heading" and block.level == 0 for block in blocks):
        return blocks
    try:
        title = " ".join((document.core_properties.title or "").split())
    except Exception:  # a damaged docProps/core.xml: the file name will do
        return blocks
    return [Block("heading", title, 0), *blocks] if title else blocks


def _header_rows(blocks: Sequence[Block]) -> list[Block]:
    """Tables' heading rows: as marked ("Repeat as header row") if the document marks any.

    A document that marks its tables' heading rows (manualkit's DOCX, careful authors) marks them
    all, and its tables without a mark have none (a cover's 文件编号 | KF-SC-001 is no heading).
    Most Word tables are not marked at all: then the first row of a table is taken as its heading.
    """
    if any(b.kind == "table" and b.numbered for b in blocks):
        return list(blocks)
    return [
        dataclasses.replace(b, header_rows=1) if b.kind == "table" and len(b.rows) > 1 else b for b in blocks
    ]


def _typed_headings(blocks: Sequence[Block]) -> list[Block]:
    """Bold paragraphs that start with a typed number ("第一章 总则", "一、", "（一）") as headings.

    Many Chinese manuals are typed in the Normal style with numbered bold lines for headings.
    Each kind of number takes the level the document gives it: the level of the styled headings
    numbered that way, else the next levels below the styled ones, outermost kind first.
    """
    styled: dict[str, int] = {}
    styled_max = 0
    candidates: set[str] = set()
    for block in blocks:
        kind = typed_number_kind(block.text)
        if block.kind == "heading" and 1 <= block.level <= 3:
            styled_max = max(styled_max, block.level)
            if kind is not None:
                styled[kind] = min(styled.get(kind, 9), block.level)
        elif block.kind == "paragraph" and kind is not None and _typed_heading(block):
            candidates.add(kind)
    levels = dict(styled)
    next_level = styled_max + 1
    for kind in sorted(candidates - set(styled), key=_KIND_RANK.__getitem__):
        if styled and _KIND_RANK[kind] < min(_KIND_RANK[k] for k in styled):
            continue  # a kind above the styled headings' own: bold text, not a heading
        levels[kind] = next_level
        next_level += 1
    out: list[Block] = []
    for block in blocks:
        kind = typed_number_kind(block.text)
        if block.kind == "paragraph" and kind in levels and _typed_heading(block):
            block = dataclasses.replace(block, kind="heading", level=levels[kind], numbered=True)
        out.append(block)
    return out


def _typed_heading(block: Block) -> bool:
    """Whether a paragraph looks like a typed heading: all bold, short, not a sentence."""
    return block.bold and len(block.text) <= _TYPED_HEADING_MAX and not _SENTENCE_END.search(block.text)


def _preface_headings(blocks: Sequence[Block]) -> list[Block]:
    """Unnumbered Heading 1s before the first numbered one (前言, 使用说明) open the manual.

    In a manual whose chapters are numbered (by Word or typed), an unnumbered top heading before
    them is part of the front matter: it becomes a section of index.md, not chapter 1.
    """
    tops = [b for b in blocks if b.kind == "heading" and b.level == 1]
    if not any(b.numbered for b in tops):
        return list(blocks)
    out: list[Block] = []
    before_first = True
    for block in blocks:
        if block.kind == "heading" and block.level == 1:
            if block.numbered:
                before_first = False
            elif before_first:
                block = dataclasses.replace(block, level=2)
        out.append(block)
    return out


__all__ = [
    "W_NS",
    "Block",
    "Cell",
    "CellParagraph",
    "DocxImportError",
    "Inline",
    "MergedCell",
    "read_blocks",
    "repeated_cells",
]
