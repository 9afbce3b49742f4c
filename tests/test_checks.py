"""manualkit check: each rule family against a fixture manual with planted faults.

Fixtures: tests/fixtures/checks/clean/ is a complete, clean project; every other folder
there overlays the files of the clean project that carry a planted fault for one rule family.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from manualkit.checks import run_checks
from manualkit.checks.cli import main
from manualkit.checks.registry import all_rules

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "checks"
SCHEMA = REPO / "tools" / "manualkit" / "checks" / "report.schema.json"
#: A day whose twelve-month horizon lies inside chinesecalendar's range (2004–2026).
TODAY = dt.date(2025, 12, 1)
#: MK7xx (revisions) belong to the release engineer's module and need git history.
NOT_OURS = ["MK7"]


def make_project(tmp_path: Path, family: str | None = None) -> Path:
    """The clean fixture project, with ``family``'s files laid over it, in a temp dir."""
    root = tmp_path / (family or "clean")
    shutil.copytree(FIXTURES / "clean", root)
    if family:
        shutil.copytree(FIXTURES / family, root, dirs_exist_ok=True)
    ini = root / ".vale.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "../../../../tools/vale/styles", (REPO / "tools" / "vale" / "styles").as_posix()
        ),
        encoding="utf-8",
    )
    return root


def findings(root: Path, select: list[str]) -> set[tuple[str, str, int]]:
    report = run_checks(root, today=TODAY, select=select, ignore=NOT_OURS)
    return {(d.code, d.location.path, d.location.line) for d in report.diagnostics}


def test_clean_fixture_has_no_findings(tmp_path: Path) -> None:
    report = run_checks(make_project(tmp_path), today=TODAY, ignore=NOT_OURS)
    assert [d.format() for d in report.diagnostics] == []
    assert report.suppressed_count == 0


def test_references(tmp_path: Path) -> None:
    root = make_project(tmp_path, "references")
    assert findings(root, ["MK1"]) == {
        ("MK101", "manual/04-complaints.md", 22),  # {sla}`complaint.general.reslove`
        ("MK101", "manual/04-complaints.md", 27),  # :::{checklist} CL-04-09
        ("MK102", "data/checklists.yaml", 1),  # CL-04-01 no longer shown anywhere
        ("MK106", "manual/08-appendix.md", 1),  # no attachment-list directive
        ("MK101", "manual/08-appendix.md", 12),  # hand-typed list names F-04-09, which is no form
        ("MK107", "data/forms.yaml", 4),  # F-04-01 not cited in chapter 4 any more
    }
    report = run_checks(root, today=TODAY, select=["MK101"])
    messages = [d.message for d in report.diagnostics]
    assert "unknown SLA 'complaint.general.reslove'; did you mean 'complaint.general.resolve'?" in messages


def test_deadlines_and_suppressions(tmp_path: Path) -> None:
    root = make_project(tmp_path, "deadlines")
    report = run_checks(root, today=TODAY, select=["MK0", "MK103", "MK104", "MK105"])
    got = [(d.code, d.location.line, d.location.column) for d in report.diagnostics]
    assert got == [
        ("MK103", 22, 48),  # 10个工作日 in the sentence citing complaint.general.resolve (7)
        ("MK104", 22, 61),  # 10个工作日 restates complaint.handling.total
        ("MK104", 24, 9),  # 七个工作日 (Chinese numeral) restates complaint.general.resolve
        ("MK001", 29, 1),  # suppression without a reason
        ("MK105", 30, 7),  # 两小时: no hour SLA in this section
        ("MK105", 32, 11),  # 30天: no calendar-day SLA in this section
    ]
    mk103 = report.diagnostics[0]
    assert mk103.format() == (
        "manual/04-complaints.md:22:48: error MK103 deadline contradicts SLA complaint.general.resolve: "
        "prose says 10个工作日, data says 7个工作日"
    )
    # 十五个工作日 on line 27 is suppressed with a reason and counted, not shown.
    assert [(d.code, d.location.line) for d in report.suppressed] == [("MK103", 27)]
    assert "1 suppressed" in report.summary()


def test_placeholders_left_for_later_are_errors_where_they_would_be_printed(tmp_path: Path) -> None:
    """ "（待补充检查事项）" from the checklist scaffold, or a TODO in a paragraph, was published as
    it stood; 待核实 (a citation's printed status), inline code and % comments are not placeholders."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    added = (
        "受理后的回访安排（待补充）。参考文件（待核实）。\n\n"
        "% TODO 待补充回访话术\n\n"
        "系统字段写作`TODO_FLAG`，与 TODOS 无关；本段 TBD。\n"
    )
    chapter.write_text(text + "\n" + added, encoding="utf-8")
    checklists = root / "data" / "checklists.yaml"
    items = checklists.read_text(encoding="utf-8")
    item = "    - {text: 已在时限内办结, sla: complaint.general.resolve}\n"
    assert item in items
    checklists.write_text(items.replace(item, item + "    - {text: （待补充检查事项）}\n"), encoding="utf-8")
    report = run_checks(root, today=TODAY, select=["MK615", "MK616"])
    lines = chapter.read_text(encoding="utf-8").split("\n")
    first = lines.index("受理后的回访安排（待补充）。参考文件（待核实）。") + 1
    last = first + 4
    data_line = (
        checklists.read_text(encoding="utf-8").split("\n").index("    - {text: （待补充检查事项）}") + 1
    )
    got = [
        (d.code, Path(d.location.path).name, d.location.line, d.location.column) for d in report.diagnostics
    ]
    assert got == [
        ("MK616", "checklists.yaml", data_line, len("    - {text: ") + 1),
        ("MK615", "04-complaints.md", first, lines[first - 1].index("待补充") + 1),
        ("MK615", "04-complaints.md", last, lines[last - 1].index("TBD") + 1),
    ]
    data, prose, _ = (d.format() for d in report.diagnostics)
    assert "error MK616 checklist CL-04-01: placeholder '待补充' would be printed in every output" in data
    assert "placeholder '待补充' would be printed in every output: found “受理后的回访安排（待补充）" in prose


def test_pictures_without_a_text_alternative_are_reported(tmp_path: Path) -> None:
    """A screen reader says nothing for ![](x.png) and reads a drawing's DOT code aloud."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    added = [
        "![](img/intake.png) 和 ![投诉登记界面](img/form.png)，代码 `![](x.png)` 不是图片。",
        "",
        ":::{figure} img/flow.png",
        "受理流程",
        ":::",
        "",
        "```{graphviz}",
        ":alt: 回访流程图",
        "digraph { a -> b }",
        "```",
        "",
        "```{graphviz}",
        "digraph { c -> d }",
        "```",
    ]
    text = chapter.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    first = text.count("\n") + 1
    chapter.write_text(text + "\n".join(added) + "\n", encoding="utf-8")
    report = run_checks(root, today=TODAY, select=["MK617"])
    got = [(d.location.line, d.location.column) for d in report.diagnostics]
    assert got == [(first, 1), (first + 2, len(":::") + 1), (first + 11, len("```") + 1)]  # at the name
    messages = [d.message for d in report.diagnostics]
    assert "figure {figure} img/flow.png has no text alternative: expected an :alt: option" in messages[1]
    assert messages[2].startswith("drawing {graphviz} has no text alternative")


def test_settlement_days_are_working_days(tmp_path: Path) -> None:
    """T+7日 means seven working days after the day of the transaction, not seven calendar days:
    it agrees with a 7-working-day SLA (it was reported as a calendar-day deadline no SLA of
    the section has) and contradicts a 10-working-day reading as prose would."""
    root = make_project(tmp_path, "deadlines")
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    written = "最迟不超过10个工作日。"
    assert written in text
    chapter.write_text(text.replace(written, "最迟不超过T+7日。"), encoding="utf-8")
    report = run_checks(root, today=TODAY, select=["MK103", "MK105"])
    assert [d.location.line for d in report.diagnostics if d.location.line == 22] == []
    chapter.write_text(text.replace(written, "最迟不超过T+10日。"), encoding="utf-8")
    report = run_checks(root, today=TODAY, select=["MK103"])
    [contradiction] = [d for d in report.diagnostics if d.location.line == 22 and d.location.column == 48]
    assert contradiction.message == (
        "deadline contradicts SLA complaint.general.resolve: prose says T+10日, data says 7个工作日"
    )


#: The nested fixture: 4 投诉处理 › 4.2 complaint-handling (SLAs) › 4.2.1 complaint-handling-rules ›
#: 4.2.1.x complaint-general-rules / (unlabelled) 材料归档 / complaint-urgent-rules; then 4.3
#: complaint-callback, a sibling of 4.2 with no SLAs.
NESTED_CHAPTER = "manual/04-complaints.md"
_HANDLING_WORKING_DAYS = (
    "SLAs complaint.general.resolve, complaint.urgent.resolve, complaint.major.resolve, "
    "complaint.handling.total"
)


def test_deadlines_in_subsections_follow_the_enclosing_sections_slas(tmp_path: Path) -> None:
    """An SLA attached to a section governs the prose of its subsections at any depth."""
    root = make_project(tmp_path, "nested")
    report = run_checks(root, today=TODAY, select=["MK0", "MK103", "MK104", "MK105"])
    got = [(d.code, d.location.line, d.location.column) for d in report.diagnostics]
    assert got == [
        ("MK103", 40, 8),  # grandchild 一般投诉: 15个工作日 against complaint-handling's SLAs
        # line 42 (the same statement through {sla}`complaint.general.resolve`): no finding
        ("MK104", 44, 8),  # 7个工作日 restated in the grandchild, as it would be in 4.2 itself
        ("MK103", 48, 8),  # under an unlabelled heading: still inside complaint-handling-rules
        ("MK103", 53, 8),  # 紧急投诉 named: 7个工作日 against the urgent SLA (2), not major's 7
        ("MK104", 53, 25),  # 保存5年 = record.retention, attached to the grandparent
        ("MK105", 58, 6),  # complaint-callback is a sibling of complaint-handling, not a child
    ]
    # The sentence names 一般投诉: measured against that SLA alone.
    assert report.diagnostics[0].format() == (
        f"{NESTED_CHAPTER}:40:8: error MK103 deadline contradicts SLA complaint.general.resolve: "
        "prose says 15个工作日, data says 7个工作日"
    )
    # An unnamed subject is measured against every SLA of the section (line 48: 材料归档).
    assert report.diagnostics[2].message.startswith(f"deadline contradicts {_HANDLING_WORKING_DAYS}")
    assert report.diagnostics[-1].message == (
        "duration '15个工作日' is not backed by an SLA of that unit in section complaint-callback "
        "or the sections enclosing it"
    )


