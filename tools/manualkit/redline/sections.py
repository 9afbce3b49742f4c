"""Split MyST chapter sources into sections keyed by their stable ``(label)=``.

Why labels and not headings: headings get renumbered and reworded between
versions, the label is the section's identity (the same one revision records,
SLAs and forms refer to).  A section runs from its label line to the next
label line; text before the first label (front matter, preamble) is a
pseudo-section keyed ``<path>#preamble``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

#: ``(complaint-intake)=`` on a line of its own.
LABEL_RE = re.compile(r"^\((?P<label>[A-Za-z0-9_.:\-]+)\)=\s*$")
#: ``## 投诉受理`` — an ATX heading (``hashes`` gives its level).
HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
#: A code fence opening or closing line (headings and labels inside one are code, not structure).
FENCE_RE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")
#: ``:::{form} F-04-01`` / ```` ```{process} x ```` — a directive opening line.
DIRECTIVE_RE = re.compile(r"^\s*(?::{3,}|`{3,})\{(?P<name>[\w:\-]+)\}\s*(?P<arg>\S*)")
#: ``:tags: complaint`` — a directive option line right after the opening line.
_OPTION_RE = re.compile(r"^\s*:(?P<key>[\w\-]+):\s*(?P<value>.*?)\s*$")

PREAMBLE = "#preamble"


@dataclasses.dataclass(frozen=True)
class Directive:
    """A directive opened in a section: ``:::{sla-table}`` with ``options={"tags": "complaint"}``."""

    name: str
    arg: str
    options: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Section:
    """One labelled stretch of a chapter: ``start_line`` is the 1-based line of the label."""

    key: str
    label: str | None
    title: str
    path: str
    start_line: int
    text: str

    @property
    def body(self) -> str:
        """The text without the label line (what a reader compares)."""
        lines = self.text.split("\n")
        if lines and LABEL_RE.match(lines[0]):
            lines = lines[1:]
        return "\n".join(lines).strip("\n")

    @property
    def level(self) -> int | None:
        """Heading level (1 for ``#``) of the section's heading, None if it has none."""
        for line in self.text.split("\n"):
            match = HEADING_RE.match(line)
            if match:
                return len(match.group("hashes"))
        return None

    def directives(self) -> Iterator[tuple[str, str]]:
        """``(name, argument)`` of every directive opened in this section."""
        for directive in self.directive_calls():
            yield directive.name, directive.arg

    def directive_calls(self) -> Iterator[Directive]:
        """Every directive opened in this section, with its ``:key: value`` options."""
        lines = self.text.split("\n")
        for index, line in enumerate(lines):
            match = DIRECTIVE_RE.match(line)
            if not match:
                continue
            options: dict[str, str] = {}
            for following in lines[index + 1 :]:
                option = _OPTION_RE.match(following)
                if option is None:
                    break
                options[option.group("key")] = option.group("value")
            yield Directive(match.group("name"), match.group("arg"), options)


def split_sections(text: str, path: str) -> list[Section]:
    """Sections of one chapter in source order (preamble first if it has any text)."""
    lines = text.split("\n")
    starts: list[tuple[int, str | None]] = [(0, None)]
    fence: str | None = None
    for index, line in enumerate(lines):
        fence_match = FENCE_RE.match(line)
        if fence_match:
            marker = fence_match.group("fence")
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        label_match = LABEL_RE.match(line)
        if label_match:
            starts.append((index, label_match.group("label")))
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for number, (start, label) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        chunk = lines[start:end]
        if label is None:
            if not any(item.strip() for item in chunk):
                continue
            key = f"{path}{PREAMBLE}"
        else:
            count = seen.get(label, 0)
            seen[label] = count + 1
            key = label if count == 0 else f"{label}~{count}"
        sections.append(
            Section(
                key=key,
                label=label,
                title=_title(chunk) or (label or f"章首信息（{path}）"),
                path=path,
                start_line=start + 1,
                text="\n".join(chunk).rstrip("\n"),
            )
        )
    return sections


def labels_in(text: str) -> dict[str, int]:
    """Label → 1-based line of its ``(label)=`` line."""
    return {s.label: s.start_line for s in split_sections(text, "") if s.label is not None}


def _title(chunk: list[str]) -> str | None:
    for line in chunk:
        match = HEADING_RE.match(line)
        if match:
            return match.group("title")
    return None
