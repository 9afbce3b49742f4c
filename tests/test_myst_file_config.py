"""A chapter may not change how MyST reads it: no `myst:` settings in front matter but html_meta.

The attack: `myst: {enable_extensions: [substitution], disable_syntax: []}` in a chapter's front
matter turned raw HTML back on (a working `<script>` in the site) and let a substitution run
`{{ cycler.__init__.__globals__.os.popen(…) }}` on the build machine, while `check` only warned
that the raw HTML "is shown as literal text".
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from manualkit import cli
from manualkit.checks import run_checks

MINI = Path(__file__).parent / "fixtures" / "writer" / "mini"
TODAY = dt.date(2026, 12, 1)


def _attack(root: Path, marker: Path, settings: str) -> Path:
    chapter = root / "manual" / "02-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    payload = (
        f"鉴定 {{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}} 结束\n\n"
        "<script>alert('MKXSS')</script>\n\n"
    )
    head, _, body = text[4:].partition("---\n")
    chapter.write_text(f"---\n{settings}{head}---\n\n{payload}{body}", encoding="utf-8")
    return chapter


SETTINGS = "myst:\n  enable_extensions: [colon_fence, substitution]\n  disable_syntax: []\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return root


def test_check_refuses_file_level_myst_settings_at_the_myst_line(project: Path, tmp_path: Path) -> None:
    _attack(project, tmp_path / "ran", SETTINGS)
    found = [d.format() for d in run_checks(project, today=TODAY, select=["MK505"]).diagnostics]
    assert len(found) == 1, found
    assert found[0].startswith(
        "manual/02-complaints.md:2:1: error MK505 front matter sets MyST's configuration"
    )
    assert "'disable_syntax', 'enable_extensions'" in found[0]


def test_html_meta_stays_allowed(project: Path) -> None:
    chapter = project / "manual" / "02-complaints.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        text.replace("---\n", "---\nmyst:\n  html_meta:\n    keywords: 投诉\n", 1), encoding="utf-8"
    )
    assert run_checks(project, today=TODAY, select=["MK505"]).diagnostics == ()


@pytest.mark.parametrize("settings", [SETTINGS, "myst:\n  substitutions: {x: y}\n", "myst: 1\n"])
def test_the_build_refuses_the_chapter_before_any_setting_takes_effect(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: str
) -> None:
    marker = tmp_path / "command-ran"
    _attack(project, marker, settings)
    assert cli.main(["--project", str(project), "build", "html", "--no-check"]) == 1
    err = capsys.readouterr().err
    assert "manual/02-complaints.md:2: ERROR: front matter sets MyST's configuration" in err
    assert not marker.exists(), "the substitution ran a command on the build machine"
    assert not (project / "build" / "html").exists()
    work = project / "build" / ".work"
    assert not any("<script>alert" in p.read_text(encoding="utf-8") for p in work.rglob("*.html"))