def test_consistent_deadline_in_a_grandchild_section_is_not_reported(tmp_path: Path) -> None:
    """A statement agreeing with the grandparent's SLA is no contradiction and not unbacked.

    Before subsections inherited their ancestors' SLAs, both lines below gave MK105 (no SLA of
    that unit in the section); now the number agrees and only the usual restating note remains.
    """
    root = make_project(tmp_path, "nested")
    chapter = root / NESTED_CHAPTER
    text = chapter.read_text(encoding="utf-8")
    wrong = "一般投诉应当在15个工作日内处理完毕。"
    assert wrong in text
    chapter.write_text(text.replace(wrong, "一般投诉应当在7个工作日内处理完毕。"), encoding="utf-8")
    report = run_checks(root, today=TODAY, select=["MK103", "MK105"])
    # Lines 40 and 44 agree with complaint.general.resolve / complaint.major.resolve (7个工作日),
    # line 42 uses the role: no finding; the planted faults further down are still reported.
    assert [(d.code, d.location.line) for d in report.diagnostics] == [
        ("MK103", 48),
        ("MK103", 53),
        ("MK105", 58),
    ]
    # A restated number is no error, only the warning it would get in 4.2 itself.
    restated = run_checks(root, today=TODAY, select=["MK104"]).diagnostics
    assert [(d.location.line, d.location.column) for d in restated if d.location.line < 48] == [
        (40, 8),
        (44, 8),
    ]


def test_a_subsections_own_slas_take_precedence_per_unit_family(tmp_path: Path) -> None:
    """When child and parent both name SLAs, the nearest section with SLAs of that family governs."""
    root = make_project(tmp_path, "nested")
    slas = root / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    urgent = "  name: 紧急投诉处理时限\n  duration: {value: 2, unit: working_days}\n  start: 受理\n"
    entry = urgent + "  end: 办结\n  owner: complaint.handler\n  section: complaint-handling\n"
    assert entry in text
    slas.write_text(text.replace(entry, entry.replace("complaint-handling", "complaint-urgent-rules")))
    report = run_checks(root, today=TODAY, select=["MK103", "MK104", "MK105"])
    by_position = {(d.location.line, d.location.column): d for d in report.diagnostics}
    # 紧急投诉 (complaint-urgent-rules) has its own working-day SLA: 7个工作日 contradicts it, even
    # though complaint.general.resolve in the parent section is 7 working days.
    urgent_7 = by_position[(53, 8)]
    assert (urgent_7.code, urgent_7.message) == (
        "MK103",
        "deadline contradicts SLA complaint.urgent.resolve: prose says 7个工作日, data says 2个工作日",
    )
    # It has no SLA in years, so 保存5年 still falls through to the grandparent's retention SLA.
    assert by_position[(53, 25)].code == "MK104"
    assert "record.retention" in by_position[(53, 25)].message
    # The sibling 一般投诉 section no longer sees the moved SLA.
    assert "complaint.urgent.resolve" not in by_position[(40, 8)].message
    assert by_position[(40, 8)].code == "MK103"


def test_section_ancestry_follows_heading_levels(tmp_path: Path) -> None:
    from manualkit.checks.context import CheckContext
    from manualkit.checks.datapos import DataPositions
    from manualkit.checks.source import parse_manual
    from manualkit.loader import load_source

    root = make_project(tmp_path, "nested")
    source = load_source(root / "data", root=root)
    assert source.data is not None
    documents, _ = parse_manual(root / "manual", root)
    positions = DataPositions.from_source(root, root / "data", source)
    ctx = CheckContext(root, source.data, documents, TODAY, positions)
    [doc] = [d for d in documents if d.path == NESTED_CHAPTER]
    assert ctx.enclosing_sections(doc, "complaint-general-rules") == (
        "complaint-general-rules",
        "complaint-handling-rules",
        "complaint-handling",
        "complaints",
    )
    assert ctx.enclosing_sections(doc, "complaint-callback") == ("complaint-callback", "complaints")
    assert ctx.enclosing_sections(doc, "complaints") == ("complaints",)
    assert ctx.enclosing_sections(doc, None) == ()
    # Prose under the unlabelled 材料归档 heading belongs to the nearest labelled section.
    [block] = [b for b in doc.blocks if "投诉材料" in b.source]
    assert block.section == "complaint-handling-rules"


def test_unused_suppression_is_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        text.replace("(complaint-handling)=", "% manualkit: ignore MK103 -- 无用\n(complaint-handling)=")
    )
    report = run_checks(root, today=TODAY, ignore=NOT_OURS)
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("MK002", 19)]


@pytest.mark.parametrize("dash", ["——", "—", "－－"])
def test_a_suppression_may_separate_its_reason_with_a_chinese_dash(tmp_path: Path, dash: str) -> None:
    """A Chinese input method types —— for "--": the suppression was read as naming the rule
    "——" (MK001); it is a valid suppression (here unused, MK002)."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        text.replace(
            "(complaint-handling)=", f"% manualkit: ignore MK103，MK104 {dash} 无用\n(complaint-handling)="
        )
    )
    report = run_checks(root, today=TODAY, ignore=NOT_OURS)
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("MK002", 19)]


def test_forms(tmp_path: Path) -> None:
    root = make_project(tmp_path, "forms")
    assert findings(root, ["MK2"]) == {
        ("MK201", "data/processes.yaml", 15),  # step resolve: form lacks the resolve deadline field
        ("MK202", "data/forms.yaml", 3),  # purpose prints 保存3年, retention SLA is 至少5年
        ("MK202", "data/forms.yaml", 11),  # label prints 48小时, the field's own SLA is 24小时
        ("MK202", "data/forms.yaml", 15),  # note prints 10个工作日, SLA is 7
    }
    messages = {
        d.location.line: d.message for d in run_checks(root, today=TODAY, select=["MK202"]).diagnostics
    }
    assert messages[11] == "form F-04-01 prints '48小时' but the SLA says complaint.general.respond = 24小时"


def test_processes(tmp_path: Path) -> None:
    root = make_project(tmp_path, "processes")
    assert findings(root, ["MK2"]) == {
        ("MK203", "data/processes.yaml", 5),  # 30 + 7 working days > 6
        ("MK204", "data/processes.yaml", 13),  # escalate unreachable
        ("MK205", "data/slas.yaml", 3),  # respond 30 wd > resolve 7 wd
        ("MK206", "data/slas.yaml", 20),  # urgent 9 wd not < general 7 wd
    }


def test_a_response_sla_answers_to_the_repair_of_its_enclosing_class(tmp_path: Path) -> None:
    """fault.support.respond (6 hours) after fault.repair (4 hours) passed: only same-class pairs."""
    root = make_project(tmp_path)
    slas = root / "data" / "slas.yaml"
    extra = (
        "\n- id: fault.repair\n  name: 故障修复时限\n  duration: {value: 4, unit: hours}\n"
        "  start: 报告\n  end: 修复\n  owner: cs.manager\n  section: complaint-handling\n"
        "\n- id: fault.support.respond\n  name: 故障响应时限\n  duration: {value: 6, unit: hours}\n"
        "  start: 报告\n  end: 响应\n  owner: cs.manager\n  section: complaint-handling\n"
    )
    slas.write_text(slas.read_text(encoding="utf-8") + extra, encoding="utf-8")
    found = [d.message for d in run_checks(root, select=["MK205"]).diagnostics]
    assert found == ["fault.support.respond (6小时) may end after fault.repair (4小时)"]


def test_process_budget_in_mixed_units_reports_receipt_dates(tmp_path: Path) -> None:
    """24 hours + 7 working days against 10 calendar days: late around the long holidays only."""
    from manualkit.checks.timing import compact_dates

    root = make_project(tmp_path)
    slas = root / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    total = (
        "- id: complaint.handling.total\n  name: 投诉处理总时限\n  duration: {value: 10, unit: working_days}"
    )
    assert total in text
    slas.write_text(text.replace(total, total.replace("working_days", "calendar_days")), encoding="utf-8")
    report = run_checks(root, today=TODAY, select=["MK203"])
    resolve = [d for d in report.diagnostics if "receive → assess → resolve" in d.message]
    assert len(resolve) == 1 and resolve[0].location.path == "data/processes.yaml"

    # Independent oracle: the first step's 24 hours end the next day, then 7 working days follow.
    def ends_late(receipt: dt.date) -> int | None:
        end = _nth_working_day(receipt + dt.timedelta(days=1), 7)
        return (end - receipt).days if (end - receipt).days > 10 else None

    upcoming = [
        TODAY + dt.timedelta(days=i) for i in range(365) if TODAY + dt.timedelta(days=i) < dt.date(2027, 1, 1)
    ]
    recent = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range((TODAY - dt.date(2024, 1, 1)).days)]
    late = [d for d in upcoming if ends_late(d)]
    assert late, "the planted budget must overrun around Spring Festival / National Day"
    spans = {d: span for d in [*recent, *upcoming] if (span := ends_late(d))}
    worst_day, worst = max(spans.items(), key=lambda kv: (kv[1], kv[0]))
    assert f"worst case {worst} days (receipt on {worst_day.isoformat()})" in resolve[0].message
    assert resolve[0].message.endswith(f"for receipt on {compact_dates(list(late))}")


def _nth_working_day(receipt: dt.date, n: int) -> dt.date:
    import chinese_calendar

    day = receipt
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def _independent_late_dates(start: dt.date, days: int, working: int, limit: int) -> list[dt.date]:
    """Receipt dates on which ``working`` working days end after ``limit`` calendar days."""
    receipts = [start + dt.timedelta(days=offset) for offset in range(days)]
    return [r for r in receipts if (_nth_working_day(r, working) - r).days > limit]


def test_regulatory_ceiling_lists_the_late_receipt_dates(tmp_path: Path) -> None:
    from manualkit.checks.timing import compact_dates

    root = make_project(tmp_path, "calendar")
    report = run_checks(root, today=TODAY, select=["MK11"])
    by_code = {d.code: d for d in report.diagnostics}
    # A malformed data/holidays.yaml is a data error now (test_loader), reported before any rule runs.
    assert set(by_code) == {"MK112"}
    expected = _independent_late_dates(TODAY, 365, 7, 15)
    assert expected, "the fixture must plant a Spring Festival / National Day overrun"
    assert by_code["MK112"].location.path == "data/slas.yaml"
    assert by_code["MK112"].location.line == 10
    assert by_code["MK112"].message.endswith(f"for receipt on {compact_dates(list(expected))}")
    # The worst case is judged over the recent covered years too (2024–2026 here).
    history = _independent_late_dates(dt.date(2024, 1, 1), (TODAY - dt.date(2024, 1, 1)).days, 7, 15)
    spans = {d: (_nth_working_day(d, 7) - d).days for d in [*history, *expected]}
    worst_day, worst = max(spans.items(), key=lambda kv: (kv[1], kv[0]))
    assert f"worst case {worst} days (receipt on {worst_day.isoformat()})" in by_code["MK112"].message


def test_a_past_overrun_says_the_coming_months_were_not_checked_past_the_calendar(tmp_path: Path) -> None:
    """Checked on a day after the calendar's last year, "none found in the next twelve months as
    far as the calendar covers them" read like a pass: nothing in those months was dated."""
    root = make_project(tmp_path, "calendar")
    (root / "data" / "holidays.yaml").unlink()  # (its 2031 schedule leaves a gap of years)
    report = run_checks(root, today=dt.date(2027, 6, 1), select=["MK112"])
    (finding,) = report.diagnostics
    assert finding.message.endswith(
        "the next twelve months could not be checked: the calendar ends on 2026-12-31"
    )
    assert "worst case" in finding.message


