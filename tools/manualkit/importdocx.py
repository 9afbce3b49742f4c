"""``manualkit import-docx FILE.docx``: bring an existing Word manual into MyST chapters.

Most manuals start life in Word.  The import keeps what carries meaning — the heading structure
(Heading 1–3 styles, any paragraph with outline level 1–3, or bold lines typed with their numbers
such as "第一章 总则", "一、", "（一）"), paragraphs with their bold, links and footnotes, nested
bullet and numbered lists, tables (nested ones included; a ``list-table`` merges no cells, so a
cell merged down a column is repeated in each of its rows) and images — and drops
what the toolkit now owns (fonts, typed numbering, page layout).  Text is read as Word shows it:
tracked changes accepted, one copy of each text box, no headers or footers.  Each Heading 1
becomes a chapter file ``NN-<label>.md`` (the label from the heading's bookmark when it has one,
as manualkit's own DOCX does), each table a ``list-table``; the text before the first chapter
(cover, 前言) opens ``index.md``, and generated paragraphs (the table of contents, manualkit's own
chapter and revision notes) are left out.  Reading the Word XML lives in ``importdocx_read`` and
``importdocx_inline``.  Durations written into the prose (“7个工作日”) are what the toolkit wants
to own as SLAs, so the import lists every one it finds, with the file and line of the MyST output
and the ``manualkit new sla`` command that would create it (its kind — a retention period such as
保存期限为5年 — and bound, and the section it belongs to, so that it runs once the chapter is in
manual/).  The report also lists the tables that had merged cells, for the writer to check, and
says how to bring the chapters into an existing manual (whose chapters 01, 02, … are taken).

Durations are found with the checker's own extractor (``manualkit.checks.duration_text``), so the
import report and ``manualkit check`` agree on what counts as a duration.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manualkit.argtypes import iso_date
from manualkit.importdocx_inline import NOTE, Image, RefTarget, escape_inline, resolve_references
from manualkit.importdocx_read import (
    Block,
    BlockKind,
    Cell,
    DocxImportError,
    MergedCell,
    read_blocks,
    repeated_cells,
)

if TYPE_CHECKING:
    from manualkit.models import Bound, SlaKind

# python-docx, pydantic (models) and the checker are imported where used: ``manualkit.cli`` imports
# this module on every command to mount ``import-docx``, and ``manualkit check`` must start fast.

#: Manual numbering typed into heading text: 第1章, 第一节, 一、, （一）, 1.2, 1.2.3、 — Sphinx numbers
#: sections itself.  A bare number must be followed by a separator: "2026年工作要点" and
#: "24小时服务承诺" are titles that begin with a number, not numbered titles.
_HEADING_NUMBER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇两\d]+[章节部分篇]|[一二三四五六七八九十百零〇两]+[、.．]"
    r"|[（(][一二三四五六七八九十百零〇两\d]+[）)]|\d+(?:[.．]\d+)+|\d+(?=[\s、.．:：]))[\s、.．:：]*"
)
_ASCII_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9]*")
#: The folder, next to the chapters, that receives the document's pictures.
IMAGES = "images"
#: Words that make a duration a retention period: 保存期限为5年, 档案保存半年以上, 录音至少保存3年
#: (not 归档, filing: 归档时限 is a deadline).
_RETENTION_WORD = re.compile(r"保存|保管|留存|存档")
#: A table column of retention periods: 保存期限, 保管年限 (保存 alone may head a yes/no column).
_RETENTION_COLUMN = re.compile(r"(?:保存|保管|留存|存档)(?:期限|年限|期|时间|时长)")
#: Clause boundaries: a retention word or a bound counts within the mention's clause only.
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]")
#: Words before a duration (anywhere in its clause, for a retention period) that make it a minimum.
_AT_LEAST_BEFORE = ("不少于", "不低于", "不得少于", "不短于", "至少", "最少")
#: The bound words the checker's extractor reads right before a number (至少3年, 不超过5天).
_BOUND_WORDS = ("不少于", "不低于", "不得少于", "至少", "不超过", "不得超过", "最长", "最多")
#: Words after a duration that make it a minimum: 半年以上, 5年及以上, 3年（含）以上.
_AT_LEAST_AFTER = re.compile(r"(?:及|[（(]含[）)])?以上")


@dataclasses.dataclass(frozen=True)
class DurationFinding:
    """A duration written into the imported prose that should become an SLA."""

    path: Path
    line: int
    mention: str
    context: str
    suggestion: str


@dataclasses.dataclass(frozen=True)
class MergedTable:
    """A table of the import that had merged cells: the writer checks it still reads right."""

    path: Path
    #: The line of its ``:::{list-table}``.
    line: int
    #: Its number among the tables of its file (1 = the first).
    number: int
    #: The text of its first row, to recognise it by.
    first_row: str
    merged: tuple[MergedCell, ...]


@dataclasses.dataclass(frozen=True)
class MissingPicture:
    """A picture of the document the import could not write: the .docx holds only its link (or
    lost its data).  Listed in the report, as the writer must bring it in by hand."""

    path: Path
    #: The line of the paragraph or ``:::{list-table}`` it was in (or the text before it).
    line: int
    alt: str
    why: str


@dataclasses.dataclass(frozen=True)
class ImportResult:
    files: tuple[Path, ...]
    findings: tuple[DurationFinding, ...]
    report: str
    #: The report as the terminal shows it: the first ``SHOWN_FINDINGS`` durations and tables.
    summary: str
    #: The tables that had merged cells (listed in the report for review).
    merged_tables: tuple[MergedTable, ...] = ()
    #: The pictures not written, each named in the report: none leaves the manual unnoticed.
    missing_pictures: tuple[MissingPicture, ...] = ()


#: Durations listed on the terminal; the saved report lists them all (a whole manual has hundreds).
SHOWN_FINDINGS = 10


# --------------------------------------------------------------------------- writing MyST


def heading_title(text: str) -> str:
    """Heading text without typed numbering (第1章, 一、, 1.2): the numbered toctree numbers sections."""
    stripped = _HEADING_NUMBER.sub("", text, count=1).strip()
    return stripped or text.strip()


@dataclasses.dataclass(frozen=True)
class _Prose:
    """A block's plain text at line ``index`` of its file, for the duration report."""

    index: int
    text: str
    #: The label of the section it is in (what ``manualkit new sla --section`` takes).
    section: str = ""
    #: A table cell's column heading (保存期限, 办理时限): what its bare "5年" is.
    column: str = ""


