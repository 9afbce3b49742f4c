"""MK110–MK113: the business calendar covers the coming year; SLAs respect regulatory ceilings
(MK113: an SLA that relies on the regulation's extension says so)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Literal

from manualkit.business_calendar import HOLIDAYS_FILE
from manualkit.checks.context import CheckContext
from manualkit.checks.duration_text import magnitude, unit_family
from manualkit.checks.registry import rule
from manualkit.checks.timing import (
    HORIZON_DAYS,
    as_days,
    coming_months_note,
    compact_dates,
    hour_bounds,
    judged_days,
    render_day_range,
    render_days,
    undated_reason,
)
from manualkit.diagnostics import Diagnostic, Location
from manualkit.durations import render_amount, render_sla
from manualkit.models import Duration, Sla


def _holidays_location(ctx: CheckContext) -> Location:
    path = ctx.data_dir / HOLIDAYS_FILE
    try:
        rel = path.resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    return Location(rel, 1, 1) if path.exists() else Location(rel)


@rule(
    "MK111",
    "error",
    "data/holidays.yaml is malformed",
    """
    What: data/holidays.yaml lists official schedules for years chinesecalendar does not cover:
    `- {year: 2027, source: <State Council notice>, holidays: [dates], workdays: [make-up days]}`.
    Why: a wrong entry silently moves every working-day deadline of that year.
    Fix: follow the format in the file's header comment; copy dates only from the official notice.
    """,
)
@rule(
    "MK110",
    "warning",
    "business calendar does not cover the next twelve months",
    """
    What: working-day deadlines need the official holiday schedule (法定节假日与调休). The
    calendar (chinesecalendar + data/holidays.yaml) must cover every day of the next twelve months
    from today (`--today` to pretend another day).
    Why: beyond its range the calendar refuses to compute due dates (never guessing), so
    deadlines and regulatory checks for those days cannot be verified.
    Fix: when the State Council publishes the next year's schedule (usually in November), add it
    to data/holidays.yaml, or upgrade chinesecalendar.
    """,
)
def calendar_coverage(ctx: CheckContext) -> Iterator[Diagnostic]:
    cal = ctx.calendar
    loc = _holidays_location(ctx)
    for problem in cal.problems:
        yield Diagnostic("MK111", "error", problem, loc)
    horizon = ctx.today + dt.timedelta(days=HORIZON_DAYS)
    gap = cal.first_uncovered(ctx.today, horizon)
    if gap is not None:
        yield Diagnostic(
            "MK110",
            "warning",
            f"the business calendar has no official schedule for {gap.year} (covered: up to "
            f"{cal.last_year}); deadlines from {gap.isoformat()} to {horizon.isoformat()} cannot be "
            f"checked — add the announced {gap.year} schedule to data/{HOLIDAYS_FILE}",
            loc,
        )


def _looser(sla: Sla, internal: Duration, limit: Duration) -> bool:
    """True when the internal duration is looser than the limit (longer; shorter for minimums)."""
    a, b = magnitude(internal.value, internal.unit), magnitude(limit.value, limit.unit)
    return a < b if _minimum(sla) else a > b


def _minimum(sla: Sla) -> bool:
    """Retention periods and 'at least' SLAs are minimums: looser means shorter."""
    return sla.kind == "retention" or sla.duration.bound == "at_least"


def _overruns(
    ctx: CheckContext, sla: Sla, limit: Duration, days: list[dt.date]
) -> tuple[dict[dt.date, int], int]:
    """(receipt day → calendar days the internal deadline takes where looser than ``limit``,
    how many receipt days the calendar could date at all).

    Days the calendar cannot answer for are not guessed (MK110 reports the gap); the count lets
    the caller tell "never looser" from "nothing could be dated".
    """
    ours = ctx.calendar.due_many(days, as_days(sla.duration))
    theirs = ctx.calendar.due_many(days, as_days(limit))
    minimum = _minimum(sla)
    found: dict[dt.date, int] = {}
    dated = 0
    for start, mine, limit_end in zip(days, ours, theirs, strict=True):
        if mine is None or limit_end is None:
            continue
        dated += 1
        if (mine < limit_end) if minimum else (mine > limit_end):
            found[start] = (mine - start).days
    return found, dated


@dataclasses.dataclass(frozen=True)
class Verdict:
    """An SLA against a limit: ``looser`` (detail: how and when), ``within``, or ``unknown``.

    ``unknown`` (detail: why) exists so that a comparison the calendar cannot date is reported
    as not evaluated instead of passing silently as "never looser".
    """

    outcome: Literal["looser", "within", "unknown"]
    detail: str = ""


#: What a verdict depends on: the SLA's duration and bound, whether it is a minimum, the limit.
_VerdictKey = tuple[str, int, str, bool, str, int]


def _judge(ctx: CheckContext, sla: Sla, limit: Duration, memo: dict[_VerdictKey, Verdict]) -> Verdict:
    """How ``sla`` compares with ``limit`` (see :class:`Verdict`).

    ``memo`` (one per run) shares verdicts between SLAs with the same duration and limit:
    a manual repeats the same few pairs (every complaint class against the same regulation).
    """
    d = sla.duration
    key = (d.unit, d.value, d.bound, _minimum(sla), limit.unit, limit.value)
    if key not in memo:
        memo[key] = _judge_once(ctx, sla, limit)
    return memo[key]


def _judge_once(ctx: CheckContext, sla: Sla, limit: Duration) -> Verdict:
    if unit_family(sla.duration.unit) == unit_family(limit.unit):
        return Verdict("looser", "always") if _looser(sla, sla.duration, limit) else Verdict("within")
    upcoming, recent = judged_days(ctx)
    soon, dated_soon = _overruns(ctx, sla, limit, upcoming)
    past, dated_past = _overruns(ctx, sla, limit, recent)
    if not soon and not past:
        return Verdict("within") if dated_soon + dated_past else _judge_by_bounds(ctx, sla, limit)
    worst_day, worst = max({**past, **soon}.items(), key=lambda kv: (kv[1], kv[0]))
    text = f"worst case {worst} days (receipt on {worst_day.isoformat()})"
    if soon:
        return Verdict(
            "looser", f"{text}; in the next twelve months for receipt on {compact_dates(list(soon))}"
        )
    return Verdict("looser", f"{text}; {coming_months_note(ctx)}")


def _judge_by_bounds(ctx: CheckContext, sla: Sla, limit: Duration) -> Verdict:
    """The verdict when the calendar dates no receipt day: sound bounds decide, else ``unknown``.

    1000 working days are longer than 30 calendar days whatever the holidays, so a deadline far
    beyond the covered years is still judged; only what the bounds leave open is not evaluated.
    """
    (mine_lo, mine_hi), (lim_lo, lim_hi) = hour_bounds(sla.duration), hour_bounds(limit)
    ours, theirs = render_amount(sla.duration), render_amount(limit)
    if _minimum(sla):
        looser, within = mine_hi < lim_lo, mine_lo >= lim_hi
        how = f"{ours} lasts at most {render_days(mine_hi)} days, {theirs} at least {render_days(lim_lo)}"
    else:
        looser, within = mine_lo > lim_hi, mine_hi <= lim_lo
        how = f"{ours} lasts at least {render_days(mine_lo)} days, {theirs} at most {render_days(lim_hi)}"
    if looser:
        return Verdict("looser", f"whatever the holidays: {how}; {undated_reason(ctx)}")
    if within:
        return Verdict("within")
    return Verdict(
        "unknown",
        f"{undated_reason(ctx)}, and without it {ours} can take {render_day_range(mine_lo, mine_hi)} "
        f"days, {theirs} {render_day_range(lim_lo, lim_hi)}. "
        f"Add the later years' official schedules to data/{HOLIDAYS_FILE}, or express the SLA in "
        "the limit's unit",
    )


@rule(
    "MK113",
    "warning",
    "internal SLA relies on the regulation's extension",
    """
    What: an SLA whose `limit` allows an extension (`extended`, e.g. 30 calendar days for complex
    cases) is looser than the ordinary limit but within the extended one, on the listed receipt
    dates (same simulation as MK112). As for MK112, a comparison the calendar cannot date and
    the bounds cannot decide is a warning that it could not be checked.
    Why: the extension is lawful only when its conditions are met (approval, telling the customer
    the new date and the reason); the procedure must say so.
    Fix: make sure the section describes the extension procedure, or tighten the SLA.
    """,
)
@rule(
    "MK112",
    "error",
    "internal SLA looser than the regulatory limit",
    """
    What: an SLA with a `limit` (the regulation's outer limit, e.g. 15 calendar days) must never be
    looser than it (than `extended`, where the regulation allows an extension — see MK113).
    Same unit: the numbers are compared. Different units (7 working days against 15 calendar
    days): the worst case over the official calendar is judged — every receipt date of the next
    twelve months and of the three most recent covered years is simulated; the message gives the
    worst case and the coming receipt dates on which the internal deadline falls after the
    regulatory one (compacted into ranges). Across Spring Festival or National Day 7 working days
    can exceed 15 calendar days. Hours round up to whole days. For minimums (retention,
    `at_least`) looser means shorter.
    Where the calendar dates none of those receipt dates (a deadline years long runs past the
    covered years), bounds valid on any calendar decide instead (n working days last at least n
    calendar days; months 28–31 days, years 365–366): 1000 working days are looser than 30 calendar
    days whatever the holidays. What the bounds leave open is reported as a warning, MK112 too,
    saying the limit could not be checked and why — never passed silently.
    Why: the internal deadline is the one staff follow; if it can end after the regulator's,
    the bank breaches the regulation while staff are "on time".
    Fix: tighten the internal SLA, or express it in the regulation's unit.
    """,
)
def regulatory_ceiling(ctx: CheckContext) -> Iterator[Diagnostic]:
    memo: dict[_VerdictKey, Verdict] = {}
    for sla in ctx.data.slas:
        if sla.limit is None:
            continue
        ref = sla.limit.reference
        loc = ctx.where("slas", sla.id, "duration")
        outer = sla.limit.extended or sla.limit.duration
        verdict = _judge(ctx, sla, outer, memo)
        if verdict.outcome != "within":
            yield _ceiling_finding(sla, ref, outer, verdict, loc)
            continue
        if sla.limit.extended is None:
            continue
        verdict = _judge(ctx, sla, sla.limit.duration, memo)
        if verdict.outcome == "unknown":
            yield Diagnostic(
                "MK113",
                "warning",
                f"{sla.id} ({render_sla(sla)}) could not be checked against the ordinary limit "
                f"{render_amount(sla.limit.duration)} of {ref}: {verdict.detail}",
                loc,
            )
        elif verdict.outcome == "looser":
            yield Diagnostic(
                "MK113",
                "warning",
                f"{sla.id} ({render_sla(sla)}) exceeds the ordinary limit "
                f"{render_amount(sla.limit.duration)} of {ref} and relies on the extension to "
                f"{render_amount(sla.limit.extended)}: {verdict.detail}",
                loc,
            )


def _ceiling_finding(sla: Sla, ref: str, outer: Duration, verdict: Verdict, loc: Location) -> Diagnostic:
    """MK112 for a looser SLA (error), or a warning that the ceiling could not be evaluated.

    Not evaluated is a warning, not an error: nothing is known to be wrong, but the check that
    protects against a regulatory breach did not run, and the writer must know that.
    """
    if verdict.outcome == "unknown":
        return Diagnostic(
            "MK112",
            "warning",
            f"{sla.id} ({render_sla(sla)}) could not be checked against the regulatory limit "
            f"{render_amount(outer)} of {ref}: {verdict.detail}",
            loc,
        )
    return Diagnostic(
        "MK112",
        "error",
        f"{sla.id} ({render_sla(sla)}) is looser than the regulatory limit {render_amount(outer)} "
        f"of {ref}: {verdict.detail}",
        loc,
    )
