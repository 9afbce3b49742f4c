"""MK125, MK142: links from one place in the manual to another that lead nowhere.

A ``[text](#label)`` link to no label, or a {doc} role naming no chapter, makes Sphinx warn
"cross-reference target not found" or "unknown document", which stops the build. Labels are
compared in lower case and document names resolved relative to the citing chapter, as Sphinx
does, and the closest existing label or chapter is suggested. (Ids used in prose and data, and
toctree entries, are :mod:`manualkit.checks.rules_references`'; links to files,
:mod:`manualkit.checks.rules_local_files`'.) :data:`TARGET_LINE_RE` is shared with MK141, whose
footnote labels must not be a chapter's labels.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.rules_markup import did_you_mean, escaped, in_prose
from manualkit.checks.rules_references import _SOURCE_SUFFIXES, _chapters_on_disk, _docname_join
from manualkit.checks.source import ROLE_RE
from manualkit.diagnostics import Diagnostic, Location

#: A Markdown link to an anchor, ``[text](#label)``.
_ANCHOR_LINK_RE = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?#(?P<anchor>[^)\s>]*)")


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
                if not anchor or anchor.lower() in labels or not in_prose(block, m.start()):
                    continue
                hint = did_you_mean(anchor, sorted(labels), "'#{}'")
                line, column = block.position(m.start("anchor") - 1)
                yield Diagnostic(
                    "MK125",
                    "error",
                    f"link to '#{anchor}': no `({anchor})=` label in the manual{hint}",
                    Location(doc.path, line, column),
                )


#: A ``(label)=`` line: the label a table, a directive or a section below it is known by.
TARGET_LINE_RE = re.compile(r"^\s*\((?P<label>[^\s()]+)\)=\s*$", re.MULTILINE)


def _free_targets(ctx: CheckContext) -> set[str]:
    """Labels other than a heading's, lower-cased as Sphinx stores them: ``(label)=`` lines (before
    a table, a directive) and the ``:name:`` option of any directive ({figure}, {list-table} …)."""
    lines = {m["label"].lower() for doc in ctx.documents for m in TARGET_LINE_RE.finditer(doc.text)}
    names = {
        name.strip().lower()
        for doc in ctx.documents
        for directive in doc.directives
        if (name := directive.option("name"))
    }
    return lines | names


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
            if role.name not in _DOC_ROLES or escaped(block.source, role.offset):
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
                hint = did_you_mean(role.target, written, "{{doc}}`{}`")
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
