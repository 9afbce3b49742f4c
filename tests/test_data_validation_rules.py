"""Rules the data loader enforces beyond types: each mistake is an error at its ``file:line:col``.

Clock times of service windows, the successor of a superseded regulation, dates that contradict
each other, choice fields, percentages, make-up working days on weekdays, data files saved in GBK
and full-width spaces typed as indentation.  Like tests/test_loader.py, each case starts from the
small valid project (tests/fixtures/loader/valid), replaces one data file and checks the exact
line a writer sees.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from manualkit.loader import load_data

VALID = Path(__file__).parent / "fixtures" / "loader" / "valid"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture project."""
    root = tmp_path / "project"
    shutil.copytree(VALID, root)
    return root


def write(project: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (project / "data" / name).write_bytes(textwrap.dedent(text).lstrip("\n").encode(encoding))


def lines(project: Path, name: str) -> list[str]:
    """Formatted diagnostics about ``data/<name>``."""
    data, diagnostics = load_data(project / "data")
    assert data is None or not any(d.severity == "error" for d in diagnostics)
    return [d.format() for d in diagnostics if d.location.path == f"data/{name}"]


# --------------------------------------------------------------------------- service windows


def window(opens: str, closes: str, days: str = "working_days") -> str:
    return (
        f'- id: service.hours\n  name: 服务时间\n  days: {days}\n  opens: "{opens}"\n  closes: "{closes}"\n'
    )


def test_impossible_clock_times_are_errors_at_each_field(project: Path) -> None:
    """'09:75' and '25:00' matched the HH:MM pattern and printed as 工作日9:75—25:00."""
    write(project, "windows.yaml", window("09:75", "25:00"))
    assert lines(project, "windows.yaml") == [
        "data/windows.yaml:4:10: error DATA002 windows[0].opens (service.hours): "
        "expected a clock time from 00:00 to 23:59, found '09:75'",
        "data/windows.yaml:5:11: error DATA002 windows[0].closes (service.hours): "
        "expected a clock time from 00:00 to 23:59 (or 24:00 for midnight), found '25:00'",
    ]
    write(project, "windows.yaml", window("24:00", "24:00"))
    assert lines(project, "windows.yaml") == [
        "data/windows.yaml:4:10: error DATA002 windows[0].opens (service.hours): "
        "expected a clock time from 00:00 to 23:59, found '24:00'",
    ]


@pytest.mark.parametrize("closes", ["08:30", "09:00"])
def test_a_window_must_close_after_it_opens(project: Path, closes: str) -> None:
    write(project, "windows.yaml", window("09:00", closes))
    assert lines(project, "windows.yaml") == [
        "data/windows.yaml:5:11: error DATA002 windows[0].closes (service.hours): "
        f"expected a closing time after the opening time '09:00', found '{closes}'",
    ]


def test_a_round_the_clock_window_closes_at_24_00(project: Path) -> None:
    """A 24-hour hotline is 全天0:00—24:00; 23:59 would print a minute that is not meant."""
    write(project, "windows.yaml", window("00:00", "24:00", days="all_days"))
    data, diagnostics = load_data(project / "data")
    assert diagnostics == []
    assert data is not None
    assert (data.window("service.hours").opens, data.window("service.hours").closes) == ("00:00", "24:00")


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize("status", ["superseded", "repealed"])
def test_a_superseded_or_repealed_regulation_names_its_successor(project: Path, status: str) -> None:
    path = project / "data" / "references.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "  status: superseded\n  superseded_by: cbirc.complaint.2020\n", f"  status: {status}\n"
        ),
        encoding="utf-8",
    )
    assert lines(project, "references.yaml") == [
        f"data/references.yaml:8:3: error DATA002 references[1] (old.rule): expected superseded_by "
        f"naming the regulation that replaces it (status: {status}), found none"
        + (
            "; for a repeal without replacement, name the decision that repealed it"
            if status == "repealed"
            else ""
        )
    ]


