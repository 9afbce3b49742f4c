"""The worker processes that typeset the parts of the PDF.

Why a fork server: a fresh Python needs about two seconds to import WeasyPrint.  The fork server
is started when the PDF builder starts (before Sphinx reads the sources), imports WeasyPrint once
in the background, and forks each worker from there — already loaded, without a copy of the
Sphinx process's memory (a plain ``fork`` would share the whole environment and count it in every
worker's resident size).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from manualkit.builders.pdf_merge import merge_parts
from manualkit.builders.pdf_worker import PartJob, PartResult, render_part

#: Imported by the fork server before it forks the first worker.
PRELOAD = ["manualkit.builders.pdf_worker", "weasyprint", "manualkit.builders.pdf_preload"]


class RendererDiedError(Exception):
    """A worker process ended without a result (killed, out of memory …)."""


def default_jobs() -> int:
    """Workers to use: one per core the process may run on, at most 4 (memory grows with each)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


#: The longest path a Unix socket may have (``sun_path`` is 108 bytes with its terminating NUL).
_UNIX_SOCKET_PATH_MAX = 107
#: What the fork server's socket path adds to its folder: ``/listener-XXXXXXXX``.
_SOCKET_NAME_LENGTH = 18
#: Short temp folders to hold the socket when ``TMPDIR`` is too deep for it.
_SHORT_TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def _socket_folder_fits(folder: str) -> bool:
    return len(os.fsencode(folder)) + _SOCKET_NAME_LENGTH <= _UNIX_SOCKET_PATH_MAX


def _place_socket_folder() -> None:
    """Make sure the fork server's Unix socket path fits, whatever ``TMPDIR`` is.

    Python 3.11 puts the socket in multiprocessing's temp folder (``$TMPDIR/pymp-XXXXXXXX``) and
    fails with "AF_UNIX path too long" when ``TMPDIR`` is deep (CI runners, test sandboxes).  Then
    that folder is created in a short system temp folder instead; multiprocessing removes it at
    exit as usual.
    """
    if _socket_folder_fits(os.path.join(tempfile.gettempdir(), "pymp-XXXXXXXX")):
        return
    for candidate in _SHORT_TEMP_DIRS:
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            saved = tempfile.tempdir
            tempfile.tempdir = candidate
            try:
                multiprocessing.util.get_temp_dir()  # created now, kept for this process
            finally:
                tempfile.tempdir = saved
            return


def _context() -> multiprocessing.context.ForkServerContext:
    """The fork-server context, told which modules its server imports before forking workers."""
    _place_socket_folder()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


#: Set in a process that only writes the print HTML (see :func:`typesetting_elsewhere`).
_ELSEWHERE = False


def typesetting_elsewhere() -> None:
    """This process writes the print HTML only; another one typesets it (and owns the fork server).

    Called in the child that ``manualkit.buildrunner`` forks for the PDF's Sphinx build: the fork
    server belongs to the parent, and a forked child must not check on it (it is not its child).
    """
    global _ELSEWHERE
    _ELSEWHERE = True


def warm_up() -> None:
    """Start the fork server now, so that WeasyPrint is imported while Sphinx reads the sources."""
    if _ELSEWHERE:
        return
    _context()
    multiprocessing.forkserver.ensure_running()


def render_parts(jobs: Iterable[PartJob], workers: int) -> Iterator[PartResult]:
    """Typeset every job on ``workers`` processes; results come in completion order.

    Jobs are submitted largest first, so the last part to finish is a small one and both cores
    stay busy until the end.
    """
    ordered = sorted(jobs, key=lambda job: len(job.html), reverse=True)
    processes = max(1, min(workers, len(ordered)))
    # A fresh worker per part (a fork of the server, milliseconds): memory a part's layout
    # fragmented is not carried into the next part.
    with ProcessPoolExecutor(max_workers=processes, mp_context=_context(), max_tasks_per_child=1) as pool:
        futures: list[Future[PartResult]] = [pool.submit(render_part, job) for job in ordered]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool as exc:
            raise RendererDiedError("a PDF renderer process ended unexpectedly (out of memory?)") from exc
        finally:
            for future in futures:
                future.cancel()


def merge_in_worker(parts: list[PartResult], folios: Sequence[PartResult], identifier: bytes) -> bytes:
    """Join the parts in a worker process.

    Why not in the Sphinx process: qpdf holds every object of every part while it merges (about
    400 MB for the 10× manual's structure trees), and the Sphinx process already holds the build
    environment; in a process of its own that memory is returned to the system when it ends.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
        try:
            return pool.submit(merge_parts, parts, folios, identifier).result()
        except BrokenProcessPool as exc:
            raise RendererDiedError("the PDF merge process ended unexpectedly (out of memory?)") from exc


__all__ = [
    "RendererDiedError",
    "default_jobs",
    "merge_in_worker",
    "render_parts",
    "typesetting_elsewhere",
    "warm_up",
]