@dataclasses.dataclass(frozen=True)
class _Table:
    """A table with merged cells at line ``index`` of its file (its ``:::{list-table}``)."""

    index: int
    number: int
    first_row: str
    merged: tuple[MergedCell, ...]


@dataclasses.dataclass
class _Chapter:
    number: int
    label: str
    lines: list[str] = dataclasses.field(default_factory=list)
    #: Every prose block (line index in ``lines``, text, section), for the duration report.
    prose: list[_Prose] = dataclasses.field(default_factory=list)
    #: Footnote definitions (number, plain text, the section citing it), written after the text.
    notes: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)
    #: The label of the section being written (the last heading's), and every label written.
    section: str = ""
    labels: list[str] = dataclasses.field(default_factory=list)
    #: How many tables the chapter has so far, and those with merged cells.
    tables: int = 0
    merged_tables: list[_Table] = dataclasses.field(default_factory=list)
    #: Pictures the .docx does not hold: (line index in ``lines``, the picture), for the report.
    missing: list[tuple[int, Image]] = dataclasses.field(default_factory=list)

    def add(
        self, lines: Sequence[str], text: str = "", *, prose_at: int = 0, section: str | None = None
    ) -> None:
        """Append ``lines``; ``text`` is the prose of line ``prose_at`` (for the duration report)."""
        if text:
            where = self.section if section is None else section
            self.prose.append(_Prose(len(self.lines) + prose_at, text, where))
        self.lines.extend(lines)

    def close_block(self) -> None:
        """End the previous block with a blank line."""
        if self.lines and self.lines[-1] != "":
            self.lines.append("")


