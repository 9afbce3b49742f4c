"""A Word paragraph's visible content, read as plain text and as MyST inline markup.

python-docx's ``Paragraph.text`` reads only runs and hyperlinks, and the XML holds more than what
Word shows: a tracked deletion or a moved-away passage, the VML copy of every text box (Word writes
each twice, once for old readers), field instructions.  Read naively the import doubled text boxes
and moved text, lost content controls and footnotes, and dropped the address of every link.
This module walks the paragraph as Word renders it (accepted changes, one copy of each text box)
and keeps what carries meaning in MyST: bold, external links, footnotes and images.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from manualkit.cjk_text import WIDE_CHARACTERS

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_V_NS = "urn:schemas-microsoft-com:vml"


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML element."""
    return f"{{{W_NS}}}{tag}"


#: What each text-bearing run child reads as.  Word's non-breaking hyphen (Ctrl+Shift+-, and
#: manualkit's own DOCX in "35273-2020") is a hyphen: read as nothing, "GB/T 35273-2020" came
#: in as "GB/T 352732020".  An optional hyphen shows only where Word breaks a line there.
_FIXED_TEXT = {
    w("tab"): "\t",
    w("br"): "\n",
    w("cr"): "\n",
    w("noBreakHyphen"): "-",
    w("softHyphen"): "",
}
#: Elements whose content Word does not show as text: tracked deletions and the source of a
#: move (its text is at the destination), field instructions, the properties of a run or a
#: paragraph, and mc:Fallback — the VML copy of a text box Word writes next to the DrawingML one.
_HIDDEN = {
    w("del"),
    w("moveFrom"),
    w("instrText"),
    w("delText"),
    w("delInstrText"),
    w("rPr"),
    w("pPr"),
    w("sdtPr"),
    w("sdtEndPr"),
    f"{{{_MC_NS}}}Fallback",
}
_FALSE = {"0", "false", "off", "none"}

# Private-use characters stand for markup while the text is escaped (escaping must not touch it).
BOLD_OPEN, BOLD_CLOSE, LINK_OPEN, LINK_CLOSE, NOTE = "\ue000", "\ue001", "\ue002", "\ue003", "\ue005"
#: A link to a bookmark in the document, ``REF_MARK name REF_TEXT escaped text REF_MARK``: which
#: section the bookmark is on is known only once every heading has its label, so the chapter
#: writer resolves it (:func:`resolve_references`).
REF_MARK, REF_TEXT = "\ue006", "\ue007"
_REF_MARKED = re.compile(f"{REF_MARK}([^{REF_TEXT}]*){REF_TEXT}([^{REF_MARK}]*){REF_MARK}")
#: Internal link targets travel as links whose address is "#" + the bookmark's name.
_INTERNAL = "#"

#: A line break inside a paragraph and the blanks around it.
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_NARROW = re.compile(rf"[^\s{WIDE_CHARACTERS}]")
_MYST_INLINE = re.compile(r"([\\`*_\[\]<>&])")
#: Text at the start of a line that MyST reads as block syntax: a heading, a quote, a list item
#: (also an empty one, "1." or "-" alone), a fence (``` ~~~ :::), a thematic break (--- ***),
#: a block break (+++), a target "(label)=" and a comment (%).
_LINE_START = re.compile(r"^(#|>|[-+*](\s|$)|:::|```|~~~|[-+=]{3}|\(|%|\+)")
#: An ordered list item: a backslash goes before its "." or ")" (one before the digits would print).
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(\s|$)")


def guard_line_start(text: str) -> str:
    """``text`` escaped where its start would be read as block syntax (a list item, a heading…)."""
    if _LINE_START.match(text):
        return "\\" + text
    return _ORDERED_START.sub(r"\1\\\2\3", text, count=1)


def join_line_breaks(text: str) -> str:
    """``text`` with its manual line breaks (Shift+Enter) joined as the words they separate.

    Chinese text runs on without a space across a break ("经理，" / "2026年" / "11月6日）" is
    "经理，2026年11月6日）", where the import used to write "经理， 2026年 11月6日）"); only
    between two Latin words or numbers does a break stand for a space.
    """

    def join(match: re.Match[str]) -> str:
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        return " " if _NARROW.match(before) and _NARROW.match(after) else ""

    return _LINE_BREAK.sub(join, text)


