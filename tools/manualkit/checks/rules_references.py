"""MK101/MK102/MK106–MK109: ids used in prose and data exist; defined ids are used; appendices."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
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
    for use in [*prose_uses(ctx), *bare_id_uses(ctx), *data_text_id_uses(ctx), *data_uses(ctx)]:
        # Computed once per kind: ``setdefault`` would rebuild the set for every use.
        if use.kind not in known:
            known[use.kind] = defined_ids(ctx, use.kind)
        ids = known[use.kind]
        if use.target not in ids:
            what = _KIND_NAMES.get(use.kind, use.kind)
            yield Diagnostic(
                "MK101",
                "error",
                f"unknown {what} {use.target!r}{_did_you_mean(use.target, ids)}",
                use.location,
            )


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
)
def duplicate_labels(ctx: CheckContext) -> Iterator[Diagnostic]:
    seen: dict[str, str] = {}
    for doc in ctx.documents:
        for h in doc.headings:
            if not h.label:
                continue
            if h.label in seen:
                yield Diagnostic(
                    "MK108",
                    "error",
                    f"section label {h.label!r} already defined in {seen[h.label]}",
                    Location(doc.path, max(h.line - 1, 1), 1),
                )
            else:
                seen[h.label] = doc.path