class _Labels:
    """Unique section labels: the heading's bookmark, its ASCII words, else the section numbers."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, text: str, numbers: Sequence[int], preferred: str = "", *, preface: bool = False) -> str:
        words = [w.lower() for w in _ASCII_WORDS.findall(text)]
        base = preferred or ("-".join(words)[:40].strip("-") if words else "")
        if not base and preface:  # 前言, 使用说明: sections of index.md, before chapter 1
            base = "preface-" + "-".join(map(str, numbers[1:]))
        elif not base:
            base = ("chapter-" if len(numbers) == 1 else "section-") + "-".join(map(str, numbers))
        label, n = base, 2
        while label in self._used:
            label, n = f"{base}-{n}", n + 1
        self._used.add(label)
        return label


#: The MyST lines that show a picture in a table cell (the chapter writer names its file).
Picture = Callable[[Image], list[str]]


def _cell_lines(cell: Cell, picture: Picture) -> tuple[list[str], list[tuple[int, str]]]:
    """A cell's MyST lines (paragraphs apart, list items together) and the prose of each.

    A paragraph's pictures follow its text, inside its list item when it is one.
    """
    lines: list[str] = []
    prose: list[tuple[int, str]] = []
    previous = ""
    for paragraph in cell:
        shown = [paragraph.myst] if paragraph.myst or not paragraph.images else []
        for image in paragraph.images:
            drawn = picture(image)  # none for a picture the .docx does not hold
            shown += ["", *drawn] if shown and drawn else drawn
        if not shown:
            continue
        listed = paragraph.kind in ("bullet", "number")
        if lines and not (listed and previous == paragraph.kind):
            lines.append("")
        marker = {"bullet": "- ", "number": "1. "}.get(paragraph.kind, "")
        prose.append((len(lines), paragraph.text))
        lines.append(marker + shown[0])
        lines.extend(" " * len(marker) + line if line else "" for line in shown[1:])
        previous = paragraph.kind
    return lines, prose


def _last_text(lines: Sequence[str]) -> int:
    """The index of the last line with text (0 in a file with none)."""
    return next((i for i in range(len(lines) - 1, -1, -1) if lines[i]), 0)


def _cell_text(cell: Cell) -> str:
    return " ".join(paragraph.text for paragraph in cell if paragraph.text)


def _list_table(
    rows: Sequence[Sequence[Cell]], header_rows: int, merged: Sequence[MergedCell], picture: Picture
) -> tuple[list[str], list[tuple[int, str, str]]]:
    """A ``list-table`` of ``rows`` and the (line index, text, column heading) of every cell
    paragraph in it; a merged cell's text, repeated in each row it spans, is listed once."""
    lines = [":::{list-table}"]
    if header_rows:
        lines.append(f":header-rows: {header_rows}")
    lines.append("")
    prose: list[tuple[int, str, str]] = []
    repeated = repeated_cells(merged)
    # Each column's heading: the text of its heading rows (a cell merged over them once).
    columns = [
        " ".join(dict.fromkeys(t for row in rows[:header_rows] if i < len(row) and (t := _cell_text(row[i]))))
        for i in range(max((len(r) for r in rows), default=0))
    ]
    for r, row in enumerate(rows):
        for i, cell in enumerate(row):
            cell_lines, cell_prose = _cell_lines(cell, picture)
            if (r, i) not in repeated:
                heading = columns[i] if r >= header_rows else ""
                prose.extend((len(lines) + index, text, heading) for index, text in cell_prose)
            first, *rest = cell_lines or [""]
            lines.append(f"{'* -' if i == 0 else '  -'} {first}".rstrip())
            lines.extend(f"    {line}" if line else "" for line in rest)
    lines.append(":::")
    return lines, prose


def to_chapters(
    blocks: Iterable[Block], front_matter: Sequence[str], images: dict[str, tuple[str, Image]] | None = None
) -> list[_Chapter]:
    """Group blocks into chapters (one per Heading 1) of MyST lines.

    ``images`` collects the pictures the chapters show: Word part name → (file name under
    ``images/``, the image), for the caller to write next to the chapters.
    """
    images = {} if images is None else images
    labels = _Labels()
    chapters: list[_Chapter] = []
    counters = [0, 0, 0]
    current: _Chapter | None = None
    heading_depth = 1  # the level of the last heading: a heading may go one level deeper, no more
    #: The open lists: (kind, column of the item's text) per nesting level.
    lists: list[tuple[BlockKind, int]] = []
    note_number = 0
    #: Bookmark → the heading it is on, for the cross-references (resolved once all are known).
    targets: dict[str, RefTarget] = {}

    def chapter() -> _Chapter:
        nonlocal current
        if current is None:  # text before the first Heading 1
            current = _Chapter(0, labels.make("", [0]), [*front_matter])
            chapters.append(current)
        return current

    def image_file(image: Image, line: int) -> str | None:
        """The picture's file name under ``images/``: numbered in the order the chapters show them.

        None for a picture the .docx does not hold: it is kept for the report, at line index
        ``line`` of the chapter (its paragraph or table, or the text before it).
        """
        if image.missing:
            chapter().missing.append((line, image))
            return None
        return images.setdefault(image.key, (f"image-{len(images) + 1}.{image.extension}", image))[0]

    def cell_picture(image: Image) -> list[str]:
        """A picture in a table cell: an ``{image}`` (a figure's caption has no place in a cell).

        Not an inline ``![](…)``: without Word's description its empty alternative text fails
        the PDF build, where an ``{image}`` without ``:alt:`` builds as a figure does and
        ``manualkit check`` asks for one (MK617).  A backtick fence: a ``:::`` one inside the
        list-table's ``:::`` fence would need the table's fence to be the longer.
        """
        name = image_file(image, len(chapter().lines))  # the table is written from there
        if name is None:
            return []
        alt = [f":alt: {' '.join(image.alt.split())}"] if image.alt else []
        return [f"```{{image}} {IMAGES}/{name}", *alt, "```"]

    def figures(block: Block) -> None:
        for image in block.images:
            name = image_file(image, _last_text(chapter().lines))
            if name is None:
                continue
            ch = chapter()
            ch.close_block()
            alt = [f":alt: {' '.join(image.alt.split())}"] if image.alt else []
            ch.add([f":::{{figure}} {IMAGES}/{name}", *alt, ":::", ""])

    def inline(block: Block) -> str:
        """The block's MyST with its footnote marks numbered, the notes kept for the chapter end."""
        nonlocal note_number
        myst = block.markup
        ch = chapter()
        for note in block.notes:
            note_number += 1
            myst = myst.replace(NOTE, f"[^{note_number}]", 1)
            ch.notes.append((note_number, note, ch.section))
        return myst.replace(NOTE, "")

    for block in blocks:
        if block.kind == "heading" and block.level == 0:
            figures(block)  # the title heads index.md; a picture in its paragraph (a logo) is kept
            continue
        if block.kind not in ("bullet", "number"):
            lists.clear()
        if block.kind == "heading" and block.level <= 3:
            # Markdown headings may not skip a level (Heading 1 then Heading 3 is a build warning).
            level = 1 if block.level == 1 else min(block.level, heading_depth + 1)
            heading_depth = level
            counters[level - 1] += 1
            for i in range(level, 3):
                counters[i] = 0
            numbers = [max(c, 1) for c in counters[:level]]
            title = heading_title(block.text)
            preface = level > 1 and (current is None or current.number == 0)
            label = labels.make(title, numbers, block.label, preface=preface)
            shown_number = "" if preface else ".".join(map(str, numbers))
            for name in block.bookmarks:
                targets.setdefault(name, RefTarget(label, shown_number, title))
            if level == 1:
                current = _Chapter(counters[0], label, [*front_matter])
                chapters.append(current)
            ch = chapter()
            ch.close_block()
            ch.section = label
            ch.labels.append(label)
            ch.add([f"({label})=", f"{'#' * level} {escape_inline(title)}", ""])
        elif block.kind == "heading":  # Heading 4+: not a section in this manual
            ch = chapter()
            ch.close_block()
            ch.add([f"**{escape_inline(block.text)}**", ""], block.text)
        elif block.kind in ("bullet", "number"):
            ch = chapter()
            if not lists:
                ch.close_block()
            elif ch.lines and ch.lines[-1] == "":
                ch.lines.pop()  # consecutive items: one list
            depth = min(block.level, len(lists))
            del lists[depth:]
            indent = lists[-1][1] if lists else 0
            marker = "- " if block.kind == "bullet" else f"{block.number}. "
            lists.append((block.kind, indent + len(marker)))
            ch.add([f"{' ' * indent}{marker}{inline(block)}", ""], block.text)
        elif block.kind == "table":
            ch = chapter()
            ch.close_block()
            table_lines, prose = _list_table(block.rows, block.header_rows, block.merged, cell_picture)
            start = len(ch.lines)
            ch.prose.extend(_Prose(start + index, text, ch.section, column) for index, text, column in prose)
            ch.tables += 1
            if block.merged:
                first_row = " | ".join(t for cell in block.rows[0] if (t := _cell_text(cell)))
                ch.merged_tables.append(_Table(start, ch.tables, first_row, block.merged))
            ch.add([*table_lines, ""])
        elif block.text or block.notes:
            ch = chapter()
            ch.close_block()
            ch.add([inline(block), ""], block.text)
        figures(block)
    for ch in chapters:
        ch.lines[:] = [resolve_references(line, targets) for line in ch.lines]
        if ch.notes:
            ch.close_block()
            for number, note, section in ch.notes:
                ch.add([f"[^{number}]: {escape_inline(note)}", ""], note, section=section)
    return chapters


