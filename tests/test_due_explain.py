"""`manualkit due` says which official days off it skipped and which make-up days it counted.

A writer saw 2026-10-10 (a Saturday) as the due date of 3 working days from 2026-09-30 and
15 days later for 7 working days, with nothing saying the National Day holiday and its make-up
Saturday were the reason.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from manualkit.business_calendar import BusinessCalendar
from manualkit.checks.cli import main
from manualkit.due_explain import calendar_notes

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_working_days_name_the_holiday_skipped_and_the_make_up_day_counted() -> None:
    cal = BusinessCalendar.load(None)
    notes = calendar_notes(cal, dt.date(2026, 9, 30), dt.date(2026, 10, 10), "working_days")
    assert notes == [
        "not counted: 2026-10-01–2026-10-07, official days off (国庆节)",
        "counted: 2026-10-10 (Saturday), a make-up working day (调休上班, 国庆节)",
    ]
    # An ordinary week passes no holiday: nothing to explain.
    assert calendar_notes(cal, dt.date(2026, 3, 2), dt.date(2026, 3, 11), "working_days") == []


def test_calendar_days_ending_on_a_day_off_say_the_date_does_not_move() -> None:
    cal = BusinessCalendar.load(None)
    (note,) = calendar_notes(cal, dt.date(2026, 9, 22), dt.date(2026, 10, 7), "calendar_days")
    assert note.startswith("2026-10-07 is an official day off (国庆节)")
    assert "not moved" in note
    (weekend,) = calendar_notes(cal, dt.date(2026, 2, 27), dt.date(2026, 3, 14), "calendar_days")
    assert weekend.startswith("2026-03-14 is a Saturday")
    assert calendar_notes(cal, dt.date(2026, 3, 1), dt.date(2026, 3, 16), "calendar_days") == []


def test_due_prints_the_date_first_and_the_reasons_below(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "clean", root)
    assert main(["due", "complaint.general.resolve", "--from", "2026-09-30", "--project", str(root)]) == 0
    first, *rest = capsys.readouterr().out.splitlines()
    assert first.startswith("2026-10-15\tcomplaint.general.resolve: 7个工作日 from 2026-09-30")
    assert rest == [
        "  not counted: 2026-10-01–2026-10-07, official days off (国庆节)",
        "  counted: 2026-10-10 (Saturday), a make-up working day (调休上班, 国庆节)",
    ]
