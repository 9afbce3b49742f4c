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

DOT has more than one way to spell a name: ``"UR" + "L"`` (concatenation), ``"UR\\`` + newline +
``L"`` (a continued line), ``<URL>`` (an HTML string as a name).  The source check reads them the
way Graphviz's scanner does, for a precise line number; then, fail-closed, Graphviz itself reads
the chart (``dot -Tjson0``, the program and arguments Sphinx runs) and the attribute names it
recognised are judged again, with every label's HTML-like tags — whatever the spelling, a chart
Graphviz would draw with a link or a file is refused.  This runs when the chapter is read, so the
HTML site, the PDF (the same SVG) and the DOCX (``dot -Tpng`` of the same DOT) all get the
checked chart or none.  Last, the HTML writer checks the SVG Graphviz wrote before the page
embeds it: a link (``<a href>``), a picture (``<image>``) or anything :mod:`manualkit.svg_safety`
refuses, and the file is deleted and the chart left out.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from docutils import nodes
from sphinx.ext.graphviz import GraphvizError, graphviz, render_dot, render_dot_html
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from manualkit.doctree_walk import walk
from manualkit.held_errors import LOG_TYPE
from manualkit.sphinx.domain import get_domain, report_error
from manualkit.svg_safety import UnreadableSvg, active_content, read_svg

logger = logging.getLogger(__name__)

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
#: A tag's attribute naming a link or a file, when the label cannot be parsed as Graphviz does.
_HTML_REFUSED = re.compile(r"""(?i)(?:^|[\s"'/])(href|src)\s*=""")
#: An entity reference XML does not know (Graphviz takes HTML's: &nbsp; …).
_HTML_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")
#: How long Graphviz may take to read a chart for the check.
CHECK_TIMEOUT = 60
#: The node attribute the ``process`` directive sets on the flowchart it draws from data (the
#: process id).  Its DOT comes from templates/fragments/process.dot.j2, which escapes every data
#: value (``dot_string``, ``dot_edge_label``), so only the source check runs on it: Graphviz's own
#: reading costs a ``dot`` run per chart (0.8 s of reading for a manual ten times this one's size).
#: No directive option can set a node attribute, so a hand-written chart cannot claim it.
FROM_PROCESS_DATA = "manualkit_process"
_REFUSAL = (
    "refused: a chart may not link (the drawing is part of the page, a javascript: link would run "
    "in the site's name) nor read or fetch files"
)


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


def html_label_problem(label: str) -> str | None:
    """``HREF=``/``SRC=`` in a tag of the HTML-like label ``label`` (its text between ``<`` ``>``).

    Parsed as Graphviz parses it (expat, inside ``<HTML>``); a label that does not parse is
    searched for ``href=``/``src=`` anywhere, text included — it is refused rather than guessed.
    """
    found: list[str] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        found.extend(
            f"{name.upper()}= in the HTML-like label tag <{tag}>"
            for name in attributes
            if name.lower() in ("href", "src")
        )

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        parser.Parse(f"<HTML>{_HTML_ENTITY.sub('&amp;', label)}</HTML>", True)
    except expat.ExpatError:
        match = _HTML_REFUSED.search(label)
        return f"{match.group(1).upper()}= in an HTML-like label" if match else None
    return found[0] if found else None


def _unquote(token: str) -> str:
    """A quoted DOT string's text as Graphviz's scanner reads it, left to right: ``\\"`` is
    ``"``, ``\\\\`` stays, a backslash before a line break continues the line (both go)."""
    body = token[1:-1] if len(token) > 1 and token.endswith('"') else token[1:]
    kept = {'"': '"', "\\": "\\\\"}
    return re.sub(r'\\(\\|\r?\n|")', lambda m: kept.get(m.group(1), ""), body)


