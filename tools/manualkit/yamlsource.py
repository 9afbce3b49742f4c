"""Safe, position-keeping YAML reading.

``yaml.safe_load`` throws away where each value came from, silently keeps the
last of two equal keys and reads ``no`` as ``False`` and ``010`` as ``8``
(YAML 1.1).  Writers of the manual's data files deserve better: we *compose*
the file into nodes (no object construction, so nothing arbitrary can be
built), convert the nodes to plain Python values ourselves and, on the way,

* record the 1-based ``(line, column)`` of every value and every mapping key,
  keyed by its path (``("slas", 3, "duration", "unit")``), so a later
  validation error can point at the exact spot;
* report duplicate keys, YAML 1.1 booleans (``yes``/``no``/``on``/``off``/
  ``y``/``n``), integers with a leading zero, hexadecimal/underscored numbers,
  merge keys and unsupported tags as problems instead of guessing.

Resolution of plain scalars follows the YAML 1.2 core schema (what most
writers expect): ``true``/``false``, ``null``/``~``/empty, decimal integers,
decimal floats and ``YYYY-MM-DD`` dates; everything else is a string (so a
plain ``18:00`` stays the text ``"18:00"`` instead of YAML 1.1's 64800).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any, Literal

import yaml

from manualkit.cjk_text import join_folded_lines

#: A path from the document root to a value: mapping keys and sequence indexes.
YamlPath = tuple[str | int, ...]

NodeKind = Literal["scalar", "mapping", "sequence"]

#: A node budget: aliases can make a tiny file expand to billions of values ("billion laughs").
MAX_NODES = 50_000

#: How deep lists and mappings may nest (the root mapping or list is level 1).  The deepest real
#: data (a process's step's branches in data/processes.yaml) has 6 levels; 50 is far above any
#: data a writer means, and far below what Python's recursion limit (1000 frames) allows every
#: recursive walk of a value — :meth:`_Converter.convert` (2 frames a level), ``dataschema.leaves``,
#: pydantic's validation — even when the loader itself runs deep inside Sphinx's stack.  Deeper
#: nesting (``[[[[…]]]]``, 500–999 levels got through libyaml's own limit of 1000) is refused.
MAX_DEPTH = 50

#: The longest text value (or key) accepted, in characters.  The longest real value is 253
#: characters (a revision's summary); 20 000 is a long chapter's worth of text in one value,
#: while one 10-million-character definition kept ``build all`` busy for over ten minutes.
MAX_TEXT_CHARS = 20_000

#: How much of a value a message quotes (see :func:`excerpt`).
EXCERPT_CHARS = 60

#: Characters XML 1.0 cannot hold (the DOCX and HTML outputs are XML): C0 control characters other
#: than TAB, LF and CR, halves of surrogate pairs, and the noncharacters U+FFFE and U+FFFF.  The
#: YAML reader refuses them typed into a file; a double-quoted escape (``"\x01"``) brings them in.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_YAML11_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+")
_OTHER_NUMBER = re.compile(
    r"[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[bBoO][0-9_]+|[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"
)

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
#: Our own tag for untagged plain scalars: *we* resolve them (YAML 1.2 core rules, see above).
_PLAIN_TAG = "tag:manualkit,2026:plain"


class _TooDeep(yaml.composer.ComposerError):
    """Lists and mappings nested beyond :data:`MAX_DEPTH` while composing (pure-Python composer)."""


class _Rules:
    """What :class:`_Loader` changes in the safe loader it is built on (libyaml's or PyYAML's).

    Implicit resolution is the part of composing that is both slow (a regex per scalar) and
    surprising (``no`` → false); untagged plain scalars get ``_PLAIN_TAG`` and are resolved by
    :meth:`_Converter._scalar`, while an explicit tag (``!!str 010``) is kept as written.
    """

    _levels = 0

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN_TAG if implicit[0] else _STR_TAG
        if kind is yaml.SequenceNode:
            return _SEQ_TAG
        return _MAP_TAG

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """PyYAML's composer recurses once a level (libyaml's composer does not call this): stop it
        at :data:`MAX_DEPTH` levels, before Python's recursion limit."""
        event = self.peek_event()  # type: ignore[attr-defined]
        collection = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if collection and self._levels >= MAX_DEPTH:
            raise _TooDeep(None, None, _too_deep_message(None), event.start_mark)
        self._levels += collection
        try:
            return super().compose_node(parent, index)  # type: ignore[misc, no-any-return]
        finally:
            self._levels -= collection


