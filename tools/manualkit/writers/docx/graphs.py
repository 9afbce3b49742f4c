"""Flowchart rendering: DOT source → PNG with ``dot [graphviz_dot_args] -Tpng -Gdpi=200``.

The arguments are Sphinx's ``graphviz_dot_args`` (conf.py), as the HTML and PDF charts drawn by
``sphinx.ext.graphviz`` get them: a setting there (a default font, say) changes all three outputs.

A failure raises ``GraphvizError`` carrying dot's own message; the translator reports it as a
build warning at the node's source line (never swallowed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

GRAPHVIZ_DPI = 200


class GraphvizError(Exception):
    """``dot`` is missing or rejected the graph."""


def dot_executable(config: object) -> str:
    """The ``dot`` to run: Sphinx's ``graphviz_dot`` setting (``dot`` on the PATH by default)."""
    return str(getattr(config, "graphviz_dot", "") or "dot")


def dot_arguments(config: object) -> tuple[str, ...]:
    """Sphinx's ``graphviz_dot_args`` setting: what every ``dot`` run of the build is given."""
    return tuple(str(arg) for arg in getattr(config, "graphviz_dot_args", None) or ())


def render_dot_png(code: str, dot: str = "dot", dpi: int = GRAPHVIZ_DPI, args: Sequence[str] = ()) -> bytes:
    """PNG bytes of a DOT graph; raises GraphvizError with dot's message on failure."""
    result = subprocess.run(
        dot_command(dot, args, dpi), input=code.encode("utf-8"), capture_output=True, check=False
    )
    return checked_png(result.returncode, result.stdout, result.stderr)


def dot_command(dot: str, args: Sequence[str], dpi: int = GRAPHVIZ_DPI) -> list[str]:
    """``dot`` and its arguments: ``args`` first, the format and print resolution last (they are
    what a DOCX needs).  Raises GraphvizError when ``dot`` is not installed."""
    executable = shutil.which(dot)
    if executable is None:
        raise GraphvizError(f"graphviz executable {dot!r} not found (install graphviz)")
    return [executable, *args, "-Tpng", f"-Gdpi={dpi}"]


def checked_png(returncode: int, data: bytes, stderr: bytes) -> bytes:
    """``data`` when ``dot`` drew a PNG, else GraphvizError with dot's message."""
    if returncode != 0 or not data.startswith(b"\x89PNG"):
        message = stderr.decode("utf-8", "replace").strip() or f"exit status {returncode}"
        raise GraphvizError(message)
    return data


@dataclasses.dataclass
class _Render:
    """A ``dot`` run in progress: its process and the files it reads and writes."""

    process: subprocess.Popen[bytes]
    source: Path
    output: Path
    errors: Path

    def remove_files(self) -> None:
        for path in (self.source, self.output, self.errors):
            path.unlink(missing_ok=True)


