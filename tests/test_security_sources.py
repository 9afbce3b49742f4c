"""Untrusted sources, second round: what a review found past the first fixes.

* an ``html_meta`` (or ``.. meta::``) attribute name that closes the ``<meta>`` and opens a script;
* a ``.rst`` file in manual/, which Sphinx read and published past every chapter check;
* a chapter linked to another file of the project (``manual/settings.md -> ../.env``);
* a chapter linked to a device (``/dev/zero``), read until memory ran out;
* U+FFFE in a chapter, which the DOCX cannot hold.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from manualkit import cli
from manualkit.checks import run_checks

MINI = Path(__file__).parent / "fixtures" / "writer" / "mini"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return root


def _chapter(root: Path) -> Path:
    return root / "manual" / "02-complaints.md"


def _add_to_toctree(root: Path, name: str) -> None:
    index = root / "manual" / "index.md"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace("02-complaints\n", f"02-complaints\n{name}\n", 1), encoding="utf-8")


def _published(root: Path) -> str:
    html = root / "build" / "html"
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in html.rglob("*.html"))


@pytest.mark.parametrize(
    "markup",
    [
        'myst:\n  html_meta:\n    "a><script>alert(1)</script><meta=x": "y"\n',
        "",  # the same through docutils' meta directive, below
    ],
)
def test_a_meta_attribute_name_cannot_open_a_script(
    project: Path, capsys: pytest.CaptureFixture[str], markup: str
) -> None:
    chapter = _chapter(project)
    text = chapter.read_text(encoding="utf-8")
    if markup:
        text = text.replace("---\n", "---\n" + markup, 1)
    else:
        text += "\n```{eval-rst}\n.. meta::\n   :c><script>alert(22)</script><meta=x: y\n```\n"
    chapter.write_text(text, encoding="utf-8")
    assert cli.main(["--project", str(project), "build", "html", "--no-check"]) == 1
    assert "refusing <meta> with the attribute" in capsys.readouterr().err
    work = project / "build" / ".work" / "html"
    assert not any("<script>alert" in p.read_text(encoding="utf-8") for p in work.rglob("*.html"))


def test_a_rst_file_in_manual_is_no_chapter(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "manual" / "evil.rst").write_text("秘密\n====\n\nDB_PASSWORD=hunter2\n", encoding="utf-8")
    _add_to_toctree(project, "evil")
    assert cli.main(["--project", str(project), "build", "html", "--no-check"]) == 1
    assert "evil" in capsys.readouterr().err
    assert not (project / "build" / "html").exists()
    assert "hunter2" not in "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in (project / "build").rglob("*.html")
    )


def test_a_chapter_linked_to_another_file_of_the_project_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".env").write_text("# 配置\n\nDB_PASSWORD=hunter2SECRET\n", encoding="utf-8")
    os.symlink(Path("..") / ".env", project / "manual" / "settings.md")
    _add_to_toctree(project, "settings")
    found = [d.format() for d in run_checks(project, today=TODAY, select=["MK003"]).diagnostics]
    assert len(found) == 1 and found[0].startswith("manual/settings.md:1:1: error MK003 refusing to read it")
    assert "hunter2SECRET" not in found[0]
    assert cli.main(["--project", str(project), "build", "all", "--no-check"]) == 2
    assert "hunter2SECRET" not in capsys.readouterr().err
    assert not (project / "build" / "html").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_chapter_linked_to_a_device_is_refused_unread(project: Path) -> None:
    os.symlink("/dev/zero", project / "manual" / "zero.md")
    found = [d.format() for d in run_checks(project, today=TODAY, select=["MK003"]).diagnostics]
    assert len(found) == 1 and "manual/zero.md:1:1: error MK003 refusing to read it" in found[0]


def test_a_non_character_in_a_chapter_is_mk003(project: Path) -> None:
    chapter = _chapter(project)
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("投诉", "投\ufffe诉", 1), encoding="utf-8")
    (found,) = [d.format() for d in run_checks(project, today=TODAY, select=["MK003"]).diagnostics]
    assert "error MK003 control character U+FFFE" in found


def test_check_says_a_toctree_entry_naming_a_rst_file_names_no_chapter(project: Path) -> None:
    """The build refuses it (chapters are .md only): check said nothing, the build then failed."""
    (project / "manual" / "evil.rst").write_text("秘密\n====\n\n正文\n", encoding="utf-8")
    _add_to_toctree(project, "evil")
    found = [d.format() for d in run_checks(project, today=TODAY, select=["MK109"]).diagnostics]
    assert len(found) == 1 and "toctree entry 'evil' names no document (expected manual/evil.md)" in found[0]
