"""The bench's memory figure counts every process a command runs, not only the largest one."""

from __future__ import annotations

import sys
from pathlib import Path

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
