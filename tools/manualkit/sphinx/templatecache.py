"""Keep compiled Jinja templates between builds: the HTML theme's and the manual's fragments.

Jinja compiles every template from source in each process: the theme's page.html and its ~20
includes (furo, our overrides) cost ~0.1–0.2 s of every build that writes a page, and the
fragment templates (forms, SLA tables, …) ~0.04 s of every build that reads a chapter.  Jinja's
bytecode cache stores the compiled code; a template whose source changed has another checksum
and is compiled again, and the cache header names the Jinja bytecode and Python versions, so a
stale entry is never used.

The cache lives in the user cache folder (``$XDG_CACHE_HOME/manualkit``, see
:mod:`manualkit.usercache`), not in ``build/``: a fresh build (a new clone, ``rm -rf build``,
CI) would otherwise compile everything again.  Entries are keyed by the template's file path
(Jinja's own key), so a template is never served from another checkout; each environment
set-up (class, extensions, the options that shape the compiled code) has a folder of its own.
The folder stays small: past :data:`MAX_ENTRIES` files the least recently compiled go.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from sphinx.application import Sphinx

from manualkit.usercache import writable_cache_dir

#: Directory inside the cache folder (the user cache, else the doctree directory).
CACHE_DIR = "jinja2-bytecode"
#: Files one environment's folder may hold before the oldest are removed (each project
#: checkout adds its own ~40 templates; a file is 5–50 KB).
MAX_ENTRIES = 400
#: How many remain after a clean-up.
KEPT_ENTRIES = 300

#: Environment attributes that change the code Jinja generates for the same source.
_COMPILE_OPTIONS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
    "is_async",
)  # fmt: skip


class TolerantBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, except that a cache problem never fails a build.

    Jinja lets a full disk or an unwritable folder (``dump``) and a damaged entry (its header is
    unpickled before the checksum is compared) raise out of ``get_template``: the build would end
    in a traceback over a file it only keeps to save time.  Here the template is compiled as if
    nothing had been cached.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # whatever a damaged file raises while being read: not an error
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def setup_digest(environment: jinja2.Environment) -> str:
    """What the compiled code of ``environment`` depends on besides the template's source."""
    options = [f"{name}={getattr(environment, name, None)!r}" for name in _COMPILE_OPTIONS]
    setup = ",".join(
        [
            type(environment).__module__,
            type(environment).__qualname__,
            *sorted(environment.extensions),
            *options,
            f"autoescape={environment.autoescape!r}",
            f"finalize={environment.finalize is not None}",
            jinja2.__version__,
        ]
    )
    return hashlib.sha1(setup.encode(), usedforsecurity=False).hexdigest()[:12]


def cache_directory(base: str | Path, environment: jinja2.Environment) -> Path:
    """``base/jinja2-bytecode/<digest>``: one folder per environment set-up."""
    return Path(base) / CACHE_DIR / setup_digest(environment)


def bytecode_cache(
    environment: jinja2.Environment, fallback: str | Path | None = None
) -> jinja2.BytecodeCache | None:
    """A bytecode cache for ``environment`` in the user cache folder (else in ``fallback``).

    ``None`` when neither can be written: templates are then compiled as usual.
    """
    base = writable_cache_dir() or (Path(fallback) if fallback is not None else None)
    if base is None:
        return None
    directory = cache_directory(base, environment)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    trim(directory)
    return TolerantBytecodeCache(str(directory))


def trim(directory: Path, most: int = MAX_ENTRIES, kept: int = KEPT_ENTRIES) -> None:
    """Remove the least recently written entries once ``directory`` holds more than ``most``."""
    with contextlib.suppress(OSError):
        entries = [entry for entry in directory.iterdir() if entry.suffix == ".cache"]
        if len(entries) <= most:
            return
        entries.sort(key=lambda entry: entry.stat().st_mtime)
        for entry in entries[: len(entries) - kept]:
            entry.unlink(missing_ok=True)


def on_builder_inited(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if not isinstance(environment, jinja2.Environment) or environment.bytecode_cache is not None:
        return
    environment.bytecode_cache = bytecode_cache(environment, app.doctreedir)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", on_builder_inited)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
