"""manualkit check --tracked-only (the pre-commit hook): an image the commit lacks is MK124.

pre-commit stashes unstaged changes but leaves untracked files on disk, so a picture a chapter
shows but nobody ``git add``-ed is there while the hook runs and missing from the commit: every
other checkout then fails the build with "image file not readable".  The hook must count it as
missing, as it already does an untracked chapter (MK109, MK142).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from manualkit.checks import run_checks
from manualkit.checks.cli import main
from test_checks import TODAY, append_paragraph, make_project

PNG = b"\x89PNG\r\n\x1a\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'
CHAPTERS = ("manual/index.md", "manual/04-complaints.md", "manual/08-appendix.md")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True, capture_output=True)


def _pictures(root: Path) -> None:
    """A PNG and an SVG drawing under manual/img/, on disk only."""
    (root / "manual" / "img").mkdir()
    (root / "manual" / "img" / "flow.png").write_bytes(PNG)
    (root / "manual" / "img" / "chart.svg").write_text(SVG, encoding="utf-8")


def _mk124(root: Path, *, tracked_only: bool = True) -> list[str]:
    report = run_checks(root, today=TODAY, select=["MK124"], tracked_only=tracked_only)
    return [d.format() for d in report.diagnostics]


def test_an_image_git_does_not_track_fails_the_tracked_only_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The chapter added, its pictures not: check --tracked-only passed and the commit failed
    everywhere else with MK124 "not found"."""
    root = make_project(tmp_path)
    _pictures(root)
    line = append_paragraph(root, "![流程](img/flow.png)\n\n```{figure} /img/chart.svg\n:alt: 统计\n```")
    # Outside a git repository, --tracked-only has nothing to compare with: the files on disk count.
    assert _mk124(root) == []
    _git(root, "init", "-q")
    _git(root, "add", *CHAPTERS)
    assert _mk124(root, tracked_only=False) == []
    assert _mk124(root) == [
        f"manual/04-complaints.md:{line}:1: error MK124 image 'img/flow.png' is manual/img/flow.png, "
        "which git does not track (git add it: the commit would lack it)",
        f"manual/04-complaints.md:{line + 2}:4: error MK124 image '/img/chart.svg' is "
        "manual/img/chart.svg, which git does not track (git add it: the commit would lack it)",
    ]
    args = ["check", "--project", str(root), "--select", "MK124", "--tracked-only"]
    assert main(args) == 1
    assert "image 'img/flow.png' is manual/img/flow.png, which git does not track" in capsys.readouterr().out
    _git(root, "add", "manual/img/flow.png")
    assert [finding.split(" MK124 ")[1][:22] for finding in _mk124(root)] == ["image '/img/chart.svg'"]
    _git(root, "add", "manual/img/chart.svg")
    assert main(args) == 0
    # Removed from the index (git rm --cached): the commit lacks it again.
    _git(root, "rm", "-q", "--cached", "manual/img/flow.png")
    assert len(_mk124(root)) == 1


def test_a_project_inside_a_larger_repository_compares_its_own_paths(tmp_path: Path) -> None:
    """git lists the project's files relative to the project (the folder the check runs in), not
    to the repository's top: a tracked image there is tracked, an untracked one is not."""
    repo = tmp_path / "repo"
    repo.mkdir()
    root = make_project(repo)
    _pictures(root)
    append_paragraph(root, "![流程](img/flow.png) ![统计](img/chart.svg)")
    _git(repo, "init", "-q")
    _git(root, "add", *CHAPTERS, "manual/img/flow.png")
    (found,) = _mk124(root)
    assert "image 'img/chart.svg' is manual/img/chart.svg, which git does not track" in found


def test_an_image_reached_through_a_tracked_link_counts_as_tracked(tmp_path: Path) -> None:
    """A folder linked to another (manual/pics → img): git tracks the link and the real file, not
    the path the chapter writes; the commit holds both, so the picture is there."""
    root = make_project(tmp_path)
    _pictures(root)
    (root / "manual" / "pics").symlink_to("img", target_is_directory=True)
    append_paragraph(root, "![流程](pics/flow.png)")
    _git(root, "init", "-q")
    _git(root, "add", *CHAPTERS, "manual/pics", "manual/img/flow.png")
    assert _mk124(root) == []
