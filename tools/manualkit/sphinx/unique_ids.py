"""A wrapped table keeps its id; the wrapper furo adds around it does not repeat it.

furo wraps every table (and display math) in a ``table-wrapper`` container so a wide table
scrolls on a phone, and copies all of the table's attributes onto it, ids included: a captioned
table (a process's step table) then had its id twice on the page.  Duplicate ids make the page
invalid HTML, and assistive technology resolves ``aria-*`` references and "skip to" links to
whichever comes first.  The id stays on the table, which its caption and numbered references
(``numref``) name.  (The PDF's assembled tree drops repeated ids of every kind itself: see
``manualkit.builders.pdf_tree``.)
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

#: Classes of the containers furo wraps tables and display math in.
WRAPPER_CLASSES = frozenset({"table-wrapper", "math-wrapper"})


class WrapperIdsRemoved(SphinxPostTransform):
    """Drop from a theme's wrapper the ids it copied from the element it wraps."""

    formats = ("html",)
    #: After furo's ``WrapTableAndMathInAContainerTransform`` (500), which adds the copies.
    default_priority = 510

    def run(self, **kwargs: Any) -> None:
        for wrapper in self.document.findall(nodes.container):
            if WRAPPER_CLASSES.isdisjoint(wrapper["classes"]) or len(wrapper.children) != 1:
                continue
            inner = wrapper.children[0]
            if isinstance(inner, nodes.Element) and wrapper["ids"]:
                wrapper["ids"] = [node_id for node_id in wrapper["ids"] if node_id not in inner["ids"]]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_post_transform(WrapperIdsRemoved)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
