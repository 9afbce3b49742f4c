"""Registers manualkit's Chinese search language without importing it.

Sphinx accepts a search language as a dotted name and imports it when a builder creates its
search index.  Registering :class:`manualkit.sphinx.zhsearch.ManualChineseSearch` by name
keeps jieba (and the class's module) out of every build that writes no index: the PDF and
DOCX builds, ``manualkit check``'s Sphinx-free runs, the single-page print HTML.  Importing
it here cost those builds ~0.1 s each.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

#: Dotted name of the search language class (imported by Sphinx's IndexBuilder on demand).
LANGUAGE_CLASS = "manualkit.sphinx.zhsearch.ManualChineseSearch"
#: ``html_search_options`` key naming the restricted dictionary's cache file.
CACHE_OPTION = "manualkit_jieba_cache"
#: File name of the restricted dictionary cache inside the doctree directory.
CACHE_NAME = "manualkit-jieba-words.marshal"


def on_config_inited(app: Sphinx, config: Config) -> None:
    if CACHE_OPTION not in config.html_search_options:
        options = dict(config.html_search_options)
        options[CACHE_OPTION] = str(Path(app.doctreedir) / CACHE_NAME)
        config.html_search_options = options


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    module = sys.modules.get(LANGUAGE_CLASS.rpartition(".")[0])
    if module is None or exception is not None:
        return  # no index was built with it in this process
    indexer = getattr(app.builder, "indexer", None)
    language = getattr(indexer, "lang", None)
    if isinstance(language, module.ManualChineseSearch):
        language.save_cache()


def setup(app: Sphinx) -> dict[str, Any]:
    from sphinx.search import languages

    # What app.add_search_language does, with the class's name instead of the class.
    languages["zh"] = LANGUAGE_CLASS
    app.connect("config-inited", on_config_inited)
    app.connect("build-finished", on_build_finished)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