def _front_matter(owner: str | None, review_due: dt.date) -> list[str]:
    lines = ["---"]
    if owner:
        lines.append(f"owner: {owner}")
    lines += [f"review_due: {review_due.isoformat()}", "---", ""]
    return lines


def _context(text: str, start: int, end: int, width: int = 18) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _where(chapter: _Chapter, prose: _Prose, owner: str | None) -> str:
    """The options that say whose the SLA is: ``manualkit new sla`` refuses a command without.

    A chapter's durations name their section (``--section``, a label the import wrote): once
    the chapter is in manual/, the SLA's home section and its owner (the chapter's front
    matter) come from it.  index.md is no chapter: its durations take ``--owner``.
    """
    if chapter.number > 0 and prose.section:
        return f" --section {prose.section}"
    return f" --owner {owner}" if owner else " --owner <role>"


def _retention(text: str, start: int, end: int, column: str) -> bool:
    """Whether the duration at ``text[start:end]`` is how long something is kept (保存期限为5年).

    A retention word (保存, 保管, 留存, 存档) before it in its clause makes it one, or the
    column it stands in (a table's 保存期限).  Not when the words between say by when (应在…),
    or the duration is a time limit (3个工作日内归档, 保存期满后30天内销毁).
    """
    if text[end : end + 1] == "内":
        return False
    clause = _CLAUSE_END.split(text[:start])[-1]
    for word in (*_BOUND_WORDS, *_AT_LEAST_BEFORE):  # 不少于 is no 于 (by when)
        clause = clause.replace(word, "")
    words = list(_RETENTION_WORD.finditer(clause))
    if words:
        return not re.search(r"[在于内满]", clause[words[-1].end() :])
    return bool(_RETENTION_COLUMN.search(column)) and not re.search(r"[在于内满]", clause)


