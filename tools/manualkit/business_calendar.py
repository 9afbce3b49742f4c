"""The bank's business calendar: China's official working days (法定节假日与调休).

Working-day deadlines (7个工作日) depend on the State Council's yearly holiday
schedule, including make-up working days on weekends (调休上班).  The
``chinesecalendar`` package carries the announced schedules (2004–2026 in the
pinned version) and raises for other years; ``data/holidays.yaml`` adds years
announced after that release.  A date outside the covered years is an explicit
:class:`CalendarError` — the calendar never guesses that an unknown year has
no holidays.

Counting rule (documented for ``manualkit due``): the day of receipt is not
counted.  ``n`` working days from day D is the n-th working day after D;
``n`` calendar days is D + n; hours count clock hours from the moment of
receipt (a datetime is required); months and years are calendar months.
"""

from __future__ import annotations

import bisect
import calendar as _stdlib_calendar
import dataclasses
import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from manualkit.models import HOLIDAYS_FILE, Duration, Sla

__all__ = ["HOLIDAYS_FILE", "BusinessCalendar", "CalendarError", "add_months", "builtin_years", "due_for_sla"]


class CalendarError(Exception):
    """A date the calendar cannot answer for (year not announced / not in the data)."""


class CalendarQuestionError(CalendarError):
    """A question with no answer as asked: an hour SLA from a bare date, an interval's due date.

    The asker's mistake, not the calendar's gap: ``manualkit due`` exits 2 for it, as for any
    usage error.
    """


