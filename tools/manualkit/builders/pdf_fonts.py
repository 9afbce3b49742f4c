"""Font checks for the PDF, done BEFORE WeasyPrint renders anything.

Why: WeasyPrint silently substitutes a missing family and draws a character no font has as an
empty box — and a single such glyph makes it switch the font to a custom encoding, which breaks
text extraction (search, copy, accessibility) for the whole font.  So the builder (1) refuses to
start when the CJK fonts are not installed, naming the Debian package, and (2) checks every
character of the doctree against the cmaps of the fonts the print CSS uses, reporting each
uncovered character with its source location.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from docutils import nodes
from sphinx.ext.graphviz import graphviz

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
    contains the requested family.  fontconfig's command-line ``fc-match``, not its C library:
    the only Python binding at hand is WeasyPrint's internal ``weasyprint.text.ffi``, which is
    not an API and may change with any WeasyPrint release.
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


def load_cmap(font_file: FontFile) -> frozenset[int]:
    """The code points one face maps (its best Unicode cmap)."""
    from fontTools.ttLib import TTFont  # only when a PDF is built: this module loads with conf.py

    font = TTFont(str(font_file.path), fontNumber=font_file.index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


class CmapCache:
    """Code points per font face, kept in one JSON file between builds.

    Why: parsing the cmaps of the CJK faces with fontTools takes about a quarter of a second
    per build (2 % of the manual's PDF build), always with the same result.  Entries are keyed
    by the font file's path, face index, size and modification time, so an updated font package
    is read again; a missing, unreadable or corrupt cache file only means the fonts are read
    again, and a cache folder that cannot be written is not an error.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, list[list[int]]] = {}
        self._dirty = False
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(loaded, dict) and loaded.get("version") == _CACHE_VERSION:
            entries = loaded.get("cmaps")
            if isinstance(entries, dict):
                self._entries = entries

    def get(self, font_file: FontFile) -> frozenset[int]:
        key = _cache_key(font_file)
        ranges = self._entries.get(key) if key else None
        if ranges is not None:
            with contextlib.suppress(TypeError, ValueError):
                return frozenset(cp for start, end in ranges for cp in range(start, end + 1))
        codepoints = load_cmap(font_file)
        if key:
            self._entries[key] = _to_ranges(codepoints)
            self._dirty = True
        return codepoints

    def save(self) -> None:
        """Write the cache if a font was read (atomically; failure to write is not an error)."""
        if not self._dirty:
            return
        data = json.dumps({"version": _CACHE_VERSION, "cmaps": self._entries}, separators=(",", ":"))
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(data, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        self._dirty = False


_CACHE_VERSION = 1


def _cache_key(font_file: FontFile) -> str | None:
    try:
        stat = font_file.path.stat()
    except OSError:
        return None
    return f"{font_file.path}#{font_file.index}#{stat.st_size}#{stat.st_mtime_ns}"


def _to_ranges(codepoints: frozenset[int]) -> list[list[int]]:
    """Sorted code points as ``[start, end]`` runs (a CJK cmap has ~65 000 entries, ~1 000 runs)."""
    ranges: list[list[int]] = []
    for codepoint in sorted(codepoints):
        if ranges and ranges[-1][1] == codepoint - 1:
            ranges[-1][1] = codepoint
        else:
            ranges.append([codepoint, codepoint])
    return ranges


class Coverage:
    """Code points each role's font stack can draw, read from the font files on first use.

    Lazy because reading a CJK cmap takes a noticeable fraction of a second and most manuals
    never use the monospace stack; with a :class:`CmapCache` the fonts are read once, not on
    every build.
    """

    def __init__(self, stacks: Mapping[str, Sequence[FontFile]], cache: CmapCache | None = None) -> None:
        self._stacks = stacks
        self._cache = cache
        self._by_file: dict[FontFile, frozenset[int]] = {}
        self._by_role: dict[str, frozenset[int]] = {}

    def __call__(self, role: str) -> frozenset[int]:
        if role not in self._stacks:
            role = "body"
        if role not in self._by_role:
            covered: set[int] = set()
            for font_file in self._stacks.get(role, ()):
                if font_file not in self._by_file:
                    self._by_file[font_file] = (
                        self._cache.get(font_file) if self._cache else load_cmap(font_file)
                    )
                covered |= self._by_file[font_file]
            self._by_role[role] = frozenset(covered)
        return self._by_role[role]


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


def iter_missing_glyphs(
    tree: nodes.Node, coverage: Callable[[str], frozenset[int]]
) -> Iterator[MissingGlyph]:
    """Every (character, node) the fonts cannot draw, once per character and node.

    Diagrams count too: a graphviz node's DOT code becomes SVG text drawn with the same fonts
    (checked against the body fonts, which cover the same CJK characters as the heading fonts).
    """
    for text in tree.findall(nodes.Text):
        if not _is_hidden(text):
            yield from _missing_in(str(text), role_of(text), text, coverage)
    for diagram in tree.findall(graphviz):
        yield from _missing_in(str(diagram.get("code", "")), "diagram", diagram, coverage)


def missing_in_text(text: str, coverage: Callable[[str], frozenset[int]]) -> list[str]:
    """Characters of a plain string (e.g. the cover's data) that body or heading fonts lack."""
    covered = coverage("body") & coverage("heading")
    return sorted(
        {
            char
            for char in text
            if ord(char) not in covered and unicodedata.category(char) not in _IGNORED_CATEGORIES
        }
    )


def _missing_in(
    text: str, role: str, node: nodes.Node, coverage: Callable[[str], frozenset[int]]
) -> Iterator[MissingGlyph]:
    covered = coverage(role)
    # Set arithmetic first (almost every text node is fully covered), source order only when not.
    if all(ord(char) in covered for char in set(text)):
        return
    seen: set[str] = set()
    for char in text:
        if char in seen or ord(char) in covered:
            continue
        seen.add(char)
        if unicodedata.category(char) in _IGNORED_CATEGORIES:
            continue
        yield MissingGlyph(char=char, role=role, node=node)


def _is_hidden(node: nodes.Node) -> bool:
    """Text that never reaches the page (comments, raw output for other formats)."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.comment, nodes.raw, nodes.system_message)):
            return True
        parent = parent.parent
    return False
