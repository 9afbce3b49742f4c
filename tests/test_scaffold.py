"""`manualkit new …` gives writers a valid entry with the next free id, and keeps their files intact."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from manualkit import cli
from manualkit.loader import load_data
from manualkit.scaffold import (
    ScaffoldError,
    add_new_parser,
    new_chapter,
    new_checklist,
    new_form,
    new_sla,
)
from manualkit.toctree_text import toctree_entries

FIXTURE = Path(__file__).parent / "fixtures" / "writer" / "mini"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "manual-repo"
    shutil.copytree(FIXTURE, root)
    return root


def test_new_form_takes_next_free_id_and_keeps_comments(project: Path) -> None:
    forms = project / "data" / "forms.yaml"
    before = forms.read_text(encoding="utf-8")

    result = new_form(project, chapter=2, title="投诉升级审批表")

    assert result.new_id == "F-02-03"
    after = forms.read_text(encoding="utf-8")
    assert after.startswith(before), "existing text and comments are kept verbatim"
    assert after.splitlines()[result.line - 1] == "- id: F-02-03"
    data, diags = load_data(project / "data")
    assert diags == [] and data is not None
    form = data.form("F-02-03")
    assert form.title == "投诉升级审批表"
    assert form.section == "complaint-handling"
    assert form.owner == "cs.manager", "owner defaults to the chapter's front-matter owner"
    assert ":::{form} F-02-03" in result.message
    assert "manual/02-complaints.md" in result.message

    assert new_form(project, section="complaint-handling", title="第二张表").new_id == "F-02-04"


def test_new_form_in_chapter_without_forms_starts_at_01(project: Path) -> None:
    assert new_form(project, chapter=1, title="服务时间公示表").new_id == "F-01-01"


def test_title_with_yaml_syntax_is_quoted(project: Path) -> None:
    result = new_form(project, chapter=2, title="表单: #1 [草稿]")
    data, _ = load_data(project / "data")
    assert data is not None and data.form(result.new_id).title == "表单: #1 [草稿]"


def test_new_sla_from_prefix_and_citation_hint(project: Path) -> None:
    first = new_sla(
        project,
        prefix="complaint.general",
        name="投诉回访时限",
        value=3,
        unit="working_days",
        start="办结投诉",
        end="完成回访",
        section="complaint-handling",
        tags=["complaint"],
    )
    second = new_sla(
        project,
        prefix="complaint.general",
        name="另一时限",
        value=2,
        unit="hours",
        start="甲",
        end="乙",
        owner="cs.agent",
    )
    assert (first.new_id, second.new_id) == ("complaint.general.1", "complaint.general.2")
    data, diags = load_data(project / "data")
    assert diags == [] and data is not None
    sla = data.sla("complaint.general.1")
    assert (sla.duration.value, sla.duration.unit, sla.tags) == (3, "working_days", ("complaint",))
    assert "{sla}`complaint.general.1`" in first.message
    assert "3个工作日" in first.message
    assert "manual/02-complaints.md" in first.message


def test_invalid_entry_is_rolled_back(project: Path) -> None:
    slas = project / "data" / "slas.yaml"
    before = slas.read_text(encoding="utf-8")
    with pytest.raises(ScaffoldError, match=r"not added \(data/slas\.yaml is unchanged\)"):
        new_sla(
            project,
            prefix="x",
            name="坏",
            value=1,
            unit="hours",
            start="a",
            end="b",
            owner="cs.agent",
            kind="bogus",
        )  # type: ignore[arg-type]
    assert slas.read_text(encoding="utf-8") == before


def test_unknown_owner_and_section_are_explained(project: Path) -> None:
    with pytest.raises(ScaffoldError, match=r"unknown role 'nobody'.*cs\.manager"):
        new_form(project, chapter=2, title="表", owner="nobody")
    with pytest.raises(ScaffoldError, match=r"no section label \(nowhere\)=") as unknown:
        new_form(project, section="nowhere", title="表")
    assert "did you mean" not in str(unknown.value)
    with pytest.raises(ScaffoldError) as typo:
        new_form(project, section="complaint-handlin", title="表")
    assert str(typo.value).endswith("did you mean 'complaint-handling'?")


def test_new_checklist(project: Path) -> None:
    result = new_checklist(project, chapter=2, title="回访检查清单", items=["已完成回访", "已记录结果"])
    assert result.new_id == "CL-02-02"
    data, diags = load_data(project / "data")
    assert diags == [] and data is not None
    assert [i.text for i in data.checklist("CL-02-02").items] == ["已完成回访", "已记录结果"]


def test_new_chapter_numbered_and_in_toctree(project: Path) -> None:
    due = dt.date.today() + dt.timedelta(days=200)  # a review date must lie ahead
    result = new_chapter(
        project,
        title="消费者权益保护",
        slug="consumer-protection",
        owner="cs.manager",
        review_due=due,
    )
    assert result.path.name == "04-consumer-protection.md"
    text = result.path.read_text(encoding="utf-8")
    assert text.startswith(f"---\nowner: cs.manager\nreview_due: {due.isoformat()}\n---\n")
    assert "(consumer-protection)=\n# 消费者权益保护\n" in text
    entries = toctree_entries((project / "manual" / "index.md").read_text(encoding="utf-8"))
    assert entries == ["01-basics", "02-complaints", "03-appendices", "04-consumer-protection"]
    assert "comes after 03-appendices, which holds the appendices" in result.message
    with pytest.raises(ScaffoldError, match="already exists"):
        new_chapter(project, title="重复", slug="consumer-protection", owner="cs.manager")


def test_cli_new_form(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="manualkit")
    add_new_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["new", "form", "--project", str(project), "--chapter", "2", "--title", "新表"])
    assert args.handler(args) == 0
    assert "F-02-03" in capsys.readouterr().out
    args = parser.parse_args(
        ["new", "form", "--project", str(project), "--chapter", "9", "--title", "另一新表"]
    )
    assert args.handler(args) == 2, "invalid usage exits 2, as `manualkit --help` says"
    assert "no chapter 9" in capsys.readouterr().err


def test_mounting_the_writer_commands_stays_light() -> None:
    """`manualkit.cli` imports these modules on every command; `manualkit check` must start fast."""
    code = (
        "import sys, manualkit.scaffold, manualkit.importdocx; "
        "print(sorted(m for m in ('pydantic', 'jinja2', 'docx', 'yaml') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "tools")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


_SLA = ["sla", "x.y", "--name", "新时限", "--value", "3", "--start", "a", "--end", "b", "--owner", "cs.agent"]


def _data_bytes(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "data").glob("*.yaml"))}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["form", "--chapter", "9", "--title", "表"],
            "--chapter: no chapter 9 in manual/ (chapters: 1, 2, 3)",
        ),
        (["form", "--title", "表"], "expected --chapter N or --section LABEL"),
        (["form", "--chapter", "2", "--title", ""], "--title: expected a non-empty title, found ''"),
        (["form", "--chapter", "2", "--title", "表", "--owner", "nobody"], "--owner: unknown role 'nobody'"),
        (["checklist", "--chapter", "2", "--title", "  "], "--title: expected a non-empty title, found '  '"),
        (
            ["sla", "x.y", "--name", "n", "--value", "0", "--unit", "hours", "--start", "a", "--end", "b"],
            "--value: expected a positive whole number, found 0",
        ),
        (
            [
                "sla",
                "Bad Prefix!",
                "--name",
                "n",
                "--value",
                "1",
                "--unit",
                "hours",
                "--start",
                "a",
                "--end",
                "b",
            ],
            "id prefix: expected lowercase dotted words like complaint.general, found 'Bad Prefix!'",
        ),
        (
            [
                *("sla", "--id", "complaint.general.resolve", "--name", "n", "--value", "1"),
                *("--unit", "hours", "--start", "a", "--end", "b", "--owner", "cs.agent"),
            ],
            "--id: expected a new SLA id, found 'complaint.general.resolve'",
        ),
        (
            ["sla", "x.y", "--name", "n", "--value", "3.5", "--unit", "hours", "--start", "a", "--end", "b"],
            "--value: expected a positive whole number, found 3.5",
        ),
        (
            [
                *("sla", "complaint.general", "--name", "一般投诉办结时限", "--value", "5"),
                *("--unit", "working_days", "--start", "a", "--end", "b", "--owner", "cs.agent"),
            ],
            "--name: expected a new SLA name, found '一般投诉办结时限', which complaint.general.resolve "
            "at line 3 of data/slas.yaml already has; nothing was added",
        ),
        (
            ["form", "--chapter", "2", "--title", "投诉回访记录表"],
            "--title: expected a new form title, found '投诉回访记录表', which F-02-02 at line 18 of",
        ),
        (
            ["checklist", "--chapter", "2", "--title", "投诉受理检查清单"],
            "--title: expected a new checklist title, found '投诉受理检查清单', which CL-02-01 at line 2",
        ),
        (
            ["chapter", "--title", "章", "--slug", "genindex", "--owner", "cs.manager"],
            "--slug: expected a name",
        ),
        (
            ["chapter", "--title", "", "--slug", "new-one", "--owner", "cs.manager"],
            "--title: expected a non-empty",
        ),
        # Values argparse refused with its whole usage (eight lines) or the loader refused only after
        # appending (naming a line of the rolled-back entry): now one line naming the option.
        (
            [*_SLA, "--unit", "workdays"],
            "--unit: expected one of working_days (工作日/个工作日), calendar_days (天/日/自然日/日历日), "
            "hours (小时/时), minutes (分钟/分), months (月/个月), years (年), found 'workdays'; "
            "did you mean 'working_days'?",
        ),
        ([*_SLA, "--unit", "hours", "--kind", "dedline"], "--kind: expected one of deadline, interval"),
        ([*_SLA, "--unit", "hours", "--bound", "most"], "--bound: expected one of within (以内/内)"),
        (
            [*_SLA, "--unit", "hours", "--tags", "投诉"],
            "--tags: expected ids of lowercase ASCII words joined by dots or dashes "
            "(e.g. complaint,callback), found '投诉'",
        ),
        (
            ["form", "--chapter", "二", "--title", "表"],
            "--chapter: expected a chapter number such as 4, found '二'",
        ),
        (
            [
                "chapter",
                "--title",
                "新章",
                "--slug",
                "new-one",
                "--owner",
                "cs.manager",
                "--review-due",
                "2027-02-30",
            ],
            "--review-due: expected a date YYYY-MM-DD, found '2027-02-30'",
        ),
        (
            [
                "chapter",
                "--title",
                "新章",
                "--slug",
                "new-one",
                "--owner",
                "cs.manager",
                "--review-due",
                "2020-01-01",
            ],
            "found 2020-01-01: the new chapter's review would be overdue at once (MK503)",
        ),
        (
            ["chapter", "--title", "投诉处理", "--slug", "new-one", "--owner", "cs.manager"],
            "--title: expected a new chapter title, found '投诉处理', which manual/02-complaints.md:7 "
            "already has",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_write_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], expected: str
) -> None:
    """README and `manualkit --help`: exit 2 means invalid sources or usage (1 is a failed check/build)."""
    before = _data_bytes(project)
    manual = sorted(p.name for p in (project / "manual").iterdir())

    assert cli.main(["--project", str(project), "new", *arguments]) == 2

    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "data/forms.yaml:" not in err, "the message names the argument, not a rolled-back line"
    assert _data_bytes(project) == before
    assert sorted(p.name for p in (project / "manual").iterdir()) == manual


def test_existing_data_error_is_shown_and_nothing_is_added(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forms = project / "data" / "forms.yaml"
    forms.write_text(
        forms.read_text(encoding="utf-8").replace("  purpose: 记录客户投诉", "  purpse: 记录客户投诉", 1),
        encoding="utf-8",
    )
    before = forms.read_bytes()

    with pytest.raises(ScaffoldError) as refused:
        new_form(project, chapter=2, title="测试表")
    message = str(refused.value)
    assert message.startswith("data/ already has 1 error(s); nothing was added. Fix them first")
    assert "data/forms.yaml:4:3: error DATA003" in message and "'purpse'" in message
    assert "F-02-03" not in message, "the new entry is not blamed"
    assert forms.read_bytes() == before

    assert cli.main(["--project", str(project), "new", "form", "--chapter", "2", "--title", "测试表"]) == 2
    assert "data/forms.yaml:4:3: error DATA003" in capsys.readouterr().err


def test_error_of_the_new_entry_itself_is_precise(project: Path) -> None:
    """A project template that renders an invalid entry: its errors are shown with the rejected entry."""
    templates = project / "templates" / "scaffold"
    templates.mkdir(parents=True)
    (templates / "form.yaml.j2").write_text(
        "- id: {{ id }}\n  title: {{ title | yq }}\n  section: {{ section }}\n  owner: {{ owner }}\n"
        "  colour: red\n  fields: []\n",
        encoding="utf-8",
    )
    forms = project / "data" / "forms.yaml"
    before = forms.read_bytes()
    first_new_line = forms.read_text(encoding="utf-8").count("\n") + 2  # after one blank line

    with pytest.raises(ScaffoldError) as rejected:
        new_form(project, chapter=2, title="测试表")
    message = str(rejected.value)
    assert "not added (data/forms.yaml is unchanged)" in message
    assert f"data/forms.yaml:{first_new_line + 4}:3: error DATA003" in message and "'colour'" in message
    assert f"{first_new_line + 4:>5} |   colour: red" in message, "the rejected line is shown"
    assert forms.read_bytes() == before


@pytest.mark.parametrize(
    "slug", ["genindex", "search", "modindex", "py-modindex", "index", "complaint-handling"]
)
def test_new_chapter_refuses_reserved_and_taken_names(project: Path, slug: str) -> None:
    index = project / "manual" / "index.md"
    before = index.read_bytes()
    with pytest.raises(ScaffoldError, match=rf"--slug: expected a (name Sphinx|new label).*{slug!r}"):
        new_chapter(project, title="新章", slug=slug, owner="cs.manager")
    assert index.read_bytes() == before
    assert not list((project / "manual").glob("04-*.md"))


def test_new_chapter_refuses_an_empty_title(project: Path) -> None:
    with pytest.raises(ScaffoldError, match=r"--title: expected a non-empty chapter title, found ''"):
        new_chapter(project, title="", slug="new-one", owner="cs.manager")
    assert not list((project / "manual").glob("04-*.md"))


def test_new_chapter_owner_is_required_and_help_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new chapter has no front matter to take an owner from: --owner is required, as help says."""
    with pytest.raises(SystemExit) as usage:
        cli.main(["--project", str(project), "new", "chapter", "--title", "新章", "--slug", "new-one"])
    assert usage.value.code == 2
    assert "--owner" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["new", "chapter", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "required: role id from data/roles.yaml" in shown
    assert "front matter owner" not in shown and "default: the owner" not in shown


def test_crlf_line_endings_and_bom_are_kept(project: Path) -> None:
    """Appending to a CRLF (or BOM) file keeps every existing byte: git shows only the new lines."""
    forms = project / "data" / "forms.yaml"
    forms.write_bytes(b"\xef\xbb\xbf" + forms.read_bytes().replace(b"\n", b"\r\n"))
    index = project / "manual" / "index.md"
    index.write_bytes(index.read_bytes().replace(b"\n", b"\r\n"))
    forms_before, index_before = forms.read_bytes(), index.read_bytes()

    result = new_form(project, chapter=2, title="新表")
    after = forms.read_bytes()
    assert after.startswith(forms_before)
    assert b"\n" not in after.replace(b"\r\n", b""), "no LF-only line"
    assert after.decode("utf-8-sig").split("\r\n")[result.line - 1] == "- id: F-02-03"
    data, diagnostics = load_data(project / "data")
    assert diagnostics == [] and data is not None and data.form("F-02-03").title == "新表"

    chapter = new_chapter(project, title="新章", slug="new-one", owner="cs.manager")
    new_index = index.read_bytes()
    assert b"\n" not in new_index.replace(b"\r\n", b"")
    assert new_index == index_before.replace(b"03-appendices\r\n", b"03-appendices\r\n04-new-one\r\n")
    assert b"\n" not in chapter.path.read_bytes().replace(b"\r\n", b""), "new chapter follows index.md"


def test_form_message_says_check_fails_until_the_chapter_references_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = new_form(project, chapter=2, title="新表")
    message = result.message
    assert "must be referenced in chapter 2 (manual/02-complaints.md)" in message
    assert "`manualkit check` fails with MK107" in message
    assert "section (complaint-handling), which starts at manual/02-complaints.md:6" in message
    assert ":::{form} F-02-03\n:::" in message

    def mk107() -> list[str]:
        cli.main(["--project", str(project), "check", "--format", "json", "--select", "MK107"])
        return [line for line in capsys.readouterr().out.splitlines() if "F-02-03" in line]

    assert mk107(), "the message tells the truth: check reports MK107"
    chapter = project / "manual" / "02-complaints.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n:::{form} F-02-03\n:::\n", encoding="utf-8")
    assert mk107() == [], "the printed snippet, pasted into the chapter, is what check wants"


