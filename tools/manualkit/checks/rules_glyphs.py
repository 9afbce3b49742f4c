"""MK619: a character the PDF's fonts cannot draw — ``manualkit build pdf`` stops at it.

Text pasted from WeChat brings emoji (👉), an input method private-use characters (U+E000 …), a
customer's name a rare ideograph.  The site shows them (the browser finds some font); the PDF
builder refuses them before rendering (WeasyPrint would print an empty box and break text
extraction for the whole font).  Without this rule that refusal came only with the PDF build,
after the checker — the pre-commit gate — had passed.

The fonts are the builder's own: the stacks of ``conf.py`` (``manualkit_pdf_fonts``, else the
defaults) resolved by fontconfig and their cmaps read through the shared cache, all by
:mod:`manualkit.builders.pdf_fonts`, which imports neither Sphinx nor WeasyPrint.

Which stack a character must be in, as far as the source tells it cheaply: code (inline code,
fenced and indented code blocks, ``{code-block}``) the monospace stack; a drawing's DOT code the
body stack (as the builder checks it); any other text both the body and the heading stacks
(whether a phrase ends up in a heading, a table head or bold type is the doctree's business —
the rule the builder applies to the cover's data, ``missing_in_text``).  What the PDF never
prints is not checked: front matter, ``%`` comments, ``(label)=`` lines, directive options,
link targets; and in data, keys (text values of every data file are checked).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from manualkit.builders.pdf_fonts import (
    CMAP_CACHE_FILE,
    CmapCache,
    Coverage,
    DataFileText,
    FontError,
    FontFile,
    configured_font_stacks,
    data_texts,
    describe_char,
    ignored_char,
    resolve_stacks,
)
from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.source import PROSE_FENCES, ROLE_OR_CODE_RE, Block, Document, make_parser
from manualkit.diagnostics import Diagnostic, Location
from manualkit.loader import entry_path_label
from manualkit.models import DATA_FILES
from manualkit.nesting import LITERAL_BODY_DIRECTIVES, MAX_DIRECTIVE_DEPTH
from manualkit.usercache import user_cache_dir
from manualkit.yamlsource import excerpt

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

    from manualkit.yamlsource import YamlDocument

CODE = "MK619"

#: How a line of a chapter reaches the PDF (lines not listed are text).
_HIDDEN, _MONO, _DIAGRAM = "hidden", "mono", "diagram"

#: Directives whose body the PDF prints as code, or draws as a diagram, or not at all.
_CODE_DIRECTIVES = frozenset({"code-block", "code", "sourcecode"})
_DIAGRAM_DIRECTIVES = frozenset({"graphviz", "digraph", "graph"})
_UNPRINTED_DIRECTIVES = frozenset({"toctree", "raw"})
_DIRECTIVE_NAME_RE = re.compile(r"^\{(?P<name>[\w:\-]+)\}")
_OPTION_RE = re.compile(r"^:[\w\-]+:")

_EXAMPLE_FIX = "delete it or replace it with text, e.g. 👉 → “见”"


@rule(
    CODE,
    "error",
    "a character the PDF's fonts cannot draw: the PDF build stops",
    """
    What: a character in a chapter or in a data file's text that none of the PDF's fonts has —
    an emoji pasted from WeChat (👉, ✅), a private-use character left by an input method
    (U+E000 …), a rare ideograph.  Reported once per character and line (data: per value), at
    its line and column, with the fonts of conf.py (`manualkit_pdf_fonts`, else Noto CJK and
    DejaVu).  Code is checked against the monospace fonts, a drawing's DOT code against the body
    fonts, other text against the body and the heading fonts.  When the fonts themselves cannot
    be found (fontconfig or the font packages missing) a single warning says so and nothing is
    checked.
    Why: `manualkit build pdf` refuses the whole PDF for it (WeasyPrint would print an empty box
    and break copying and searching the text), after this check had passed.
    Fix: delete the character or replace it with text (👉 → “见”, ✅ → “已完成”); a private-use
    character means nothing outside the program that typed it: delete it.
    """,
    needs_data=False,
)
def undrawable_characters(ctx: CheckContext) -> Iterator[Diagnostic]:
    try:
        fonts = PdfFonts.load(ctx.root)
    except FontError as exc:
        yield Diagnostic(
            CODE,
            "warning",
            f"the PDF's fonts cannot be looked up, so no character was checked against them: {exc}",
            Location("conf.py"),
        )
        return
    yield from _chapter_findings(ctx.documents, fonts)
    yield from _data_findings(ctx, fonts)


@dataclasses.dataclass(frozen=True)
class PdfFonts:
    """The code points each stack the PDF draws text with can draw, and the families found for it."""

    #: ``body``, ``heading``, ``mono`` → the families fontconfig found (for messages).
    families: Mapping[str, tuple[str, ...]]
    #: The same roles → the code points their fonts cover.
    covered: Mapping[str, frozenset[int]]

    @classmethod
    def load(cls, root: Path) -> PdfFonts:
        """Resolve the project's stacks (raises ``FontError``) and read their cmaps (cached)."""
        resolved = resolve_stacks(configured_font_stacks(root / "conf.py"))
        cache = CmapCache(user_cache_dir() / CMAP_CACHE_FILE)
        coverage = Coverage(resolved, cache)
        roles = ("body", "heading", "mono")
        fonts = cls(
            {role: _names(resolved, role) for role in roles}, {role: coverage(role) for role in roles}
        )
        cache.save()
        return fonts

    @cached_property
    def text(self) -> frozenset[int]:
        """What text of unknown role can be drawn with: body and heading fonts alike."""
        return self.covered["body"] & self.covered["heading"]

    def lacking(self, char: str, kind: str) -> str | None:
        """The stacks of ``kind`` that lack ``char`` (``None``: it can be drawn), for the message."""
        code = ord(char)
        roles = {_MONO: ("mono",), _DIAGRAM: ("body",)}.get(kind, ("body", "heading"))
        missing = [role for role in roles if code not in self.covered[role]]
        if not missing:
            return None
        shown = {"body": "body", "heading": "heading", "mono": "monospace"}
        return " nor its ".join(f"{shown[role]} fonts ({', '.join(self.families[role])})" for role in missing)


