"""MK143: directives and roles the project disables (include, raw …), in MyST and in {eval-rst}.

Chapters are untrusted sources: docutils.conf (and ``manualkit.sphinx.config``, whatever
docutils.conf says) turns off file insertion and raw output, so no chapter can publish a file of
the machine that builds it or a script in the site's name. Sphinx then warns at each such use and
the build stops; the checker says so at the directive, with what to write instead. The
reStructuredText of an {eval-rst} block is read line by line for the same directives, skipping what
docutils does not read as markup.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.rules_markup import escaped
from manualkit.checks.rules_option_values import canonical_directive
from manualkit.checks.source import DirectiveUse
from manualkit.diagnostics import Diagnostic, Location

#: Directives that read a file from disk into the manual or pass raw output through, by their
#: English names → what the build says. The build disables both (docutils.conf sets
#: ``file_insertion_enabled`` and ``raw_enabled`` false, and ``manualkit.sphinx.config`` does
#: whatever the project's docutils.conf says): chapters are untrusted sources.
_FILE_DIRECTIVES = {
    "include": 'Directive "include" disabled',
    "literalinclude": "File insertion disabled",
}
_RAW_DIRECTIVES = frozenset({"raw"})
#: The options with which {csv-table} reads a file or an address.
_CSV_FILE_OPTIONS = ("file", "url")
#: The roles that pass raw output through.
_RAW_ROLES = frozenset({"raw"})


@rule(
    "MK143",
    "error",
    "a directive or role this project disables (include, raw …): the build stops",
    """
    What: a directive that reads a file from disk into the manual — {include} (its Chinese name
    {包含} too), {literalinclude}, {csv-table} with :file: or :url: — or that passes raw HTML or
    LaTeX through to the outputs — {raw} (原文), the {raw} role — in a chapter or in the
    reStructuredText of an {eval-rst} block (`.. include::`, `.. raw:: html`).
    Why: chapters are untrusted sources: docutils.conf (and manualkit's own configuration, whatever
    docutils.conf says) disables file insertion and raw output, so that no chapter can publish a
    file of the machine that builds it (/etc/passwd, the project's .env) or a script in the site's
    name. Sphinx warns 'Directive "include" disabled', '"raw" directive disabled.' or "File
    insertion disabled", and builds treat warnings as errors.
    Fix: paste the text itself into the chapter (in a ```text fence for a listing); data belongs in
    data/ and is printed by the manual's directives ({sla-table}, {form}, {process} …); write
    what raw HTML did with Markdown and the manual's own roles and directives.
    """,
    needs_data=False,
)
def disabled_markup(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for directive in doc.directives:
            name = canonical_directive(directive.name)
            if name == "eval-rst":
                for use in _rst_markup(directive):
                    where = Location(doc.path, use.line, use.column)
                    if use.name == _RST_RAW_ROLE:
                        yield Diagnostic(
                            "MK143", "error", _raw_role_message(":raw:`…` (in {eval-rst})"), where
                        )
                        continue
                    problem = _disabled_problem(use.name, use.written, use.options, rst=True)
                    if problem:
                        yield Diagnostic("MK143", "error", problem[0], where)
                continue
            keys = tuple(key for key, _value in directive.options)
            problem = _disabled_problem(name, directive.name, keys, rst=False)
            if problem is None:
                continue
            message, option = problem
            place = directive.option_place(option) if option else None
            line, column = (place[0], place[1]) if place else (directive.line, directive.column)
            yield Diagnostic("MK143", "error", message, Location(doc.path, line, column))
        for block, role in doc.roles():
            if role.name in _RAW_ROLES and not escaped(block.source, role.offset):
                where = Location(doc.path, role.line, role.column)
                yield Diagnostic("MK143", "error", _raw_role_message(f"{{{role.name}}}`…`"), where)


_PASTE_INSTEAD = (
    "expected the text itself: paste it into the chapter (in a ```text fence for a listing); data "
    "belongs in data/ and is printed by the manual's directives ({sla-table}, {form}, {process} …)"
)


