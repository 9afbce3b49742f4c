"""Flowcharts drawn by Graphviz: no program but Graphviz, no links, no files read, text escaped.

A chart's DOT source comes from a chapter (``{graphviz}``, ``{digraph}``, ``{graph}``) or from data
through ``templates/fragments/process.dot.j2``; sources are untrusted, so before anything runs:

* the ``:layout:`` option (and its old alias ``:graphviz_dot:``) names the *program* Sphinx runs
  on the DOT source; only Graphviz's own layout engines are accepted, never a path (a script in
  the repository would run on the build machine);
* DOT attributes that make a link (``URL``, ``href``, ``labelURL`` …: the SVG is embedded in the
  page, so ``javascript:`` in it runs in the site's name) or read a file (``image``,
  ``shapefile``, ``imagepath``, ``fontpath``; ``stylesheet`` makes the reader's browser fetch
  one) are refused, as are ``HREF``/``SRC`` in an HTML-like label's tags;
* Sphinx writes a chart's ``:alt:`` text into the page as HTML, unescaped (``<p
  class="warning">{alt}</p>`` inside the ``<object>``, and ``alt="{alt}"``): the HTML visitor here
  passes it escaped.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.ext.graphviz import graphviz, render_dot_html
from sphinx.transforms import SphinxTransform

from manualkit.sphinx.domain import report_error

#: Graphviz's layout engines: the only values ``:layout:`` may name (they are looked up on PATH).
LAYOUT_ENGINES = frozenset({"dot", "neato", "twopi", "circo", "fdp", "sfdp", "osage", "patchwork"})

#: Attributes (compared in lower case) that link somewhere or read or fetch a file.
REFUSED_ATTRIBUTES = frozenset(
    {
        "url",
        "href",
        "labelurl",
        "labelhref",
        "headurl",
        "headhref",
        "tailurl",
        "tailhref",
        "edgeurl",
        "edgehref",
        "image",
        "imagepath",
        "shapefile",
        "fontpath",
        "stylesheet",
    }
)

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z)|^\#[^\n]*)
    | (?P<quoted>"(?:\\.|[^"\\])*"?)
    | (?P<html><)
    | (?P<id>[A-Za-z_\u0080-\U0010ffff][\w\u0080-\U0010ffff]*|-?(?:\.\d+|\d+(?:\.\d*)?))
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)
_HTML_TAG = re.compile(r"<\s*/?\s*([A-Za-z]+)([^<>]*)>")
_HTML_REFUSED = re.compile(r"(?i)(?:^|\s)(href|src)\s*=")


def _html_string(code: str, start: int) -> int:
    """The end of the HTML-like string ``<…>`` opening at ``start`` (its ``<``/``>`` nest)."""
    depth = 0
    for index in range(start, len(code)):
        if code[index] == "<":
            depth += 1
        elif code[index] == ">":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(code)


def dot_problem(code: str) -> str | None:
    """What in the DOT source ``code`` links, reads a file or fetches one (``None``: nothing)."""
    previous: str | None = None  # the last ID (unquoted), while it may be an attribute's name
    position = 0
    while position < len(code):
        match = _TOKEN.match(code, position)
        assert match is not None  # "other" matches any character
        kind, text = match.lastgroup, match.group()
        position = match.end()
        if kind in ("space", "comment"):
            continue
        if kind == "html":
            end = _html_string(code, match.start())
            for tag in _HTML_TAG.finditer(code, match.start() + 1, end - 1):
                found = _HTML_REFUSED.search(tag.group(2))
                if found:
                    return f"{found.group(1).upper()}= in the HTML-like label tag <{tag.group(1)}>"
            position, previous = end, None
            continue
        if kind == "other" and text == "=" and previous is not None:
            if previous.lower() in REFUSED_ATTRIBUTES:
                return f"the attribute {previous}="
            previous = None
            continue
        previous = text[1:-1] if kind == "quoted" else text if kind == "id" else None
    return None


class RefuseUnsafeGraphs(SphinxTransform):
    """Every ``graphviz`` node, whichever directive made it: checked before any program runs."""

    default_priority = 850

    def apply(self, **kwargs: Any) -> None:
        for chart in list(self.document.findall(graphviz)):
            program = str(chart.get("options", {}).get("graphviz_dot", "dot"))
            if program not in LAYOUT_ENGINES:
                engines = ", ".join(sorted(LAYOUT_ENGINES))
                self._refuse(chart, f"graphviz: layout {program!r} refused: expected one of {engines}")
                continue
            problem = dot_problem(str(chart.get("code", "")))
            if problem is not None:
                self._refuse(
                    chart,
                    f"graphviz: {problem} refused: a chart may not link (the drawing is part of the "
                    "page, a javascript: link would run in the site's name) nor read or fetch files",
                )

    def _refuse(self, chart: nodes.Element, message: str) -> None:
        report_error(self.env, message, chart)
        parent = chart.parent
        # A captioned chart sits in a figure of its own: take the caption with it.
        if isinstance(parent, nodes.figure) and len(parent.children) and parent.children[0] is chart:
            parent.replace_self(nodes.inline("", "", classes=["mk-refused"]))
        else:
            chart.replace_self(nodes.inline("", "", classes=["mk-refused"]))


def html_visit_graphviz(self: Any, node: graphviz) -> None:
    """Sphinx's HTML visitor, with the ``:alt:`` text escaped (Sphinx writes it in as HTML)."""
    alt = self.encode(node["alt"]) if "alt" in node else None
    render_dot_html(self, node, node["code"], node["options"], filename=node.get("filename"), alt=alt)
