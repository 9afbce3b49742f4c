"""Every HTML page rewritten when the manual's outline changed.

A page shows more than its own document: the sidebar lists every chapter and section with its
number, links to other chapters carry their section titles (``{ref}``), and links to an SLA row
or a form name the page that holds it.  Sphinx rewrites only the pages it re-read, so after a
heading was renamed, a chapter added or removed, or an SLA table moved to another chapter, the
other pages kept the old titles, a sidebar without the new chapter, links to a removed page and
links to an anchor that is no longer on the page they point at.

So the outline — titles, section numbers, tables of contents, the toctree, every label and every
manualkit anchor with the page it is on, and the page templates — is fingerprinted once the
sources are read.  The HTML builder keeps the fingerprint its pages were written with (``MARKER``
in its output folder, renewed when a build succeeds); when the outline differs, or the last build
was interrupted while writing (``WRITING`` left behind), every page is rewritten (not re-read).
An edit to a paragraph leaves the outline as it was and rewrites only its own page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError

from manualkit.review_draft import build_day, review_draft

#: The outline fingerprint the pages in the HTML output folder were written with.
MARKER: Final = ".manualkit-outline"
#: Present while a build writes the pages; left behind by an interrupted build (Ctrl-C, a kill),
#: whose pages are then a mix of two outlines: the next build rewrites them all.
WRITING: Final = ".manualkit-writing"
#: Builder attribute: the fingerprint this build writes its pages with (recorded once it succeeds).
_PENDING = "manualkit_outline_pending"


def outline_fingerprint(env: BuildEnvironment, template_dirs: Iterable[Path] = ()) -> str:
    """SHA-256 over what one page may show of the others, and over the page templates.

    The templates count by content: one put back with an older time (``cp -p``) changes every
    page although Sphinx, which compares times, sees nothing newer.
    """
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
    # Every page's document bar says whether this is a review draft: when the approval day has
    # come (or a draft is recorded), no page may keep the other state.
    try:
        runtime = env.get_domain("mk").runtime  # type: ignore[attr-defined]
    except ExtensionError:  # Sphinx without manualkit's domain: nothing is a review draft
        runtime = None
    if runtime is not None:
        parts.append(f"draft {review_draft(runtime.data, build_day())}")
    digest = hashlib.sha256("\n".join(parts).encode("utf-8"))
    for folder in template_dirs:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest.update(f"\ntemplate {path.relative_to(folder).as_posix()}\n".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def rewrite_all_when_the_outline_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``: every document, when the pages were written with another outline or
    the last build was interrupted while writing them.

    Not ``env-updated``: Sphinx numbers the sections in its own ``env-get-updated`` handler, after
    ``env-updated`` — a re-read chapter has no numbers yet there.
    """
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return []
    outdir = Path(builder.outdir)
    templates = [Path(app.confdir, folder) for folder in app.config.templates_path]
    current = outline_fingerprint(env, templates)
    try:
        written_with = (outdir / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        written_with = ""
    interrupted = (outdir / WRITING).exists()
    builder.__dict__[_PENDING] = current
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / WRITING).write_text("", encoding="utf-8")
    if written_with == current and not interrupted:
        return []
    # No marker yet: pages written before this module existed, or none at all — rewrite them too.
    return sorted(env.found_docs)


def record_outline(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: the pages now match the outline (only when the build succeeded)."""
    builder = app.builder
    pending = builder.__dict__.get(_PENDING) if isinstance(builder, StandaloneHTMLBuilder) else None
    if pending is None or exception is not None or app.statuscode != 0:
        return
    outdir = Path(builder.outdir)
    (outdir / MARKER).write_text(pending + "\n", encoding="utf-8")
    (outdir / WRITING).unlink(missing_ok=True)


def setup(app: Sphinx) -> dict[str, Any]:
    # After Sphinx's toctree collector (priority 500) has numbered the sections.
    app.connect("env-get-updated", rewrite_all_when_the_outline_changed, priority=900)
    # Before manualkit's other build-finished handlers read what this build wrote.
    app.connect("build-finished", record_outline, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
