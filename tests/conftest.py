"""Shared test helpers: build a fixture manual with Sphinx in a temporary copy."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import io
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATES = REPO / "templates"


_SESSION_CACHE_ENV: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Give the session a cache folder of its own: builds keep ``$XDG_CACHE_HOME/manualkit``
    (jieba's dictionary, glossary pinyin, font coverage; ~10 MB), and the tests must not write into
    the user's ``~/.cache``.  Set in the environment, so every build in a child process uses it too."""
    _SESSION_CACHE_ENV["previous"] = os.environ.get("XDG_CACHE_HOME")
    _let_ctrl_c_through()
    _SESSION_CACHE_ENV["folder"] = tempfile.mkdtemp(prefix="manualkit-test-cache-")
    os.environ["XDG_CACHE_HOME"] = _SESSION_CACHE_ENV["folder"]


def _let_ctrl_c_through() -> None:
    """Handle Ctrl-C as Python does by default, also when the suite was started ignoring it.

    A shell without job control starts a background command (``make test &``, a CI step run in
    the background) with SIGINT ignored, and Python then never raises KeyboardInterrupt; the
    builds the tests start inherit that and, as a background job should, ignore Ctrl-C.  The
    tests of what Ctrl-C does need it delivered: this process handles it, and its children
    (the handler resets to the default at exec) get it by default.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, previous = _SESSION_CACHE_ENV.pop("folder", None), _SESSION_CACHE_ENV.pop("previous", None)
    if folder is None:
        return
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous
    shutil.rmtree(folder, ignore_errors=True)


@dataclasses.dataclass
class SphinxRun:
    """What a test needs after a build: the app, its outputs and everything it logged."""

    app: Any
    project: Path
    outdir: Path
    status: str
    warnings: str
    error: BaseException | None


def copy_fixture(name: str, destination: Path) -> Path:
    """A private copy of ``tests/fixtures/<name>`` that a test may edit."""
    target = destination / name
    shutil.copytree(FIXTURES / name, target)
    return target


def copy_real_manual(destination: Path) -> Path:
    """A private copy of the real manual's sources (conf.py, chapters, data, templates)."""
    root = destination / "manual-project"
    root.mkdir()
    for name in ("conf.py", "docutils.conf"):
        shutil.copy(REPO / name, root / name)
    for name in ("manual", "data", "templates"):
        shutil.copytree(REPO / name, root / name)
    return root


def append(path: Path, text: str) -> None:
    """Add ``text`` at the end of a fixture file (a chapter, a data file)."""
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def run_sphinx(
    project: Path,
    builder: str = "html",
    *,
    overrides: Mapping[str, Any] | None = None,
    fresh: bool = True,
    outdir: Path | None = None,
) -> SphinxRun:
    """Build ``project`` (conf.py at its root, sources in manual/) and capture the logs.

    A build that stops with a SphinxError returns the error instead of raising, so
    tests can assert on what the user would see.
    """
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    out = outdir or project / "_build" / builder
    confoverrides = dict(overrides or {})
    status, warning = io.StringIO(), io.StringIO()
    error: BaseException | None = None
    app = None
    with patch_docutils(project), docutils_namespace():
        try:
            app = Sphinx(
                srcdir=project / "manual",
                confdir=project,
                outdir=out,
                doctreedir=out / ".doctrees",
                buildername=builder,
                confoverrides=confoverrides,
                status=status,
                warning=warning,
                freshenv=fresh,
            )
            app.build()
        except SphinxError as exc:
            error = exc
    return SphinxRun(app, project, out, status.getvalue(), warning.getvalue(), error)


def touch_later(path: Path) -> None:
    """Set ``path``'s mtime clearly after anything written so far (coarse file-system clocks)."""
    later = time.time() + 5
    os.utime(path, (later, later))


_PROCESS_PROBE = """

def setup(app):  # added by the tests: which processes run Sphinx and read each document
    import os

    def note(*words):
        with open({log!r}, "a", encoding="utf-8") as out:
            print(*words, os.getpid(), os.getppid(), file=out)

    app.connect("builder-inited", lambda app: note("sphinx"))
    app.connect("source-read", lambda app, doc, text: note("read", doc), priority=0)  # before any check
"""


@dataclasses.dataclass
class BuildProcesses:
    """Who did what in a build probed by :func:`probe_processes` (pids as the OS gave them)."""

    sphinx: tuple[int, int]  # (pid, parent pid) of the process that ran Sphinx
    readers: dict[str, tuple[int, int]]  # document -> (pid, parent pid) of the process that read it


def probe_processes(project: Path, log: Path) -> None:
    """Make ``project``'s builds log, into ``log``, the processes that run Sphinx and read each
    document (a ``setup`` in its conf.py; Sphinx emits ``source-read`` in whichever process reads)."""
    conf = project / "conf.py"
    text = conf.read_text(encoding="utf-8")
    assert "def setup(" not in text, "the fixture's conf.py has a setup() of its own"
    conf.write_text(text + _PROCESS_PROBE.format(log=str(log)), encoding="utf-8")


def build_processes(log: Path) -> BuildProcesses:
    """What :func:`probe_processes` logged for one build."""
    sphinx: list[tuple[int, int]] = []
    readers: dict[str, tuple[int, int]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        *words, pid, ppid = line.split()
        if words == ["sphinx"]:
            sphinx.append((int(pid), int(ppid)))
        else:
            readers[words[1]] = (int(pid), int(ppid))
    assert len(sphinx) == 1, sphinx
    return BuildProcesses(sphinx[0], readers)


@pytest.fixture(scope="session")
def basic_html(tmp_path_factory: pytest.TempPathFactory) -> SphinxRun:
    """The ``basic`` fixture manual built once to HTML (read-only for tests)."""
    project = copy_fixture("basic", tmp_path_factory.mktemp("basic-html"))
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    return run


#: The real browser the site is tested in (Debian's chromium, driven by Playwright).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def site(basic_html: SphinxRun) -> Iterator[str]:
    """``basic_html`` served over HTTP on a free local port (what a browser test opens)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(basic_html.outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