def _set_duration(root: Path, sla_id: str, duration: str) -> None:
    """Give SLA ``sla_id`` of the project's data/slas.yaml the flow mapping ``duration``."""
    slas = root / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    head, _, rest = text.partition(f"- id: {sla_id}\n")
    assert rest, sla_id
    line_start = rest.index("  duration: ")
    line_end = rest.index("\n", line_start)
    rest = f"{rest[:line_start]}  duration: {duration}{rest[line_end:]}"
    slas.write_text(f"{head}- id: {sla_id}\n{rest}", encoding="utf-8")


def _set_limit(root: Path, duration: str, extended: str | None = None) -> None:
    """Replace complaint.general.resolve's regulatory limit (30 calendar days in the fixture)."""
    slas = root / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    old = "    duration: {value: 30, unit: calendar_days}\n"
    assert text.count(old) == 1
    new = f"    duration: {duration}\n" + (f"    extended: {extended}\n" if extended else "")
    slas.write_text(text.replace(old, new), encoding="utf-8")


def test_a_deadline_beyond_the_calendar_is_still_judged_against_its_limit(tmp_path: Path) -> None:
    """1000 working days run past every covered year, yet are longer than 30 calendar days."""
    root = make_project(tmp_path)
    _set_duration(root, "complaint.general.resolve", "{value: 1000, unit: working_days}")
    report = run_checks(root, today=TODAY, select=["MK112", "MK113"])
    assert [(d.code, d.severity, d.location.path, d.location.line) for d in report.diagnostics] == [
        ("MK112", "error", "data/slas.yaml", 10)
    ]
    message = report.diagnostics[0].message
    assert "whatever the holidays: 1000个工作日 lasts at least 1000 days, 30天 at most 30" in message
    assert "official holiday schedules for 2004–2026" in message


def test_a_ceiling_the_calendar_and_the_bounds_cannot_decide_is_a_warning(tmp_path: Path) -> None:
    """1000 working days take 1000–1480 calendar days: against 1450 days only a calendar could tell."""
    root = make_project(tmp_path)
    _set_duration(root, "complaint.general.resolve", "{value: 1000, unit: working_days}")
    _set_limit(root, "{value: 1450, unit: calendar_days}")
    report = run_checks(root, today=TODAY, select=["MK112", "MK113"])
    assert [
        (d.code, d.severity, d.location.path, d.location.line, d.location.column) for d in report.diagnostics
    ] == [("MK112", "warning", "data/slas.yaml", 10, 13)]
    message = report.diagnostics[0].message
    assert message.startswith(
        "complaint.general.resolve (1000个工作日) could not be checked against the regulatory limit "
        "1450天 of rule.complaints: "
    )
    assert "official holiday schedules for 2004–2026" in message
    assert "without it 1000个工作日 can take 1000–1480 days, 1450天 1450." in message
    assert "data/holidays.yaml" in message


def test_the_ordinary_limit_that_cannot_be_decided_is_a_warning_too(tmp_path: Path) -> None:
    """Within the extension whatever the holidays (MK112 silent), undecided against the ordinary limit."""
    root = make_project(tmp_path)
    _set_duration(root, "complaint.general.resolve", "{value: 1000, unit: working_days}")
    _set_limit(root, "{value: 1450, unit: calendar_days}", extended="{value: 2000, unit: calendar_days}")
    report = run_checks(root, today=TODAY, select=["MK112", "MK113"])
    assert [(d.code, d.severity, d.location.line) for d in report.diagnostics] == [("MK113", "warning", 10)]
    assert "could not be checked against the ordinary limit 1450天" in report.diagnostics[0].message


@pytest.mark.parametrize("unit", ["months", "years"])
def test_a_process_path_beyond_the_calendar_is_still_judged(tmp_path: Path, unit: str) -> None:
    """3 years + 7 working days: the working days start past the covered years, as 3 months' do not."""
    root = make_project(tmp_path)
    _set_duration(root, "complaint.general.respond", f"{{value: 3, unit: {unit}}}")
    report = run_checks(root, today=TODAY, select=["MK203"])
    found = [(d.severity, d.location.path, d.location.line) for d in report.diagnostics]
    assert found == [("error", "data/processes.yaml", 5)] * 2  # via escalate and via resolve
    if unit == "years":
        assert all("whatever the holidays: it takes at least" in d.message for d in report.diagnostics)


def test_a_process_path_the_calendar_and_the_bounds_cannot_decide_is_a_warning(tmp_path: Path) -> None:
    """24 hours + 1000 working days take 1001–1481 days: against 1450 days only a calendar could tell."""
    root = make_project(tmp_path)
    _set_duration(root, "complaint.general.resolve", "{value: 1000, unit: working_days}")
    _set_duration(root, "complaint.handling.total", "{value: 1450, unit: calendar_days}")
    report = run_checks(root, today=TODAY, select=["MK203"])
    assert [(d.severity, d.location.path, d.location.line) for d in report.diagnostics] == [
        ("warning", "data/processes.yaml", 5)
    ]
    message = report.diagnostics[0].message
    assert message.startswith(
        "path receive → assess → resolve → close (24小时 + 1000个工作日) could not be checked against the "
        "process SLA complaint.handling.total (1450天): "
    )
    assert "official holiday schedules for 2004–2026" in message
    assert "without it the path can take 1001–1481 days, the SLA 1450." in message


def test_calendar_coverage_warning(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    report = run_checks(root, today=dt.date(2026, 6, 1), select=["MK110"])
    assert [(d.code, d.severity, d.location.path) for d in report.diagnostics] == [
        ("MK110", "warning", "data/holidays.yaml")
    ]
    assert "2027" in report.diagnostics[0].message


def test_figures(tmp_path: Path) -> None:
    root = make_project(tmp_path, "figures")
    assert findings(root, ["MK30"]) == {
        ("MK301", "data/shares.yaml", 6),  # 65 + 25 + 10 + 10
        ("MK302", "manual/04-complaints.md", 16),  # 60% + 30% + 15%
    }


def test_citations(tmp_path: Path) -> None:
    root = make_project(tmp_path, "citations")
    report = run_checks(root, today=TODAY, select=["MK303", "MK304", "MK305"])
    got = {(d.code, d.location.line, d.location.column) for d in report.diagnostics}
    assert got == {("MK305", 9, 59), ("MK304", 9, 78), ("MK303", 9, 89)}
    superseded = next(d for d in report.diagnostics if d.code == "MK304")
    assert "银行业保险业消费投诉处理管理办法" in superseded.message  # names the successor
    # Printed data text cites regulations too (a form note here).
    forms = root / "data" / "forms.yaml"
    note = "    - 一般投诉应在7个工作日内办结。\n"
    forms.write_text(
        forms.read_text(encoding="utf-8").replace(note, note + "    - 依据《客户投诉暂行规定》填写。\n"),
        encoding="utf-8",
    )
    report = run_checks(root, today=TODAY, select=["MK303"])
    assert ("MK303", "data/forms.yaml", 16) in {
        (d.code, d.location.path, d.location.line) for d in report.diagnostics
    }


def test_personal_data(tmp_path: Path) -> None:
    root = make_project(tmp_path, "personal")
    # line 18 holds only masked placeholders (and an ID-like number with a wrong check digit);
    # line 22 only masked mobiles, service hotlines and landline numbers
    assert findings(root, ["MK4"]) == {
        ("MK401", "manual/04-complaints.md", 16),
        ("MK402", "manual/04-complaints.md", 16),
        ("MK403", "manual/04-complaints.md", 16),
        ("MK404", "manual/04-complaints.md", 16),
        ("MK402", "manual/04-complaints.md", 20),
        ("MK404", "data/roles.yaml", 3),
    }


def test_mobile_numbers_with_separators_are_personal_data(tmp_path: Path) -> None:
    root = make_project(tmp_path, "personal")
    report = run_checks(root, today=TODAY, select=["MK402"])
    got = [(d.location.line, d.location.column) for d in report.diagnostics]
    assert got == [
        (16, 36),  # 13812345678
        (20, 6),  # 138 1234 5678
        (20, 20),  # 139-1234-5678
        (20, 34),  # +86 139 1234 5678
        (20, 52),  # +86-139-1234-5678
        (20, 70),  # (+86)13912345678
        (20, 87),  # （+86）139 1234 5678
        (20, 106),  # 0086 13912345678
    ]
    assert report.diagnostics[4].format() == (
        "manual/04-complaints.md:20:52: error MK402 real-looking personal data: mobile number 139… "
        "— use a masked placeholder"
    )


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("手机13812345678。", 2),
        ("手机138 1234 5678。", 2),
        ("手机138-1234-5678。", 2),
        ("手机138 12345678", 2),
        ("+86 139 1234 5678", 0),
        ("+86-139-1234-5678", 0),
        ("+8613912345678", 0),
        ("(+86)13912345678", 0),
        ("（+86） 139-1234-5678", 0),
        ("电话：0086-139-1234-5678", 3),
    ],
)
def test_mobile_number_forms(text: str, column: int) -> None:
    from manualkit.checks.rules_personal import scan_line

    assert [(code, col) for code, col, _ in scan_line(text)] == [("MK402", column)]


@pytest.mark.parametrize(
    "text",
    [
        "138****0000",
        "138 **** 0000",
        "+86 138****0000",
        "客服热线95588",
        "400-820-8888",
        "400 820 8888",
        "4008208888",
        "010-12345678",  # landline numbers are institutional here, not MK402's business
        "0755-1234 5678",
        "+86 10 1234 5678",
        "1381234567890",  # 13 digits: not a mobile number
        "138 1234 56789",
        "6222 1381 2345 6788",  # grouped like a card (fails Luhn): no mobile inside
    ],
)
def test_not_mobile_numbers(text: str) -> None:
    from manualkit.checks.rules_personal import scan_line

    assert list(scan_line(text)) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Ways a real number was written that passed the checker.
        ("身份证号 110105 19900307 1239", "MK401"),
        ("110105-19900307-1239", "MK401"),
        ("旧身份证 110105900307123", "MK401"),  # 15 digits, before 1999
        ("手机 138.1234.5678", "MK402"),
        ("手机 1381 2345 678", "MK402"),
        ("手机 １３８１２３４５６７８", "MK402"),  # full-width digits
        ("卡号 622202 1234567890128", "MK403"),
    ],
)
def test_personal_data_in_other_notations(text: str, code: str) -> None:
    from manualkit.checks.rules_personal import scan_line

    assert [found for found, _col, _what in scan_line(text)] == [code]


@pytest.mark.parametrize(
    "text",
    [
        "投诉编号示例：2024112900000010",  # Luhn-valid by chance, but no card issuer starts so
        "短信服务号码1065502010095581",
        "合同号 202411290123456",  # 15 digits, but 20 is no province code
        "受理编号 110105991332123",  # 15 digits with an impossible birth date
    ],
)
def test_numbers_that_are_not_personal_data(text: str) -> None:
    from manualkit.checks.rules_personal import scan_line

    assert list(scan_line(text)) == []


def test_review_cycle(tmp_path: Path) -> None:
    root = make_project(tmp_path, "review")
    assert findings(root, ["MK5"]) == {
        ("MK501", "manual/04-complaints.md", 1),  # no review_due
        ("MK502", "manual/04-complaints.md", 2),  # owner cs.director is no role
        ("MK503", "manual/08-appendix.md", 3),  # 2025-11-01 < today
    }
    # With an earlier "today" the appendix is not overdue.
    report = run_checks(root, today=dt.date(2025, 10, 1), select=["MK503"])
    assert report.diagnostics == ()


