"""`manualkit serve` as a writer uses it: edits show up, errors are printed once, the preview survives."""

from __future__ import annotations

import argparse
import io
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from manualkit import cli

FIXTURE = Path(__file__).parent / "fixtures" / "writer" / "mini"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(FIXTURE, root)
    return root


class _FakeAutobuild:
    """Stands in for sphinx-autobuild's builder: records each build it is asked for."""

    uri = "http://127.0.0.1:8765"

    def __init__(self) -> None:
        self.calls: list[list[Path]] = []

    def __call__(self, *, changed_paths: list[Path]) -> None:
        self.calls.append(list(changed_paths))


def test_a_chapter_saved_as_gbk_is_one_error_and_no_sphinx_run(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sphinx printed one "undecodable source characters" warning per byte of a GBK chapter (3,500
    lines for a real chapter) and served question marks; the preview now says it once and waits."""
    html_dir = mini / "build" / ".work" / "serve" / "html"
    fake = _FakeAutobuild()
    build = cli.ServeBuild(fake, mini, html_dir)
    chapter = mini / "manual" / "02-complaints.md"
    good = chapter.read_bytes()
    chapter.write_bytes(good.decode("utf-8").encode("gb18030"))

    out = io.StringIO()
    assert not cli.serve_data_ok(mini, out, url=fake.uri, html_dir=html_dir)
    printed = out.getvalue().splitlines()
    assert len(printed) == 3, printed
    assert printed[0].startswith("manual/02-complaints.md:")
    assert "error MK003 not UTF-8 text" in printed[0] and "GBK" in printed[0]
    assert printed[2] == (
        "manualkit: a chapter cannot be read as text, not rebuilt: the preview at http://127.0.0.1:8765 "
        "lists these errors until they are fixed; fix it as said above and save"
    )
    page = (html_dir / "index.html").read_text(encoding="utf-8")
    assert "a chapter cannot be read as text" in page and "MK003" in page

    build(changed_paths=[chapter])
    assert fake.calls == []
    assert "MK003" in capsys.readouterr().out
    chapter.write_bytes(good)
    build(changed_paths=[chapter])
    assert fake.calls == [[chapter]]
    assert not (html_dir / "index.html").exists()


def _listening_socket() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "is already in use (another `make serve`?); stop it, or pass --port N"),
        ("no-such-host.invalid", "--host: cannot listen on 'no-such-host.invalid'"),
    ],
)
def test_an_address_it_cannot_listen_on_is_one_line_before_any_build(
    mini: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], host: str, expected: str
) -> None:
    """sphinx-autobuild built the whole manual (into the folder the running preview serves) and
    then stopped with uvicorn's "ERROR: [Errno 98]" and exit status 3."""
    autobuild = pytest.importorskip("sphinx_autobuild.__main__")
    started: list[list[str]] = []
    monkeypatch.setattr(autobuild, "main", lambda argv: started.append(argv))
    with _listening_socket() as listener:
        port = listener.getsockname()[1]
        args = argparse.Namespace(project=str(mini), host=host, port=port, no_check=True, open_browser=False)
        assert cli.run_serve_command(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("manualkit serve: ") and expected in err, err
    assert started == []
    assert not (mini / "build").exists()


def test_a_free_port_is_not_refused(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    autobuild = pytest.importorskip("sphinx_autobuild.__main__")
    started: list[list[str]] = []
    monkeypatch.setattr(autobuild, "main", lambda argv: started.append(argv))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = argparse.Namespace(
        project=str(mini), host="127.0.0.1", port=port, no_check=True, open_browser=False
    )
    assert cli.run_serve_command(args) == 0
    assert len(started) == 1


# --------------------------------------------------------------------------- the real preview


class _Preview:
    """``manualkit serve`` in its own process group, its output collected line by line."""

    def __init__(self, root: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "tools"), env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "manualkit", "--project", str(root), "serve", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line)

    def output_since(self, mark: int) -> str:
        while True:
            try:
                self.lines.append(self._queue.get_nowait())
            except queue.Empty:
                return "".join(self.lines[mark:])

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(
                    f"serve died (status {self.process.returncode}) waiting for {what}:\n"
                    + self.output_since(0)
                )
            time.sleep(0.3)
        pytest.fail(f"timed out waiting for {what}:\n{self.output_since(0)}")

    def page(self, name: str) -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{name}", timeout=10) as response:
                return str(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError):
            return ""

    def printed(self, mark: int, text: str) -> Callable[[], bool]:
        return lambda: text in self.output_since(mark)

    def shows(self, name: str, text: str) -> Callable[[], bool]:
        return lambda: text in self.page(name)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def preview(mini: Path) -> Iterator[_Preview]:
    pytest.importorskip("sphinx_autobuild")
    fragments = mini / "templates" / "fragments"
    fragments.mkdir(parents=True)
    shutil.copy(REPO / "templates" / "fragments" / "checklist.md.j2", fragments)
    running = _Preview(mini)
    try:
        running.wait_for("the first build", running.printed(0, "Waiting to detect changes"))
        yield running
    finally:
        running.stop()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_preview_follows_edits_prints_errors_and_recovers(mini: Path, preview: _Preview) -> None:
    chapter = mini / "manual" / "02-complaints.md"
    slas = mini / "data" / "slas.yaml"
    template = mini / "templates" / "fragments" / "checklist.md.j2"
    # "Waiting to detect changes" can come before the server listens: wait for the page itself.
    preview.wait_for("the first page to be served", preview.shows("02-complaints.html", "投诉处理"))

    mark = len(preview.lines)
    _edit(chapter, "登记使用", "受理后登记使用")
    preview.wait_for("the edited paragraph", preview.shows("02-complaints.html", "受理后登记使用"))
    assert "Detected changes" in preview.output_since(mark)

    _edit(slas, "duration: {value: 7, unit: working_days}", "duration: {value: 6, unit: working_days}")
    preview.wait_for("the SLA from data/", preview.shows("02-complaints.html", "6个工作日"))

    _edit(template, "责任岗位：", "负责岗位：")
    preview.wait_for("the edited template", preview.shows("02-complaints.html", "负责岗位："))

    mark = len(preview.lines)
    good_slas = slas.read_text(encoding="utf-8")
    slas.write_text(good_slas.replace("name: 一般投诉办结时限", "name: 一般: [投诉", 1), encoding="utf-8")
    preview.wait_for("the YAML error", preview.printed(mark, "invalid data, not rebuilt"))
    shown = preview.output_since(mark)
    assert "data/slas.yaml:3:" in shown and "error DATA001" in shown and "Traceback" not in shown
    assert "受理后登记使用" in preview.page("02-complaints.html"), "the last good build is still served"

    mark = len(preview.lines)
    slas.write_text(good_slas, encoding="utf-8")
    _edit(chapter, "受理后登记使用", "受理后{slas}`complaint.general.ack`登记使用")
    preview.wait_for("the checker's error", preview.printed(mark, "error MK120 unknown role {slas}"))
    preview.wait_for("the rebuild after it", preview.printed(mark, "Serving on"))
    assert "Traceback" not in preview.output_since(mark)

    mark = len(preview.lines)
    _edit(chapter, "受理后{slas}`complaint.general.ack`登记使用", "恢复后登记使用")
    preview.wait_for("the repaired chapter", preview.shows("02-complaints.html", "恢复后登记使用"))
    preview.wait_for("the rebuild after it", preview.printed(mark, "Serving on"))
    assert "MK120" not in preview.output_since(mark)
    assert preview.process.poll() is None