def dot_problem(code: str) -> str | None:
    """What in the DOT source ``code`` links, reads a file or fetches one (``None``: nothing).

    An attribute's name is read as Graphviz reads it: a quoted string with its continued lines
    joined, strings concatenated with ``+``, or an HTML string (``<URL>=…``).
    """
    previous: str | None = None  # the last name read, while it may be an attribute's
    quoted = concatenating = False  # the name is a quoted string; a "+" followed it
    position = 0
    while position < len(code):
        match = _TOKEN.match(code, position)
        assert match is not None  # "other" matches any character
        kind, text = match.lastgroup, match.group()
        position = match.end()
        if kind in ("space", "comment"):
            continue
        if kind == "quoted":
            value = _unquote(text)
            previous = previous + value if concatenating and previous is not None else value
            quoted, concatenating = True, False
            continue
        concatenating = False
        if kind == "other" and text == "+" and quoted:
            concatenating = True
            continue
        quoted = False
        if kind == "html":
            end = _html_string(code, match.start())
            problem = html_label_problem(code[match.start() + 1 : end - 1])
            if problem is not None:
                return problem
            position, previous = end, code[match.start() + 1 : end - 1]
            continue
        if kind == "other" and text == "=" and previous is not None:
            if previous.strip().lower() in REFUSED_ATTRIBUTES:
                return f"the attribute {previous.strip()}="
            previous = None
            continue
        previous = text if kind == "id" else None
    return None


def _json_documents(text: str) -> Iterator[Any]:
    """The JSON values ``text`` holds one after the other (``dot`` writes one per graph)."""
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return
        value, position = decoder.raw_decode(text, position)
        yield value


