"""`manualkit new …` gives writers a valid entry with the next free id, and keeps their files intact."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from manualkit.loader import load_data
from manualkit.scaffold import (
    ScaffoldError,
    add_new_parser,
    new_chapter,
    new_checklist,
    new_form,
    new_sla,
    toctree_entries,
)

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
    with pytest.raises(ScaffoldError, match="rolled back"):
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
    result = new_chapter(
        project,
        title="消费者权益保护",
        slug="consumer-protection",
        owner="cs.manager",
        review_due=dt.date(2027, 6, 30),
    )
    assert result.path.name == "04-consumer-protection.md"
    text = result.path.read_text(encoding="utf-8")
    assert text.startswith("---\nowner: cs.manager\nreview_due: 2027-06-30\n---\n")
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
    args = parser.parse_args(["new", "form", "--project", str(project), "--chapter", "9", "--title", "新表"])
    assert args.handler(args) == 1
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
