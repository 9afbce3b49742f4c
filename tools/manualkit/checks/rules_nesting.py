"""MK618: directives nested deeper than the build can read."""

from __future__ import annotations

from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location
from manualkit.nesting import MAX_DIRECTIVE_DEPTH, too_deep_message


@rule(
    "MK618",
    "error",
    "directives nested too deeply to build",
    f"""
    What: a directive opened inside more than {MAX_DIRECTIVE_DEPTH} others (:::{{note}} in
    :::{{note}} in …); the line is that of the directive one level too deep.
    Why: each level of nesting costs the MyST reader stack frames; a few hundred levels stop the
    build with Python's RecursionError, and no chapter needs more than a few.  The build refuses
    the chapter with the same message.
    Fix: close the enclosing fences earlier, or give the content a section of its own.
    """,
    needs_data=False,
)
def nested_too_deeply(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        found = doc.too_deep
        if found is None:
            continue
        line = doc.lines()[found.line - 1]
        column = len(line) - len(line.lstrip()) + 1
        yield Diagnostic("MK618", "error", too_deep_message(found), Location(doc.path, found.line, column))
