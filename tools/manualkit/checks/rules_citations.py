"""MK303–MK305: regulations cited in prose are known, current and verified."""

from __future__ import annotations

import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location
from manualkit.models import Reference

_TITLE_RE = re.compile(r"《([^《》\n]{1,80})》")


def _normalise(title: str) -> str:
    return re.sub(r"[\s·•]", "", title)


#: Data files whose text is not printed as the manual's own statements: the register itself, and
#: revision records (which may name documents this version abolished).
_NOT_CITING = frozenset({"references", "revisions"})


def _cited(ctx: CheckContext) -> Iterator[tuple[Reference | None, str, Location]]:
    """Every regulation cited: 《title》 in prose and in printed data text, and {reg} roles."""
    by_title = {_normalise(r.title.strip("《》")): r for r in ctx.data.references}
    by_id = {r.id: r for r in ctx.data.references}
    for doc, block in ctx.blocks():
        for m in _TITLE_RE.finditer(block.masked):
            line, col = block.position(m.start())
            yield by_title.get(_normalise(m.group(1))), m.group(1), Location(doc.path, line, col)
        for role in block.roles:
            if role.name == "reg" and role.target in by_id:
                yield by_id[role.target], role.target, Location(doc.path, role.line, role.column)
    for title, loc in _data_titles(ctx):
        yield by_title.get(_normalise(title)), title, loc


def _data_titles(ctx: CheckContext) -> Iterator[tuple[str, Location]]:
    """《title》 in data strings that end up printed (form notes, SLA notes, step descriptions …)."""
    for collection, doc in ctx.positions.documents.items():
        if collection in _NOT_CITING:
            continue
        file = ctx.positions.file(collection)
        for path, info in doc.nodes.items():
            if info.kind != "scalar":
                continue
            value = _value_at(doc.value, path)
            if isinstance(value, str) and "《" in value:
                for m in _TITLE_RE.finditer(value):
                    yield m.group(1), Location(file, info.line, info.column)


def _value_at(value: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        in_mapping = isinstance(value, dict) and part in value
        in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        if not (in_mapping or in_list):
            return None
        value = value[part]  # type: ignore[index]
    return value


@rule(
    "MK305",
    "info",
    "cited regulation is marked unverified",
    """
    What: a regulation cited in the manual whose entry in data/references.yaml has
    `status: unverified` (its number, date or validity has not been confirmed).
    Why: the seed text cites several documents that may not exist as cited; they must be
    verified against the official source before publication.
    Fix: verify the document and set `status: in_force` (or superseded/repealed), or stop citing it.
    """,
)
@rule(
    "MK304",
    "warning",
    "cited regulation is superseded or repealed",
    """
    What: the manual cites (by 《title》 or {reg}) a regulation whose status is `superseded` or
    `repealed`; the message names its successor (`superseded_by`).
    Why: procedures must follow the regulation in force.
    Fix: cite the successor instead (or keep the old one only in a history note, with a
    suppression giving the reason).
    """,
)
@rule(
    "MK303",
    "error",
    "《title》 in prose is not in data/references.yaml",
    """
    What: every title in 《…》 written in prose, or in data text that is printed (form notes, SLA
    notes, step descriptions … — everything but references.yaml and revisions.yaml), must match
    (ignoring spaces) the title of an entry in data/references.yaml.
    Why: the reference list is the manual's register of the rules it relies on; an unregistered
    title cannot be checked for validity and is often a mis-quoted or non-existent document.
    Fix: cite it with {reg}`id`, or add it to data/references.yaml (status `unverified` until
    verified), or correct the title.
    """,
)
def citations(ctx: CheckContext) -> Iterator[Diagnostic]:
    by_id = {r.id: r for r in ctx.data.references}
    for ref, text, loc in _cited(ctx):
        if ref is None:
            yield Diagnostic("MK303", "error", f"《{text}》 is not in data/references.yaml", loc)
        elif ref.status in ("superseded", "repealed"):
            successor = by_id.get(ref.superseded_by or "")
            then = f"; cite 《{successor.title.strip('《》')}》 ({successor.id}) instead" if successor else ""
            yield Diagnostic("MK304", "warning", f"《{ref.title.strip('《》')}》 is {ref.status}{then}", loc)
        elif ref.status == "unverified":
            yield Diagnostic("MK305", "info", f"《{ref.title.strip('《》')}》 ({ref.id}) is unverified", loc)
