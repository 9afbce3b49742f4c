"""No empty ``_sources/`` folder on a site that publishes no chapter sources.

Sphinx's HTML builder creates ``_sources/`` whenever its class copies sources (``copysource``),
whatever ``html_copy_source`` says.  With the setting off (the project's conf.py: a chapter's
MyST, its ``%`` comments and internal notes, is not published) the folder stayed on the
published site, empty, hinting at sources that are not there.  The builder is told what the
setting says, so it neither copies sources nor makes their folder.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder


def on_builder_inited(app: Sphinx) -> None:
    builder = app.builder
    if isinstance(builder, StandaloneHTMLBuilder) and not app.config.html_copy_source:
        builder.copysource = False


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
