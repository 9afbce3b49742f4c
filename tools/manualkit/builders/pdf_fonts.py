"""Font checks for the PDF, done BEFORE WeasyPrint renders anything.

Why: WeasyPrint silently substitutes a missing family and draws a character no font has as an
empty box — and a single such glyph makes it switch the font to a custom encoding, which breaks
text extraction (search, copy, accessibility) for the whole font.  So the builder (1) refuses to
start when the CJK fonts are not installed, naming the Debian package, and (2) checks every
character of the doctree against the cmaps of the fonts the print CSS uses, reporting each
uncovered character with its source location.

The font-level half (which files the stacks resolve to, which code points they cover, where a
character sits in a data file) imports neither Sphinx nor docutils: ``manualkit check`` (MK619)
uses it to report the same characters before any build, and must start fast.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docutils import nodes

    from manualkit.yamlsource import YamlDocument, YamlPath

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

#: The fonts' code points, cached between builds and checks (see ``CmapCache``).  In the user's
#: cache folder, like fontconfig's own cache, so that a clean build (``make clean``, the bench)
#: and the checker's first run profit too.
CMAP_CACHE_FILE = "pdf-cmaps.json"

#: The conf.py setting that overrides :data:`DEFAULT_FONT_STACKS` (role → list of families).
FONTS_SETTING = "manualkit_pdf_fonts"


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
        return f"character {describe_char(self.char)} is not in the {self.role} fonts"


def describe_char(char: str) -> str:
    """``'👉' (U+1F449 WHITE RIGHT POINTING BACKHAND INDEX)``: the character as a message quotes it.

    A private-use character has no name; saying what it is tells the writer it means nothing
    outside the program (chat, input method, font) that put it there.
    """
    category = unicodedata.category(char)
    name = unicodedata.name(char, "") or (
        "private-use character" if category == "Co" else "unnamed character"
    )
    return f"{char!r} (U+{ord(char):04X} {name})"


def ignored_char(char: str) -> bool:
    """Layout characters (spaces, line ends, format controls) that no font is asked to draw."""
    return unicodedata.category(char) in _IGNORED_CATEGORIES


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
    return _fc_match_result(family, _fc_match_start(family))


def _fc_match_start(family: str) -> subprocess.Popen[str]:
    """Start ``fc-match`` for ``family`` (several run at once: see :func:`resolve_stacks`)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise FontError("fc-match not found: install the Debian package fontconfig")
    return subprocess.Popen(
        [fc_match, "-f", "%{file}\t%{index}\t%{family}", family],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _fc_match_result(family: str, process: subprocess.Popen[str]) -> FontFile | None:
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise FontError(f"fc-match failed for {family!r}: {stderr.strip()}")
    parts = stdout.split("\t")
    if len(parts) != 3 or not parts[0]:
        return None
    families = [name.strip().casefold() for name in parts[2].split(",")]
    if family.casefold() not in families:
        return None
    return FontFile(family=family, path=Path(parts[0]), index=int(parts[1] or 0))


def resolve_stacks(stacks: Mapping[str, Sequence[str]]) -> dict[str, list[FontFile]]:
    """Resolve every family; raise :class:`FontError` naming the package for a missing primary.

    The ``fc-match`` processes run at once, one per distinct family: one after the other, the
    default stacks' five cost ~50 ms, which ``manualkit check`` (a pre-commit hook) pays too.
    """
    started: dict[str, subprocess.Popen[str]] = {}
    try:
        for families in stacks.values():
            for family in families:
                if family not in started:
                    started[family] = _fc_match_start(family)
        found = {family: _fc_match_result(family, process) for family, process in started.items()}
    finally:
        for process in started.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    resolved: dict[str, list[FontFile]] = {}
    missing: list[str] = []
    for role, families in stacks.items():
        files: list[FontFile] = []
        for position, family in enumerate(families):
            font_file = found[family]
            if font_file is not None:
                files.append(font_file)
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


def configured_font_stacks(conf: Path) -> dict[str, tuple[str, ...]]:
    """The font stacks a project's PDF uses: ``manualkit_pdf_fonts`` of its ``conf.py`` (read
    with :mod:`ast`, not run), else :data:`DEFAULT_FONT_STACKS` — what the builder's
    ``self.config.manualkit_pdf_fonts`` holds, for tools that do not start Sphinx (the checker).

    A setting that is no literal role → list of names (computed, or malformed) counts as absent:
    the build reports a malformed one itself.
    """
    stacks = dict(DEFAULT_FONT_STACKS)
    try:
        tree = ast.parse(conf.read_text(encoding="utf-8"), filename=str(conf))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return stacks
    for statement in tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == FONTS_SETTING for t in statement.targets)
        ):
            continue
        try:
            value: Any = ast.literal_eval(statement.value)
        except ValueError:
            return dict(DEFAULT_FONT_STACKS)
        valid = isinstance(value, dict) and all(
            isinstance(role, str)
            and isinstance(names, list | tuple)
            and all(isinstance(name, str) for name in names)
            for role, names in value.items()
        )
        stacks = {role: tuple(names) for role, names in value.items()} if valid else dict(DEFAULT_FONT_STACKS)
    return stacks


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
    from docutils import nodes  # imported here: the checker uses this module without docutils

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
    from docutils import nodes
    from sphinx.ext.graphviz import graphviz

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
    from docutils import nodes

    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.comment, nodes.raw, nodes.system_message)):
            return True
        parent = parent.parent
    return False


