"""The MyST parser, refusing a chapter whose front matter changes MyST's settings (see
:mod:`manualkit.myst_file_config`).

The check runs before MyST merges the file's settings: by then a substitution in the chapter
would already have run its template.  The chapter's front matter is blanked (its lines kept, so
every line number stays right), the error names the document and the ``myst:`` line, and the
build fails; nothing the chapter asked for takes effect.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from myst_parser.config.main import TopmatterReadError, read_topmatter
from sphinx.util import logging

from manualkit.myst_file_config import refusal_message, refused_settings
from manualkit.sphinx.nesting_guard import NestingGuardedMystParser

logger = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(r"\A(---[ \t]*\n)(.*?\n)(---[ \t]*)(?=\n|\Z)", re.DOTALL)
_MYST_KEY = re.compile(r"^myst\s*:", re.MULTILINE)


class GuardedMystParser(NestingGuardedMystParser):
    """MystParser that refuses file-level MyST settings and too-deep nesting."""

    def parse(self, inputstring: str, document: nodes.document) -> None:
        try:
            front = read_topmatter(inputstring)
        except TopmatterReadError:
            front = None  # MyST reports it while rendering
        refused = refused_settings(front) if isinstance(front, dict) else []
        if refused:
            match = _FRONT_MATTER.match(inputstring)
            line = 1
            if match:
                key = _MYST_KEY.search(match.group(2))
                line = 2 + match.group(2)[: key.start()].count("\n") if key else 1
                blank = "\n" * match.group(0).count("\n")
                inputstring = blank + inputstring[match.end() :]
            else:  # front matter MyST reads but the pattern does not: drop the chapter's text
                inputstring = "\n" * inputstring.count("\n")
            logger.error(
                "%s (MK505)",
                refusal_message(refused),
                location=(document.settings.env.docname, line),
                type="manualkit",
            )
        super().parse(inputstring, document)


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("manualkit.sphinx.nesting_guard")
    app.add_source_parser(GuardedMystParser, override=True)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
