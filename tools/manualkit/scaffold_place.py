"""Where in a data file ``manualkit new`` puts a new entry: next to the entries it belongs with.

The form appendices number the forms in the order of ``data/forms.yaml`` (附件1, 附件2, …) and the
data files group their entries under comment headings (``# ---- 第2章 客户信息管理 ----``).
Appended at the end of the file, a new F-01-01 became the last appendix, after F-07-03, and sat
under the heading of chapter 7.  So a form or checklist goes after the last entry of its chapter
(or, when its chapter has none yet, before the first entry of a later chapter), and an SLA after
the last entry whose id shares the most dotted words with its own (``complaint.callback.1``
after the ``complaint.*`` entries).  Only whole lines are inserted: every existing byte, comment
and blank line stays where the writer left it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

_COMMENT = re.compile(r"^#")
_NUMBERED = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<chapter>\d{2,})-(?P<seq>\d{2,})$")


@dataclasses.dataclass(frozen=True)
class Entry:
    """A top-level entry of a data file: its id (if it has a string one) and its ``- `` line (0-based)."""

    id: str | None
    line: int


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where to insert: before line ``index`` (0-based; ``len(lines)`` is the end of the file).

    ``blank_before``/``blank_after`` say whether a blank line separates the new entry from what
    precedes/follows it, as the file's own entries are separated there.
    """

    index: int
    blank_before: bool
    blank_after: bool


def top_level_entries(text: str) -> list[Entry] | None:
    """The entries of a block sequence file whose items start with ``- `` at column 0, or ``None``.

    ``None`` (not a list of that shape, or not YAML) means: do not guess, append at the end.
    """
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        return None
    lines = text.splitlines()
    entries: list[Entry] = []
    for item in node.value:
        line = item.start_mark.line
        if line >= len(lines) or not lines[line].startswith("- "):
            return None
        entry_id: str | None = None
        if isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                if key.value == "id" and isinstance(value, yaml.ScalarNode):
                    entry_id = str(value.value)
        entries.append(Entry(entry_id, line))
    return entries


def _is_blank(line: str) -> bool:
    return not line.strip()


def _last_content_line(lines: Sequence[str], start: int, stop: int) -> int:
    """The last line of the entry starting at ``start`` before ``stop``: trailing blank lines and
    column-0 comments (the next entry's or a group's heading) are not part of it."""
    end = stop - 1
    while end > start and (_is_blank(lines[end]) or _COMMENT.match(lines[end])):
        end -= 1
    return end


def _attached_comments_start(lines: Sequence[str], entry_line: int) -> int:
    """First line of the column-0 comment block directly above an entry (its heading), or the entry.

    A comment block that starts the file is the file's own header, not the entry's.
    """
    first = entry_line
    while first > 0 and _COMMENT.match(lines[first - 1]):
        first -= 1
    return entry_line if first == 0 else first


def after_entry(lines: Sequence[str], entries: Sequence[Entry], position: int) -> Placement:
    """Right after the content of ``entries[position]``, before any heading of what follows."""
    start = entries[position].line
    stop = entries[position + 1].line if position + 1 < len(entries) else len(lines)
    index = _last_content_line(lines, start, stop) + 1
    followed_by_blank = index < len(lines) and _is_blank(lines[index])
    # The blank line that already follows the entry then follows the new one.
    return Placement(index, blank_before=followed_by_blank, blank_after=False)


def before_entry(lines: Sequence[str], entries: Sequence[Entry], position: int) -> Placement:
    """Before ``entries[position]`` and the heading comments directly above it."""
    index = _attached_comments_start(lines, entries[position].line)
    blank_before = index > 0 and not _is_blank(lines[index - 1]) and not _COMMENT.match(lines[index - 1])
    return Placement(index, blank_before=blank_before, blank_after=True)


def numbered_position(entries: Sequence[Entry], new_id: str) -> tuple[str, int] | None:
    """For ``F-CC-NN``/``CL-CC-NN``: ("after", i) of the last entry of chapter CC, else ("before", i)
    of the first entry of a later chapter, else ``None`` (the end of the file)."""
    wanted = _NUMBERED.match(new_id)
    if wanted is None:
        return None
    chapter = int(wanted.group("chapter"))
    same = [i for i, e in enumerate(entries) if _chapter_of(e.id, wanted.group("prefix")) == chapter]
    if same:
        return "after", same[-1]
    later = [
        i
        for i, e in enumerate(entries)
        if (c := _chapter_of(e.id, wanted.group("prefix"))) is not None and c > chapter
    ]
    return ("before", later[0]) if later else None


def _chapter_of(entry_id: str | None, prefix: str) -> int | None:
    match = _NUMBERED.match(entry_id or "")
    return int(match.group("chapter")) if match and match.group("prefix") == prefix else None


def dotted_position(entries: Sequence[Entry], new_id: str) -> tuple[str, int] | None:
    """For a dotted SLA id: ("after", i) of the last entry sharing the most leading words with it
    (at least one), else ``None`` (the end of the file)."""
    words = new_id.split(".")
    best, where = 0, None
    for i, entry in enumerate(entries):
        if entry.id is None:
            continue
        shared = 0
        for mine, theirs in zip(words, entry.id.split("."), strict=False):
            if mine != theirs:
                break
            shared += 1
        if shared and shared >= best:
            best, where = shared, i
    return ("after", where) if where is not None else None


def place(text: str, new_id: str, *, numbered: bool) -> Placement | None:
    """Where the entry ``new_id`` goes in ``text``; ``None``: at the end, as before."""
    entries = top_level_entries(text)
    if not entries:
        return None
    found = numbered_position(entries, new_id) if numbered else dotted_position(entries, new_id)
    if found is None:
        return None
    how, position = found
    lines = text.splitlines()
    if how == "before":
        return before_entry(lines, entries, position)
    placement = after_entry(lines, entries, position)
    # After the file's last entry: the end of the file, where appending keeps every byte before it.
    return None if all(_is_blank(line) for line in lines[placement.index :]) else placement
