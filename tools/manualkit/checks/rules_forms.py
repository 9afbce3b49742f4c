"""MK201/MK202: forms carry the deadlines of the process steps that use them."""

from __future__ import annotations

from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.duration_text import extract, magnitude
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location
from manualkit.durations import render_sla
from manualkit.models import Form, Sla


def _step_slas(ctx: CheckContext, form: Form) -> list[tuple[str, str, Sla]]:
    """(process id, step id, SLA) of every step that uses ``form`` and has an SLA."""
    slas = {s.id: s for s in ctx.data.slas}
    found = []
    for p in ctx.data.processes:
        for step in p.steps:
            if step.form == form.id and step.sla in slas:
                found.append((p.id, step.id, slas[step.sla]))
    return found


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
        for process_id, step_id, sla in _step_slas(ctx, form):
            if sla.id not in carried:
                step_index = next(
                    i for i, s in enumerate(ctx.data.process(process_id).steps) if s.id == step_id
                )
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
    What: durations written in a form's `notes` or in a field's `help` text are compared with the
    SLAs that govern the form: the field's own `sla`, otherwise the SLAs of the form's deadline
    fields and of the process steps using the form (same unit family only).
    Why: the printed form is what staff and customers read; 10 working days on paper against
    7 in the data is a compliance incident.
    Fix: make the wording match the SLA (or better: let the template print the SLA).
    """,
)
def form_wording(ctx: CheckContext) -> Iterator[Diagnostic]:
    slas = {s.id: s for s in ctx.data.slas}
    for form in ctx.data.forms:
        form_slas = [slas[f.sla] for f in form.fields if f.sla in slas]
        form_slas += [s for _, _, s in _step_slas(ctx, form)]
        texts: list[tuple[str, Location, list[Sla]]] = []
        for i, note in enumerate(form.notes):
            texts.append((note, ctx.where("forms", form.id, "notes", i), form_slas))
        for i, field in enumerate(form.fields):
            if field.help:
                own = [slas[field.sla]] if field.sla in slas else form_slas
                texts.append((field.help, ctx.where("forms", form.id, "fields", i, "help"), own))
        for text, loc, governing in texts:
            for m in extract(text):
                same_family = [
                    s
                    for s in governing
                    if m.family == _family(s) and (m.kind == "interval") == (s.kind in ("interval", "period"))
                ]
                if not same_family:
                    continue
                if not any(magnitude(s.duration.value, s.duration.unit) == m.magnitude for s in same_family):
                    want = " / ".join(f"{s.id} = {render_sla(s)}" for s in same_family)
                    yield Diagnostic(
                        "MK202",
                        "error",
                        f"form {form.id} prints {m.text!r} but the SLA says {want}",
                        loc,
                    )


def _family(sla: Sla) -> str:
    from manualkit.checks.duration_text import unit_family

    return unit_family(sla.duration.unit)
