"""Parse MyST chapters into checkable blocks that keep their source positions.

Why not Sphinx: the checker runs as a pre-commit hook and must finish the whole
manual well under a second, so it uses the same markdown-it parser MyST uses
(``myst_parser.parsers.mdit.create_md_parser``) and reads the *source lines* of
every block (token ``.map``).  Prose is analysed on those raw lines with roles,
inline code and link targets blanked out to spaces, so every offset maps back to
an exact ``line:column`` in the file.
"""

from __future__ import annotations

import dataclasses
import re
import stat
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from manualkit.nesting import LITERAL_BODY_DIRECTIVES, MAX_DIRECTIVE_DEPTH, TooDeep, first_too_deep
from manualkit.text_encoding import BOM, not_utf8, universal_newlines

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: ``{name}`content` `` — a MyST role (content may use more backticks).
ROLE_RE = re.compile(r"\{(?P<name>[A-Za-z][\w:.\-]*)\}(?P<ticks>`+)(?P<content>.+?)(?P=ticks)")
_CODE_RE = re.compile(r"(?P<cticks>`+)(?!`).+?(?<!`)(?P=cticks)(?!`)")
#: A role or an inline code span, whichever starts first (the ``role`` group is set for a role).
ROLE_OR_CODE_RE = re.compile(f"(?P<role>{ROLE_RE.pattern})|(?P<code>{_CODE_RE.pattern})")
_LINK_TARGET_RE = re.compile(r"\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)|<(?:https?|mailto):[^>\s]+>")
_SUPPRESS_RE = re.compile(r"^\s*%\s*manualkit:\s*ignore\b(?P<rest>.*)$")
#: Any comment addressed to the checker, to report the ones that are not a well-formed suppression.
_MANUALKIT_COMMENT_RE = re.compile(r"^\s*%\s*manualkit\b(?P<text>.*)$", re.IGNORECASE)
_OPTION_RE = re.compile(r"^:(?P<key>[\w\-]+):\s*(?P<value>.*)$")
_DIRECTIVE_INFO_RE = re.compile(r"^\{(?P<name>[\w:\-]+)\}\s*(?P<arg>.*)$")


@dataclasses.dataclass(frozen=True)
class RoleUse:
    """A role such as ``{sla}`complaint.general.resolve` `` at a 1-based line/column."""

    name: str
    target: str
    line: int
    column: int
    #: Character offset of the role in its block's ``source`` (0 for roles outside blocks).
    offset: int = 0


@dataclasses.dataclass(frozen=True)
class DirectiveUse:
    name: str
    argument: str
    options: tuple[tuple[str, str], ...]
    line: int
    column: int
    section: str | None
    #: The non-blank lines of the body after the options: (1-based line, column, stripped text),
    #: e.g. the entries of a toctree.
    content: tuple[tuple[int, int, str], ...] = ()
    #: Where each of ``options`` is typed: (1-based line, column of its key, column of its value).
    option_places: tuple[tuple[int, int, int], ...] = ()

    def option(self, key: str) -> str | None:
        """The value of option ``key``: the last one given, as MyST keeps only the last of a
        repeated option (``:tags: a`` then ``:tags: b`` filters by ``b``)."""
        found = None
        for k, v in self.options:
            if k == key:
                found = v
        return found

    def option_place(self, key: str) -> tuple[int, int, int] | None:
        """(line, key column, value column) of the option ``key`` the build uses (the last one)."""
        found = None
        for (k, _v), place in zip(self.options, self.option_places, strict=False):
            if k == key:
                found = place
        return found


