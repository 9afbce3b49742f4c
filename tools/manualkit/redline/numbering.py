"""Section numbers ("4.2.1") and reading order of one version, from its sources alone.

Why: compliance sign-off cites clauses by number, and two sections may share a title (处理要求
in 3.3.1 and 4.2.2).  The published manual gets its numbers from Sphinx (the ``:numbered:``
toctree in manual/index.md); a redline reads tagged sources from git and builds nothing, so it
derives the same numbers the same way: chapters are numbered in toctree order, one number per
top-level heading (as Sphinx counts a document's top-level sections), and headings below count
within their parent.  The root document and files outside the toctree are not numbered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from manualkit.redline.sections import DIRECTIVE_RE, FENCE_RE, HEADING_RE, Section

ROOT_DOC = "manual/index.md"
_OPTION_RE = re.compile(r"^\s*:[\w\-]+:")
_CLOSE_RE = re.compile(r"^\s*(?::{3,}|`{3,})\s*$")
_EXPLICIT_RE = re.compile(r"<(?P<doc>[^<>]+)>\s*$")


def toctree_paths(index_text: str) -> list[str]:
    """Chapter paths (``manual/04-complaints.md``) in the order the root toctree lists them.

    Only plain entries count (``04-complaints``, ``标题 <04-complaints>``): globs, URLs and
    ``self`` name no chapter file a redline could number.
    """
    lines = index_text.split("\n")
    paths: list[str] = []
    index = 0
    while index < len(lines):
        opening = DIRECTIVE_RE.match(lines[index])
        index += 1
        if not opening or opening.group("name") != "toctree":
            continue
        while index < len(lines) and not _CLOSE_RE.match(lines[index]):
            entry = lines[index].strip()
            index += 1
            if not entry or _OPTION_RE.match(entry) or "*" in entry or "://" in entry or entry == "self":
                continue
            explicit = _EXPLICIT_RE.search(entry)
            doc = (explicit.group("doc") if explicit else entry).strip().lstrip("/").removesuffix(".md")
            paths.append(f"manual/{doc}.md")
    return paths


def reading_order(paths: Iterable[str], chapters: Sequence[str]) -> list[str]:
    """The root document first, then the chapters in toctree order, then any other file by name
    (a reader meets them in that order; sorted file names would put index.md last)."""
    rank = {path: number for number, path in enumerate([ROOT_DOC, *chapters])}
    return sorted(set(paths), key=lambda path: (rank.get(path, len(rank)), path))


def section_numbers(sections: Sequence[Section], chapters: Sequence[str]) -> dict[str, str]:
    """Section key → its number ("4.2.1") for every headed section of a numbered chapter.

    ``sections`` are one version's sections as :func:`~.sections.split_sections` gives them
    (in source order, so each chapter's sections together are its whole text).
    """
    by_path: dict[str, list[Section]] = {}
    for section in sections:
        by_path.setdefault(section.path, []).append(section)
    numbers: dict[str, str] = {}
    top = 0
    for path in chapters:
        top = _number_chapter(by_path.get(path, []), top, numbers)
    return numbers


def _number_chapter(sections: Sequence[Section], top: int, numbers: dict[str, str]) -> int:
    """Number the headings of one chapter after ``top`` earlier top-level headings; returns the
    new count.  A section takes the number of its first heading (unlabelled subheadings inside it
    still count, as they do in the manual)."""
    counters: list[int] = []
    levels: list[int] = []
    fence: str | None = None
    for section in sections:
        first: str | None = None
        for line in section.text.split("\n"):
            fence, code = _in_fence(line, fence)
            heading = None if code else HEADING_RE.match(line)
            if heading is None:
                continue
            level = len(heading.group("hashes"))
            while levels and levels[-1] >= level:
                levels.pop()
            depth = len(levels)
            levels.append(level)
            if depth == 0:
                top += 1
                counters = [top]
            else:
                counters = [*counters[:depth], (counters[depth] + 1) if len(counters) > depth else 1]
            if first is None:
                first = ".".join(str(n) for n in counters)
        if first is not None:
            numbers[section.key] = first
    return top


def _in_fence(line: str, fence: str | None) -> tuple[str | None, bool]:
    """The fence state after ``line``, and whether the line is code (or a fence line itself)."""
    match = FENCE_RE.match(line)
    if match is None:
        return fence, fence is not None
    marker = match.group("fence")
    if fence is None:
        return marker[0] * len(marker), True
    return (None if marker.startswith(fence) else fence), True


def numbered_title(number: str | None, title: str) -> str:
    """``4.2.1 分类定级`` (the manual's form: number, a space, the title), or the bare title."""
    return f"{number} {title}" if number else title


def section_names(sections: Iterable[Section], numbers: Mapping[str, str]) -> dict[str, str]:
    """Label → "number title" of one version: how the redline names a section a label points to."""
    return {s.label: numbered_title(numbers.get(s.key), s.title) for s in sections if s.label}
