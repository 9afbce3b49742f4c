"""MK201/MK202/MK207: forms, checklists and processes print the deadlines the SLA data holds;
MK208: form and checklist numbers name the chapter of their section."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from manualkit.checks.context import CheckContext
from manualkit.checks.duration_text import compare_key, extract
from manualkit.checks.printed import PrintedText
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic
from manualkit.durations import render_sla
from manualkit.models import Form, Sla


def _step_slas(ctx: CheckContext, form: Form) -> list[tuple[str, str, int, Sla]]:
    """(process id, step id, step index, SLA) of every step that uses ``form`` and has an SLA."""
    return list(ctx.form_step_slas.get(form.id, ()))


@rule(
    "MK201",
    "error",
    "form lacks the deadline field for the SLA of the step that uses it",
    """
    What: when a process step uses a form (`form: F-04-01`) and has an SLA (`sla: x`), the form
    must have a deadline field carrying that SLA (`fields: - … sla: x`).
    Why: the form is where staff write down the due date; a form without the step's deadline
    (or with another SLA's) makes the deadline invisible where work is done.
    Fix: add/repair the field in data/forms.yaml (e.g. `{id: due, label: 办结时限, type: date,
    sla: x}`), or correct the step's SLA.
    """,
)
def form_deadline_fields(ctx: CheckContext) -> Iterator[Diagnostic]:
    for form in ctx.data.forms:
        carried = {f.sla for f in form.fields if f.sla}
        for process_id, step_id, step_index, sla in _step_slas(ctx, form):
            if sla.id not in carried:
                has = ", ".join(sorted(carried)) or "no deadline field"
                yield Diagnostic(
                    "MK201",
                    "error",
                    f"step {process_id}/{step_id} uses form {form.id} with SLA {sla.id} "
                    f"({render_sla(sla)}), but the form has {has}",
                    ctx.where("processes", process_id, "steps", step_index, "form"),
                )


@rule(
    "MK202",
    "error",
    "deadline wording printed on a form differs from the SLA",
    """
    What: every duration printed on a form — its title, purpose and `notes`, and each field's
    `label`, `help` and `choices` — is compared with the SLAs that govern the form: for a field
    with its own `sla`, that SLA; otherwise the SLAs of the form's deadline fields, of the
    process steps using the form and its `retention` period (same unit family only, intervals
    only with intervals; the deadline the template prints next to a field is generated from the
    SLA and always agrees).
    Why: the printed form is what staff and customers read; 10 working days on paper against
    7 in the data is a compliance incident.
    Fix: make the wording match the SLA (or better: drop the number and let the template print
    the SLA next to the deadline field).
    """,
)
def form_wording(ctx: CheckContext) -> Iterator[Diagnostic]:
    for printed in ctx.printed_texts:
        if printed.collection == "forms":
            yield from _conflicts("MK202", printed)


def _conflicts(code: str, printed: PrintedText) -> Iterator[Diagnostic]:
    for said, want in wording_conflicts(printed.text, printed.governing):
        message = f"{printed.owner} prints {said!r} but the SLA says {want}"
        yield Diagnostic(code, "error", message, printed.location)


def wording_conflicts(text: str, governing: Sequence[Sla]) -> Iterator[tuple[str, str]]:
    """``(what the text says, what the SLAs say)`` for each duration in ``text`` that matches no
    governing SLA of its unit family (intervals only against intervals); none to compare: none."""
    for m in extract(text):
        periodic = m.kind == "interval"
        said = compare_key(m.value, m.unit, periodic)
        keys = {
            s.id: compare_key(s.duration.value, s.duration.unit, periodic)
            for s in governing
            if periodic == (s.kind in ("interval", "period"))
        }
        same_family = [s for s in governing if s.id in keys and keys[s.id][0] == said[0]]
        if same_family and not any(keys[s.id] == said for s in same_family):
            yield m.text, " / ".join(f"{s.id} = {render_sla(s)}" for s in same_family)


@rule(
    "MK207",
    "error",
    "deadline wording in a checklist, a process or an SLA's name differs from the SLA",
    """
    What: every duration printed from data/checklists.yaml (title, items), data/processes.yaml
    (title, step names and descriptions, branch conditions) and an SLA's own `name` is compared
    with the SLAs that govern it: a checklist item's `sla` (else the checklist's `slas`), a
    step's `sla` (else every SLA of its process), for a branch also the SLA of the step it leads
    to, for an SLA's name that SLA.  Same unit family only, intervals only with intervals.
    Why: checklists and flowcharts are what staff follow at the counter; "8个工作日内形成处理结论"
    in a checklist against 7 in the data is the same compliance incident as in prose.
    Fix: make the wording match the SLA, or drop the number and cite the SLA with {sla}.
    """,
)
def data_wording(ctx: CheckContext) -> Iterator[Diagnostic]:
    for printed in ctx.printed_texts:
        if printed.collection != "forms":
            yield from _conflicts("MK207", printed)


#: The chapter number a chapter file starts with (``04-complaints.md`` → 4), as ``manualkit new``
#: numbers chapters and the ids it gives out.
_CHAPTER_FILE_RE = re.compile(r"^(?P<number>\d+)-")
#: The chapter part of a form or checklist id (``F-04-01``, ``CL-04-01`` → 4).
_NUMBERED_ID_RE = re.compile(r"^(?:F|CL)-(?P<chapter>\d+)-\d+$")


@rule(
    "MK208",
    "error",
    "a form's or checklist's number names another chapter than its section's",
    """
    What: the first number of a form id (F-04-01) or checklist id (CL-04-01) is the chapter that
    uses it (index.md: 表单编号的第一组数字为使用该表单的章); the entry's `section` must be a
    section of that chapter (the chapter file manual/04-*.md defines its (label)= line).
    Why: readers look for F-04-01 in chapter 4; a form numbered for one chapter but owned by a
    section of another is filed, cited and reviewed in the wrong place — usually a form moved
    between chapters, or a `section` typed from the wrong chapter.
    Fix: correct the `section`, or renumber the entry for its chapter (manualkit new form
    --section LABEL gives the next free number there) and update the places that cite it.
    """,
)
def numbered_for_their_chapter(ctx: CheckContext) -> Iterator[Diagnostic]:
    entries = [("forms", "form", f.id, f.section) for f in ctx.data.forms]
    entries += [("checklists", "checklist", c.id, c.section) for c in ctx.data.checklists]
    for collection, what, item_id, section in entries:
        doc = ctx.section_documents.get(section)
        id_match = _NUMBERED_ID_RE.match(item_id)
        file_match = _CHAPTER_FILE_RE.match(doc.name) if doc is not None else None
        if doc is None or id_match is None or file_match is None:
            continue  # an unknown label is MK101; a section outside a numbered chapter has no number
        numbered, actual = int(id_match["chapter"]), int(file_match["number"])
        # Ids have two digits by schema: chapter 100 and later (only the benchmark's 50× synthetic
        # manual has them) cannot be named, so no id would satisfy the rule there.
        if numbered != actual and actual <= 99:
            yield Diagnostic(
                "MK208",
                "error",
                f"{what} {item_id} is numbered for chapter {numbered}, but its section {section!r} is in "
                f"chapter {actual} ({doc.path}): expected a section of chapter {numbered}, or an id "
                f"numbered for chapter {actual}",
                ctx.where(collection, item_id, "section"),
            )