def _kind_and_bound(text: str, m: Any, column: str) -> tuple[SlaKind, Bound, str, str]:
    """The SLA kind and bound of mention ``m``, the words of ``text`` its ``{sla}`` replaces, and
    a note on other words to drop (the role prints 至少3年: "至少保存3年" would say it twice)."""
    kind: SlaKind = m.kind
    bound: Bound = m.bound
    start, end = m.start, m.end
    if kind == "deadline" and _retention(text, start, end, column):
        kind = "retention"
    if kind == "advance" and text[:start].endswith("提前"):
        start -= 2  # the role prints 提前3天
    note = ""
    if bound != "within":
        word = next((w for w in _BOUND_WORDS if text[:start].endswith(w)), "")
        start -= len(word)  # the role prints the bound: 至少3年, 不超过5天
    elif kind != "interval":
        after = _AT_LEAST_AFTER.match(text, end)
        clause = _CLAUSE_END.split(text[:start])[-1]
        earlier = next((w for w in _AT_LEAST_BEFORE if w in clause), "") if kind == "retention" else ""
        if after:
            bound, end = "at_least", after.end()
        elif earlier:
            bound = "at_least"
            note = f" and drop the “{earlier}” before it"
    return kind, bound, text[start:end], note


def _findings(
    chapter: _Chapter, path: Path, mentions: Any, owner: str | None = None
) -> Iterator[DurationFinding]:
    from manualkit.durations import render_duration
    from manualkit.models import Duration

    for prose in chapter.prose:
        text = prose.text
        where = _where(chapter, prose, owner)
        for m in mentions(text):
            value = int(m.value) if float(m.value).is_integer() else None
            if m.text[:1] in "Tt":  # T+1, T+2日: settlement days, working days from the day T
                suggestion = (
                    f"manualkit new sla <prefix> --name … --value {value} --unit working_days --start … "
                    f"--end …{where} ; {m.text} counts working days from the transaction day T: "
                    f"write {{sla}}`<id>` instead of “{m.text}”"
                )
                yield DurationFinding(
                    path, prose.index + 1, m.text, _context(text, m.start, m.end), suggestion
                )
                continue
            if value is None:
                shown = m.text
                suggestion = f"{m.text}: make it an SLA in data/slas.yaml and cite it with {{sla}}`…`"
            else:
                kind, bound, replaced, note = _kind_and_bound(text, m, prose.column)
                shown = render_duration(Duration(value=value, unit=m.unit, bound=bound), kind)
                bound_opt = "" if bound == "within" else f" --bound {bound}"
                kind_opt = "" if kind == "deadline" else f" --kind {kind}"
                suggestion = (
                    f"manualkit new sla <prefix> --name … --value {value} --unit {m.unit}{bound_opt}"
                    f"{kind_opt} --start … --end …{where} ; then write {{sla}}`<id>` instead of "
                    f"“{replaced}”{note}"
                )
            yield DurationFinding(path, prose.index + 1, shown, _context(text, m.start, m.end), suggestion)


def _duration_extractor() -> Any:
    """The checker's duration extractor; the import report depends on it."""
    try:
        from manualkit.checks.duration_text import extract
    except ImportError as exc:  # pragma: no cover - only while the checker is incomplete
        raise DocxImportError(
            "manualkit.checks.duration_text is missing: the duration report needs the checker's extractor"
        ) from exc
    return extract