def escape_inline(text: str) -> str:
    """Text safe to paste into MyST: markup characters escaped, no accidental block syntax.

    ``&`` is escaped too: "&amp;" or "&lt;" typed in Word would otherwise be read as an HTML
    entity and print as "&" or "<".
    """
    return guard_line_start(_MYST_INLINE.sub(r"\\\1", " ".join(text.split())))


@dataclasses.dataclass(frozen=True)
class Image:
    """An image embedded in a paragraph: its bytes, a file extension and its alternative text."""

    key: str
    data: bytes
    extension: str
    alt: str
    #: A picture the .docx does not hold, ``data`` empty: why, for the import report ("linked to
    #: …"; Insert › Picture › Link to File keeps only the link).  It is named there, not dropped
    #: without a word.
    missing: str = ""


@dataclasses.dataclass(frozen=True)
class Inline:
    """A paragraph's content: plain text (for headings and durations) and MyST inline markup.

    ``myst`` holds one :data:`NOTE` character where each footnote mark stands; the chapter
    writer numbers them and adds ``notes`` (plain text, in order) as footnote definitions.
    """

    text: str
    myst: str
    bold: bool = False
    notes: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    #: Inside the result of a TOC (or INDEX) field: generated text, not the manual's.
    generated: bool = False


@dataclasses.dataclass
class _Segment:
    text: str
    bold: bool = False
    href: str | None = None
    note: str | None = None