# -- where a character sits in the data files -------------------------------------------------


def data_texts(value: Any) -> Iterator[tuple[YamlPath, str]]:
    """Every text value of a data file (``YamlDocument.value``) with its path, in file order.

    Keys are left out: they are field names, never printed.  Iterative (a data file nests at most
    ``yamlsource.MAX_DEPTH`` levels, but a generator per level costs on every value).
    """
    stack: list[tuple[YamlPath, Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict):
            stack.extend(((*path, key), child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*path, index), child) for index, child in reversed(list(enumerate(item))))


def find_in_data(
    documents: Mapping[str, YamlDocument], char: str, text: str
) -> tuple[str, YamlPath, str] | None:
    """(collection, path, value) of the data value a printed text holding ``char`` most likely
    came from.

    Why guess: a form, a table or a role renders data through a template, and the doctree keeps
    the chapter's line of the directive, not the data's.  The first value holding ``char`` and all
    of ``text`` wins (a text node is one run of a value: emphasis splits a value into several);
    else the first one ``text`` holds (a value with a template's words around it, a flowchart's
    DOT code); else the first value holding ``char`` at all.  ``None``: no value holds it.
    """
    needle = text.strip()
    best: tuple[str, YamlPath, str] | None = None
    best_score = -1
    for collection, doc in documents.items():
        for path, value in data_texts(doc.value):
            if char not in value:
                continue
            if needle and needle in value:
                return collection, path, value
            score = 1 if value.strip() and value.strip() in needle else 0
            if score > best_score:
                best, best_score = (collection, path, value), score
    return best


class DataFileText:
    """One data file's lines with the start of every value and key in it: where a character of a
    value is written (:meth:`position`), from the loader's position map (no second YAML pass)."""

    def __init__(self, text: str, doc: YamlDocument) -> None:
        # YAML's line breaks as the loader counted them (CRLF and CR are one break).
        self._lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._doc = doc
        starts = {(info.line, info.column) for info in doc.nodes.values()}
        starts |= {(info.key_line, info.key_column) for info in doc.nodes.values() if info.key_line}
        self._starts = sorted(starts)

    def position(self, path: YamlPath, char: str) -> tuple[int, int] | None:
        """1-based (line, column) of the first ``char`` of the value at ``path`` as the file writes it.

        Searched from where the value starts to where the next value or key starts; a value that
        writes the character as an escape (``"\\ue000"``) gives its own start.  ``None`` when the
        loader recorded no position for ``path``.
        """
        info = self._doc.info(path)
        if info is None:
            return None
        start = (info.line, info.column)
        after = bisect.bisect_right(self._starts, start)
        end = self._starts[after] if after < len(self._starts) else (len(self._lines) + 1, 1)
        for line in range(start[0], min(end[0], len(self._lines)) + 1):
            text = self._lines[line - 1]
            first = start[1] - 1 if line == start[0] else 0
            last = end[1] - 1 if line == end[0] else len(text)
            found = text.find(char, first, last)
            if found >= 0:
                return line, found + 1
        return start
