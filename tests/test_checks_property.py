"""Property tests: whatever the writer saves, `manualkit check` reports findings, never a traceback.

The loader has its own properties (tests/test_loader.py: arbitrary YAML text and structures never
raise); these drive the *checker* end to end with arbitrary data files and chapters, and pin the
fast calendar path (``due_many``) to the reference one (``due``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manualkit.business_calendar import BusinessCalendar, CalendarError
from manualkit.checks import run_checks
from manualkit.diagnostics import Diagnostic
from manualkit.models import Duration

REPO = Path(__file__).resolve().parents[1]
CLEAN = REPO / "tests" / "fixtures" / "checks" / "clean"
TODAY = dt.date(2025, 12, 1)
#: Style rules need autocorrect and Vale files, revisions need git: not what these properties probe.
IGNORE = ["MK6", "MK7"]
_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(CLEAN, root)
    return root


def _assert_locations_point_into_files(root: Path, diagnostics: tuple[Diagnostic, ...]) -> None:
    for d in diagnostics:
        loc = d.location
        target = root / loc.path
        if loc.line and target.is_file():
            lines = target.read_text(encoding="utf-8", errors="replace").count("\n") + 1
            assert 1 <= loc.line <= lines + 1, d


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.text(alphabet="abc.-_ 投诉7个工作日天", max_size=10),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
)
_keys = st.sampled_from(
    ["id", "name", "duration", "value", "unit", "owner", "section", "kind", "steps", "sla", "form", "limit"]
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=15,
)


@_SETTINGS
@given(
    name=st.sampled_from(["slas.yaml", "processes.yaml", "forms.yaml", "shares.yaml", "holidays.yaml"]),
    entries=st.lists(_values, max_size=3),
)
def test_arbitrary_data_entries_give_findings_not_tracebacks(
    project: Path, name: str, entries: list[object]
) -> None:
    (project / "data" / name).write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    report = run_checks(project, today=TODAY, ignore=IGNORE)
    _assert_locations_point_into_files(project, report.diagnostics)


_DURATIONS = st.fixed_dictionaries(
    {
        "value": st.integers(1, 400),
        "unit": st.sampled_from(["minutes", "hours", "working_days", "calendar_days", "months", "years"]),
    }
)


@_SETTINGS
@given(
    durations=st.lists(_DURATIONS, min_size=1, max_size=12),
    today=st.dates(dt.date(2004, 1, 1), dt.date(2030, 1, 1)),
)
def test_any_valid_durations_are_judged_without_tracebacks(
    project: Path, durations: list[dict[str, object]], today: dt.date
) -> None:
    """Valid data with arbitrary SLA durations and any `--today`: calendar, budget and order rules run."""
    path = project / "data" / "slas.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry, duration in zip(entries, durations, strict=False):
        entry["duration"] = {**entry["duration"], **duration}
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    report = run_checks(project, today=today, ignore=IGNORE)
    assert not [d for d in report.diagnostics if d.code.startswith("DATA")], report.diagnostics
    _assert_locations_point_into_files(project, report.diagnostics)


#: Pieces of MyST the checker reacts to; chapters are arbitrary sequences of them.
_PIECES = [
    *"#-:*|`{}()[]<>%=\n 　7",
    "{sla}",
    "{form}",
    "{reg}",
    "`complaint.general.resolve`",
    ":::",
    "---",
    "《",
    "》",
    "十",
    "个工作日",
    "天",
    "每",
    "半年",
    "小时",
    "% manualkit: ignore MK103 -- 因为",
    "13812345678",
    "@",
    "客户",
    "，",
    "。",
    "owner: ",
    "review_due: 2026-01-01",
]
_MARKDOWN = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@_SETTINGS
@given(text=_MARKDOWN)
def test_arbitrary_chapters_give_findings_not_tracebacks(project: Path, text: str) -> None:
    (project / "manual" / "04-complaints.md").write_text(text, encoding="utf-8")
    report = run_checks(project, today=TODAY, ignore=IGNORE)
    _assert_locations_point_into_files(project, report.diagnostics)
    assert all(d.location.column >= 0 for d in report.diagnostics)


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.load(None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=dt.date(2003, 12, 1), max_value=dt.date(2027, 1, 31)),
    value=st.integers(1, 40),
    unit=st.sampled_from(["working_days", "calendar_days", "months", "years"]),
)
def test_due_many_agrees_with_due(calendar: BusinessCalendar, start: dt.date, value: int, unit: str) -> None:
    """The checker's batch path gives the same dates as `manualkit due`, and refuses the same days."""
    duration = Duration(value=value, unit=unit)  # type: ignore[arg-type]
    try:
        expected: dt.date | None = calendar.due(start, duration)  # type: ignore[assignment]
    except CalendarError:
        expected = None
    assert calendar.due_many([start, None], duration) == [expected, None]
