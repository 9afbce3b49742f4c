"""Run one command as a child process and measure it: wall time, peak memory, exit status.

Every measurement is a subprocess so start-up cost is included (a writer pays it on every
``manualkit check``) and so peak memory can be read from the kernel: ``os.wait4`` returns the
child's rusage, whose ``ru_maxrss`` covers the child and the descendants it waited for (dot,
WeasyPrint helpers …).  A failing or hanging command is a result, not an exception: the bench
must still print its table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

#: How much of a failing command's output is kept for the report.
_ERROR_TAIL = 600


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One timed run: seconds of wall time, peak resident memory in KiB, exit status, error text."""

    seconds: float
    peak_kib: int
    returncode: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


_ERROR_LINE = re.compile(r"\berror\b|Error:", re.IGNORECASE)
_SPHINX_WARNING = re.compile(r": WARNING: ")


def _tail(data: bytes) -> str:
    """The informative part of a failure's output: its first error (or Sphinx warning) and last line."""
    lines = [line.strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        return ""
    first = next((line for line in lines[:-1] if _ERROR_LINE.search(line)), None)
    first = first or next((line for line in lines[:-1] if _SPHINX_WARNING.search(line)), None)
    picked = [first, lines[-1]] if first else [lines[-1]]
    return " | ".join(picked)[-_ERROR_TAIL:]


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 1800.0,
    ok_codes: Sequence[int] = (0,),
) -> Measurement:
    """Run ``command`` in ``cwd``; never raises for the command's own failures."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            return Measurement(0.0, 0, -1, f"cannot start {command[0]}: {exc}")
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    error: str | None = None
    if timed_out.is_set():
        error = f"timed out after {timeout:.0f} s"
    elif proc.returncode not in ok_codes:
        error = f"exit status {proc.returncode}: {_tail(output) or '(no output)'}"
    return Measurement(seconds, int(usage.ru_maxrss), proc.returncode, error)


def output_size(path: Path) -> int | None:
    """Bytes of a file, or of every file under a directory; ``None`` when it does not exist."""
    if path.is_file():
        return path.stat().st_size
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return None