class InlineReader:
    """Reads paragraphs of one document part; knows its footnotes, images and bold styles."""

    def __init__(self, part: Any) -> None:
        self._part = part
        self.footnotes = _notes(part, "footnotes")
        self.endnotes = _notes(part, "endnotes")
        self._bold_styles = _bold_character_styles(part)
        #: Open complex fields: [instruction, in result part?]; fields span runs and paragraphs.
        self._fields: list[list[Any]] = []

    # -- walking the XML ------------------------------------------------------------------------

    def read(self, paragraph: Any, *, style_bold: bool = False) -> Inline:
        """The content of the ``w:p`` element ``paragraph``."""
        segments: list[_Segment] = []
        images: list[Image] = []
        generated = [self._in_generated_field()]
        self._walk(paragraph, style_bold, None, segments, images, generated)
        return _render(segments, images, any(generated))

    def _in_generated_field(self) -> bool:
        return any(f[1] and re.match(r"\s*(TOC|INDEX)\b", f[0], re.I) for f in self._fields)

    def _walk(
        self,
        element: Any,
        bold: bool,
        href: str | None,
        out: list[_Segment],
        images: list[Image],
        generated: list[bool],
    ) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _HIDDEN:
                continue
            if tag == w("r"):
                self._run(child, bold, href, out, images, generated)
            elif tag == w("hyperlink"):
                self._walk(child, bold, self._link_target(child) or href, out, images, generated)
            elif tag == f"{{{_MC_NS}}}AlternateContent":
                choice = child.find(f"{{{_MC_NS}}}Choice")
                if choice is not None:
                    self._walk(choice, bold, href, out, images, generated)
            else:  # w:ins, w:moveTo, w:sdt, w:sdtContent, w:fldSimple, w:smartTag, w:customXml …
                self._walk(child, bold, href, out, images, generated)

    def _run(
        self,
        run: Any,
        paragraph_bold: bool,
        href: str | None,
        out: list[_Segment],
        images: list[Image],
        generated: list[bool],
    ) -> None:
        bold = self._run_bold(run, paragraph_bold)
        for item in run:
            tag = item.tag
            if tag == w("fldChar"):
                kind = item.get(w("fldCharType"))
                if kind == "begin":
                    self._fields.append(["", False])
                elif kind == "separate" and self._fields:
                    self._fields[-1][1] = True
                elif kind == "end" and self._fields:
                    self._fields.pop()
                generated.append(self._in_generated_field())
                continue
            if tag == w("instrText") and self._fields:
                self._fields[-1][0] += item.text or ""
                continue
            if self._fields and not self._fields[-1][1]:
                continue  # between a field's begin and separate: its instruction, not text
            link = href or self._field_link()
            if tag == w("t"):
                out.append(_Segment(item.text or "", bold, link))
            elif tag in _FIXED_TEXT:
                out.append(_Segment(_FIXED_TEXT[tag], bold, link))
            elif tag in (w("footnoteReference"), w("endnoteReference")):
                notes = self.footnotes if tag == w("footnoteReference") else self.endnotes
                out.append(_Segment("", note=notes.get(item.get(w("id")) or "", "")))
            elif tag in (w("drawing"), w("pict"), w("object"), f"{{{_MC_NS}}}AlternateContent"):
                self._graphic(item, item, bold, out, images, generated)
            elif tag in (w("sym"),):
                continue  # a symbol-font glyph (Wingdings ✓): its code means nothing without the font

    def _graphic(
        self,
        drawing: Any,
        element: Any,
        bold: bool,
        out: list[_Segment],
        images: list[Image],
        generated: list[bool],
    ) -> None:
        """Images and text boxes of a drawing; the mc:Fallback copy of the same drawing is skipped."""
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag == f"{{{_MC_NS}}}Fallback":
                continue
            if tag == f"{{{_MC_NS}}}AlternateContent":
                choice = child.find(f"{{{_MC_NS}}}Choice")
                if choice is not None:
                    self._graphic(drawing, choice, bold, out, images, generated)
            elif tag == w("txbxContent"):
                for paragraph in child.iter(w("p")):
                    out.append(_Segment(" "))
                    self._walk(paragraph, bold, None, out, images, generated)
                    out.append(_Segment(" "))
            elif tag in (f"{{{_A_NS}}}blip", f"{{{_V_NS}}}imagedata"):
                image = self._image(child, drawing)
                if image is not None and all(i.key != image.key for i in images):
                    images.append(image)
            else:
                self._graphic(drawing, child, bold, out, images, generated)

    # -- what the XML points at -----------------------------------------------------------------

    def _run_bold(self, run: Any, paragraph_bold: bool) -> bool:
        rpr = run.find(w("rPr"))
        if rpr is not None:
            b = rpr.find(w("b"))
            if b is not None:
                return (b.get(w("val")) or "true").lower() not in _FALSE
            style = rpr.find(w("rStyle"))
            if style is not None and style.get(w("val")) in self._bold_styles:
                return True
        return paragraph_bold

    def _link_target(self, hyperlink: Any) -> str | None:
        """A web address, or "#" + the bookmark a link inside the document jumps to."""
        rid = hyperlink.get(f"{{{_R_NS}}}id")
        if rid:
            rel = self._part.rels.get(rid)
            if rel is not None and rel.is_external:
                return safe_url(rel.target_ref)
        anchor = hyperlink.get(w("anchor"))
        return _INTERNAL + anchor if anchor and _BOOKMARK_NAME.fullmatch(anchor) else None

    def _field_link(self) -> str | None:
        """The address of a HYPERLINK field, or the bookmark of a REF field (a cross-reference,
        "见4.2 投诉处理" typed with Insert › Cross-reference), whose result is being read."""
        for instruction, in_result in reversed(self._fields):
            if not in_result:
                continue
            internal = re.match(r'\s*(?:REF\s+|HYPERLINK\s+\\l\s+"?)([A-Za-z_][A-Za-z0-9_]*)', instruction)
            if internal:
                return _INTERNAL + internal.group(1)
            match = re.match(r'\s*HYPERLINK\s+"([^"]+)"', instruction)
            if match:
                return safe_url(match.group(1))
        return None

    def _image(self, blip: Any, drawing: Any) -> Image | None:
        rid = blip.get(f"{{{_R_NS}}}embed") or blip.get(f"{{{_R_NS}}}id") or blip.get(f"{{{_R_NS}}}link")
        if not rid:
            return None
        alt = ""
        for props in drawing.iter(f"{{{_WP_NS}}}docPr"):
            alt = " ".join((props.get("descr") or props.get("title") or "").split())
            break
        try:
            target = self._part.related_parts[rid]
            data = target.blob
        except (KeyError, AttributeError):  # a linked (not embedded) image, or a broken relationship
            return Image(f"missing:{rid}", b"", "", alt, self._missing(rid))
        # The part's own extension (a folder name may hold a dot), only if it is one: the image is
        # written as images/image-N.<extension>, never into a folder the package names.
        extension = str(target.partname.ext).lower()
        if not _IMAGE_EXTENSION.fullmatch(extension):
            extension = "bin"
        return Image(str(target.partname), data, extension, alt)

    def _missing(self, rid: str) -> str:
        """Why the picture of relationship ``rid`` is not in the file: the file it links to."""
        try:
            rel = self._part.rels[rid]
        except (KeyError, AttributeError):
            return "its picture is missing from the .docx"
        if rel.is_external:
            return f"linked to {rel.target_ref}, a file the .docx does not hold"
        return "its picture is missing from the .docx"


