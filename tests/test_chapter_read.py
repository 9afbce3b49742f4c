"""A chapter the outputs cannot hold is refused where it is read, at its line and column.

A backspace pasted into a chapter passed `check` and then stopped the DOCX with "All strings must
be XML compatible" naming no file; a 31 MB chapter kept the build busy for over ten minutes.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from manualkit import cli
from manualkit.checks import run_checks
from manualkit.checks.source import MAX_CHAPTER_BYTES, MAX_CONTROL_REPORTS

FIXTURE = Path(__file__).parent / "fixtures" / "checks" / "clean"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FIXTURE, root)
    return root


def _chapter(root: Path) -> Path:
    return root / "manual" / "04-complaints.md"


def _mk003(root: Path) -> list[str]:
    return [d.format() for d in run_checks(root, today=TODAY, select=["MK003"]).diagnostics]


@pytest.mark.parametrize("char", ["\x08", "\x0b", "\x00", "\x1b"])
def test_a_control_character_is_reported_at_its_place(project: Path, char: str) -> None:
    chapter = _chapter(project)
    lines = chapter.read_text(encoding="utf-8").split("\n")
    row = next(
        i for i, line in enumerate(lines) if len(line) > 6 and not line.startswith(("#", "(", "-", ":"))
    )
    lines[row] = lines[row][:3] + char + lines[row][3:]
    chapter.write_text("\n".join(lines), encoding="utf-8")

    (found,) = _mk003(project)
    assert found.startswith(
        f"manual/04-complaints.md:{row + 1}:4: error MK003 control character U+{ord(char):04X}"
    )


def test_every_control_character_is_reported_not_only_the_first(project: Path) -> None:
    """Text pasted from Word carries several: a writer who deleted the one reported was refused
    again for the next, one run at a time."""
    chapter = _chapter(project)
    lines = chapter.read_text(encoding="utf-8").split("\n")
    rows = [13, 21, 29]  # three prose lines (0-based)
    for row, char in zip(rows, ["\x0b", "\x0c", "\x0b"], strict=True):
        lines[row] = lines[row][:2] + char + lines[row][2:]
    lines[rows[1]] = lines[rows[1]][:5] + "\x0b" + lines[rows[1]][5:]  # two on one line
    chapter.write_text("\n".join(lines), encoding="utf-8")

    found = [line.split(": error ")[0] for line in _mk003(project)]
    assert found == [
        "manual/04-complaints.md:14:3",
        "manual/04-complaints.md:22:3",
        "manual/04-complaints.md:22:6",
        "manual/04-complaints.md:30:3",
    ]


def test_the_other_rules_count_columns_in_the_file_as_saved(project: Path) -> None:
    """The checks ran on the text without the control character: a misspelt SLA after one on
    the same line was reported a column too early."""
    chapter = _chapter(project)
    text = chapter.read_text(encoding="utf-8")
    line = text.split("\n")[21]
    broken = "\x0b" + line.replace("complaint.general.resolve", "complaint.generl.resolve")
    chapter.write_text(text.replace(line, broken), encoding="utf-8")

    report = run_checks(project, today=TODAY, select=["MK101"])
    (found,) = [d for d in report.diagnostics if "generl" in d.message]
    assert (found.location.line, found.location.column) == (22, broken.index("{sla}`complaint.generl") + 1)


def test_a_flood_of_control_characters_is_counted_after_the_first_ones(project: Path) -> None:
    chapter = _chapter(project)
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n" + "\x01" * 500 + "\n", encoding="utf-8")
    found = _mk003(project)
    assert len(found) == MAX_CONTROL_REPORTS + 1
    assert f"{500 - MAX_CONTROL_REPORTS} more control characters from here on" in found[-1]


def test_the_build_refuses_it_with_the_same_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "mini"
    shutil.copytree(FIXTURE.parent.parent / "writer" / "mini", project)
    chapter = project / "manual" / "02-complaints.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("投诉", "投\x08诉", 1), encoding="utf-8")
    assert cli.main(["--project", str(project), "build", "docx"]) == 2
    err = capsys.readouterr().err
    assert "error MK003 control character U+0008 (BACKSPACE)" in err
    assert "Traceback" not in err and "XML compatible" not in err
    assert not (project / "build" / "docx").exists()


def test_other_chapters_are_still_checked_from_the_text_without_it(project: Path) -> None:
    """The labels of the chapter are still read: no MK101 flood in the chapters citing them."""
    chapter = _chapter(project)
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("投诉", "投\x08诉", 1), encoding="utf-8")
    report = run_checks(project, today=TODAY, ignore=["MK6"])  # the copy has no Vale styles
    assert [d.code for d in report.diagnostics if d.severity == "error"] == ["MK003"]


def test_a_chapter_too_large_to_be_one_is_refused_before_it_is_read(project: Path) -> None:
    chapter = _chapter(project)
    text = chapter.read_text(encoding="utf-8")
    padding = "投诉处理" * (MAX_CHAPTER_BYTES // 12 + 1)
    chapter.write_text(text + "\n" + padding + "\n", encoding="utf-8")
    (found,) = _mk003(project)
    assert found.startswith(
        "manual/04-complaints.md:1:1: error MK003 the chapter is 2.0 MB: expected at most 2 MB"
    )
