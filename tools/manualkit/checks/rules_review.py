"""MK501–MK503: every chapter names its owner role and its next review date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location


def _chapters(ctx: CheckContext) -> list[object]:
    """Chapter files (``NN-*.md``); index and other pages carry no review cycle."""
    return [d for d in ctx.documents if d.name[:2].isdigit()]


@rule(
    "MK503",
    "warning",
    "chapter review is overdue",
    """
    What: the chapter's `review_due` date is before today (`--today` overrides today).
    Why: the document-control procedure requires each chapter to be reviewed on schedule.
    Fix: review the chapter, then move `review_due` forward (typically one year).
    """,
)
@rule(
    "MK502",
    "error",
    "chapter owner is not a defined role",
    """
    What: the chapter front matter `owner:` must be a role id from data/roles.yaml.
    Why: ownership is how reviews and changes are routed; an unknown role routes them nowhere.
    Fix: use an existing role id or add the role.
    """,
)
@rule(
    "MK501",
    "error",
    "chapter front matter lacks owner or review_due",
    """
    What: every chapter (manual/NN-*.md) starts with YAML front matter declaring
    `owner: <role id>` and `review_due: YYYY-MM-DD`.
    Why: the review cycle is part of document control; a chapter without an owner or a review
    date is never reviewed.
    Fix: add `---\\nowner: cs.manager\\nreview_due: 2027-06-30\\n---` at the top of the chapter.
    """,
)
def review_cycle(ctx: CheckContext) -> Iterator[Diagnostic]:
    roles = {r.id for r in ctx.data.roles}
    for doc in ctx.documents:
        if not doc.name[:2].isdigit():
            continue
        top = Location(doc.path, 1, 1)
        problem = doc.front_matter_problem
        if problem is not None:
            where = Location(doc.path, problem.line, problem.column)
            yield Diagnostic("MK501", "error", f"front matter is not valid YAML: {problem.message}", where)
            continue
        fm, lines = doc.front_matter, doc.front_matter_lines
        owner = fm.get("owner")
        if not owner:
            yield Diagnostic("MK501", "error", "front matter must declare `owner: <role id>`", top)
        elif str(owner) not in roles:
            yield Diagnostic(
                "MK502",
                "error",
                f"owner {owner!r} is not a role in data/roles.yaml",
                Location(doc.path, lines.get("owner", 1), 1),
            )
        due = fm.get("review_due")
        where = Location(doc.path, lines.get("review_due", 1), 1)
        if due is None:
            yield Diagnostic("MK501", "error", "front matter must declare `review_due: YYYY-MM-DD`", top)
        elif not isinstance(due, dt.date) or isinstance(due, dt.datetime):
            yield Diagnostic("MK501", "error", f"review_due must be a date YYYY-MM-DD, found {due!r}", where)
        elif due < ctx.today:
            yield Diagnostic(
                "MK503",
                "warning",
                f"review was due on {due.isoformat()} ({(ctx.today - due).days} days ago)",
                where,
            )