#: An image part's extension as written into the chapter (png, jpeg, emf …).
_IMAGE_EXTENSION = re.compile(r"[a-z0-9]{1,5}")


#: A Word bookmark name: a letter or "_" then letters, digits and "_" (at most 40).
_BOOKMARK_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


@dataclasses.dataclass(frozen=True)
class RefTarget:
    """A heading a bookmark is on: its section label, number ("4.2") and title."""

    label: str
    number: str
    title: str


#: Chinese numerals, as typed or numbered in headings (第一章, 一、, （一）).
_CN_NUMERAL = "一二三四五六七八九十百零〇两"
#: A heading's number as a cross-reference shows it: "4.2" (Word's "paragraph number", REF
#: ``\r``), "第一章", "一、", "（一）".
_SECTION_NUMBER = re.compile(
    rf"(?:\d+(?:[.．]\d+)*|第[{_CN_NUMERAL}\d]+[章节篇部]|[{_CN_NUMERAL}]+|[（(][{_CN_NUMERAL}\d]+[）)])[、.．]?"
)
#: The words typed around a number-only reference: 第4.2节, 4.2节, 第3章.
_NUMBER_WORD_BEFORE, _NUMBER_WORD_AFTER = "第", ("节", "章")


def resolve_references(myst: str, targets: dict[str, RefTarget]) -> str:
    """``myst`` with its links to bookmarks made ``{ref}`` roles to the sections they are on.

    A cross-reference that reads as the section's title, or its number and title ("见4.2 投诉
    处理": Word users insert the number and the title as two cross-references, or type the
    title after the number), becomes ``{ref}`label```: the outputs print number and title
    themselves and keep them right when sections move.  So does one that shows the number
    alone ("见4.2", "第4.2节": Word's "paragraph number" reference): kept as the role's text,
    "4.2" went stale when the chapter took another number, as the import's chapters do when
    they are moved into a manual.  No role prints a section's number alone (``{numref}`` needs
    ``numfig``, which the manual leaves off), so it prints number and title, and the 第…节
    typed around the number is left out ("第4.2 投诉处理节" would read wrong).  Other wording
    is kept as the role's text.  A link to a bookmark that is on no heading (a table, a
    paragraph) stays plain text.
    """
    out: list[str] = []
    position = 0
    while (match := _REF_MARKED.search(myst, position)) is not None:
        out.append(myst[position : match.start()])
        position = match.end()
        escaped, target = match.group(2), targets.get(match.group(1))
        if target is None:
            out.append(escaped)
            continue
        plain = _unescaped(escaped)
        if target.number and _SECTION_NUMBER.fullmatch(plain):
            # The number Word showed, which need not be the one the import gives the section.
            rest = _title_after(myst, position, match.group(1), target)
            if rest is None:
                rest = _number_word_after(myst, position)
                if rest > position and out[-1].endswith(_NUMBER_WORD_BEFORE):
                    out[-1] = out[-1][: -len(_NUMBER_WORD_BEFORE)]
            out.append(f"{{ref}}`{target.label}`")
            position = rest
            continue
        typed = (target.title, f"{target.number} {target.title}", f"{target.number}{target.title}")
        if plain in typed or _numbered_title(plain, target.title):
            out.append(f"{{ref}}`{target.label}`")
        elif not plain or "`" in plain or "<" in plain:
            out.append(escaped)
        else:
            out.append(f"{{ref}}`{plain} <{target.label}>`")
    out.append(myst[position:])
    return "".join(out)


