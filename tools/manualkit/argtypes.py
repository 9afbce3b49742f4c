"""Argument types shared by the CLI's commands (``--today``, ``--on``, ``--review-due`` …).

One place, so that every command refuses a wrong date with the same message: the format when
the shape is wrong, and the calendar when the shape is right but the day does not exist
("2026-02-30": February 2026 has 28 days), rather than "expected YYYY-MM-DD" for a date that is.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import re

_DATE_SHAPE = re.compile(r"^\s*(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?![\d])")


def iso_date(value: str) -> dt.date:
    """``YYYY-MM-DD`` as a date, or argparse's error saying what is wrong with it."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            missing_day(value) or f"expected a date YYYY-MM-DD, found {value!r}"
        ) from exc


def missing_day(value: str) -> str | None:
    """Why a date written in the right shape is still refused: it is not in the calendar.

    "expected YYYY-MM-DD, found '2026-02-30'" tells the writer the format is wrong when it is
    not; the day itself does not exist.  ``None`` when the shape is wrong or the day exists.
    """
    m = _DATE_SHAPE.match(value)
    if m is None:
        return None
    year, month, day = int(m["year"]), int(m["month"]), int(m["day"])
    date = f"{m['year']}-{m['month']}-{m['day']}"
    if not 1 <= month <= 12:
        return f"the date {date} does not exist: expected a month 01–12, found {m['month']}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"the date {date} does not exist: {m['year']}-{m['month']} has {days} days"
    return None


__all__ = ["iso_date", "missing_day"]
