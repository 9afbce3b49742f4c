"""Letting go of the doctrees Sphinx keeps from the reading phase, for the single-file builders.

Why: Sphinx keeps every doctree it read in this run (``env._write_doc_doctree_cache``) until a
builder asks for it by name in ``get_and_resolve_doctree`` — which a builder that assembles one
document from ``env.get_doctree`` copies never does.  The PDF and DOCX builders drop them before
assembling: the assembled document is built from fresh copies anyway, and the read trees (over
100 MB for the 10× manual) would otherwise stay in memory until the end of the build.
"""

from __future__ import annotations

from typing import Any


def forget_read_doctrees(env: Any) -> None:
    """Clear Sphinx's cache of this run's read doctrees (private: a later Sphinx may lack it)."""
    cache = getattr(env, "_write_doc_doctree_cache", None)
    if isinstance(cache, dict):
        cache.clear()


__all__ = ["forget_read_doctrees"]
