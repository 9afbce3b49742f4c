"""Words no page holds any more leave the search index.

Before an incremental HTML build writes its pages, Sphinx's index builder takes those pages
out of every word's set of pages (``IndexBuilder.prune``) and puts them back under the words
they now hold; a word only they held stays behind with no page at all, and ``searchindex.js``
lists it as ``"神秘客户":[]``.  The site's search (``manualkit-search.js``) splits a query into
the longest words the index knows: a dead word still counts as one, so a search for 神秘客户,
renamed in the glossary but still in a chapter's text, found nothing — and the dead words piled
up across builds, surviving even a revert.  A fresh build has none of them.

So on ``html-collect-pages`` (after every page was written and indexed, before the index is
dumped) the words without pages are dropped: the index an incremental build writes is the one a
fresh build writes.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder

#: Sphinx's word → pages maps of the index builder (private: guarded below).
_MAPPINGS = ("_mapping", "_title_mapping")


def drop_words_without_pages(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    """``html-collect-pages``: remove every word whose set of pages is empty; no extra pages."""
    builder = app.builder
    indexer = getattr(builder, "indexer", None) if isinstance(builder, StandaloneHTMLBuilder) else None
    for name in _MAPPINGS:
        mapping = getattr(indexer, name, None)
        if isinstance(mapping, dict):
            for word in [word for word, pages in mapping.items() if not pages]:
                del mapping[word]
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-collect-pages", drop_words_without_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
