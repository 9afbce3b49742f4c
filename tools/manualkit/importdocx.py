"""``manualkit import-docx FILE.docx``: bring an existing Word manual into MyST chapters.

Most manuals start life in Word.  The import keeps what carries meaning — the heading structure
(Heading 1–3 styles, any paragraph with outline level 1–3, or bold lines typed with their numbers
such as "第一章 总则", "一、", "（一）"), paragraphs with their bold, links and footnotes, nested
bullet and numbered lists, tables (nested ones and merged cells included) and images — and drops
what the toolkit now owns (fonts, typed numbering, page layout).  Text is read as Word shows it:
tracked changes accepted, one copy of each text box, no headers or footers.  Each Heading 1
becomes a chapter file ``NN-<label>.md`` (the label from the heading's bookmark when it has one,
as manualkit's own DOCX does), each table a ``list-table``; the text before the first chapter
(cover, 前言) opens ``index.md``, and generated paragraphs (the table of contents, manualkit's own
chapter and revision notes) are left out.  Reading the Word XML lives in ``importdocx_read`` and
``importdocx_inline``.  Durations written into the prose (“7个工作日”) are what the toolkit wants
to own as SLAs, so the import lists every one it finds, with the file and line of the MyST output
and the ``manualkit new sla`` command that would create it.

Durations are found with the checker's own extractor (``manualkit.checks.duration_text``), so the
import report and ``manualkit check`` agree on what counts as a duration.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manualkit.argtypes import iso_date
from manualkit.importdocx_inline import NOTE, Image, RefTarget, escape_inline, resolve_references
from manualkit.importdocx_read import (
    Block,
    BlockKind,
    Cell,
    DocxImportError,
    read_blocks,
)

if TYPE_CHECKING:
    from manualkit.models import SlaKind

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


@dataclasses.dataclass(frozen=True)
class DurationFinding:
    """A duration written into the imported prose that should become an SLA."""

    path: Path
    line: int
    mention: str
    context: str
    suggestion: str


@dataclasses.dataclass(frozen=True)
class ImportResult:
    files: tuple[Path, ...]
    findings: tuple[DurationFinding, ...]
    report: str
    #: The report as the terminal shows it: the first ``SHOWN_FINDINGS`` durations.
    summary: str


#: Durations listed on the terminal; the saved report lists them all (a whole manual has hundreds).
SHOWN_FINDINGS = 10


# --------------------------------------------------------------------------- writing MyST


def heading_title(text: str) -> str:
    """Heading text without typed numbering (第1章, 一、, 1.2): the numbered toctree numbers sections."""
    stripped = _HEADING_NUMBER.sub("", text, count=1).strip()
    return stripped or text.strip()


@dataclasses.dataclass
class _Chapter:
    number: int
    label: str
    lines: list[str] = dataclasses.field(default_factory=list)
    #: (line index in ``lines``, block text) of every prose block, for the duration report.
    prose: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    #: Footnote definitions (number, plain text), written after the chapter's text.
    notes: list[tuple[int, str]] = dataclasses.field(default_factory=list)

    def add(self, lines: Sequence[str], text: str = "", *, prose_at: int = 0) -> None:
        """Append ``lines``; ``text`` is the prose of line ``prose_at`` (for the duration report)."""
        if text:
            self.prose.append((len(self.lines) + prose_at, text))
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


def _cell_lines(cell: Cell) -> tuple[list[str], list[tuple[int, str]]]:
    """A cell's MyST lines (paragraphs apart, list items together) and the prose of each."""
    lines: list[str] = []
    prose: list[tuple[int, str]] = []
    previous = ""
    for paragraph in cell:
        listed = paragraph.kind in ("bullet", "number")
        if lines and not (listed and previous == paragraph.kind):
            lines.append("")
        marker = {"bullet": "- ", "number": "1. "}.get(paragraph.kind, "")
        prose.append((len(lines), paragraph.text))
        lines.append(marker + paragraph.myst)
        previous = paragraph.kind
    return lines, prose