def _names(resolved: Mapping[str, Sequence[FontFile]], role: str) -> tuple[str, ...]:
    """The families found for ``role`` (the body's when the stacks give it none, as ``Coverage``)."""
    files = resolved.get(role) or resolved.get("body") or ()
    return tuple(font.family for font in files)


def _message(char: str, lacking: str, where: str = "", times: int = 1) -> str:
    """What is wrong, where the build stops, and the fix."""
    repeated = f" ({times} times on this line)" if times > 1 else ""
    fix = _EXAMPLE_FIX
    if unicodedata.category(char) == "Co":
        fix = f"{fix}; a private-use character means nothing outside the program that typed it"
    return (
        f"character {describe_char(char)}{where}{repeated} is not in the PDF's {lacking}: "
        f"`manualkit build pdf` stops at it (it would print as an empty box); {fix}"
    )


# -- chapters ----------------------------------------------------------------------------------


def _chapter_findings(documents: Sequence[Document], fonts: PdfFonts) -> Iterator[Diagnostic]:
    """Each character a chapter prints that its stack lacks, once per line, in file order.

    Most chapters hold no character outside every stack: one set difference decides; only a
    chapter that does is parsed again to tell its code and its hidden lines from its text.
    """
    every = fonts.text & fonts.covered["mono"]
    parser: MarkdownIt | None = None
    for doc in documents:
        if doc.read_problem is not None:
            continue  # not UTF-8: its text is a guess, and MK003 reports the file
        odd = {char for char in set(doc.text) if ord(char) not in every and not ignored_char(char)}
        if not odd:
            continue
        parser = parser or make_parser()
        yield from _chapter_lines(doc, odd, fonts, _line_kinds(doc.text, parser))


