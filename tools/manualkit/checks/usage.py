"""Where every id is used: roles and directives in the chapters, cross-references in data/.

Shared by the reference rules (unknown ids, unused definitions) and the
attachment rules, so "used" means the same thing everywhere.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.diagnostics import Location

#: Role name → collection of ManualData it points into.
ROLE_KINDS: dict[str, str] = {
    "sla": "slas",
    "form": "forms",
    "reg": "references",
    "target": "targets",
    "window": "windows",
    "process": "processes",
    "checklist": "checklists",
    "share": "shares",
    "term": "glossary",
    "ref": "labels",
}
#: Labels Sphinx defines itself, which ``{ref}`` may name as well.
SPHINX_LABELS = frozenset({"genindex", "modindex", "search"})
#: Directive name → collection its argument names.
DIRECTIVE_KINDS: dict[str, str] = {
    "form": "forms",
    "checklist": "checklists",
    "process": "processes",
    "share-table": "shares",
}


@dataclasses.dataclass(frozen=True)
class Use:
    """``target`` of ``kind`` (a collection name or ``labels``) used at ``location``."""

    kind: str
    target: str
    location: Location
    via: str  # "role", "directive" or "data"
    document: str | None = None  # chapter path for prose uses


def prose_uses(ctx: CheckContext) -> Iterator[Use]:
    for doc in ctx.documents:
        for _, role in doc.roles():
            kind = ROLE_KINDS.get(role.name)
            if kind:
                yield Use(kind, role.target, Location(doc.path, role.line, role.column), "role", doc.path)
        for d in doc.directives:
            kind = DIRECTIVE_KINDS.get(d.name)
            if kind and d.argument:
                yield Use(kind, d.argument, Location(doc.path, d.line, d.column), "directive", doc.path)
            section = d.option("section") if d.name == "sla-table" else None
            if section:
                yield Use("labels", section, Location(doc.path, d.line, d.column), "directive", doc.path)
            tags = d.option("tags") if d.name == "sla-table" else None
            for tag in (tags or "").split(","):
                if tag.strip():
                    yield Use(
                        "tags", tag.strip(), Location(doc.path, d.line, d.column), "directive", doc.path
                    )


#: A form or checklist number typed as plain text (F-04-01, CL-04-01) instead of a role.
_BARE_ID_RE = re.compile(r"(?<![A-Za-z0-9\-])(?P<kind>F|CL)-\d{2}-\d{2}(?![0-9\-])")


def bare_id_uses(ctx: CheckContext) -> Iterator[Use]:
    """Form and checklist numbers typed as text in prose (a hand-written attachment list …).

    They do not count as *using* a form (no link, no title), but a number that names no form
    is a wrong reference all the same, so the unknown-id rule checks them.
    """
    for doc in ctx.documents:
        for block in doc.blocks:
            for m in _BARE_ID_RE.finditer(block.masked):
                kind = "forms" if m["kind"] == "F" else "checklists"
                line, column = block.position(m.start())
                yield Use(kind, m.group(0), Location(doc.path, line, column), "text", doc.path)


def data_text_id_uses(ctx: CheckContext) -> Iterator[Use]:
    """Form and checklist numbers typed into printed data text (form notes, checklist items,
    process steps): "另填F-09-01" names a form that must exist, as in prose."""
    for printed in ctx.printed_texts:
        for m in _BARE_ID_RE.finditer(printed.text):
            kind = "forms" if m["kind"] == "F" else "checklists"
            yield Use(kind, m.group(0), printed.location, "text")


def data_uses(ctx: CheckContext) -> Iterator[Use]:
    """Every id one data entry uses of another, located at the field that names it."""
    data = ctx.data

    def use(kind: str, target: str | None, coll: str, item: str | None, *path: str | int) -> Iterator[Use]:
        if target:
            yield Use(kind, target, ctx.where(coll, item, *path), "data")

    for s in data.slas:
        yield from use("roles", s.owner, "slas", s.id, "owner")
        yield from use("references", s.source, "slas", s.id, "source")
        if s.limit:
            yield from use("references", s.limit.reference, "slas", s.id, "limit", "reference")
        yield from use("labels", s.section, "slas", s.id, "section")
    for t in data.targets:
        yield from use("roles", t.owner, "targets", t.id, "owner")
        yield from use("labels", t.section, "targets", t.id, "section")
    for w in data.windows:
        yield from use("labels", w.section, "windows", w.id, "section")
    for g in data.shares:
        yield from use("labels", g.section, "shares", g.id, "section")
    for f in data.forms:
        yield from use("labels", f.section, "forms", f.id, "section")
        yield from use("roles", f.owner, "forms", f.id, "owner")
        yield from use("slas", f.retention, "forms", f.id, "retention")
        for i, field in enumerate(f.fields):
            yield from use("slas", field.sla, "forms", f.id, "fields", i, "sla")
        for i, role in enumerate(f.signatures):
            yield from use("roles", role, "forms", f.id, "signatures", i)
    for c in data.checklists:
        yield from use("roles", c.owner, "checklists", c.id, "owner")
        yield from use("labels", c.section, "checklists", c.id, "section")
        for i, sla in enumerate(c.slas):
            yield from use("slas", sla, "checklists", c.id, "slas", i)
        for i, form in enumerate(c.forms):
            yield from use("forms", form, "checklists", c.id, "forms", i)
        for i, item in enumerate(c.items):
            yield from use("slas", item.sla, "checklists", c.id, "items", i, "sla")
            yield from use("forms", item.form, "checklists", c.id, "items", i, "form")
    for p in data.processes:
        yield from use("roles", p.owner, "processes", p.id, "owner")
        yield from use("labels", p.section, "processes", p.id, "section")
        yield from use("slas", p.sla, "processes", p.id, "sla")
        for i, step in enumerate(p.steps):
            yield from use("roles", step.owner, "processes", p.id, "steps", i, "owner")
            yield from use("slas", step.sla, "processes", p.id, "steps", i, "sla")
            yield from use("forms", step.form, "processes", p.id, "steps", i, "form")
    for r in data.references:
        yield from use("references", r.superseded_by, "references", r.id, "superseded_by")
    for i, rev in enumerate(data.revisions):
        for who in ("drafted", "reviewed", "approved"):
            yield from use("roles", getattr(rev, who).role, "revisions", None, i, who, "role")
        # Not the sections of its changes: MK704 reports an unknown one (MK101 said it again).


def defined_ids(ctx: CheckContext, kind: str) -> set[str]:
    if kind == "labels":
        return set(ctx.section_documents) | SPHINX_LABELS
    if kind == "tags":
        return {tag for sla in ctx.data.slas for tag in sla.tags}
    if kind == "glossary":
        return {t.id for t in ctx.data.glossary} | {t.term for t in ctx.data.glossary}
    items = getattr(ctx.data, kind)
    return {item.id for item in items}
