"""MK617: a picture in a chapter with no text alternative."""

from __future__ import annotations

from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.rules_markup import IMAGE_RE
from manualkit.checks.source import Document
from manualkit.diagnostics import Diagnostic, Location

#: Directives that draw a picture; ``:alt:`` is their text alternative.
_PICTURE_DIRECTIVES = {
    "image": "image",
    "figure": "figure",
    "graphviz": "drawing",
    "digraph": "drawing",
    "graph": "drawing",
}


@rule(
    "MK617",
    "warning",
    "a picture has no text alternative",
    """
    What: an image in a chapter without alternative text — ![](img/x.png) with nothing between the
    brackets, an {image} or {figure} without :alt:, a {graphviz} drawing without :alt:.
    (Flowcharts of {process} get theirs from the process title: 投诉处理流程图.)
    Why: staff who use a screen reader hear nothing where the picture is (the site's <img alt>,
    the PDF's tagged Figure), and for a drawing without :alt: they hear its DOT source code;
    the site and the PDF are meant to be accessible (WCAG 2, GB/T 37668).
    Fix: say in a few words what the picture shows: ![投诉登记界面](img/x.png), or :alt: 投诉登记界面.
    """,
    needs_data=False,
)
def missing_alt_text(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        yield from _markdown_images(doc)
        for directive in doc.directives:
            kind = _PICTURE_DIRECTIVES.get(directive.name)
            if kind is None or (directive.option("alt") or "").strip():
                continue
            named = f" {directive.argument}" if directive.argument else ""
            yield Diagnostic(
                "MK617",
                "warning",
                f"{kind} {{{directive.name}}}{named} has no text alternative: expected an :alt: option "
                "saying what it shows (a screen reader reads it in place of the picture)",
                Location(doc.path, directive.line, directive.column),
            )


def _markdown_images(doc: Document) -> Iterator[Diagnostic]:
    for block in doc.blocks:
        for m in IMAGE_RE.finditer(block.source):
            if block.masked[m.start()] != block.source[m.start()] or m.group("alt").strip():
                continue  # inside inline code, or described
            line, column = block.position(m.start())
            yield Diagnostic(
                "MK617",
                "warning",
                "image has no text alternative: expected a few words between the brackets, "
                "![投诉登记界面](…), saying what it shows (a screen reader reads them in its place)",
                Location(doc.path, line, column),
            )
