"""MK130: an SLA missing from the SLA tables of its own chapter, where its kin are listed.

A chapter's ``:::{sla-table}`` usually selects by tag ("本章全部投诉时限如下" lists
``:tags: complaint``).  An SLA added to that chapter without the tag is cited in the prose but
left out of the table the chapter presents as complete, and nothing else notices: the build
succeeds and the overview in the appendix still lists it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.source import DirectiveUse, Document
from manualkit.diagnostics import Diagnostic
from manualkit.models import Sla
from manualkit.sla_selection import SlaTableFilter


def family(sla_id: str) -> str:
    """``complaint.general.resolve`` → ``complaint``: SLAs of one family belong together."""
    return sla_id.split(".", 1)[0]


def _chapter_labels(documents: Sequence[Document], doc: Document, name: str) -> frozenset[str] | None:
    """Section labels of the chapter ``:chapter: name`` names (empty: the table's own)."""
    if not name:
        return frozenset(doc.labels)
    wanted = posixpath.normpath(posixpath.join("manual", name.lstrip("/")))
    for other in documents:
        if posixpath.splitext(other.path)[0] == wanted:
            return frozenset(other.labels)
    return None  # an unknown chapter: MK101's and the build's to report


def chapter_tables(
    documents: Sequence[Document], slas: Sequence[Sla], doc: Document
) -> list[tuple[DirectiveUse, set[str]]]:
    """Each SLA table of ``doc`` with the ids of the ``slas`` it lists."""
    tables = []
    for directive in doc.directives:
        if directive.name != "sla-table":
            continue
        table = SlaTableFilter.from_options(dict(directive.options))
        labels = None if table.chapter is None else _chapter_labels(documents, doc, table.chapter)
        tables.append((directive, {s.id for s in slas if table.selects(s, labels)}))
    return tables


def _advice(doc: Document, table: DirectiveUse) -> str:
    selection = SlaTableFilter.from_options(dict(table.options))
    where = f"{doc.path}:{table.line}"
    if selection.tags:
        tags = ", ".join(sorted(selection.tags))
        return f"add `tags: [{tags}]` to it, as the table at {where} lists `:tags: {tags}`"
    return f"make the table at {where} ({selection.describe()}) list it"


@rule(
    "MK130",
    "warning",
    "SLA missing from its chapter's SLA tables",
    """
    What: an SLA whose home section (`section:` in data/slas.yaml) is in a chapter with
    :::{sla-table} directives, and whose kin in that chapter (SLAs whose id starts with the same
    word, e.g. complaint.*) are all listed by those tables, is listed too.
    Why: a chapter's table is read as its complete list of time limits ("本章全部投诉时限如下");
    a new SLA without the table's tag is cited in the prose but missing from the table, and the
    build and the appendix overview do not show the gap.
    Fix: give the SLA the tag the table selects by (the message names it), or widen the table's
    filters.  An SLA that deliberately stays out of its chapter's tables: put
    `# manualkit: ignore MK130 -- reason` above its entry in data/slas.yaml.
    """,
)
def sla_missing_from_chapter_tables(ctx: CheckContext) -> Iterator[Diagnostic]:
    tables_of: dict[str, list[tuple[DirectiveUse, set[str]]]] = {}
    homes = ctx.section_documents
    for sla in ctx.data.slas:
        doc = homes.get(sla.section or "")
        if doc is None:
            continue
        if doc.path not in tables_of:
            tables_of[doc.path] = chapter_tables(ctx.documents, ctx.data.slas, doc)
        tables = tables_of[doc.path]
        if not tables or any(sla.id in ids for _, ids in tables):
            continue
        kin = [
            other
            for other in ctx.data.slas
            if other is not sla
            and family(other.id) == family(sla.id)
            and homes.get(other.section or "") is doc
        ]
        if not kin or not all(any(k.id in ids for _, ids in tables) for k in kin):
            continue
        yield Diagnostic(
            "MK130",
            "warning",
            f"SLA {sla.id} ({sla.name}) is not listed by the SLA tables of {doc.path}, which list "
            f"{_kin_text(kin)}; {_advice(doc, _table_of_most(kin, tables))}",
            ctx.where("slas", sla.id, "tags") if sla.tags else ctx.where("slas", sla.id),
        )


def _kin_text(kin: Sequence[Sla]) -> str:
    shown = ", ".join(k.id for k in kin[:3])
    return f"its kin {shown}" + (f" and {len(kin) - 3} more" if len(kin) > 3 else "")


def _table_of_most(kin: Sequence[Sla], tables: list[tuple[DirectiveUse, set[str]]]) -> DirectiveUse:
    """The table that lists most of ``kin``: the one the SLA most likely belongs in."""
    return max(tables, key=lambda t: sum(k.id in t[1] for k in kin))[0]
