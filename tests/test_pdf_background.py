"""Typesetting in the background and publishing later: what the CLI relies on under ``build all``."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from manualkit.builders.output import FinishedFile, OutputFailed, ReadyFile
from manualkit.builders.pdf_background import BackgroundTypesetting, CollectingReporter
from manualkit.buildrunner import BuildFailure, PendingOutput


class Explained(Exception):
    pass


def _finish_into(target: Path) -> Callable[[bytes, int], FinishedFile]:
    def finish(content: bytes, pages: int) -> FinishedFile:
        return FinishedFile(target, content, f"{pages} pages")

    return finish


def test_the_thread_typesets_while_the_caller_goes_on(tmp_path: Path) -> None:
    release = threading.Event()
    started = threading.Event()

    def typeset() -> tuple[bytes, int]:
        started.set()
        assert release.wait(10)
        return b"%PDF-1.7 ...", 3

    pending = BackgroundTypesetting(
        typeset, _finish_into(tmp_path / "m.pdf"), CollectingReporter(), threading.Event()
    )
    assert started.wait(10)  # running, and the constructor has returned: the caller is free
    release.set()
    finished = pending.result()
    assert finished == FinishedFile(tmp_path / "m.pdf", b"%PDF-1.7 ...", "3 pages")


def test_progress_lines_stream_and_warnings_fail_the_pdf(tmp_path: Path) -> None:
    lines: list[str] = []
    reporter = CollectingReporter(lines.append)

    def typeset() -> tuple[bytes, int]:
        reporter.info("manualkit pdf: typeset parts 1/1 (2 pages)")
        reporter.warning("WeasyPrint: Ignored `color: nonsense` at 3:5")
        return b"%PDF", 2

    pending = BackgroundTypesetting(typeset, _finish_into(tmp_path / "m.pdf"), reporter, threading.Event())
    with pytest.raises(OutputFailed) as caught:
        pending.result()
    assert lines == ["manualkit pdf: typeset parts 1/1 (2 pages)"]
    assert caught.value.warnings == ("WeasyPrint: Ignored `color: nonsense` at 3:5",)
    assert "1 warning(s), treated as errors" in str(caught.value)


def test_failures_keep_their_message_and_unexpected_ones_name_their_type(tmp_path: Path) -> None:
    def explained() -> tuple[bytes, int]:
        raise Explained("a PDF renderer process ended unexpectedly; no PDF written")

    def unexpected() -> tuple[bytes, int]:
        raise KeyError("anchor")

    for typeset, message in [
        (explained, "a PDF renderer process ended unexpectedly; no PDF written"),
        (unexpected, "internal error KeyError: 'anchor'"),
    ]:
        pending = BackgroundTypesetting(
            typeset, _finish_into(tmp_path / "m.pdf"), CollectingReporter(), threading.Event(), (Explained,)
        )
        with pytest.raises(OutputFailed, match=message):
            pending.result()


def test_cancel_tells_the_typesetting_to_stop_and_waits_for_it(tmp_path: Path) -> None:
    cancel = threading.Event()
    stopped = threading.Event()

    def typeset() -> tuple[bytes, int]:
        cancel.wait(10)  # what PrintAssembly does between parts
        stopped.set()
        raise Explained("typesetting stopped: the build failed")

    pending = BackgroundTypesetting(
        typeset, _finish_into(tmp_path / "m.pdf"), CollectingReporter(), cancel, (Explained,)
    )
    pending.cancel()
    assert cancel.is_set()
    assert stopped.is_set()  # cancel returned only once the thread had ended


class _Recorder:
    def __init__(self, finished: FinishedFile | None = None, error: OutputFailed | None = None) -> None:
        self.finished = finished
        self.error = error
        self.cancelled = False

    def result(self) -> FinishedFile:
        if self.error is not None:
            raise self.error
        assert self.finished is not None
        return self.finished

    def cancel(self) -> None:
        self.cancelled = True


def test_publish_writes_the_file_only_once_approved(tmp_path: Path) -> None:
    target = tmp_path / "build" / "pdf" / "KF-SC-001-v1.0.pdf"
    refused = _Recorder(FinishedFile(target, b"%PDF", "1 pages"))
    with pytest.raises(BuildFailure) as caught:
        PendingOutput("pdf", refused, io.StringIO(), tmp_path).publish(lambda: False)
    assert caught.value.refused
    assert refused.cancelled
    assert not target.exists()

    built = PendingOutput("pdf", ReadyFile(FinishedFile(target, b"%PDF", "1 pages")), io.StringIO(), tmp_path)
    output = built.publish(lambda: True)
    assert (output.name, output.path, output.summary) == ("pdf", target, "1 pages")
    assert target.read_bytes() == b"%PDF"


def test_a_failed_pending_output_reports_its_warnings_and_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "build" / "pdf" / "m.pdf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"previous")
    stderr = io.StringIO()
    failing = _Recorder(
        error=OutputFailed(
            "1 warning(s), treated as errors; previous output left in place",
            [f"WeasyPrint: Failed to load image at {tmp_path}/manual/x.png"],
        )
    )
    with pytest.raises(BuildFailure, match="pdf build failed: 1 warning"):
        PendingOutput("pdf", failing, stderr, tmp_path).publish(None)
    # Project paths are shown relative, as for every other warning of the build.
    assert stderr.getvalue() == (
        "WARNING: WeasyPrint: Failed to load image at manual/x.png [manualkit.weasyprint]\n"
    )
    assert target.read_bytes() == b"previous"