def _chapter_lines(
    doc: Document, odd: set[str], fonts: PdfFonts, kinds: Mapping[int, str]
) -> Iterator[Diagnostic]:
    blocks = _blocks_by_line(doc.blocks)
    for number, line in enumerate(doc.lines(), start=1):
        kind = kinds.get(number, "")
        if kind == _HIDDEN or odd.isdisjoint(line):
            continue
        found: dict[str, tuple[int, int, str]] = {}  # char → (first column, count, what lacks it)
        for index, char in enumerate(line):
            if char not in odd:
                continue
            here = kind or _text_kind(blocks.get(number), number, index)
            if here == _HIDDEN:
                continue
            lacking = fonts.lacking(char, here)
            if lacking is None:
                continue
            column, count, first = found.get(char, (index + 1, 0, lacking))
            found[char] = (column, count + 1, first)
        for char, (column, count, lacking) in found.items():
            message = _message(char, lacking, times=count)
            yield Diagnostic(CODE, "error", message, Location(doc.path, number, column))


@dataclasses.dataclass(frozen=True)
class _BlockSpans:
    """A prose block's inline code (drawn in the monospace stack) and link targets (not printed)."""

    block: Block
    code: tuple[tuple[int, int], ...]
    #: Offsets the block's masking blanked that are neither code nor a role: link targets.
    hidden: frozenset[int]
    #: Offset in ``block.source`` of each of its lines.
    line_starts: tuple[int, ...]


def _blocks_by_line(blocks: Sequence[Block]) -> dict[int, _BlockSpans]:
    by_line: dict[int, _BlockSpans] = {}
    for block in blocks:
        code: list[tuple[int, int]] = []
        marked: set[int] = set()
        for m in ROLE_OR_CODE_RE.finditer(block.source):
            marked.update(range(m.start(), m.end()))
            if m.group("code") is not None:
                code.append((m.start(), m.end()))
        hidden = frozenset(
            i
            for i, (typed, masked) in enumerate(zip(block.source, block.masked, strict=True))
            if typed != masked and i not in marked
        )
        starts = [0]
        for text in block.source.split("\n")[:-1]:
            starts.append(starts[-1] + len(text) + 1)
        spans = _BlockSpans(block, tuple(code), hidden, tuple(starts))
        for number in range(block.start_line, block.start_line + len(starts)):
            by_line.setdefault(number, spans)
    return by_line


def _text_kind(spans: _BlockSpans | None, number: int, index: int) -> str:
    """How the character at 0-based ``index`` of line ``number`` of a prose line is printed."""
    if spans is None:
        return ""  # a directive's argument, a bare ::: block: text
    offset = spans.line_starts[number - spans.block.start_line] + index
    if offset in spans.hidden:
        return _HIDDEN
    if any(start <= offset < end for start, end in spans.code):
        return _MONO
    return ""


