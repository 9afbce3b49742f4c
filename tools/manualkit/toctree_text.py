"""Where the toctrees of a MyST file are, read from its text (no Sphinx, no full parse).

``manualkit new chapter`` adds entries to the root's toctree, the bench lists chapters from it,
and the revision record (MK705) must tell a toctree line from the root page's prose: adding a
chapter changes only toctree lines of ``index.md``, which is the new chapter's change, not one
of the root section's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: The opening line of a directive fence (``:::{toctree}``, ```` ```{form} ````), its name captured.
FENCE_OPEN = re.compile(r"^\s*(?P<fence>:{3,}|`{3,})\{(?P<name>[a-z][a-z0-9\-]*)\}")


def _fence_closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def toctree_body(text: str) -> Iterator[tuple[int, str]]:
    """``(1-based line, stripped text)`` of every line inside a toctree fence (options and blank
    lines included, the fences themselves not)."""
    fence = ""
    for number, line in enumerate(text.splitlines(), 1):
        if not fence:
            match = FENCE_OPEN.match(line)
            if match and match.group("name") == "toctree":
                fence = match.group("fence")
            continue
        if _fence_closes(line, fence):
            fence = ""
        else:
            yield number, line.strip()


def toctree_entries(text: str) -> list[str]:
    """Document names listed in the toctree(s) of ``text``, in order."""
    return [entry for _, entry in toctree_body(text) if entry and not entry.startswith(":")]