def test_readme_form_example_is_true(tmp_path: Path) -> None:
    """README's `manualkit new form … # → F-CC-NN` example gives that id on the real manual's data."""
    repo = Path(__file__).resolve().parents[1]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    example = re.search(r"manualkit new form --chapter (\d+) --title (\S+)\s+# → (F-\d\d-\d\d)", readme)
    assert example is not None
    for part in ("conf.py", "data", "manual"):
        source = repo / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    result = new_form(tmp_path, chapter=int(example.group(1)), title=example.group(2))
    assert result.new_id == example.group(3)


def test_chapter_not_in_utf8_is_explained(project: Path) -> None:
    (project / "manual" / "01-basics.md").write_bytes("# 基础\n".encode("gb18030"))
    with pytest.raises(ScaffoldError, match=r"01-basics\.md: expected UTF-8 text, found byte 0xbb"):
        new_form(project, chapter=2, title="表")


GROUPED_FORMS = """\
# Forms: each prints as its own appendix.

# ---- 第2章 投诉处理 ----
- id: F-02-01
  title: 投诉受理登记表
  purpose: 记录受理
  section: complaint-handling
  owner: cs.agent
  fields:
    - {id: customer.name, label: 客户姓名}

- id: F-02-02
  title: 投诉回访记录表
  purpose: 记录回访
  section: complaint-handling
  owner: cs.agent
  fields:
    - {id: result, label: 回访结果}

# ---- 第3章 附录 ----
- id: F-03-01
  title: 附录表
  purpose: 记录备注
  section: appendices
  owner: cs.agent
  fields:
    - {id: note, label: 备注}
"""


