"""Comparing durations of different units without pretending they are equal.

Same unit family: exact comparison.  Different families: each duration becomes
an interval of possible lengths in hours (7 working days last at least 7×24 h
and, across the longest official holiday run, much longer), and a comparison
is only "certainly ≤" when the intervals say so — the checker judges the worst
case, never the average.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from manualkit.checks.duration_text import magnitude, unit_family
from manualkit.models import Duration

if TYPE_CHECKING:
    from manualkit.checks.context import CheckContext

#: How far ahead the calendar must reach, and how far ahead mixed-unit deadlines are simulated.
HORIZON_DAYS = 365
#: Recent covered years also judged (holiday patterns repeat: Spring Festival, National Day).
HISTORY_YEARS = 3

#: Longest run of consecutive non-working days in the official calendar (Spring Festival /
#: National Day: 8 days plus adjoining weekend) — an upper bound used when no calendar is consulted.
MAX_DAYS_OFF_RUN = 10
#: Weekday holidays beyond that one long run, per 100 working days: a count of a year or more
#: crosses every holiday of the year (13 statutory days since 2025, plus bridge days whose make-up
#: Saturday falls outside the count).  The official calendar 2004–2026 needs at most 6.5; the
#: test suite checks the bound against chinesecalendar for counts up to 2000 working days.
HOLIDAYS_PER_100_WORKING_DAYS = 7


def working_days_span(n: int) -> int:
    """Most calendar days ``n`` working days can take, whatever the official holidays.

    Weekends (2 per 5 working days), one long holiday run, and the other holidays of the years a
    long count crosses.  Without the last term 250 working days were bounded by 360 calendar days
    while a real year of them takes up to 375, so comparisons judged "certain" were not.
    """
    weeks = (n + 4) // 5
    return n + 2 * weeks + MAX_DAYS_OFF_RUN + n * HOLIDAYS_PER_100_WORKING_DAYS // 100


def hour_bounds(d: Duration) -> tuple[float, float]:
    """(shortest, longest) possible length in hours, on any calendar (no schedule consulted).

    Sound both ways: a working day is at least a calendar day, and :func:`working_days_span`
    bounds the holidays; months are 28–31 days, years 365–366.
    """
    n = d.value
    if d.unit == "minutes":
        return n / 60, n / 60
    if d.unit == "hours":
        return n, n
    if d.unit == "calendar_days":
        return 24.0 * n, 24.0 * n
    if d.unit == "working_days":
        return 24.0 * n, 24.0 * working_days_span(n)
    if d.unit == "months":
        return 24.0 * 28 * n, 24.0 * 31 * n
    return 24.0 * 365 * n, 24.0 * 366 * n


def comparable(a: Duration, b: Duration) -> bool:
    return unit_family(a.unit) == unit_family(b.unit)


def at_most(a: Duration, b: Duration) -> bool:
    """True when ``a`` is certainly no longer than ``b`` (worst case across the calendar)."""
    if comparable(a, b):
        return magnitude(a.value, a.unit) <= magnitude(b.value, b.unit)
    return hour_bounds(a)[1] <= hour_bounds(b)[0]


def shorter(a: Duration, b: Duration) -> bool:
    """True when ``a`` is certainly strictly shorter than ``b``."""
    if comparable(a, b):
        return magnitude(a.value, a.unit) < magnitude(b.value, b.unit)
    return hour_bounds(a)[1] < hour_bounds(b)[0]


def compact_dates(days: list[object]) -> str:
    """``2026-09-24..2026-09-30, 2026-12-31`` — consecutive dates folded into ranges."""
    dates = sorted(d for d in days if isinstance(d, dt.date))
    parts: list[str] = []
    i = 0
    while i < len(dates):
        j = i
        while j + 1 < len(dates) and (dates[j + 1] - dates[j]).days == 1:
            j += 1
        parts.append(dates[i].isoformat() if i == j else f"{dates[i].isoformat()}..{dates[j].isoformat()}")
        i = j + 1
    return ", ".join(parts)


def as_days(d: Duration) -> Duration:
    """Clock durations rounded up to whole calendar days (worst case on a day calendar)."""
    if d.unit in ("hours", "minutes"):
        hours = d.value if d.unit == "hours" else d.value / 60
        return Duration(value=max(1, -(-int(hours) // 24)), unit="calendar_days")
    return d


def judged_days(ctx: CheckContext) -> tuple[list[dt.date], list[dt.date]]:
    """(days of the coming twelve months, days of the recent covered years) to simulate on."""
    cal = ctx.calendar
    upcoming = [ctx.today + dt.timedelta(days=i) for i in range(HORIZON_DAYS)]
    first = dt.date(cal.last_year - HISTORY_YEARS + 1, 1, 1)
    last = min(dt.date(cal.last_year, 12, 31), ctx.today - dt.timedelta(days=1))
    recent = [first + dt.timedelta(days=i) for i in range(max(0, (last - first).days + 1))]
    return upcoming, recent


def coming_months_note(ctx: CheckContext) -> str:
    """What a verdict found only in past years says of the coming twelve months.

    Once the whole window lies past the calendar's last year nothing in it was dated; "none found
    as far as the calendar covers them" then read like a pass.
    """
    end = dt.date(ctx.calendar.last_year, 12, 31)
    if ctx.today > end:
        return f"the next twelve months could not be checked: the calendar ends on {end.isoformat()}"
    return f"none found in the next twelve months as far as the calendar covers them (to {end.isoformat()})"


def path_bounds(durations: Sequence[Duration]) -> tuple[float, float]:
    """(shortest, longest) hours of durations run one after the other, on any calendar.

    Each step's length lies in its own bounds wherever it starts, so the bounds add up: what a
    simulation on the official calendar cannot date can still be decided when the bounds do.
    """
    bounds = [hour_bounds(d) for d in durations]
    return sum(lo for lo, _ in bounds), sum(hi for _, hi in bounds)


def render_days(hours: float) -> str:
    """Hours as days for a message: ``15``, ``0.5`` (bounds are whole days except clock units)."""
    return f"{hours / 24:g}"


def render_day_range(low: float, high: float) -> str:
    """Bounds in hours as a day range for a message: ``1000–1480``, or ``1450`` when they agree."""
    return render_days(low) if low == high else f"{render_days(low)}–{render_days(high)}"


def undated_reason(ctx: CheckContext) -> str:
    """Why a simulation dated nothing: which receipt dates were judged, what the calendar covers."""
    upcoming, recent = judged_days(ctx)
    judged = sorted([*upcoming, *recent])
    span = f"{judged[0].isoformat()} to {judged[-1].isoformat()}" if judged else "none"
    return (
        f"the business calendar, with the official holiday schedules for {ctx.calendar.coverage}, "
        f"dates none of the receipt dates judged, {span}"
    )
