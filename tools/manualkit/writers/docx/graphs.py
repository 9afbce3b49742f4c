"""Flowchart rendering: DOT source → PNG with ``dot -Tpng -Gdpi=200``.

A failure raises ``GraphvizError`` carrying dot's own message; the translator reports it as a
build warning at the node's source line (never swallowed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

GRAPHVIZ_DPI = 200


class GraphvizError(Exception):
    """``dot`` is missing or rejected the graph."""


def render_dot_png(code: str, dot: str = "dot", dpi: int = GRAPHVIZ_DPI) -> bytes:
    """PNG bytes of a DOT graph; raises GraphvizError with dot's message on failure."""
    executable = shutil.which(dot)
    if executable is None:
        raise GraphvizError(f"graphviz executable {dot!r} not found (install graphviz)")
    result = subprocess.run(
        [executable, "-Tpng", f"-Gdpi={dpi}"], input=code.encode("utf-8"), capture_output=True, check=False
    )
    if result.returncode != 0 or not result.stdout.startswith(b"\x89PNG"):
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise GraphvizError(message)
    return result.stdout


class GraphRenderer:
    """Renders every flowchart of a build once, concurrently, with an on-disk cache.

    ``dot`` runs are the slowest part of the write phase; they are started together before the
    doctree walk and cached by content hash under the builder's output directory, so an
    unchanged flowchart is never rendered twice.
    """

    def __init__(self, dot: str, cache_dir: Path | None) -> None:
        self._dot = dot
        self._cache_dir = cache_dir
        self._results: dict[str, bytes | GraphvizError] = {}

    def _cache_path(self, code: str) -> Path | None:
        if self._cache_dir is None:
            return None
        digest = hashlib.sha1(f"{GRAPHVIZ_DPI}\0{code}".encode(), usedforsecurity=False).hexdigest()
        return self._cache_dir / f"graphviz-{digest}.png"

    def _render(self, code: str) -> bytes | GraphvizError:
        path = self._cache_path(code)
        if path is not None and path.is_file():
            return path.read_bytes()
        try:
            data = render_dot_png(code, self._dot)
        except (GraphvizError, OSError) as exc:
            return exc if isinstance(exc, GraphvizError) else GraphvizError(str(exc))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return data

    def prerender(self, codes: list[str]) -> None:
        todo = sorted(set(codes) - set(self._results))
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            for code, result in zip(todo, pool.map(self._render, todo), strict=True):
                self._results[code] = result

    def png(self, code: str) -> bytes:
        """PNG bytes of ``code``; raises GraphvizError if dot failed."""
        if code not in self._results:
            self._results[code] = self._render(code)
        result = self._results[code]
        if isinstance(result, GraphvizError):
            raise result
        return result


def png_size(data: bytes) -> tuple[int, int]:
    """Pixel width and height from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
