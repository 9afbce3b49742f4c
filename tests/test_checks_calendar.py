"""Business calendar and `manualkit due`: official working days, explicit errors beyond coverage."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import chinese_calendar
import pytest

from manualkit.business_calendar import BusinessCalendar, CalendarError, add_months
from manualkit.checks.cli import main
from manualkit.models import Duration

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "checks"


def nth_working_day_after(day: dt.date, n: int) -> dt.date:
    """Independent oracle straight from chinesecalendar's own data."""
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def test_seven_working_days_across_national_day() -> None:
    cal = BusinessCalendar.load(None)
    due = cal.due(dt.date(2026, 9, 30), Duration(value=7, unit="working_days"))
    assert due == nth_working_day_after(dt.date(2026, 9, 30), 7)
    # 1–7 October 2026 are holidays and Saturday 10 October is a make-up working day.
    assert due == dt.date(2026, 10, 15)


def test_receipt_day_not_counted_and_units() -> None:
    cal = BusinessCalendar.load(None)
    friday = dt.date(2026, 3, 6)
    assert cal.due(friday, Duration(value=1, unit="working_days")) == dt.date(2026, 3, 9)
    assert cal.due(friday, Duration(value=15, unit="calendar_days")) == dt.date(2026, 3, 21)
    assert cal.due(dt.datetime(2026, 3, 6, 14, 30), Duration(value=24, unit="hours")) == dt.datetime(
        2026, 3, 7, 14, 30
    )
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    with pytest.raises(CalendarError, match="moment of receipt"):
        cal.due(friday, Duration(value=2, unit="hours"))


def test_beyond_coverage_is_an_error_not_a_guess() -> None:
    cal = BusinessCalendar.load(None)
    with pytest.raises(CalendarError, match="no official holiday schedule for 2027"):
        cal.due(dt.date(2026, 12, 28), Duration(value=7, unit="working_days"))


def test_holidays_file_extends_coverage(tmp_path: Path) -> None:
    (tmp_path / "holidays.yaml").write_text(
        "- year: 2027\n  source: test schedule (not the official one)\n"
        "  holidays: [2027-01-01]\n  workdays: [2027-01-02]\n",
        encoding="utf-8",
    )
    cal = BusinessCalendar.load(tmp_path)
    assert cal.problems == ()
    assert not cal.is_workday(dt.date(2027, 1, 1))
    assert cal.is_workday(dt.date(2027, 1, 2))  # a Saturday made a working day
    assert cal.first_uncovered(dt.date(2026, 12, 1), dt.date(2027, 11, 30)) is None


def test_due_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "clean", root)
    assert main(["due", "complaint.general.resolve", "--from", "2026-09-30", "--project", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.split()[0] == nth_working_day_after(dt.date(2026, 9, 30), 7).isoformat()
    assert (
        main(["due", "complaint.general.respond", "--from", "2026-09-30T09:15", "--project", str(root)]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("2026-10-01 09:15")
    assert "day of receipt" not in out  # hours run from the moment of receipt
    assert main(["due", "complaint.general.resolve", "--from", "2026-12-28", "--project", str(root)]) == 1
    assert "2027" in capsys.readouterr().err
    assert main(["due", "no.such.sla", "--from", "2026-09-30", "--project", str(root)]) == 2


BAD_HOLIDAYS = "- year: 2027\n  source: x\n  holidays: [2027-01-01, 2027-02-30]\n  workdays: []\n"


def test_an_impossible_date_in_holidays_yaml_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "holidays.yaml").write_text(BAD_HOLIDAYS, encoding="utf-8")
    cal = BusinessCalendar.load(tmp_path)
    assert cal.problems == (
        "line 3, column 26: DATA002 holidays[0].holidays[1] (2027): "
        "expected a valid date YYYY-MM-DD, found '2027-02-30'",
    )
    assert 2027 not in cal.years  # a schedule with an error is never used


def test_check_and_due_report_a_bad_holidays_file_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README, Exit status: invalid sources exit 2, with the file:line:col, never a traceback."""
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "clean", root)
    (root / "data" / "holidays.yaml").write_text(BAD_HOLIDAYS, encoding="utf-8")
    line = (
        "data/holidays.yaml:3:26: error DATA002 holidays[0].holidays[1] (2027): "
        "expected a valid date YYYY-MM-DD, found '2027-02-30'"
    )
    assert main(["check", "--project", str(root)]) == 2
    assert line in capsys.readouterr().out.splitlines()
    assert main(["due", "complaint.general.resolve", "--from", "2026-12-30", "--project", str(root)]) == 2
    assert line in capsys.readouterr().err.splitlines()


def test_due_says_a_date_does_not_exist_and_names_the_sla_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """2026-02-30 has the right shape: the message says the day does not exist, not the format."""
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "clean", root)
    for start, reason in [
        ("2026-02-30", "the date 2026-02-30 does not exist: 2026-02 has 28 days"),
        ("2026-13-01T09:00", "the date 2026-13-01 does not exist: expected a month 01–12, found 13"),
        ("2026/02/03", "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, found '2026/02/03'"),
    ]:
        with pytest.raises(SystemExit) as exited:
            main(["due", "complaint.general.resolve", "--from", start, "--project", str(root)])
        assert exited.value.code == 2
        assert capsys.readouterr().err.endswith(f"error: argument --from: {reason}\n")
    # Questions with no answer as asked are usage errors (README: exit 2), not a calendar's gap.
    assert main(["due", "complaint.review.period", "--from", "2026-09-30", "--project", str(root)]) == 2
    assert "complaint.review.period is an interval (" in capsys.readouterr().err
    assert main(["due", "complaint.general.respond", "--from", "2026-09-30", "--project", str(root)]) == 2
    assert "needs the moment of receipt, e.g. 2026-09-30T14:30" in capsys.readouterr().err


def test_working_day_bounds_hold_on_the_official_calendar() -> None:
    """No run of n working days in 2004–2026 takes more calendar days than the bound allows.

    MK205/MK206 and the MK112/MK203 fallbacks beyond the calendar trust the bound as "certain";
    before it counted the holidays of long spans, 250 working days were bounded by 360 days.
    """
    from manualkit.checks.timing import hour_bounds, working_days_span

    cal = BusinessCalendar.load(None)
    ordinals = cal._working_ordinals
    for n in [*range(1, 120), *range(120, 2001, 13), 2000]:
        # From the day after a working day, the n-th working day is the farthest it can be.
        worst = max(later - earlier for earlier, later in zip(ordinals, ordinals[n:], strict=False))
        assert worst <= working_days_span(n), n
        low, high = hour_bounds(Duration(value=n, unit="working_days"))
        assert (low, high) == (24.0 * n, 24.0 * working_days_span(n))
