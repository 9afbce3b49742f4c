"""The bench's memory figure counts every process a command runs, not only the largest one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from manualkit.bench import measure
from manualkit.bench.measure import run_measured

#: Two worker processes, each holding about 120 MB at the same time (as the PDF builder's do).
_WORKERS = """
import multiprocessing, time
def hold(_):
    block = bytearray(120 * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(1.0)
    return len(block)
if __name__ == "__main__":
    with multiprocessing.get_context("forkserver").Pool(2) as pool:
        pool.map(hold, [1, 2], chunksize=1)
"""


def test_peak_memory_is_the_sum_over_the_worker_processes(tmp_path: Path) -> None:
    script = tmp_path / "workers.py"
    script.write_text(_WORKERS, encoding="utf-8")
    measured = run_measured([sys.executable, str(script)], cwd=tmp_path, timeout=60)
    assert measured.ok, measured.error
    # one worker alone peaks near 130 MB; both together are above 230 MB
    assert measured.peak_kib > 230 * 1024, measured.peak_kib // 1024


#: A parent holding 150 MB and two forked children sharing those pages without writing to them.
_SHARED = """
import os, time
block = bytearray(150 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        total = sum(block[i] for i in range(0, len(block), 4096))  # read: pages stay shared
        time.sleep(1.0)
        os._exit(0 if total else 1)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""


def test_shared_pages_count_once_in_the_pss_sum_and_per_process_in_the_rss_sum(tmp_path: Path) -> None:
    script = tmp_path / "shared.py"
    script.write_text(_SHARED, encoding="utf-8")
    measured = run_measured([sys.executable, str(script)], cwd=tmp_path, timeout=60)
    assert measured.ok, measured.error
    rss, pss = measured.peak_kib // 1024, measured.peak_pss_kib // 1024
    assert rss > 400, (rss, pss)  # three processes, each resident on the same 150 MB
    assert 140 < pss < 260, (rss, pss)  # the 150 MB once, plus three interpreters


def test_pss_is_read_near_the_peak_and_not_every_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each PSS reading walks a process's page tables: read every 0.1 s from every worker, the
    sampling took 0.9 s of CPU from a 7 s PDF build on two cores.  The peak is still found."""
    reads: list[str] = []
    real = measure._pss_kib

    def counted(proc_dir: str) -> int:
        reads.append(proc_dir)
        return real(proc_dir)

    monkeypatch.setattr(measure, "_pss_kib", counted)
    script = tmp_path / "shared.py"
    script.write_text(_SHARED, encoding="utf-8")
    measured = run_measured([sys.executable, str(script)], cwd=tmp_path, timeout=60)
    assert measured.ok, measured.error
    samples = measured.seconds / measure._GroupMemorySampler.INTERVAL
    rounds = measured.seconds / measure._GroupMemorySampler.PSS_INTERVAL + 1
    assert len(reads) <= 3 * rounds < 3 * samples, (len(reads), measured.seconds)
    assert 140 < measured.peak_pss_kib // 1024 < 260