def _disabled_problem(
    name: str, typed: str, options: tuple[str, ...], *, rst: bool
) -> tuple[str, str | None] | None:
    """(message, the option at fault or ``None``) when the directive ``name`` (canonical), typed
    as ``typed``, is one the build disables; ``None`` when it is not. ``rst``: in an {eval-rst}
    block (docutils words its warning otherwise than MyST)."""
    written = f".. {typed}:: (in {{eval-rst}})" if rst else f"{{{typed}}}"
    why = "chapters are untrusted sources, so the build reads no file from disk into the manual"
    if name in _FILE_DIRECTIVES:
        says = _FILE_DIRECTIVES[name]
        if name == "include":
            says = f'"{typed}" directive disabled.' if rst else f'Directive "{typed}" disabled'
        return (
            f"{written} is disabled in this project: {why} (docutils.conf: file_insertion_enabled: false), "
            f"and the build stops ('{says}'); {_PASTE_INSTEAD}",
            None,
        )
    if name in _RAW_DIRECTIVES:
        return (
            f"{written} is disabled in this project: chapters are untrusted sources, so no raw HTML or "
            "LaTeX reaches the outputs (docutils.conf: raw_enabled: false), and the build stops "
            f"('\"{typed}\" directive disabled.'); expected Markdown: write it with the manual's own markup "
            "(tables, roles, directives)",
            None,
        )
    if name == "csv-table":
        option = next((key for key in options if key in _CSV_FILE_OPTIONS), None)
        if option is not None:
            return (
                f"{written} with :{option}: is disabled in this project: {why} (docutils.conf: "
                "file_insertion_enabled: false), and the build stops ('File and URL access "
                f"deactivated; ignoring \"{typed}\" directive.'); expected the rows in the directive's "
                "body (or a Markdown table); data belongs in data/ and is printed by the manual's "
                "directives ({sla-table}, {form}, {process} …)",
                option,
            )
    return None


def _raw_role_message(written: str) -> str:
    return (
        f"{written} is disabled in this project: chapters are untrusted sources, so no raw HTML or LaTeX "
        "reaches the outputs (docutils.conf: raw_enabled: false), and the build stops ('raw (and "
        "derived) roles disabled', reported without a line); expected Markdown: write it with the "
        "manual's own markup"
    )


@dataclasses.dataclass(frozen=True)
class _RstMarkup:
    """A directive in the reStructuredText of an {eval-rst} block (its canonical name, the name as
    typed, where its ``..`` is, the keys of its options), or a use of the raw role (``name``
    :data:`_RST_RAW_ROLE`)."""

    name: str
    written: str
    line: int
    column: int
    options: tuple[str, ...] = ()


#: ``.. name:: argument`` (also ``.. |sub| name::``, a substitution defined by a directive).
_RST_DIRECTIVE_RE = re.compile(
    r"^\.\.[ \t]+(?:\|[^|]+\|[ \t]+)?(?P<name>[^\s:|]+(?::[^\s:|]+)*)[ \t]*::(?:[ \t]|$)"
)
_RST_OPTION_RE = re.compile(r"^:(?P<key>[\w\-]+):")
#: ``:raw:`…``` in reStructuredText (an interpreted-text role), and the name it is reported under.
_RST_RAW_ROLE_RE = re.compile(r"(?<![\w`]):raw:`")
_RST_RAW_ROLE = ":raw:"
#: Directives whose body docutils does not parse as reStructuredText (code, data, formulas).
_RST_LITERAL_BODIES = frozenset(
    {
        "code",
        "code-block",
        "sourcecode",
        "parsed-literal",
        "math",
        "raw",
        "csv-table",
        "graphviz",
        "graph",
        "digraph",
    }
)


def _rst_markup(block: DirectiveUse) -> Iterator[_RstMarkup]:
    """The directives and raw roles of an {eval-rst} block's reStructuredText, at their file
    positions.

    Read from the block's lines: a ``..`` line naming a directive, with the ``:key:`` lines right
    under it as its options. Text docutils does not read as markup is skipped: the body of a
    literal block (after a paragraph ending in ``::``), of a comment, and of a directive whose
    body is code or data ({code-block} …), each up to the next line indented no deeper."""
    lines = block.content
    literal_column = 0  # lines indented deeper than this column are literal text (0: none)
    index = 0
    while index < len(lines):
        line, column, text = lines[index]
        index += 1
        if literal_column:
            if column > literal_column:
                continue
            literal_column = 0
        for role in _RST_RAW_ROLE_RE.finditer(text):
            yield _RstMarkup(_RST_RAW_ROLE, "raw", line, column + role.start())
        m = _RST_DIRECTIVE_RE.match(text)
        if m is None:
            if text.startswith("..") or text.endswith("::"):
                literal_column = column  # a comment's or a literal block's indented lines: no markup
            continue
        written = m["name"]
        name = canonical_directive(written.lower())
        options: list[str] = []
        previous = line
        while index < len(lines) and lines[index][0] == previous + 1 and lines[index][1] > column:
            option = _RST_OPTION_RE.match(lines[index][2])
            if option is None:
                break
            options.append(option["key"])
            previous = lines[index][0]
            index += 1
        if name in _RST_LITERAL_BODIES:
            literal_column = column
        yield _RstMarkup(name, written, line, column, tuple(options))