def test_effective_before_issued_is_an_error_at_effective(project: Path) -> None:
    path = project / "data" / "references.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("effective: 2020-03-01", "effective: 2019-03-01"), encoding="utf-8")
    assert lines(project, "references.yaml") == [
        "data/references.yaml:6:14: error DATA002 references[0].effective (cbirc.complaint.2020): "
        "expected a date on or after issued (2020-01-14), found 2019-03-01",
    ]
    # Taking effect on the day of issue (自公布之日起施行) is fine.
    path.write_text(text.replace("effective: 2020-03-01", "effective: 2020-01-14"), encoding="utf-8")
    assert lines(project, "references.yaml") == []


def test_both_reference_rules_are_reported_in_one_run(project: Path) -> None:
    write(
        project,
        "references.yaml",
        """
        - id: cbirc.complaint.2020
          title: 银行保险机构消费投诉处理管理办法
          issuer: 中国银保监会
          issued: 2020-01-14
          effective: 2020-01-01
          status: superseded
        """,
    )
    assert lines(project, "references.yaml") == [
        "data/references.yaml:1:3: error DATA002 references[0] (cbirc.complaint.2020): expected "
        "superseded_by naming the regulation that replaces it (status: superseded), found none",
        "data/references.yaml:5:14: error DATA002 references[0].effective (cbirc.complaint.2020): "
        "expected a date on or after issued (2020-01-14), found 2020-01-01",
    ]


# --------------------------------------------------------------------------- forms


FORM_HEAD = """
- id: F-04-01
  title: 投诉受理登记表
  purpose: 记录投诉受理信息
  section: complaint-intake
  owner: complaint.handler
  fields:
    - id: customer.name
      label: 客户姓名
"""


def test_a_choice_field_needs_at_least_two_choices(project: Path) -> None:
    """A choice field without choices printed a blank line on the form."""
    write(project, "forms.yaml", FORM_HEAD + "    - id: channel\n      label: 投诉渠道\n      type: choice\n")
    assert lines(project, "forms.yaml") == [
        "data/forms.yaml:9:7: error DATA002 forms[0].fields[1] (F-04-01): "
        "expected at least 2 choices for a 'choice' field, found none",
    ]
    write(
        project,
        "forms.yaml",
        FORM_HEAD + "    - {id: channel, label: 投诉渠道, type: choice, choices: [电话]}\n",
    )
    assert lines(project, "forms.yaml") == [
        "data/forms.yaml:9:57: error DATA002 forms[0].fields[1].choices (F-04-01): "
        "expected at least 2 choices for a 'choice' field, found 1",
    ]


def test_choices_on_a_field_that_is_not_a_choice_are_refused(project: Path) -> None:
    write(project, "forms.yaml", FORM_HEAD + "    - {id: channel, label: 投诉渠道, choices: [电话, 信函]}\n")
    assert lines(project, "forms.yaml") == [
        "data/forms.yaml:9:43: error DATA002 forms[0].fields[1].choices (F-04-01): "
        "expected no choices on a 'text' field (set type: choice to offer them), found 2",
    ]
    write(project, "forms.yaml", FORM_HEAD + "    - {id: done, label: 已回访, type: checkbox, choices: []}\n")
    assert lines(project, "forms.yaml") == []


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize("value", ["110", "-5", "100.5"])
def test_a_percentage_lies_between_0_and_100(project: Path, value: str) -> None:
    write(
        project,
        "targets.yaml",
        f"- id: callback.rate\n  name: 回访率\n  value: {value}\n  unit: percent\n  owner: quality.officer\n",
    )
    assert lines(project, "targets.yaml") == [
        "data/targets.yaml:3:10: error DATA002 targets[0].value (callback.rate): "
        f"expected a percentage from 0 to 100 (unit: percent), found {value}",
    ]


def test_a_count_may_exceed_100(project: Path) -> None:
    write(
        project,
        "targets.yaml",
        "- id: callback.rate\n  name: 回访次数\n  value: 110\n  unit: count\n  owner: quality.officer\n",
    )
    assert lines(project, "targets.yaml") == []


# --------------------------------------------------------------------------- holidays.yaml


