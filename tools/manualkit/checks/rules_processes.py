"""MK203–MK206: process paths fit the end-to-end SLA; SLAs of one incident class are ordered."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import NamedTuple

from manualkit.checks.context import CheckContext
from manualkit.checks.duration_text import magnitude, unit_family
from manualkit.checks.registry import rule
from manualkit.checks.timing import (
    as_days,
    at_most,
    coming_months_note,
    compact_dates,
    hour_bounds,
    judged_days,
    path_bounds,
    render_day_range,
    render_days,
    shorter,
    undated_reason,
)
from manualkit.diagnostics import Diagnostic, Severity
from manualkit.durations import render_amount, render_sla
from manualkit.models import Duration, Process, Sla, Step

#: Enumerating simple paths is exponential in the worst case; manuals have a handful of branches.
MAX_PATHS = 2000


def successors(process: Process) -> dict[str, list[str]]:
    """Step id → next step ids (explicit branches, else the following step, none after ``end``)."""
    steps = process.steps
    result: dict[str, list[str]] = {}
    for i, step in enumerate(steps):
        if step.next:
            result[step.id] = [b.to for b in step.next]
        elif step.end or i == len(steps) - 1:
            result[step.id] = []
        else:
            result[step.id] = [steps[i + 1].id]
    return result


def paths(process: Process) -> list[list[str]]:
    """Every simple path from the first step to a step with no successor (loops cut, not followed).

    A path whose last step only loops back to steps already on it ends nowhere: it is no path
    through the process (and not one whose SLAs add up to a total), so it is left out; the steps
    that cannot reach an end at all are MK204's.
    """
    nxt = successors(process)
    known = set(nxt)
    found: list[list[str]] = []
    stack: list[list[str]] = [[process.steps[0].id]]
    while stack and len(found) < MAX_PATHS:
        path = stack.pop()
        succ = [s for s in nxt.get(path[-1], []) if s in known]
        if not succ:
            found.append(path)
            continue
        fresh = [s for s in succ if s not in path]
        stack.extend([*path, s] for s in reversed(fresh))
    return found


def trapped_steps(process: Process) -> dict[str, list[str]]:
    """Steps from which no way leads to an end step (a step with no successor) → the loop they
    are caught in (``[a, b, a]``), found by following their successors.

    A branch to a step the process lacks counts as a way out (MK204 reports the branch itself).
    """
    nxt = successors(process)
    preceding: dict[str, set[str]] = {sid: set() for sid in nxt}
    for sid, targets in nxt.items():
        for target in targets:
            if target in preceding:
                preceding[target].add(sid)
    ending = [sid for sid, targets in nxt.items() if not targets or any(t not in nxt for t in targets)]
    reach = set(ending)
    todo = list(ending)
    while todo:
        for before in preceding[todo.pop()]:
            if before not in reach:
                reach.add(before)
                todo.append(before)
    trapped: dict[str, list[str]] = {}
    for sid in nxt:
        if sid in reach:
            continue
        walk = [sid]
        while walk[-1] not in walk[:-1]:
            walk.append(nxt[walk[-1]][0])  # a trapped step's successors are all trapped
        trapped[sid] = walk[walk.index(walk[-1]) :]
    return trapped


@rule(
    "MK204",
    "error",
    "process graph: branch to an unknown step, a step no path reaches, or one that reaches no end",
    """
    What: `next` branches must name steps of the same process; every step must be reachable from
    the first step (steps follow each other in order unless `next` branches or `end: true`), and
    from every step some way must lead to an end step (`end: true`, or the last step without
    `next`): a step whose branches only lead back to itself, or into a loop with no way out, is
    reported with that loop.
    Why: the flowchart and the step table are generated from this graph; a dangling branch or an
    orphan step is a procedure nobody can follow, and a loop with no exit is a case that never
    closes (a general complaint that is handled again and again and never answered). Process
    budgets (MK203) add up the paths that end: a path caught in such a loop is none.
    Fix: correct the branch target, add a branch leading to the step, or delete it; give a step
    in the loop a branch that leads on towards an end step.
    """,
)
def process_graph(ctx: CheckContext) -> Iterator[Diagnostic]:
    for p in ctx.data.processes:
        ids = [s.id for s in p.steps]
        for i, step in enumerate(p.steps):
            for j, branch in enumerate(step.next):
                if branch.to not in ids:
                    yield Diagnostic(
                        "MK204",
                        "error",
                        f"step {p.id}/{step.id} branches to unknown step {branch.to!r}",
                        ctx.where("processes", p.id, "steps", i, "next", j, "to"),
                    )
        nxt = successors(p)
        seen = {ids[0]}
        todo = [ids[0]]
        while todo:
            for s in nxt.get(todo.pop(), []):
                if s in nxt and s not in seen:
                    seen.add(s)
                    todo.append(s)
        for i, step in enumerate(p.steps):
            if step.id not in seen:
                yield Diagnostic(
                    "MK204",
                    "error",
                    f"step {p.id}/{step.id} cannot be reached from the first step {ids[0]!r}",
                    ctx.where("processes", p.id, "steps", i),
                )
        yield from _never_ending(ctx, p, nxt)


def _never_ending(ctx: CheckContext, p: Process, nxt: dict[str, list[str]]) -> Iterator[Diagnostic]:
    """MK204 for the loops no way leads out of: one finding per loop, at its first step, naming
    the loop and the steps that lead only into it."""
    trapped = trapped_steps(p)
    if not trapped:
        return
    index = {s.id: i for i, s in enumerate(p.steps)}
    by_id = {s.id: s for s in p.steps}
    loops: dict[frozenset[str], list[str]] = {}
    for loop in trapped.values():
        members = frozenset(loop)
        if members not in loops:
            first = min(members, key=index.__getitem__)
            loops[members] = trapped[first]  # the loop as seen from its first step in the file
    ends = ", ".join(repr(s) for s, targets in nxt.items() if not targets) or "a step with end: true"
    for members, loop in sorted(loops.items(), key=lambda kv: index[kv[1][0]]):
        step = by_id[loop[0]]
        how = (
            "its only way on leads back to itself"
            if len(members) == 1
            else f"it is caught in the loop {' → '.join(loop)}"
        )
        feeders = [
            s.id for s in p.steps if s.id not in members and frozenset(trapped.get(s.id, ())) == members
        ]
        if feeders:
            verb = "leads" if len(feeders) == 1 else "lead"
            how += f" (and {', '.join(repr(f) for f in feeders)} {verb} only there)"
        found = "; ".join(_ways_on(by_id[sid], nxt) for sid in loop[:-1])
        yield Diagnostic(
            "MK204",
            "error",
            f"step {p.id}/{step.id} (“{step.name}”) never reaches an end step: {how}, so a case there never "
            f"closes; expected a branch out of the loop to a step that leads to an end step ({ends}), "
            f"found only {found}",
            ctx.where("processes", p.id, "steps", index[step.id]),
        )


def _ways_on(step: Step, nxt: dict[str, list[str]]) -> str:
    """``resolve: next → review (“处理完毕”)`` — where a step leads, as written in the data."""
    if step.next:
        return f"{step.id}: next → " + ", ".join(f"{b.to} (“{b.when}”)" for b in step.next)
    return f"{step.id}: no `next`, so the step after it, {nxt[step.id][0]}"


@rule(
    "MK203",
    "error",
    "the steps of a process path do not fit in the process's end-to-end SLA",
    """
    What: where a process declares an end-to-end SLA (`sla:` on the process), the SLAs of the steps
    on every path (following `next` branches; loops are cut) must add up to no more than it. Same
    unit family: the sums are compared. Mixed units (working days vs calendar days vs hours): every
    receipt date of the coming twelve months and of the recent covered years is simulated on the
    official working-day calendar, and the worst case counts (hours round up to whole days); the
    message gives the worst case (receipt date, days taken) and the coming receipt dates on which
    the path ends late.
    Why: if the steps' own deadlines can legitimately take longer than the promise made to the
    customer, the promise will be broken by people who did everything on time.
    Where the calendar dates none of those receipt dates (a step years long runs past the covered
    years), bounds valid on any calendar decide (n working days last at least n calendar days;
    months 28–31 days, years 365–366); what they leave open is a warning, MK203 too, that the path
    could not be checked — never passed silently.
    Fix: shorten step SLAs, lengthen the end-to-end SLA (within any regulatory limit) or run
    steps in parallel (model them on separate branches).
    """,
)
def process_budget(ctx: CheckContext) -> Iterator[Diagnostic]:
    slas = {s.id: s for s in ctx.data.slas}
    memo: dict[tuple[tuple[tuple[str, int], ...], str, int], _Late] = {}
    for p in ctx.data.processes:
        total = slas.get(p.sla or "")
        if total is None:
            continue
        steps = {s.id: s for s in p.steps}
        for path in paths(p):
            used = [slas[sid] for s in path if (sid := steps[s].sla) and sid in slas and sid != total.id]
            if not used:
                continue
            names = " → ".join(path)
            durations = [s.duration for s in used]
            family = unit_family(total.duration.unit)
            if all(unit_family(d.unit) == family for d in durations):
                budget = magnitude(total.duration.value, total.duration.unit)
                spent = sum(magnitude(d.value, d.unit) for d in durations)
                if spent > budget:
                    parts = " + ".join(render_amount(d) for d in durations)
                    yield Diagnostic(
                        "MK203",
                        "error",
                        f"path {names} takes {parts}, more than the process SLA "
                        f"{total.id} ({render_sla(total)})",
                        ctx.where("processes", p.id, "sla"),
                    )
                continue
            key = (tuple((d.unit, d.value) for d in durations), total.duration.unit, total.duration.value)
            if key not in memo:  # copies of a process share paths: simulate each combination once
                memo[key] = _late_dates(ctx, durations, total.duration)
            finding = _budget_finding(ctx, names, durations, total, memo[key])
            if finding is not None:
                yield Diagnostic("MK203", finding[0], finding[1], ctx.where("processes", p.id, "sla"))


class _Late(NamedTuple):
    """What the simulation of one path found."""

    #: Coming receipt dates on which the path ends late.
    bad: list[dt.date]
    #: Worst late case as (receipt day, calendar days taken); None when never late.
    worst: tuple[dt.date, int] | None
    #: Receipt days the calendar could date at all: 0 means the simulation judged nothing.
    dated: int


def _budget_finding(
    ctx: CheckContext, names: str, durations: list[Duration], total: Sla, late: _Late
) -> tuple[Severity, str] | None:
    """(severity, message) of MK203 for a mixed-unit path, or None when it fits.

    Split from the rule so that "the calendar dated nothing" goes to :func:`_budget_by_bounds`
    instead of reading as "never late".
    """
    parts = " + ".join(render_amount(d) for d in durations)
    if late.worst is None:
        return None if late.dated else _budget_by_bounds(ctx, names, parts, durations, total)
    worst_day, worst_days = late.worst
    when = f"worst case {worst_days} days (receipt on {worst_day.isoformat()})"
    if late.bad:
        when += f"; in the next twelve months for receipt on {compact_dates(list(late.bad))}"
    else:
        when += f"; {coming_months_note(ctx)}"
    return "error", (
        f"path {names} ({parts}) can end after the process SLA {total.id} ({render_sla(total)}): {when}"
    )


def _budget_by_bounds(
    ctx: CheckContext, names: str, parts: str, durations: list[Duration], total: Sla
) -> tuple[Severity, str] | None:
    """MK203 when the calendar dates no receipt day: bounds valid on any calendar decide, else a
    warning that the path could not be checked (years-long steps run past the covered years)."""
    lo, hi = path_bounds(durations)
    total_lo, total_hi = hour_bounds(total.duration)
    budget = f"{total.id} ({render_sla(total)})"
    if hi <= total_lo:
        return None
    if lo > total_hi:
        return "error", (
            f"path {names} ({parts}) ends after the process SLA {budget} whatever the holidays: it "
            f"takes at least {render_days(lo)} days, the SLA at most {render_days(total_hi)}"
            f"; {undated_reason(ctx)}"
        )
    return "warning", (
        f"path {names} ({parts}) could not be checked against the process SLA {budget}: "
        f"{undated_reason(ctx)}, and without it the path can take {render_day_range(lo, hi)} days, "
        f"the SLA {render_day_range(total_lo, total_hi)}. Add the later years' "
        "official schedules to data/holidays.yaml, or express the SLAs in one unit"
    )


def _late_dates(ctx: CheckContext, durations: list[Duration], total: Duration) -> _Late:
    """Coming receipt dates on which the path ends after ``total``, the worst late case, and how
    many receipt days could be dated.

    The worst case is (receipt day, calendar days the path takes) over the coming twelve months
    and the recent covered years.  Steps run one after the other: each step's deadline counts
    from the previous step's due date.  Days the calendar cannot answer for are not guessed
    (MK110 reports the gap); the count tells the caller whether anything was judged at all.
    """
    cal = ctx.calendar
    upcoming, recent = judged_days(ctx)

    def late(days: list[dt.date]) -> tuple[dict[dt.date, int], int]:
        ends: list[dt.date | None] = list(days)
        for d in durations:
            ends = cal.due_many(ends, as_days(d))
        limits = cal.due_many(days, as_days(total))
        dated = [
            (day, end, limit)
            for day, end, limit in zip(days, ends, limits, strict=True)
            if end is not None and limit is not None
        ]
        return {day: (end - day).days for day, end, limit in dated if end > limit}, len(dated)

    soon, dated_soon = late(upcoming)
    past, dated_past = late(recent)
    found = {**past, **soon}
    worst = max(found.items(), key=lambda kv: (kv[1], kv[0])) if found else None
    return _Late(list(soon), worst, dated_soon + dated_past)


_CLASS_RE = re.compile(r"^(?P<cls>.+)\.(?P<what>respond|resolve|repair)$")
_LEVEL_RE = re.compile(r"^(?P<prefix>.+)\.(?P<level>urgent|general|major)\.(?P<what>.+)$")


@rule(
    "MK205",
    "error",
    "respond deadline is longer than resolve/repair deadline",
    """
    What: for an incident class with SLAs `<class>.respond` and `<class>.resolve` (or `.repair`),
    the response deadline must certainly be no longer than the resolution deadline (different
    units are compared in the worst case: 1 working day can last 10 calendar days).  A response
    SLA also answers to the resolution of its enclosing classes: `fault.support.respond` to
    `fault.repair`.
    Why: a process that may resolve before it is required to respond is a data error.
    Fix: correct one of the two SLAs in data/slas.yaml.
    """,
)
def respond_before_resolve(ctx: CheckContext) -> Iterator[Diagnostic]:
    by_class: dict[str, dict[str, Sla]] = {}
    for s in ctx.data.slas:
        m = _CLASS_RE.match(s.id)
        if m:
            by_class.setdefault(m["cls"], {})[m["what"]] = s
    for cls, group in by_class.items():
        respond = group.get("respond")
        if respond is None:
            continue
        # fault.support.respond answers to fault.repair too: the class and its enclosing classes.
        parts = cls.split(".")
        enclosing = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
        for other in (by_class.get(c, {}).get(what) for c in enclosing for what in ("resolve", "repair")):
            if other is not None and not at_most(respond.duration, other.duration):
                yield Diagnostic(
                    "MK205",
                    "error",
                    f"{respond.id} ({render_sla(respond)}) may end after {other.id} ({render_sla(other)})",
                    ctx.where("slas", respond.id, "duration"),
                )


@rule(
    "MK206",
    "error",
    "severity levels out of order (urgent < general ≤ major)",
    """
    What: SLAs named `<prefix>.urgent.<x>`, `<prefix>.general.<x>`, `<prefix>.major.<x>` (e.g.
    complaint.urgent.resolve) must satisfy urgent < general ≤ major (worst case across units).
    Why: an urgent complaint with a longer deadline than a general one inverts the priority rules.
    Fix: correct the durations in data/slas.yaml.
    """,
)
def severity_order(ctx: CheckContext) -> Iterator[Diagnostic]:
    groups: dict[tuple[str, str], dict[str, Sla]] = {}
    for s in ctx.data.slas:
        m = _LEVEL_RE.match(s.id)
        if m:
            groups.setdefault((m["prefix"], m["what"]), {})[m["level"]] = s
    for levels in groups.values():
        urgent, general, major = levels.get("urgent"), levels.get("general"), levels.get("major")
        if urgent and general and not shorter(urgent.duration, general.duration):
            yield Diagnostic(
                "MK206",
                "error",
                f"{urgent.id} ({render_sla(urgent)}) must be shorter than "
                f"{general.id} ({render_sla(general)})",
                ctx.where("slas", urgent.id, "duration"),
            )
        if general and major and not at_most(general.duration, major.duration):
            yield Diagnostic(
                "MK206",
                "error",
                f"{general.id} ({render_sla(general)}) must not exceed {major.id} ({render_sla(major)})",
                ctx.where("slas", general.id, "duration"),
            )
        if urgent and major and not general and not shorter(urgent.duration, major.duration):
            yield Diagnostic(
                "MK206",
                "error",
                f"{urgent.id} ({render_sla(urgent)}) must be shorter than {major.id} ({render_sla(major)})",
                ctx.where("slas", urgent.id, "duration"),
            )