def _unescaped(escaped: str) -> str:
    return re.sub(r"\\(.)", r"\1", escaped).strip()


def _numbered_title(plain: str, title: str) -> bool:
    """Whether ``plain`` is a section number then ``title``: "4.2 投诉处理", "第一章 总则"."""
    number = _SECTION_NUMBER.match(plain)
    return number is not None and plain[number.end() :].strip(" \u3000") == title


def _number_word_after(myst: str, position: int) -> int:
    """Where the 节 or 章 typed after a number-only reference ("第4.2节") ends, else ``position``."""
    for word in _NUMBER_WORD_AFTER:
        if myst.startswith(word, position):
            return position + len(word)
    return position


def _title_after(myst: str, position: int, name: str, target: RefTarget) -> int | None:
    """Where the section's title ends if it follows at ``position`` (after blanks), typed or as a
    second cross-reference to the same bookmark; ``None`` if something else follows."""
    start = position
    while start < len(myst) and myst[start] in " \u3000":
        start += 1
    reference = _REF_MARKED.match(myst, start)
    if reference is not None:
        same = reference.group(1) == name and _unescaped(reference.group(2)) == target.title
        return reference.end() if same else None
    typed = _MYST_INLINE.sub(r"\\\1", target.title)
    return start + len(typed) if myst.startswith(typed, start) else None


def safe_url(url: str) -> str | None:
    """``url`` if it is a web or mail address (never ``javascript:`` or a local file), made safe
    for a MyST link destination; else ``None`` (the link text is kept without the link)."""
    url = url.strip()
    if not re.match(r"(?i)(https?://|mailto:)\S", url):
        return None
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"), ("\\", "%5C")):
        url = url.replace(char, code)
    return url


def _notes(part: Any, kind: str) -> dict[str, str]:
    """Footnote or endnote id → its plain text (Word's separator notes left out)."""
    for rel in part.rels.values():
        if rel.is_external or not rel.reltype.endswith("/" + kind):
            continue
        from lxml import etree

        try:
            root = etree.fromstring(rel.target_part.blob)
        except (etree.XMLSyntaxError, ValueError, AttributeError):
            return {}
        notes: dict[str, str] = {}
        for note in root:
            if note.get(w("type")) not in (None, "normal"):
                continue
            reader = InlineReader.__new__(InlineReader)
            reader._part, reader.footnotes, reader.endnotes = part, {}, {}
            reader._bold_styles, reader._fields = set(), []
            texts = [reader.read(p).text.strip() for p in note.iter(w("p"))]
            notes[note.get(w("id")) or ""] = " ".join(t for t in texts if t)
        return notes
    return {}


def _bold_character_styles(part: Any) -> set[str]:
    """Ids of the character styles that make text bold ("Strong", a house "重点" style)."""
    try:
        styles = part.styles.element
    except (AttributeError, KeyError, NotImplementedError):
        return set()
    found: set[str] = set()
    for style in styles.findall(w("style")):
        if style.get(w("type")) != "character":
            continue
        b = style.find(f"{w('rPr')}/{w('b')}")
        if b is not None and (b.get(w("val")) or "true").lower() not in _FALSE:
            found.add(style.get(w("styleId")) or "")
    return found


def _punctuation(char: str) -> bool:
    """Whether CommonMark counts ``char`` as punctuation or space around ``**`` (flanking rules)."""
    return char.isspace() or unicodedata.category(char)[0] in "PS"