def test_a_make_up_working_day_on_a_weekday_is_refused(project: Path) -> None:
    """调休上班 is a weekend day worked: 2027-01-05 is a Tuesday, certainly a typo."""
    write(
        project,
        "holidays.yaml",
        "- year: 2027\n  source: 通知\n  holidays: [2027-01-01]\n  workdays: [2027-01-05, 2027-01-09]\n",
    )
    assert lines(project, "holidays.yaml") == [
        "data/holidays.yaml:4:14: error DATA002 holidays[0].workdays[0] (2027): expected a Saturday or "
        "Sunday (a make-up working day, '调休上班', is a weekend day worked), found 2027-01-05, a Tuesday",
    ]


def test_an_impossible_date_does_not_hide_a_date_outside_the_year(project: Path) -> None:
    write(
        project,
        "holidays.yaml",
        "- year: 2027\n  source: 通知\n  holidays: [2027-01-01, 2027-02-30, 2026-10-01]\n"
        "  workdays: [2027-01-06]\n",
    )
    assert lines(project, "holidays.yaml") == [
        "data/holidays.yaml:3:26: error DATA002 holidays[0].holidays[1] (2027): "
        "expected a valid date YYYY-MM-DD, found '2027-02-30'",
        "data/holidays.yaml:3:38: error DATA002 holidays[0].holidays[2] (2027): "
        "expected a date in 2027, found 2026-10-01",
        "data/holidays.yaml:4:14: error DATA002 holidays[0].workdays[0] (2027): expected a Saturday or "
        "Sunday (a make-up working day, '调休上班', is a weekend day worked), found 2027-01-06, a Wednesday",
    ]


# --------------------------------------------------------------------------- file encoding


def test_a_data_file_saved_as_gbk_is_named_at_its_first_bad_byte(project: Path) -> None:
    """Line and column of the first byte that is not UTF-8, and what the file probably is."""
    write(project, "roles.yaml", "- id: service.manager\n  name: 客服经理\n", encoding="gbk")
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:2:9: error DATA009 not UTF-8 text: expected UTF-8, found byte 0xBF "
        "(the file seems to be saved as GBK/GB 18030); save the file as UTF-8 (Notepad: 另存为 → 编码 UTF-8)"
    ]


def test_gbk_text_pasted_into_a_utf8_file_is_named(project: Path) -> None:
    """The file is UTF-8 but for 客户 on line 3 (pasted from a GBK file): saving the file again
    does not repair that, so the message names the text to retype.  Counted after a byte-order
    mark and Windows line ends."""
    path = project / "data" / "roles.yaml"
    head = "\ufeff# 岗位\r\n- id: service.manager\r\n".encode()
    path.write_bytes(
        head + "  name: 客服经理\r\n  description: 负责".encode() + "客户".encode("gbk") + "服务\n".encode()
    )
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:4:18: error DATA009 not UTF-8 text: expected UTF-8, found byte 0xBF (it and "
        "the bytes after it read as '客户' in GBK/GB 18030: text pasted from a file saved as GBK?); "
        "retype '客户' and save the file as UTF-8 (Notepad: 另存为 → 编码 UTF-8)"
    ]


def test_bytes_that_are_no_known_encoding_get_no_guess() -> None:
    from manualkit.text_encoding import not_utf8

    body = b"- id: a\n  name: caf\xe9\n"
    problem = not_utf8(body, _decode_error(body))
    assert (problem.line, problem.column) == (2, 12)
    assert problem.message == (
        "not UTF-8 text: expected UTF-8, found byte 0xE9; "
        "save the file as UTF-8 (Notepad: 另存为 → 编码 UTF-8)"
    )


def _decode_error(body: bytes) -> UnicodeDecodeError:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    raise AssertionError("valid UTF-8")


# --------------------------------------------------------------------------- full-width spaces


SLA = """
- id: complaint.general.resolve
  name: 一般投诉办结
  duration: {value: 7, unit: working_days}
  end: 答复客户
  owner: complaint.handler
"""


FULL_WIDTH = "a full-width space (U+3000)"
IME_HINT = "switch the input method to half-width '半角' to type them"