def import_docx(
    source: Path,
    out_dir: Path,
    *,
    owner: str | None = None,
    review_due: dt.date | None = None,
    force: bool = False,
    project: Path | None = None,
) -> ImportResult:
    """Convert ``source`` into chapter files under ``out_dir`` plus ``import-report.txt``.

    ``project``: the manualkit project the chapters are for, if known; the report then names the
    chapter numbers they take in its ``manual/`` and the labels and images already there.
    """
    if source.suffix.lower() != ".docx":
        raise DocxImportError(
            f"{source}: expected a .docx file (Word 2007+), found {source.suffix or 'no extension'}"
        )
    if not source.is_file():
        raise DocxImportError(f"{source}: file not found")
    output_directory_problem(out_dir)
    blocks = read_blocks(source)
    due = review_due or dt.date.today() + dt.timedelta(days=365)
    front_matter = _front_matter(owner, due)
    images: dict[str, tuple[str, Image]] = {}
    chapters = to_chapters(blocks, front_matter, images)
    if not chapters:
        raise DocxImportError(f"{source}: no text found")
    # What comes before the first Heading 1 (the cover, 前言, 使用说明) opens the manual: it goes
    # into index.md, above the chapter list, not into a chapter of its own.
    preface = chapters.pop(0) if chapters[0].number == 0 else None
    extract = _duration_extractor()
    out_dir.mkdir(parents=True, exist_ok=True)
    planned = [out_dir / f"{ch.number:02d}-{ch.label}.md" for ch in chapters]
    index_path = out_dir / "index.md"
    image_paths = [out_dir / IMAGES / name for name, _ in images.values()]
    existing = [p for p in [*planned, index_path, *image_paths] if p.exists()]
    if existing and not force:
        names = ", ".join(p.relative_to(out_dir).as_posix() for p in existing)
        raise DocxImportError(f"{out_dir}: would overwrite {names} (use --force or another --out)")
    for path, (_, image) in zip(image_paths, images.values(), strict=True):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(image.data)
    findings: list[DurationFinding] = []
    tables: list[MergedTable] = []
    missing: list[MissingPicture] = []
    for ch, path in zip(chapters, planned, strict=True):
        path.write_text("\n".join(ch.lines).rstrip("\n") + "\n", encoding="utf-8")
        findings.extend(_findings(ch, path, extract, owner))
        tables.extend(_merged_tables(ch, path))
        missing.extend(_missing_pictures(ch, path))
    title = next((b.text for b in blocks if b.kind == "heading" and b.level == 0), source.stem)
    index = _index(heading_title(title), front_matter, preface, [p.stem for p in planned])
    index_path.write_text("\n".join(index.lines).rstrip("\n") + "\n", encoding="utf-8")
    findings = [*_findings(index, index_path, extract, owner), *findings]
    tables = [*_merged_tables(index, index_path), *tables]
    missing = [*_missing_pictures(index, index_path), *missing]
    labels = {path: tuple(ch.labels) for ch, path in zip(chapters, planned, strict=True)}
    moving = moving_in(planned, labels, image_paths, owner, project)
    report = format_report(
        source,
        planned,
        findings,
        owner,
        image_paths,
        merged_tables=tables,
        moving=moving,
        missing_pictures=missing,
    )
    (out_dir / "import-report.txt").write_text(report, encoding="utf-8")
    summary = format_report(
        source,
        planned,
        findings,
        owner,
        image_paths,
        shown=SHOWN_FINDINGS,
        merged_tables=tables,
        moving=moving,
        missing_pictures=missing,
    )
    return ImportResult(tuple(planned), tuple(findings), report, summary, tuple(tables), tuple(missing))


def _merged_tables(chapter: _Chapter, path: Path) -> Iterator[MergedTable]:
    for table in chapter.merged_tables:
        yield MergedTable(path, table.index + 1, table.number, table.first_row, table.merged)


def _missing_pictures(chapter: _Chapter, path: Path) -> Iterator[MissingPicture]:
    for index, image in chapter.missing:
        yield MissingPicture(path, index + 1, image.alt, image.missing)


def output_directory_problem(out_dir: Path) -> None:
    """Refuse an ``--out`` that cannot be a directory before anything is read or written
    (``mkdir`` would fail with a FileExistsError traceback after the import's work)."""
    for candidate in (out_dir, *out_dir.parents):
        if candidate.exists():
            if candidate.is_dir():
                return
            if candidate == out_dir:
                raise DocxImportError(f"--out {out_dir}: is a file, expected a directory")
            raise DocxImportError(
                f"--out {out_dir}: expected a directory path, found that {candidate} is a file"
            )


def _index(
    title: str, front_matter: Sequence[str], preface: _Chapter | None, docs: Sequence[str]
) -> _Chapter:
    """index.md: front matter, the manual's title, the text before the first chapter, the toctree."""
    head = [*front_matter, "# " + escape_inline(title), ""]
    body = preface.lines[len(front_matter) :] if preface is not None else []
    shift = len(head) - len(front_matter)
    prose = [dataclasses.replace(p, index=p.index + shift) for p in preface.prose] if preface else []
    tables = [dataclasses.replace(t, index=t.index + shift) for t in preface.merged_tables] if preface else []
    missing = [(index + shift, image) for index, image in preface.missing] if preface else []
    toctree = ["```{toctree}", ":numbered:", ":maxdepth: 2", "", *docs, "```"]
    lines = [*head, *body, *([""] if body and body[-1] != "" else []), *toctree]
    return _Chapter(0, "index", lines, prose, merged_tables=tables, missing=missing)


# --------------------------------------------------------------------------- the report


