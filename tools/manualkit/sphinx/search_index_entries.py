"""Glossary terms stay in the search index across incremental builds.

The search index lists index entries (every glossary term: 首问负责制, 工作日 …) beside the
words of the pages, so a search for a term finds its definition first.  Sphinx collects those
entries while it writes the pages, into an environment attribute saved before the writing:
an incremental build, writing only the pages that changed, published a search index whose
entries held only those pages' terms — after any rebuild the glossary was gone from search.

So the entries of the last successful HTML build are kept beside its pages (``SAVED`` in the
output folder) and put back before a later build writes: the pages it writes replace theirs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment

from manualkit.usercache import read_json, write_json

#: The index entries of the site's pages: {docname: [[entry, target id, main], …]}.
SAVED: Final = ".manualkit-index-entries.json"
#: Sphinx's own store, filled while pages are written (see :class:`sphinx.search.IndexBuilder`).
_ENTRIES = "_search_index_index_entries"

Entries = dict[str, list[tuple[str, str, str]]]


def _entries(env: BuildEnvironment) -> Entries | None:
    entries = getattr(env, _ENTRIES, None)
    return entries if isinstance(entries, dict) else None


def restore(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-updated``: the entries of every page as the last successful build published them.

    They replace what the environment holds (saved before an earlier build wrote its pages, so
    possibly older); the pages this build writes are fed again and replace them in turn.
    """
    entries = _entries(env)
    if entries is None or not isinstance(app.builder, StandaloneHTMLBuilder):
        return []
    saved = read_json(Path(app.builder.outdir) / SAVED)
    if not isinstance(saved, dict):
        return []
    for docname, items in saved.items():
        if docname in env.found_docs and isinstance(items, list):
            entries[docname] = [tuple(item) for item in items if isinstance(item, list) and len(item) == 3]
    return []


def save(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: what the published search index holds, for the next build."""
    if exception is not None or not isinstance(app.builder, StandaloneHTMLBuilder):
        return
    entries = _entries(app.env)
    if entries is None:
        return
    kept = {docname: entries[docname] for docname in sorted(entries) if docname in app.env.found_docs}
    write_json(Path(app.builder.outdir) / SAVED, kept)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-updated", restore)
    app.connect("build-finished", save)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
