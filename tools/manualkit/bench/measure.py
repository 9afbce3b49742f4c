"""Run one command as a child process and measure it: wall time, peak memory, exit status.

Every measurement is a subprocess so start-up cost is included (a writer pays it on every
``manualkit check``).  Peak memory is taken over *every* process the command runs (its process
group, sampled every 0.1 s), because manualkit's PDF builder typesets in worker processes: the
kernel's ``ru_maxrss`` (also taken, for short spikes) is the largest single process only, and
would hide the workers.  Two sums are kept: of the resident sizes (RSS: pages shared between
processes — the PDF workers share WeasyPrint and the fonts with the fork server they come from —
are counted once per process), and of the proportional set sizes (PSS, from
``/proc/PID/smaps_rollup``: a shared page counted once in all, split between its sharers), which
is the memory the machine must really provide.  A failing or hanging command is a result, not an
exception: the bench must still print its table.
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
    #: Peak of the summed proportional set sizes (KiB); 0 when not measured.
    peak_pss_kib: int = 0

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
        sampler = _GroupMemorySampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            sampler.stop()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    error: str | None = None
    if timed_out.is_set():
        error = f"timed out after {timeout:.0f} s"
    elif proc.returncode not in ok_codes:
        error = f"exit status {proc.returncode}: {_tail(output) or '(no output)'}"
    return Measurement(
        seconds,
        max(int(usage.ru_maxrss), sampler.peak_kib),
        proc.returncode,
        error,
        peak_pss_kib=sampler.peak_pss_kib,
    )


class _GroupMemorySampler(threading.Thread):
    """Peaks of the summed RSS and PSS (KiB) of the processes in one process group.

    The sampler shares the machine with what it measures, so it is kept cheap.  Reading every
    member's ``smaps_rollup`` (the kernel walks the process's page tables: 2 ms a worker) and
    every ``/proc/*/stat`` through ``pathlib`` each 0.1 s cost 0.9 s of CPU over a 7 s PDF
    build, on a two-core machine whose other core the build's workers use: about 7 % of the
    PDF's measured time, and nothing of a single-process reference's.  Now the RSS sum comes
    from raw ``stat`` reads every sample, and the PSS sum only when the RSS sum is near its
    peak so far (where the PSS peak can be), at most every ``PSS_INTERVAL``: 0.2 s in all.
    """

    INTERVAL = 0.1
    PSS_INTERVAL = 0.3
    #: A PSS sample is taken when the RSS sum is at least this share of its peak so far.
    NEAR_PEAK = 0.9

    def __init__(self, group: int) -> None:
        super().__init__(daemon=True)
        self.group = group
        self.peak_kib = 0
        self.peak_pss_kib = 0
        self._done = threading.Event()
        self._page_kib = os.sysconf("SC_PAGE_SIZE") // 1024

    def run(self) -> None:
        last_pss = float("-inf")
        while not self._done.wait(self.INTERVAL):
            rss, members = self._sample()
            self.peak_kib = max(self.peak_kib, rss)
            now = time.monotonic()
            if rss >= self.NEAR_PEAK * self.peak_kib and now - last_pss >= self.PSS_INTERVAL:
                last_pss = now
                pss = sum(_pss_kib(f"/proc/{pid}") for pid in members)
                self.peak_pss_kib = max(self.peak_pss_kib, pss)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _sample(self) -> tuple[int, list[str]]:
        """The group's summed RSS (KiB) and its members' pids."""
        total = 0
        members: list[str] = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
                # fields after the command name (which may hold spaces): state ppid pgrp …; rss is 24th
                fields = stat[stat.rindex(b")") + 2 :].split()
                if int(fields[2]) == self.group:
                    total += int(fields[21]) * self._page_kib
                    members.append(name)
            except (OSError, ValueError, IndexError):
                continue
        return total, members


def _pss_kib(proc_dir: str) -> int:
    """The process's proportional set size in KiB (0 where the kernel does not report it)."""
    try:
        with open(os.path.join(proc_dir, "smaps_rollup"), encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def output_size(path: Path) -> int | None:
    """Bytes of a file, or of every file under a directory; ``None`` when it does not exist."""
    if path.is_file():
        return path.stat().st_size
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return None