def test_style(tmp_path: Path) -> None:
    root = make_project(tmp_path, "style")
    report = run_checks(root, today=TODAY, select=["MK6"])
    got = {(d.code, d.location.line, d.location.column) for d in report.diagnostics}
    assert got == {
        ("MK601", 14, 1),  # 顾客 → 客户 (House.Terms)
        ("MK602", 16, 5),  # 应尽快 (House.VagueTime)
        ("MK602", 16, 22),  # 零风险 (House.Banned)
        ("MK602", 18, 2),  # 费须经 (House.Obligation; 必须, 无须 and 须知 on that line are not)
        ("MK610", 20, 5),  # CSAT spacing and half-width comma (autocorrect)
        ("MK603", 20, 23),  # "2026 年": no space between digits and Chinese
    }
    terms = next(d for d in report.diagnostics if d.code == "MK601")
    assert "House.Terms" in terms.message and "客户" in terms.message


def test_vale_rule_semantics(tmp_path: Path) -> None:
    """nonword: false wraps tokens in ASCII \\b (so Chinese never matches); ignorecase; level."""
    from manualkit.checks.vale import load_vale

    styles = tmp_path / "styles" / "T"
    styles.mkdir(parents=True)
    (tmp_path / ".vale.ini").write_text("StylesPath = styles\n[*.md]\nBasedOnStyles = T\nT.Off = NO\n")
    (styles / "Word.yml").write_text(
        "extends: existence\nmessage: '%s'\nlevel: suggestion\nignorecase: true\ntokens: [asap, 尽快]\n"
    )
    (styles / "Off.yml").write_text("extends: existence\nmessage: x\ntokens: [a]\n")
    config = load_vale(tmp_path)
    assert config is not None
    assert [r.name for r in config.rules] == ["T.Word"]
    rule_ = config.rules[0]
    assert rule_.severity == "info"
    assert [m.message for m in rule_.find("Reply ASAP, 尽快 please; asapx")] == ["ASAP"]


def test_select_and_ignore_prefixes(tmp_path: Path) -> None:
    root = make_project(tmp_path, "figures")
    assert {d.code for d in run_checks(root, today=TODAY, select=["MK3"], ignore=NOT_OURS).diagnostics} == {
        "MK301",
        "MK302",
    }
    assert {d.code for d in run_checks(root, today=TODAY, select=["MK3"], ignore=["MK302"]).diagnostics} == {
        "MK301"
    }


def test_json_output_validates_against_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, "deadlines")
    options = ["--format", "json", "--ignore", "MK6,MK7"]
    code = main(["check", "--project", str(root), "--today", TODAY.isoformat(), *options])
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert document["summary"] == {"errors": 2, "warnings": 4, "info": 0, "suppressed": 1}
    assert document["findings"][0]["code"] == "MK103"


def append_paragraph(root: Path, paragraph: str) -> int:
    """Add ``paragraph`` at the end of the fixture's chapter 4; return its line number."""
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(f"{text}\n{paragraph}\n", encoding="utf-8")
    return text.count("\n") + 2


def test_cross_reference_to_an_undefined_section_label(tmp_path: Path) -> None:
    """{ref} targets are section labels: a typo is MK101 at the role, not a build-time surprise."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root, "见“{ref}`受理 <complaint-intak>`”和“{ref}`complaint-handling`”，索引见{ref}`genindex`。"
    )
    findings = [d.format() for d in run_checks(root, today=TODAY, select=["MK101"]).diagnostics]
    assert findings == [
        f"manual/04-complaints.md:{line}:3: error MK101 unknown section label 'complaint-intak'; "
        "did you mean 'complaint-intake'?"
    ]


def test_raw_html_in_prose_is_reported_where_it_would_print_as_text(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        '红字<span style="color:red">提示</span>；示例 `<br>`，链接 <https://example.com>，比例 <5%，'
        "按 <Enter> 键或 <Ctrl> 键确认。",  # keys, not HTML elements: printed as meant
    )
    findings = [
        (d.location.line, d.location.column, d.message)
        for d in run_checks(root, select=["MK611"]).diagnostics
    ]
    assert [(ln, col) for ln, col, _ in findings] == [(line, 3), (line, 29)]
    assert findings[0][2].startswith("raw HTML '<span style=\"color:red\">' is shown as literal text")


def test_checklists_processes_and_sla_names_print_the_sla_deadlines(tmp_path: Path) -> None:
    """Checklists and flowcharts were never compared with the SLAs: 8 against 7 passed silently."""
    root = make_project(tmp_path)
    data = root / "data"
    for name, old, new in [
        ("checklists.yaml", "已在时限内办结", "已在8个工作日内办结"),
        (
            "processes.yaml",
            "{to: resolve, when: 一般投诉}",
            "{to: resolve, when: 一般投诉8个工作日内处理完毕}",
        ),
        ("processes.yaml", "name: 调查处理,", "name: 调查处理（7个工作日）,"),  # agrees: no finding
        ("slas.yaml", "name: 一般投诉处理时限\n", "name: 一般投诉处理时限（十个工作日）\n"),
    ]:
        path = data / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    found = sorted(d.format() for d in run_checks(root, select=["MK207"]).diagnostics)

    want = "but the SLA says complaint.general.resolve = 7个工作日"
    assert [f.split(": error MK207 ")[1] for f in found] == [
        f"checklist CL-04-01 prints '8个工作日' {want}",
        f"process complaint.handling step assess prints '8个工作日' {want}",
        f"SLA complaint.general.resolve prints '十个工作日' {want}",
    ]
    assert [f.split(": ")[0].rsplit(":", 2)[0] for f in found] == [
        "data/checklists.yaml",
        "data/processes.yaml",
        "data/slas.yaml",
    ]


def test_form_numbers_typed_into_printed_data_text_must_exist(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    checklists = root / "data" / "checklists.yaml"
    text = checklists.read_text(encoding="utf-8")
    checklists.write_text(text.replace("已在时限内办结", "已在时限内办结并填写F-09-01", 1), encoding="utf-8")
    found = [d.format() for d in run_checks(root, select=["MK101"]).diagnostics]
    assert len(found) == 1 and found[0].startswith("data/checklists.yaml:")
    assert "unknown form 'F-09-01'" in found[0]


def test_personal_data_in_a_template_is_found(tmp_path: Path) -> None:
    """A template prints on every checklist or page: an ID number there is everywhere."""
    root = make_project(tmp_path)
    template = root / "templates" / "fragments" / "checklist.md.j2"
    template.parent.mkdir(parents=True)
    template.write_text("{{ checklist.title }}\n\n示例：客户身份证号110105199003071239\n", encoding="utf-8")
    found = [d.format() for d in run_checks(root, select=["MK401"]).diagnostics]
    assert [f.split(" error ")[0] for f in found] == ["templates/fragments/checklist.md.j2:3:10:"]


def test_the_institutions_own_mailbox_is_a_channel_not_personal_data(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    meta = root / "data" / "manual.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8") + "institution_email_domains: [bank.com.cn]\n", encoding="utf-8"
    )
    line = append_paragraph(
        root, "投诉邮箱：tousu@bank.com.cn、tousu@cs.bank.com.cn；客户来信 zhang.san@gmail.com。"
    )
    found = [(d.location.line, d.message) for d in run_checks(root, select=["MK404"]).diagnostics]
    assert found == [
        (line, "real-looking personal data: e-mail address zhang.san@gmail.com — use a masked placeholder")
    ]


def test_a_suppression_naming_no_rule_silences_nothing(tmp_path: Path) -> None:
    """`ignore MK` hid an ID number and a wrong deadline together."""
    root = make_project(tmp_path)
    line = append_paragraph(root, "% manualkit: ignore MK -- 全部\n客户身份证号110105199003071239。")
    report = run_checks(root, select=["MK001", "MK002", "MK401"])
    found = [(d.code, d.location.line) for d in report.diagnostics]
    assert found == [("MK001", line), ("MK401", line + 1)]
    assert "names no rule" in report.diagnostics[0].message and report.suppressed_count == 0


def test_an_svg_drawing_with_a_script_is_an_error_where_it_is_shown(tmp_path: Path) -> None:
    """check and build agree: the build refuses such a drawing, the check names it first."""
    root = make_project(tmp_path)
    svg = '<svg xmlns="http://www.w3.org/2000/svg">\n<rect width="4" height="2" onclick="steal()"/>\n</svg>\n'
    (root / "manual" / "bad.svg").write_text(svg, encoding="utf-8")
    (root / "manual" / "plain.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (root / "manual" / "bad copy.svg").write_text(svg, encoding="utf-8")
    paragraph = "流程见下图：![示意](plain.svg) ![受理流程](bad.svg) ![副本](<bad copy.svg>)"
    line = append_paragraph(root, paragraph)
    findings = [d.format() for d in run_checks(root, select=["MK612"]).diagnostics]
    # A target in angle brackets may hold a space: it was read up to the space and never checked.
    assert findings == [
        f"manual/04-complaints.md:{line}:{column}: error MK612 {name} contains an event handler (onclick=…) "
        "(line 2 of the SVG): the build refuses to publish it; export the drawing again without scripts"
        for column, name in ((24, "bad.svg"), (paragraph.index("![副本]") + 1, "bad copy.svg"))
    ]


def insert_in_section(root: Path, label: str, paragraph: str) -> int:
    """Add ``paragraph`` after the heading of section ``label`` in chapter 4; return its line."""
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    marker = f"({label})=\n"
    at = text.index("\n\n", text.index(marker) + len(marker)) + 2
    chapter.write_text(text[:at] + paragraph + "\n\n" + text[at:], encoding="utf-8")
    return text[:at].count("\n") + 1


def test_a_deadline_naming_its_subject_is_measured_against_that_sla(tmp_path: Path) -> None:
    """ "一般投诉…2个工作日" passed as a restatement of the urgent SLA (also 2 working days)."""
    root = make_project(tmp_path)
    line = insert_in_section(
        root,
        "complaint-handling",
        "一般投诉应当在2个工作日内处理完毕；紧急投诉应当在2个工作日内处理完毕；"
        "一般投诉转为紧急投诉的，2个工作日内处理。",
    )
    found = [
        (d.code, d.location.column, d.message)
        for d in run_checks(root, today=TODAY, select=["MK103", "MK104"]).diagnostics
        if d.location.line == line
    ]
    assert [(code, column) for code, column, _ in found] == [("MK103", 8), ("MK104", 26), ("MK104", 49)]
    assert found[0][2] == (
        "deadline contradicts SLA complaint.general.resolve: prose says 2个工作日, data says 7个工作日"
    )
    assert "complaint.urgent.resolve" in found[1][2]


def test_a_deadline_naming_a_subject_governed_elsewhere_is_still_checked(tmp_path: Path) -> None:
    """Outside the complaint-handling section, '一般投诉…8个工作日' was only an unbacked duration."""
    root = make_project(tmp_path)
    line = insert_in_section(
        root,
        "complaint-intake",
        "一般投诉应当在8个工作日内办结。重大投诉应当在7个工作日内办结。投诉材料应当在20个工作日内归档。",
    )
    found = [
        (d.code, d.location.column)
        for d in run_checks(root, today=TODAY, select=["MK103", "MK104", "MK105"]).diagnostics
        if d.location.line == line
    ]
    assert found == [("MK103", 8), ("MK104", 24), ("MK105", 40)]


def test_info_findings_are_counted_and_listed_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dozens of info lines buried the one error a writer had to see: listed with --show-info."""
    root = make_project(tmp_path, "deadlines")
    references = root / "data" / "references.yaml"
    references.write_text(
        references.read_text(encoding="utf-8")
        + "- id: rule.draft\n  title: 投诉处理办法（征求意见稿）\n"
        + "  issuer: 某监管机构\n  status: unverified\n",
        encoding="utf-8",
    )
    append_paragraph(root, "参照{reg}`rule.draft`和{reg}`rule.draft`执行。")  # two MK305 infos
    args = ["check", "--project", str(root), "--today", TODAY.isoformat(), "--ignore", "MK6,MK7"]
    assert main(args) == 1
    quiet = capsys.readouterr().out.splitlines()
    assert not [line for line in quiet if " info MK" in line]
    assert [line for line in quiet if " error MK103 " in line]
    summary = "2 error(s), 4 warning(s), 2 info, 1 suppressed"
    assert quiet[-1] == f"{summary} (info not listed: --show-info lists them)"
    assert main([*args, "--show-info"]) == 1
    full = capsys.readouterr().out.splitlines()
    assert len([line for line in full if " info MK" in line]) == 2
    assert full[-1] == summary
    assert sorted(full[:-1]) == sorted([*quiet[:-1], *(line for line in full if " info MK" in line)])