@pytest.mark.parametrize(
    ("indent", "column", "what", "hint"),
    [
        ("\u3000", 1, FULL_WIDTH, IME_HINT),  # YAML said "did not find expected '-' indicator"
        ("  \u3000", 3, FULL_WIDTH, IME_HINT),  # YAML read a key '\u3000start'
        ("\u3000\u3000", 1, FULL_WIDTH, IME_HINT),
        (
            " \u00a0",
            2,
            "a no-break space (U+00A0)",
            "it often comes with text copied from Word or a web page",
        ),
    ],
)
def test_a_non_ascii_space_in_the_indentation_is_named(
    project: Path, indent: str, column: int, what: str, hint: str
) -> None:
    write(project, "slas.yaml", SLA + f"{indent}start: 受理投诉\n")
    assert lines(project, "slas.yaml") == [
        f"data/slas.yaml:6:{column}: error DATA001 YAML syntax error: found {what} in the indentation: "
        f"YAML cannot be indented with it, indent with ASCII spaces ({hint})"
    ]


def test_every_full_width_indentation_is_reported_and_text_may_hold_them(project: Path) -> None:
    """Each line at once; a full-width space inside a value (a block of text) is the writer's text."""
    write(
        project,
        "roles.yaml",
        "- id: service.manager\n\u3000name: 客服经理\n- id: cs.agent\n  \u3000name: 客服专员\n",
    )
    assert [line.split(" YAML syntax error: ")[0] for line in lines(project, "roles.yaml")] == [
        "data/roles.yaml:2:1: error DATA001",
        "data/roles.yaml:4:3: error DATA001",
    ]
    shutil.copy(VALID / "data" / "roles.yaml", project / "data" / "roles.yaml")
    with (project / "data" / "roles.yaml").open("a", encoding="utf-8") as roles:
        roles.write(
            "- id: cs.agent\n  name: 客服\u3000专员\n  description: |\n    第一段\n    \u3000\u3000第二段\n"
        )
    data, diagnostics = load_data(project / "data")
    assert diagnostics == []
    assert data is not None
    assert data.role("cs.agent").name == "客服\u3000专员"
    assert data.role("cs.agent").description == "第一段\n\u3000\u3000第二段\n"


def test_a_full_width_space_before_a_list_item_is_named_in_front_matter_too() -> None:
    """The chapters' front matter shares the message; YAML's scanner fails on the value itself
    ("could not find expected ':'"), which is still the full-width space's line and column."""
    import yaml

    from manualkit.yamlsource import describe_yaml_error

    text = "owner: a\nsee:\n  - a\n\u3000- b\n"
    with pytest.raises(yaml.YAMLError) as info:
        yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    message, line, column = describe_yaml_error(info.value, text, line_offset=1)
    assert (line, column) == (5, 1)
    assert message.startswith("found a full-width space (U+3000) in the indentation: ")


def test_a_full_width_space_where_yaml_expects_a_key_is_named(project: Path) -> None:
    write(project, "roles.yaml", "- id: service.manager\n  name: 客服经理\n\u3000- id: cs.agent\n")
    assert [line.split(" YAML syntax error: ")[0] for line in lines(project, "roles.yaml")] == [
        "data/roles.yaml:3:1: error DATA001"
    ]
    assert "found a full-width space (U+3000) in the indentation" in lines(project, "roles.yaml")[0]


# --------------------------------------------------------------------------- a list entry without '- '


def test_an_entry_missing_its_dash_is_said_once_at_its_id(project: Path) -> None:
    """Without the '- ' the next entry's keys joined the previous one: one DATA005 per key (9 for
    an SLA), none saying what was missing."""
    slas = project / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    entries = [i for i, line in enumerate(text.split("\n")) if line.startswith("- id:")]
    second = entries[1]
    broken = text.split("\n")
    broken[second] = "  " + broken[second][2:]
    slas.write_text("\n".join(broken), encoding="utf-8")
    found = [line for line in lines(project, "slas.yaml") if "DATA005" in line]
    assert len(found) == 1, found
    assert found[0].startswith(f"data/slas.yaml:{second + 1}:3: error DATA005 ")
    assert f"if line {second + 1} starts the next entry, it needs '- ' before 'id:'" in found[0]
