"""MK120–MK128: markup that parses but stops the Sphinx build, or swallows the text after it.

Builds treat every Sphinx warning as an error, so an unknown role, directive or option, a chapter
in no toctree, a missing image, a link to no label or a generated list with nothing to list fails
``manualkit build`` — the checker (the pre-commit hook) must fail first, at the line and column.
Role, directive and option names come from :mod:`manualkit.checks.markup` (a snapshot of the
project's Sphinx setup: Sphinx is not imported here).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from manualkit.checks.context import CheckContext
from manualkit.checks.markup import close_names, known_markup
from manualkit.checks.registry import rule
from manualkit.checks.rules_references import (
    _EXPLICIT_TITLE_RE,
    _GLOB_RE,
    _SOURCE_SUFFIXES,
    _URL_RE,
    _chapters_on_disk,
    _docname_join,
    _glob_regex,
)
from manualkit.checks.source import Block, DirectiveUse, Document
from manualkit.diagnostics import Diagnostic, Location

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
    "unknown directive option: the build stops",
    """
    What: an option line `:key: value` under a directive that the directive does not take, e.g.
    `:tag: complaint` under :::{sla-table} (which takes :tags:, :section: and :chapter:).
    Why: Sphinx warns "Unknown option key" (a warning fails the build) and ignores the option, so a
    filter or setting would silently not apply.
    Fix: correct the option's name (the message lists the options the directive takes).
    """,
    needs_data=False,
)
def unknown_directives(ctx: CheckContext) -> Iterator[Diagnostic]:
    known = known_markup()
    names = sorted(known.directives)
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
            for key, _value in directive.options:
                if key in allowed:
                    continue
                line, column = _option_position(lines, directive, key)
                takes = ", ".join(f":{o}:" for o in sorted(allowed)) or "no options"
                hint = _did_you_mean(key, sorted(allowed), ":{}:")
                yield Diagnostic(
                    "MK122",
                    "error",
                    f"{{{directive.name}}} has no option :{key}: (it takes {takes}){hint}",
                    Location(doc.path, line, column),
                )


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
            listed |= _toctree_names(toctree, current, set(on_disk))
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


def _toctree_names(toctree: DirectiveUse, current: str, docnames: set[str]) -> set[str]:
    """The documents a toctree lists, resolved as :func:`rules_references.toctree_entries` does."""
    names: set[str] = set()
    glob = toctree.option("glob") is not None
    for _line, _column, entry in toctree.content:
        explicit = _EXPLICIT_TITLE_RE.match(entry)
        if _URL_RE.match(entry):
            continue
        if glob and _GLOB_RE.match(entry) and not explicit:
            pattern = _glob_regex(_docname_join(current, entry))
            names |= {name for name in docnames if pattern.match(name)}
            continue
        ref = explicit.group(2) if explicit else entry
        for suffix in _SOURCE_SUFFIXES:
            if ref.endswith(suffix):
                ref = ref.removesuffix(suffix)
                break
        names.add(_docname_join(current, ref))
    return names


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
    "image file missing, outside manual/ or on the network: the build stops",
    """
    What: an image (![…](path), {image} path, {figure} path) whose file does not exist, lies
    outside manual/, or is an address on the network (https://…). A path is relative to the
    chapter; a path starting with / is relative to manual/ (Sphinx's rule), not to the disk.
    Why: Sphinx warns "image file not readable"; manualkit publishes only the manual's own files
    (the build would copy anything else into the published site: the project's .git, build/ …)
    and no picture every reader's browser, or the DOCX build, would fetch; each fails the build.
    Fix: put the image under manual/ (e.g. manual/img/) and point at it relative to the chapter.
    """,
    needs_data=False,
)
def images(ctx: CheckContext) -> Iterator[Diagnostic]:
    root = ctx.root.resolve()
    for doc in ctx.documents:
        for target, line, column in _image_uses(doc):
            if target.startswith("data:"):
                continue  # the picture is in the source itself
            problem = _image_problem(ctx.root, root, doc, target)
            if problem:
                yield Diagnostic("MK124", "error", problem, Location(doc.path, line, column))


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
    path = manual / target.lstrip("/") if absolute else (project / doc.path).parent / target
    resolved = path.resolve()
    if not resolved.is_relative_to(manual.resolve()):
        return (
            f"image {target!r} is outside manual/: expected a file under manual/ (the build publishes "
            "only the manual's own files, and refuses it)"
        )
    if resolved.is_file():
        return None
    shown = resolved.relative_to(root).as_posix()
    note = " (a leading / means the manual/ folder, not the disk)" if absolute else ""
    found = "a folder" if resolved.is_dir() else "no file"
    return f"image {target!r} not found: expected the file {shown}{note}, found {found}"


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
    has no entries.
    Why: the directive refuses to print an empty list ("glossary-list: data/glossary.yaml has no
    terms"), which fails the build; a deleted data file is otherwise not an error of its own.
    Fix: restore the data file (git checkout -- data/glossary.yaml) or remove the directive.
    """,
)
def empty_listings(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for directive in doc.directives:
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
