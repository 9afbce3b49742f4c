"""Keep the HTML theme's compiled Jinja templates between builds.

Sphinx compiles every page template (furo's page.html and its ~20 includes, our
overrides) from source in each process: ~0.1–0.2 s of every incremental rebuild that
writes even a single page.  Jinja's bytecode cache stores the compiled code in the doctree
directory; a template whose source changed has another checksum and is compiled again, and
the cache header names the Jinja and Python versions, so a stale entry is never used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
from sphinx.application import Sphinx

#: Directory inside the doctree directory.
CACHE_DIR = "jinja2-bytecode"


def cache_directory(doctreedir: str | Path, environment: jinja2.Environment) -> Path:
    """One directory per environment set-up: compiled code depends on the Jinja extensions."""
    setup = ",".join(sorted(environment.extensions))
    digest = hashlib.sha1(f"{type(environment).__qualname__}:{setup}".encode(), usedforsecurity=False)
    return Path(doctreedir) / CACHE_DIR / digest.hexdigest()[:12]


def on_builder_inited(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if not isinstance(environment, jinja2.Environment) or environment.bytecode_cache is not None:
        return
    directory = cache_directory(app.doctreedir, environment)
    directory.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = jinja2.FileSystemBytecodeCache(str(directory))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", on_builder_inited)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
