"""Typesetting the PDF while the build goes on with other outputs.

Why: once the print HTML is written, what is left (typesetting the parts, the contents, the page
numbers, joining them) runs in worker processes; the Sphinx process only waits.  Under
``manualkit build all`` that wait is spent building the HTML site and the DOCX instead, so both
cores stay busy.  A thread of the build process drives the assembly (it mostly waits for the
workers' results); the CLI collects the PDF with :meth:`BackgroundTypesetting.result` and
publishes it once the checker approved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from manualkit.builders.output import FinishedFile, OutputFailed

if TYPE_CHECKING:
    from manualkit.builders.pdf_job import TypesettingJob

#: What the thread runs: the PDF's bytes and page count, or an exception.
Typeset = Callable[[], tuple[bytes, int]]
#: Turns the typeset PDF into the file to publish (path and summary line).
Finish = Callable[[bytes, int], FinishedFile]
#: Exceptions whose message is the whole explanation (no type name, no traceback).
Explained = tuple[type[BaseException], ...]


class CollectingReporter:
    """The assembly's reporter off Sphinx: progress lines go to ``progress``, warnings are kept."""

    def __init__(self, progress: Callable[[str], None] | None = None) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self._warnings: list[str] = []

    def info(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

    def warning(self, message: str) -> None:
        with self._lock:
            self._warnings.append(message)

    @property
    def warnings(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._warnings)


class BackgroundTypesetting:
    """A :class:`~manualkit.builders.output.PendingFile` whose PDF a thread is still producing.

    Warnings count as errors (as in every ``manualkit`` build): a PDF WeasyPrint warned about is
    not published.
    """

    def __init__(
        self,
        typeset: Typeset,
        finish: Finish,
        reporter: CollectingReporter,
        cancel_event: threading.Event,
        explained: Explained = (),
    ) -> None:
        self._typeset = typeset
        self._finish = finish
        self._reporter = reporter
        self._cancel_event = cancel_event
        self._explained = explained
        self._outcome: tuple[bytes, int] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="manualkit-pdf", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._outcome = self._typeset()
        except BaseException as exc:  # handed to the waiting thread, which reports it
            self._error = exc

    def result(self) -> FinishedFile:
        self._thread.join()
        warnings = self._reporter.warnings
        if self._error is not None:
            error = self._error
            if isinstance(error, self._explained):
                raise OutputFailed(str(error), warnings)
            raise OutputFailed(f"internal error {type(error).__name__}: {error}", warnings)
        if warnings:
            raise OutputFailed(
                f"{len(warnings)} warning(s), treated as errors; previous output left in place", warnings
            )
        if self._outcome is None:
            raise OutputFailed("typesetting ended without a PDF", warnings)
        return self._finish(*self._outcome)

    def cancel(self) -> None:
        self._cancel_event.set()
        self._thread.join()


class TypesettingFailed(Exception):
    """Typesetting or joining failed; the message says why and that no PDF was written."""


def typeset_in_background(
    job: TypesettingJob, progress: Callable[[str], None] | None
) -> BackgroundTypesetting:
    """Start typesetting ``job`` in a thread; its progress lines go to ``progress``."""
    from manualkit.builders.pdf_job import typeset, typesetting_errors

    reporter = CollectingReporter(progress)
    cancel = threading.Event()
    explained = typesetting_errors()

    def run() -> tuple[bytes, int]:
        try:
            return typeset(job, reporter, cancel)
        except explained as exc:
            raise TypesettingFailed(f"{exc}; no PDF written") from None

    def finished(pdf_bytes: bytes, pages: int) -> FinishedFile:
        return FinishedFile(job.target, pdf_bytes, f"{pages} pages, {len(pdf_bytes) / 1024:.1f} KiB")

    return BackgroundTypesetting(run, finished, reporter, cancel, (TypesettingFailed,))


__all__ = ["BackgroundTypesetting", "CollectingReporter", "TypesettingFailed", "typeset_in_background"]
