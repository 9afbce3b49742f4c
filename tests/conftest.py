"""Shared test helpers: build a fixture manual with Sphinx in a temporary copy."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import io
import os
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATES = REPO / "templates"


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
