"""Helper processes that end with the process that started them; SIGTERM handled as Ctrl-C.

Why: ``manualkit build`` starts many processes — the PDF's Sphinx build in a forked child,
Sphinx's forked readers, the checker, the PDF workers' fork server (with a worker per part) and
multiprocessing's resource tracker.  Each of them waits on a pipe to its parent.  When the
parent vanished without cleaning up (SIGKILL, or SIGTERM before it was handled: a CI job being
cancelled), those pipes never ended: a child stuck writing a job into a pipe whose read end it
had inherited itself, workers waiting for parts that would never come, the fork server waiting
for them; ~450 MB that lived on until the machine was rebooted.

So, on Linux, every child forked while :func:`children_end_with_this_process` is in force asks
the kernel for SIGKILL when its parent ends (``prctl(PR_SET_PDEATHSIG)``); a child's children do
the same, so a whole tree ends from the top.  The PDF workers' fork server is not forked but
started by exec (where at-fork hooks do not run): it asks for itself, first thing
(:mod:`manualkit.builders.pdf_server_start`), and arms the hooks for the workers it forks.  The
resource tracker is left alone: it exits by itself once every process holding its pipe (all of
the above) is gone, unlinking what they left behind.

And SIGTERM to the ``manualkit`` process is handled like Ctrl-C: it raises :class:`Terminated`
in the main thread, so every ``finally`` runs (outputs stay as they were, helpers are stopped)
and the command ends with status 143 instead of vanishing mid-build.

One trap: Python ignores (prints and drops) an exception raised in an at-fork hook, and a signal
that arrives while a process forks is handled in one of them (logging's, ours).  A SIGTERM or
Ctrl-C at that moment was lost, and the build went on to publish.  So while this process forks,
the two handlers only note the signal, and it is sent again once the fork is done.
"""

from __future__ import annotations

import contextlib
import logging  # noqa: F401 - imported first: its at-fork hooks must run inside ours (see above)
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

#: Exit status of a command ended by SIGTERM (128 + the signal's number, as shells report it).
EXIT_TERMINATED = 128 + signal.SIGTERM
#: ``prctl`` option: the signal a process receives when the thread that created it ends.
PR_SET_PDEATHSIG = 1
#: What a child receives when its parent ends: nothing in a helper is worth finishing then, and
#: SIGKILL cannot be ignored or caught (the resource tracker, for one, ignores SIGTERM).
PARENT_DEATH_SIGNAL = signal.SIGKILL
#: How long after a fork a signal noted during it is sent again (the hooks take microseconds).
RESEND_AFTER_FORK_SECONDS = 0.05


class Terminated(BaseException):
    """SIGTERM arrived: unwinds the main thread as KeyboardInterrupt does.

    A ``BaseException`` (as KeyboardInterrupt) so that no ``except Exception`` turns it into an
    ordinary build failure; not a KeyboardInterrupt, so that the command can say "terminated".
    """


#: ``libc.prctl``, looked up when the hooks are armed (the child only calls it).
_prctl: Any = None
_prctl_missing = False
#: Whether forked children ask to end with their parent (see :func:`children_end_with_this_process`).
_armed = False
_hooks_registered = False
#: Set just before each fork: the forking process's pid, and whether its main thread forks.
_fork_parent: tuple[int, bool] = (0, False)
#: True from the first at-fork hook to the last (see the module docstring).
_forking = False
#: The signal :func:`_handle_signal` noted while forking, to be sent again (0: none).
_noted_signal = 0
#: Callbacks that stop helpers still running when the command ends (see :func:`on_stop`).
_stoppers: dict[int, Callable[[], object]] = {}
_stoppers_lock = threading.Lock()
_next_stopper = 0


def _load_prctl() -> Any:
    """``prctl`` from the C library, or ``None`` where there is none (not Linux)."""
    global _prctl, _prctl_missing
    if _prctl is None and not _prctl_missing:
        if not sys.platform.startswith("linux"):
            _prctl_missing = True
            return None
        try:
            import ctypes

            function = ctypes.CDLL(None, use_errno=True).prctl
            function.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
            function.restype = ctypes.c_int
        except (ImportError, OSError, AttributeError):  # pragma: no cover - unusual C library
            _prctl_missing = True
            return None
        _prctl = function
    return _prctl


def end_with_parent(parent: int) -> None:
    """Ask for SIGKILL when this process's parent ends; end now if ``parent`` is already gone.

    ``parent`` is the pid the caller knew its parent by before asking: a parent that ended
    between the fork and the request would never send the signal (the child would have been
    handed to init or a subreaper already), so the parent is looked at again afterwards.

    The kernel sends the signal when the *thread* that created this process ends, not the
    whole process: see :func:`_before_fork` for why only forks made by a main thread ask.
    """
    prctl = _load_prctl()
    if prctl is None or prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL, 0, 0, 0) != 0:
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), PARENT_DEATH_SIGNAL)


def _before_fork() -> None:
    """Note who forks (in the parent, right before ``fork``; registered last, so it runs first).

    Only a fork made by the main thread asks to end with its parent: the signal comes when the
    forking thread ends, and a thread may end long before the process (and its child) should.
    Every fork manualkit makes of a long-lived child (the PDF's Sphinx child, Sphinx's readers,
    the checker, the DOCX translator, the fork server's workers) is made by a main thread.
    """
    global _fork_parent, _forking
    if _armed:
        _forking = True
        _fork_parent = (os.getpid(), threading.current_thread() is threading.main_thread())


