"""MK140: heading levels that make MyST warn (a jump, a chapter not starting at H1), or a second H1
that silently makes a chapter of its own.

MyST's section-level rule is replayed on a chapter's top-level headings, so the checker reports the
one heading to correct, with the level expected, instead of the build's warning at every heading
under it.
"""

from __future__ import annotations

from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.source import Heading
from manualkit.diagnostics import Diagnostic, Location


@rule(
    "MK140",
    "error",
    "heading levels: a jump, a second H1, or a chapter that does not start at H1",
    """
    What: the headings of a chapter (# … ######) must go down one level at a time: the chapter
    starts with one # heading (its title), ## below it, ### below that. Reported: a heading more
    than one level below the one it follows (## then ####), a chapter whose first heading is not
    #, and a second # heading in a chapter. Headings in lists, quotes and directives are rubrics,
    not sections, and are not counted.
    Why: MyST warns "Non-consecutive header level increase; H1 to H4" or "Document headings start
    at H2, not H1" (at that heading and at every heading under it), and builds treat warnings as
    errors. A second # heading passes without a warning but makes a chapter of its own: the
    contents list it as one, and every later chapter's number goes up by one (4 becomes 5) in
    every output.
    Fix: give the heading the level the message expects (one more # than its parent, ## under the
    chapter's title), or move a second chapter to a file of its own.
    """,
    needs_data=False,
)
def heading_levels(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        sections = [h for h in doc.headings if h.section]
        warned = _myst_heading_warnings(sections)
        problems = _heading_problems(sections)
        for index, (heading, message) in enumerate(problems):
            after = problems[index + 1][0].line if index + 1 < len(problems) else None
            caused = [ln for ln in warned if ln > heading.line and (after is None or ln < after)]
            if caused:
                shown = ", ".join(str(ln) for ln in caused[:8]) + (", …" if len(caused) > 8 else "")
                message += f" (the build's warnings at lines {shown}, the headings under it, go with it)"
            yield Diagnostic("MK140", "error", message, Location(doc.path, heading.line, heading.column))


def _myst_heading_warnings(sections: list[Heading]) -> list[int]:
    """Lines of the headings MyST warns about (``update_section_level_state``, replayed)."""
    levels = {0}
    warned: list[int] = []
    for h in sections:
        parent = max(level for level in levels if level < h.level)
        if h.level > parent + 1:
            warned.append(h.line)
        levels = {level for level in levels if level < h.level} | {h.level}
    return warned


def _heading_problems(sections: list[Heading]) -> list[tuple[Heading, str]]:
    """(heading, message) of each heading at a wrong level, replaying MyST's section levels as if
    each reported heading were corrected: one finding per mistake, not one per heading under it."""
    stack: list[tuple[int, Heading]] = []
    title: Heading | None = None
    found: list[tuple[Heading, str]] = []
    for h in sections:
        level = h.level
        parent_level, parent = next(((lv, p) for lv, p in reversed(stack) if lv < level), (0, None))
        marks = "#" * h.level
        if title is None and level != 1:
            found.append(
                (
                    h,
                    f"the chapter's first heading “{h.title}” is H{level}: expected # (H1), the chapter's "
                    f'title, found {marks}; MyST warns "Document headings start at H{level}, not H1" '
                    "and the build stops",
                )
            )
            level = 1
        elif level == 1 and title is not None:
            found.append(
                (
                    h,
                    f"a second H1 heading “{h.title}” in the chapter (its title is “{title.title}”, line "
                    f"{title.line}): expected ## (H2), found #; the build makes it a chapter of its own, "
                    "listed as such in the contents, and numbers every later chapter one higher",
                )
            )
            level = 2
        elif level > parent_level + 1:
            under = f" under “{parent.title}” (line {parent.line})" if parent else ""
            expected = "#" * (parent_level + 1)
            found.append(
                (
                    h,
                    f"heading “{h.title}” jumps from H{parent_level} to H{level}{under}: expected at most "
                    f'{expected} (H{parent_level + 1}), found {marks}; MyST warns "Non-consecutive header '
                    f'level increase; H{parent_level} to H{level}" and the build stops',
                )
            )
            level = parent_level + 1
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, h))
        if title is None:
            title = h
    return found