class _Loader(_Rules, _BaseLoader):  # type: ignore[misc]
    """The safe (libyaml) loader with YAML 1.1 implicit typing switched off (see :class:`_Rules`)."""


def _too_deep_message(levels: int | None) -> str:
    found = f"{levels} levels deep" if levels is not None else f"more than {MAX_DEPTH} levels deep"
    return (
        f"lists and mappings nested {found}; at most {MAX_DEPTH} levels are allowed "
        f"(level {MAX_DEPTH + 1} starts here)"
    )


@dataclasses.dataclass(slots=True)
class NodeInfo:
    """Where a value sits in its file (1-based), and for scalars how it was written."""

    line: int
    column: int
    kind: NodeKind
    #: Position of the mapping key that introduced the value (0 when it is a sequence item or the root).
    key_line: int = 0
    key_column: int = 0
    #: The scalar exactly as written (for messages such as "quote it: '1.0'").
    text: str | None = None
    #: True for plain (unquoted) scalars.
    plain: bool = False


@dataclasses.dataclass(frozen=True)
class YamlProblem:
    """A problem found while reading; ``code`` is a loader diagnostic code (``DATA001`` …)."""

    code: str
    message: str
    line: int
    column: int
    path: YamlPath = ()


@dataclasses.dataclass
class YamlDocument:
    """Plain Python values of one file, plus the position of every value in it."""

    value: Any
    nodes: dict[YamlPath, NodeInfo]
    problems: list[YamlProblem]

    def info(self, path: YamlPath) -> NodeInfo | None:
        return self.nodes.get(path)

    def nearest(self, path: YamlPath) -> tuple[YamlPath, NodeInfo | None]:
        """The longest prefix of ``path`` that names a recorded node (and that node)."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            found = self.nodes.get(prefix)
            if found is not None:
                return prefix, found
        return (), None


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` quoted for a message (``repr``), cut to ``limit`` characters when longer.

    A message never quotes a whole value: a data file may hold anything (a secret pasted by
    mistake, a million characters) and build logs are published.  ``'root:x:0:0:…'… (3012
    characters)``: the start, to recognise the value, and its length.
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def not_xml_text(text: str) -> str | None:
    """Why ``text`` cannot be written to XML (its first character XML 1.0 forbids), or ``None``.

    ``found U+0001 (a control character) at character 7, after '客户信息变更'``: the character,
    what it is, and where it sits in the value.
    """
    found = _NOT_XML.search(text)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        what = "half of a surrogate pair, not a character"
    elif char in "\ufffe\uffff":
        what = "a noncharacter"
    else:
        what = "a control character"
    before = text[: found.start()]
    after = f", after {excerpt(before[-20:], 20)}" if before else ", at its start"
    more = len(_NOT_XML.findall(text)) - 1
    others = f" (and {more} more)" if more else ""
    return f"U+{ord(char):04X} ({what}) at character {found.start() + 1}{after}{others}"


def label_text(text: str) -> str:
    """``text`` as it may stand unquoted in a message (a key, an id), else quoted by :func:`excerpt`:
    a control character (an ANSI escape in a CI log) or a 20 000-character key is never printed."""
    return text if len(text) <= EXCERPT_CHARS and text.isprintable() else excerpt(text)


#: A path longer than this many parts is shown with its middle left out (see :func:`format_path`).
_PATH_PARTS_SHOWN = 10


def format_path(path: YamlPath) -> str:
    """``("slas", 3, "duration")`` → ``slas[3].duration``; a path nested deep (a value
    refused for its depth) keeps its first and last parts: ``x[0][0][0][0][0][0]…[0][0][0]``."""
    parts = [
        f"[{part}]" if isinstance(part, int) else f"{'.' if index else ''}{label_text(part)}"
        for index, part in enumerate(path)
    ]
    if len(parts) > _PATH_PARTS_SHOWN:
        parts[_PATH_PARTS_SHOWN - 3 : -3] = ["…"]
    return "".join(parts)


def read_yaml(text: str) -> YamlDocument:
    """Compose ``text`` and convert it; never raises for bad input, problems are collected."""
    odd = [
        YamlProblem("DATA001", f"YAML syntax error: {message}", line, column)
        for message, line, column in odd_indentation(text)
    ]
    try:
        root = yaml.compose(text, Loader=_Loader)
    except _TooDeep as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return YamlDocument(None, {}, [YamlProblem("DATA001", str(exc.problem), line, column)])
    except yaml.YAMLError as exc:
        message, line, column = describe_yaml_error(exc, text)
        if odd and (odd[0].line, odd[0].column) == (line, column):
            return YamlDocument(None, {}, odd)  # the cause: every such line at once
        return YamlDocument(None, {}, [YamlProblem("DATA001", f"YAML syntax error: {message}", line, column)])
    if odd:  # YAML read '\u3000start' as a key: the file says something else than was meant
        return YamlDocument(None, {}, odd)
    converter = _Converter(text.split("\n"))
    if root is None:
        return YamlDocument(None, {}, [])
    try:
        value = converter.convert(root, (), 0, 0)
    except _TooManyNodes as exc:
        return YamlDocument(None, {}, [exc.problem])
    return YamlDocument(value, converter.nodes, converter.problems)


#: Spaces YAML does not take for white space, as a writer's editor types or pastes them.
_ODD_SPACES: dict[str, str] = {
    "\u3000": "a full-width space (U+3000)",
    "\u00a0": "a no-break space (U+00A0)",
    "\u200b": "a zero-width space (U+200B)",
    "\ufeff": "a zero-width no-break space (U+FEFF)",
}
_ODD_SPACE_CLASS = "\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff"
#: A line whose indentation (or the space after a list's '-') holds one of them (group 1).
_ODD_INDENT = re.compile(rf"^[ \t]*(?:-[ \t]+)*([{_ODD_SPACE_CLASS}])", re.MULTILINE)


def odd_indentation(text: str) -> list[tuple[str, int, int]]:
    """Non-ASCII spaces used as indentation: a message and the 1-based line and column of each.

    A Chinese input method in full-width mode types U+3000 for a space, and text pasted from
    Word or a web page brings U+00A0.  YAML takes neither for white space: as indentation it
    either breaks the structure (``did not find expected '-' indicator``, misleading) or, worse,
    becomes part of a key (``'\\u3000start'``).  Only a line where YAML starts a value or key with
    such a space counts: the same space at the start of a line *inside* a block of text
    (``note: |``) is the writer's text and stays.
    """
    candidates: dict[tuple[int, int], str] = {}
    for match in _ODD_INDENT.finditer(text):
        offset = match.start(1)
        line = text.count("\n", 0, offset)
        candidates[(line, offset - (text.rfind("\n", 0, offset) + 1))] = match.group(1)
    if not candidates:
        return []
    starts: list[tuple[int, int]] = []
    try:
        starts.extend(
            (token.start_mark.line, token.start_mark.column)
            for token in yaml.scan(text, Loader=_Loader)
            if isinstance(token, yaml.ScalarToken)
        )
    except yaml.MarkedYAMLError as exc:  # the lines before the error are checked, and the value
        if exc.context_mark is not None:  # being scanned when it occurred ('\u3000- b')
            starts.append((exc.context_mark.line, exc.context_mark.column))
    except yaml.YAMLError:
        pass
    found: list[tuple[str, int, int]] = []
    for line, column in starts:
        char = candidates.get((line, column))
        if char is None:
            continue
        what = _ODD_SPACES.get(char, f"a non-ASCII space (U+{ord(char):04X})")
        hint = (
            "switch the input method to half-width '半角' to type them"
            if char == "\u3000"
            else "it often comes with text copied from Word or a web page"
        )
        message = (
            f"found {what} in the indentation: YAML cannot be indented with it, "
            f"indent with ASCII spaces ({hint})"
        )
        found.append((message, line + 1, column + 1))
    return found


#: Problems a writer meets when the indentation is wrong (libyaml's words, and the pure-Python
#: parser's ``expected <block end>, but found …`` for the same mistakes).
_INDENTATION_PROBLEMS = ("did not find expected '-' indicator", "did not find expected key")


def describe_yaml_error(exc: yaml.YAMLError, text: str, line_offset: int = 0) -> tuple[str, int, int]:
    """A writer's message for a YAML syntax error in ``text``, and its 1-based line and column.

    The message never quotes PyYAML's internals (``in "<unicode string>", line 1, column 8``, the
    position *is* the line and column returned); tabs used for indentation and mis-indented
    lists or mappings get a plain hint.  Shared by the data files (:func:`read_yaml`) and the
    chapters' front matter (``manualkit.checks.source``), whose ``text`` starts ``line_offset``
    lines into its file: every line returned or named in the message is the file's own.
    """
    if isinstance(exc, yaml.reader.ReaderError):  # a control character or an undecodable byte
        before = _text_before(text, int(exc.position))
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return f"character U+{character:04X} is not allowed ({exc.reason})", line + line_offset, column
    if not isinstance(exc, yaml.MarkedYAMLError):
        return str(exc).replace("\n", " "), 1 + line_offset, 1
    message, line, column = _describe_marked(exc, text, line_offset)
    return message, line + line_offset, column


def _describe_marked(exc: yaml.MarkedYAMLError, text: str, line_offset: int) -> tuple[str, int, int]:
    """:func:`describe_yaml_error` for a parser error with a mark (line in ``text``, not offset)."""
    lines = text.split("\n")
    mark = exc.problem_mark or exc.context_mark
    odd = odd_indentation(text)
    if odd and mark is not None and odd[0][1] <= mark.line + 1:
        return odd[0]  # YAML's own words ("expected '-' indicator") would mislead
    cause = (
        _unclosed_quote(exc, text, lines, line_offset)
        or _unclosed_bracket(exc, lines, line_offset)
        or _missing_separator(exc, text, lines)
    )
    if cause is not None:
        return cause
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    row = lines[line - 1] if 0 < line <= len(lines) else ""
    found = row[column - 1] if 0 < column <= len(row) else ""
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    if found == "\t" or "tab character" in problem:
        if row[: column - 1].strip(" \t"):
            return "found a tab: YAML separates with spaces only, replace the tab with spaces", line, column
        return (
            "found a tab in the indentation: YAML cannot be indented with tabs, indent with spaces",
            line,
            column,
        )
    if "single document" in context:
        return "a data file holds one YAML document, but a second one starts here ('---')", line, column
    if problem.startswith("found character") and "cannot start any token" in problem and found:
        problem = f"found character {found!r} that cannot start a value"
        if found in "@`":
            problem += f" ({found} is reserved in YAML: quote the text)"
        return problem, line, column
    if problem.startswith("expected <block end>"):  # the pure-Python parser's words for libyaml's
        problem = _INDENTATION_PROBLEMS[0] if "collection" in context else _INDENTATION_PROBLEMS[1]
    if problem.startswith("mapping values are not allowed"):
        problem = "mapping values are not allowed here (a value containing ': ' must be quoted)"
    message = f"{problem} ({context})" if context else problem
    start = exc.context_mark
    if problem.startswith(_INDENTATION_PROBLEMS) and start is not None:
        what = "the items ('-') of the list" if "collection" in context else "the keys of the mapping"
        message += (
            f"; check the indentation: {what} starting at line {start.line + 1 + line_offset} "
            f"are in column {start.column + 1}"
        )
    return message, line, column


def _unclosed_quote(
    exc: yaml.MarkedYAMLError, text: str, lines: list[str], line_offset: int
) -> tuple[str, int, int] | None:
    """A quote not closed on its line, reported at the opening quote (where the writer must look).

    YAML lets a quoted text run over lines, so an unclosed quote shows up far below it: at the end
    of the file (``found unexpected end of stream``), or wherever the next quote mark happens to
    close it and the text after that no longer parses (``did not find expected key``).
    """
    problem = exc.problem_mark
    if exc.context == "while scanning a quoted scalar" and exc.context_mark is not None:
        start = exc.context_mark
        if problem is not None and problem.line == start.line:
            return None  # a mistake inside a one-line quoted text (a bad escape): its own mark is right
        quote = _char_at(lines, start.line, start.column) or '"'
        where = "the file ends inside it"
        if problem is not None and "end of stream" not in (exc.problem or ""):
            where = f"YAML read on to line {problem.line + 1 + line_offset}"
        return (
            f"the quote {quote} before {_opening(lines, start)!r} is never closed ({where}): "
            f"close it at the end of the text",
            start.line + 1,
            start.column + 1,
        )
    before = _token_before(exc, text)
    if (
        problem is not None
        and isinstance(before, yaml.ScalarToken)
        and before.style in ('"', "'")
        and before.start_mark.line < before.end_mark.line == problem.line
    ):
        start, end = before.start_mark, before.end_mark
        return (
            f"the quote {before.style} before {_opening(lines, start)!r} is not closed on its line: "
            f"YAML read everything up to the next {before.style} (line {end.line + 1 + line_offset}) "
            f"as one text; close the quote on this line",
            start.line + 1,
            start.column + 1,
        )
    return None


#: ``key：value`` (a full-width colon) or ``key:value`` (no space after the colon): a key without
#: YAML's separator, so YAML reads the whole line as text.  Group 1 is the faulty colon.
_BAD_SEPARATOR = re.compile(r"[^\s:：#'\"\[\]{},&*!|>%@`][^:：#]*?(：|:(?=\S))")


def _missing_separator(exc: yaml.MarkedYAMLError, text: str, lines: list[str]) -> tuple[str, int, int] | None:
    """``title：客户信息`` or ``title:客户信息``: the line whose key lacks ``': '``, with a hint.

    YAML reads such a line as plain text continued on the next line and only complains there
    (``could not find expected ':'``, or ``mapping values are not allowed here``); the line to
    fix is the one where that text began.
    """
    problem = exc.problem or ""
    expected_colon = problem.startswith("could not find expected ':'")
    if expected_colon and exc.context_mark is not None:
        line, column = exc.context_mark.line, exc.context_mark.column
    elif problem.startswith("mapping values are not allowed") and exc.problem_mark is not None:
        before = _token_before(exc, text)
        if (
            not isinstance(before, yaml.ScalarToken)
            or before.style
            or before.start_mark.line >= exc.problem_mark.line
        ):
            return None  # a one-line value containing ': ' (the general message says to quote it)
        line, column = before.start_mark.line, before.start_mark.column
    else:
        return None
    row = lines[line] if 0 <= line < len(lines) else ""
    found = _BAD_SEPARATOR.match(row, column)
    if found is None:
        if expected_colon:
            return "could not find the ':' after this key: write 'key: value'", line + 1, column + 1
        return None
    key = row[column : found.start(1)].strip()
    if found.group(1) == "：":
        hint = "a full-width colon '：' is not a YAML separator; use ': '"
    else:
        hint = "YAML needs a space after ':'; use ': '"
    return (
        f"no ': ' after the key {excerpt(key)}, so YAML reads the line as text: {hint}",
        line + 1,
        found.start(1) + 1,
    )


#: The closing bracket of each flow collection, and the full-width look-alikes a Chinese input
#: method types for them (YAML reads those as text).
_CLOSERS = {"[": "]", "{": "}"}
_FULL_WIDTH_CLOSERS = {"]": "］", "}": "｝"}


def _unclosed_bracket(
    exc: yaml.MarkedYAMLError, lines: list[str], line_offset: int
) -> tuple[str, int, int] | None:
    """A ``[`` or ``{`` not closed on its line, reported at the bracket (where the writer must look).

    YAML lets a bracketed list or mapping run over lines, so ``tags: [complaint`` is only noticed
    at the next line's ``key:``, which YAML names without a word about the bracket.
    """
    start, problem = exc.context_mark, exc.problem_mark
    if exc.context not in ("while parsing a flow sequence", "while parsing a flow mapping"):
        return None
    if start is None or problem is None or problem.line == start.line:
        return None  # a mistake inside a one-line list (a missing comma): its own mark is right
    bracket = _char_at(lines, start.line, start.column)
    closer = _CLOSERS.get(bracket)
    if closer is None:
        return None
    found = _char_at(lines, problem.line, problem.column)
    if not "".join(lines[problem.line :]).strip():
        where = "the file ends inside it"
    else:
        shown = f"found {found!r}" if found.strip() else "found a line break"
        where = f"YAML read on to line {problem.line + 1 + line_offset}: {shown}, expected ',' or {closer!r}"
    message = (
        f"the bracket {bracket} before {_opening(lines, start)!r} is never closed ({where}): "
        f"close it with {closer} on its line"
    )
    row = lines[start.line] if 0 <= start.line < len(lines) else ""
    look_alike = _FULL_WIDTH_CLOSERS[closer]
    if look_alike in row[start.column :]:
        message += f" (the full-width {look_alike} is text to YAML: type {closer})"
    return message, start.line + 1, start.column + 1


def _opening(lines: list[str], quote: yaml.Mark, width: int = 20) -> str:
    """The text after an opening quote, on its line (shortened), to name the quote in a message."""
    row = lines[quote.line] if 0 <= quote.line < len(lines) else ""
    after = row[quote.column + 1 :].rstrip()
    return after if len(after) <= width else after[:width] + "…"


def _char_at(lines: list[str], line: int, column: int) -> str:
    """The character at a 0-based mark in ``lines`` ('' beyond the text)."""
    row = lines[line] if 0 <= line < len(lines) else ""
    return row[column] if 0 <= column < len(row) else ""


def _token_before(exc: yaml.MarkedYAMLError, text: str) -> yaml.Token | None:
    """The last token YAML scanned before the problem mark (for errors whose cause lies earlier)."""
    mark = exc.problem_mark
    if mark is None:
        return None
    before = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if (token.start_mark.line, token.start_mark.column) >= (mark.line, mark.column):
                break
            before = token
    except yaml.YAMLError:
        pass
    return before


def _text_before(text: str, position: int) -> str:
    """The text before a reader error: libyaml counts UTF-8 bytes, the pure-Python reader characters."""
    if _BaseLoader is yaml.SafeLoader:
        return text[: max(0, position)]
    return text.encode("utf-8")[: max(0, position)].decode("utf-8", errors="ignore")


class _TooManyNodes(Exception):
    """Raised to abandon a file whose aliases expand beyond :data:`MAX_NODES` repeated values."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Converter:
    """Turns composed nodes into plain values, recording positions and problems."""

    def __init__(self, lines: list[str]) -> None:
        #: The file's lines, for the scalars YAML folded over several of them.
        self._lines = lines
        self.nodes: dict[YamlPath, NodeInfo] = {}
        self.problems: list[YamlProblem] = []
        self._count = 0
        self._seen: set[int] = set()
        self._active: set[int] = set()
        self._timestamps = yaml.constructor.SafeConstructor()

    def problem(self, code: str, message: str, node: yaml.Node, path: YamlPath) -> None:
        mark = node.start_mark
        self.problems.append(YamlProblem(code, message, mark.line + 1, mark.column + 1, path))

    def convert(self, node: yaml.Node, path: YamlPath, key_line: int, key_column: int) -> Any:
        # Only values reached again through an alias count: a large but plain file is fine,
        # an alias bomb ("billion laughs") is stopped after MAX_NODES repeated values.
        if id(node) in self._seen:
            self._count += 1
        self._seen.add(id(node))
        if self._count > MAX_NODES:
            mark = node.start_mark
            message = f"too many values (more than {MAX_NODES}): do aliases (*name) expand endlessly?"
            raise _TooManyNodes(YamlProblem("DATA001", message, mark.line + 1, mark.column + 1))
        if id(node) in self._active:
            self.problem("DATA001", "recursive alias: a value that contains itself", node, path)
            return None
        mark = node.start_mark
        line, column = mark.line + 1, mark.column + 1
        if len(path) >= MAX_DEPTH and isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            # ``path`` has one part per enclosing list or mapping: this one is level MAX_DEPTH + 1.
            levels = len(path) + _levels_in(node)
            self.problem("DATA001", _too_deep_message(levels), node, path)
            return None
        if isinstance(node, yaml.MappingNode):
            self.nodes[path] = NodeInfo(line, column, "mapping", key_line, key_column)
            self._active.add(id(node))
            try:
                return self._mapping(node, path)
            finally:
                self._active.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self.nodes[path] = NodeInfo(line, column, "sequence", key_line, key_column)
            if node.tag != _SEQ_TAG:
                self.problem(
                    "DATA006", f"unsupported YAML tag {excerpt(node.tag)}: write a plain list", node, path
                )
            self._active.add(id(node))
            try:
                return [self.convert(item, (*path, index), 0, 0) for index, item in enumerate(node.value)]
            finally:
                self._active.discard(id(node))
        assert isinstance(node, yaml.ScalarNode)
        plain = not node.style
        self.nodes[path] = NodeInfo(line, column, "scalar", key_line, key_column, str(node.value), plain)
        return self._scalar(node, path, plain)

    def text_problems(self, text: str, node: yaml.Node, path: YamlPath, what: str) -> bool:
        """Report a text (a value, or a key: ``what="a key"``) too long, or with a character XML forbids.

        Returns whether a problem was reported.
        """
        if len(text) > MAX_TEXT_CHARS:
            self.problem(
                "DATA002",
                f"expected {what} of at most {MAX_TEXT_CHARS} characters, found {len(text)} characters",
                node,
                path,
            )
            return True
        wrong = not_xml_text(text)
        if wrong is not None:
            self.problem(
                "DATA002",
                f"expected {what} without control characters, found {wrong}: remove it "
                "(the DOCX and HTML outputs cannot hold it)",
                node,
                path,
            )
            return True
        return False

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            self.problem(
                "DATA006", f"unsupported YAML tag {excerpt(node.tag)}: write a plain mapping", node, path
            )
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        dash_missing = False
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(
                    "DATA002", "expected a plain text key, found a list or mapping as key", key_node, path
                )
                continue
            key = str(key_node.value)
            key_mark = key_node.start_mark
            if self.text_problems(key, key_node, (*path, key), "a key"):
                continue
            if not key_node.style and key == "<<":
                self.problem(
                    "DATA006", "merge keys ('<<') are not supported: write the keys out", key_node, path
                )
                continue
            if not key_node.style and key in _NULLS:
                self.problem("DATA002", "expected a key, found an empty (null) key", key_node, path)
                continue
            if key in first_seen:
                if dash_missing:
                    continue  # the keys of the entry that lost its '- ': said once, at its id
                hint = ""
                if key == "id" and path and isinstance(path[-1], int):
                    # A list entry holding a second id: the next entry's '- ' is missing, and
                    # every key of that entry repeats one of this one's.
                    dash_missing = True
                    hint = (
                        f"; if line {key_mark.line + 1} starts the next entry, it needs '- ' before "
                        "'id:' (each entry of the list starts with '- ')"
                    )
                self.problem(
                    "DATA005",
                    f"duplicate key {excerpt(key)} (first at line {first_seen[key]}); "
                    f"YAML would keep only the last{hint}",
                    key_node,
                    (*path, key),
                )
                continue
            first_seen[key] = key_mark.line + 1
            result[key] = self.convert(value_node, (*path, key), key_mark.line + 1, key_mark.column + 1)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: YamlPath, plain: bool) -> Any:
        text = str(node.value)
        if self.text_problems(text, node, path, "text"):
            return text
        first, last = node.start_mark.line, node.end_mark.line
        if last > first and node.style != "|":  # folded: line breaks became spaces
            text = join_folded_lines(text, self._lines[first : last + 1])
        tag = str(node.tag)
        if tag == _STR_TAG:
            return text  # quoted, a block scalar, or tagged !!str: the writer asked for text
        if not plain or tag != _PLAIN_TAG:
            self.problem("DATA006", f"unsupported YAML tag {excerpt(tag)}: remove the tag", node, path)
            return text
        lowered = text.lower()
        if text in _NULLS:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if lowered in _YAML11_BOOLS:
            self.problem(
                "DATA006",
                f"expected true/false or a quoted string, found plain {text!r} "
                f"(YAML 1.1 reads it as a boolean; write true/false, or '{text}' for text)",
                node,
                path,
            )
            return text
        if _INT.fullmatch(text):
            try:
                return int(text)
            except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
                self.problem("DATA002", f"number too large ({len(text)} digits)", node, path)
                return text
        if _LEADING_ZERO.fullmatch(text):
            fix = f"write {_without_leading_zeros(text)}, or quote it ('{text}') if it is text"
            if len(text) > EXCERPT_CHARS:
                fix = "remove the leading zeros, or quote it if it is text"
            self.problem(
                "DATA006",
                f"integer with a leading zero {excerpt(text)} (YAML 1.1 reads it as octal): {fix}",
                node,
                path,
            )
            return text
        if _FLOAT.fullmatch(text):
            return float(text)
        if _OTHER_NUMBER.fullmatch(text):
            quoted = f"('{text}') " if len(text) <= EXCERPT_CHARS else ""
            self.problem(
                "DATA006",
                f"ambiguous number {excerpt(text)}: write a plain decimal number, "
                f"or quote it {quoted}for text",
                node,
                path,
            )
            return text
        if _DATE.fullmatch(text) or _TIMESTAMP.fullmatch(text):
            try:
                stamp = self._timestamps.construct_yaml_timestamp(node)
            except (ValueError, TypeError, AttributeError):
                self.problem(
                    "DATA002", f"expected a valid date YYYY-MM-DD, found {excerpt(text)}", node, path
                )
                return text
            assert isinstance(stamp, dt.date)
            return stamp
        return text


def _levels_in(node: yaml.Node) -> int:
    """How many levels of lists and mappings ``node`` holds (0 for a scalar), without recursion:
    it is asked about a node nested too deep to walk recursively.  A mapping's keys do not count
    (a list or mapping as key is refused anyway), nor does an alias back to an enclosing node."""
    levels: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if not isinstance(current, yaml.MappingNode | yaml.SequenceNode):
            continue
        children = (
            [value for _, value in current.value] if isinstance(current, yaml.MappingNode) else current.value
        )
        if done:
            levels[id(current)] = 1 + max((levels.get(id(child), 0) for child in children), default=0)
        elif id(current) not in levels:
            levels[id(current)] = 0  # in progress: an alias back to it adds nothing
            stack.append((current, True))
            stack.extend((child, False) for child in children)
    return levels.get(id(node), 0)


def _without_leading_zeros(text: str) -> str:
    sign = text[0] if text[0] in "+-" else ""
    digits = text[len(sign) :].replace("_", "").lstrip("0") or "0"
    return f"{'-' if sign == '-' else ''}{digits}"
