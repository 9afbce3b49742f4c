"""Directives nested too deeply: the line scan, the checker (MK618) and the build name the line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import build_processes, probe_processes
from manualkit.nesting import MAX_DIRECTIVE_DEPTH, first_too_deep

ROOT = Path(__file__).resolve().parents[1]
#: A fixture manual with manualkit's Sphinx extension (the guard is part of it).
FIXTURE = Path(__file__).parent / "fixtures" / "basic"


def nested_notes(depth: int, fence: str = ":") -> list[str]:
    """``depth`` admonitions inside one another, the outermost fence the longest."""
    opening = [fence * (3 + depth - level) + "{note}" for level in range(depth)]
    closing = [fence * (3 + level) for level in range(1, depth + 1)]
    return [*opening, "最内层的内容", *closing]


def test_the_limit_itself_is_accepted_and_one_more_level_is_not() -> None:
    assert first_too_deep("\n".join(nested_notes(MAX_DIRECTIVE_DEPTH))) is None
    found = first_too_deep("\n".join(["# 标题", "", *nested_notes(MAX_DIRECTIVE_DEPTH + 1)]))
    assert found is not None
    assert (found.line, found.name, found.limit) == (2 + MAX_DIRECTIVE_DEPTH + 1, "note", MAX_DIRECTIVE_DEPTH)


def test_closed_directives_do_not_add_up_and_backtick_fences_count() -> None:
    in_turn = [line for _ in range(3 * MAX_DIRECTIVE_DEPTH) for line in (":::{note}", "一条", ":::")]
    assert first_too_deep("\n".join(in_turn)) is None
    found = first_too_deep("\n".join(nested_notes(MAX_DIRECTIVE_DEPTH + 1, fence="`")))
    assert found is not None and found.line == MAX_DIRECTIVE_DEPTH + 1


def test_fences_inside_code_and_graphs_are_text() -> None:
    code = nested_notes(MAX_DIRECTIVE_DEPTH + 5)
    wrapped = ["`" * 40 + "{code-block} markdown", *code, "`" * 40]
    assert first_too_deep("\n".join(wrapped)) is None
    plain = ["~~~", "x", "~~~", "`" * 40, *code, "`" * 40]  # a plain code fence, no directive
    assert first_too_deep("\n".join(plain)) is None


def project_with_nesting(tmp_path: Path, depth: int) -> tuple[Path, int]:
    """The basic CLI fixture with ``depth`` nested notes appended to a chapter; the line of the
    note one level too deep (or 0)."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("build", "_build"))
    chapter = project / "manual" / "01-complaints.md"
    text = chapter.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    start = text.count("\n") + 1
    chapter.write_text(text + "\n".join(nested_notes(depth)) + "\n", encoding="utf-8")
    return project, (start + MAX_DIRECTIVE_DEPTH if depth > MAX_DIRECTIVE_DEPTH else 0)


def run_manualkit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env_path = str(ROOT / "tools")
    return subprocess.run(
        [sys.executable, "-m", "manualkit", "--project", str(project), *args],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": env_path,
            "SOURCE_DATE_EPOCH": "1750000000",
            "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],  # the session's (conftest), not ~/.cache
        },
        timeout=300,
        check=False,
    )


def test_checker_reports_the_line_one_level_too_deep(tmp_path: Path) -> None:
    # 600 levels: the checker's own walk ended in a RecursionError traceback.
    project, line = project_with_nesting(tmp_path, 600)
    result = run_manualkit(project, "check", "--select", "MK618")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"manual/01-complaints.md:{line}:1: error MK618 directive {{note}} is nested "
        f"{MAX_DIRECTIVE_DEPTH + 1} levels deep: expected at most {MAX_DIRECTIVE_DEPTH} levels"
    ) in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_build_refuses_the_chapter_at_that_line_without_a_traceback(tmp_path: Path, jobs: str) -> None:
    # 600 levels: MyST's nested parsers ran into Python's recursion limit ("internal error
    # RecursionError", no file named), also in a parallel read.
    project, line = project_with_nesting(tmp_path, 600)
    log = tmp_path / "processes.log"
    probe_processes(project, log)
    result = run_manualkit(project, "build", "html", "--no-check", "-j", jobs)
    assert result.returncode == 1
    built = build_processes(log)
    reader, reader_parent = built.readers["01-complaints"]
    if jobs == "1":
        assert reader == built.sphinx[0]  # read by Sphinx's own process
    else:
        assert reader_parent == built.sphinx[0]  # read by a reader process Sphinx forked
    errors = [text for text in result.stderr.splitlines() if "ERROR" in text]
    assert errors == [
        f"manual/01-complaints.md:{line}: ERROR: directive {{note}} is nested {MAX_DIRECTIVE_DEPTH + 1} "
        f"levels deep: expected at most {MAX_DIRECTIVE_DEPTH} levels of directives inside one another; "
        "close some of the enclosing fences or move the content into a section of its own (MK618) [manualkit]"
    ], result.stderr
    assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr
    assert not (project / "build" / "html").exists()


@pytest.mark.slow
def test_nesting_within_the_limit_builds(tmp_path: Path) -> None:
    project, _ = project_with_nesting(tmp_path, MAX_DIRECTIVE_DEPTH)
    result = run_manualkit(project, "build", "html", "--no-check")
    assert result.returncode == 0, result.stderr
    assert "最内层的内容" in (project / "build" / "html" / "01-complaints.html").read_text(encoding="utf-8")
