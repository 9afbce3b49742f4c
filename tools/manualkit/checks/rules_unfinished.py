"""MK615, MK616: a placeholder left for later is about to be published."""

from __future__ import annotations

import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location

#: What writers and the scaffolds leave where text is still missing: 待补充/待填写/待完善 (the
#: checklist scaffold's "（待补充检查事项）"), TODO, TBD, FIXME and XXX as words.  待核实 is
#: not one: the manual prints it on purpose, as the status of a citation nobody could verify.
PLACEHOLDER_RE = re.compile(r"待补充|待填写|待完善|(?<![A-Za-z])(?:TODO|TBD|FIXME|XXX)(?![A-Za-z])")


_WHY = """
    Why: the site, the PDF and the Word document print it as it stands; a counter clerk ticking
    "（待补充检查事项）" or reading "TODO" in a controlled document is an audit finding.
"""


@rule(
    "MK615",
    "error",
    "placeholder text in a chapter would be published",
    """
    What: text still marked as unfinished — 待补充, 待填写, 待完善, TODO, TBD, FIXME or XXX — in a
    chapter's prose (outside inline code and % comment lines, which no output prints).
    """
    + _WHY
    + """
    Fix: write the missing text; a note for editors goes in a MyST comment line (% TODO …).
    """,
    needs_data=False,
)
def unfinished_prose(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for block in doc.blocks:
            for m in PLACEHOLDER_RE.finditer(block.masked):
                line, col = block.position(m.start())
                message = _message(m.group(0), _around(block.masked, m))
                yield Diagnostic("MK615", "error", message, Location(doc.path, line, col))


@rule(
    "MK616",
    "error",
    "placeholder text in printed data would be published",
    """
    What: 待补充, 待填写, 待完善, TODO, TBD, FIXME or XXX in data the outputs print: a form's title,
    purpose, notes and fields, a checklist's title and items, a process's steps and branch
    conditions, an SLA's name. `manualkit new checklist` without --item writes the item
    "（待补充检查事项）" for the writer to replace; `manualkit new form` writes sample fields
    with the note "（待补充：以上为示例栏目，…）" under them.
    """
    + _WHY
    + """
    Fix: write the missing text, or leave the entry out of data/ until it is ready (a YAML
    comment, # TODO …, is never printed).
    """,
)
def unfinished_data(ctx: CheckContext) -> Iterator[Diagnostic]:
    for printed in ctx.printed_texts:
        for m in PLACEHOLDER_RE.finditer(printed.text):
            found = _message(m.group(0), _around(printed.text, m), "a # YAML comment")
            message = f"{printed.owner}: {found}"
            yield Diagnostic("MK616", "error", message, printed.location)


def _around(text: str, m: re.Match[str], width: int = 12) -> str:
    """The placeholder with a little of its text on each side, on one line."""
    start, end = max(0, m.start() - width), min(len(text), m.end() + width)
    shown = " ".join(text[start:end].split())
    return ("…" if start else "") + shown + ("…" if end < len(text) else "")


def _message(found: str, context: str, comment: str = "a % comment line") -> str:
    """``comment``: where a note for editors goes instead (a chapter's % line, data's # line)."""
    return (
        f"placeholder {found!r} would be printed in every output: found “{context}”, expected the "
        f"finished text (a note for editors goes in {comment})"
    )
