"""How many processes Sphinx reads the sources with: ``-j N``, or ``auto`` when it pays off.

Sphinx's parallel read forks reader processes, each parsing a share of the documents and
sending its doctrees' environment data back to be merged.  That pays when there is a lot to
read and costs when there is little: measured on a two-core machine, reading the 10× synthetic
manual (72 documents, 0.6 MB of sources) in two processes cut ``build docx`` from 10.0–10.5 s
to 7.3–7.4 s and ``build html`` from 14.2 s to 10.4 s (same DOCX bytes); the 2× manual
(0.12 MB) still gained 0.2 s of 2.8 s; for the real manual (9 documents, 0.06 MB) it changed
nothing measurable, and an incremental build that re-reads one page would fork for nothing.

So ``auto`` (the default) decides when Sphinx knows what it is about to read (the
``env-before-read-docs`` event): several documents, enough source bytes, more than one CPU, and
no other thread in this process (a fork copies only the forking thread, and ``build all``
typesets the PDF in a thread while the HTML and DOCX build).  After a parallel read, the HTML
site's pages are written in parallel too (10×: a further 11.5 → 10.5 s).  The DOCX is one
document: its builder assembles and translates a large manual's last chapters in a forked child
(:func:`single_file_processes`, judged on the whole manual's size).  The print HTML is one
document too and ignores it.  An explicit ``-j N`` is passed to Sphinx as given (read and write).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import threading
from collections.abc import Iterable
from typing import Any, Final, Literal

#: The ``-j`` value that lets the build decide.
AUTO: Final = "auto"
Jobs = int | Literal["auto"]

#: Source bytes to read below which forking readers does not pay (see the module docstring:
#: the real manual reads 0.06 MB, where it is break-even; the 2× manual's 0.12 MB gains).
MIN_PARALLEL_BYTES = 100_000
#: Fewer documents than this are read serially whatever their size.
MIN_PARALLEL_DOCUMENTS = 4
#: Source bytes from which a manual written as one file (the DOCX) is assembled and translated
#: in two processes (``manualkit.writers.docx.parallel``), even when it was read in one: the fork
#: and the swap of the parts' ids cost ~0.02 s.  Measured on the real manual (66 kB of sources,
#: read serially; interleaved runs): write phase 0.28 → 0.24 s (medians).
MIN_PARALLEL_WRITE_BYTES = 40_000


def parse_jobs(text: str) -> Jobs:
    """``argparse`` type of ``-j``: ``auto`` or a number of processes (0 and 1: serial)."""
    if text == AUTO:
        return AUTO
    try:
        value = int(text)
    except ValueError:
        message = f"expected 'auto' or a number of processes, found {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a number >= 0, found {value}")
    return value


def sphinx_parallel(jobs: Jobs) -> int:
    """The ``parallel`` argument of :class:`sphinx.application.Sphinx` for ``jobs``.

    ``auto`` starts serial; :func:`install` raises it for the read when the read is worth it.
    """
    return 0 if jobs == AUTO else jobs


def forks(jobs: Jobs) -> bool:
    """Whether Sphinx may fork at any time of a build run with ``jobs`` (not only at its read)."""
    return jobs != AUTO and jobs > 1


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def reading_processes(source_bytes: int, documents: int) -> int:
    """How many processes should read ``documents`` documents of ``source_bytes`` bytes (1: serial)."""
    if threading.active_count() > 1:  # Sphinx forks its readers right away
        return 1
    return _processes(source_bytes, documents, MIN_PARALLEL_BYTES)


def writing_processes(source_bytes: int, documents: int) -> int:
    """How many processes should write a manual of ``documents`` documents as one file.

    Threads running now (the flowcharts drawn while reading) do not count: the writer forks
    later, once they are done, and checks then (:func:`fork_is_safe`).
    """
    return _processes(source_bytes, documents, MIN_PARALLEL_WRITE_BYTES)


def _processes(source_bytes: int, documents: int, least_bytes: int) -> int:
    if documents < MIN_PARALLEL_DOCUMENTS or source_bytes < least_bytes:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(available_cpus(), documents))


#: Attribute ``install`` gives the builder under ``auto``: how many processes may write a manual
#: that is one file (the DOCX's translation, see ``manualkit.writers.docx.parallel``).
WRITE_PROCESSES = "manualkit_write_processes"


def sources_size(env: Any, docnames: Iterable[str]) -> int:
    """Bytes of the sources of ``docnames``."""
    size = 0
    for docname in docnames:
        try:
            size += os.path.getsize(env.doc2path(docname))
        except OSError:
            continue
    return size


def single_file_processes(app: Any) -> int:
    """Processes a builder that writes one file may use: ``auto``'s verdict, else ``-j``.

    1 where processes cannot be forked.  Whoever forks must still make sure that no other
    thread is running then (:func:`fork_is_safe`).
    """
    chosen = getattr(app.builder, WRITE_PROCESSES, None)
    processes = int(chosen if chosen is not None else app.parallel or 1)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(processes, available_cpus())


def fork_is_safe() -> bool:
    """Whether this process runs a single thread: a forked child has only the forking thread,
    and a lock another thread held at the fork would stay locked in the child for ever."""
    return threading.active_count() == 1


def install(app: Any, jobs: Jobs) -> None:
    """Under ``auto``, let ``app`` read in parallel when what it is about to read is large, and
    then write its pages in parallel too (a builder that writes one document ignores that)."""
    if jobs != AUTO:
        return
    chosen: list[int] = []

    def choose(app: Any, env: Any, docnames: list[str]) -> None:
        processes = reading_processes(sources_size(env, docnames), len(docnames))
        chosen[:] = [processes]
        app.parallel = processes if processes > 1 else 0

    def write_as_read(app: Any, env: Any) -> None:
        # Sphinx decided at the build's start, with ``parallel`` 0, that the write is serial.  A
        # large read means a large write: the pages are written by forked processes as well,
        # unless a thread started meanwhile.
        builder = app.builder
        # A builder writing the whole manual as one file judges by the whole manual, whatever
        # this run had to read again.
        whole = writing_processes(sources_size(env, env.found_docs), len(env.found_docs))
        setattr(builder, WRITE_PROCESSES, whole)
        parallel = bool(chosen) and chosen[0] > 1 and threading.active_count() == 1
        if parallel and builder.allow_parallel:
            builder.parallel_ok = app.is_parallel_allowed("write")
        if not (parallel and builder.parallel_ok):
            app.parallel = 0

    # Last, so that the list is final (handlers may add documents to read).
    app.connect("env-before-read-docs", choose, priority=900)
    app.connect("env-updated", write_as_read)