def _after_fork_in_parent() -> None:
    """The fork is done (registered last, so it runs last): send a signal noted meanwhile again.

    From a short-lived thread, a moment later: sent from here, its handler would run in this
    very hook, and raise where Python drops the exception.
    """
    global _forking, _noted_signal
    _forking = False
    noted, _noted_signal = _noted_signal, 0
    if noted:
        resend = threading.Timer(RESEND_AFTER_FORK_SECONDS, os.kill, (os.getpid(), noted))
        resend.daemon = True
        resend.start()


def _after_fork_in_child() -> None:
    """In a new child: SIGTERM and Ctrl-C as by default, and end with the parent (see above)."""
    global _forking, _noted_signal, _stoppers, _stoppers_lock
    if not _armed:
        return
    _forking = False
    noted, _noted_signal = _noted_signal, 0
    # The child is no command: ``Process.terminate()`` and Sphinx's clean-up must end it, not
    # make it unwind and report a Terminated that nobody waits for.
    _restore_default_handlers()
    # The parent's helpers are not the child's to stop (new lock: another thread of the parent
    # may have held the old one at the fork).
    _stoppers, _stoppers_lock = {}, threading.Lock()
    parent, from_main_thread = _fork_parent
    if from_main_thread:
        end_with_parent(parent)
    if noted == signal.SIGTERM:
        # Meant for the parent (which stops its children) or for this child: either way, end.
        # (A Ctrl-C noted here is dropped: the parent has its own note of it, and stops this.)
        os.kill(os.getpid(), signal.SIGTERM)


#: The handlers :func:`children_end_with_this_process` replaces, as Python starts with them.
_DEFAULT_HANDLERS: dict[signal.Signals, Any] = {
    signal.SIGTERM: signal.SIG_DFL,
    signal.SIGINT: signal.default_int_handler,
}


def _restore_default_handlers() -> None:
    for number, default in _DEFAULT_HANDLERS.items():
        if signal.getsignal(number) is _handle_signal:
            with contextlib.suppress(ValueError):  # not the main thread: cannot happen after a fork
                signal.signal(number, default)


def arm_fork_hooks() -> None:
    """Make every later fork of this process (from its main thread) end with it, for good.

    For a process that lives only for its helpers' sake: the PDF workers' fork server.
    """
    global _armed, _hooks_registered
    # Looked up now, not in the child (no library loading between fork and exec) nor at the
    # fork (the hooks must stay short).
    _load_prctl()
    if not _hooks_registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
        )
        _hooks_registered = True
    _armed = True


def _handle_signal(signum: int, frame: FrameType | None) -> None:
    """SIGTERM raises :class:`Terminated`, SIGINT KeyboardInterrupt; noted while forking."""
    global _noted_signal
    if _forking:
        _noted_signal = _noted_signal or signum
        return
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


@contextlib.contextmanager
def children_end_with_this_process() -> Iterator[None]:
    """While in force: forked children end with this process, SIGTERM raises :class:`Terminated`.

    On leaving, whatever helpers registered with :func:`on_stop` and are still running are
    stopped (an interrupted build's PDF workers), and the signal handlers and the fork hooks are
    as before (a test calling the CLI in its own process keeps its own handling).  A signal
    this process was started with ignored (``nohup``, a background job) stays ignored.
    """
    global _armed
    was_armed = _armed
    arm_fork_hooks()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for number, default in _DEFAULT_HANDLERS.items():
            if signal.getsignal(number) is default:
                previous[number] = signal.signal(number, _handle_signal)
    try:
        yield
    finally:
        # First: a second SIGTERM while the helpers are stopped ends the process at once (its
        # children follow it), rather than interrupting the stopping.  A handler replaced
        # meanwhile (:func:`end_at_once_on_signal`) is left alone.
        for number, handler in previous.items():
            if signal.getsignal(number) is _handle_signal:
                signal.signal(number, handler)
        stop_helpers()
        _armed = was_armed


def end_at_once_on_signal(status: int) -> None:
    """From now on, Ctrl-C or SIGTERM ends this process at once, quietly, with ``status``.

    For the last steps of a command whose outcome is decided and said: Python's exit then joins
    threads, and a KeyboardInterrupt there was printed as a traceback ("Exception ignored in:
    <module 'threading'>") after "manualkit: interrupted".  ``timeout -s INT`` signals twice
    (the command, then its process group), and so does an impatient second Ctrl-C.  Children
    end with this process (see the module docstring).
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def end(signum: int, frame: FrameType | None) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # closed, or being written by this very thread
                stream.flush()
        os._exit(status)

    for number in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, end)


def on_stop(stop: Callable[[], object]) -> Callable[[], None]:
    """Have ``stop`` called if the command ends while it is registered; returns the unregistering.

    Why: a build interrupted while it waits for its PDF workers leaves the typesetting thread
    behind, and Python's exit would wait for the workers to finish their parts (seconds for a
    large manual) before the process could end.
    """
    global _next_stopper
    with _stoppers_lock:
        key = _next_stopper
        _next_stopper += 1
        _stoppers[key] = stop

    def unregister() -> None:
        with _stoppers_lock:
            _stoppers.pop(key, None)

    return unregister


def stop_helpers() -> None:
    """Call every registered stop callback (once); a failing one does not keep the others."""
    with _stoppers_lock:
        stoppers = list(_stoppers.values())
        _stoppers.clear()
    for stop in stoppers:
        with contextlib.suppress(Exception):
            stop()


__all__ = [
    "EXIT_TERMINATED",
    "PARENT_DEATH_SIGNAL",
    "Terminated",
    "arm_fork_hooks",
    "children_end_with_this_process",
    "end_at_once_on_signal",
    "end_with_parent",
    "on_stop",
    "stop_helpers",
]
