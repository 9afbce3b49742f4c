"""MK123: a chapter no toctree lists, which stops the build.

Sphinx warns "document isn't included in any toctree" for such a chapter, and builds treat the
warning as an error. Toctree entries are resolved as Sphinx resolves them
(:func:`manualkit.checks.rules_references.resolve_toctree`, which MK109 uses for the entries
themselves); this module only asks which chapters on disk no entry, and no ``orphan`` key, covers.
"""

from __future__ import annotations

from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.rules_references import _chapters_on_disk, resolve_toctree
from manualkit.diagnostics import Diagnostic, Location

#: The manual's ``root_doc`` (conf.py): the one document no toctree lists.
ROOT_DOC = "index"


@rule(
    "MK123",
    "error",
    "chapter in no toctree: the build stops",
    """
    What: a chapter file under manual/ (other than manual/index.md) that no {toctree} lists, e.g.
    a new manual/09-extra.md not yet added to the chapter list in manual/index.md.
    Why: Sphinx warns "document isn't included in any toctree" (a warning fails the build): the
    chapter would have no place in the navigation, numbering or PDF.
    Fix: add the chapter's name (09-extra) to the toctree of manual/index.md, delete the file, or
    mark a page that is deliberately outside the chapter list with `orphan: true` in its front
    matter.
    """,
    needs_data=False,
)
def chapters_outside_toctrees(ctx: CheckContext) -> Iterator[Diagnostic]:
    on_disk = _chapters_on_disk(ctx.root)
    if ROOT_DOC not in on_disk:
        return  # no chapter list to be in (a partial project); MK109 covers the entries
    listed: set[str] = set()
    where: Location | None = None
    for doc in ctx.documents:
        current = doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        for toctree in (d for d in doc.directives if d.name == "toctree"):
            where = where or Location(doc.path, toctree.line, toctree.column)
            others = on_disk.keys() - {current}
            listed.update(name for entry in resolve_toctree(toctree, current, others) for name in entry.names)
    # Sphinx tests only that the key is there (`orphan:` with no value is an orphan too).
    orphans = {doc.path for doc in ctx.documents if "orphan" in doc.front_matter}
    # An unreadable chapter is MK003's; its toctree place cannot be judged from a guessed reading.
    readable = {doc.path for doc in ctx.documents if doc.read_problem is None}
    for name, path in sorted(on_disk.items()):
        if name == ROOT_DOC or name in listed or path in orphans or path not in readable:
            continue
        shown = f" ({where.path}:{where.line})" if where else ""
        yield Diagnostic(
            "MK123",
            "error",
            f"chapter {path} is in no toctree, so the build stops (\"document isn't included in any "
            f'toctree"): expected {name!r} in the chapter list{shown}, '
            "or `orphan: true` in its front matter",
            Location(path, 1, 1),
        )
