"""The worker processes that typeset the parts of the PDF.

Why a fork server: a fresh Python needs about two seconds to import WeasyPrint.  The fork server
is started when the PDF builder starts (before Sphinx reads the sources), imports WeasyPrint once
in the background, and forks each worker from there — already loaded, without a copy of the
Sphinx process's memory (a plain ``fork`` would share the whole environment and count it in every
worker's resident size).
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import multiprocessing.util
import os
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextvars import ContextVar
from types import TracebackType
from typing import TypeVar

from manualkit.builders.pdf_merge import merge_parts
from manualkit.builders.pdf_worker import PartJob, PartResult, render_part
from manualkit.process_lifetime import on_stop

#: Imported by the fork server before it forks the first worker, in this order: the first one
#: makes the server ignore Ctrl-C and end with this process (see :mod:`.pdf_server_start`).
PRELOAD = [
    "manualkit.builders.pdf_server_start",
    "manualkit.builders.pdf_worker",
    "weasyprint",
    "manualkit.builders.pdf_preload",
]

#: How long a wait for the workers goes without looking whether the build was cancelled (s).
CANCEL_POLL_SECONDS = 0.1

_T = TypeVar("_T")


class RendererDiedError(Exception):
    """A worker process ended without a result (killed, out of memory …)."""


class TypesettingCancelled(Exception):
    """The build stopped the typesetting (another output failed, or it was interrupted)."""


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


def _start_server() -> None:
    """Start the fork server if it is not running, with SIGINT blocked until it ignores it.

    Why blocked: the server ignores Ctrl-C from its first preloaded module on, but before that
    the interpreter starts and imports multiprocessing (~0.1 s) with Python's default handler; a
    Ctrl-C then printed the server's traceback.  A blocked signal stays blocked through exec, and
    the first module lets it through once it is ignored.  Here a Ctrl-C meanwhile only waits
    for the unblocking.  The resource tracker is started first: starting it unblocks SIGINT
    again (it blocks and unblocks its own signals).

    The server ends with the thread that started it (see :mod:`.pdf_server_start`): hence
    :func:`warm_up`, from the main thread, before any typesetting thread would start it.
    """
    multiprocessing.resource_tracker.ensure_running()
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        multiprocessing.forkserver.ensure_running()
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
    _start_server()


@dataclasses.dataclass
class _Scope:
    """The typesetting running in this thread (see :func:`cancelled_by`)."""

    cancelled: threading.Event
    pools: list[_Workers] = dataclasses.field(default_factory=list)


_SCOPE: ContextVar[_Scope | None] = ContextVar("manualkit_pdf_typesetting", default=None)


@contextlib.contextmanager
def cancelled_by(event: threading.Event) -> Iterator[None]:
    """Within: once ``event`` is set, a wait for the workers stops them and raises
    :class:`TypesettingCancelled` (within :data:`CANCEL_POLL_SECONDS`); on leaving, the workers
    of a pool left unfinished are stopped.

    Why: a build that failed or was interrupted waited for the parts being typeset to finish
    (seconds each for a large manual) before its typesetting thread could end; a CI job being
    cancelled is killed outright if it takes that long.  And a part that failed left the other
    workers typesetting the rest for nothing: the assembly stops reading the results, and the
    pool (in :func:`render_parts`, suspended) would only be shut down when it is collected.
    """
    scope = _Scope(event)
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)
        for pool in scope.pools:
            pool.stop()  # nothing to stop in a pool that finished


class _Workers:
    """A process pool whose workers are ended, not waited for, when their work is abandoned.

    Abandoned: the ``with`` block ends with an exception (Ctrl-C, SIGTERM, a failed part), the
    build cancels (:func:`cancelled_by`), or the command ends while the pool still runs
    (:func:`manualkit.process_lifetime.on_stop`: an interrupted ``build pdf`` leaves its
    typesetting thread behind, and Python's exit would wait for the workers).

    ``concurrent.futures`` (Python 3.11) has no public way to end a pool's workers: their table
    (``_processes``, a dict the pool fills and empties in place) and the pool's manager thread
    are taken from the executor, and a pool without them is only waited for, as before.
    """

    def __init__(self, processes: int, max_tasks_per_child: int | None = None) -> None:
        context = _context()
        _start_server()
        self.stopped = False
        scope = _SCOPE.get()
        self._cancelled = scope.cancelled if scope is not None else None
        if scope is not None:
            scope.pools.append(self)
        self.executor = ProcessPoolExecutor(
            max_workers=processes, mp_context=context, max_tasks_per_child=max_tasks_per_child
        )
        # Kept: shutting the executor down forgets it, while its manager thread still uses it.
        table: dict[int, multiprocessing.process.BaseProcess] | None = getattr(
            self.executor, "_processes", None
        )
        self._processes = table if table is not None else {}  # empty now: filled as workers start
        self._unregister = on_stop(self.stop)

    def __enter__(self) -> _Workers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is not None:
                self._abandon()
            self.executor.shutdown(wait=True, cancel_futures=True)
        finally:
            self._unregister()

    def completed(self, futures: Sequence[Future[_T]]) -> Iterator[Future[_T]]:
        """``futures`` as they complete, until the build cancels (see :func:`cancelled_by`)."""
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=CANCEL_POLL_SECONDS, return_when=FIRST_COMPLETED)
            if self.stopped or (self._cancelled is not None and self._cancelled.is_set()):
                raise TypesettingCancelled("typesetting stopped: the build was cancelled")
            yield from done

    def stop(self) -> bool:
        """End the workers now (SIGTERM); what they were typesetting is abandoned.

        Any thread may call it.  The pool's manager thread sees the workers end, fails the
        futures and joins the processes; no worker is left writing a result nobody reads (which
        hung the manager thread, and the exit with it, when a Ctrl-C had reached the workers).
        Whether there was a worker to end.
        """
        self.stopped = True
        ended = False
        for process in list(self._processes.values()):
            with contextlib.suppress(Exception):  # ended meanwhile
                if process.is_alive():
                    process.terminate()
                    ended = True
        return ended

    def _abandon(self) -> None:
        """Stop the workers until the manager thread has given up the pool.

        Why more than once: the pool replaces each worker that exits after its part, and a
        replacement started just after :meth:`stop` would typeset a part already queued to the
        end.  (Not ``shutdown(wait=False)`` first: in Python 3.11 it takes the workers' table
        from a manager thread that still replaces workers, which then fails and hangs the exit.)
        """
        manager: threading.Thread | None = getattr(self.executor, "_executor_manager_thread", None)
        idle = 0 if self.stop() else 1
        while manager is not None and manager.is_alive() and idle < 2:
            manager.join(CANCEL_POLL_SECONDS)
            idle = 0 if self.stop() else idle + 1


def render_parts(jobs: Iterable[PartJob], workers: int) -> Iterator[PartResult]:
    """Typeset every job on ``workers`` processes; results come in completion order.

    Jobs are submitted largest first, so the last part to finish is a small one and both cores
    stay busy until the end.
    """
    ordered = sorted(jobs, key=lambda job: len(job.html), reverse=True)
    processes = max(1, min(workers, len(ordered)))
    # A fresh worker per part (a fork of the server, milliseconds): memory a part's layout
    # fragmented is not carried into the next part.
    with _Workers(processes, max_tasks_per_child=1) as pool:
        futures: list[Future[PartResult]] = [pool.executor.submit(render_part, job) for job in ordered]
        try:
            for future in pool.completed(futures):
                yield future.result()
        except BrokenProcessPool as exc:
            if pool.stopped:
                raise TypesettingCancelled("typesetting stopped: the build was cancelled") from None
            raise RendererDiedError("a PDF renderer process ended unexpectedly (out of memory?)") from exc
        # The parts not typeset yet are not cancelled here but by the pool's shutdown (see
        # ``_Workers.__exit__``): a future cancelled from this thread while the pool's manager
        # thread fails the pool's futures (its workers stopped) crashed that thread (Python
        # 3.11: InvalidStateError), and the exit waited for it for ever.


def merge_in_worker(parts: list[PartResult], folios: Sequence[PartResult], identifier: bytes) -> bytes:
    """Join the parts in a worker process.

    Why not in the Sphinx process: qpdf holds every object of every part while it merges (about
    400 MB for the 10× manual's structure trees), and the Sphinx process already holds the build
    environment; in a process of its own that memory is returned to the system when it ends.
    """
    with _Workers(1) as pool:
        future = pool.executor.submit(merge_parts, parts, folios, identifier)
        try:
            for done in pool.completed([future]):
                return done.result()
        except BrokenProcessPool as exc:
            if pool.stopped:
                raise TypesettingCancelled("typesetting stopped: the build was cancelled") from None
            raise RendererDiedError("the PDF merge process ended unexpectedly (out of memory?)") from exc
    raise TypesettingCancelled("typesetting stopped: the build was cancelled")  # pragma: no cover


__all__ = [
    "CANCEL_POLL_SECONDS",
    "PRELOAD",
    "RendererDiedError",
    "TypesettingCancelled",
    "cancelled_by",
    "default_jobs",
    "merge_in_worker",
    "render_parts",
    "typesetting_elsewhere",
    "warm_up",
]