def test_text_and_github_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, "figures")
    args = ["check", "--project", str(root), "--today", TODAY.isoformat(), "--select", "MK301"]
    assert main(args) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("data/shares.yaml:6:5: error MK301 share group complaint.category.share")
    assert out[-1] == "1 error(s), 0 warning(s), 0 info, 0 suppressed"
    assert main([*args, "--format", "github"]) == 1
    gh = capsys.readouterr().out.splitlines()
    assert gh[0].startswith("::error file=data/shares.yaml,line=6,col=5,title=MK301::MK301 share group")


def test_clean_exit_status_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path)
    assert main(["check", "--project", str(root), "--today", TODAY.isoformat(), "--ignore", "MK7"]) == 0
    assert capsys.readouterr().out.strip() == "0 error(s), 0 warning(s), 0 info, 0 suppressed"


def test_explain_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--explain", "mk103"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("MK103 (error): deadline in prose contradicts the governing SLA")
    assert "Why:" in text and "Fix:" in text
    for r in all_rules():
        if r.code.startswith("MK7"):
            continue
        assert r.explain().count("What") >= 1, r.code
    assert main(["check", "--explain", "MK999"]) == 2
    # check reports the loader's DATA findings too, and explains them as `manualkit data` does.
    capsys.readouterr()
    assert main(["check", "--explain", "data003"]) == 0
    assert capsys.readouterr().out.startswith("DATA003: unknown key")


def test_module_entry_point_is_fast_and_lazy(tmp_path: Path) -> None:
    """python -m manualkit.checks runs without importing Sphinx, WeasyPrint or python-docx."""
    root = make_project(tmp_path)
    probe = (
        "import sys, runpy; sys.argv=['x','--project',sys.argv[1],'--today','2025-12-01','--ignore','MK7'];\n"
        "try:\n    runpy.run_module('manualkit.checks', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "heavy = [m for m in ('sphinx', 'weasyprint', 'docx') if m in sys.modules]\n"
        "print('HEAVY', heavy, 'CODE', code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(root)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO / "tools"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert "HEAVY [] CODE 0" in result.stdout, result.stdout + result.stderr


def test_yaml_comment_suppresses_a_data_finding(tmp_path: Path) -> None:
    root = make_project(tmp_path, "calendar")
    slas = root / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    marker = "- id: complaint.general.resolve\n"
    slas.write_text(text.replace(marker, "# manualkit: ignore MK112 -- 测试：延期审批另有规定\n" + marker))
    report = run_checks(root, today=TODAY, select=["MK0", "MK112"])
    assert report.diagnostics == ()
    assert [(d.code, d.location.path) for d in report.suppressed] == [("MK112", "data/slas.yaml")]


def test_source_positions_in_lists_tables_and_admonitions(tmp_path: Path) -> None:
    from manualkit.checks.source import parse_document

    page = tmp_path / "manual" / "01-x.md"
    page.parent.mkdir()
    page.write_text(
        "---\nowner: a\nreview_due: 2026-01-01\n---\n"  # lines 1-4
        "(sec-a)=\n# 标题\n\n"  # 5-7
        "- 第一项{sla}`a.b`\n  续行{form}`F-01-01`\n\n"  # 8-10
        "| 列 | 值 |\n| --- | --- |\n| 时限 | {sla}`c.d` |\n\n"  # 11-14
        ":::{note}\n:class: tip\n注意{reg}`law.x`\n:::\n\n"  # 15-19
        "```text\n{sla}`not.a.role`\n```\n",  # 20-22
        encoding="utf-8",
    )
    doc = parse_document(page, tmp_path)
    roles = [(r.name, r.target, r.line, r.column) for _, r in doc.roles()]
    assert roles == [
        ("sla", "a.b", 8, 6),
        ("form", "F-01-01", 9, 5),
        ("sla", "c.d", 13, 8),
        ("reg", "law.x", 17, 3),
    ]
    assert doc.front_matter_lines == {"owner": 2, "review_due": 3}
    assert doc.labels == ("sec-a",)
    # A plain code fence is neither a directive nor prose: its role-like text is ignored.
    assert [(d.name, d.line, d.option("class")) for d in doc.directives] == [("note", 15, "tip")]
    assert all(b.section == "sec-a" for b in doc.blocks)


def test_bad_inputs_are_findings_not_tracebacks(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "manual" / "09-broken.md").write_bytes(b"\xff\xfe\x00bad")
    (root / ".autocorrectrc").write_text("rules:\n  space-wrod: 1\n", encoding="utf-8")
    (root / "tools-styles").mkdir()
    (root / ".vale.ini").write_text(
        "StylesPath = tools-styles\n[*.md]\nBasedOnStyles = Missing\n", encoding="utf-8"
    )
    report = run_checks(root, today=TODAY, ignore=NOT_OURS)
    assert sorted((d.location.path, d.code) for d in report.diagnostics) == [
        (".autocorrectrc", "MK605"),
        (".vale.ini", "MK604"),
        ("manual/09-broken.md", "MK003"),
    ]


def test_family_names_and_unknown_patterns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, "style")
    report = run_checks(root, today=TODAY, select=["style"])
    assert {d.code for d in report.diagnostics} == {"MK601", "MK602", "MK603", "MK610"}
    args = ["check", "--project", str(root), "--today", TODAY.isoformat()]
    assert main([*args, "--select", "MK9"]) == 2
    assert "MK9 matches no rule" in capsys.readouterr().err


def test_every_rule_belongs_to_a_family() -> None:
    """``--select forms`` must not silently skip a forms rule: every id is in some family."""
    from manualkit.checks.registry import FAMILIES

    prefixes = [prefix for family in FAMILIES.values() for prefix in family]
    orphans = [rule.code for rule in all_rules() if not any(rule.code.startswith(p) for p in prefixes)]
    assert orphans == []


@pytest.mark.parametrize("today", [None, dt.date(2026, 3, 1)])
def test_real_manual_has_no_errors(today: dt.date | None) -> None:
    """The manual in this repository passes its own checker (today, and on a fixed day).

    MK7xx (revision records against git history) are the release engineer's and tested there.
    """
    report = run_checks(REPO, today=today, ignore=NOT_OURS)
    errors = [d.format() for d in report.diagnostics if d.severity == "error"]
    assert errors == []


# --------------------------------------------------------------------------- chapter encodings, front matter


def test_chapter_saved_as_gbk_is_one_error_at_its_first_bad_byte(tmp_path: Path) -> None:
    """Every rule runs (MK7 too, which read the chapters itself and crashed); only MK003 remains:
    the chapter is checked from its GBK reading, so nothing it defines is reported missing."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    raw = chapter.read_text(encoding="utf-8").encode("gbk")
    chapter.write_bytes(raw)
    report = run_checks(root, today=TODAY)
    # Where UTF-8 decoding stops (GBK's 投 = CD B6 happens to be valid UTF-8, so it may be a
    # character later than the first Chinese one), counted in characters like every column.
    with pytest.raises(UnicodeDecodeError) as stop:
        raw.decode("utf-8")
    before = raw[: stop.value.start].decode("utf-8")
    line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    assert [(d.code, d.location.path, d.location.line, d.location.column) for d in report.diagnostics] == [
        ("MK003", "manual/04-complaints.md", line, column)
    ]
    assert report.diagnostics[0].message == (
        f"not UTF-8 text: expected UTF-8, found byte 0x{raw[stop.value.start]:02X} (the file seems to be "
        "saved as GBK/GB 18030); save the file as UTF-8 (Notepad: 另存为 → 编码 UTF-8)"
    )


def test_unreadable_chapter_with_release_history_is_reported_not_raised(tmp_path: Path) -> None:
    """MK705 compares chapters with the previous release tag (manualkit.revisions reads them)."""
    from release_helpers import make_project as make_release_project
    from release_helpers import make_v1_1, tag

    root = make_release_project(tmp_path)
    tag(root, "1.0")
    make_v1_1(root)
    chapter = root / "manual" / "02-complaints.md"
    chapter.write_bytes(chapter.read_text(encoding="utf-8").encode("gbk"))
    report = run_checks(root, today=TODAY, select=["MK003", "MK705"])
    assert [(d.code, d.severity, d.location.path) for d in report.diagnostics] == [
        ("MK705", "warning", "data/revisions.yaml"),
        ("MK003", "error", "manual/02-complaints.md"),
    ]
    assert "manual/02-complaints.md could not be read (see MK003)" in report.diagnostics[0].message


def test_an_unopenable_chapter_is_mk003(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "manual" / "09-missing.md").symlink_to(root / "manual" / "nowhere.md")
    report = run_checks(root, today=TODAY, ignore=NOT_OURS)
    assert [(d.code, d.location.path, d.message) for d in report.diagnostics] == [
        ("MK003", "manual/09-missing.md", "cannot read the chapter: No such file or directory")
    ]


def test_byte_order_mark_and_windows_line_ends_read_like_plain_utf8(tmp_path: Path) -> None:
    """Windows Notepad's "UTF-8 with BOM" and CRLF: same front matter, same positions, no finding."""
    from manualkit.checks.source import parse_document

    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    plain = parse_document(chapter, root)
    text = chapter.read_text(encoding="utf-8")
    chapter.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    bom = parse_document(chapter, root)
    assert (
        bom.front_matter == plain.front_matter == {"owner": "cs.manager", "review_due": dt.date(2026, 6, 30)}
    )
    assert bom.front_matter_lines == plain.front_matter_lines
    assert [(r.target, r.line, r.column) for _, r in bom.roles()] == [
        (r.target, r.line, r.column) for _, r in plain.roles()
    ]
    assert bom.text == text
    report = run_checks(root, today=TODAY, ignore=NOT_OURS)
    assert [d.format() for d in report.diagnostics] == []


