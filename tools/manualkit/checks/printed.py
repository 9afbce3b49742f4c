"""Every piece of data text the outputs print, with where it is and which SLAs govern it.

Forms, checklists, process steps and SLA names reach readers as text (a form's notes, a
checklist item, a branch condition in a flowchart).  Several rules read that text: the deadline
wording rules (MK202 for forms, MK207 for the rest) and the unknown-id rule (a form number typed
into it).  They walk it through this one enumeration, so the same texts are checked by all.

Five rules read it, so a run enumerates it once (:attr:`CheckContext.printed_texts`), and a
text's ``file:line:col`` is looked up only when a finding needs it: at 10× the manual's size
the eager lookups of every text, five times over, were 12 % of the whole check.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.datapos import PathPart
from manualkit.diagnostics import Location
from manualkit.models import Sla


@dataclasses.dataclass(frozen=True)
class PrintedText:
    """One printed data text: whose it is (``form F-04-01``), the text, its place, its SLAs."""

    collection: str
    owner: str
    text: str
    #: Finds the text's place in its data file (``ctx.where`` with the text's path).
    locate: Callable[[], Location] = dataclasses.field(repr=False, compare=False)
    #: The SLAs a duration in the text must agree with (same unit family).
    governing: tuple[Sla, ...]

    @functools.cached_property
    def location(self) -> Location:
        """``data/<file>:line:col`` of the text, looked up on first use."""
        return self.locate()


def enumerate_printed(ctx: CheckContext) -> Iterator[PrintedText]:
    """Forms, then checklists, processes and SLA names, in data order: what
    :attr:`CheckContext.printed_texts` holds (enumerated once a run)."""
    yield from _forms(ctx)
    yield from _checklists(ctx)
    yield from _processes(ctx)
    for sla in ctx.data.slas:
        yield PrintedText("slas", f"SLA {sla.id}", sla.name, _place(ctx, "slas", sla.id, "name"), (sla,))


def _place(ctx: CheckContext, collection: str, item_id: str, *path: PathPart) -> Callable[[], Location]:
    """A lookup of the text's ``file:line:col``, run when a finding needs it."""
    return functools.partial(ctx.where, collection, item_id, *path)


def _pick(ctx: CheckContext, *ids: str | None) -> tuple[Sla, ...]:
    slas = ctx.slas_by_id
    return tuple({i: slas[i] for i in ids if i is not None and i in slas}.values())


def _forms(ctx: CheckContext) -> Iterator[PrintedText]:
    """A form's title, purpose and notes, each field's label, help and choices.

    Governing: a field's own SLA, else the SLAs of the form's deadline fields, of the process
    steps that use the form and of its retention period.
    """
    for form in ctx.data.forms:
        steps = [sla.id for _, _, _, sla in ctx.form_step_slas.get(form.id, ())]
        form_slas = _pick(ctx, *(f.sla for f in form.fields), *steps, form.retention)
        owner = f"form {form.id}"
        at = functools.partial(_place, ctx, "forms", form.id)
        yield PrintedText("forms", owner, form.title, at("title"), form_slas)
        yield PrintedText("forms", owner, form.purpose, at("purpose"), form_slas)
        for i, note in enumerate(form.notes):
            yield PrintedText("forms", owner, note, at("notes", i), form_slas)
        for i, field in enumerate(form.fields):
            own = _pick(ctx, field.sla) or form_slas
            yield PrintedText("forms", owner, field.label, at("fields", i, "label"), own)
            if field.help:
                yield PrintedText("forms", owner, field.help, at("fields", i, "help"), own)
            for j, choice in enumerate(field.choices):
                yield PrintedText("forms", owner, choice, at("fields", i, "choices", j), own)


def _checklists(ctx: CheckContext) -> Iterator[PrintedText]:
    """A checklist's title and items; governing: an item's SLA, else the checklist's SLAs."""
    for checklist in ctx.data.checklists:
        listed = _pick(ctx, *checklist.slas)
        owner = f"checklist {checklist.id}"
        where = _place(ctx, "checklists", checklist.id, "title")
        yield PrintedText("checklists", owner, checklist.title, where, listed)
        for i, item in enumerate(checklist.items):
            where = _place(ctx, "checklists", checklist.id, "items", i, "text")
            yield PrintedText("checklists", owner, item.text, where, _pick(ctx, item.sla) or listed)


def _processes(ctx: CheckContext) -> Iterator[PrintedText]:
    """A process's title, step names and descriptions and branch conditions.

    Governing: a step's SLA (for a branch also the SLA of the step it leads to), else every SLA
    of the process.
    """
    for process in ctx.data.processes:
        every = _pick(ctx, process.sla, *(step.sla for step in process.steps))
        where = _place(ctx, "processes", process.id, "title")
        yield PrintedText("processes", f"process {process.id}", process.title, where, every)
        by_id = {step.id: step for step in process.steps}
        for i, step in enumerate(process.steps):
            owner = f"process {process.id} step {step.id}"
            own = _pick(ctx, step.sla) or every
            where = _place(ctx, "processes", process.id, "steps", i, "name")
            yield PrintedText("processes", owner, step.name, where, own)
            if step.description:
                where = _place(ctx, "processes", process.id, "steps", i, "description")
                yield PrintedText("processes", owner, step.description, where, own)
            for j, branch in enumerate(step.next):
                target = by_id.get(branch.to)
                governing = _pick(ctx, step.sla, target.sla if target else None) or every
                where = _place(ctx, "processes", process.id, "steps", i, "next", j, "when")
                yield PrintedText("processes", owner, branch.when, where, governing)