class GraphRenderer:
    """Renders every flowchart of a build once, in the background, with an on-disk cache.

    ``dot`` rasterising a flowchart at print resolution takes 50–100 ms, and the manual has
    several: rendered one after the other they were 40 % of the real manual's write phase.
    ``prerender`` starts ``dot`` processes (a few at a time, the rest queued) and returns at
    once, so they run on another core while this one reads or assembles; ``png`` waits for the
    one it needs.  No thread is involved: ``dot`` writes its PNG to a file, and each call here
    collects the runs that have ended and starts queued ones.  So the builder may start charts
    at any time, also between the forks of Sphinx's parallel readers, which must not happen
    while another thread runs.  Results are cached by content hash under the builder's output
    directory, so an unchanged flowchart is never rendered twice.  ``close`` (or leaving the
    ``with`` block) waits for the runs still going.
    """

    def __init__(self, dot: str, cache_dir: Path | None, args: Sequence[str] = ()) -> None:
        self._dot = dot
        self._args = tuple(args)
        self._cache_dir = cache_dir
        self._results: dict[str, bytes | GraphvizError] = {}
        #: Charts waiting for a free slot, in the order they are needed.
        self._queued: dict[str, None] = {}
        self._running: dict[str, _Render] = {}
        self._slots = max(2, os.cpu_count() or 2)
        self._owner = os.getpid()

    def __enter__(self) -> GraphRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _cache_path(self, code: str) -> Path | None:
        if self._cache_dir is None:
            return None
        key = "\0".join((str(GRAPHVIZ_DPI), *self._args, code))
        digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
        return self._cache_dir / f"graphviz-{digest}.png"

    def _launch(self, code: str) -> None:
        """Start ``dot`` on ``code`` (or take the cached PNG, or note why it cannot run)."""
        path = self._cache_path(code)
        if path is not None and path.is_file():
            self._results[code] = path.read_bytes()
            return
        try:
            command = dot_command(self._dot, self._args)
        except GraphvizError as exc:
            self._results[code] = exc
            return
        folder = self._cache_dir if self._cache_dir is not None else Path(tempfile.gettempdir())
        files: list[Path] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # Names of this process's own: two processes translating one manual
            # (``manualkit.writers.docx.parallel``) may render the same chart at the same time.
            files.extend(_scratch_file(folder, suffix) for suffix in (".dot", ".png", ".err"))
            source, output, errors = files
            source.write_bytes(code.encode("utf-8"))
            command += ["-o", str(output), str(source)]
            with errors.open("wb") as stderr:
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
                )
        except OSError as exc:
            for scratch in files:
                scratch.unlink(missing_ok=True)
            self._results[code] = GraphvizError(str(exc))
            return
        self._running[code] = _Render(process, source, output, errors)

    def _collect(self, code: str, render: _Render) -> None:
        """Wait for ``render`` to end and keep its PNG (in the cache too) or its error."""
        returncode = render.process.wait()
        try:
            data = checked_png(
                returncode,
                render.output.read_bytes() if render.output.is_file() else b"",
                render.errors.read_bytes(),
            )
        except (OSError, GraphvizError) as exc:
            render.remove_files()
            self._results[code] = exc if isinstance(exc, GraphvizError) else GraphvizError(str(exc))
            return
        path = self._cache_path(code)
        try:
            if path is not None:
                os.replace(render.output, path)
        except OSError:
            pass  # the cache only saves time: the PNG is in hand
        render.remove_files()
        self._results[code] = data

    def _advance(self) -> None:
        """Collect the runs that have ended and start queued charts in the free slots."""
        for code, render in list(self._running.items()):
            if render.process.poll() is not None:
                del self._running[code]
                self._collect(code, render)
        while self._queued and len(self._running) < self._slots:
            code = next(iter(self._queued))
            del self._queued[code]
            self._launch(code)

    def prerender(self, codes: Iterable[str]) -> None:
        """Start rendering ``codes`` not yet started, in their order (the order they are needed)."""
        if os.getpid() != self._owner:  # a forked reader: its runs would end with it
            return
        for code in codes:
            if code not in self._results and code not in self._running:
                self._queued.setdefault(code, None)
        self._advance()

    def png(self, code: str) -> bytes:
        """PNG bytes of ``code`` (waiting for its render if started); raises GraphvizError if dot failed."""
        if code not in self._results:
            render = self._running.pop(code, None) if os.getpid() == self._owner else None
            if render is None:
                self._queued.pop(code, None)
                self._launch(code)
                render = self._running.pop(code, None)
            if render is not None:
                self._collect(code, render)
        result = self._results[code]
        if isinstance(result, GraphvizError):
            raise result
        return result

    def settle(self) -> None:
        """Wait until every chart started or queued is drawn, and keep the results.

        Before the DOCX writer forks (``manualkit.writers.docx.parallel``): a forked child
        could not wait for a ``dot`` of this process, and it would otherwise draw the charts
        this one already drew.
        """
        if os.getpid() != self._owner:
            return
        while self._running or self._queued:
            for code, render in list(self._running.items()):
                del self._running[code]
                self._collect(code, render)
            self._advance()

    def close(self) -> None:
        """Wait for the runs still going (their PNGs go to the cache); drop those not started."""
        self._queued.clear()
        self.settle()


def _scratch_file(folder: Path, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=".dot-", suffix=suffix, dir=folder)
    os.close(handle)
    return Path(name)


def png_size(data: bytes) -> tuple[int, int]:
    """Pixel width and height from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
