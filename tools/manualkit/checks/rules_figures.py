"""MK301/MK302: shares of one whole add up to 100%."""

from __future__ import annotations

import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location

#: Tolerance for rounding in published shares (e.g. 33.3 + 33.3 + 33.4).
TOLERANCE = 0.05
_PERCENT_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[%％]")
#: Words that say a paragraph lists the parts of one whole.
_SHARE_WORDS = ("占比", "分别占", "构成", "比例分别", "分布")


def _fmt(x: float) -> str:
    return f"{x:g}"


@rule(
    "MK301",
    "error",
    "share group does not add up to 100%",
    """
    What: the parts of a share group (data/shares.yaml) must add up to 100% (±0.05 for rounding).
    65% + 25% + 10% + 10% = 110% is the classic failure.
    Why: shares of one whole that exceed or miss 100% tell the reader the data is wrong.
    Fix: correct the parts (or split the group if they describe different wholes).
    """,
)
def share_totals(ctx: CheckContext) -> Iterator[Diagnostic]:
    for group in ctx.data.shares:
        total = sum(p.percent for p in group.parts)
        if abs(total - 100) > TOLERANCE:
            parts = " + ".join(f"{_fmt(p.percent)}%" for p in group.parts)
            yield Diagnostic(
                "MK301",
                "error",
                f"share group {group.id} ({group.name}) adds up to {_fmt(round(total, 2))}%: {parts}",
                ctx.where("shares", group.id, "parts"),
            )


@rule(
    "MK302",
    "warning",
    "percentages listed as shares in one paragraph do not add up to 100%",
    """
    What: a paragraph (or list item) that lists shares of one whole (it says 占比, 分别占, 构成,
    比例分别 or 分布 and writes three or more percentages outside roles) should add up to 100%.
    Only totals above 90% are reported: lower totals usually list a few parts, not the whole.
    Why: hand-written shares drift from the data; better to use :::{share-table}.
    Fix: correct the numbers or move them to data/shares.yaml and render a share table.
    """,
)
def prose_shares(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc, block in ctx.blocks():
        if not any(w in block.masked for w in _SHARE_WORDS):
            continue
        values = [(m.start(), float(m.group(1))) for m in _PERCENT_RE.finditer(block.masked)]
        if len(values) < 3:
            continue
        total = sum(v for _, v in values)
        if abs(total - 100) > TOLERANCE and total > 90:
            line, col = block.position(values[0][0])
            yield Diagnostic(
                "MK302",
                "warning",
                f"shares in this paragraph add up to {_fmt(round(total, 2))}%, not 100%",
                Location(doc.path, line, col),
            )