def moving_in(
    files: Sequence[Path],
    labels: dict[Path, tuple[str, ...]],
    images: Sequence[Path],
    owner: str | None,
    project: Path | None = None,
) -> list[str]:
    """How to bring the imported chapters into an existing manual without breaking it.

    The import numbers its chapters from 01, as the Word document did: copied into manual/
    they would clash with its chapters 01, 02, …  ``manualkit new chapter`` takes the next free
    number and adds the chapter to the toctree after the last one; the writer does the same by
    hand.  With ``project`` known, the numbers, and the labels and pictures already taken there,
    are named.
    """
    if not files:
        return []
    renames = _renames(files, project)
    label_clashes, image_clashes = _taken(project, labels, images) if project is not None else ([], [])
    lines = ["", "To add the chapters to a manual (manual/ of a manualkit project):"]
    last_doc = ""
    if renames is not None:
        last, pairs = renames
        last_doc = last.removesuffix(".md")
        after = f"its last chapter is {last}" if last else "it has no numbered chapter yet"
        lines.append(f"1. Rename each chapter to the next free chapter number of manual/ ({after}):")
        lines += [f"   {path.name} → {name}" for path, name in pairs]
    else:
        example = files[0].name.split("-", 1)[1]
        lines.append(
            "1. Rename each chapter to the next free chapter number of manual/ (one more than its "
            f"last NN-… file), keeping the rest of the name: 09-{example} when the last is 08-…."
        )
    lines.append(
        "   Never reuse the number of a chapter in manual/: that file would be replaced, and the ids "
        "of forms and checklists (F-NN-01, CL-NN-01) take their chapter's number."
    )
    lines += label_clashes
    lines.append(
        "2. Move it into manual/ and add its name without .md to the toctree of manual/index.md, "
        f"after {last_doc or 'the last chapter'} (as `manualkit new chapter` does)."
    )
    if images:
        lines.append(
            f"   Move {IMAGES}/ with it (manual/{IMAGES}/); a picture of the same name already there "
            "must be renamed, here and in the {figure} or {image} line that shows it."
        )
    lines += image_clashes
    if owner:
        roles = _roles(project)
        if roles is None:
            check = ": check that data/roles.yaml has that role."
        elif owner in roles:
            check = ", a role of data/roles.yaml."
        else:
            shown = ", ".join(roles[:6]) + (", …" if len(roles) > 6 else "")
            check = f", but data/roles.yaml has no such role: change it to one of its ids ({shown})."
        lines.append(f"3. The front matter names owner: {owner} (from --owner){check}")
    else:
        lines.append(
            "3. No --owner given: add `owner: <role id>` (a role of data/roles.yaml) to each chapter's "
            "front matter, above review_due:. `manualkit check` reports a chapter without one, and the "
            "`manualkit new sla --section` commands below take the SLA's owner from it."
        )
    lines.append(
        "4. index.md starts a new manual: do not copy it over manual/index.md; move any of its text "
        "you keep (the cover, 前言) into manual/index.md by hand."
    )
    lines.append(
        "5. Run `manualkit check`, then the `manualkit new sla` commands below from the project root "
        "(fill in <prefix>, --name, --start and --end)."
    )
    return lines


def _renames(files: Sequence[Path], project: Path | None) -> tuple[str, list[tuple[Path, str]]] | None:
    """(manual/'s last chapter file, [(imported chapter, the name it takes there)]), if known."""
    if project is None:
        return None
    from manualkit.scaffold import ScaffoldError, chapters

    try:
        known = chapters(project)
    except (ScaffoldError, OSError, ValueError):  # the advice is a bonus: an unreadable chapter
        return None  # never fails the import (a bug in reading them still shows)
    number = max((ch.number for ch in known), default=0)
    last = max(known, key=lambda ch: ch.number).path.name if known else ""
    pairs = []
    for i, path in enumerate(files, 1):
        pairs.append((path, f"{number + i:02d}-{path.name.split('-', 1)[1]}"))
    return last, pairs


def _roles(project: Path | None) -> list[str] | None:
    """The role ids of ``project``'s data/roles.yaml (``None``: no project, or unreadable)."""
    if project is None:
        return None
    from manualkit.scaffold import ScaffoldError, existing_ids

    try:
        return existing_ids(project, "roles") or None
    except (ScaffoldError, OSError, ValueError):  # broken data/ is `manualkit data`'s to report
        return None


def _taken(
    project: Path, labels: dict[Path, tuple[str, ...]], images: Sequence[Path]
) -> tuple[list[str], list[str]]:
    """What the chapters would collide with in ``project``'s manual/: labels, picture names."""
    from manualkit.scaffold import ScaffoldError, taken_names

    try:
        taken = taken_names(project)
    except (ScaffoldError, OSError, ValueError):  # the advice is a bonus: an unreadable chapter
        return [], []  # never fails the import (a bug in reading them still shows)
    label_lines: list[str] = []
    for path, names in labels.items():
        clashes = [f"{name} (in {taken[name]})" for name in names if name in taken]
        if clashes:
            label_lines.append(
                f"   {path.name}: labels already used in manual/: {', '.join(clashes)}; rename these "
                "(label)= lines and the --section of its commands below before moving it in (unless the "
                "chapter replaces that one: then give it that chapter's file name instead)."
            )
    there = [p.name for p in images if (project / "manual" / IMAGES / p.name).exists()]
    image_lines = (
        [f"   manual/{IMAGES}/ already has {', '.join(there)}: rename these pictures."] if there else []
    )
    return label_lines, image_lines


def _short(text: str, width: int = 16) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _merged_lines(table: MergedTable) -> list[str]:
    lines = [f"- {table.path.as_posix()}:{table.line}: table {table.number} ({_short(table.first_row, 40)})"]
    for cell in table.merged:
        what = f"“{_short(cell.text)}”" if cell.text else "an empty cell"
        spans = []
        if cell.rows > 1:
            spans.append(f"rows {cell.row + 1}–{cell.row + cell.rows} of column {cell.column + 1}")
        if cell.columns > 1:
            spans.append(f"columns {cell.column + 1}–{cell.column + cell.columns} of row {cell.row + 1}")
        how = "repeated in each row" if cell.rows > 1 else "kept in the first column, the others left empty"
        if cell.rows > 1 and cell.columns > 1:
            how += " (in its first column)"
        lines.append(f"  {what} merged over {' and '.join(spans)}: {how}")
    return lines


