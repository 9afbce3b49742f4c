"""Flowchart rendering: DOT source → PNG with ``dot [graphviz_dot_args] -Tpng -Gdpi=200``.

The arguments are Sphinx's ``graphviz_dot_args`` (conf.py), as the HTML and PDF charts drawn by
``sphinx.ext.graphviz`` get them: a setting there (a default font, say) changes all three outputs.

A failure raises ``GraphvizError`` carrying dot's own message; the translator reports it as a
build warning at the node's source line (never swallowed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
    """PNG bytes of a DOT graph; raises GraphvizError with dot's message on failure.

    ``args`` come first, the format and print resolution last (they are what a DOCX needs).
    """
    executable = shutil.which(dot)
    if executable is None:
        raise GraphvizError(f"graphviz executable {dot!r} not found (install graphviz)")
    command = [executable, *args, "-Tpng", f"-Gdpi={dpi}"]
    result = subprocess.run(command, input=code.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout.startswith(b"\x89PNG"):
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise GraphvizError(message)
    return result.stdout


class GraphRenderer:
    """Renders every flowchart of a build once, in the background, with an on-disk cache.

    ``dot`` rasterising a flowchart at print resolution takes 50–100 ms, and the manual has
    several: rendered one after the other they were 40 % of the real manual's write phase.
    ``prerender`` starts them on worker threads and returns at once (``dot`` is a separate
    process, so they run on another core while this one parses or translates); ``png`` waits
    for the one it needs.  Results are cached by content hash under the builder's output
    directory, so an unchanged flowchart is never rendered twice.  ``close`` (or leaving the
    ``with`` block) waits for renders still running and stops the threads.
    """

    def __init__(self, dot: str, cache_dir: Path | None, args: Sequence[str] = ()) -> None:
        self._dot = dot
        self._args = tuple(args)
        self._cache_dir = cache_dir
        self._results: dict[str, bytes | GraphvizError] = {}
        self._pending: dict[str, Future[bytes | GraphvizError]] = {}
        self._pool: ThreadPoolExecutor | None = None

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

    def _render(self, code: str) -> bytes | GraphvizError:
        path = self._cache_path(code)
        if path is not None and path.is_file():
            return path.read_bytes()
        try:
            data = render_dot_png(code, self._dot, args=self._args)
        except (GraphvizError, OSError) as exc:
            return exc if isinstance(exc, GraphvizError) else GraphvizError(str(exc))
        if path is not None:
            # A name of this process and thread's own: two processes translating one manual
            # (``manualkit.writers.docx.parallel``) may render the same chart at the same time.
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(data)
                os.replace(tmp, path)
            except OSError:
                tmp.unlink(missing_ok=True)  # the cache only saves time: the PNG is in hand
        return data

    def prerender(self, codes: Iterable[str]) -> None:
        """Start rendering ``codes`` not yet started, in their order (the order they are needed)."""
        for code in codes:
            if code in self._results or code in self._pending:
                continue
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
            self._pending[code] = self._pool.submit(self._render, code)

    def png(self, code: str) -> bytes:
        """PNG bytes of ``code`` (waiting for its render if started); raises GraphvizError if dot failed."""
        if code not in self._results:
            pending = self._pending.pop(code, None)
            self._results[code] = pending.result() if pending is not None else self._render(code)
        result = self._results[code]
        if isinstance(result, GraphvizError):
            raise result
        return result

    def settle(self) -> None:
        """Wait for every render started, keep the results, and stop the threads.

        Before the DOCX translation forks (``manualkit.writers.docx.parallel``): a forked
        child has no threads, so it could never collect a render still pending, and it would
        otherwise draw the charts the parent already drew.
        """
        for code, pending in list(self._pending.items()):
            self._results[code] = pending.result()
        self.close()

    def close(self) -> None:
        """Wait for the renders still running (their PNGs go to the cache) and stop the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()


def png_size(data: bytes) -> tuple[int, int]:
    """Pixel width and height from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