def _emphasis(text: str, before: str, after: str) -> str:
    """``text`` in bold markers, with blanks, and punctuation where it must, left outside.

    "**注意：**客户" does not print bold in MyST: a closing ``**`` after punctuation closes only
    before a blank or punctuation (CommonMark's flanking rule, which Chinese text meets at every
    "：" and "）"), so "**注意**：客户" is written.  Before a "：", "**（一般投诉）**：" keeps its
    bracket.  ``before``/``after`` are the characters around ``text`` ("" at an end).
    """
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or (_punctuation(text[start]) and not _open_after(before))):
        start += 1
    while end > start and (
        text[end - 1].isspace() or (_punctuation(text[end - 1]) and not _open_after(after))
    ):
        end -= 1
    if start == end:
        return text
    return f"{text[:start]}{BOLD_OPEN}{text[start:end]}{BOLD_CLOSE}{text[end:]}"


def _open_after(char: str) -> bool:
    """Whether a ``**`` next to ``char`` may have punctuation on its other side (``char`` is an
    end of the text, a blank or punctuation)."""
    return not char or _punctuation(char)


def _render(segments: Sequence[_Segment], images: Sequence[Image], generated: bool) -> Inline:
    # Consecutive segments alike (bold, link) make one group; a footnote mark is a group alone.
    groups: list[tuple[str, bool, str | None, str | None]] = []
    for segment in segments:
        if segment.note is None and not segment.text:
            continue
        if segment.note is not None:
            if segment.note:
                groups.append(("", False, None, segment.note))
        elif groups and groups[-1][3] is None and groups[-1][1:3] == (segment.bold, segment.href):
            groups[-1] = (groups[-1][0] + segment.text, *groups[-1][1:])
        else:
            groups.append((segment.text, segment.bold, segment.href, None))
    marked: list[str] = []
    links: list[str] = []
    notes: list[str] = []
    for i, (text, bold, href, note) in enumerate(groups):
        if note is not None:
            notes.append(note)
            marked.append(NOTE)
        elif href and text.strip():
            links.append(href)
            marked.append(f"{LINK_OPEN}{text}{LINK_CLOSE}{len(links) - 1}{LINK_CLOSE}")
        elif bold:
            before = _edge(groups[i - 1], -1) if i else ""
            after = _edge(groups[i + 1], 0) if i + 1 < len(groups) else ""
            marked.append(_emphasis(text, before, after))
        else:
            marked.append(text)
    text = join_line_breaks("".join(g[0] for g in groups)).strip()
    visible = [s for s in segments if s.text.strip()]
    bold = bool(visible) and all(s.bold for s in visible)
    myst = _to_myst(join_line_breaks("".join(marked)), links)
    return Inline(text, myst, bold, tuple(notes), tuple(images), generated)


def _edge(group: tuple[str, bool, str | None, str | None], index: int) -> str:
    """The first (0) or last (-1) character a group prints: "[" or "]" for a link or a note."""
    text, _, href, note = group
    if note is not None or (href and text.strip()):
        return "[" if index == 0 else ")" if href else "]"
    return text[index] if text else ""


def _link(match: re.Match[str], links: Sequence[str]) -> str:
    text, address = match.group(1).strip(), links[int(match.group(2))]
    if address.startswith(_INTERNAL):
        return f"{REF_MARK}{address[len(_INTERNAL) :]}{REF_TEXT}{text}{REF_MARK}"
    return f"[{text}]({address})"


def _to_myst(marked: str, links: Sequence[str]) -> str:
    """Escape the text of ``marked`` and turn its private-use markers into MyST markup."""
    escaped = _MYST_INLINE.sub(r"\\\1", " ".join(marked.split()))
    # Bold that wraps nothing but blanks after whitespace was collapsed: drop the markers.
    escaped = re.sub(f"{BOLD_OPEN}(\\s*){BOLD_CLOSE}", r"\1", escaped)
    escaped = re.sub(f"{BOLD_CLOSE}(\\s*){BOLD_OPEN}", r"\1", escaped)  # adjacent bold runs: one
    escaped = escaped.replace(BOLD_OPEN, "**").replace(BOLD_CLOSE, "**")
    escaped = re.sub(f"{LINK_OPEN}(.*?){LINK_CLOSE}(\\d+){LINK_CLOSE}", lambda m: _link(m, links), escaped)
    return guard_line_start(escaped)