def _without(text: str, first_line: int, count: int) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[: first_line - 1] + lines[first_line - 1 + count :])


def test_new_form_goes_with_its_chapter_so_the_appendices_stay_in_order(project: Path) -> None:
    """The form appendices are numbered in file order (附件1, 附件2, …): appended at the end, a new
    F-02-03 followed F-03-01 and F-01-01 became the last appendix, under another chapter's heading."""
    forms = project / "data" / "forms.yaml"
    forms.write_text(GROUPED_FORMS, encoding="utf-8")

    second = new_form(project, chapter=2, title="投诉升级审批表")
    text = forms.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[second.line - 1] == "- id: F-02-03"
    assert lines[second.line - 3 : second.line - 1] == [
        "",
        "# F-02-03: added by `manualkit new form`; replace the sample fields with the real ones.",
    ]
    assert "\n    - {id: result, label: 回访结果}\n\n# F-02-03: added by" in text
    assert "  signatures: [cs.manager]\n\n# ---- 第3章 附录 ----\n- id: F-03-01" in text
    # Every byte of the file is still there, in its order: only whole lines were inserted.
    assert _without(text, second.line - 2, 21) == GROUPED_FORMS

    first = new_form(project, chapter=1, title="服务时间公示表")
    text = forms.read_text(encoding="utf-8")
    assert text.startswith(
        "# Forms: each prints as its own appendix.\n\n# ---- 第1章 服务基础 ----\n# F-01-01: added by"
    ), "the file groups forms under chapter headings: chapter 1 gets its own"
    assert "  signatures: [cs.manager]\n\n# ---- 第2章 投诉处理 ----\n- id: F-02-01" in text
    assert text.splitlines()[first.line - 1] == "- id: F-01-01"

    data, diagnostics = load_data(project / "data")
    assert diagnostics == [] and data is not None
    assert [f.id for f in data.forms] == ["F-01-01", "F-02-01", "F-02-02", "F-02-03", "F-03-01"]

    # A new chapter's first form: at the end, under a heading of its own, not chapter 3's.
    new_chapter(project, title="消费者权益保护", slug="consumer-protection", owner="cs.manager")
    fourth = new_form(project, chapter=4, title="权益保护登记表")
    lines = forms.read_text(encoding="utf-8").splitlines()
    assert lines[fourth.line - 3 : fourth.line] == [
        "# ---- 第4章 消费者权益保护 ----",
        "# F-04-01: added by `manualkit new form`; replace the sample fields with the real ones.",
        "- id: F-04-01",
    ]
    # A second form of that chapter goes under the same heading.
    fifth = new_form(project, chapter=4, title="权益保护回访表")
    text = forms.read_text(encoding="utf-8")
    assert text.count("# ---- 第4章") == 1 and text.splitlines()[fifth.line - 1] == "- id: F-04-02"


