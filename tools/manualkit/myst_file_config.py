"""What a chapter's front matter may set of MyST's configuration under ``myst:``: ``html_meta`` only.

MyST lets each file override the parser's settings in its front matter (``myst:`` with
``enable_extensions``, ``disable_syntax``, ``substitutions`` …), and the file's settings replace
the project's.  A chapter could so turn raw HTML back on (``disable_syntax: []``: working
``<script>`` in the site and the print HTML) and enable substitutions, which MyST renders with an
unsandboxed Jinja2 environment: ``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` ran a
command on the build machine.  Sources are untrusted, so the project's settings (``conf.py``) are
the only ones; ``html_meta`` stays allowed (its ``http-equiv`` entries are refused elsewhere).

Shared by the checker (MK505) and the build's parser, which refuses the chapter before MyST reads
the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The keys a chapter may give under ``myst:`` in its front matter.
ALLOWED = frozenset({"html_meta"})


def refused_settings(front_matter: Mapping[str, Any]) -> list[str]:
    """The MyST settings the front matter tries to set that manualkit refuses (none: ``[]``)."""
    value = front_matter.get("myst")
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return ["myst"]
    return sorted(str(key) for key in value if key not in ALLOWED)


def refusal_message(refused: list[str]) -> str:
    """One sentence: what was found and what is expected."""
    found = ", ".join(repr(key) for key in refused)
    return (
        f"front matter sets MyST's configuration under 'myst:' ({found}): expected only 'html_meta' "
        "there — the chapter may not change how MyST reads it (extensions, raw HTML, substitutions); "
        "the project's settings in conf.py apply to every chapter"
    )
