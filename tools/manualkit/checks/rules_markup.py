"""MK120–MK129, MK140–MK142: markup that parses but stops the Sphinx build, or swallows the text
after it.

Builds treat every Sphinx warning as an error, so an unknown role, directive or option, a chapter
in no toctree, a missing image, a link to no label or a generated list with nothing to list fails
``manualkit build`` — the checker (the pre-commit hook) must fail first, at the line and column.
Role, directive and option names come from :mod:`manualkit.checks.markup` (a snapshot of the
project's Sphinx setup: Sphinx is not imported here).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from manualkit.checks.context import CheckContext
from manualkit.checks.markup import close_names, known_markup
from manualkit.checks.registry import rule
from manualkit.checks.rules_references import (
    _SOURCE_SUFFIXES,
    _chapters_on_disk,
    _docname_join,
    resolve_toctree,
)
from manualkit.checks.source import ROLE_RE, Block, DirectiveUse, Document, Heading, UnclosedFence
from manualkit.diagnostics import Diagnostic, Location
from manualkit.nesting import LITERAL_BODY_DIRECTIVES
from manualkit.sla_selection import SlaTableFilter

#: The manual's ``root_doc`` (conf.py): the one document no toctree lists.
ROOT_DOC = "index"
#: The roles a writer is most likely to mean, listed when a name is not close to any.
_HOUSE_ROLES = "sla, form, reg, target, window, nowrap, ref, term, doc"
_HOUSE_DIRECTIVES = "sla-table, form, checklist, process, share-table, note, figure, toctree"


def _did_you_mean(name: str, known: list[str], template: str) -> str:
    close = close_names(name, known)
    return f"; did you mean {template.format(close[0])}?" if close else ""


def _escaped(source: str, offset: int) -> bool:
    """Whether the character at ``offset`` follows an odd number of backslashes (``\\{sla}``)."""
    count = 0
    while offset - count - 1 >= 0 and source[offset - count - 1] == "\\":
        count += 1
    return count % 2 == 1


@rule(
    "MK120",
    "error",
    "unknown role: the build stops",
    """
    What: a role {name}`…` whose name the manual's Sphinx setup does not define, e.g. {slas}`…`
    for {sla}`…`. Defined are the manual's own roles (sla, form, reg, target, window, nowrap,
    history-section), Sphinx's (ref, doc, term, download …) and docutils' (sub, sup, abbreviation
    …, in English or Chinese); names are case-insensitive, as in Sphinx. {numref} is reported too
    while conf.py leaves `numfig` off (the manual's setting).
    Why: Sphinx warns 'Unknown interpreted text role' (or "numfig is disabled. :numref: is
    ignored.") and builds treat warnings as errors, so the manual is not published; the role's
    text would print as a literal anyway.
    Fix: correct the name (the message suggests the closest defined role); write {ref}`label`
    for {numref}`label`.
    """,
    needs_data=False,
)
def unknown_roles(ctx: CheckContext) -> Iterator[Diagnostic]:
    known = known_markup()
    numfig = _numfig_enabled(ctx.root)
    for doc in ctx.documents:
        for block, role in doc.roles():
            if _escaped(block.source, role.offset):
                continue
            if role.name in _NUMREF_ROLES and not numfig:
                yield Diagnostic(
                    "MK120",
                    "error",
                    f'{{{role.name}}} needs numfig, which conf.py leaves off: Sphinx warns "numfig is '
                    f'disabled. :numref: is ignored." and the build stops; expected {{ref}}`{role.target}`',
                    Location(doc.path, role.line, role.column),
                )
                continue
            if known.has_role(role.name):
                continue
            hint = _did_you_mean(role.name, sorted(known.roles), "{{{}}}")
            yield Diagnostic(
                "MK120",
                "error",
                f"unknown role {{{role.name}}}: expected a role the manual defines ({_HOUSE_ROLES} …), "
                f"found {{{role.name}}}`{role.target}`{hint}",
                Location(doc.path, role.line, role.column),
            )


#: Roles that number a figure or table: Sphinx ignores them (with a warning) while numfig is off.
_NUMREF_ROLES = frozenset({"numref", "std:numref"})


def _numfig_enabled(root: Path) -> bool:
    """Whether the project's ``conf.py`` sets ``numfig = True`` (Sphinx's default is off).

    Read with :mod:`ast`, not imported: the checker must not run the project's configuration.
    A ``conf.py`` that cannot be read counts as on, so nothing is reported that may be right.
    """
    conf = root / "conf.py"
    if not conf.is_file():
        return False
    try:
        tree = ast.parse(conf.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return True
    enabled = False
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "numfig" for t in node.targets
        ):
            try:
                enabled = bool(ast.literal_eval(node.value))
            except ValueError:
                return True
    return enabled


@rule(
    "MK121",
    "error",
    "unknown directive: the build stops",
    """
    What: a directive :::{name} or ```{name} whose name the manual's Sphinx setup does not define,
    e.g. :::{proces} for :::{process}.
    Why: Sphinx warns 'Unknown directive type' (a warning fails the build) and the block is left
    out of every output.
    Fix: correct the name (the message suggests the closest defined directive).
    """,
    needs_data=False,
)
@rule(
    "MK122",
    "error",
    "unknown directive option, or a value the option does not take: the build stops",
    """
    What: an option line `:key: value` under a directive that the directive does not take, e.g.
    `:tag: complaint` under :::{sla-table} (which takes :tags:, :section: and :chapter:); or a
    value the option does not take: `:align: middle` under {table} (left, center or right),
    `:widths: a b c` (whole numbers), `:maxdepth: two` under {toctree} (a number), an empty
    `:caption:`, a `:chapter:` of {sla-table} that names no chapter (`99-nothing`; its value is a
    chapter's name such as 04-complaints, or nothing for the table's own chapter). A repeated
    option counts once, with its last value, as in MyST. With `--tracked-only` a :chapter: git
    does not track counts as missing.
    Why: Sphinx warns "Unknown option key" or "Invalid option value" and {sla-table} reports
    "unknown chapter id" (each fails the build); an unknown option would otherwise be ignored, so
    a filter or setting would silently not apply.
    Fix: correct the option's name (the message lists the options the directive takes) or its
    value (the message says what the option takes).
    """,
    needs_data=False,
)
def unknown_directives(ctx: CheckContext) -> Iterator[Diagnostic]:
    known = known_markup()
    names = sorted(known.directives)
    chapters: _Chapters | None = None
    for doc in ctx.documents:
        lines = doc.lines()
        for directive in doc.directives:
            if not known.has_directive(directive.name):
                hint = _did_you_mean(directive.name, names, "{{{}}}")
                yield Diagnostic(
                    "MK121",
                    "error",
                    f"unknown directive {{{directive.name}}}: expected a directive the manual defines "
                    f"({_HOUSE_DIRECTIVES} …){hint}",
                    Location(doc.path, directive.line, directive.column),
                )
                continue
            allowed = known.options(directive.name)
            unknown: set[str] = set()
            for key, _value in directive.options:
                if key in allowed or key in unknown:
                    continue
                unknown.add(key)
                line, column = _option_position(lines, directive, key)
                takes = ", ".join(f":{o}:" for o in sorted(allowed)) or "no options"
                hint = _did_you_mean(key, sorted(allowed), ":{}:")
                yield Diagnostic(
                    "MK122",
                    "error",
                    f"{{{directive.name}}} has no option :{key}: (it takes {takes}){hint}",
                    Location(doc.path, line, column),
                )
            # MyST keeps the last of a repeated option: that is the value the build converts.
            for key, value in dict(directive.options).items():
                if key not in allowed:
                    continue
                problem = option_value_problem(directive.name, key, value)
                if problem is None and directive.name == "sla-table" and key == "chapter":
                    chapters = chapters or _Chapters.of(ctx)
                    problem = _sla_table_chapter_problem(value.strip(), chapters)
                if problem is None:
                    continue
                place = directive.option_place(key)
                line, column = (place[0], place[2]) if place else _option_position(lines, directive, key)
                yield Diagnostic("MK122", "error", problem, Location(doc.path, line, column))


@dataclasses.dataclass(frozen=True)
class _Chapters:
    """The chapters the build reads (docname → path), and the ones the commit holds."""

    on_disk: dict[str, str]
    #: The docnames git tracks (with ``--tracked-only``), else every one on disk.
    committed: frozenset[str]

    @classmethod
    def of(cls, ctx: CheckContext) -> _Chapters:
        on_disk = _chapters_on_disk(ctx.root)
        tracked = ctx.tracked_manual_files if ctx.tracked_only else None
        return cls(on_disk, frozenset(n for n, p in on_disk.items() if tracked is None or p in tracked))


def _sla_table_chapter_problem(name: str, chapters: _Chapters) -> str | None:
    """Why ``:chapter: name`` of an {sla-table} stops the build (``None``: it names a chapter).

    The directive looks the value up among the build's document names as typed
    (``SlaTableDirective.chapter_labels``): no leading /, no .md; empty means the table's own
    chapter."""
    if not name or name in chapters.committed:
        return None
    says = f"the build stops: \"sla-table: unknown chapter id '{name}'\""
    if name in chapters.on_disk:
        return (
            f"{{sla-table}} option :chapter: names {chapters.on_disk[name]}, which git does not track "
            f"(git add it: the commit would lack it, and {says})"
        )
    expected = (
        "expected a chapter's name (its path under manual/ without .md, e.g. 04-complaints), or nothing "
        "for the table's own chapter"
    )
    plain = name.lstrip("/").removesuffix(".md")
    if plain != name and plain in chapters.committed:
        why = "a leading /" if name.startswith("/") else "the .md suffix"
        return (
            f"{{sla-table}} option :chapter: {expected}; found {name!r}, which names no chapter as written "
            f"({why} is not part of a chapter's name; {says}); did you mean {plain!r}?"
        )
    hint = _did_you_mean(name, sorted(chapters.committed), "{!r}")
    return (
        f"{{sla-table}} option :chapter: {expected}; found {name!r}, and there is no manual/{name}.md "
        f"({says}){hint}"
    )


#: The directives whose option values the build converts in a way that can fail, by their
#: canonical (English) names: option → converter (see :func:`_converter`). Copied from the
#: directives' ``option_spec`` (Sphinx may not be imported here); a test compares this table with
#: the project's Sphinx setup, option by option and value by value. The options that take any
#: text (docutils' ``unchanged``, ``flag``: MyST accepts any value for a flag) are not listed,
#: nor the file options of the directives MK143 refuses outright (include, literalinclude, raw).
_ADMONITION_OPTIONS = {"class": "class_option", "collapsible": "collapsible"}
_CODE_BLOCK_OPTIONS = {
    "caption": "unchanged_required",
    "class": "class_option",
    "dedent": "optional_int",
    "emphasize-lines": "unchanged_required",
    "lineno-start": "int",
}
_TABLE_OPTIONS = {
    "align": "table_align",
    "class": "class_option",
    "width": "length_or_percentage_or_unitless",
    "widths": "widths",
}
_IMAGE_OPTIONS = {
    "align": "image_align",
    "class": "class_option",
    "height": "length_or_unitless",
    "loading": "loading",
    "scale": "percentage",
    "target": "unchanged_required",
    "width": "length_or_percentage_or_unitless",
}
_GRAPHVIZ_OPTIONS = {"align": "graphviz_align", "class": "class_option"}
_CLASS_ONLY = {"class": "class_option"}
OPTION_VALUES: Mapping[str, Mapping[str, str]] = {
    **{
        name: _ADMONITION_OPTIONS
        for name in (
            "admonition",
            "attention",
            "caution",
            "danger",
            "error",
            "hint",
            "important",
            "note",
            "seealso",
            "tip",
            "warning",
        )
    },
    **{
        name: _CLASS_ONLY
        for name in ("compound", "line-block", "math", "parsed-literal", "target-notes", "topic")
    },
    "code": {"class": "class_option", "number-lines": "optional_int"},
    "code-block": _CODE_BLOCK_OPTIONS,
    "sourcecode": _CODE_BLOCK_OPTIONS,
    "contents": {"backlinks": "backlinks", "class": "class_option", "depth": "nonnegative_int"},
    "table": _TABLE_OPTIONS,
    "list-table": {
        **_TABLE_OPTIONS,
        "widths": "widths_auto",
        "header-rows": "nonnegative_int",
        "stub-columns": "nonnegative_int",
    },
    "csv-table": {
        **_TABLE_OPTIONS,
        "widths": "widths_auto",
        "header-rows": "nonnegative_int",
        "stub-columns": "nonnegative_int",
        "delim": "single_char_or_whitespace_or_unicode",
        "quote": "single_char_or_unicode",
        "escape": "single_char_or_unicode",
        "encoding": "encoding",
    },
    "image": _IMAGE_OPTIONS,
    "figure": {
        **_IMAGE_OPTIONS,
        "align": "figure_align",
        "figclass": "class_option",
        "figwidth": "figwidth",
    },
    "graphviz": _GRAPHVIZ_OPTIONS,
    "graph": _GRAPHVIZ_OPTIONS,
    "digraph": _GRAPHVIZ_OPTIONS,
    "highlight": {"linenothreshold": "positive_int"},
    "hlist": {"columns": "int"},
    "rubric": {"class": "class_option", "heading-level": "heading_level"},
    "sectnum": {
        "depth": "int",
        "prefix": "unchanged_required",
        "start": "int",
        "suffix": "unchanged_required",
    },
    "sidebar": {"class": "class_option", "subtitle": "unchanged_required"},
    "toctree": {
        "caption": "unchanged_required",
        "class": "class_option",
        "maxdepth": "int",
        "numbered": "int_or_nothing",
    },
}

#: Converter → (where docutils defines it, what it takes). docutils' own functions are used
#: (imported when a chapter first needs one: docutils' directive modules cost a tenth of the
#: checker's run); Sphinx's few are written out below, as Sphinx itself is not imported here.
_DOCUTILS_CONVERTERS: dict[str, tuple[str, str]] = {
    "positive_int": ("docutils.parsers.rst.directives:positive_int", "a whole number greater than 0"),
    "nonnegative_int": ("docutils.parsers.rst.directives:nonnegative_int", "a whole number, 0 or more"),
    "percentage": (
        "docutils.parsers.rst.directives:percentage",
        "a whole number, 0 or more, with or without %",
    ),
    "length_or_unitless": (
        "docutils.parsers.rst.directives:length_or_unitless",
        "a length: a number with or without a unit (px, em, ex, mm, cm, in, pt, pc), e.g. 120px",
    ),
    "length_or_percentage_or_unitless": (
        "docutils.parsers.rst.directives:length_or_percentage_or_unitless",
        "a length or a percentage, e.g. 80%, 120px or 3em",
    ),
    "class_option": (
        "docutils.parsers.rst.directives:class_option",
        "one or more class names (Latin letters, digits and hyphens, e.g. wide)",
    ),
    "unchanged_required": (
        "docutils.parsers.rst.directives:unchanged_required",
        "a value (it cannot be empty)",
    ),
    "single_char_or_unicode": (
        "docutils.parsers.rst.directives:single_char_or_unicode",
        "one character (or its Unicode code, e.g. U+003B)",
    ),
    "single_char_or_whitespace_or_unicode": (
        "docutils.parsers.rst.directives:single_char_or_whitespace_or_unicode",
        "one character, tab or space (or its Unicode code, e.g. U+003B)",
    ),
    "encoding": ("docutils.parsers.rst.directives:encoding", "a text encoding, e.g. utf-8"),
    "table_align": ("docutils.parsers.rst.directives.tables:align", "one of left, center, right"),
    "image_align": (
        "docutils.parsers.rst.directives.images:Image.align",
        "one of top, middle, bottom, left, center, right",
    ),
    "figure_align": ("docutils.parsers.rst.directives.images:Figure.align", "one of left, center, right"),
    "figwidth": (
        "docutils.parsers.rst.directives.images:Figure.figwidth_value",
        "image, or a length or a percentage, e.g. 80% or 300px",
    ),
    "loading": ("docutils.parsers.rst.directives.images:Image.loading", "one of embed, link, lazy"),
    "backlinks": ("docutils.parsers.rst.directives.parts:Contents.backlinks", "one of top, entry, none"),
}

OptionConverter = Callable[[str | None], object]


def _int(argument: str | None) -> int:
    """``int``, as Sphinx's ``:maxdepth:``, ``:lineno-start:`` … convert (``None``: TypeError)."""
    return int(argument)  # type: ignore[arg-type]  # None fails, as it does in the build


def _optional_int(argument: str | None) -> int | None:
    """``sphinx.directives.optional_int``."""
    if argument is None:
        return None
    value = int(argument)
    if value < 0:
        raise ValueError("negative value; must be positive or zero")
    return value


def _int_or_nothing(argument: str | None) -> int:
    """``sphinx.directives.other.int_or_nothing`` (a toctree's ``:numbered:``)."""
    return 999 if not argument else int(argument)


def _collapsible(argument: str | None) -> str:
    """``sphinx.directives.admonitions._collapsible_arg``."""
    if argument is None:
        return "open"
    if (value := argument.lower().strip()) in {"open", "closed"}:
        return value
    raise ValueError(f'"{argument}" unknown; choose from "open" or "closed".')


def _docutils_choice(values: tuple[str, ...]) -> OptionConverter:
    """docutils' ``choice`` over ``values``, as Sphinx's graphviz ``:align:`` and rubric
    ``:heading-level:`` use it."""

    def convert(argument: str | None) -> object:
        choice = _docutils_object("docutils.parsers.rst.directives:choice")
        return choice(argument, values)

    return convert


def _docutils_object(where: str) -> Any:
    """``module:attribute.path`` imported (docutils, never Sphinx)."""
    module_name, _, attributes = where.partition(":")
    found: Any = importlib.import_module(module_name)
    for attribute in attributes.split("."):
        found = getattr(found, attribute)
    return found


def _widths(words: tuple[str, ...]) -> OptionConverter:
    """docutils' tables' ``:widths:``: ``value_or(words, positive_int_list)`` ({table} takes auto
    and grid, {list-table} and {csv-table} auto only)."""

    def convert(argument: str | None) -> object:
        value_or = _docutils_object("docutils.parsers.rst.directives:value_or")
        positive_int_list = _docutils_object("docutils.parsers.rst.directives:positive_int_list")
        return value_or(words, positive_int_list)(argument)

    return convert


#: The converters written out here: converter → (function, what it takes).
_OWN_CONVERTERS: dict[str, tuple[OptionConverter, str]] = {
    "int": (_int, "a whole number, e.g. 2"),
    "optional_int": (_optional_int, "nothing, or a whole number, 0 or more"),
    "int_or_nothing": (_int_or_nothing, "nothing, or a whole number"),
    "collapsible": (_collapsible, "nothing, open or closed"),
    "graphviz_align": (_docutils_choice(("left", "center", "right")), "one of left, center, right"),
    "heading_level": (_docutils_choice(("1", "2", "3", "4", "5", "6")), "one of 1, 2, 3, 4, 5, 6"),
    "widths": (
        _widths(("auto", "grid")),
        "auto, grid, or one whole number greater than 0 per column, e.g. 30 70",
    ),
    "widths_auto": (_widths(("auto",)), "auto, or one whole number greater than 0 per column, e.g. 30 70"),
}


def _converter(kind: str) -> tuple[OptionConverter, str]:
    """The function that converts a value of converter ``kind``, and what it takes."""
    if kind in _OWN_CONVERTERS:
        return _OWN_CONVERTERS[kind]
    where, expected = _DOCUTILS_CONVERTERS[kind]
    return _docutils_object(where), expected


def canonical_directive(name: str) -> str:
    """A directive's English name: docutils reads the manual's language's names too (``{表格}`` is
    ``{table}``, ``{包含}`` is ``{include}``; conf.py sets zh_CN), so rules that judge a directive by
    what it is look it up through them. The language module is imported for such a name only."""
    if name.isascii():
        return name
    language = importlib.import_module("docutils.parsers.rst.languages.zh_cn")
    return str(language.directives.get(name, name))


def option_converter(directive: str, option: str) -> tuple[OptionConverter, str] | None:
    """How the build converts the value of ``option`` of ``directive``, and what it takes
    (``None``: any text, or a directive or option the checker does not judge)."""
    kind = OPTION_VALUES.get(canonical_directive(directive.lower()), {}).get(option)
    return None if kind is None else _converter(kind)


def option_value_problem(directive: str, option: str, value: str) -> str | None:
    """Why MyST refuses ``value`` for ``option`` of ``directive`` ("Invalid option value for …"),
    as expected-versus-found; ``None`` when the value converts."""
    found = option_converter(directive, option)
    if found is None:
        return None
    convert, expected = found
    try:
        convert(value or None)  # MyST passes an empty value as None, as docutils does
    except Exception:  # ValueError, TypeError; docutils' single_char_or_unicode(None) AttributeError,
        # which MyST does not catch: the build fails all the same, with a traceback
        shown = repr(value) if value else "nothing"
        return (
            f'{{{directive}}} option :{option}: expected {expected}; found {shown} (MyST warns "Invalid '
            f"option value for '{option}'\" and the build stops)"
        )
    return None


def _option_position(lines: list[str], directive: DirectiveUse, key: str) -> tuple[int, int]:
    """Line and column of ``key`` among the option lines under the directive (else the directive)."""
    patterns = (re.compile(rf"^(\s*):{re.escape(key)}:"), re.compile(rf"^(\s*){re.escape(key)}\s*:"))
    last = min(len(lines), directive.line + len(directive.options) + 3)
    for pattern in patterns:
        for index in range(directive.line, last):
            m = pattern.match(lines[index])
            if m:
                return index + 1, len(m.group(1)) + 1
    return directive.line, directive.column


@rule(
    "MK123",
    "error",
    "chapter in no toctree: the build stops",
    """
    What: a chapter file under manual/ (other than manual/index.md) that no {toctree} lists, e.g.
    a new manual/09-extra.md not yet added to the chapter list in manual/index.md.
    Why: Sphinx warns "document isn't included in any toctree" (a warning fails the build): the
    chapter would have no place in the navigation, numbering or PDF.
    Fix: add the chapter's name (09-extra) to the toctree of manual/index.md, delete the file, or
    mark a page that is deliberately outside the chapter list with `orphan: true` in its front
    matter.
    """,
    needs_data=False,
)
def chapters_outside_toctrees(ctx: CheckContext) -> Iterator[Diagnostic]:
    on_disk = _chapters_on_disk(ctx.root)
    if ROOT_DOC not in on_disk:
        return  # no chapter list to be in (a partial project); MK109 covers the entries
    listed: set[str] = set()
    where: Location | None = None
    for doc in ctx.documents:
        current = doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        for toctree in (d for d in doc.directives if d.name == "toctree"):
            where = where or Location(doc.path, toctree.line, toctree.column)
            others = on_disk.keys() - {current}
            listed.update(name for entry in resolve_toctree(toctree, current, others) for name in entry.names)
    # Sphinx tests only that the key is there (`orphan:` with no value is an orphan too).
    orphans = {doc.path for doc in ctx.documents if "orphan" in doc.front_matter}
    # An unreadable chapter is MK003's; its toctree place cannot be judged from a guessed reading.
    readable = {doc.path for doc in ctx.documents if doc.read_problem is None}
    for name, path in sorted(on_disk.items()):
        if name == ROOT_DOC or name in listed or path in orphans or path not in readable:
            continue
        shown = f" ({where.path}:{where.line})" if where else ""
        yield Diagnostic(
            "MK123",
            "error",
            f"chapter {path} is in no toctree, so the build stops (\"document isn't included in any "
            f'toctree"): expected {name!r} in the chapter list{shown}, '
            "or `orphan: true` in its front matter",
            Location(path, 1, 1),
        )


#: A Markdown image ``![alt](target "title")`` and a link to an anchor ``[text](#label)``.
#: A Markdown image: its alternative text, and its target (in angle brackets or not).
IMAGE_RE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*(?:<(?P<angled>[^>\n]+)>|(?P<target>[^)\s>]+))")
_ANCHOR_LINK_RE = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?#(?P<anchor>[^)\s>]*)")


def _in_prose(block: Block, offset: int) -> bool:
    """Not inside inline code or a role (blanked in ``masked``) nor escaped."""
    return block.masked[offset] == block.source[offset] and not _escaped(block.source, offset)


@rule(
    "MK124",
    "error",
    "image or linked file missing, outside manual/, remote or not what its name says: the build stops",
    """
    What: an image (![…](path), {image} path, {figure} path), a link to a file ([表](forms/x.pdf))
    or a {download}`path` whose file does not exist, lies outside manual/ ([x](../data/slas.yaml),
    [x](../.env)), is an address on the network (images: https://…), is not of a type the site
    serves (a picture: PNG, JPEG, GIF, WebP, SVG; a link or download: PDF, .docx, .xlsx, .pptx,
    CSV, text or a picture) or whose content is not what its name says (manual/pic.png holding
    text, a JPEG photo named .png). A path is relative to the chapter; a path starting with / is
    relative to manual/ (Sphinx's rule), not to the disk. A link that names no file is a
    cross-reference (to a label or a chapter) and is reported only when it leaves manual/ or
    names a file by its type (.pdf, .md …). With `--tracked-only` (the pre-commit hook) a file git
    does not track counts as missing.
    Why: Sphinx warns "image file not readable" or "download file not readable", MyST
    "cross-reference target not found"; manualkit publishes only the manual's own files (the build
    would copy anything else into the published site: the project's .git, data/, .env …), no
    picture every reader's browser, or the DOCX build, would fetch, and no file a browser would
    open as a web page ("refusing to publish …: its content is not that of a PNG file"); each
    fails the build. A picture left out of `git add` stays on disk during the hook but is not in
    the commit, so every other checkout (CI, the publishing build, a colleague's) fails on it.
    Fix: put the file under manual/ (e.g. manual/img/, manual/forms/) and point at it relative to
    the chapter; save a picture again in the format its name says; `git add` it. Data belongs in
    data/: the manual prints it through its directives ({sla-table}, {form} …), not as a file.
    """,
    needs_data=False,
)
def images(ctx: CheckContext) -> Iterator[Diagnostic]:
    root = ctx.root.resolve()
    chapters: _Chapters | None = None
    for doc in ctx.documents:
        for target, line, column in _image_uses(doc):
            if target.startswith("data:"):
                continue  # the picture is in the source itself
            problem = _image_problem(ctx.root, root, doc, target)
            if problem is None and ctx.tracked_only:
                # git is asked once, when the first image is found (cached on the context).
                problem = _untracked_image(ctx.root, root, doc, target, ctx.tracked_manual_files)
            if problem:
                yield Diagnostic("MK124", "error", problem, Location(doc.path, line, column))
        for link in _file_links(doc):
            chapters = chapters or _Chapters.of(ctx)
            problem = _linked_file_problem(ctx, doc, link, chapters)
            if problem:
                yield Diagnostic("MK124", "error", problem, Location(doc.path, link.line, link.column))


def _untracked_image(
    project: Path, root: Path, doc: Document, target: str, tracked: frozenset[str] | None
) -> str | None:
    """Why the commit lacks the image at ``target``, a file on disk (``None`` when git tracks it,
    or when there is no git to ask)."""
    return _untracked(project, root, _image_path(project, doc, target), f"image {target!r}", tracked)


def _untracked(
    project: Path, root: Path, path: Path, what: str, tracked: frozenset[str] | None
) -> str | None:
    """Why the commit lacks the file at ``path`` (unresolved), which ``what`` names.

    Either path counts, the one the chapter writes or the one it resolves to: git records a
    symbolic link as itself and a file reached through a linked folder under its real path, and
    in both cases the commit holds the file."""
    if tracked is None:
        return None
    written = posixpath.normpath(path.relative_to(project).as_posix())
    shown = path.resolve().relative_to(root).as_posix()
    if written in tracked or shown in tracked:
        return None
    return f"{what} is {shown}, which git does not track (git add it: the commit would lack it)"


def _image_path(project: Path, doc: Document, target: str) -> Path:
    """The file an image ``target`` of ``doc`` names, unresolved: a leading / means manual/."""
    if target.startswith("/"):
        return project / "manual" / target.lstrip("/")
    return (project / doc.path).parent / target


def _image_uses(doc: Document) -> Iterator[tuple[str, int, int]]:
    for block in doc.blocks:
        for m in IMAGE_RE.finditer(block.source):
            if _in_prose(block, m.start()):
                yield (m.group("angled") or m.group("target"), *block.position(m.start()))
    for d in doc.directives:
        if d.name in ("image", "figure") and d.argument:
            yield d.argument, d.line, d.column


def _image_problem(project: Path, root: Path, doc: Document, target: str) -> str | None:
    """Why the build cannot publish the image at ``target`` (``None`` when it can)."""
    if "://" in target or target.startswith("//"):
        return (
            f"image {target!r} is on the network: expected a file under manual/ (the build refuses "
            "pictures every reader's browser, and the DOCX build, would fetch from elsewhere)"
        )
    if any(c.isspace() for c in target):
        return (
            f"image {target!r} has a space in its path: MyST percent-encodes it, so the build finds "
            "no file; expected a file name without spaces (rename the file and the link)"
        )
    manual = project / "manual"
    absolute = target.startswith("/")
    written = _image_path(project, doc, target)
    resolved = written.resolve()
    if not resolved.is_relative_to(manual.resolve()):
        return (
            f"image {target!r} is outside manual/: expected a file under manual/ (the build publishes "
            "only the manual's own files, and refuses it)"
        )
    if resolved.is_file():
        return _content_problem(written, resolved, PICTURE_TYPES, f"image {target!r}", _PICTURE_RULE)
    shown = resolved.relative_to(root).as_posix()
    note = " (a leading / means the manual/ folder, not the disk)" if absolute else ""
    found = "a folder" if resolved.is_dir() else "no file"
    return f"image {target!r} not found: expected the file {shown}{note}, found {found}"


#: What the build publishes, copied from :mod:`manualkit.sphinx.transforms` (``IMAGE_TYPES``,
#: ``DOWNLOAD_TYPES``, ``_signature_ok``), which imports Sphinx; a test keeps the copies equal.
#: A picture: the formats browsers show.
PICTURE_TYPES = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".gif": "GIF",
    ".webp": "WebP",
    ".svg": "SVG",
}
#: A link's or {download}'s file: the documents a bank manual offers, and pictures (no web page,
#: script, XML or archive, no Office format with macros).
DOWNLOAD_TYPES = {
    ".pdf": "PDF",
    ".docx": "Word (.docx)",
    ".xlsx": "Excel (.xlsx)",
    ".pptx": "PowerPoint (.pptx)",
    ".csv": "CSV",
    ".txt": "text",
    **PICTURE_TYPES,
}
_PICTURE_RULE = "a PNG, JPEG, GIF, WebP or SVG picture"
_DOWNLOAD_RULE = "a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV or text file, or a picture"


def signature_ok(suffix: str, head: bytes) -> bool:
    """Whether the file's first bytes ``head`` are those of a ``suffix`` file (SVG: judged apart),
    as the build judges them (``manualkit.sphinx.transforms._signature_ok``)."""
    if suffix == ".png":
        return head.startswith(b"\x89PNG")
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".gif":
        return head.startswith(b"GIF8")
    if suffix == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if suffix == ".pdf":
        return b"%PDF-" in head
    if suffix in (".docx", ".xlsx", ".pptx"):
        return head.startswith(b"PK\x03\x04")
    # Text: a browser guessing a file's type takes one beginning with "<" for a page.
    return not head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n\f").startswith(b"<")


#: What a file's first bytes say it is, for the "found" half of a message.
_SIGNATURES = (
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office file)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls/.ppt)"),
)


def _describe_head(head: bytes) -> str:
    """What a file whose content is not what its name says holds, from its first bytes."""
    if not head:
        return "an empty file"
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            return what
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP picture"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "markup (a web page, SVG or XML: it begins with '<')"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes " + head[:8].hex(" ")
    first = " ".join(text.split())[:30]
    return f"text ({first!r})"


def _content_problem(
    written: Path, resolved: Path, types: dict[str, str], what: str, rule: str
) -> str | None:
    """Why the build refuses to publish the existing file ``resolved`` (``written``: the path as
    the chapter names it) for its type or content (``RefuseOutsideFiles._check``); ``None`` if it
    may. An SVG drawing is judged by its content elsewhere (MK612, :func:`_linked_file_problem`)."""
    suffixes = {written.suffix.lower(), resolved.suffix.lower()}
    wrong = sorted(suffix for suffix in suffixes if suffix not in types)
    if wrong:
        found = f"a {wrong[-1]} file" if wrong[-1] else "a file without an extension"
        return (
            f"{what} is {found}: expected {rule} (the build refuses to publish it: a web page or script "
            "served from the site would run in its name)"
        )
    suffix = resolved.suffix.lower()
    if suffix == ".svg":
        return None
    try:
        with resolved.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        return None  # unreadable: Sphinx reports it, as the checker cannot say more
    if signature_ok(suffix, head):
        return None
    kind = types[suffix]
    if kind in ("CSV", "text"):
        return (
            f"{what} begins with '<': expected {kind} that a browser cannot take for a web page, found "
            f"{_describe_head(head)}; the build refuses to publish it"
        )
    return (
        f"{what} is not a {kind} file: expected content that begins as a {kind} file does, found "
        f'{_describe_head(head)}; the build refuses to publish it ("its content is not that of a {kind} '
        f'file") — save it again as {kind}'
    )


@dataclasses.dataclass(frozen=True)
class _FileLink:
    """A link to a local path: ``[text](path)`` (``kind`` "link": MyST makes it a download when
    the path is a file that is no chapter, else a cross-reference) or ``{download}`path` `` and
    ``[text](path:x)`` ("download": always the file)."""

    kind: str
    target: str
    line: int
    column: int


#: A Markdown link (not an image): its target, in angle brackets or not.
_LINK_RE = re.compile(r"(?<!!)\[[^\]\n]*\]\(\s*(?:<(?P<angled>[^>\n]+)>|(?P<target>[^)\s>]+))")
#: A URI scheme as MyST reads one (``REGEX_SCHEME``); http(s), mailto and ftp make a URL.
_LINK_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_SCHEMES = frozenset({"http", "https", "mailto", "ftp"})
#: The roles that offer a file for download.
_DOWNLOAD_ROLES = frozenset({"download", "std:download"})


def _file_links(doc: Document) -> Iterator[_FileLink]:
    """The links of ``doc`` that may name a file (as MyST's ``render_link`` sorts them)."""
    for block in doc.blocks:
        if "](" not in block.source:
            continue
        for m in _LINK_RE.finditer(block.source):
            if not _in_prose(block, m.start()):
                continue
            group = "angled" if m.group("angled") else "target"
            target = m.group(group)
            line, column = block.position(m.start(group))
            scheme = _LINK_SCHEME_RE.match(target)
            if target.startswith("#"):
                continue  # an anchor: MK125's
            if scheme is None:
                yield _FileLink("link", target, line, column)
            elif scheme.group(1) == "path":
                yield _FileLink("download", target[len("path:") :], line, column)
    for block, role in doc.roles():
        if role.name not in _DOWNLOAD_ROLES or _escaped(block.source, role.offset) or not role.target:
            continue
        scheme = _LINK_SCHEME_RE.match(role.target)
        if scheme is None:
            yield _FileLink("download", role.target, role.line, role.column)


def _linked_file_problem(
    ctx: CheckContext, doc: Document, link: _FileLink, chapters: _Chapters
) -> str | None:
    """Why the build refuses the file a link or download names (``None`` when it publishes it,
    or when the link is a cross-reference the checker leaves to the build's resolution).

    Paths are joined as Sphinx's ``relfn2path`` joins them (a leading / is manual/, ``..``
    removed as written), then the file is judged as ``RefuseOutsideFiles`` judges it."""
    from urllib.parse import unquote

    project = ctx.root.absolute()
    manual = project / "manual"
    target = link.target
    written = unquote(target.split("#", 1)[0]) if link.kind == "link" else target
    if not written:
        return None
    base = manual if written.startswith("/") else (project / doc.path).parent
    path = Path(posixpath.normpath((base / written.lstrip("/")).as_posix()))
    what = f"link to {target!r}" if link.kind == "link" else f"{{download}} of {target!r}"
    shown = _shown(path, project)
    inside = path.is_relative_to(manual)
    if link.kind == "link" and not path.is_file():
        # MyST makes it a cross-reference, to a chapter, a label, a term …: judged only when it
        # leaves manual/ or names a file by its type, and names no chapter.
        current = doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        if {_docname_join(current, written), _docname_join(current, written.removesuffix(".md"))} & set(
            chapters.on_disk
        ):
            return None
        says = f"the build stops (\"'myst' cross-reference target not found: {target!r}\")"
        if not inside:
            return (
                f"{what} leads outside manual/ (to {shown}, which is not there either): expected a file "
                f"under manual/, or a chapter; {says}"
            )
        if path.suffix.lower() in DOWNLOAD_TYPES or path.suffix.lower() == ".md":
            found = "a folder" if path.is_dir() else "no file"
            return f"{what} names no file: expected the file {shown}, found {found}; {says}"
        return None
    if link.kind == "link" and inside and path.suffix == ".md":  # a chapter: MyST links the page
        if not ctx.tracked_only:
            return None
        return _untracked(project, project.resolve(), path, what, ctx.tracked_manual_files)
    resolved = path.resolve()
    if not resolved.is_relative_to(manual.resolve()):
        return (
            f"{what} is outside manual/ (it is {_shown(resolved, project)}): expected a file under manual/; "
            f'the build refuses to publish it ("refusing to publish {target!r}: it is outside manual/"): '
            "only the manual's own files are published — data belongs in data/ and reaches the manual "
            "through its directives"
        )
    if not resolved.is_file():
        found = "a folder" if resolved.is_dir() else "no file"
        return (
            f'{what} not found: expected the file {shown}, found {found}; the build stops ("download file '
            'not readable")'
        )
    problem = _content_problem(path, resolved, DOWNLOAD_TYPES, what, _DOWNLOAD_RULE)
    if problem is None and resolved.suffix.lower() == ".svg":
        from manualkit.svg_safety import find_active_content

        active = find_active_content(resolved)
        if active is not None:
            problem = (
                f"{what} is a drawing that contains {active.what} (line {active.line} of the SVG), which "
                "would run in the site's name when opened: expected a plain drawing; the build refuses "
                "to publish it — export it again without scripts"
            )
    if problem is None and ctx.tracked_only:
        problem = _untracked(project, project.resolve(), path, what, ctx.tracked_manual_files)
    return problem


def _shown(path: Path, project: Path) -> str:
    """``path`` for a message: relative to the project when inside it, else as it is."""
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else path.as_posix()


@rule(
    "MK125",
    "error",
    "link to an anchor no section label defines: the build stops",
    """
    What: a Markdown link to an anchor, [text](#label), whose label no `(label)=` line and no
    directive's `:name:` option in the manual defines (compared in lower case, as Sphinx does).
    Why: Sphinx warns "cross-reference target not found" (a warning fails the build); the link
    would lead nowhere.
    Fix: correct the label (the message suggests the closest one), or write {ref}`label`.
    """,
    needs_data=False,
)
def anchor_links(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Sphinx compares labels in lower case: (Neg-Mixed)= answers [x](#neg-mixed).
    labels = {label.lower() for label in ctx.section_documents} | _free_targets(ctx)
    for doc in ctx.documents:
        for block in doc.blocks:
            for m in _ANCHOR_LINK_RE.finditer(block.source):
                anchor = m.group("anchor")
                if not anchor or anchor.lower() in labels or not _in_prose(block, m.start()):
                    continue
                hint = _did_you_mean(anchor, sorted(labels), "'#{}'")
                line, column = block.position(m.start("anchor") - 1)
                yield Diagnostic(
                    "MK125",
                    "error",
                    f"link to '#{anchor}': no `({anchor})=` label in the manual{hint}",
                    Location(doc.path, line, column),
                )


_TARGET_LINE_RE = re.compile(r"^\s*\((?P<label>[^\s()]+)\)=\s*$", re.MULTILINE)


def _free_targets(ctx: CheckContext) -> set[str]:
    """Labels other than a heading's, lower-cased as Sphinx stores them: ``(label)=`` lines (before
    a table, a directive) and the ``:name:`` option of any directive ({figure}, {list-table} …)."""
    lines = {m["label"].lower() for doc in ctx.documents for m in _TARGET_LINE_RE.finditer(doc.text)}
    names = {
        name.strip().lower()
        for doc in ctx.documents
        for directive in doc.directives
        if (name := directive.option("name"))
    }
    return lines | names


#: Directive → (collection, data file, what it lists): the build stops when there is nothing.
_LISTING_DIRECTIVES: dict[str, tuple[str, str, str]] = {
    "glossary-list": ("glossary", "data/glossary.yaml", "terms"),
    "reference-list": ("references", "data/references.yaml", "references"),
    "revision-history": ("revisions", "data/revisions.yaml", "revisions"),
    "attachment-list": ("forms", "data/forms.yaml", "forms"),
    "form-appendices": ("forms", "data/forms.yaml", "forms"),
}


@rule(
    "MK126",
    "error",
    "a generated list has nothing to list: the build stops",
    """
    What: :::{glossary-list}, :::{reference-list}, :::{revision-history}, :::{attachment-list} or
    :::{form-appendices} in a chapter while its data file (data/glossary.yaml …) is missing or
    has no entries; an :::{sla-table} whose filters (:tags:, :section:, :chapter:, combined with
    "and") select no SLA of data/slas.yaml, e.g. `:tags: system` with `:section:
    complaint-process`.
    Why: the directive refuses to print an empty list ("glossary-list: data/glossary.yaml has no
    terms", "sla-table: no SLA matches …"), which fails the build; a deleted data file is
    otherwise not an error of its own.
    Fix: restore the data file (git checkout -- data/glossary.yaml) or remove the directive;
    correct the table's filters, or give the SLAs meant the tag or section.
    """,
)
def empty_listings(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for directive in doc.directives:
            if directive.name == "sla-table":
                problem = _empty_sla_table(ctx, doc, directive)
                if problem:
                    yield Diagnostic(
                        "MK126", "error", problem, Location(doc.path, directive.line, directive.column)
                    )
                continue
            listed = _LISTING_DIRECTIVES.get(directive.name)
            if listed is None or getattr(ctx.data, listed[0]):
                continue
            _collection, file, what = listed
            state = "is missing" if not (ctx.root / file).exists() else f"has no {what}"
            yield Diagnostic(
                "MK126",
                "error",
                f"{{{directive.name}}} lists {file}, which {state}: expected at least one entry "
                "(the build stops on an empty list)",
                Location(doc.path, directive.line, directive.column),
            )


def _empty_sla_table(ctx: CheckContext, doc: Document, directive: DirectiveUse) -> str | None:
    """Why an {sla-table} lists nothing (``SlaTableDirective.build_context``: "no SLA matches");
    ``None`` when it lists an SLA, or when one of its filters names nothing (MK101, MK122 say so)."""
    table = SlaTableFilter.from_options(dict(directive.options))
    tags = {tag for sla in ctx.data.slas for tag in sla.tags}
    if table.tags - tags or (table.section and table.section not in ctx.section_documents):
        return None
    labels: set[str] | None = None
    if table.chapter is not None:
        name = table.chapter or doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        chapter = next((d for d in ctx.documents if d.path == f"manual/{name}.md"), None)
        if chapter is None:
            return None
        labels = _chapter_section_labels(chapter.text)
    if any(table.selects(sla, labels) for sla in ctx.data.slas):
        return None
    return (
        f"{{sla-table}} lists no SLA: no SLA in data/slas.yaml has {table.describe()} (filters combine "
        f'with "and"); expected at least one, found none, and the build stops ("sla-table: no SLA '
        'matches …")'
    )


#: The build's reading of a chapter's labels for {sla-table} :chapter:
#: (``manualkit.sphinx.directives.section_labels``): ``(label)=`` lines outside code fences.
_CHAPTER_LABEL_LINE = re.compile(r"^\(([A-Za-z0-9_.:-]+)\)=\s*$", re.MULTILINE)
_CODE_FENCE_BLOCK = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.MULTILINE | re.DOTALL)


def _chapter_section_labels(text: str) -> set[str]:
    return set(_CHAPTER_LABEL_LINE.findall(_CODE_FENCE_BLOCK.sub("", text)))


@rule(
    "MK127",
    "error",
    "a bare ':::' line opens a block that swallows the headings after it",
    """
    What: a line of colons with no {directive} after it that opens a fence rather than closing
    one. It happens with nested directives written with the same number of colons, or with more
    colons inside than outside: the inner closing line (::::) closes the outer directive, and the
    outer one's closing line (:::) then opens a new fence that runs to the next such line or to
    the end of the chapter.
    Why: MyST puts what follows into a plain block, with no warning: its headings become
    unnumbered rubrics — no section, no number, absent from the contents, the sidebar and every
    reference — in every output.
    Fix: give the outer directive more colons than the one inside it (::::{warning} … :::{note}
    … ::: … ::::), or remove the stray line.
    """,
    needs_data=False,
)
def bare_fences(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        total = len(doc.text.splitlines())
        for line, last in doc.bare_fences:
            until = "the end of the chapter" if last >= total else f"line {last}"
            yield Diagnostic(
                "MK127",
                "error",
                f"this ':::' opens no directive: the text from here to {until} goes into a plain block "
                "whose headings are no sections (no number, not in the contents); expected it to close "
                "a directive — the outer one of nested directives needs more colons "
                "(::::{warning} … :::{note} … ::: … ::::)",
                Location(doc.path, line, 1),
            )


@rule(
    "MK128",
    "error",
    "a directive without its argument, or with content it takes none of: the build stops",
    """
    What: a directive written without the argument it needs (:::{checklist} with no checklist id,
    :::{figure} with no picture), or one that takes no content (process, checklist, form,
    sla-table, share-table …) with text in its body. The latter is nearly always a closing ':::'
    left out: the directive's fence then runs on to the next closing line or to the end of the
    chapter and swallows the text, headings and labels in between.
    Why: Sphinx reports "N argument(s) required, 0 supplied" or "Has content, but none
    permitted" without a column, and the labels swallowed with the text are then missing for
    every {ref} to them, in other chapters too; builds treat all of these as errors.
    Fix: give the argument (the id of the checklist, form, process or share table); close the
    directive with ':::' on the line after its options.
    """,
    needs_data=False,
)
def directive_shapes(ctx: CheckContext) -> Iterator[Diagnostic]:
    known = known_markup()
    for doc in ctx.documents:
        for use in doc.directives:
            shape = known.shape(use.name)
            if shape is None:
                continue  # an unknown directive is MK121's
            where = Location(doc.path, use.line, use.column)
            if shape.required and not use.argument:
                yield Diagnostic(
                    "MK128",
                    "error",
                    f"{{{use.name}}} needs {shape.required} argument(s) after its name "
                    f"({_ARGUMENT_HINT.get(use.name, 'see the directive')}), found none",
                    where,
                )
            if not shape.content and use.content:
                first, last = use.content[0][0], use.content[-1][0]
                span = f"line {first}" if first == last else f"lines {first}–{last}"
                yield Diagnostic(
                    "MK128",
                    "error",
                    f"{{{use.name}}} takes no content, found text on {span} "
                    f"(“{use.content[0][2][:30]}”): is its closing ':::' missing? Expected ':::' "
                    "on the line after its options",
                    where,
                )


#: What the argument of the manual's own directives is, for MK128's message.
_ARGUMENT_HINT = {
    "checklist": "a checklist id such as CL-04-01",
    "form": "a form id such as F-04-01",
    "process": "a process id such as complaint.handling",
    "share-table": "a share id such as complaint.category.share",
    "figure": "the picture's path",
}


@rule(
    "MK129",
    "error",
    "a fence never closed: the rest of the chapter becomes code (or the directive's content)",
    """
    What: a code fence (```text, ~~~, ```{code-block} …) or a directive fence (:::{note},
    ```{note} …) with no closing line: markdown-it runs it to the end of the chapter (or of the
    list item, quote or directive that holds it) and takes in everything below.
    Why: what follows prints as code (or inside the note), with no warning from MyST: its
    headings are no sections (no number, not in the contents), and in a code fence the labels
    defined there are gone too, so every {ref} to them — in other chapters and in data/ as well —
    fails the build with "undefined label". The checker reads the swallowed text as the chapter's
    own, so those references are not reported one by one: this finding, at the fence, is the one
    to fix.
    Fix: add the closing line (``` for ```, ~~~ for ~~~, ':::' for ':::', at least as long as the
    opening one) where the code or the directive ends.
    """,
    needs_data=False,
)
def unclosed_fences(ctx: CheckContext) -> Iterator[Diagnostic]:
    known = known_markup()
    for doc in ctx.documents:
        directives = {d.line: d for d in doc.directives}
        for fence in doc.unclosed_fences:
            use = directives.get(fence.line)
            shape = known.shape(fence.directive) if fence.directive else None
            if use and use.content and shape and not shape.content and fence.markup.startswith(":"):
                continue  # "takes no content … is its closing ':::' missing?" is MK128's
            where = Location(doc.path, fence.line, fence.column)
            yield Diagnostic("MK129", "error", _unclosed_message(fence), where)


def _unclosed_message(fence: UnclosedFence) -> str:
    closing = fence.markup[0] * len(fence.markup)
    opened = f"{fence.markup}{fence.info}" if fence.info else fence.markup
    literal = not fence.directive or fence.directive in LITERAL_BODY_DIRECTIVES
    what = f"'{opened}'" if literal else f"the {{{fence.directive}}} opened with '{opened}'"
    if fence.last_line <= fence.line:
        taken = ""
    elif fence.last_line == fence.line + 1:
        into = "prints as code" if literal else f"goes into the {{{fence.directive}}}"
        taken = f"line {fence.line + 1} {into}"
    else:
        into = "print as code" if literal else f"go into the {{{fence.directive}}}"
        taken = f"lines {fence.line + 1}–{fence.last_line} {into}"
    if fence.inside:
        outer = f"{{{fence.inside}}} of line {fence.inside_line}"
        if fence.inside_closing:
            ends = f"line {fence.inside_closing} closes the {{{fence.inside}}} and ends it there"
        else:
            ends = f"it ends with the {{{fence.inside}}}"
        message = f"{what} is never closed inside the {outer}: {ends}" + (f", and {taken}" if taken else "")
        if fence.markup.startswith(":") and fence.inside_closing:
            inner = fence.directive or "…"
            message += (
                f"; if line {fence.inside_closing} was meant to close this one, the {{{fence.inside}}} lacks "
                f"its own closing line before line {fence.line}, or, to hold this one, needs more colons "
                f"than it (::::{{{fence.inside}}} … :::{{{inner}}} … ::: … ::::)"
            )
    elif fence.to_end:
        message = f"{what} is never closed: it runs to the end of the chapter" + (
            f", so {taken}" if taken else ""
        )
    else:
        message = (
            f"{what} is never closed: it runs to line {fence.last_line}, the end of the list item or "
            "quote holding it" + (f", so {taken}" if taken else "")
        )
    sections = [h for h in fence.headings if h.section or not literal]
    if sections:
        titles = "、".join(f"“{h.title}”" for h in sections[:3]) + ("…" if len(sections) > 3 else "")
        become = "no sections" if literal else "unnumbered rubrics, not in the contents"
        message += f" — {len(sections)} heading(s) ({titles}) that are then {become}"
        labels = [h.label for h in sections if h.label]
        if labels and literal:  # in a directive, a label still names its rubric
            shown = ", ".join(repr(label) for label in labels[:4]) + (", …" if len(labels) > 4 else "")
            message += (
                f", and {len(labels)} label(s) ({shown}) that every {{ref}} to them then misses, "
                "stopping the build"
            )
    if fence.short_close:
        line, typed = fence.short_close
        message += f" (line {line}, '{typed}', is shorter than '{fence.markup}' and closes nothing)"
    ends_what = "code" if literal else "directive"
    return f"{message}; expected a closing '{closing}' line where the {ends_what} ends, found none"


@rule(
    "MK140",
    "error",
    "heading levels: a jump, a second H1, or a chapter that does not start at H1",
    """
    What: the headings of a chapter (# … ######) must go down one level at a time: the chapter
    starts with one # heading (its title), ## below it, ### below that. Reported: a heading more
    than one level below the one it follows (## then ####), a chapter whose first heading is not
    #, and a second # heading in a chapter. Headings in lists, quotes and directives are rubrics,
    not sections, and are not counted.
    Why: MyST warns "Non-consecutive header level increase; H1 to H4" or "Document headings start
    at H2, not H1" (at that heading and at every heading under it), and builds treat warnings as
    errors. A second # heading passes without a warning but makes a chapter of its own: the
    contents list it as one, and every later chapter's number goes up by one (4 becomes 5) in
    every output.
    Fix: give the heading the level the message expects (one more # than its parent, ## under the
    chapter's title), or move a second chapter to a file of its own.
    """,
    needs_data=False,
)
def heading_levels(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        sections = [h for h in doc.headings if h.section]
        warned = _myst_heading_warnings(sections)
        problems = _heading_problems(sections)
        for index, (heading, message) in enumerate(problems):
            after = problems[index + 1][0].line if index + 1 < len(problems) else None
            caused = [ln for ln in warned if ln > heading.line and (after is None or ln < after)]
            if caused:
                shown = ", ".join(str(ln) for ln in caused[:8]) + (", …" if len(caused) > 8 else "")
                message += f" (the build's warnings at lines {shown}, the headings under it, go with it)"
            yield Diagnostic("MK140", "error", message, Location(doc.path, heading.line, heading.column))


def _myst_heading_warnings(sections: list[Heading]) -> list[int]:
    """Lines of the headings MyST warns about (``update_section_level_state``, replayed)."""
    levels = {0}
    warned: list[int] = []
    for h in sections:
        parent = max(level for level in levels if level < h.level)
        if h.level > parent + 1:
            warned.append(h.line)
        levels = {level for level in levels if level < h.level} | {h.level}
    return warned


def _heading_problems(sections: list[Heading]) -> list[tuple[Heading, str]]:
    """(heading, message) of each heading at a wrong level, replaying MyST's section levels as if
    each reported heading were corrected: one finding per mistake, not one per heading under it."""
    stack: list[tuple[int, Heading]] = []
    title: Heading | None = None
    found: list[tuple[Heading, str]] = []
    for h in sections:
        level = h.level
        parent_level, parent = next(((lv, p) for lv, p in reversed(stack) if lv < level), (0, None))
        marks = "#" * h.level
        if title is None and level != 1:
            found.append(
                (
                    h,
                    f"the chapter's first heading “{h.title}” is H{level}: expected # (H1), the chapter's "
                    f'title, found {marks}; MyST warns "Document headings start at H{level}, not H1" '
                    "and the build stops",
                )
            )
            level = 1
        elif level == 1 and title is not None:
            found.append(
                (
                    h,
                    f"a second H1 heading “{h.title}” in the chapter (its title is “{title.title}”, line "
                    f"{title.line}): expected ## (H2), found #; the build makes it a chapter of its own, "
                    "listed as such in the contents, and numbers every later chapter one higher",
                )
            )
            level = 2
        elif level > parent_level + 1:
            under = f" under “{parent.title}” (line {parent.line})" if parent else ""
            expected = "#" * (parent_level + 1)
            found.append(
                (
                    h,
                    f"heading “{h.title}” jumps from H{parent_level} to H{level}{under}: expected at most "
                    f'{expected} (H{parent_level + 1}), found {marks}; MyST warns "Non-consecutive header '
                    f'level increase; H{parent_level} to H{level}" and the build stops',
                )
            )
            level = parent_level + 1
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, h))
        if title is None:
            title = h
    return found


#: A footnote reference ``[^label]`` (markdown-it's ``footnote_ref``: no space in the label).
_FOOTNOTE_REF_RE = re.compile(r"\[\^(?P<label>[^ \n\]]+)\]")


@rule(
    "MK141",
    "error",
    "footnote with no definition, defined twice, or never referenced: the build stops",
    """
    What: a footnote reference [^label] needs one definition `[^label]: text` in the same
    chapter (footnotes do not cross chapters); a label defined twice, or defined with the name of
    a section label or a directive's :name: in the chapter, keeps only the first; a definition no
    [^label] in the chapter refers to is reported too.
    Why: docutils reports 'Unknown target name: "label"' (and "Too many autonumbered footnote
    references") for a reference with no definition; MyST warns "Duplicate footnote definition
    found for label" and drops the second definition, and Sphinx warns "Footnote [#] is not
    referenced." for one nobody cites. Builds treat each as an error.
    Fix: add the definition (or correct the label, the message suggests the closest one), give
    the second definition a label of its own, cite the footnote, or delete it.
    """,
    needs_data=False,
)
def footnotes(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        refs = list(_footnote_refs(doc))
        if not refs and not doc.footnotes:
            continue
        targets = _document_targets(doc)
        defined: dict[str, tuple[int, int]] = {}
        dropped: set[str] = set()
        for fn in doc.footnotes:
            where = Location(doc.path, fn.line, fn.column)
            if fn.label in defined:
                first = defined[fn.label][0]
                yield Diagnostic(
                    "MK141",
                    "error",
                    f"footnote [^{fn.label}] is defined a second time (first on line {first}): "
                    f'MyST drops this definition ("Duplicate footnote definition found for label: '
                    f"'{fn.label}'\") and the build stops; expected one definition per label",
                    where,
                )
                continue
            if fn.label in targets:
                dropped.add(fn.label)
                yield Diagnostic(
                    "MK141",
                    "error",
                    f"footnote [^{fn.label}] has the name of the label on line {targets[fn.label]}: MyST "
                    'drops the footnote ("Duplicate footnote definition found for label: '
                    f"'{fn.label}'\"), its references find nothing and the build stops; expected a "
                    "footnote label of its own",
                    where,
                )
                continue
            defined[fn.label] = (fn.line, fn.column)
        cited: set[str] = set()
        for label, line, column in refs:
            cited.add(label)
            if label in defined or label in dropped:
                continue
            hint = _did_you_mean(label, sorted(defined), "[^{}]")
            yield Diagnostic(
                "MK141",
                "error",
                f"footnote reference [^{label}] has no definition in this chapter: expected a line "
                f"`[^{label}]: …` (docutils: 'Unknown target name: \"{label}\"', the build stops){hint}",
                Location(doc.path, line, column),
            )
        for label, (line, column) in defined.items():
            if label not in cited:
                yield Diagnostic(
                    "MK141",
                    "error",
                    f"footnote [^{label}] is defined but never referenced in this chapter: expected "
                    f'[^{label}] in the text, found none ("Footnote [#] is not referenced.", the build '
                    "stops); cite it or delete the definition",
                    Location(doc.path, line, column),
                )


def _footnote_refs(doc: Document) -> Iterator[tuple[str, int, int]]:
    """(label, line, column) of every footnote reference in the chapter's prose."""
    definitions = {(fn.line, fn.column) for fn in doc.footnotes}
    for block in doc.blocks:
        if "[^" not in block.source:
            continue
        for m in _FOOTNOTE_REF_RE.finditer(block.source):
            if not _in_prose(block, m.start()) or block.source[m.end() : m.end() + 1] == "(":
                continue  # in code or a role, escaped, or the text of a link [^x](url)
            line, column = block.position(m.start())
            if (line, column) in definitions:
                continue  # the definition's own "[^label]:"
            yield m["label"], line, column


def _document_targets(doc: Document) -> dict[str, int]:
    """Explicit target names of one chapter (``(label)=`` lines, directive ``:name:``) → line: a
    footnote labelled the same is dropped by MyST."""
    found: dict[str, int] = {}
    for m in _TARGET_LINE_RE.finditer(doc.text):
        found.setdefault(m["label"].lower(), doc.text.count("\n", 0, m.start("label")) + 1)
    for directive in doc.directives:
        name = directive.option("name")
        if name:
            found.setdefault(name.strip().lower(), directive.line)
    return found


#: The roles that link to a document by its name.
_DOC_ROLES = frozenset({"doc", "std:doc"})


@rule(
    "MK142",
    "error",
    "{doc} names no document: the build stops",
    """
    What: a {doc}`name` role whose target is no chapter. The name is the chapter's path under
    manual/ without .md (`05-technology`), relative to the citing chapter's folder, or from manual/
    with a leading / (`/05-technology`); letter case counts and `.md` must not be written, as in
    Sphinx. `{doc}`!name`` (no link) is not checked. With `--tracked-only` (the pre-commit hook) a
    chapter git does not track counts as missing.
    Why: Sphinx warns "unknown document: '05-technolgy'" (a warning fails the build) and the link
    would lead nowhere.
    Fix: correct the name (the message suggests the closest chapter).
    """,
    needs_data=False,
)
def doc_roles(ctx: CheckContext) -> Iterator[Diagnostic]:
    on_disk: dict[str, str] | None = None
    docnames: set[str] = set()
    for doc in ctx.documents:
        current = doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        folder = posixpath.dirname(current)
        for block, role in doc.roles():
            if role.name not in _DOC_ROLES or _escaped(block.source, role.offset):
                continue
            raw = ROLE_RE.match(block.source, role.offset)
            if raw is None or raw["content"].strip().startswith("!") or not role.target:
                continue
            if on_disk is None:
                on_disk = _chapters_on_disk(ctx.root)
                tracked = ctx.tracked_manual_files if ctx.tracked_only else None
                docnames = {n for n, p in on_disk.items() if tracked is None or p in tracked}
            name = _docname_join(current, role.target)
            if name in docnames:
                continue
            where = Location(doc.path, role.line, role.column)
            if name in on_disk:
                yield Diagnostic(
                    "MK142",
                    "error",
                    f"{{doc}}`{role.target}` names {on_disk[name]}, which git does not track (git add it: "
                    "the commit would lack it)",
                    where,
                )
                continue
            stem = role.target
            for suffix in _SOURCE_SUFFIXES:
                stem = stem.removesuffix(suffix)
            if stem != role.target and _docname_join(current, stem) in docnames:
                found = f"the file name {role.target!r} (a document's name has no {role.target[len(stem) :]})"
                hint = f"; did you mean {{doc}}`{stem}`?"
            else:
                found = f"{role.target!r}, and there is no manual/{name}.md"
                written = sorted(_doc_written(n, folder) for n in docnames)
                hint = _did_you_mean(role.target, written, "{{doc}}`{}`")
            yield Diagnostic(
                "MK142",
                "error",
                f"{{doc}}`{role.target}` names no document: expected a chapter's name (its path under "
                f'manual/ without .md), found {found}; Sphinx warns "unknown document: '
                f"'{role.target}'\" and the build stops{hint}",
                where,
            )


def _doc_written(docname: str, folder: str) -> str:
    """How a chapter in ``folder`` writes the document ``docname``: relative when it is in the
    same folder or below, else from manual/ with a leading /."""
    if not folder:
        return docname
    prefix = folder + "/"
    return docname[len(prefix) :] if docname.startswith(prefix) else "/" + docname


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
            if role.name in _RAW_ROLES and not _escaped(block.source, role.offset):
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
