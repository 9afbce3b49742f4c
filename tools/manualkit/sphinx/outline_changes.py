"""Every HTML page rewritten when the manual's outline changed.

A page shows more than its own document: the sidebar lists every chapter and section with its
number, links to other chapters carry their section titles (``{ref}``), and links to an SLA row
or a form name the page that holds it.  Sphinx rewrites only the pages it re-read, so after a
heading was renamed, a chapter added or removed, or an SLA table moved to another chapter, the
other pages kept the old titles, a sidebar without the new chapter, links to a removed page and
links to an anchor that is no longer on the page they point at.

So the outline — titles, section numbers, tables of contents, the toctree, every label and every
manualkit anchor with the page it is on — is fingerprinted once the sources are read.  The HTML builder
keeps the fingerprint its pages were written with (``MARKER`` in its output folder); when the
outline differs, every page is rewritten (not re-read).  An edit to a paragraph leaves the
outline as it was and rewrites only its own page.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Final

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment

#: The outline fingerprint the pages in the HTML output folder were written with.
MARKER: Final = ".manualkit-outline"


def outline_fingerprint(env: BuildEnvironment) -> str:
    """SHA-256 over what one page may show of the others."""
    parts: list[str] = []
    for docname in sorted(env.found_docs):
        title = env.titles.get(docname)
        toc = env.tocs.get(docname)
        parts.append(f"doc {docname}")
        parts.append(f"title {title.astext() if title is not None else ''}")
        parts.append(f"toc {toc.astext() if toc is not None else ''}")
        parts.append(f"numbers {sorted(env.toc_secnumbers.get(docname, {}).items())}")
        parts.append(f"includes {env.toctree_includes.get(docname, [])}")
    std = env.get_domain("std").data
    parts.append(f"labels {sorted(std.get('labels', {}).items())}")
    parts.append(f"anonlabels {sorted(std.get('anonlabels', {}).items())}")
    # Where each SLA row, form, process … is anchored (its page and anchor).
    objects = env.domaindata.get("mk", {}).get("objects", {})
    parts.append(f"mk {sorted((str(k), repr(v)) for k, v in objects.items())}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def rewrite_all_when_the_outline_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``: every document, when the pages were written with another outline.

    Not ``env-updated``: Sphinx numbers the sections in its own ``env-get-updated`` handler, after
    ``env-updated`` — a re-read chapter has no numbers yet there.
    """
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return []
    marker = Path(builder.outdir) / MARKER
    current = outline_fingerprint(env)
    try:
        written_with = marker.read_text(encoding="utf-8").strip()
    except OSError:
        written_with = ""
    if written_with == current:
        return []
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(current + "\n", encoding="utf-8")
    # No marker yet: pages written before this module existed, or none at all — rewrite them too.
    return sorted(env.found_docs)


def setup(app: Sphinx) -> dict[str, Any]:
    # After Sphinx's toctree collector (priority 500) has numbered the sections.
    app.connect("env-get-updated", rewrite_all_when_the_outline_changed, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
