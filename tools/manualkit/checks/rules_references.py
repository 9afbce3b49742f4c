"""MK101/MK102/MK106–MK109: ids used in prose and data exist; defined ids are used; appendices;
toctree entries name existing chapters."""

from __future__ import annotations

import dataclasses
import difflib
import posixpath
import re
from collections.abc import Iterator, Set
from pathlib import Path
from typing import Literal

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.source import DirectiveUse
from manualkit.checks.usage import Use, bare_id_uses, data_text_id_uses, data_uses, defined_ids, prose_uses
from manualkit.diagnostics import Diagnostic, Location

_KIND_NAMES = {
    "slas": "SLA",
    "forms": "form",
    "references": "regulation",
    "targets": "target",
    "windows": "service window",
    "processes": "process",
    "checklists": "checklist",
    "shares": "share group",
    "glossary": "glossary term",
    "roles": "role",
    "labels": "section label",
    "tags": "SLA tag",
}


def _did_you_mean(target: str, known: set[str]) -> str:
    close = difflib.get_close_matches(target, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


@rule(
    "MK101",
    "error",
    "unknown id (SLA, form, process, checklist, regulation, role, section label)",
    """
    What: every id used in prose (roles such as {sla}`x`, {form}`F-04-01`, {reg}`x`, and the section
    labels of {ref}`label`), in directive
    arguments (:::{form}, :::{checklist}, :::{process}, :::{share-table}) and in data
    cross-references (step.sla, form.section, checklist.forms, sla.owner …) must be defined in
    data/ (or, for section labels, by a `(label)=` line in the manual); the `:tags:` of an
    :::{sla-table} must be tags of at least one SLA (else the table is empty). Form and
    checklist numbers typed as plain text (F-04-09, CL-04-02 — e.g. a hand-written attachment
    list, or "另填F-04-09" in a form's notes, a checklist item or a process step) must exist too.
    Why: a dangling id renders as a broken link or an empty cell, and means the manual cites a
    deadline, form or rule that does not exist.
    Fix: correct the id (the message suggests the closest defined one) or add the definition.
    """,
)
def unknown_ids(ctx: CheckContext) -> Iterator[Diagnostic]:
    known: dict[str, set[str]] = {}
    tables = {(doc.path, d.line): d for doc in ctx.documents for d in doc.directives if d.name == "sla-table"}
    for use in [*prose_uses(ctx), *bare_id_uses(ctx), *data_text_id_uses(ctx), *data_uses(ctx)]:
        # Computed once per kind: ``setdefault`` would rebuild the set for every use.
        if use.kind not in known:
            known[use.kind] = defined_ids(ctx, use.kind)
        ids = known[use.kind]
        if use.target in ids:
            continue
        what = _KIND_NAMES.get(use.kind, use.kind)
        table = tables.get((use.location.path, use.location.line)) if use.via == "directive" else None
        option = {"tags": "tags", "labels": "section"}.get(use.kind) if table else None
        if table is None or option is None:
            yield Diagnostic(
                "MK101",
                "error",
                f"unknown {what} {use.target!r}{_did_you_mean(use.target, ids)}",
                use.location,
            )
            continue
        expected = ""
        if use.kind == "tags":
            listed = ", ".join(sorted(ids)) or "none: no SLA has a tag"
            expected = (
                f": expected a tag of an SLA in data/slas.yaml ({listed}), found {use.target!r}; the build "
                f"stops (\"sla-table: unknown tag id '{use.target}'\")"
            )
        yield Diagnostic(
            "MK101",
            "error",
            f"unknown {what} {use.target!r} in the :{option}: of {{sla-table}}{expected}"
            f"{_did_you_mean(use.target, ids)}",
            _option_value_location(table, option, use.target, use.location),
        )


def _option_value_location(directive: DirectiveUse, option: str, item: str, fallback: Location) -> Location:
    """Where ``item`` is typed in the value of the directive's ``option`` (the last one given, the
    one the build reads); a comma-separated value is searched item by item."""
    place = directive.option_place(option)
    value = directive.option(option)
    if place is None or value is None:
        return fallback
    line, _key_column, value_column = place
    offset = 0
    for part in value.split(","):
        stripped = part.strip()
        if stripped == item and "\n" not in value[: offset + len(part)]:
            return dataclasses.replace(
                fallback, line=line, column=value_column + offset + part.index(stripped)
            )
        offset += len(part) + 1
    return dataclasses.replace(fallback, line=line, column=value_column)


@rule(
    "MK102",
    "warning",
    "defined but never used",
    """
    What: every SLA, form, process, checklist, regulation, target, service window and share group
    defined in data/ is used somewhere: by a role or directive in the manual, or by another data
    entry (a step's SLA, a form's retention period, an SLA's source regulation …). Being listed
    by the automatic sla-table or attachment list does not count as use.
    Why: an unused definition is either dead data or, more often, a rule the prose forgot to state.
    Fix: cite it where it applies ({sla}`id`, :::{process} id …) or delete it.
    """,
)
def unused_definitions(ctx: CheckContext) -> Iterator[Diagnostic]:
    used: dict[str, set[str]] = {}
    for use in [*prose_uses(ctx), *data_uses(ctx)]:
        used.setdefault(use.kind, set()).add(use.target)
    # A superseded regulation is "used" when its successor is (it documents history).
    for ref in ctx.data.references:
        if ref.superseded_by and ref.superseded_by in used.get("references", set()):
            used.setdefault("references", set()).add(ref.id)
    for kind in ("slas", "forms", "processes", "checklists", "references", "targets", "windows", "shares"):
        for item in getattr(ctx.data, kind):
            if item.id not in used.get(kind, set()):
                yield Diagnostic(
                    "MK102",
                    "warning",
                    f"{_KIND_NAMES[kind]} {item.id!r} is defined but never used in the manual or data",
                    ctx.where(kind, item.id),
                )


@rule(
    "MK106",
    "error",
    "chapter 8 lacks the attachment list or the form appendices",
    """
    What: chapter 8 (the file manual/08-*.md) must contain the `:::{attachment-list}` directive
    (section 8.3, listing every form automatically) and the `:::{form-appendices}` directive
    (every form printed as its own appendix).
    Why: the attachment list is generated from data/forms.yaml so it can never miss a form —
    but only if the directives are there.
    Fix: add `:::{attachment-list}` and `:::{form-appendices}` blocks to chapter 8.
    """,
)
def attachments(ctx: CheckContext) -> Iterator[Diagnostic]:
    chapter8 = [d for d in ctx.documents if d.name.startswith("08")]
    if not chapter8:
        if ctx.documents and ctx.data.forms:
            yield Diagnostic(
                "MK106",
                "error",
                "no chapter 8 (manual/08-*.md) to hold the attachment list",
                Location("manual"),
            )
        return
    doc = chapter8[0]
    names = {d.name for d in doc.directives}
    for needed in ("attachment-list", "form-appendices"):
        if needed not in names:
            yield Diagnostic(
                "MK106",
                "error",
                f"chapter 8 must contain a `:::{{{needed}}}` directive",
                Location(doc.path, 1, 1),
            )


@rule(
    "MK107",
    "error",
    "form not referenced from the chapter of its owning section",
    """
    What: each form (data/forms.yaml) names its owning section (`section: complaint-intake`); the
    chapter that defines that section label must reference the form ({form}`F-04-01` or
    :::{form} F-04-01).
    Why: a reader of the procedure must be told which form to fill in, where the procedure is.
    Fix: cite the form in that section, or correct the form's `section`.
    """,
)
def forms_referenced(ctx: CheckContext) -> Iterator[Diagnostic]:
    uses: dict[str, list[Use]] = {}
    for use in prose_uses(ctx):
        if use.kind == "forms":
            uses.setdefault(use.target, []).append(use)
    for form in ctx.data.forms:
        doc = ctx.section_documents.get(form.section)
        if doc is None:
            continue  # MK101 reports the unknown label
        if not any(u.document == doc.path for u in uses.get(form.id, [])):
            yield Diagnostic(
                "MK107",
                "error",
                f"form {form.id} ({form.title}) belongs to section {form.section!r} in {doc.path}, "
                f"but that chapter never references it",
                ctx.where("forms", form.id, "section"),
            )


@rule(
    "MK108",
    "error",
    "section label defined twice",
    """
    What: a `(label)=` section label appears more than once in the manual.
    Why: data entries and cross-references point at sections by label; a duplicate makes the
    target ambiguous and Sphinx links to an arbitrary one.
    Fix: rename one of the labels.
    """,
    needs_data=False,
)
def duplicate_labels(ctx: CheckContext) -> Iterator[Diagnostic]:
    seen: dict[str, str] = {}
    for doc in ctx.documents:
        for h in doc.headings:
            if not h.label:
                continue
            line = max(h.line - 1, 1)  # the label's line, above its heading
            if h.label in seen:
                yield Diagnostic(
                    "MK108",
                    "error",
                    f"section label {h.label!r} already defined at {seen[h.label]}",
                    Location(doc.path, line, 1),
                )
            else:
                seen[h.label] = f"{doc.path}:{line}"


#: Source suffixes of the manual's chapters: MyST's ``.md`` only (``sphinx/config.py`` sets
#: ``source_suffix``: a ``.rst`` file escaped every chapter check), so a toctree entry naming a
#: ``.rst`` file names no document, as the build finds.
_SOURCE_SUFFIXES = (".md",)
#: Documents Sphinx generates, which a toctree may name (``StandardDomain._virtual_doc_names``).
_GENERATED_DOCS = frozenset({"genindex", "modindex", "search"})
#: Sphinx's own patterns (``sphinx.util.url_re``, ``sphinx.util.nodes.explicit_title_re``,
#: ``glob_re`` of ``sphinx.directives.other``): Sphinx is not imported on the check path.
_URL_RE = re.compile(r"\w+:/+")
_EXPLICIT_TITLE_RE = re.compile(r"^(.+?)\s*(?<!\x00)<([^<]*?)>$", re.DOTALL)
_GLOB_RE = re.compile(r".*[*?\[].*")


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A toctree ``:glob:`` pattern as Sphinx reads it (``sphinx.util.matching``): ``*`` and ``?``
    stay within one path segment, ``**`` crosses them, ``[...]`` is a character class."""
    out, i, n = "", 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if i < n and pattern[i] == "*":
                i += 1
                out += ".*"
            else:
                out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            j = i + (1 if i < n and pattern[i] == "!" else 0)
            j += 1 if j < n and pattern[j] == "]" else 0
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out += "\\["
            else:
                stuff = pattern[i:j].replace("\\", "\\\\")
                i = j + 1
                if stuff.startswith("!"):
                    stuff = "^/" + stuff[1:]
                elif stuff.startswith("^"):
                    stuff = "\\" + stuff
                out += f"[{stuff}]"
        else:
            out += re.escape(c)
    return re.compile(out + "$")


def _docname_join(base: str, name: str) -> str:
    """``sphinx.util.docname_join``: ``name`` relative to the document ``base`` (``/x`` from the top)."""
    return posixpath.normpath(posixpath.join("/" + base, "..", name))[1:]


@dataclasses.dataclass(frozen=True)
class ToctreeEntry:
    """One line of a toctree as Sphinx reads it.

    ``kind``: ``url`` (an outside link), ``self``, ``glob`` (a ``:glob:`` pattern; ``names`` are
    the documents it matches) or ``document`` (``names`` holds the one document it names).
    """

    line: int
    column: int
    text: str
    kind: Literal["url", "self", "glob", "document"]
    names: frozenset[str]


def resolve_toctree(toctree: DirectiveUse, current: str, others: Set[str]) -> Iterator[ToctreeEntry]:
    """The entries of ``toctree`` in ``current``, resolved as Sphinx's toctree directive does.

    ``others`` are the documents a glob may match (every document but ``current``: Sphinx never
    lists a document in its own toctree).  One resolution for MK109 (does each entry name a
    document?) and MK123 (is each document listed?), so the two never disagree on an entry.
    """
    glob = toctree.option("glob") is not None
    for line, column, text in toctree.content:
        explicit = _EXPLICIT_TITLE_RE.match(text)
        if _URL_RE.match(text):
            yield ToctreeEntry(line, column, text, "url", frozenset())
            continue
        if glob and _GLOB_RE.match(text) and not explicit:
            pattern = _glob_regex(_docname_join(current, text))
            yield ToctreeEntry(line, column, text, "glob", frozenset(n for n in others if pattern.match(n)))
            continue
        ref = explicit.group(2) if explicit else text
        if ref == "self":
            yield ToctreeEntry(line, column, text, "self", frozenset())
            continue
        for suffix in _SOURCE_SUFFIXES:
            if ref.endswith(suffix):
                ref = ref.removesuffix(suffix)
                break
        yield ToctreeEntry(line, column, text, "document", frozenset({_docname_join(current, ref)}))


def _chapters_on_disk(root: Path) -> dict[str, str]:
    """Docname (``04-complaints``, ``sub/page``) → path of every chapter Sphinx would read."""
    manual = root / "manual"
    found: dict[str, str] = {}
    for path in sorted(manual.rglob("*")) if manual.is_dir() else []:
        if path.suffix in _SOURCE_SUFFIXES and path.is_file():
            rel = path.relative_to(manual).as_posix()
            found.setdefault(rel[: -len(path.suffix)], f"manual/{rel}")
    return found


@rule(
    "MK109",
    "error",
    "toctree entry names no document",
    """
    What: every entry of a `{toctree}` directive (the chapter list in manual/index.md) names a
    chapter that exists: `09-consumer-protection` needs manual/09-consumer-protection.md (an entry
    is relative to the chapter holding the toctree; `/x` is relative to manual/). `self`, URLs
    (`https://…`) and the generated `genindex`/`search` pages are fine; with `:glob:`, a pattern
    (`0*`) must match at least one chapter. With `--tracked-only` (the pre-commit hook) a chapter
    git does not track counts as missing: an untracked file stays on disk during the hook but is
    not in the commit.
    Why: Sphinx stops the build ("toctree contains reference to nonexisting document"), so the
    whole manual is not published; the usual cause is a new chapter added to the toctree but not
    to git, or a chapter renamed or deleted.
    Fix: create the chapter (and `git add` it), correct the entry's name, or remove the entry.
    """,
    needs_data=False,
)
def toctree_entries(ctx: CheckContext) -> Iterator[Diagnostic]:
    on_disk: dict[str, str] | None = None
    docnames: dict[str, str] = {}
    for doc in ctx.documents:
        toctrees = [d for d in doc.directives if d.name == "toctree"]
        if not toctrees:
            continue
        if on_disk is None:
            on_disk = _chapters_on_disk(ctx.root)
            tracked = ctx.tracked_manual_files if ctx.tracked_only else None
            docnames = on_disk if tracked is None else {n: p for n, p in on_disk.items() if p in tracked}
        current = doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        others = {name for name in docnames if name != current}
        for toctree in toctrees:
            for entry in resolve_toctree(toctree, current, others):
                where = Location(doc.path, entry.line, entry.column)
                if entry.kind == "glob":
                    if not entry.names:
                        yield Diagnostic(
                            "MK109",
                            "error",
                            f"toctree glob pattern {entry.text!r} matches no document",
                            where,
                        )
                    continue
                if entry.kind != "document":
                    continue
                (name,) = entry.names
                if name in others or name in _GENERATED_DOCS:
                    continue
                if name == current:
                    message = f"toctree entry {entry.text!r} names the document that holds the toctree"
                else:
                    expected = on_disk.get(name)
                    if expected is not None:
                        message = (
                            f"toctree entry {entry.text!r} names {expected}, which git does not track "
                            "(git add it: the commit would lack it)"
                        )
                    else:
                        message = (
                            f"toctree entry {entry.text!r} names no document (expected manual/{name}.md)"
                        )
                yield Diagnostic("MK109", "error", message, where)