FRONT_MATTER_ERRORS = [
    # (front matter after the opening '---' on line 1, line, column, message)
    (
        "owner: consumer: protection\nreview_due: 2026-06-30\n",
        2,
        16,
        "mapping values are not allowed here (a value containing ': ' must be quoted)",
    ),
    (
        "owner: cs.manager\nreview_due: 2026-06-30\nsee:\n\t- a\n",
        5,
        1,
        "found a tab in the indentation: YAML cannot be indented with tabs, indent with spaces",
    ),
    (
        "owner: cs.manager\nsee:\n  - a\n - b\n",
        5,
        2,
        "did not find expected key (while parsing a block mapping); check the indentation: "
        "the keys of the mapping starting at line 2 are in column 1",
    ),
    (
        "owner: cs.manager\nreview_due: 2026-02-30\n",
        3,
        13,
        "expected a valid date YYYY-MM-DD, found '2026-02-30' (day is out of range for month)",
    ),
    ("- owner\n", 2, 1, "front matter must be a YAML mapping (owner: …, review_due: …), found a list"),
]


@pytest.mark.parametrize(("front", "line", "column", "message"), FRONT_MATTER_ERRORS)
def test_front_matter_errors_point_into_the_file(
    tmp_path: Path, front: str, line: int, column: int, message: str
) -> None:
    from manualkit.checks.source import FrontMatterProblem, parse_document

    page = tmp_path / "manual" / "01-x.md"
    page.parent.mkdir()
    page.write_text(f"---\n{front}---\n\n(x)=\n# 标题\n", encoding="utf-8")
    doc = parse_document(page, tmp_path)
    assert doc.front_matter_problem == FrontMatterProblem(message, line, column)
    assert doc.front_matter_error == f"line {line}, column {column}: {message}"


def test_front_matter_error_message_names_the_file_position(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("review_due: 2026-06-30", "review_due: 2026-02-30"), encoding="utf-8")
    report = run_checks(root, today=TODAY, select=["MK5"])
    assert [d.format() for d in report.diagnostics] == [
        "manual/04-complaints.md:3:13: error MK501 front matter is not valid YAML: expected a valid "
        "date YYYY-MM-DD, found '2026-02-30' (day is out of range for month)"
    ]
    chapter.write_text(text.replace("owner: cs.manager", "owner: cs: manager"), encoding="utf-8")
    (finding,) = [d.format() for d in run_checks(root, today=TODAY, select=["MK5"]).diagnostics]
    assert finding == (
        "manual/04-complaints.md:2:10: error MK501 front matter is not valid YAML: mapping values are "
        "not allowed here (a value containing ': ' must be quoted)"
    )
    assert "<unicode string>" not in finding


# --------------------------------------------------------------------------- exit status


def test_invalid_data_exits_2_like_build_and_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README: 0 ok, 1 checks failed, 2 invalid sources — whatever --select/--ignore hide."""
    root = make_project(tmp_path)
    (root / "data" / "roles.yaml").write_text("- id: cs.manager\n\tname: 客服经理\n", encoding="utf-8")
    args = ["check", "--project", str(root), "--today", TODAY.isoformat()]
    line = (
        "data/roles.yaml:2:1: error DATA001 YAML syntax error: found a tab in the indentation: "
        "YAML cannot be indented with tabs, indent with spaces"
    )
    assert main(args) == 2
    captured = capsys.readouterr()
    assert line in captured.out.splitlines()
    assert "the checks that need data/ were skipped (MK101–MK107," in captured.err
    assert main([*args, "--select", "MK1"]) == 2
    captured = capsys.readouterr()
    assert line not in captured.out
    assert line in captured.err.splitlines()
    assert main([*args, "--format", "json", "--ignore", "DATA"]) == 2
    assert json.loads(capsys.readouterr().out)["summary"]["errors"] == 0
    assert main(["due", "complaint.general.resolve", "--from", "2025-12-01", "--project", str(root)]) == 2


def test_an_impossible_date_in_manual_yaml_is_an_error_at_its_place_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PyYAML raises ValueError for 2025-13-01 while reading: check crashed where data reported it."""
    root = make_project(tmp_path)
    manual = root / "data" / "manual.yaml"
    text = manual.read_text(encoding="utf-8")
    manual.write_text(text.replace("effective: 2025-12-01", "effective: 2025-13-01"), encoding="utf-8")
    args = ["check", "--project", str(root), "--today", TODAY.isoformat()]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert any(
        line.startswith("data/manual.yaml:7:") and "DATA002" in line and "'2025-13-01'" in line
        for line in captured.out.splitlines()
    ), captured.out
    assert main([*args, "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["summary"]["errors"] >= 1


def test_check_exit_status_1_for_findings_and_chapters_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    chapter.write_bytes(chapter.read_text(encoding="utf-8").encode("gbk"))
    assert main(["check", "--project", str(root), "--today", TODAY.isoformat()]) == 1
    assert "error MK003 not UTF-8 text" in capsys.readouterr().out


def test_toctree_entry_naming_no_document(tmp_path: Path) -> None:
    """A chapter listed in a toctree but missing stops the Sphinx build: MK109 at the entry."""
    root = make_project(tmp_path)
    index = root / "manual" / "index.md"
    index.write_text(
        "# 客户服务操作手册\n\n"
        "```{toctree}\n:numbered:\n\n04-complaints\n08-appendix\n09-consumer-protection\n```\n\n"
        # Valid entries: explicit title, suffix, absolute path, self, URL, generated page, glob.
        ":::{toctree}\n:glob:\n\n投诉 <04-complaints.md>\n/08-appendix\nself\n"
        "https://www.example.com/rules\ngenindex\n0*\nzz*\n:::\n",
        encoding="utf-8",
    )
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK109"]).diagnostics]
    assert found == [
        "manual/index.md:8:1: error MK109 toctree entry '09-consumer-protection' names no document "
        "(expected manual/09-consumer-protection.md)",
        "manual/index.md:20:1: error MK109 toctree glob pattern 'zz*' matches no document",
    ]
    # The chapter created: clean (the family selects MK109 too).
    (root / "manual" / "09-consumer-protection.md").write_text("# 消费者权益保护\n", encoding="utf-8")
    assert findings(root, ["references"]) == {("MK109", "manual/index.md", 20)}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=root, check=True, capture_output=True)


def test_toctree_entry_naming_an_untracked_chapter_fails_the_tracked_only_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pre-commit stashes unstaged changes but leaves untracked files on disk: the hook's
    ``--tracked-only`` counts a chapter git does not track as missing (the commit lacks it)."""
    root = make_project(tmp_path)
    index = root / "manual" / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("08-appendix\n", "08-appendix\n09-consumer-protection\n"),
        encoding="utf-8",
    )
    (root / "manual" / "09-consumer-protection.md").write_text("# 消费者权益保护\n", encoding="utf-8")
    # Outside a git repository, --tracked-only has nothing to compare with: the files on disk count.
    assert run_checks(root, today=TODAY, select=["MK109"], tracked_only=True).diagnostics == ()
    _git(root, "init", "-q")
    _git(root, "add", "manual/index.md", "manual/04-complaints.md", "manual/08-appendix.md")
    assert run_checks(root, today=TODAY, select=["MK109"]).diagnostics == ()
    args = ["check", "--project", str(root), "--select", "MK109", "--tracked-only"]
    assert main(args) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "manual/index.md:8:1: error MK109 toctree entry '09-consumer-protection' names "
        "manual/09-consumer-protection.md, which git does not track (git add it: the commit would lack it)"
    )
    _git(root, "add", "manual/09-consumer-protection.md")
    assert main(args) == 0


def test_role_markers_that_did_not_become_roles_are_errors_where_typed(tmp_path: Path) -> None:
    """{sla} without backticks, with a space, unclosed or with full-width ｀ is printed as text."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        "一般投诉{sla}complaint.general.resolve内办结，或{sla} `complaint.general.resolve`，"
        "或{sla}`complaint.general.resolve\n\n"
        "填写{form}｀F-04-01｀；转义\\{sla}、代码`{sla}x`和{ref}`跨行\ncomplaint-intake`都不报。",
    )
    report = run_checks(root, today=TODAY, select=["MK613"])
    found = [(d.location.line, d.location.column, d.severity) for d in report.diagnostics]
    assert found == [(line, 5, "error"), (line, 40, "error"), (line, 75, "error"), (line + 2, 3, "error")]
    messages = [d.message for d in report.diagnostics]
    assert "found '{sla}complaint.general.resolve', expected {sla}`complaint.general.resolve`" in messages[0]
    assert "a space separates it" in messages[1]
    assert "never closed" in messages[2]
    assert "found '{form}｀F-04-01｀', expected {form}`F-04-01`" in messages[3]
    # Empty backticks: the id is what is missing, not a closing backtick.
    empty = append_paragraph(root, "一般投诉在{sla}``内办结。")
    (message,) = [
        d.message
        for d in run_checks(root, today=TODAY, select=["MK613"]).diagnostics
        if d.location.line == empty
    ]
    assert "its backticks are empty: the id is missing between them" in message
    assert "found '{sla}``'" in message


def test_html_comment_in_a_chapter_is_an_error_naming_the_myst_comment(tmp_path: Path) -> None:
    """<!-- … --> is meant to be hidden; every output prints it, so it is MK611 as an error."""
    root = make_project(tmp_path)
    line = append_paragraph(root, "<!-- TODO 待核实 -->")
    report = run_checks(root, today=TODAY, select=["MK611"])
    assert [d.format() for d in report.diagnostics] == [
        f"manual/04-complaints.md:{line}:1: error MK611 HTML comment '<!-- TODO 待核实 -->' is shown as "
        "literal text in every output; expected a MyST comment line starting with '%' (% TODO …), "
        "which no output prints"
    ]


def test_label_typed_with_full_width_parentheses_is_an_error(tmp_path: Path) -> None:
    """（service-goals）= from a Chinese input method is a paragraph: the label is lost."""
    root = make_project(tmp_path)
    line = append_paragraph(root, "（service-goals）=\n## 服务目标\n\n(service-ok)=\n## 好的标签")
    report = run_checks(root, today=TODAY, select=["MK614"])
    assert [d.format() for d in report.diagnostics] == [
        f"manual/04-complaints.md:{line}:1: error MK614 this line looks like a section label but is "
        "printed as text: found '（service-goals）=', expected (service-goals)= with ASCII parentheses "
        "and equals sign, nothing in between"
    ]


def test_form_and_checklist_numbers_name_the_chapter_of_their_section(tmp_path: Path) -> None:
    """F-04-01 owned by a section of chapter 8 contradicts 表单编号的第一组数字为使用该表单的章."""
    root = make_project(tmp_path)
    for name in ("forms.yaml", "checklists.yaml"):
        path = root / "data" / name
        text = path.read_text(encoding="utf-8")
        text = text.replace("section: complaint-intake", "section: appendix", 1)
        path.write_text(
            text.replace("section: complaint-handling", "section: references", 1), encoding="utf-8"
        )
    report = run_checks(root, today=TODAY, select=["MK208"])
    assert [d.format() for d in report.diagnostics] == [
        "data/checklists.yaml:4:12: error MK208 checklist CL-04-01 is numbered for chapter 4, but its "
        "section 'references' is in chapter 8 (manual/08-appendix.md): expected a section of chapter 4, "
        "or an id numbered for chapter 8",
        "data/forms.yaml:4:12: error MK208 form F-04-01 is numbered for chapter 4, but its section "
        "'appendix' is in chapter 8 (manual/08-appendix.md): expected a section of chapter 4, or an id "
        "numbered for chapter 8",
    ]


