"""``-j``: Sphinx's parallel read when the sources are large, the same output either way."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sphinx.builders import Builder

from conftest import build_processes, probe_processes
from manualkit import cli, sphinx_jobs
from manualkit.builders.docx import DocxBuilder
from test_cli import REPO, three_output_project


def spy_on(monkeypatch: pytest.MonkeyPatch, method: str) -> list[tuple[list[str], int]]:
    """Record the (documents, processes) of every call of Sphinx's ``Builder.<method>``."""
    calls: list[tuple[list[str], int]] = []
    original = getattr(Builder, method)

    def spy(self: Builder, docnames: Any, nproc: int) -> None:
        calls.append((list(docnames), nproc))
        original(self, docnames, nproc)

    monkeypatch.setattr(Builder, method, spy)
    return calls


def documents(project: Path) -> list[str]:
    """The names of the project's documents, sorted."""
    return sorted(path.stem for path in (project / "manual").glob("*.md"))


def test_jobs_option_accepts_auto_and_counts() -> None:
    assert sphinx_jobs.parse_jobs("auto") == "auto"
    assert sphinx_jobs.parse_jobs("2") == 2
    assert sphinx_jobs.parse_jobs("0") == 0
    with pytest.raises(
        argparse.ArgumentTypeError, match="expected 'auto' or a number of processes, found 'x'"
    ):
        sphinx_jobs.parse_jobs("x")
    with pytest.raises(argparse.ArgumentTypeError, match="found -1"):
        sphinx_jobs.parse_jobs("-1")
    assert sphinx_jobs.sphinx_parallel("auto") == 0
    assert sphinx_jobs.sphinx_parallel(3) == 3
    assert not sphinx_jobs.forks("auto") and not sphinx_jobs.forks(1) and sphinx_jobs.forks(2)


def test_auto_reads_in_parallel_only_when_there_is_much_to_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 2)
    large = sphinx_jobs.MIN_PARALLEL_BYTES
    few = sphinx_jobs.MIN_PARALLEL_DOCUMENTS - 1
    assert sphinx_jobs.reading_processes(large, 72) == 2
    assert sphinx_jobs.reading_processes(large - 1, 72) == 1  # the real manual's case
    assert sphinx_jobs.reading_processes(10 * large, few) == 1  # an incremental rebuild
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 1)
    assert sphinx_jobs.reading_processes(10 * large, 72) == 1


def test_a_manual_written_as_one_file_takes_two_processes_from_a_smaller_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real manual (66 kB of sources, 9 documents) is read in one process, its DOCX in two."""
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 2)
    real = 66_029
    assert sphinx_jobs.reading_processes(real, 9) == 1
    assert sphinx_jobs.writing_processes(real, 9) == 2
    assert sphinx_jobs.writing_processes(sphinx_jobs.MIN_PARALLEL_WRITE_BYTES - 1, 9) == 1
    assert sphinx_jobs.writing_processes(real, sphinx_jobs.MIN_PARALLEL_DOCUMENTS - 1) == 1
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)  # a flowchart drawn while the manual is read
    thread.start()
    try:
        assert sphinx_jobs.writing_processes(real, 9) == 2  # the writer checks when it forks
        assert not sphinx_jobs.fork_is_safe()
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 1)
    assert sphinx_jobs.writing_processes(real, 9) == 1


def test_auto_never_forks_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """``build all`` typesets the PDF in a thread while the HTML and DOCX build: no fork then."""
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 2)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert sphinx_jobs.reading_processes(10 * sphinx_jobs.MIN_PARALLEL_BYTES, 72) == 1
    finally:
        stop.set()
        thread.join()
    assert sphinx_jobs.reading_processes(10 * sphinx_jobs.MIN_PARALLEL_BYTES, 72) == 2


@pytest.mark.slow
def test_a_parallel_read_writes_the_same_docx_as_a_serial_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = three_output_project(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 2)
    parallel_reads = spy_on(monkeypatch, "_read_parallel")

    def build_docx() -> bytes:
        status = cli.main(["--project", str(project), "build", "docx", "--no-check", "--fresh"])
        assert status == 0, capsys.readouterr().err
        (docx,) = (project / "build" / "docx").glob("*.docx")
        return docx.read_bytes()

    serial = build_docx()  # the fixture's few kilobytes: below the threshold
    assert parallel_reads == []

    monkeypatch.setattr(sphinx_jobs, "MIN_PARALLEL_BYTES", 1)
    monkeypatch.setattr(sphinx_jobs, "MIN_PARALLEL_DOCUMENTS", 1)
    started: list[str] = []
    original = DocxBuilder.start_merged_flowcharts

    def note(builder: DocxBuilder, docnames: Any) -> None:
        started.extend(docnames)
        original(builder, docnames)

    monkeypatch.setattr(DocxBuilder, "start_merged_flowcharts", note)
    parallel = build_docx()
    assert len(parallel_reads) == 1 and "01-complaints" in parallel_reads[0][0]
    assert parallel == serial
    # The flowcharts of each reader's documents were started as they came back, not at the write.
    assert sorted(started) == sorted(parallel_reads[0][0])


@pytest.mark.slow
def test_an_explicit_job_count_reads_in_that_many_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-j 2`` reads in parallel even where ``auto`` would not (a few kilobytes of sources)."""
    project = three_output_project(tmp_path)
    parallel_reads = spy_on(monkeypatch, "_read_parallel")
    status = cli.main(["--project", str(project), "build", "html", "-j", "2", "--no-check", "--fresh"])
    assert status == 0, capsys.readouterr().err
    assert [(sorted(docs), nproc) for docs, nproc in parallel_reads] == [(documents(project), 2)]


