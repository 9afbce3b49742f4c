"""MK110–MK112: the business calendar covers the coming year; SLAs respect regulatory ceilings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from manualkit.business_calendar import HOLIDAYS_FILE
from manualkit.checks.context import CheckContext
from manualkit.checks.duration_text import magnitude, unit_family
from manualkit.checks.registry import rule
from manualkit.checks.timing import HORIZON_DAYS, as_days, compact_dates, judged_days
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


def _overruns(ctx: CheckContext, sla: Sla, limit: Duration, days: list[dt.date]) -> dict[dt.date, int]:
    """Receipt day → calendar days the internal deadline takes, where it is looser than ``limit``.

    Days the calendar cannot answer for are skipped: MK110 reports the gap; never guess.
    """
    ours = ctx.calendar.due_many(days, as_days(sla.duration))
    theirs = ctx.calendar.due_many(days, as_days(limit))
    minimum = _minimum(sla)
    found: dict[dt.date, int] = {}
    for start, mine, limit_end in zip(days, ours, theirs, strict=True):
        if mine is None or limit_end is None:
            continue
        if (mine < limit_end) if minimum else (mine > limit_end):
            found[start] = (mine - start).days
    return found


#: What a verdict depends on: the SLA's duration and bound, whether it is a minimum, the limit.
_VerdictKey = tuple[str, int, str, bool, str, int]


def _judge(ctx: CheckContext, sla: Sla, limit: Duration, memo: dict[_VerdictKey, str | None]) -> str | None:
    """None when never looser than ``limit``; else how and when (for the message).

    ``memo`` (one per run) shares verdicts between SLAs with the same duration and limit:
    a manual repeats the same few pairs (every complaint class against the same regulation).
    """
    d = sla.duration
    key = (d.unit, d.value, d.bound, _minimum(sla), limit.unit, limit.value)
    if key not in memo:
        memo[key] = _judge_once(ctx, sla, limit)
    return memo[key]


def _judge_once(ctx: CheckContext, sla: Sla, limit: Duration) -> str | None:
    if unit_family(sla.duration.unit) == unit_family(limit.unit):
        return "always" if _looser(sla, sla.duration, limit) else None
    upcoming, recent = judged_days(ctx)
    soon = _overruns(ctx, sla, limit, upcoming)
    past = _overruns(ctx, sla, limit, recent)
    if not soon and not past:
        return None
    worst_day, worst = max({**past, **soon}.items(), key=lambda kv: (kv[1], kv[0]))
    text = f"worst case {worst} days (receipt on {worst_day.isoformat()})"
    if soon:
        return f"{text}; in the next twelve months for receipt on {compact_dates(list(soon))}"
    return (
        f"{text}; none found in the next twelve months as far as the calendar covers them "
        f"(to {ctx.calendar.last_year}-12-31)"
    )


@rule(
    "MK113",
    "warning",
    "internal SLA relies on the regulation's extension",
    """
    What: an SLA whose `limit` allows an extension (`extended`, e.g. 30 calendar days for complex
    cases) is looser than the ordinary limit but within the extended one, on the listed receipt
    dates (same simulation as MK112).
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
    Why: the internal deadline is the one staff follow; if it can end after the regulator's,
    the bank breaches the regulation while staff are "on time".
    Fix: tighten the internal SLA, or express it in the regulation's unit.
    """,
)
def regulatory_ceiling(ctx: CheckContext) -> Iterator[Diagnostic]:
    memo: dict[_VerdictKey, str | None] = {}
    for sla in ctx.data.slas:
        if sla.limit is None:
            continue
        ref = sla.limit.reference
        loc = ctx.where("slas", sla.id, "duration")
        outer = sla.limit.extended or sla.limit.duration
        verdict = _judge(ctx, sla, outer, memo)
        if verdict:
            yield Diagnostic(
                "MK112",
                "error",
                f"{sla.id} ({render_sla(sla)}) is looser than the regulatory limit {render_amount(outer)} "
                f"of {ref}: {verdict}",
                loc,
            )
            continue
        if sla.limit.extended is None:
            continue
        verdict = _judge(ctx, sla, sla.limit.duration, memo)
        if verdict:
            yield Diagnostic(
                "MK113",
                "warning",
                f"{sla.id} ({render_sla(sla)}) exceeds the ordinary limit "
                f"{render_amount(sla.limit.duration)} of {ref} and relies on the extension to "
                f"{render_amount(sla.limit.extended)}: {verdict}",
                loc,
            )
