"""MK120–MK122, MK127–MK129: roles, directives and fences that parse but stop the Sphinx build,
or swallow the text after them.

Builds treat every Sphinx warning as an error, so an unknown role, directive or option, a
directive without its argument or with content it takes none of, or a fence left open fails
``manualkit build`` — the checker (the pre-commit hook) must fail first, at the line and column.
Role, directive and option names come from :mod:`manualkit.checks.markup` (a snapshot of the
project's Sphinx setup: Sphinx is not imported here); the values an option takes, from
:mod:`manualkit.checks.rules_option_values`.

The helpers that read a chapter's prose the way the build does live here too, because every
markup rule module needs them and must read alike (a backslash or inline code hides a role, an
image or a link from all of them): :func:`escaped`, :func:`in_prose`, :data:`IMAGE_RE`,
:func:`did_you_mean`, and :class:`Chapters` (the chapters the build reads and the commit holds).
The rest of the MK12x/MK14x family has a module of its own each: ``rules_toctree`` (MK123),
``rules_local_files`` (MK124), ``rules_internal_links`` (MK125, MK142), ``rules_generated_lists``
(MK126), ``rules_headings`` (MK140), ``rules_footnotes`` (MK141), ``rules_disabled_markup`` (MK143).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

from manualkit.checks.context import CheckContext
from manualkit.checks.markup import close_names, known_markup
from manualkit.checks.registry import rule
from manualkit.checks.rules_option_values import option_value_problem
from manualkit.checks.rules_references import _chapters_on_disk
from manualkit.checks.source import Block, DirectiveUse, UnclosedFence
from manualkit.diagnostics import Diagnostic, Location
from manualkit.nesting import LITERAL_BODY_DIRECTIVES

#: The roles a writer is most likely to mean, listed when a name is not close to any.
_HOUSE_ROLES = "sla, form, reg, target, window, nowrap, ref, term, doc"
_HOUSE_DIRECTIVES = "sla-table, form, checklist, process, share-table, note, figure, toctree"


def did_you_mean(name: str, known: list[str], template: str) -> str:
    """``"; did you mean …?"`` naming the ``known`` name closest to ``name`` (formatted with
    ``template``, e.g. ``"{{{}}}"`` for a role), or nothing when none is close: appended to a message."""
    close = close_names(name, known)
    return f"; did you mean {template.format(close[0])}?" if close else ""


def escaped(source: str, offset: int) -> bool:
    """Whether the character at ``offset`` follows an odd number of backslashes (``\\{sla}``)."""
    count = 0
    while offset - count - 1 >= 0 and source[offset - count - 1] == "\\":
        count += 1
    return count % 2 == 1


#: A Markdown image: its alternative text, and its target (in angle brackets or not).
IMAGE_RE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*(?:<(?P<angled>[^>\n]+)>|(?P<target>[^)\s>]+))")


def in_prose(block: Block, offset: int) -> bool:
    """Not inside inline code or a role (blanked in ``masked``) nor escaped."""
    return block.masked[offset] == block.source[offset] and not escaped(block.source, offset)


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
            if escaped(block.source, role.offset):
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
            hint = did_you_mean(role.name, sorted(known.roles), "{{{}}}")
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
    chapters: Chapters | None = None
    for doc in ctx.documents:
        lines = doc.lines()
        for directive in doc.directives:
            if not known.has_directive(directive.name):
                hint = did_you_mean(directive.name, names, "{{{}}}")
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
                hint = did_you_mean(key, sorted(allowed), ":{}:")
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
                    chapters = chapters or Chapters.of(ctx)
                    problem = _sla_table_chapter_problem(value.strip(), chapters)
                if problem is None:
                    continue
                place = directive.option_place(key)
                line, column = (place[0], place[2]) if place else _option_position(lines, directive, key)
                yield Diagnostic("MK122", "error", problem, Location(doc.path, line, column))


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


@dataclasses.dataclass(frozen=True)
class Chapters:
    """The chapters the build reads (docname → path), and the ones the commit holds.

    What an {sla-table}'s ``:chapter:`` (MK122) and a link to a chapter (MK124) may name."""

    on_disk: dict[str, str]
    #: The docnames git tracks (with ``--tracked-only``), else every one on disk.
    committed: frozenset[str]

    @classmethod
    def of(cls, ctx: CheckContext) -> Chapters:
        on_disk = _chapters_on_disk(ctx.root)
        tracked = ctx.tracked_manual_files if ctx.tracked_only else None
        return cls(on_disk, frozenset(n for n, p in on_disk.items() if tracked is None or p in tracked))


def _sla_table_chapter_problem(name: str, chapters: Chapters) -> str | None:
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
    hint = did_you_mean(name, sorted(chapters.committed), "{!r}")
    return (
        f"{{sla-table}} option :chapter: {expected}; found {name!r}, and there is no manual/{name}.md "
        f"({says}){hint}"
    )


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
