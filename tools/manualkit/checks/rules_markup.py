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
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

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
    "image file missing, outside manual/ or on the network: the build stops",
    """
    What: an image (![…](path), {image} path, {figure} path) whose file does not exist, lies
    outside manual/, or is an address on the network (https://…). A path is relative to the
    chapter; a path starting with / is relative to manual/ (Sphinx's rule), not to the disk. With
    `--tracked-only` (the pre-commit hook) an image git does not track counts as missing.
    Why: Sphinx warns "image file not readable"; manualkit publishes only the manual's own files
    (the build would copy anything else into the published site: the project's .git, build/ …)
    and no picture every reader's browser, or the DOCX build, would fetch; each fails the build.
    A picture left out of `git add` stays on disk during the hook but is not in the commit, so
    every other checkout (CI, the publishing build, a colleague's) fails on it.
    Fix: put the image under manual/ (e.g. manual/img/) and point at it relative to the chapter;
    `git add` it.
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
            if problem is None and ctx.tracked_only:
                # git is asked once, when the first image is found (cached on the context).
                problem = _untracked_image(ctx.root, root, doc, target, ctx.tracked_manual_files)
            if problem:
                yield Diagnostic("MK124", "error", problem, Location(doc.path, line, column))


def _untracked_image(
    project: Path, root: Path, doc: Document, target: str, tracked: frozenset[str] | None
) -> str | None:
    """Why the commit lacks the image at ``target``, a file on disk (``None`` when git tracks it,
    or when there is no git to ask).

    Either path counts, the one the chapter writes or the one it resolves to: git records a
    symbolic link as itself and a file reached through a linked folder under its real path, and
    in both cases the commit holds the picture."""
    if tracked is None:
        return None
    path = _image_path(project, doc, target)
    written = posixpath.normpath(path.relative_to(project).as_posix())
    shown = path.resolve().relative_to(root).as_posix()
    if written in tracked or shown in tracked:
        return None
    return f"image {target!r} is {shown}, which git does not track (git add it: the commit would lack it)"


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
    resolved = _image_path(project, doc, target).resolve()
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