# --------------------------------------------------------------------------- markup the build refuses


def test_markup_snapshot_matches_the_projects_sphinx_setup() -> None:
    """The checker's list of roles, directives and options is what conf.py's extensions register;
    regenerate with `python -m manualkit.checks.markup --write` when it is not."""
    from manualkit.checks.markup import SNAPSHOT, collect, render

    assert SNAPSHOT.read_text(encoding="utf-8") == render(collect(REPO))


def test_unknown_roles_directives_and_options_are_errors_where_typed(tmp_path: Path) -> None:
    """Each stopped `build html` (warnings are errors) while `check` said nothing."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        "处理时限为{slas}`complaint.general.resolve`，或{SLA}`complaint.general.resolve`，转义\\{slas}。\n\n"
        ":::{proces} complaint.handling\n:::\n\n:::{sla-table}\n:tag: complaint\n:::",
    )
    report = run_checks(root, today=TODAY, select=["MK12"])
    assert [d.format() for d in report.diagnostics] == [
        f"manual/04-complaints.md:{line}:6: error MK120 unknown role {{slas}}: expected a role the manual "
        "defines (sla, form, reg, target, window, nowrap, ref, term, doc …), found "
        "{slas}`complaint.general.resolve`; did you mean {sla}?",
        f"manual/04-complaints.md:{line + 2}:4: error MK121 unknown directive {{proces}}: expected a "
        "directive the manual defines (sla-table, form, checklist, process, share-table, note, figure, "
        "toctree …); did you mean {process}?",
        f"manual/04-complaints.md:{line + 6}:1: error MK122 {{sla-table}} has no option :tag: (it takes "
        ":chapter:, :section:, :tags:); did you mean :tags:?",
    ]


def test_chapter_in_no_toctree_is_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "manual" / "09-extra.md").write_text("# 附加\n", encoding="utf-8")
    (root / "manual" / "10-notes.md").write_text("---\norphan: true\n---\n# 说明\n", encoding="utf-8")
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK123"]).diagnostics]
    assert len(found) == 1
    assert found[0].startswith(
        "manual/09-extra.md:1:1: error MK123 chapter manual/09-extra.md is in no toctree, so the build stops"
    )
    assert "expected '09-extra' in the chapter list (manual/index.md:" in found[0]


def test_missing_absolute_and_outside_images_and_dangling_anchor_links(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "manual" / "img").mkdir()
    (root / "manual" / "img" / "ok.png").write_bytes(b"\x89PNG")
    line = append_paragraph(
        root,
        "![流程](img/ok.png) ![缺](img/none.png) ![根](/etc/passwd.png) ![外](../../secret.png)\n\n"
        "见[处理](#complaint-handlin)、[受理](#complaint-intake)，代码`[x](#nowhere)`。\n\n"
        "```{figure} img/gone.svg\n```",
    )
    report = run_checks(root, today=TODAY, select=["MK124", "MK125"])
    got = [(d.code, d.location.line, d.location.column) for d in report.diagnostics]
    assert got == [
        ("MK124", line, 19),
        ("MK124", line, 38),
        ("MK124", line, 60),
        ("MK125", line + 2, 7),
        ("MK124", line + 4, 4),
    ]
    messages = [d.message for d in report.diagnostics]
    assert messages[1] == (
        "image '/etc/passwd.png' not found: expected the file manual/etc/passwd.png (a leading / means "
        "the manual/ folder, not the disk), found no file"
    )
    assert "outside manual/" in messages[2]

    assert messages[3] == (
        "link to '#complaint-handlin': no `(complaint-handlin)=` label in the manual; "
        "did you mean '#complaint-handling'?"
    )


def test_images_from_the_network_or_beside_the_manual_are_reported_before_the_build(tmp_path: Path) -> None:
    """The build refuses them; check said nothing (it skipped every ://) or passed a file of the
    project outside manual/ (data/, .git/)."""
    root = make_project(tmp_path)
    text = "![网](https://example.com/x.png) ![数](data:image/png;base64,AAAA) ![表](../data/slas.yaml)"
    line = append_paragraph(root, text)
    report = run_checks(root, today=TODAY, select=["MK124"])
    got = [(d.location.line, d.location.column) for d in report.diagnostics]
    assert got == [(line, 1), (line, text.index("![表") + 1)]
    network, beside = (d.message for d in report.diagnostics)
    assert network.startswith(
        "image 'https://example.com/x.png' is on the network: expected a file under manual/"
    )
    assert beside.startswith("image '../data/slas.yaml' is outside manual/")


def test_a_deleted_data_file_behind_a_generated_list_is_an_error(tmp_path: Path) -> None:
    """data/references.yaml deleted: data and check said OK, the build stopped on the empty list."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "08-appendix.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n:::{glossary-list}\n:::\n", encoding="utf-8")
    (root / "data" / "glossary.yaml").unlink()
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK126"]).diagnostics]
    assert len(found) == 1
    assert ":4: error MK126 {glossary-list} lists data/glossary.yaml, which is missing" in found[0]


def test_invalid_data_still_runs_the_checks_of_the_chapters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A data typo hid a mobile number in prose: the rules that need no data/ still report."""
    root = make_project(tmp_path)
    slas = root / "data" / "slas.yaml"
    slas.write_text(slas.read_text(encoding="utf-8").replace("  name: ", "  nmae: ", 1), encoding="utf-8")
    line = append_paragraph(root, "回访客户13812345678，时限{slas}`complaint.general.reslove`。")
    assert main(["check", "--project", str(root), "--today", TODAY.isoformat(), "--ignore", "MK7"]) == 2
    captured = capsys.readouterr()
    codes = [(row.split(" ")[2], row.split(":")[0]) for row in captured.out.splitlines()[:-1]]
    assert codes == [
        ("DATA003", "data/slas.yaml"),
        ("MK402", "manual/04-complaints.md"),
        ("MK120", "manual/04-complaints.md"),  # the role name: known without data/
    ]
    assert f"manual/04-complaints.md:{line}:5: error MK402" in captured.out
    # The SLA id cannot be judged while data/slas.yaml is invalid: said, not silently skipped.
    skipped = "the checks that need data/ were skipped (MK101–MK107, MK110–MK113, MK126, MK130, MK201"
    assert skipped in captured.err


def test_front_matter_typos_unknown_keys_and_no_closing_line(tmp_path: Path) -> None:
    """`ownr:` was "must declare owner" at 1:1; `contact:` and an unclosed block were silent."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    assert text.startswith("---\nowner: ")
    chapter.write_text(
        text.replace("owner: ", "ownr: ", 1).replace("\n---\n", "\ncontact: 张三\n---\n", 1), encoding="utf-8"
    )
    report = run_checks(root, today=TODAY, select=["MK5"])
    assert [d.format() for d in report.diagnostics] == [
        "manual/04-complaints.md:2:1: error MK501 unknown front-matter key 'ownr'; did you mean 'owner'? "
        "(front matter must declare `owner: <role id>`)",
        "manual/04-complaints.md:4:1: warning MK504 unknown front-matter key 'contact': expected one of "
        "owner, review_due (or Sphinx's orphan, nosearch, tocdepth, nocomments, myst)",
    ]
    chapter.write_text(text.replace("\n---\n", "\n\n", 1), encoding="utf-8")
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK501"]).diagnostics]
    assert len(found) == 1
    assert "the front matter opened with '---' on line 1 is never closed" in found[0]


def test_top_level_html_meta_is_an_error_as_the_build_fails_on_it(tmp_path: Path) -> None:
    """MyST warns "top-level 'html_meta' key is deprecated" and the build stops; check passed."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        text.replace("\n---\n", "\nhtml_meta:\n  description: 投诉处理\n---\n", 1), encoding="utf-8"
    )
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK504"]).diagnostics]
    assert len(found) == 1 and found[0].startswith(
        "manual/04-complaints.md:4:1: error MK504 top-level 'html_meta'"
    )
    assert "under the 'myst' key" in found[0]
    nested = text.replace("\n---\n", "\nmyst:\n  html_meta:\n    description: 投诉处理\n---\n", 1)
    chapter.write_text(nested, encoding="utf-8")
    assert not run_checks(root, today=TODAY, select=["MK504"]).diagnostics


def test_suppressions_that_cannot_work_are_errors(tmp_path: Path) -> None:
    """`MK1O3` (letter O) and `ingore` silenced nothing without a word; personal data must never be
    suppressed (a real number would be published)."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        "% manualkit: ignore MK1O3 -- 引述原文\n引述。\n\n% manualkit: ingore MK103 -- 引述原文\n引述。\n\n"
        "% manualkit: ignore MK402 -- 客户同意\n客户电话13812345678。",
    )
    report = run_checks(root, today=TODAY, select=["MK0", "MK4"])
    assert [d.format() for d in report.diagnostics] == [
        f"manual/04-complaints.md:{line}:1: error MK001 suppression names no rule: found 'MK1O3'; "
        "did you mean 'MK103'?",
        f"manual/04-complaints.md:{line + 3}:1: error MK001 found 'manualkit: ingore MK103 -- 引述原文', "
        "which suppresses nothing: expected `% manualkit: ignore MK103 -- reason`",
        f"manual/04-complaints.md:{line + 6}:1: error MK001 personal data (MK402) cannot be suppressed: "
        "a real customer's number must never be published; replace it with a masked placeholder "
        "(138****0000)",
        f"manual/04-complaints.md:{line + 7}:5: error MK402 real-looking personal data: mobile number "
        "138… — use a masked placeholder",
    ]
    assert report.suppressed_count == 0


# --------------------------------------------------------------------------- false positives (review)


