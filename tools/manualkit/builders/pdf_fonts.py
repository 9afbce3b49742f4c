"""Font checks for the PDF, done BEFORE WeasyPrint renders anything.

Why: WeasyPrint silently substitutes a missing family and draws a character no font has as an
empty box — and a single such glyph makes it switch the font to a custom encoding, which breaks
text extraction (search, copy, accessibility) for the whole font.  So the builder (1) refuses to
start when the CJK fonts are not installed, naming the Debian package, and (2) checks every
character of the doctree against the cmaps of the fonts the print CSS uses, reporting each
uncovered character with its source location.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from docutils import nodes
from fontTools.ttLib import TTFont

#: Font stacks of the print CSS, by role.  The first family of each stack is required; the
#: others are fallbacks for symbols the CJK fonts lack (e.g. ☐ U+2610 used by checklists).
DEFAULT_FONT_STACKS: dict[str, tuple[str, ...]] = {
    "body": ("Noto Serif CJK SC", "DejaVu Sans"),
    "heading": ("Noto Sans CJK SC", "DejaVu Sans"),
    "mono": ("Noto Sans Mono CJK SC", "DejaVu Sans Mono"),
}

#: Which Debian package provides a family (by name prefix), for the "install …" hint.
_PACKAGES: tuple[tuple[str, str], ...] = (
    ("Noto Serif CJK", "fonts-noto-cjk"),
    ("Noto Sans Mono CJK", "fonts-noto-cjk"),
    ("Noto Sans CJK", "fonts-noto-cjk"),
    ("DejaVu", "fonts-dejavu-core"),
)

#: Characters that are layout, not glyphs: never looked up in a cmap.
_IGNORED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})


class FontError(Exception):
    """A required font family is not installed (message names the package to install)."""


@dataclasses.dataclass(frozen=True)
class FontFile:
    """One installed face as fontconfig resolves a family name."""

    family: str
    path: Path
    index: int


@dataclasses.dataclass(frozen=True)
class MissingGlyph:
    """A character of the source that none of the fonts of its role can draw."""

    char: str
    role: str
    node: nodes.Node

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    def describe(self) -> str:
        name = unicodedata.name(self.char, "unnamed character")
        return f"character {self.char!r} ({self.codepoint} {name}) is not in the {self.role} fonts"


def package_for(family: str) -> str:
    """The Debian package that installs ``family`` (best guess for the error hint)."""
    for prefix, package in _PACKAGES:
        if family.startswith(prefix):
            return package
    return "the package that provides it"


def find_font(family: str) -> FontFile | None:
    """Resolve ``family`` through fontconfig; ``None`` when only a substitute would be used.

    fontconfig always answers with *some* font, so the answer counts only when its family list
    contains the requested family.  There is no fontconfig Python binding in the environment,
    hence ``fc-match``.
    """
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise FontError("fc-match not found: install the Debian package fontconfig")
    result = subprocess.run(
        [fc_match, "-f", "%{file}\t%{index}\t%{family}", family],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise FontError(f"fc-match failed for {family!r}: {result.stderr.strip()}")
    parts = result.stdout.split("\t")
    if len(parts) != 3 or not parts[0]:
        return None
    families = [name.strip().casefold() for name in parts[2].split(",")]
    if family.casefold() not in families:
        return None
    return FontFile(family=family, path=Path(parts[0]), index=int(parts[1] or 0))


def resolve_stacks(stacks: Mapping[str, Sequence[str]]) -> dict[str, list[FontFile]]:
    """Resolve every family; raise :class:`FontError` naming the package for a missing primary."""
    resolved: dict[str, list[FontFile]] = {}
    missing: list[str] = []
    for role, families in stacks.items():
        files: list[FontFile] = []
        for position, family in enumerate(families):
            found = find_font(family)
            if found is not None:
                files.append(found)
            elif position == 0:
                missing.append(family)
        resolved[role] = files
    if missing:
        names = ", ".join(sorted(set(missing)))
        packages = " ".join(sorted({package_for(name) for name in missing}))
        raise FontError(
            f"font(s) not installed: {names}; the PDF would be drawn with substitute fonts or empty "
            f"boxes. Install them: sudo apt-get install {packages}"
        )
    return resolved


def load_coverage(files: Iterable[FontFile]) -> frozenset[int]:
    """Union of the code points the given faces map (their best Unicode cmap)."""
    covered: set[int] = set()
    for font_file in files:
        font = TTFont(str(font_file.path), fontNumber=font_file.index, lazy=True)
        try:
            cmap = font.getBestCmap() or {}
        finally:
            font.close()
        covered.update(cmap)
    return frozenset(covered)


def role_of(node: nodes.Node) -> str:
    """Which font stack draws a text node: headings, code, or body text."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.literal, nodes.literal_block)):
            return "mono"
        if isinstance(parent, (nodes.title, nodes.strong, nodes.thead, nodes.term)):
            return "heading"
        parent = parent.parent
    return "body"


def iter_missing_glyphs(tree: nodes.Node, coverage: Mapping[str, frozenset[int]]) -> Iterator[MissingGlyph]:
    """Every (character, node) the fonts cannot draw, once per character and node."""
    for text in tree.findall(nodes.Text):
        if _is_hidden(text):
            continue
        role = role_of(text)
        covered = coverage.get(role, coverage.get("body", frozenset()))
        seen: set[str] = set()
        for char in str(text):
            if char in seen or ord(char) in covered:
                continue
            seen.add(char)
            if unicodedata.category(char) in _IGNORED_CATEGORIES:
                continue
            yield MissingGlyph(char=char, role=role, node=text)


def _is_hidden(node: nodes.Node) -> bool:
    """Text that never reaches the page (comments, raw output for other formats)."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.comment, nodes.raw, nodes.system_message)):
            return True
        parent = parent.parent
    return False