def format_report(
    source: Path,
    files: Sequence[Path],
    findings: Sequence[DurationFinding],
    owner: str | None,
    images: Sequence[Path] = (),
    *,
    shown: int | None = None,
    merged_tables: Sequence[MergedTable] = (),
    moving: Sequence[str] = (),
    missing_pictures: Sequence[MissingPicture] = (),
) -> str:
    """The import report; with ``shown``, only that many durations and tables (the rest counted)."""
    lines = [f"# Import report: {source.name}", "", f"Chapters written: {len(files)}"]
    lines += [f"- {p.as_posix()}" for p in files]
    if images:
        lines += [
            "",
            f"Images written: {len(images)} (move them with the chapters; add a caption to each figure)",
        ]
        lines += [f"- {p.as_posix()}" for p in images]
        if any(p.suffix.lower() in (".emf", ".wmf") for p in images):
            lines.append(
                "Word drawings saved as EMF/WMF do not show in browsers: convert them to PNG or SVG."
            )
    if missing_pictures:
        lines += [
            "",
            f"Pictures not imported: {len(missing_pictures)} (the .docx does not hold them: insert each "
            "into Word as a picture, not a link, and import again, or add it to images/ and the chapter)",
        ]
        for picture in missing_pictures:
            named = f" “{_short(picture.alt, 40)}”" if picture.alt else ""
            lines.append(f"- {picture.path.as_posix()}:{picture.line}: a picture{named}, {picture.why}")
    if merged_tables:
        lines += [
            "",
            f"Tables with merged cells: {len(merged_tables)} (a list-table cannot merge cells: text merged "
            "down a column is repeated in each of its rows, text merged across columns stays in the first; "
            "check that each table still reads right)",
        ]
        listed_tables = merged_tables if shown is None else merged_tables[:shown]
        for table in listed_tables:
            lines += _merged_lines(table)
        if len(listed_tables) < len(merged_tables):
            lines.append(f"… and {len(merged_tables) - len(listed_tables)} more in the saved report")
    if moving:
        lines += moving
    elif not owner:
        lines += ["", "No --owner given: add `owner: <role id>` to each chapter's front matter."]
    lines += ["", f"Durations that should become SLAs: {len(findings)}"]
    listed = findings if shown is None else findings[:shown]
    for f in listed:
        lines.append(f"- {f.path.as_posix()}:{f.line}: {f.mention} in “{f.context}”")
        lines.append(f"  {f.suggestion}")
    if len(listed) < len(findings):
        lines.append(f"… and {len(findings) - len(listed)} more in the saved report")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CLI


def _project_of(args: argparse.Namespace) -> Path | None:
    """The manualkit project the import is run in (or ``--project``), if any: importing needs none."""
    from manualkit.project import ProjectError, locate_project

    try:
        return locate_project(getattr(args, "project", None)).root
    except (ProjectError, OSError):
        return None


def _run(args: argparse.Namespace) -> int:
    source = Path(args.file)
    out = Path(args.out) if args.out else Path("build") / "import" / source.stem
    try:
        result = import_docx(
            source,
            out,
            owner=args.owner,
            review_due=args.review_due,
            force=args.force,
            project=_project_of(args),
        )
    except DocxImportError as exc:
        # The input (the .docx or --out) is wrong: README's exit status 2, as for every command.
        print(f"manualkit import-docx: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # Not the input: the disk or permissions refused a read or write.
        where = f" {exc.filename}" if exc.filename else ""
        print(f"manualkit import-docx: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(result.summary, end="")
    print(
        f"Report saved to {(out / 'import-report.txt').as_posix()}; "
        "review the chapters, then bring them into manual/ as it says."
    )
    return 0


def add_import_docx_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``manualkit import-docx FILE.docx [--out DIR]`` (sets ``handler``: args → exit code)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import-docx",
        help="convert an existing Word manual into MyST chapters and list its durations",
        description=(
            "Convert headings (Heading 1-3 or outline levels), paragraphs, lists and tables of a .docx "
            "into MyST chapter files, and report every duration that should become an SLA."
        ),
    )
    parser.add_argument("file", help="the .docx to import")
    parser.add_argument("--out", help="output directory (default: build/import/<file name>)")
    parser.add_argument("--owner", help="role id written as owner: in each chapter's front matter")
    parser.add_argument(
        "--review-due", type=iso_date, help="review_due date for the front matter (YYYY-MM-DD)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite chapter files already in --out")
    # Importing needs no manualkit project (the Word file usually comes first): skip the lookup.
    parser.set_defaults(handler=_run, no_project=True)
    return parser
