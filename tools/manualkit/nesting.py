"""How deeply directives nest in a MyST chapter, and the depth manualkit accepts.

Why a limit: MyST reads a directive's body with a parser of its own, so every level of nesting
costs Python stack frames.  A few hundred levels ended the build in "internal error
RecursionError", naming no file, while ``manualkit check`` (whose walk recurses the same way)
passed.  No real chapter nests more than a few levels (the manual: three, a note in a list
table in a section); :data:`MAX_DIRECTIVE_DEPTH` leaves ample room and is reached long before
Python's limit, so the checker (MK618) and the build can both name the line.

The scan works on lines, as MyST's fences do: an opening fence (``:::{note}``, ````` ```{form} `````)
opens a level; a fence of the same character, at least as long and with nothing after it,
closes the innermost one.  The body of a directive whose content is not Markdown (code,
graphs, tables in CSV, raw text) is skipped to its closing fence: fences inside it are text.
"""

from __future__ import annotations

import dataclasses
import re

#: Directives nested deeper than this are refused (checker MK618, and the build).
MAX_DIRECTIVE_DEPTH = 20

#: Directives whose body is not parsed as Markdown: a fence inside them is text.
LITERAL_BODY_DIRECTIVES = frozenset(
    {
        "code-block",
        "code",
        "sourcecode",
        "literalinclude",
        "math",
        "graphviz",
        "digraph",
        "mermaid",
        "toctree",
        "raw",
        "eval-rst",
        "csv-table",
        "include",
        "image",
    }
)

_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})[ \t]*(?P<info>.*?)[ \t]*$")
_NAME = re.compile(r"^\{(?P<name>[^}\s]+)\}")


@dataclasses.dataclass(frozen=True)
class TooDeep:
    """The directive that opens one level more than allowed: its 1-based line and its name."""

    line: int
    name: str
    limit: int


@dataclasses.dataclass
class _Open:
    char: str
    length: int
    literal: bool


def first_too_deep(text: str, limit: int = MAX_DIRECTIVE_DEPTH) -> TooDeep | None:
    """The first directive in ``text`` nested more than ``limit`` deep, or None."""
    if text.count(":::") + text.count("```") <= limit:
        return None  # too few fences to nest that deep: most chapters stop here
    stack: list[_Open] = []
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if match is None:
            continue
        fence, info = match["fence"], match["info"]
        top = stack[-1] if stack else None
        if top is not None and not info and fence[0] == top.char and len(fence) >= top.length:
            stack.pop()
            depth -= not top.literal
            continue
        if top is not None and top.literal:
            continue  # a fence inside code or a graph is text
        name_match = _NAME.match(info)
        name = name_match["name"].lower() if name_match else ""
        literal = not name or name in LITERAL_BODY_DIRECTIVES
        stack.append(_Open(fence[0], len(fence), literal))
        if not literal:
            depth += 1
            if depth > limit:
                return TooDeep(number, name, limit)
    return None


def too_deep_message(found: TooDeep) -> str:
    """The one-line explanation shared by the checker and the build."""
    return (
        f"directive {{{found.name}}} is nested {found.limit + 1} levels deep: expected at most "
        f"{found.limit} levels of directives inside one another; close some of the enclosing "
        "fences or move the content into a section of its own"
    )


__all__ = ["LITERAL_BODY_DIRECTIVES", "MAX_DIRECTIVE_DEPTH", "TooDeep", "first_too_deep", "too_deep_message"]
