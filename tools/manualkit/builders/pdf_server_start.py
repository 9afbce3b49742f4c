"""The first module the PDF workers' fork server imports: it is no process of its own.

Why first, before WeasyPrint: the server spends its first seconds importing WeasyPrint and
typesetting a warm-up page (:mod:`.pdf_preload`).  A Ctrl-C reaches every process of the
terminal's group; multiprocessing has the server ignore it only once its preloading is done, so
a Ctrl-C early in ``build pdf`` interrupted the import and printed the server's traceback above
"manualkit: interrupted".  Here, before anything else, the server ignores SIGINT (and so do the
workers it forks: they are given the disposition it had before its loop).  The ``manualkit``
process handles Ctrl-C and stops the workers itself (:mod:`.pdf_pool`); SIGINT stays blocked
from the server's start until here (see ``pdf_pool._start_server``) and is let through now,
ignored.

And the server ends with the process that started it (see :mod:`manualkit.process_lifetime`):
it is started by exec, where at-fork hooks do not run, so it asks for itself; its workers ask
through the hooks armed here.  Never imported by the ``manualkit`` process.
"""

from __future__ import annotations

import os
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

from manualkit.process_lifetime import arm_fork_hooks, end_with_parent  # noqa: E402 - SIGINT first

end_with_parent(os.getppid())
arm_fork_hooks()