@pytest.mark.slow
def test_build_pdf_reads_in_parallel_inside_its_child_process(tmp_path: Path) -> None:
    """The PDF's Sphinx runs in a child process; its readers are that child's children."""
    project = three_output_project(tmp_path)
    log = tmp_path / "processes.log"
    probe_processes(project, log)
    env: dict[str, Any] = dict(os.environ, PYTHONPATH=str(REPO / "tools"), SOURCE_DATE_EPOCH="0")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "manualkit",
            "--project",
            str(project),
            "build",
            "pdf",
            "-j",
            "2",
            "--no-check",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pdf: build/pdf/"), result.stdout
    assert "Traceback" not in result.stderr
    built = build_processes(log)
    sphinx_pid, sphinx_parent = built.sphinx
    assert sphinx_parent != os.getpid()  # not the CLI this test started: a child of it
    assert sorted(built.readers) == documents(project)
    assert {parent for _, parent in built.readers.values()} == {sphinx_pid}


@pytest.mark.slow
def test_after_a_parallel_read_the_site_is_written_in_parallel_with_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = three_output_project(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 2)
    parallel_writes = spy_on(monkeypatch, "_write_parallel")

    def build_site() -> dict[str, bytes]:
        status = cli.main(["--project", str(project), "build", "html", "--no-check", "--fresh"])
        assert status == 0, capsys.readouterr().err
        site = project / "build" / "html"
        return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}

    serial = build_site()
    assert parallel_writes == []
    monkeypatch.setattr(sphinx_jobs, "MIN_PARALLEL_BYTES", 1)
    monkeypatch.setattr(sphinx_jobs, "MIN_PARALLEL_DOCUMENTS", 1)
    parallel = build_site()
    assert [nproc for _, nproc in parallel_writes] == [1]  # the main process and one forked writer
    assert parallel.keys() == serial.keys()
    assert [name for name in serial if parallel[name] != serial[name]] == []


def test_one_file_builders_fork_as_auto_judged_the_whole_manual(monkeypatch: pytest.MonkeyPatch) -> None:
    """The DOCX translation uses two processes when ``auto`` found the manual large, or ``-j``."""
    monkeypatch.setattr(sphinx_jobs, "available_cpus", lambda: 2)

    class App:
        def __init__(self, parallel: int, judged: int | None) -> None:
            self.parallel = parallel
            self.builder = type("B", (), {})()
            if judged is not None:
                setattr(self.builder, sphinx_jobs.WRITE_PROCESSES, judged)

    assert sphinx_jobs.single_file_processes(App(0, 2)) == 2  # auto, a large manual
    assert sphinx_jobs.single_file_processes(App(0, 1)) == 1  # auto, a small one
    assert sphinx_jobs.single_file_processes(App(4, None)) == 2  # -j 4 on two CPUs
    assert sphinx_jobs.single_file_processes(App(0, None)) == 1  # -j 1
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not sphinx_jobs.fork_is_safe()
    finally:
        stop.set()
        thread.join()
    assert sphinx_jobs.fork_is_safe()