@dataclasses.dataclass(frozen=True)
class BusinessCalendar:
    """Official working days for the years in ``years`` (immutable)."""

    years: frozenset[int]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    problems: tuple[str, ...] = ()

    @classmethod
    def load(cls, data_dir: Path | None = None) -> BusinessCalendar:
        """chinesecalendar's schedules plus ``data_dir/holidays.yaml`` (problems kept, not raised).

        The file is read and validated by the loader (``manualkit.loader.load_holidays``), which
        reports its errors at their line and column whenever the data is loaded (``manualkit
        data``, ``check``, ``due``, builds); here an entry with an error is left out and its
        problem kept in :attr:`problems`.
        """
        from chinese_calendar import constants

        holidays = set(constants.holidays)
        workdays = set(constants.workdays)
        years = set(builtin_years())
        problems: list[str] = []
        if data_dir is not None and (data_dir / HOLIDAYS_FILE).exists():
            from manualkit.loader import load_holidays

            schedules, diagnostics = load_holidays(data_dir)
            problems = [
                f"line {d.location.line}, column {d.location.column}: {d.code} {d.message}"
                for d in diagnostics
                if d.severity == "error"
            ]
            for schedule in schedules:
                years.add(schedule.year)
                holidays.update(schedule.holidays or ())
                workdays.update(schedule.workdays or ())
        return cls(frozenset(years), frozenset(holidays), frozenset(workdays), tuple(problems))

    @property
    def last_year(self) -> int:
        return max(self.years)

    @property
    def coverage(self) -> str:
        """The covered years for a message: ``2004–2026`` (gaps shown: ``2004–2026, 2028``)."""
        return _ranges(sorted(self.years))

    def covers(self, day: dt.date) -> bool:
        return day.year in self.years

    def first_uncovered(self, start: dt.date, end: dt.date) -> dt.date | None:
        """The first day in ``[start, end]`` whose year has no announced schedule."""
        for year in range(start.year, end.year + 1):
            if year not in self.years:
                return max(start, dt.date(year, 1, 1))
        return None

    def _require(self, day: dt.date) -> None:
        if not self.covers(day):
            raise CalendarError(
                f"no official holiday schedule for {day.year} (needed for {day.isoformat()}); "
                f"the calendar covers {_ranges(sorted(self.years))}. Add the State Council's announced "
                f"schedule for {day.year} to data/{HOLIDAYS_FILE}"
            )

    def is_workday(self, day: dt.date) -> bool:
        self._require(day)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    @cached_property
    def _working_ordinals(self) -> list[int]:
        """Ordinals of every working day of the covered years, ascending (built once)."""
        result: list[int] = []
        for year in sorted(self.years):
            day = dt.date(year, 1, 1)
            while day.year == year:
                if self.is_workday(day):
                    result.append(day.toordinal())
                day += dt.timedelta(days=1)
        return result

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (the day of receipt is not counted)."""
        self._require(start)
        ordinals = self._working_ordinals
        index = bisect.bisect_right(ordinals, start.toordinal()) + count - 1
        if index >= len(ordinals):
            self._require(dt.date(self.last_year + 1, 1, 1))
        result = dt.date.fromordinal(ordinals[index])
        for year in range(start.year, result.year + 1):
            self._require(dt.date(year, 1, 1))  # a gap between covered years is not skipped over
        return result

    def due(self, start: dt.date | dt.datetime, duration: Duration) -> dt.date | dt.datetime:
        """When ``duration`` counted from ``start`` ends (see the module docstring for the rules)."""
        unit, n = duration.unit, duration.value
        if unit in ("hours", "minutes"):
            if not isinstance(start, dt.datetime):
                raise CalendarQuestionError(
                    f"an SLA in {unit} needs the moment of receipt, e.g. {start.isoformat()}T14:30"
                )
            delta = dt.timedelta(hours=n) if unit == "hours" else dt.timedelta(minutes=n)
            return start + delta
        day = start.date() if isinstance(start, dt.datetime) else start
        if unit == "working_days":
            self._require(day)
            return self.add_working_days(day, n)
        if unit == "calendar_days":
            return day + dt.timedelta(days=n)
        months = n if unit == "months" else 12 * n
        return add_months(day, months)

    @cached_property
    def _reach(self) -> dict[int, int]:
        """Covered year → last year of the gap-free run of covered years it starts (built once)."""
        result: dict[int, int] = {}
        for year in sorted(self.years, reverse=True):
            result[year] = result.get(year + 1, year)
        return result

    def due_many(self, starts: Sequence[dt.date | None], duration: Duration) -> list[dt.date | None]:
        """:meth:`due` for many receipt days at once; ``None`` where the calendar cannot answer.

        The checker's worst-case simulations (regulatory ceilings, process budgets) ask for the due
        date of every receipt day of several years; calling :meth:`due` for each costs an exception
        path and coverage checks per call.  Same counting rule and same refusals as :meth:`due`
        (a working-day count that starts or ends in an uncovered year gives ``None``, never a
        guess); ``None`` in ``starts`` stays ``None``.  Day units only (hours need a moment).
        """
        unit, n = duration.unit, duration.value
        if unit in ("hours", "minutes"):
            raise CalendarError(f"due_many counts whole days; convert {unit} first")
        if unit == "calendar_days":
            step = dt.timedelta(days=n)
            return [None if s is None else s + step for s in starts]
        if unit in ("months", "years"):
            months = n if unit == "months" else 12 * n
            return [None if s is None else add_months(s, months) for s in starts]
        ordinals = self._working_ordinals
        reach = self._reach
        size = len(ordinals)
        result: list[dt.date | None] = []
        for s in starts:
            if s is None or s.year not in reach:
                result.append(None)
                continue
            index = bisect.bisect_right(ordinals, s.toordinal()) + n - 1
            if index >= size:
                result.append(None)
                continue
            end = dt.date.fromordinal(ordinals[index])
            result.append(end if end.year <= reach[s.year] else None)
        return result


def builtin_years() -> frozenset[int]:
    """The years whose schedules the installed chinesecalendar announces (2004–2026 when pinned)."""
    from chinese_calendar import constants

    days = constants.holidays
    return frozenset(range(min(d.year for d in days), max(d.year for d in days) + 1))


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's last day (1-31 + 1 month → 2-28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _stdlib_calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def due_for_sla(sla: Sla, start: dt.date | dt.datetime, data_dir: Path | None = None) -> str:
    """What ``manualkit due`` prints: the due date first, then how it was counted, then (indented)
    the official days off the count skipped and the make-up days it counted (``due_explain``)."""
    from manualkit.due_explain import calendar_notes
    from manualkit.durations import render_sla

    cal = BusinessCalendar.load(data_dir)
    if sla.kind not in ("deadline",):
        article = "an" if sla.kind[0] in "aeiou" else "a"
        raise CalendarQuestionError(f"{sla.id} is {article} {sla.kind} ({render_sla(sla)}), not a deadline")
    end = cal.due(start, sla.duration)
    shown = end.isoformat(sep=" ", timespec="minutes") if isinstance(end, dt.datetime) else end.isoformat()
    origin = start.isoformat(sep=" ", timespec="minutes") if isinstance(start, dt.datetime) else start
    # Days are counted from the day after receipt; hours and minutes run from the moment itself.
    counted = "" if sla.duration.unit in ("hours", "minutes") else " (day of receipt not counted)"
    day = start.date() if isinstance(start, dt.datetime) else start
    last = end.date() if isinstance(end, dt.datetime) else end
    notes = "".join(f"\n  {note}" for note in calendar_notes(cal, day, last, sla.duration.unit))
    return f"{shown}\t{sla.id}: {render_sla(sla)} from {origin}{counted}{notes}"


def _ranges(years: list[int]) -> str:
    parts: list[str] = []
    start = prev = years[0]
    for y in [*years[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)