def _line_kinds(text: str, parser: MarkdownIt) -> dict[int, str]:
    """1-based line → how the PDF prints it, for the lines that are not text: not at all (front
    matter, comments, label lines, directive options, a toctree's entries), as code, as a diagram.

    The block structure as MyST reads it (markdown-it's block pass, directives' bodies recursed
    into as ``checks.source`` does); an unclosed fence is code, as the build reads it.
    """
    kinds: dict[int, str] = {}

    def mark(first: int, end: int, kind: str) -> None:  # 0-based lines, ``end`` excluded
        for number in range(first + 1, end + 1):
            kinds[number] = kind

    def walk(source: str, offset: int, depth: int) -> None:
        for tok in parser.parse(source):
            if tok.map is None:
                continue
            start, end = tok.map[0] + offset, tok.map[1] + offset
            if tok.type in ("front_matter", "myst_line_comment", "myst_target"):
                mark(start, end, _HIDDEN)
            elif tok.type == "code_block":
                mark(start, end, _MONO)
            elif tok.type in ("fence", "colon_fence"):
                fence(tok, start, depth)

    def fence(tok: Token, start: int, depth: int) -> None:
        body = tok.content.split("\n")
        if body and body[-1] == "":
            body.pop()
        first, end = start + 1, start + 1 + len(body)
        m = _DIRECTIVE_NAME_RE.match(tok.info.strip())
        if m is None:
            if tok.type == "fence":
                mark(first, end, _MONO)
            elif depth < MAX_DIRECTIVE_DEPTH:  # a bare ::: block: MyST renders its text
                walk("\n".join(body), first, depth + 1)
            return
        name = m["name"].lower()
        skip = _option_lines(body)
        mark(first, first + skip, _HIDDEN)
        if name in _CODE_DIRECTIVES:
            mark(first + skip, end, _MONO)
        elif name in _DIAGRAM_DIRECTIVES:
            mark(first + skip, end, _DIAGRAM)
        elif name in _UNPRINTED_DIRECTIVES:
            mark(first + skip, end, _HIDDEN)
        elif _prose_body(tok, name) and depth < MAX_DIRECTIVE_DEPTH:  # deeper: MK618
            walk("\n".join(body[skip:]), first + skip, depth + 1)

    walk(text, 0, 0)
    return kinds


def _prose_body(tok: Token, name: str) -> bool:
    """Whether MyST reads a directive's body as the chapter's prose (as ``checks.source`` walks it)."""
    return (tok.type == "colon_fence" and name not in LITERAL_BODY_DIRECTIVES) or name in PROSE_FENCES


def _option_lines(body: Sequence[str]) -> int:
    """How many lines of a directive's body are its options (``:key: value`` lines or a ``---``
    YAML block), as ``checks.source`` reads them."""
    if body and body[0].strip() == "---":
        closing = next((k for k in range(1, len(body)) if body[k].strip() == "---"), None)
        return closing + 1 if closing is not None else 0
    skip = 0
    while skip < len(body) and _OPTION_RE.match(body[skip].strip()):
        skip += 1
    return skip


# -- data --------------------------------------------------------------------------------------


def _data_findings(ctx: CheckContext, fonts: PdfFonts) -> Iterator[Diagnostic]:
    """Each character of a data file's text values the PDF cannot draw, once per value, at the
    character's own line and column in the file (the value's start when written as an escape).

    Data text reaches the PDF as text of every kind (a form's labels, a table's head, a section
    title): it must be in the body and the heading stacks.  The holiday schedules are not printed.
    """
    covered = fonts.text
    for collection, file_name in DATA_FILES.items():
        doc = ctx.positions.documents.get(collection)
        if doc is None or doc.value is None:
            continue
        texts = list(data_texts(doc.value))
        seen: set[str] = set()
        for _, value in texts:
            seen.update(value)
        odd = {char for char in seen if ord(char) not in covered and not ignored_char(char)}
        if not odd:
            continue
        source = _data_file_text(ctx, file_name, doc)
        for path, value in texts:
            if odd.isdisjoint(value):
                continue
            for char in dict.fromkeys(c for c in value if c in odd):
                lacking = fonts.lacking(char, "")
                if lacking is None:
                    continue
                line, column = (source.position(path, char) if source else None) or (0, 0)
                if not line:
                    location = ctx.where(collection, None, *path)
                else:
                    location = Location(ctx.positions.file(collection), line, column)
                where = f" in {entry_path_label(collection, doc.value, path)} {excerpt(value)}"
                yield Diagnostic(CODE, "error", _message(char, lacking, where), location)


def _data_file_text(ctx: CheckContext, file_name: str, doc: YamlDocument) -> DataFileText | None:
    """The file as written, to place a character within its value (``None``: unreadable)."""
    try:
        text = (ctx.data_dir / file_name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return DataFileText(text, doc)
