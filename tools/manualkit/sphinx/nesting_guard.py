"""The MyST parser, refusing a chapter whose directives nest deeper than manualkit accepts.

Why a parser of our own: MyST reads each directive's body with a nested parser, so a few hundred
levels of ``:::{note}`` ended the build in "internal error RecursionError" without naming the
file (in a parallel read, without even the document's name).  The chapter is now refused with
the file, the line and the limit (:mod:`manualkit.nesting`, the checker's MK618), and what comes
before that line is still read, so the build reports this one error rather than a cascade of
missing titles and labels.  A RecursionError that the line scan did not foresee is reported the
same way, naming the document.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.util import logging

from manualkit.nesting import first_too_deep, too_deep_message
from manualkit.sphinx.acyclic_render import AcyclicMystParser

logger = logging.getLogger(__name__)

#: What stands in for the refused rest of the chapter (the build fails; nothing publishes it).
_OMITTED = "（嵌套过深，以下内容未读取）"


class NestingGuardedMystParser(AcyclicMystParser):
    """MystParser that refuses directives nested too deeply, with their location."""

    def parse(self, inputstring: str, document: nodes.document) -> None:
        docname = document.settings.env.docname
        found = first_too_deep(inputstring)
        if found is not None:
            logger.error(
                "%s (MK618)", too_deep_message(found), location=(docname, found.line), type="manualkit"
            )
            # The part before it is read (so no title or label goes missing); the enclosing
            # directive keeps a line of content so that it is not reported as empty.
            kept = inputstring.splitlines()[: found.line - 1]
            inputstring = "\n".join([*kept, "", _OMITTED])
        try:
            super().parse(inputstring, document)
        except RecursionError:
            document.children.clear()
            logger.error(
                "the chapter nests too deeply to be read (Python's recursion limit): expected fewer "
                "levels of directives, lists or quotes inside one another (MK618 names the line)",
                location=docname,
                type="manualkit",
            )


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("myst_parser")
    app.add_source_parser(NestingGuardedMystParser, override=True)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