@dataclasses.dataclass(frozen=True)
class Block:
    """A run of prose: a paragraph, heading or table row, with its raw source lines.

    ``masked`` has the same length as ``source`` with roles, inline code and link
    targets replaced by spaces, so prose analysis cannot mistake ids for text and
    every offset still points at the right column.
    """

    kind: str
    start_line: int
    end_line: int
    source: str
    masked: str
    section: str | None
    roles: tuple[RoleUse, ...]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset into ``source``."""
        return _position(self.source, self.start_line, offset)


def _position(source: str, start_line: int, offset: int) -> tuple[int, int]:
    line = start_line + source.count("\n", 0, offset)
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


#: Rules no comment may silence: a real customer's mobile or ID number must never be published.
UNSUPPRESSIBLE = ("MK4",)


@dataclasses.dataclass(frozen=True)
class Suppression:
    """``% manualkit: ignore MK103 -- reason`` covering the next block (lines inclusive)."""

    codes: tuple[str, ...]
    reason: str
    line: int
    column: int
    first_line: int
    last_line: int
    #: Set for a `% manualkit…` comment that is no suppression (`ingore`, no colon): the text found.
    malformed: str = ""

    @property
    def too_broad(self) -> tuple[str, ...]:
        """Codes naming no rule family (``MK``, ``DATA``): they would silence every rule, personal
        data and deadlines alike, and are not applied (MK001)."""
        return tuple(c for c in self.codes if not re.search(r"\d", c))

    def covers(self, code: str, line: int) -> bool:
        from manualkit.checks.registry import expand

        if self.too_broad or self.malformed:
            return False
        if code.startswith(UNSUPPRESSIBLE):
            return False
        return self.first_line <= line <= self.last_line and any(
            code.startswith(c) for c in expand(self.codes)
        )


@dataclasses.dataclass(frozen=True)
class Heading:
    level: int
    title: str
    line: int
    label: str | None
    #: Whether MyST makes it a section: a heading at the top level of the chapter (not in a list,
    #: a quote, a footnote or a directive, where it becomes a rubric). Headings read from the body
    #: of a fence never closed count as sections (the reading the writer meant).
    section: bool = True
    #: 1-based column of its first character (the ``#``).
    column: int = 1


@dataclasses.dataclass(frozen=True)
class FootnoteDefinition:
    """``[^label]: text`` at a 1-based line and column (of its ``[``)."""

    label: str
    line: int
    column: int


@dataclasses.dataclass(frozen=True)
class UnclosedFence:
    """A fence (```` ``` ````, ``~~~`` or ``:::``) that no closing line ends: markdown-it runs it to
    the end of the chapter (or of the list item, quote or directive body holding it)."""

    #: The opening marker as typed (```` ``` ````, ``~~~~``, ``:::``) and its info string.
    markup: str
    info: str
    line: int
    column: int
    #: The last line the fence takes in (1-based, inclusive; ``line`` when it took nothing).
    last_line: int
    #: Whether it runs to the end of the chapter (else to the end of its container).
    to_end: bool
    #: Directive name (``code-block``, ``note``), ``""`` for a plain code fence.
    directive: str
    #: The headings and labels read from the text it took in (MyST prints them as its content).
    headings: tuple[Heading, ...] = ()
    #: The directive whose body it runs to the end of (``note``), its line and the line of the
    #: closing fence that ends that body (0 when that one is never closed either); ``""`` else.
    inside: str = ""
    inside_line: int = 0
    inside_closing: int = 0
    #: The first line of its text made of its fence character only, but fewer of them than the
    #: opening (``~~~`` under ``~~~~``): (1-based line, text) — the closing line meant, likely.
    short_close: tuple[int, str] | None = None


@dataclasses.dataclass(frozen=True)
class ReadProblem:
    """Why a chapter file is not UTF-8 text, at the 1-based line and column of its first bad byte
    (0 and 0 when the file cannot be opened at all).

    ``also``: the same fault further on in the file (every control character of a chapter is
    reported, not only the first: a writer who fixed one was refused again for the next).
    """

    message: str
    line: int
    column: int
    also: tuple[ReadProblem, ...] = ()

    def each(self) -> tuple[ReadProblem, ...]:
        """This problem and those ``also`` holds, in file order."""
        return (self, *self.also)


@dataclasses.dataclass(frozen=True)
class FrontMatterProblem:
    """Why a chapter's front matter could not be read, at a 1-based line and column of the file."""

    message: str
    line: int
    column: int


@dataclasses.dataclass(frozen=True)
class Document:
    """One parsed chapter (``path`` relative to the project root, POSIX style)."""

    path: str
    text: str
    front_matter: dict[str, Any]
    front_matter_lines: dict[str, int]
    front_matter_problem: FrontMatterProblem | None
    blocks: tuple[Block, ...]
    directives: tuple[DirectiveUse, ...]
    headings: tuple[Heading, ...]
    suppressions: tuple[Suppression, ...]
    #: Set when the file is not UTF-8 text: ``text`` is then only its best reading (MK003).
    read_problem: ReadProblem | None = None
    #: Colon fences that open no directive (a bare ``:::``): ``(line, last line)`` (MK127).
    bare_fences: tuple[tuple[int, int], ...] = ()
    #: Fences no closing line ends (MK129); their text is read as the chapter's prose as well.
    unclosed_fences: tuple[UnclosedFence, ...] = ()
    #: Footnote definitions ``[^label]: …`` in document order (MK141).
    footnotes: tuple[FootnoteDefinition, ...] = ()
    #: The first directive nested deeper than manualkit accepts (MK618); none is read below it.
    too_deep: TooDeep | None = None

    @property
    def front_matter_error(self) -> str | None:
        """The front-matter problem as one line of text, its position in the file included.

        For rules that report it at the top of the chapter; a rule that reports it at
        ``front_matter_problem.line``/``.column`` should use ``front_matter_problem.message``.
        """
        problem = self.front_matter_problem
        if problem is None:
            return None
        return f"line {problem.line}, column {problem.column}: {problem.message}"

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(h.label for h in self.headings if h.label)

    def roles(self) -> Iterator[tuple[Block, RoleUse]]:
        for block in self.blocks:
            for role in block.roles:
                yield block, role

    def lines(self) -> list[str]:
        return self.text.split("\n")


def make_parser() -> MarkdownIt:
    """The markdown-it parser configured like the manual's MyST (colon fences on)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    parser = create_md_parser(MdParserConfig(enable_extensions={"colon_fence"}), RendererHTML)
    # Only block structure is analysed (prose is read from the source lines), so the inline pass —
    # a third of the parsing time — is skipped; block tokens and their line maps are unchanged.
    # Raw HTML blocks are off as in the manual's conf.py (myst_disable_syntax): they are prose there.
    parser.disable(["inline", "text_join", "wordcount", "html_block"], ignoreInvalid=True)
    return parser


def mask(text: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Blank roles, inline code and link targets; return masked text and (offset, name, content) roles."""
    chars = list(text)
    roles: list[tuple[int, str, str]] = []

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "

    # One left-to-right scan, as MyST reads inline markup: whichever of a role and a code span
    # starts first wins, so `{name}` in inline code is code, and {sla}`id` is a role (not a code span).
    for m in ROLE_OR_CODE_RE.finditer(text):
        if m.group("role") is not None:
            roles.append((m.start(), m.group("name"), m.group("content").strip()))
        blank(m.start(), m.end())
    for m in _LINK_TARGET_RE.finditer(text):
        start = m.start("url") if m.group("url") is not None else m.start()
        blank(start, m.end())
    return "".join(chars), roles


_WORD_RE = re.compile(r"[A-Za-z]+")


def _meant_as_suppression(text: str) -> bool:
    """Whether a ``% manualkit …`` comment's text (after "manualkit") looks like a suppression
    typed wrong: ``manualkit:``, a rule id, or a word like ``ignore`` (``ingore``, ``ignroe``).
    An editor's note (``% manualkit 生成的表格，请勿手改``) is none and is left alone."""
    import difflib

    if text.lstrip().startswith((":", "：")) or re.search(r"\b(?:MK|DATA)\d", text, re.IGNORECASE):
        return True
    return any(
        difflib.SequenceMatcher(None, word.lower(), "ignore").ratio() >= 0.7
        for word in _WORD_RE.findall(text)
    )


def role_target(content: str) -> str:
    """``text <id>`` → ``id``; plain ``id`` → ``id`` (MyST explicit-title form)."""
    m = re.match(r"^.*<([^<>]+)>$", content, re.S)
    return (m.group(1) if m else content).strip()


#: The separator before a suppression's reason: "--", or the dash a Chinese input method types
#: for it ("——", "—", "－－"); the codes were read up to the end of the line otherwise, and
#: "——" reported as a rule id.
_REASON_SEPARATOR = re.compile(r"--|——|—|－－")


def _parse_suppression(rest: str) -> tuple[tuple[str, ...], str]:
    parts = _REASON_SEPARATOR.split(rest, maxsplit=1)
    codes_part, reason = parts[0], parts[1] if len(parts) > 1 else ""
    codes = tuple(c.strip().upper() for c in re.split(r"[,\s，、]+", codes_part) if c.strip())
    return codes, reason.strip()


class _Walker:
    """Walks tokens (recursing into prose directives) and collects blocks, directives, headings."""

    def __init__(self, parser: MarkdownIt, lines: Sequence[str]) -> None:
        self.parser = parser
        self.lines = lines
        self.blocks: list[Block] = []
        self.directives: list[DirectiveUse] = []
        self.bare_fences: list[tuple[int, int]] = []
        self.unclosed_fences: list[UnclosedFence] = []
        self.footnotes: list[FootnoteDefinition] = []
        self.headings: list[Heading] = []
        self.suppressions: list[Suppression] = []
        self.front_matter: tuple[str, int] | None = None
        self._section_stack: list[tuple[int, str | None]] = []
        self._pending_label: str | None = None
        self._pending_suppressions: list[tuple[int, int, str]] = []
        #: Directives around the body being walked (never more than MAX_DIRECTIVE_DEPTH).
        self._depth = 0
        #: Whether the text being walked is the chapter's top level (its headings are sections).
        self._top = True
        #: Bodies of unclosed fences being walked as prose (bounded like directives).
        self._unclosed_depth = 0
        #: The directives whose bodies are being walked: (name, line, 0-based end of the body,
        #: 1-based line of the closing fence or 0).
        self._containers: list[tuple[str, int, int, int]] = []

    @property
    def section(self) -> str | None:
        for _, label in reversed(self._section_stack):
            if label:
                return label
        return None

    def walk(self, text: str, line_offset: int) -> None:
        tokens = self.parser.parse(text)
        seen_rows: set[tuple[int, int]] = set()
        for i, tok in enumerate(tokens):
            if tok.map is None:
                continue
            start, end = tok.map[0] + line_offset, tok.map[1] + line_offset
            if self._pending_suppressions and tok.type != "myst_line_comment" and tok.nesting >= 0:
                self._flush_suppressions(start, end)
            if tok.type == "front_matter" and line_offset == 0:
                self.front_matter = (tok.content, start + 2)
            elif tok.type == "myst_target":
                self._pending_label = tok.content.strip()
            elif tok.type == "heading_open":
                level = int(tok.tag[1:])
                title = tokens[i + 1].content if i + 1 < len(tokens) else ""
                while self._section_stack and self._section_stack[-1][0] >= level:
                    self._section_stack.pop()
                self._section_stack.append((level, self._pending_label))
                typed = self.lines[start] if start < len(self.lines) else ""
                column = len(typed) - len(typed.lstrip()) + 1
                section = self._top and tok.level == 0
                self.headings.append(Heading(level, title, start + 1, self._pending_label, section, column))
                self._pending_label = None
                self._add_block("heading", start, end)
            elif tok.type == "inline":
                if (start, end) in seen_rows:
                    continue
                seen_rows.add((start, end))
                kind = "table-row" if tok.map[1] - tok.map[0] == 1 and _in_table(tokens, i) else "paragraph"
                if tokens[i - 1].type == "heading_open":
                    continue
                self._add_block(kind, start, end)
            elif tok.type == "myst_line_comment":
                for ln in range(start, end):
                    m = _SUPPRESS_RE.match(self.lines[ln])
                    if m:
                        self._pending_suppressions.append((ln + 1, self.lines[ln].index("%") + 1, m["rest"]))
                    elif (odd := _MANUALKIT_COMMENT_RE.match(self.lines[ln])) and _meant_as_suppression(
                        odd["text"]
                    ):
                        col = self.lines[ln].index("%") + 1
                        text = "manualkit" + odd["text"]
                        self.suppressions.append(Suppression((), "", ln + 1, col, ln + 1, ln, text.strip()))
            elif tok.type == "footnote_reference_open":
                typed = self.lines[start] if start < len(self.lines) else ""
                column = typed.find("[^") + 1 or 1
                self.footnotes.append(FootnoteDefinition(str(tok.meta.get("label", "")), start + 1, column))
            elif tok.type in ("colon_fence", "fence"):
                before = len(self.headings)
                walked = self._directive(tok, start, end)
                if _is_unclosed(tok):
                    self._record_unclosed(tok, start, end, walked, before)

    def _flush_suppressions(self, start: int, end: int) -> None:
        for line, col, rest in self._pending_suppressions:
            codes, reason = _parse_suppression(rest)
            self.suppressions.append(Suppression(codes, reason, line, col, start + 1, end))
        self._pending_suppressions = []

    def finish(self) -> None:
        if self._pending_suppressions:
            self._flush_suppressions(len(self.lines), len(self.lines) - 1)

    def _add_block(self, kind: str, start: int, end: int) -> None:
        source = "\n".join(self.lines[start:end])
        masked, found = mask(source)
        roles = tuple(
            RoleUse(name.lower(), role_target(content), *_position(source, start + 1, off), offset=off)
            for off, name, content in found
        )
        self.blocks.append(Block(kind, start + 1, end, source, masked, self.section, roles))

    def _record_unclosed(self, tok: Token, start: int, end: int, walked: bool, before: int) -> None:
        """Record a fence no closing line ends; read the text it took in as prose (unless its
        directive's body was read already), so that the labels, roles and headings there are not
        reported missing everywhere else: the one report is MK129's, at the fence."""
        info = tok.info.strip()
        m = _DIRECTIVE_INFO_RE.match(info)
        if tok.type == "colon_fence" and not m:
            return  # a bare ':::' that opens a fence: MK127's
        reading = self._unclosed_depth > 0  # inside the text of an unclosed fence, read as prose
        if not walked and tok.content.strip() and self._unclosed_depth < MAX_DIRECTIVE_DEPTH:
            self._unclosed_depth += 1
            top, self._top = self._top, self._top and tok.level == 0
            self.walk(tok.content, start + 1)
            self._top = top
            self._unclosed_depth -= 1
        if reading:
            return  # an artefact of that reading (the fence's own text): one report, at that fence
        char = tok.markup[:1]
        short_close = next(
            (
                (start + 2 + k, typed.strip())
                for k, typed in enumerate(tok.content.split("\n"))
                if 3 <= len(typed.strip()) < len(tok.markup) and set(typed.strip()) == {char}
            ),
            None,
        )
        if char == ":":
            short_close = None  # a shorter ':::' closes a directive inside it
        text = self.lines[start] if start < len(self.lines) else ""
        column = max(text.find(tok.markup), 0) + 1
        last = end  # the last line it takes in that is not blank (1-based), else its own line
        while last > start + 1 and not self.lines[last - 1].strip():
            last -= 1
        inside = ("", 0, 0)
        if self._containers and self._containers[-1][2] == end:
            name, line, _end, closing = self._containers[-1]
            inside = (name, line, closing)
        self.unclosed_fences.append(
            UnclosedFence(
                markup=tok.markup,
                info=info,
                line=start + 1,
                column=column,
                last_line=last,
                to_end=end >= len(self.lines) or not any(ln.strip() for ln in self.lines[end:]),
                directive=m["name"].lower() if m else "",
                headings=tuple(self.headings[before:]),
                inside=inside[0],
                inside_line=inside[1],
                inside_closing=inside[2],
                short_close=short_close,
            )
        )

    def _option_places(
        self, options: Sequence[tuple[str, str]], first: int, end: int
    ) -> tuple[tuple[int, int, int], ...]:
        """(line, key column, value column) of each option, found in order on the file's own lines
        ``first``..``end`` (0-based, end excluded): a directive in a list item or a quote keeps
        the file's columns. The key column is that of ``:key:``'s first colon (``key:`` in a
        ``---`` block)."""
        places: list[tuple[int, int, int]] = []
        index = first
        for key, value in options:
            k = re.escape(key)
            pattern = re.compile(rf"(?P<at>:{k}:|(?<![\w\-:]){k}[ \t]*:)[ \t]*")
            for at in range(index, min(end, len(self.lines))):
                typed = self.lines[at]
                m = pattern.search(typed)
                if m is None:
                    continue
                shown = value.split("\n", 1)[0][:1]
                found = typed.find(shown, m.end()) if shown else -1
                places.append((at + 1, m.start("at") + 1, (found if found >= 0 else m.end()) + 1))
                index = at + 1
                break
            else:
                places.append((first + 1, 1, 1))
        return tuple(places)

    def _directive(self, tok: Token, start: int, end: int) -> bool:
        """Record a directive; return whether its body was walked as prose."""
        m = _DIRECTIVE_INFO_RE.match(tok.info.strip())
        if not m:
            if tok.type == "colon_fence" and not tok.info.strip():
                self.bare_fences.append((start + 1, end))
            return False
        # Sphinx looks names up in lower case: {Note} is {note}.
        name, arg = m["name"].lower(), m["arg"].strip()
        body = tok.content.split("\n")
        options: list[tuple[str, str]] = []
        skip = 0
        first = 0  # the index in ``body`` of the first option line
        if body and body[0].strip() == "---":
            closing = next((k for k in range(1, len(body)) if body[k].strip() == "---"), None)
            if closing is not None:
                try:
                    loaded = yaml.safe_load("\n".join(body[1:closing]))
                except yaml.YAMLError:
                    loaded = None
                if isinstance(loaded, dict):
                    # An option without a value (``glob:``) is an empty one, not the text "None".
                    options.extend((str(k), "" if v is None else str(v)) for k, v in loaded.items())
                first, skip = 1, closing + 1
                read = _myst_options(textwrap.dedent("\n".join(body[1:closing])))
                options = read if read is not None else options
        else:
            while skip < len(body) and (om := _OPTION_RE.match(body[skip].strip())):
                options.append((om["key"], om["value"].strip()))
                skip += 1
            read = _myst_options("\n".join(line.strip()[1:] for line in body[:skip]))
            if read is not None and [k for k, _ in read] == [k for k, _ in options]:
                options = read
        places = self._option_places(options, start + 1 + first, start + 1 + skip)
        col = self.lines[start].index("{") if "{" in self.lines[start] else 0
        content: list[tuple[int, int, str]] = []
        for k in range(skip, len(body)):
            text = body[k].strip()
            if text and start + 1 + k < len(self.lines):
                line = self.lines[start + 1 + k]
                content.append((start + 2 + k, max(line.find(text), 0) + 1, text))
        self.directives.append(
            DirectiveUse(name, arg, tuple(options), start + 1, col + 1, self.section, tuple(content), places)
        )
        if (name not in LITERAL_BODY_DIRECTIVES and tok.type == "colon_fence") or name in PROSE_FENCES:
            inner = "\n".join(body[skip:])
            if inner.strip() and self._depth < MAX_DIRECTIVE_DEPTH:  # deeper: MK618, and no RecursionError
                self._depth += 1
                top, self._top = self._top, False
                closing = 0 if _is_unclosed(tok) else end
                self._containers.append((name, start + 1, start + 1 + _content_lines(tok), closing))
                self.walk(inner, start + 1 + skip)
                self._containers.pop()
                self._top = top
                self._depth -= 1
            return True
        return False


#: Directives whose body is prose in either fence: admonitions, and the cells of a {list-table}
#: and the caption of a {figure}, where Sphinx resolves roles, images and links as anywhere else.
PROSE_FENCES = frozenset(
    {
        "note",
        "warning",
        "tip",
        "important",
        "attention",
        "caution",
        "admonition",
        "hint",
        "list-table",
        "figure",
    }
)


def _myst_options(block: str) -> list[tuple[str, str]] | None:
    """``key: value`` lines read as MyST reads a directive's options (``options_to_tokens``: quotes
    and ``# comments`` taken off, continuation lines joined), so the checker judges the value the
    build converts; ``None`` when MyST cannot read them (the build warns "Invalid options format")."""
    from myst_parser.parsers.options import TokenizeError, options_to_tokens

    try:
        tokens, _state = options_to_tokens(block)
    except TokenizeError:
        return None
    return [(key.value, value.value if value is not None else "") for key, value in tokens]


def _content_lines(tok: Token) -> int:
    """How many source lines a fence's content takes (its last line may lack a line end)."""
    content = tok.content
    return content.count("\n") + (1 if content and not content.endswith("\n") else 0)


def _is_unclosed(tok: Token) -> bool:
    """Whether no closing line ends the fence: markdown-it's token then spans the opening line and
    its content only (a closed fence's map takes in the closing line too)."""
    return tok.map is not None and tok.map[1] - tok.map[0] - 1 == _content_lines(tok)


def _in_table(tokens: Sequence[Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].type in ("td_open", "th_open")


class ChapterReadError(Exception):
    """A chapter that cannot be read as UTF-8 text.

    ``problem`` says why and where.
    ``fallback`` is the file decoded as well as it can be (GB 18030 or UTF-16 when it decodes as
    that, else UTF-8 with U+FFFD for the bad bytes) so the other rules still see its labels, roles
    and prose instead of reporting everything it defines as missing; ``None`` if it cannot be opened.
    """

    def __init__(self, problem: ReadProblem, fallback: str | None = None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.fallback = fallback


#: The largest chapter file read: the real chapters are about 10 KB; a 31 MB one made the build
#: run for over ten minutes and take 4.5 GB.  Far above any chapter, far below harm.
MAX_CHAPTER_BYTES = 2 * 1024 * 1024

#: Characters no chapter may hold: C0 controls other than tab and line ends (a backspace or
#: vertical tab pasted from another program).  XML forbids them, so the DOCX writer stopped with
#: "All strings must be XML compatible" naming no file; HTML and PDF showed nothing or a box.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def read_chapter(path: Path) -> str:
    """The text of a chapter file — the one way the checker and the build read ``manual/*.md``.

    UTF-8, with a leading byte-order mark dropped (Windows Notepad writes one; Sphinx's default
    ``source_encoding`` is ``utf-8-sig`` too) and line ends read as ``\\n`` whatever the file uses
    (like ``open()`` in text mode).  Raises :class:`ChapterReadError` with the line and column
    of the first byte that is not UTF-8 or the first control character, or the reason the file
    cannot be opened or is too large to be a chapter.
    """
    refused = _outside_manual(path)
    if refused:
        raise ChapterReadError(ReadProblem(refused, 1, 1))
    try:
        # A device or pipe linked as a chapter (/dev/zero, a FIFO) never ends, or blocks on open.
        if not stat.S_ISREG(path.stat().st_mode):
            raise ChapterReadError(ReadProblem(_NOT_A_FILE, 1, 1))
        with path.open("rb") as handle:
            raw = handle.read(MAX_CHAPTER_BYTES + 1)
    except OSError as exc:
        raise ChapterReadError(ReadProblem(f"cannot read the chapter: {exc.strerror or exc}", 0, 0)) from exc
    if len(raw) > MAX_CHAPTER_BYTES:
        size = path.stat().st_size
        raise ChapterReadError(
            ReadProblem(
                f"the chapter is {size / 1024 / 1024:.1f} MB: expected at most "
                f"{MAX_CHAPTER_BYTES // 1024 // 1024} MB for one chapter file; split it or remove "
                "what was pasted into it by mistake",
                1,
                1,
            )
        )
    body = raw[len(BOM) :] if raw.startswith(BOM) else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = not_utf8(body, exc)
        raise ChapterReadError(
            ReadProblem(problem.message, problem.line, problem.column), problem.fallback
        ) from exc
    text = universal_newlines(text)
    problems = _control_characters(text)
    if problems:
        first = dataclasses.replace(problems[0], also=tuple(problems[1:]))
        # Each one read as a space: the other rules' columns stay those of the file as saved.
        raise ChapterReadError(first, _CONTROL.sub(" ", text))
    return text


#: Control characters reported one by one in a chapter; past these, one more message counts the
#: rest (a binary file pasted in holds thousands).
MAX_CONTROL_REPORTS = 10


def _control_characters(text: str) -> list[ReadProblem]:
    """A problem at each control character of ``text`` (1-based line and column)."""
    found: list[ReadProblem] = []
    matches = list(_CONTROL.finditer(text))
    for index, control in enumerate(matches):
        before = text[: control.start()]
        line = before.count("\n") + 1
        column = control.start() - (before.rfind("\n") + 1) + 1
        char = control.group()
        name = unicodedata.name(char, "") or _C0_NAMES.get(ord(char), "control character")
        if index == MAX_CONTROL_REPORTS:
            rest = len(matches) - index
            found.append(
                ReadProblem(
                    f"{rest} more control characters from here on, U+{ord(char):04X} ({name}) "
                    "the first: delete them (see above)",
                    line,
                    column,
                )
            )
            break
        message = (
            f"control character U+{ord(char):04X} ({name}) in the text: expected printable text "
            "(the DOCX cannot hold it); delete it — it usually comes with text pasted from another program"
        )
        found.append(ReadProblem(message, line, column))
    return found


def _outside_manual(path: Path) -> str | None:
    """Why a chapter whose real place is outside the ``manual/`` folder it is listed in is not read.

    ``manual/settings.md -> ../.env`` published the project's secrets as a chapter; the build
    refuses it too (``refuse_source_outside_project``), and the checker must not quote it.
    """
    manual = next((parent for parent in path.parents if parent.name == MANUAL_FOLDER), None)
    if manual is None:
        return None
    real = path.resolve()
    if real.is_relative_to(manual.resolve()):
        return None
    return (
        f"refusing to read it: a symbolic link leads it to {real}, outside the manual's sources "
        f"({MANUAL_FOLDER}/); expected a chapter file in {MANUAL_FOLDER}/ (copy it in instead of linking it)"
    )


_NOT_A_FILE = "refusing to read it: expected a file, found a device or pipe"

#: The folder of the chapters (the project's fixed layout).
MANUAL_FOLDER = "manual"

#: Names of the C0 controls (``unicodedata`` has none for them).
_C0_NAMES = {
    0: "NULL",
    8: "BACKSPACE",
    11: "LINE TABULATION",
    12: "FORM FEED",
    27: "ESCAPE",
    0xFFFE: "NONCHARACTER",
    0xFFFF: "NONCHARACTER",
}


def chapter_paths(manual_dir: Path) -> list[Path]:
    """Every chapter file (``*.md`` under ``manual/``), in path order."""
    return sorted(manual_dir.rglob("*.md")) if manual_dir.is_dir() else []


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to the project root, POSIX style (a symlinked chapter keeps its own name)."""
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def parse_document(path: Path, root: Path, parser: MarkdownIt | None = None) -> Document:
    """Parse one chapter; front-matter YAML errors are kept (reported by the review rules).

    Raises :class:`ChapterReadError` when the file is not UTF-8 text or cannot be read.
    """
    return parse_text(read_chapter(path), _relative(path, root), parser)


def parse_text(
    text: str, path: str, parser: MarkdownIt | None = None, read_problem: ReadProblem | None = None
) -> Document:
    """Parse a chapter's text (``path`` relative to the project root, POSIX style)."""
    lines = text.split("\n")
    walker = _Walker(parser or make_parser(), lines)
    walker.walk(text, 0)
    walker.finish()
    front: dict[str, Any] = {}
    front_lines: dict[str, int] = {}
    problem: FrontMatterProblem | None = None
    if walker.front_matter is not None:
        content, first_line = walker.front_matter
        front, front_lines, problem = _front_matter(content, first_line)
    elif lines and lines[0].rstrip() == "---":
        problem = _unclosed_front_matter(lines)
    return Document(
        path=path,
        text=text,
        front_matter=front,
        front_matter_lines=front_lines,
        front_matter_problem=problem,
        blocks=tuple(walker.blocks),
        directives=tuple(walker.directives),
        headings=tuple(walker.headings),
        suppressions=tuple(walker.suppressions),
        read_problem=read_problem,
        bare_fences=tuple(walker.bare_fences),
        unclosed_fences=tuple(walker.unclosed_fences),
        footnotes=tuple(walker.footnotes),
        too_deep=first_too_deep(text),
    )


def _unclosed_front_matter(lines: Sequence[str]) -> FrontMatterProblem:
    """A first line ``---`` with no closing ``---``: MyST then reads a horizontal rule and the keys
    as a paragraph, so the owner and review date are lost and every output prints them."""
    last = 1
    for index in range(1, len(lines)):
        text = lines[index].strip()
        if not text or text.startswith("#"):
            break
        last = index + 1
    return FrontMatterProblem(
        f"the front matter opened with '---' on line 1 is never closed: expected a '---' line after "
        f"its last key (line {last}), found "
        + (f"{lines[last].strip()!r}" if last < len(lines) and lines[last].strip() else "a blank line"),
        last + 1 if last < len(lines) else last,
        1,
    )


def _front_matter(
    content: str, first_line: int
) -> tuple[dict[str, Any], dict[str, int], FrontMatterProblem | None]:
    """Front matter → (values, line of each key, problem); positions are the file's own.

    ``first_line`` is the file line of the front matter's first YAML line (after ``---``), so a
    YAML position (line L, column C, 0-based) is the file's line ``first_line + L``, column ``C + 1``.
    """
    from manualkit.yamlsource import describe_yaml_error

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a safe loader (C or pure Python)
    try:
        node = yaml.compose(content, Loader=loader)
    except yaml.YAMLError as exc:
        message, line, column = describe_yaml_error(exc, content, first_line - 1)
        return {}, {}, FrontMatterProblem(message, line, column)
    if node is None:
        return {}, {}, None
    if not isinstance(node, yaml.MappingNode):
        where = node.start_mark
        found = "a list" if isinstance(node, yaml.SequenceNode) else f"the text {str(node.value)!r}"
        message = f"front matter must be a YAML mapping (owner: …, review_due: …), found {found}"
        return {}, {}, FrontMatterProblem(message, first_line + where.line, where.column + 1)
    try:
        loaded = _construct(node)
    except (yaml.YAMLError, ValueError, TypeError):
        return {}, {}, _construction_problem(node, first_line)
    front = {str(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    lines = {str(key.value): first_line + key.start_mark.line for key, _ in node.value}
    return front, lines, None


def _construct(node: yaml.Node) -> Any:
    """Python values of a composed node, as ``yaml.safe_load`` would build them."""
    return yaml.constructor.SafeConstructor().construct_document(node)


def _construction_problem(node: yaml.MappingNode, first_line: int) -> FrontMatterProblem:
    """The first key or value that cannot be built (an impossible date such as 2027-02-30)."""
    for key, value in node.value:
        for part in (key, value):
            try:
                _construct(part)
            except (yaml.YAMLError, ValueError, TypeError) as exc:
                mark = part.start_mark
                shown = str(part.value) if isinstance(part, yaml.ScalarNode) else part.tag
                reason = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else str(exc)
                kind = (
                    "a valid date YYYY-MM-DD" if part.tag.endswith(":timestamp") else "a value YAML can read"
                )
                what = f"{kind}, found {shown!r}"
                return FrontMatterProblem(
                    f"expected {what} ({reason})", first_line + mark.line, mark.column + 1
                )
    mark = node.start_mark
    return FrontMatterProblem(
        "front matter cannot be read as YAML values", first_line + mark.line, mark.column + 1
    )


_YAML_SUPPRESS_RE = re.compile(r"^(?P<indent>\s*)#\s*manualkit:\s*ignore\b(?P<rest>.*)$")


def yaml_suppressions(text: str) -> tuple[Suppression, ...]:
    """``# manualkit: ignore MK112 -- reason`` in a data file, covering the YAML node below it.

    The node is the next non-comment line plus every following line indented deeper (for
    ``- id: …`` that is the whole sequence entry).
    """
    lines = text.split("\n")
    found: list[Suppression] = []
    for i, line in enumerate(lines):
        m = _YAML_SUPPRESS_RE.match(line)
        if not m:
            continue
        codes, reason = _parse_suppression(m["rest"])
        start = next(
            (
                k
                for k in range(i + 1, len(lines))
                if lines[k].strip() and not lines[k].lstrip().startswith("#")
            ),
            None,
        )
        if start is None:
            found.append(Suppression(codes, reason, i + 1, len(m["indent"]) + 1, i + 2, i + 1))
            continue
        indent = len(lines[start]) - len(lines[start].lstrip(" "))
        end = start
        for k in range(start + 1, len(lines)):
            stripped = lines[k].lstrip(" ")
            if not stripped or stripped.startswith("#"):
                continue
            if len(lines[k]) - len(stripped) <= indent:
                break
            end = k
        found.append(Suppression(codes, reason, i + 1, len(m["indent"]) + 1, start + 1, end + 1))
    return tuple(found)


def parse_manual(manual_dir: Path, root: Path) -> tuple[tuple[Document, ...], tuple[tuple[str, str], ...]]:
    """Every ``*.md`` under ``manual/``, in path order, sharing one parser.

    A chapter that is not UTF-8 text but reads as a chapter in the encoding it was most likely
    saved in (GBK/GB 18030, UTF-16: it has front matter or a heading) is parsed from that reading
    and carries its ``read_problem``, so the other rules still see the labels, roles and entries it
    uses instead of reporting them all as missing.  Any other unreadable file is left out.  Either
    way the one report about it is MK003 (``rules_meta``, via :func:`unreadable_chapters`) at its
    first bad byte; the second value, once the unreadable files, is always empty.
    """
    parser = make_parser()
    docs: list[Document] = []
    for path in chapter_paths(manual_dir):
        try:
            docs.append(parse_document(path, root, parser))
        except ChapterReadError as exc:
            if exc.fallback is not None:
                doc = parse_text(exc.fallback, _relative(path, root), parser, exc.problem)
                if doc.headings or doc.front_matter or doc.front_matter_problem:
                    docs.append(doc)
    return tuple(docs), ()


def unreadable_chapters(root: Path, documents: Iterable[Document]) -> list[tuple[str, ReadProblem]]:
    """(path, problem) of every chapter under ``root/manual`` that is not UTF-8 text or cannot be
    opened: the documents parsed from a best reading, and the files left out (read again here)."""
    docs = list(documents)
    found = [(doc.path, doc.read_problem) for doc in docs if doc.read_problem is not None]
    parsed = {doc.path for doc in docs}
    for path in chapter_paths(root / "manual"):
        rel = _relative(path, root)
        if rel in parsed:
            continue
        try:
            read_chapter(path)
        except ChapterReadError as exc:
            found.append((rel, exc.problem))
    return sorted(found, key=lambda item: item[0])