def test_new_checklist_and_sla_go_next_to_their_kin(project: Path) -> None:
    new_checklist(project, chapter=1, title="服务检查清单", items=["已核对"])
    sla = new_sla(
        project,
        prefix="complaint.general",
        name="投诉回访时限",
        value=3,
        unit="working_days",
        start="办结投诉",
        end="完成回访",
        owner="cs.agent",
    )
    data, diagnostics = load_data(project / "data")
    assert diagnostics == [] and data is not None
    assert [c.id for c in data.checklists] == ["CL-01-01", "CL-02-01"]
    assert [s.id for s in data.slas][:3] == [
        "complaint.general.resolve",
        "complaint.general.ack",
        "complaint.general.1",
    ]
    slas = (project / "data" / "slas.yaml").read_text(encoding="utf-8").splitlines()
    assert slas[sla.line - 1] == "- id: complaint.general.1"
    assert slas[sla.line + 6] == "  tags: [complaint]", "tagged as its kin complaint.general.*"
    assert slas[sla.line + 7] == "- id: record.retention", "no blank lines added where the file has none"


def test_sla_unit_and_bound_may_be_typed_as_the_manual_prints_them(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A writer who reads 至少3个工作日 types --unit 工作日 --bound 至少: argparse printed its usage."""
    arguments = [
        "--project",
        str(project),
        "new",
        *_SLA,
        "--unit",
        "工作日",
        "--bound",
        "至少",
        "--chapter",
        "02",
    ]
    assert cli.main(arguments) == 0
    assert "(新时限: 至少3个工作日)" in capsys.readouterr().out
    data, _ = load_data(project / "data")
    assert data is not None
    duration = data.sla("x.y.1").duration
    assert (duration.unit, duration.bound) == ("working_days", "at_least")


def test_messages_say_what_the_writer_must_still_fill_in(project: Path) -> None:
    bare = new_checklist(project, chapter=2, title="回访检查清单")
    assert "Its one item is the placeholder “（待补充检查事项）”: replace it" in bare.message
    # … and the checker holds it back until it is replaced, at the item's own line.
    assert "`manualkit check` fails with MK616" in bare.message
    from manualkit.checks import run_checks

    found = run_checks(project, select=["MK616"]).diagnostics
    lines = bare.path.read_text(encoding="utf-8").split("\n")
    item_line = next(i for i, text in enumerate(lines, 1) if "（待补充检查事项）" in text and i > bare.line)
    assert [(d.code, d.location.line) for d in found] == [("MK616", item_line)]
    assert "`manualkit check` warns MK102" in bare.message
    full = new_checklist(project, chapter=2, title="另一清单", items=["已回访"])
    assert "placeholder" not in full.message
    form = new_form(project, chapter=2, title="新表")
    assert "its stand-in purpose “新表，用于记录办理情况” (or pass --purpose)" in form.message
    # Its sample fields (客户姓名, 填表日期…) read like real ones: the note under them is what the
    # checker holds the form back on, once, at the note's line.
    assert "until you replace them and delete the note, `manualkit check` fails with MK616" in form.message
    lines = form.path.read_text(encoding="utf-8").split("\n")
    note_line = next(i for i, text in enumerate(lines, 1) if "以上为示例栏目" in text and i > form.line)
    found = [d for d in run_checks(project, select=["MK616"]).diagnostics if "F-02-" in d.message]
    assert [(d.location.line, d.message.split(":")[0]) for d in found] == [(note_line, f"form {form.new_id}")]
    assert "a note for editors goes in a # YAML comment" in found[0].message
    assert "stand-in" not in new_form(project, chapter=2, title="又一表", purpose="记录。").message
    sla = new_sla(
        project,
        prefix="x",
        name="新时限",
        value=1,
        unit="hours",
        start="a",
        end="b",
        section="complaint-handling",
    )
    assert "in section (complaint-handling), which starts at manual/02-complaints.md:6" in sla.message


def _overview(project: Path) -> int:
    """Add an unfiltered :::{sla-table} (the overview of every SLA) to the appendix; its line."""
    appendix = project / "manual" / "03-appendices.md"
    text = appendix.read_text(encoding="utf-8")
    appendix.write_text(
        f"{text}\n(sla-summary)=\n## 服务时限一览\n\n:::{{sla-table}}\n:::\n", encoding="utf-8"
    )
    return text.count("\n") + 5


def _sla_of_a_new_chapter(project: Path) -> str:
    """`new chapter consumer-protection`, then `new sla` for its section: the SLA's message."""
    new_chapter(project, title="消费者权益保护", slug="consumer-protection", owner="cs.manager")
    return new_sla(
        project,
        sla_id="consumer.review.1",
        name="权益审查时限",
        value=5,
        unit="working_days",
        start="收到材料",
        end="完成审查",
        section="consumer-protection",
    ).message


def test_new_sla_of_a_chapter_without_tables_names_the_overview_its_citations_link_to(project: Path) -> None:
    """No table of the new chapter lists the SLA, so the build links its citations to the
    overview's row at once: the message promised a link "once a :::{sla-table} lists it"."""
    line = _overview(project)
    message = _sla_of_a_new_chapter(project)
    assert (
        "it renders as “5个工作日”, linked to its row of the overview of every SLA at "
        f"manual/03-appendices.md:{line}, as no :::{{sla-table}} of manual/04-consumer-protection.md "
        "lists it (one there selecting it by its section or tags would take the link).\n"
    ) in message


def _callback_sla(project: Path, name: str) -> str:
    """``new sla`` of a complaint call-back deadline tagged ``callback``: its message."""
    return new_sla(
        project,
        prefix="complaint.general",
        name=name,
        value=3,
        unit="working_days",
        start="办结投诉",
        end="完成回访",
        section="complaint-handling",
        tags=["callback"],
    ).message


def test_new_sla_in_no_table_at_all_says_its_citations_are_not_linked(project: Path) -> None:
    """Without an overview nothing lists it: the build leaves the citation's text unlinked."""
    message = _sla_of_a_new_chapter(project)
    assert "it renders as “5个工作日”, not linked until a :::{sla-table} lists it" in message
    tagged = _callback_sla(project, "回访时限")
    assert "but no SLA table of manual/02-complaints.md lists it, nor does any other, so citations" in tagged
    _overview(project)
    other = _callback_sla(project, "另一回访时限")
    assert "give it the tag a table there selects by (--tags); until then it is linked to its row " in other
    assert "of the overview of every SLA at manual/03-appendices.md:" in other


@pytest.mark.slow
def test_the_table_the_new_sla_message_names_is_where_the_build_links_its_citation(project: Path) -> None:
    """The message and `build html` agree: the citation in the new chapter leads to the overview's
    page, the file the message names."""
    line = _overview(project)
    assert f"the overview of every SLA at manual/03-appendices.md:{line}," in _sla_of_a_new_chapter(project)
    chapter = project / "manual" / "04-consumer-protection.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n收到材料后{sla}`consumer.review.1`内完成审查。\n",
        encoding="utf-8",
    )
    assert cli.main(["--project", str(project), "build", "html", "--no-check"]) == 0
    page = (project / "build" / "html" / "04-consumer-protection.html").read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]*#sla-consumer-review-1)"', page) == [
        "03-appendices.html#sla-consumer-review-1"
    ]
    overview = (project / "build" / "html" / "03-appendices.html").read_text(encoding="utf-8")
    assert 'id="sla-consumer-review-1"' in overview