def test_braces_in_templates_urls_and_math_are_no_role_markers(tmp_path: Path) -> None:
    """SMS templates, {x} and URL templates build as written: only a role name (or one close to it)
    typed as an attempted role is MK613."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        "短信模板：尊敬的{name}客户，您的投诉编号为{1}，请于{date}前补充材料。\n\n"
        "设{x}为金额，{sla}为时限。\n\n"
        "接口 https://api.example.com/v1/customers/{id}/orders?q={keyword} 与 "
        "https://example.com/{sla}complaint 可用。\n\n"
        "时限{slas}complaint.general.resolve，表单{Form} `F-04-01`。",
    )
    report = run_checks(root, today=TODAY, select=["MK613"])
    found = [(d.location.line, d.location.column) for d in report.diagnostics]
    assert found == [(line + 6, 3), (line + 6, 37)]
    assert "expected {slas}`complaint.general.resolve`" in report.diagnostics[0].message


def test_inline_code_with_braces_is_no_role(tmp_path: Path) -> None:
    """`{name}` in inline code was read as an unknown role (roles were masked before code spans)."""
    root = make_project(tmp_path)
    append_paragraph(root, '在代码中写 `{name}` 或 `{"a": 1}`，或 ``{sla}`x` ``。')
    report = run_checks(root, today=TODAY, select=["MK120", "MK613"])
    assert [d.format() for d in report.diagnostics] == []


def test_docutils_english_role_names_are_known(tmp_path: Path) -> None:
    """docutils falls back to its English names: {sup}, {sub}, {ab}, {t}, {url} build fine."""
    root = make_project(tmp_path)
    append_paragraph(
        root, "面积 10 m{sup}`2`，H{sub}`2`O，{ab}`PBOC`，{t}`书名`，{url}`https://example.com`。"
    )
    report = run_checks(root, today=TODAY, select=["MK120"])
    assert [d.format() for d in report.diagnostics] == []


def test_links_to_directive_names_and_labels_in_another_case_resolve(tmp_path: Path) -> None:
    """Sphinx resolves [x](#fig-a) to a figure's :name: and compares labels in lower case."""
    root = make_project(tmp_path)
    (root / "manual" / "img").mkdir()
    (root / "manual" / "img" / "a.png").write_bytes(b"\x89PNG")
    line = append_paragraph(
        root,
        ":::{figure} img/a.png\n:name: fig-a\n\n图题\n:::\n\n"
        "```{list-table}\n:name: Tab-Fees\n\n* - 甲\n```\n\n(Neg-Mixed)=\n## 混合大小写\n\n"
        "见[到图](#fig-a)、[表](#tab-fees)、[节](#neg-mixed)、[缺](#fig-b)。",
    )
    report = run_checks(root, today=TODAY, select=["MK125"])
    assert [(d.location.line, d.location.column) for d in report.diagnostics] == [(line + 15, 50)]


def test_orphan_key_without_a_value_marks_an_orphan(tmp_path: Path) -> None:
    """Sphinx only tests that `orphan` is present, so `orphan:` (no value) is an orphan page."""
    root = make_project(tmp_path)
    (root / "manual" / "10-notes.md").write_text("---\norphan:\n---\n# 说明\n", encoding="utf-8")
    assert run_checks(root, today=TODAY, select=["MK123"]).diagnostics == ()


def test_numref_is_an_error_while_numfig_is_off(tmp_path: Path) -> None:
    """numfig off (the manual's conf.py): "numfig is disabled. :numref: is ignored." fails the build."""
    root = make_project(tmp_path)
    line = append_paragraph(root, "见{numref}`complaint-intake`。")
    report = run_checks(root, today=TODAY, select=["MK120"])
    assert [(d.code, d.location.line, d.location.column) for d in report.diagnostics] == [("MK120", line, 2)]
    assert "numfig" in report.diagnostics[0].message
    assert "{ref}`complaint-intake`" in report.diagnostics[0].message
    (root / "conf.py").write_text("project = 'x'\nnumfig = True\n", encoding="utf-8")
    assert run_checks(root, today=TODAY, select=["MK120"]).diagnostics == ()


def test_image_path_with_a_space_is_named_whole(tmp_path: Path) -> None:
    """`<img/流程 图.png>` was reported as 'img/流程'; MyST percent-encodes the space."""
    root = make_project(tmp_path)
    (root / "manual" / "img").mkdir()
    (root / "manual" / "img" / "流程 图.png").write_bytes(b"\x89PNG")
    line = append_paragraph(root, "![x](<img/流程 图.png>)")
    report = run_checks(root, today=TODAY, select=["MK124"])
    assert [(d.location.line, d.location.column) for d in report.diagnostics] == [(line, 1)]
    assert "'img/流程 图.png'" in report.diagnostics[0].message
    assert "space" in report.diagnostics[0].message


def test_editor_note_mentioning_manualkit_is_no_suppression_attempt(tmp_path: Path) -> None:
    """`% manualkit 生成的表格，请勿手改` is a note; `% manualkit ignroe MK103` is a typo."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root, "% manualkit 生成的表格，请勿手改\n正文。\n\n% manualkit ignroe MK103 -- 引述原文\n引述。"
    )
    report = run_checks(root, today=TODAY, select=["MK001"])
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("MK001", line + 3)]


def test_roles_and_images_in_list_table_cells_and_figure_captions_are_checked(tmp_path: Path) -> None:
    """Cells of a {list-table} and a {figure}'s caption are prose Sphinx builds: an unknown role or
    a missing image there stopped the build while the checker was silent."""
    root = make_project(tmp_path)
    (root / "manual" / "img").mkdir()
    (root / "manual" / "img" / "a.png").write_bytes(b"\x89PNG")
    line = append_paragraph(
        root,
        ":::{list-table}\n:header-rows: 1\n\n* - 事项\n  - 时限\n"
        "* - 一般投诉\n  - {slas}`complaint.general.resolve` ![缺图](img/missing.png)\n:::\n\n"
        "```{figure} img/a.png\n:name: fig-a\n\n图题见{slaz}`complaint.general.resolve`。\n```",
    )
    report = run_checks(root, today=TODAY, select=["MK120", "MK124"])
    assert [(d.code, d.location.line, d.location.column) for d in report.diagnostics] == [
        ("MK120", line + 6, 5),
        ("MK124", line + 6, 39),
        ("MK120", line + 12, 4),
    ]


def test_a_contradiction_names_the_sla_whose_value_the_sentence_typed_out(tmp_path: Path) -> None:
    """A writer who typed 紧急投诉's right value beside a role for 一般投诉 was only told that it
    contradicts the general SLA: the message now names the SLA the value belongs to."""
    root = make_project(tmp_path)
    sentence = "一般投诉在{sla}`complaint.general.resolve`内办结，紧急投诉在2个工作日内办结。"
    line = append_paragraph(root, sentence)
    (found,) = [d.format() for d in run_checks(root, today=TODAY, select=["MK103"]).diagnostics]
    assert found.startswith(f"manual/04-complaints.md:{line}:")
    assert found.endswith(
        "error MK103 deadline contradicts SLA complaint.general.resolve: prose says 2个工作日, data says "
        "7个工作日; 2个工作日 is the value of complaint.urgent.resolve: if that is meant, write "
        "{sla}`complaint.urgent.resolve`"
    ), found
    # Not when the sentence names no such subject: the number is then simply wrong.
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("紧急投诉在2个工作日内办结", "回访在2个工作日内完成"), encoding="utf-8")
    (found,) = [d.format() for d in run_checks(root, today=TODAY, select=["MK103"]).diagnostics]
    assert found.endswith("prose says 2个工作日, data says 7个工作日"), found


def test_a_section_label_defined_twice_points_at_the_first_definition(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    line = append_paragraph(root, "(complaint-intake)=\n## 重复的标签\n\n正文。")
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK108"]).diagnostics]
    assert found == [
        f"manual/04-complaints.md:{line}:1: error MK108 section label 'complaint-intake' already defined "
        "at manual/04-complaints.md:11"
    ]


def test_a_value_two_slas_share_is_not_pinned_on_one_of_them(tmp_path: Path) -> None:
    """Typed out where two SLAs of the section have that value, MK104 named the first (the wrong
    one for the sentence half the time); it names both unless the sentence names the subject."""
    root = make_project(tmp_path)
    line = append_paragraph(root, "投诉应在7个工作日内办结。一般投诉应在7个工作日内办结。")
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK104"]).diagnostics]
    assert found == [
        f"manual/04-complaints.md:{line}:5: warning MK104 prose restates SLA complaint.general.resolve or "
        "complaint.major.resolve (7个工作日): use {sla}`complaint.general.resolve` or "
        "{sla}`complaint.major.resolve`, whichever the sentence means",
        f"manual/04-complaints.md:{line}:20: warning MK104 prose restates SLA complaint.general.resolve "
        "(7个工作日): use {sla}`complaint.general.resolve`",
    ]


def test_a_directive_left_open_or_without_its_id_is_an_error_at_its_fence(tmp_path: Path) -> None:
    """The checker passed while the build stopped on "Has content, but none permitted" (no column)
    and reported, in other chapters, the labels the unclosed fence had swallowed."""
    root = make_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    process = text[: text.index(":::{process} complaint.handling")].count("\n") + 1
    checklist = text[: text.index(":::{checklist} CL-04-01")].count("\n") + 1
    broken = text.replace(":::{process} complaint.handling\n:::\n", ":::{process} complaint.handling\n", 1)
    broken = broken.replace(":::{checklist} CL-04-01", ":::{checklist}", 1)
    chapter.write_text(broken, encoding="utf-8")
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK128"]).diagnostics]
    assert len(found) == 2, found
    opening = f"manual/04-complaints.md:{process}:4: error MK128 {{process}} takes no content"
    assert found[0].startswith(opening)
    assert "is its closing ':::' missing?" in found[0]
    assert found[1] == (
        f"manual/04-complaints.md:{checklist - 1}:4: error MK128 {{checklist}} needs 1 argument(s) after its "
        "name (a checklist id such as CL-04-01), found none"
    )
    chapter.write_text(text, encoding="utf-8")
    assert not run_checks(root, today=TODAY, select=["MK128"]).diagnostics


def test_a_bare_colon_line_that_opens_a_fence_is_an_error(tmp_path: Path) -> None:
    """Nested with more colons inside than outside, the inner closing line closed the outer
    directive and the outer's ':::' opened a fence: the rest of the chapter went into a plain
    block, its headings unnumbered rubrics, and neither the checker nor Sphinx said anything."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root, ":::{warning}\n注意：\n\n::::{note}\n说明。\n::::\n:::\n\n## 之后的标题\n\n正文。"
    )
    found = [d.format() for d in run_checks(root, today=TODAY, select=["MK127"]).diagnostics]
    assert len(found) == 1, found
    assert found[0].startswith(
        f"manual/04-complaints.md:{line + 6}:1: error MK127 this ':::' opens no directive"
    )
    assert "to the end of the chapter goes into a plain block whose headings are no sections" in found[0]
    # The same directives nested the right way round: nothing to report.
    chapter = root / "manual" / "04-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    good = "::::{warning}\n注意：\n\n:::{note}\n说明。\n:::\n::::\n\n## 之后的标题\n\n正文。"
    chapter.write_text(text.replace(text[text.index(":::{warning}") :], good + "\n"), encoding="utf-8")
    assert not run_checks(root, today=TODAY, select=["MK127"]).diagnostics


def test_house_style_applies_to_the_data_the_outputs_print(tmp_path: Path) -> None:
    """A form's note is printed as the manual's text: "须尽快" there passed the rules that read
    every chapter's 须 and 尽快."""
    root = make_project(tmp_path)
    forms = root / "data" / "forms.yaml"
    text = forms.read_text(encoding="utf-8")
    start = text.index("  notes:")
    line = text[:start].count("\n") + 2  # the first note's line
    forms.write_text(
        text[:start] + "  notes:\n    - 受理后须尽快告知客户。\n" + text[start + 9 :], encoding="utf-8"
    )
    report = run_checks(root, today=TODAY, select=["MK602"], ignore=NOT_OURS)
    found = sorted((d.location.path, d.location.line, d.message) for d in report.diagnostics)
    assert [(path, at) for path, at, _ in found] == [("data/forms.yaml", line)] * 2, found
    assert any("[House.Obligation]" in m and "(printed by form F-" in m for _, _, m in found)
    assert any("[House.VagueTime]" in m for _, _, m in found)
