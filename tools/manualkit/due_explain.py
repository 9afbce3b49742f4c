"""Why ``manualkit due`` gave the date it gave: the holidays skipped, the make-up days counted.

A due date on a make-up working Saturday (2026-10-10), or fifteen days after receipt for seven
working days, looks wrong to a writer who does not have the State Council's schedule in mind.
The lines here name the official days off the count passed over and the weekend days it counted,
so the answer can be checked against the notice without another tool.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from manualkit.business_calendar import BusinessCalendar, builtin_years
from manualkit.models import DurationUnit

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def holiday_name(day: dt.date) -> str:
    """The official holiday ``day`` belongs to, in Chinese (国庆节), as chinesecalendar names it;
    for a year only ``data/holidays.yaml`` covers, the file it comes from."""
    if day.year in builtin_years():
        from chinese_calendar import get_holiday_detail
        from chinese_calendar.constants import Holiday

        _, name = get_holiday_detail(day)
        for holiday in Holiday:
            if holiday.value == name:
                return str(holiday.chinese)
    return "data/holidays.yaml"


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The days after ``start`` up to and including ``end``: the ones a count passes."""
    day = start + dt.timedelta(days=1)
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _span(days: list[dt.date]) -> str:
    first, last = days[0], days[-1]
    return first.isoformat() if first == last else f"{first.isoformat()}–{last.isoformat()}"


def calendar_notes(cal: BusinessCalendar, start: dt.date, end: dt.date, unit: DurationUnit) -> list[str]:
    """Lines on the official days off and make-up working days between receipt and ``end``.

    Working days: each block of official days off the count skipped (weekend days inside the
    block included, as the notice lists them) and each weekend day it counted because it is a
    make-up working day (调休上班).  Calendar days, months and years run through holidays: a due
    date that falls on a day off is said to be one, and that it does not move.
    """
    if unit in ("hours", "minutes"):
        return []
    notes: list[str] = []
    if unit == "working_days":
        off = [day for day in _days(start, end) if day in cal.holidays]

        # Consecutive days of one holiday form a block: their ordinal minus position is constant.
        def block_of(pair: tuple[int, dt.date]) -> tuple[int, str]:
            return pair[1].toordinal() - pair[0], holiday_name(pair[1])

        for _, block in itertools.groupby(enumerate(off), key=block_of):
            days = [day for _, day in block]
            notes.append(f"not counted: {_span(days)}, official days off ({holiday_name(days[0])})")
        for day in _days(start, end):
            if day.weekday() >= 5 and day in cal.workdays:
                notes.append(
                    f"counted: {day.isoformat()} ({_WEEKDAYS[day.weekday()]}), a make-up working day "
                    f"(调休上班, {holiday_name(day)})"
                )
        return notes
    if cal.covers(end) and not cal.is_workday(end):
        reason = (
            f"an official day off ({holiday_name(end)})"
            if end in cal.holidays
            else f"a {_WEEKDAYS[end.weekday()]}"
        )
        notes.append(
            f"{end.isoformat()} is {reason}: {unit.replace('_', ' ')} run through days off, "
            "so the date is not moved to the next working day"
        )
    return notes
