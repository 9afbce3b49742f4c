"""A forked child never holds the reading end of the pipe it reports through.

Kept open (the fork copies every descriptor), that end let the child write into a pipe nobody
else read once its parent had stopped listening: a PDF build stopped by SIGTERM while Sphinx
read left its child blocked for ever in ``send`` and the build waiting for the child
(``test_process_lifetime``'s SIGTERM test hung with exactly those two stacks).
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_fixture
from manualkit import buildrunner, cli
from manualkit.diagnostics import Diagnostic, Location
from manualkit.project import locate_project


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    return copy_fixture("basic", tmp_path)


@dataclasses.dataclass(frozen=True)
class _Report:
    """What a checker returns, as far as ``CheckRun`` reads it."""

    diagnostics: tuple[Diagnostic, ...]
    has_errors: bool = False

    def summary(self) -> str:
        return f"{len(self.diagnostics)} finding(s)"


def pipes_read_and_written_here() -> set[int]:
    """Inodes of the pipes of which this process holds both a reading and a writing end."""
    ends: dict[int, set[int]] = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            info = os.fstat(int(name))
            fdinfo = Path(f"/proc/self/fdinfo/{name}").read_text(encoding="ascii")
        except (OSError, ValueError):
            continue
        found = re.search(r"^flags:\s+([0-7]+)", fdinfo, re.MULTILINE)
        if stat.S_ISFIFO(info.st_mode) and found:
            ends.setdefault(info.st_ino, set()).add(int(found.group(1), 8) & os.O_ACCMODE)
    return {inode for inode, modes in ends.items() if {os.O_RDONLY, os.O_WRONLY} <= modes}


def test_the_pdf_child_holds_no_reading_end_of_its_pipe(basic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    already = pipes_read_and_written_here()  # this process's own, which the child inherits too

    def export(*_: Any) -> None:
        extra = sorted(pipes_read_and_written_here() - already)
        raise buildrunner.BuildFailure(f"pipes read and written by the child: {extra}")

    monkeypatch.setattr(buildrunner, "_export_pdf_job", export)
    with pytest.raises(buildrunner.BuildFailure, match=r"pipes read and written by the child: \[\]"):
        buildrunner.build_pdf_in_child(locate_project(basic), stderr=io.StringIO())


def test_the_checker_child_holds_no_reading_end_of_its_pipe(basic: Path) -> None:
    already = pipes_read_and_written_here()

    def run_checks(root: Path, **_: Any) -> Any:
        extra = sorted(pipes_read_and_written_here() - already)
        finding = Diagnostic("MK999", "warning", f"pipes {extra}", Location("data/x.yaml"))
        return _Report((finding,))

    checks = cli.CheckRun(basic, run_checks, verbose=0, stderr=io.StringIO())
    try:
        assert checks.approved()
        assert [d.message for d in checks.diagnostics()] == ["pipes []"]
    finally:
        checks.close()
