"""``manualkit import-docx FILE.docx``: bring an existing Word manual into MyST chapters.

Most manuals start life in Word.  The import keeps what carries meaning — the heading structure
(Heading 1–3 styles, or any paragraph with outline level 1–3), paragraphs, bullet and numbered
lists and tables — and drops what the toolkit now owns (fonts, manual numbering, page layout).
Each Heading 1 becomes a chapter file ``NN-chapter-N.md`` with generated section labels, each
table a ``list-table``; the text before the first Heading 1 (cover, 前言) opens ``index.md``, and
generated paragraphs (the table of contents, manualkit's own chapter and revision notes) are left
out.  Durations written into the prose (“7个工作日”) are what the toolkit wants
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
from typing import TYPE_CHECKING, Any, Literal

from manualkit.cjk_text import WIDE_CHARACTERS

if TYPE_CHECKING:
    from manualkit.models import SlaKind

# python-docx, pydantic (models) and the checker are imported where used: ``manualkit.cli`` imports
# this module on every command to mount ``import-docx``, and ``manualkit check`` must start fast.

BlockKind = Literal["heading", "paragraph", "bullet", "number", "table"]

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
#: Manual numbering typed into heading text: 第1章, 第一章, 1.2, 1.2.3、 — Sphinx numbers sections itself.
_HEADING_NUMBER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百\d]+[章节部分篇]|\d+(?:[.．]\d+)*)[\s、.．:：]*"
)
_ASCII_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9]*")
#: Paragraph styles whose text Word or manualkit generates: the table of contents (the toctree
#: makes it), a chapter's document-control line and the revision notes (made from the front
#: matter and data/revisions.yaml).  Imported as prose they would be frozen, wrong after an edit.
_GENERATED_STYLE = re.compile(r"^(?:toc \d|toc heading|chapter info|revision note)$", re.IGNORECASE)
_MYST_INLINE = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(#|>|[-+*]\s|\d+[.)]\s|:::|```|\(|%)")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


class DocxImportError(Exception):
    """The DOCX cannot be imported (not a DOCX, or output would overwrite files): exit status 2."""


@dataclasses.dataclass(frozen=True)
class Block:
    """One unit of the Word body in reading order."""

    kind: BlockKind
    text: str = ""
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()


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


# --------------------------------------------------------------------------- reading the DOCX


def _outline_level(element: Any) -> int | None:
    """``w:outlineLvl`` (0-based) of a paragraph or style element, if set directly on it."""
    ppr = element.find(f"{{{_W_NS}}}pPr")
    if ppr is None:
        return None
    lvl = ppr.find(f"{{{_W_NS}}}outlineLvl")
    if lvl is None:
        return None
    try:
        value = int(lvl.get(f"{{{_W_NS}}}val"))
    except (TypeError, ValueError):
        return None
    return value if value < 9 else None  # 9 = body text


def heading_level(paragraph: Any) -> int | None:
    """1-based heading level from the style name (Heading N / 标题 N) or an outline level; 0: Title."""
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
    level = _outline_level(paragraph._p)
    return None if level is None else level + 1


def _generated(paragraph: Any) -> bool:
    """Whether the paragraph is generated text (contents entries, manualkit's notes)."""
    style = paragraph.style
    return style is not None and bool(_GENERATED_STYLE.match(style.name or ""))


def _numbering_format(paragraph: Any) -> tuple[str, int] | None:
    """(``bullet``/``number``, nesting level) for a paragraph in a Word list, else None."""
    ppr = paragraph._p.pPr
    numpr = ppr.numPr if ppr is not None else None
    style = paragraph.style
    while numpr is None and style is not None:
        sppr = style.element.pPr
        numpr = sppr.numPr if sppr is not None else None
        style = style.base_style
    name = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    if numpr is None:
        if name.startswith("list bullet"):
            return "bullet", 0
        if name.startswith("list number"):
            return "number", 0
        return None
    ilvl = numpr.ilvl.val if numpr.ilvl is not None else 0
    num_id = numpr.numId.val if numpr.numId is not None else None
    if num_id in (None, 0):
        return None
    fmt = "bullet" if "bullet" in name else "number"
    try:
        numbering = paragraph.part.numbering_part.element
        num = numbering.num_having_numId(num_id)
        abstract_id = num.abstractNumId.val
        for abstract in numbering.findall(f"{{{_W_NS}}}abstractNum"):
            if abstract.get(f"{{{_W_NS}}}abstractNumId") != str(abstract_id):
                continue
            for lvl in abstract.findall(f"{{{_W_NS}}}lvl"):
                if lvl.get(f"{{{_W_NS}}}ilvl") == str(ilvl):
                    num_fmt = lvl.find(f"{{{_W_NS}}}numFmt")
                    if num_fmt is not None:
                        fmt = "bullet" if num_fmt.get(f"{{{_W_NS}}}val") == "bullet" else "number"
    except (KeyError, AttributeError, NotImplementedError):
        pass  # no numbering part: fall back on the style name
    return fmt, int(ilvl)


#: What each text-bearing element reads as.  Word's non-breaking hyphen (Ctrl+Shift+-, and
#: manualkit's own DOCX in "35273-2020") is a hyphen: read as nothing, "GB/T 35273-2020" came
#: in as "GB/T 352732020".  An optional hyphen shows only where Word breaks a line there.
_TEXT_TAGS = {
    f"{{{_W_NS}}}t": None,
    f"{{{_W_NS}}}tab": "\t",
    f"{{{_W_NS}}}br": "\n",
    f"{{{_W_NS}}}cr": "\n",
    f"{{{_W_NS}}}noBreakHyphen": "-",
    f"{{{_W_NS}}}softHyphen": "",
}

#: A line break inside a paragraph and the blanks around it.
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_NARROW = re.compile(rf"[^\s{WIDE_CHARACTERS}]")


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


def paragraph_text(paragraph: Any) -> str:
    """The paragraph's visible text, content controls included.

    python-docx's ``Paragraph.text`` reads only runs and hyperlinks: the text inside inline
    content controls (a filled-in field, a check box's ☐, a date picker) was silently dropped.
    Deleted text (``w:delText``) and field instructions (``w:instrText``) are not visible text.
    """
    parts: list[str] = []
    for element in paragraph._p.iter(*_TEXT_TAGS):
        fixed = _TEXT_TAGS[element.tag]
        parts.append(element.text or "" if fixed is None else fixed)
    return join_line_breaks("".join(parts))


def _cell_text(cell: Any) -> str:
    texts = (paragraph_text(p).strip() for p in cell.paragraphs)
    return " ".join(text for text in texts if text)


def _body_items(document: Any) -> Iterator[Any]:
    """The body's paragraphs and tables in order, also those inside block content controls."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    stack = list(reversed(body))
    while stack:
        element = stack.pop()
        if element.tag == f"{{{_W_NS}}}p":
            yield Paragraph(element, document._body)
        elif element.tag == f"{{{_W_NS}}}tbl":
            yield Table(element, document._body)
        elif element.tag == f"{{{_W_NS}}}sdt":
            content = element.find(f"{{{_W_NS}}}sdtContent")
            if content is not None:
                stack.extend(reversed(content))


def _table_rows(table: Any) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column: keep its text once.
            cells.append("" if previous is not None and cell._tc is previous else _cell_text(cell))
            previous = cell._tc
        rows.append(tuple(cells))
    width = max((len(r) for r in rows), default=0)
    return tuple(r + ("",) * (width - len(r)) for r in rows)


#: The relationship type of a package's main document part (``_rels/.rels``).
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


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
        if _starts_like_zip(path):
            raise refuse(
                "the ZIP package is truncated or damaged; copy the file again from where it came from"
            ) from exc
        raise refuse(
            "expected a ZIP package, as every .docx is, found another kind of file (a .doc or a text "
            "file renamed to .docx?); save it from Word as .docx"
        ) from exc
    except OSError as exc:
        raise DocxImportError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with package:
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


def _starts_like_zip(path: Path) -> bool:
    """Whether the file begins with a ZIP signature (a truncated .docx rather than another format)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


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


def read_blocks(path: Path) -> list[Block]:
    """The body of a DOCX as blocks in reading order (headings, paragraphs, list items, tables)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

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
    blocks: list[Block] = []
    for item in _body_items(document):
        if isinstance(item, Table):
            rows = _table_rows(item)
            if rows and any(any(c for c in r) for r in rows):
                blocks.append(Block("table", rows=rows))
            continue
        text = paragraph_text(item).strip()
        if not text or _generated(item):
            continue
        level = heading_level(item)
        if level is not None:
            blocks.append(Block("heading", text=text, level=level))
            continue
        listing = _numbering_format(item)
        if listing is not None:
            blocks.append(Block(listing[0], text=text, level=listing[1]))  # type: ignore[arg-type]
        else:
            blocks.append(Block("paragraph", text=text))
    return blocks


# --------------------------------------------------------------------------- writing MyST


def escape_inline(text: str) -> str:
    """Text safe to paste into MyST: markup characters escaped, no accidental block syntax."""
    text = _MYST_INLINE.sub(r"\\\1", " ".join(text.split()))
    if _LINE_START.match(text):
        text = "\\" + text
    return text


def heading_title(text: str) -> str:
    """Heading text without typed numbering (第1章, 1.2): the numbered toctree numbers sections."""
    stripped = _HEADING_NUMBER.sub("", text, count=1).strip()
    return stripped or text.strip()


@dataclasses.dataclass
class _Chapter:
    number: int
    label: str
    lines: list[str] = dataclasses.field(default_factory=list)
    #: (line index in ``lines``, block text) of every prose block, for the duration report.
    prose: list[tuple[int, str]] = dataclasses.field(default_factory=list)


class _Labels:
    """Unique section labels: ASCII words of the heading if any, else the section numbers."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, text: str, numbers: Sequence[int]) -> str:
        words = [w.lower() for w in _ASCII_WORDS.findall(text)]
        base = "-".join(words)[:40].strip("-") if words else ""
        if not base:
            base = ("chapter-" if len(numbers) == 1 else "section-") + "-".join(map(str, numbers))
        label, n = base, 2
        while label in self._used:
            label, n = f"{base}-{n}", n + 1
        self._used.add(label)
        return label


def _list_table(rows: Sequence[Sequence[str]]) -> list[str]:
    lines = [":::{list-table}"]
    if len(rows) > 1:
        lines.append(":header-rows: 1")
    lines.append("")
    for row in rows:
        for i, cell in enumerate(row):
            lines.append(f"{'* -' if i == 0 else '  -'} {escape_inline(cell)}".rstrip())
    lines.append(":::")
    return lines


def to_chapters(blocks: Iterable[Block], front_matter: Sequence[str]) -> list[_Chapter]:
    """Group blocks into chapters (one per Heading 1) of MyST lines."""
    labels = _Labels()
    chapters: list[_Chapter] = []
    counters = [0, 0, 0]
    current: _Chapter | None = None
    previous_kind: BlockKind | None = None

    def chapter() -> _Chapter:
        nonlocal current
        if current is None:  # text before the first Heading 1
            current = _Chapter(0, labels.make("", [0]), [*front_matter])
            chapters.append(current)
        return current

    for block in blocks:
        if block.kind == "heading" and block.level == 0:
            continue
        if block.kind == "heading" and block.level <= 3:
            level = block.level
            counters[level - 1] += 1
            for i in range(level, 3):
                counters[i] = 0
            numbers = [max(c, 1) for c in counters[:level]]
            title = heading_title(block.text)
            label = labels.make(title, numbers)
            if level == 1:
                current = _Chapter(counters[0], label, [*front_matter])
                chapters.append(current)
            ch = chapter()
            if ch.lines and ch.lines[-1] != "":
                ch.lines.append("")
            ch.lines.extend([f"({label})=", f"{'#' * level} {escape_inline(title)}", ""])
        elif block.kind == "heading":  # Heading 4+: not a section in this manual
            ch = chapter()
            ch.prose.append((len(ch.lines), block.text))
            ch.lines.extend([f"**{escape_inline(block.text)}**", ""])
        elif block.kind in ("bullet", "number"):
            ch = chapter()
            if previous_kind not in ("bullet", "number") and ch.lines and ch.lines[-1] != "":
                ch.lines.append("")
            if previous_kind in ("bullet", "number") and ch.lines and ch.lines[-1] == "":
                ch.lines.pop()  # consecutive items: one list
            marker = "-" if block.kind == "bullet" else "1."
            indent = " " * ((2 if block.kind == "bullet" else 3) * block.level)
            ch.prose.append((len(ch.lines), block.text))
            ch.lines.extend([f"{indent}{marker} {escape_inline(block.text)}", ""])
        elif block.kind == "table":
            ch = chapter()
            start = len(ch.lines)
            table_lines = _list_table(block.rows)
            for offset, line in enumerate(table_lines):
                if line.startswith(("* -", "  -")):
                    ch.prose.append((start + offset, line[3:].strip()))
            ch.lines.extend([*table_lines, ""])
        else:
            ch = chapter()
            ch.prose.append((len(ch.lines), block.text))
            ch.lines.extend([escape_inline(block.text), ""])
        previous_kind = block.kind
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
    chapters = to_chapters(blocks, front_matter)
    if not chapters:
        raise DocxImportError(f"{source}: no text found")
    # What comes before the first Heading 1 (the cover, 前言, 使用说明) opens the manual: it goes
    # into index.md, above the chapter list, not into a chapter of its own.
    preface = chapters.pop(0) if chapters[0].number == 0 else None
    extract = _duration_extractor()
    out_dir.mkdir(parents=True, exist_ok=True)
    planned = [out_dir / f"{ch.number:02d}-{ch.label}.md" for ch in chapters]
    index_path = out_dir / "index.md"
    existing = [p for p in [*planned, index_path] if p.exists()]
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise DocxImportError(f"{out_dir}: would overwrite {names} (use --force or another --out)")
    findings: list[DurationFinding] = []
    for ch, path in zip(chapters, planned, strict=True):
        path.write_text("\n".join(ch.lines).rstrip("\n") + "\n", encoding="utf-8")
        findings.extend(_findings(ch, path, extract))
    title = next((b.text for b in blocks if b.kind == "heading" and b.level == 0), source.stem)
    index = _index(heading_title(title), front_matter, preface, [p.stem for p in planned])
    index_path.write_text("\n".join(index.lines).rstrip("\n") + "\n", encoding="utf-8")
    findings = [*_findings(index, index_path, extract), *findings]
    report = format_report(source, planned, findings, owner)
    (out_dir / "import-report.txt").write_text(report, encoding="utf-8")
    return ImportResult(tuple(planned), tuple(findings), report)


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
    source: Path, files: Sequence[Path], findings: Sequence[DurationFinding], owner: str | None
) -> str:
    lines = [f"# Import report: {source.name}", "", f"Chapters written: {len(files)}"]
    lines += [f"- {p.as_posix()}" for p in files]
    if not owner:
        lines += ["", "No --owner given: add `owner: <role id>` to each chapter's front matter."]
    lines += ["", f"Durations that should become SLAs: {len(findings)}"]
    for f in findings:
        lines.append(f"- {f.path.as_posix()}:{f.line}: {f.mention} in “{f.context}”")
        lines.append(f"  {f.suggestion}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CLI


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {value!r}") from exc


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
    print(result.report, end="")
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
    parser.add_argument("--review-due", type=_date, help="review_due date for the front matter (YYYY-MM-DD)")
    parser.add_argument("--force", action="store_true", help="overwrite chapter files already in --out")
    # Importing needs no manualkit project (the Word file usually comes first): skip the lookup.
    parser.set_defaults(handler=_run, no_project=True)
    return parser