def _list_table(rows: Sequence[Sequence[Cell]], header_rows: int) -> tuple[list[str], list[tuple[int, str]]]:
    """A ``list-table`` of ``rows`` and the (line index, text) of every cell paragraph in it."""
    lines = [":::{list-table}"]
    if header_rows:
        lines.append(f":header-rows: {header_rows}")
    lines.append("")
    prose: list[tuple[int, str]] = []
    for row in rows:
        for i, cell in enumerate(row):
            cell_lines, cell_prose = _cell_lines(cell)
            prose.extend((len(lines) + index, text) for index, text in cell_prose)
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

    def inline(block: Block) -> str:
        """The block's MyST with its footnote marks numbered, the notes kept for the chapter end."""
        nonlocal note_number
        myst = block.markup
        ch = chapter()
        for note in block.notes:
            note_number += 1
            myst = myst.replace(NOTE, f"[^{note_number}]", 1)
            ch.notes.append((note_number, note))
        return myst.replace(NOTE, "")

    for block in blocks:
        if block.kind == "heading" and block.level == 0:
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
            table_lines, prose = _list_table(block.rows, block.header_rows)
            start = len(ch.lines)
            ch.prose.extend((start + index, text) for index, text in prose)
            ch.add([*table_lines, ""])
        elif block.text or block.notes:
            ch = chapter()
            ch.close_block()
            ch.add([inline(block), ""], block.text)
        for image in block.images:
            name = images.setdefault(image.key, (f"image-{len(images) + 1}.{image.extension}", image))[0]
            ch = chapter()
            ch.close_block()
            alt = [f":alt: {' '.join(image.alt.split())}"] if image.alt else []
            ch.add([f":::{{figure}} {IMAGES}/{name}", *alt, ":::", ""])
    for ch in chapters:
        ch.lines[:] = [resolve_references(line, targets) for line in ch.lines]
        if ch.notes:
            ch.close_block()
            for number, note in ch.notes:
                ch.add([f"[^{number}]: {escape_inline(note)}", ""], note)
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


def _findings(chapter: _Chapter, path: Path, mentions: Any) -> Iterator[DurationFinding]:
    from manualkit.durations import render_duration
    from manualkit.models import Duration

    for index, text in chapter.prose:
        for m in mentions(text):
            value = int(m.value) if float(m.value).is_integer() else None
            if m.text[:1] in "Tt":  # T+1, T+2日: settlement days, working days from the day T
                suggestion = (
                    f"manualkit new sla <prefix> --name … --value {value} --unit working_days --start … "
                    f"--end … ; {m.text} counts working days from the transaction day T: "
                    f"write {{sla}}`<id>` instead of “{m.text}”"
                )
                yield DurationFinding(path, index + 1, m.text, _context(text, m.start, m.end), suggestion)
                continue
            if value is None:
                shown = m.text
                suggestion = f"{m.text}: make it an SLA in data/slas.yaml and cite it with {{sla}}`…`"
            else:
                kind: SlaKind = m.kind
                shown = render_duration(Duration(value=value, unit=m.unit, bound=m.bound), kind)
                bound = "" if m.bound == "within" else f" --bound {m.bound}"
                kind_opt = "" if kind == "deadline" else f" --kind {kind}"
                suggestion = (
                    f"manualkit new sla <prefix> --name … --value {value} --unit {m.unit}{bound}{kind_opt} "
                    f"--start … --end … ; then write {{sla}}`<id>` instead of “{m.text}”"
                )
            yield DurationFinding(path, index + 1, shown, _context(text, m.start, m.end), suggestion)


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
) -> ImportResult:
    """Convert ``source`` into chapter files under ``out_dir`` plus ``import-report.txt``."""
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
    for ch, path in zip(chapters, planned, strict=True):
        path.write_text("\n".join(ch.lines).rstrip("\n") + "\n", encoding="utf-8")
        findings.extend(_findings(ch, path, extract))
    title = next((b.text for b in blocks if b.kind == "heading" and b.level == 0), source.stem)
    index = _index(heading_title(title), front_matter, preface, [p.stem for p in planned])
    index_path.write_text("\n".join(index.lines).rstrip("\n") + "\n", encoding="utf-8")
    findings = [*_findings(index, index_path, extract), *findings]
    report = format_report(source, planned, findings, owner, image_paths)
    (out_dir / "import-report.txt").write_text(report, encoding="utf-8")
    summary = format_report(source, planned, findings, owner, image_paths, shown=SHOWN_FINDINGS)
    return ImportResult(tuple(planned), tuple(findings), report, summary)


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
    prose = [(i + shift, text) for i, text in preface.prose] if preface is not None else []
    toctree = ["```{toctree}", ":numbered:", ":maxdepth: 2", "", *docs, "```"]
    lines = [*head, *body, *([""] if body and body[-1] != "" else []), *toctree]
    return _Chapter(0, "index", lines, prose)


def format_report(
    source: Path,
    files: Sequence[Path],
    findings: Sequence[DurationFinding],
    owner: str | None,
    images: Sequence[Path] = (),
    *,
    shown: int | None = None,
) -> str:
    """The import report; with ``shown``, only that many durations (the rest counted)."""
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
    if not owner:
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


def _run(args: argparse.Namespace) -> int:
    source = Path(args.file)
    out = Path(args.out) if args.out else Path("build") / "import" / source.stem
    try:
        result = import_docx(source, out, owner=args.owner, review_due=args.review_due, force=args.force)
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
        "review the chapters, then move them to manual/."
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