def _objects(graph: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(what it is, attributes)`` of a ``-Tjson0`` graph, its subgraphs, nodes and edges."""
    yield "the graph", graph
    subgraphs = int(graph.get("_subgraph_cnt", 0) or 0)
    for index, item in enumerate(graph.get("objects", [])):
        if isinstance(item, dict):
            yield f"{'subgraph' if index < subgraphs else 'node'} {item.get('name', '')!r}", item
    for item in graph.get("edges", []):
        if isinstance(item, dict):
            yield "an edge", item


def graphviz_problem(graph: Any) -> str | None:
    """What in a chart as Graphviz read it (a ``-Tjson0`` graph) links or reads a file."""
    if not isinstance(graph, dict):
        return "output Graphviz should not write"
    for where, attributes in _objects(graph):
        for name, value in attributes.items():
            if str(name).strip().lower() in REFUSED_ATTRIBUTES:
                return f"the attribute {name}= (as Graphviz reads the chart, on {where})"
            if isinstance(value, str) and "<" in value and (problem := html_label_problem(value)):
                return f"{problem} (as Graphviz reads the chart, on {where})"
    return None


class RefuseUnsafeGraphs(SphinxTransform):
    """Every ``graphviz`` node, whichever directive made it: checked before it is drawn.

    The ``:layout:`` program first (before anything runs), then the DOT source, then the chart
    as Graphviz reads it (:meth:`_as_graphviz_reads_it`).
    """

    default_priority = 850

    def apply(self, **kwargs: Any) -> None:
        for chart in [node for node in walk(self.document) if isinstance(node, graphviz)]:
            options = chart.get("options", {})
            layout = options.get("graphviz_dot")
            if layout is not None and str(layout) not in LAYOUT_ENGINES:
                engines = ", ".join(sorted(LAYOUT_ENGINES))
                self._refuse(chart, f"graphviz: layout {str(layout)!r} refused: expected one of {engines}")
                continue
            code = str(chart.get("code", ""))
            problem = dot_problem(code)
            if problem is not None:
                self._refuse(chart, f"graphviz: {problem} {_REFUSAL}")
                continue
            if chart.get(FROM_PROCESS_DATA):
                continue  # drawn by the escaping template from data, not typed: see FROM_PROCESS_DATA
            message = self._as_graphviz_reads_it(code, str(layout or self.config.graphviz_dot))
            if message is not None:
                self._refuse(chart, message)

    def _as_graphviz_reads_it(self, code: str, program: str) -> str | None:
        """Why the chart ``code`` is refused as ``program`` (what Sphinx runs to draw it) reads it:
        ``dot -Tjson0`` lists every attribute Graphviz recognised, however it was spelt.

        Fail-closed: a chart Graphviz cannot read, or that cannot be checked, is refused with
        Graphviz's message (Sphinx could not draw it either).
        """
        command = [program, *self.config.graphviz_dot_args, "-Tjson0"]
        cwd = (Path(self.app.srcdir) / self.env.docname).parent  # where Sphinx runs it
        try:
            result = subprocess.run(
                command, input=code.encode(), capture_output=True, cwd=cwd, timeout=CHECK_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"graphviz: refusing the chart: it cannot be checked ({program!r} did not run: {exc})"
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
            return (
                f"graphviz: refusing the chart: Graphviz cannot read it, so it cannot be checked ({message})"
            )
        try:
            graphs = list(_json_documents(result.stdout.decode("utf-8", "replace")))
        except ValueError as exc:
            return f"graphviz: refusing the chart: it cannot be checked (Graphviz wrote no JSON: {exc})"
        for graph in graphs:
            problem = graphviz_problem(graph)
            if problem is not None:
                return f"graphviz: {problem} {_REFUSAL}"
        return None

    def _refuse(self, chart: nodes.Element, message: str) -> None:
        report_error(self.env, message, chart)
        parent = chart.parent
        # A captioned chart sits in a figure of its own: take the caption with it.
        if isinstance(parent, nodes.figure) and len(parent.children) and parent.children[0] is chart:
            parent.replace_self(nodes.inline("", "", classes=["mk-refused"]))
        else:
            chart.replace_self(nodes.inline("", "", classes=["mk-refused"]))


def rendered_problem(path: Path) -> str | None:
    """What in an SVG chart Graphviz wrote links, shows a file or runs (``None``: nothing)."""
    try:
        tree = read_svg(path)
    except OSError:
        return None  # nothing written, nothing published
    except UnreadableSvg as exc:
        return f"a drawing that cannot be read as SVG ({exc.reason}, line {exc.line})"
    active = active_content(tree)
    if active is not None:
        return f"{active.what} in the drawing (line {active.line} of the SVG)"
    for element in tree.getroot().iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rpartition("}")[2]
        linked = [name for name in element.attrib if str(name).rpartition("}")[2] == "href"]
        if tag == "image":
            return f"a picture read from a file (<image>, line {element.sourceline} of the SVG)"
        if tag == "a" and linked:
            return f"a link (<a href=…>, line {element.sourceline} of the SVG)"
    return None


def _image_map_problem(path: Path) -> str | None:
    """A link in the image map Graphviz wrote beside a PNG chart (``-Tcmapx``)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return "a link in the chart's image map (<area href=…>)" if re.search(r"(?i)\bhref\s*=", text) else None


def html_visit_graphviz(self: Any, node: graphviz) -> None:
    """Sphinx's HTML visitor, with the ``:alt:`` text escaped (Sphinx writes it in as HTML), after
    a check of what Graphviz drew: a chart with a link or a picture in it is deleted, not shown."""
    fmt = self.builder.config.graphviz_output_format
    try:
        _relative, written = render_dot(
            self, node["code"], node["options"], fmt, filename=node.get("filename")
        )
    except GraphvizError:
        written = None  # render_dot_html reports it at the node
    if written is not None:
        path = Path(written)
        problem = rendered_problem(path) if fmt == "svg" else _image_map_problem(Path(f"{path}.map"))
        if problem is not None:
            path.unlink(missing_ok=True)
            Path(f"{path}.map").unlink(missing_ok=True)
            _write_error(self, f"graphviz: {problem} {_REFUSAL}", node)
            raise nodes.SkipNode
    alt = self.encode(node["alt"]) if "alt" in node else None
    render_dot_html(self, node, node["code"], node["options"], filename=node.get("filename"), alt=alt)


def _write_error(translator: Any, message: str, node: nodes.Node) -> None:
    """An ERROR while a page is written: logged at ``node``, and the page's errors fail the build
    (``report_error`` counts them against the page being read; here it is the page being written)."""
    logger.error("%s", message, location=node, type=LOG_TYPE, subtype="data")
    errors = get_domain(translator.builder.env).errors
    docname = str(translator.builder.current_docname)
    errors[docname] = errors.get(docname, 0) + 1
