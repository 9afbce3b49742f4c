"""Where manualkit keeps what depends on the machine's libraries, not on a manual.

``$XDG_CACHE_HOME/manualkit`` (default ``~/.cache/manualkit``), per user: the CJK fonts' character
coverage, jieba's parsed dictionary, the pinyin of glossary terms.  A fresh build of any project
(a new clone, ``rm -rf build``, every test project) reads them instead of computing them again.
Every file there is keyed by the library version it came from and safe to delete.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/manualkit`` (default ``~/.cache/manualkit``): per user, not per project."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "manualkit"


def writable_cache_dir() -> Path | None:
    """The user cache folder, created if need be; ``None`` when it cannot be written."""
    folder = user_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def read_json(path: Path) -> Any:
    """A cache file's content, ``None`` when missing or unreadable (a cache is never an error)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, content: Any) -> None:
    """Write atomically (concurrent builds never read half a file); failures are ignored."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(content, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        tmp.replace(path)


__all__ = ["read_json", "user_cache_dir", "writable_cache_dir", "write_json"]
