"""Revision records: version order, section labels, and what changed since the last release.

The revision history (data/revisions.yaml) is the controlled record of every
release.  This module answers the questions the checker, the release command
and the Sphinx marker transform share:

* which revision is newest, which came before (versions compare as integer tuples,
  so ``1.10`` follows ``1.9``);
* which section labels exist in manual/ and in which file;
* which chapter and data files changed since the previous release tag
  (``v<previous version>``) without a matching change entry in the new revision.

No printing, no exiting: results are plain values the callers turn into
diagnostics or messages.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from pathlib import Path
from typing import Any

import yaml

from manualkit.checks.source import ChapterReadError, read_chapter
from manualkit.gitrepo import GitError, Hunk, Repo
from manualkit.kept_order import longest_kept_order
from manualkit.models import DATA_FILES, ManualData, Revision
from manualkit.redline.sections import Section, split_sections
from manualkit.text_encoding import universal_newlines
from manualkit.toctree_text import toctree_body

MANUAL_DIR = "manual"
DATA_DIR = "data"
REVISIONS_FILE = DATA_FILES["revisions"]

#: Directive → (data collection, whether the argument names one entry) — the section holding the
#: directive renders (and therefore owns) those entries.
DIRECTIVE_OWNERSHIP: dict[str, tuple[str, bool]] = {
    "sla-table": ("slas", False),
    "form": ("forms", True),
    "form-appendices": ("forms", False),
    "checklist": ("checklists", True),
    "process": ("processes", True),
    "share-table": ("shares", True),
    "glossary-list": ("glossary", False),
    "reference-list": ("references", False),
    "revision-history": ("revisions", False),
}

#: manual.yaml keys a release is expected to change (stamped from the revision record).
_RELEASE_KEYS = frozenset({"version", "effective"})


#: What data/revisions.yaml accepts as a version (models.Version): ``1.1`` or ``1.1.2``.
VERSION_RE = re.compile(r"^\d+\.\d+(?:\.\d+)?$")
#: What a release (and a redline) accepts: the same without leading zeros.  ``01.0`` and ``1.01``
#: would tag ``v01.0`` / ``v1.01`` and publish folders that sort and compare as 1.0 and 1.1 do
#: (``version_key``), so two names could denote one version.  ``1.10`` is fine.
RELEASE_VERSION_RE = re.compile(r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))?$")


def version_problem(version: str) -> str | None:
    """Why ``version`` cannot name a release (None if it can): the CLI's first check."""
    if RELEASE_VERSION_RE.match(version):
        return None
    hint = (
        f"; drop the leading 'v' ({version[1:]})"
        if version[:1] in "vV" and RELEASE_VERSION_RE.match(version[1:])
        else ""
    )
    return (
        f"version must be numbers separated by dots, without leading zeros, like 1.1 or 1.10, "
        f"found {version!r}{hint}"
    )


def version_key(version: str) -> tuple[int, ...]:
    """``"1.10"`` → ``(1, 10)``; compares numerically, so 1.10 > 1.9."""
    return tuple(int(part) for part in version.split("."))


def release_tag(version: str) -> str:
    return f"v{version}"


def revision_for(data: ManualData, version: str) -> Revision | None:
    return next((r for r in data.revisions if r.version == version), None)


def newest_revision(data: ManualData) -> Revision | None:
    """The revision with the highest version (not merely the last one listed)."""
    return data.current_revision


def previous_revision(data: ManualData, version: str) -> Revision | None:
    """The highest revision strictly below ``version``."""
    older = [r for r in data.revisions if version_key(r.version) < version_key(version)]
    return max(older, key=lambda r: version_key(r.version)) if older else None


def revision_stub(version: str, labels: Iterable[str] = ()) -> str:
    """YAML a writer can paste into data/revisions.yaml for ``version`` (what a refusal shows)."""
    changes = "".join(f"    - section: {label}\n      description: （修订说明）\n" for label in labels)
    changes = changes or "    - section: （节标签）\n      description: （修订说明）\n"
    return (
        f'- version: "{version}"\n'
        "  drafted: {role: （角色）, name: （姓名）, date: YYYY-MM-DD}\n"
        "  reviewed: {role: （角色）, name: （姓名）, date: YYYY-MM-DD}\n"
        "  approved: {role: （角色）, name: （姓名）}\n"
        "  approved_on: YYYY-MM-DD\n"
        "  effective: YYYY-MM-DD\n"
        "  summary: （本版修订概述）\n"
        "  changes:\n" + changes
    )


# --------------------------------------------------------------------------- sections in manual/


def chapter_files(root: Path) -> list[Path]:
    manual = root / MANUAL_DIR
    return sorted(manual.rglob("*.md")) if manual.is_dir() else []


def chapter_text(path: Path) -> str:
    """A chapter as the checker reads it (BOM dropped, any line ends).

    A file that is not UTF-8 gives its best reading: the checker reports it (MK003), and the
    revision and release steps must not stop with a traceback over it.
    """
    try:
        return read_chapter(path)
    except ChapterReadError as exc:
        return exc.fallback or ""


def sections_of(root: Path) -> list[Section]:
    """Every section of every chapter in manual/, paths relative to ``root``."""
    sections: list[Section] = []
    for path in chapter_files(root):
        rel = path.relative_to(root).as_posix()
        sections.extend(split_sections(chapter_text(path), rel))
    return sections


def label_locations(root: Path) -> dict[str, tuple[str, int]]:
    """Label → ``(chapter path, line)`` of its ``(label)=`` line."""
    return {s.label: (s.path, s.start_line) for s in sections_of(root) if s.label is not None}


# --------------------------------------------------------------------------- new items since a release


@dataclasses.dataclass(frozen=True)
class Introduced:
    """What a revision's change entries name that the previous release did not have.

    ``sections``: section labels; ``forms``: form ids (their appendix is marked through ``covers``).
    """

    sections: frozenset[str] = frozenset()
    forms: frozenset[str] = frozenset()


def introduced_items(root: Path, data: ManualData) -> dict[str, Introduced]:
    """Version → the sections and forms its changes name that its previous release lacked.

    Why: the marker under a section or form added in a revision must say 新增, not 修订 — and only
    the previous release's own sources (its tag, as the MK7xx rules compare) tell whether it
    existed.  A revision whose previous tag cannot be read (no git, a shallow clone without tags)
    is left out, so its markers keep saying 修订: that is never false for an existing item.
    """
    ordered = sorted(data.revisions, key=lambda r: version_key(r.version))
    result: dict[str, Introduced] = {}
    for previous, revision in itertools.pairwise(ordered):
        released = _released_items(str(root.resolve()), release_tag(previous.version))
        if released is None:
            continue
        labels, forms = released
        result[revision.version] = Introduced(
            frozenset(c.section for c in revision.changes if c.section not in labels),
            frozenset(item for c in revision.changes for item in c.covers if item not in forms),
        )
    return result


def _released_items(root: str, tag: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """Section labels and form ids at ``tag`` (None when git cannot show it).

    Not cached here: a tag may be made, moved or deleted between two builds of one process
    (the Sphinx runtime keeps the answer for one build); what a commit holds never changes.
    """
    repo = Repo(Path(root))
    try:
        if not repo.is_repo() or not repo.has_tag(tag):
            return None
        return _items_at(root, repo.tag_commit(tag))
    except GitError:
        return None


@functools.lru_cache(maxsize=16)
def _items_at(root: str, commit: str) -> tuple[frozenset[str], frozenset[str]]:
    """Section labels and form ids of the manual at ``commit`` (raises GitError)."""
    labels = {section.label for section in _sections_at(root, commit) if section.label is not None}
    repo = Repo(Path(root))
    forms = _entries(_yaml_or_none(_show_or_empty(repo, commit, f"{DATA_DIR}/{DATA_FILES['forms']}")))
    return frozenset(labels), frozenset(forms)


@functools.lru_cache(maxsize=16)
def _sections_at(root: str, commit: str) -> tuple[Section, ...]:
    """Every section of every chapter at ``commit``, read as the working tree's are (raises GitError).

    Cached by commit: what a commit holds never changes (a tag is resolved by the caller).
    """
    repo = Repo(Path(root))
    return tuple(
        section
        for path in repo.list_files(commit, MANUAL_DIR)
        if path.endswith(".md")
        for section in split_sections(_as_read(repo.show(commit, path)), path)
    )


def _as_read(text: str) -> str:
    """A chapter's text from git as :func:`chapter_text` reads the working tree's: no byte-order
    mark, ``\n`` line ends — so a file only re-saved with other line ends compares unchanged."""
    return universal_newlines(text.removeprefix("\ufeff"))


def released_sections(root: Path, data: ManualData, version: str) -> tuple[str, dict[str, Section]] | None:
    """The release before ``version``: its tag and its labelled sections by label.

    Why: a revision records a section it removed under the label the section had (there is no
    other name for it), so MK704 must accept a label the previous release defined even though no
    chapter defines it now.  None when there is no earlier revision or git cannot show its tag
    (no git, a clone without tags): the label is then unknown, as before.
    """
    previous = previous_revision(data, version)
    if previous is None:
        return None
    tag = release_tag(previous.version)
    repo = Repo(root)
    try:
        if not repo.is_repo() or not repo.has_tag(tag):
            return None
        sections = _sections_at(str(root.resolve()), repo.tag_commit(tag))
    except GitError:
        return None
    labelled: dict[str, Section] = {}
    for section in sections:
        if section.label is not None:
            labelled.setdefault(section.label, section)
    return tag, labelled


# --------------------------------------------------------------------------- coverage against git


@dataclasses.dataclass(frozen=True)
class Uncovered:
    """A change since the previous release that no change entry of the new revision accounts for."""

    path: str
    line: int
    message: str


@dataclasses.dataclass(frozen=True)
class IdleChange:
    """A change entry of the new revision for a section in which nothing changed since ``base``.

    ``index`` is the entry's position in the revision's ``changes``.
    """

    index: int
    section: str


@dataclasses.dataclass(frozen=True)
class CoverageResult:
    """``base`` is the tag compared against; ``skipped`` says why nothing was compared."""

    base: str | None
    uncovered: tuple[Uncovered, ...] = ()
    #: Change entries for sections that did not change: their revision marker would mislead.
    idle: tuple[IdleChange, ...] = ()
    skipped: str | None = None


def coverage(root: Path, data: ManualData) -> CoverageResult:
    """Changes since ``v<previous version>`` not covered by the newest revision's change entries.

    Nothing to verify once the newest revision is released (its tag exists): its record was
    proved complete then, and later edits belong to the next revision (:func:`unreleased_changes`)
    — asking for them in the released record would rewrite history.
    """
    newest = newest_revision(data)
    if newest is None:
        return CoverageResult(None, skipped="no revisions recorded")
    previous = previous_revision(data, newest.version)
    if previous is None:
        return CoverageResult(None, skipped=f"v{newest.version} is the first revision")
    repo = Repo(root)
    if not repo.is_repo():
        return CoverageResult(None, skipped="not a git repository")
    base = release_tag(previous.version)
    try:
        if repo.has_tag(release_tag(newest.version)):
            return CoverageResult(None)
        if not repo.has_tag(base):
            return CoverageResult(base, skipped=f"tag {base} not found")
        touched: set[str] = set()
        uncovered = tuple(_uncovered(repo, root, data, newest, base, touched))
        return CoverageResult(base, uncovered, idle=_idle_changes(root, newest, touched))
    except GitError as exc:
        return CoverageResult(base, skipped=str(exc))


def released_versions(root: Path) -> set[str] | None:
    """Versions released so far (a tag ``v<version>`` exists); ``None`` outside a git repository."""
    repo = Repo(root)
    try:
        if not repo.is_repo():
            return None
        tags = repo.run("tag", "--list", "v*").split()
    except GitError:
        return None
    return {tag[1:] for tag in tags if VERSION_RE.match(tag[1:])}


@dataclasses.dataclass(frozen=True)
class AlteredRecord:
    """A released revision whose entry in data/revisions.yaml differs from the one released."""

    index: int
    revision: Revision
    #: Keys of the entry that differ (``changes``, ``summary`` …), or ``()`` when the released
    #: file could not be read as YAML.
    keys: tuple[str, ...]


def altered_released_records(root: Path, data: ManualData, released: Set[str]) -> list[AlteredRecord]:
    """Released revisions whose record was edited after the release (compared with its tag).

    A released revision is history: the version readers got, approved as it stands.  Its entry
    must read as it did when tagged; what changed since belongs to a new revision.
    """
    repo = Repo(root)
    try:
        current = _yaml_or_none((root / DATA_DIR / REVISIONS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []
    now = _entries_by_version(current)
    altered: list[AlteredRecord] = []
    for index, revision in enumerate(data.revisions):
        if revision.version not in released:
            continue
        try:
            released_text = repo.show(release_tag(revision.version), f"{DATA_DIR}/{REVISIONS_FILE}")
        except GitError:
            continue  # the file did not exist at that tag: nothing to compare with
        before = _entries_by_version(_yaml_or_none(released_text)).get(revision.version)
        after = now.get(revision.version)
        if before is None or after is None or before == after:
            continue
        keys = tuple(sorted(k for k in {*before, *after} if before.get(k) != after.get(k)))
        altered.append(AlteredRecord(index, revision, keys))
    return altered


def _entries_by_version(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, list):
        return {}
    return {str(e["version"]): e for e in value if isinstance(e, dict) and "version" in e}


def unreleased_changes(root: Path, data: ManualData) -> tuple[str | None, list[Uncovered]]:
    """Files changed since the newest revision was already released (its tag exists)."""
    newest = newest_revision(data)
    if newest is None:
        return None, []
    repo = Repo(root)
    tag = release_tag(newest.version)
    try:
        if not repo.is_repo() or not repo.has_tag(tag):
            return None, []
        found: list[Uncovered] = []
        for path in repo.changed_files(tag, (MANUAL_DIR, DATA_DIR)):
            lines = repo.changed_lines(tag, path) if (root / path).exists() else []
            found.append(Uncovered(path, lines[0] if lines else 1, "changed since release"))
        return tag, found
    except GitError:
        return None, []


def _uncovered(
    repo: Repo, root: Path, data: ManualData, newest: Revision, base: str, touched: set[str]
) -> Iterable[Uncovered]:
    """The changes no entry covers; ``touched`` receives every label a change falls under."""
    changed_labels = {c.section for c in newest.changes}
    covers = {item for c in newest.changes for item in c.covers}
    sections = sections_of(root)
    owners = _directive_owners(sections)
    outer = _outer_labels(sections)

    @functools.cache
    def at_base() -> tuple[Section, ...]:
        return _sections_at(str(root.resolve()), repo.tag_commit(base))

    manual = _Manual(
        frozenset(s.label for s in sections if s.label), frozenset(s.path for s in sections), at_base
    )

    @functools.cache
    def outer_at_base() -> dict[str, set[str]]:
        return _outer_labels(at_base())

    def enclosing_of(label: str) -> set[str]:
        """The label and those of the sections it is in; for a section removed since ``base``,
        those it was in then."""
        if label in outer or label in manual.labels:
            return outer.get(label, {label})
        return outer_at_base().get(label, {label})

    for path in repo.changed_files(base, (MANUAL_DIR, DATA_DIR)):
        if path.startswith(f"{MANUAL_DIR}/") and path.endswith(".md"):
            yield from _chapter_uncovered(
                repo, root, path, base, newest, changed_labels, covers, touched, manual
            )
        elif path.startswith(f"{DATA_DIR}/"):
            found = _data_uncovered(
                repo, root, path, base, newest, changed_labels, covers, owners, enclosing_of, touched
            )
            yield from found


def _idle_changes(root: Path, newest: Revision, touched: set[str]) -> tuple[IdleChange, ...]:
    """Entries recording a change to a section that has none (nor any section inside it).

    An entry with ``covers`` answers for the data it names, and a label no chapter defines now is
    MK704's (an unknown one, or a section removed since ``base``); neither is judged here.
    """
    labels = {s.label for s in sections_of(root) if s.label}
    return tuple(
        IdleChange(index, change.section)
        for index, change in enumerate(newest.changes)
        if not change.covers and change.section in labels and change.section not in touched
    )


def _outer_labels(sections: Iterable[Section]) -> dict[str, set[str]]:
    """Label → itself and the labels of the sections it is nested in, chapter by chapter.

    As for a chapter's text, recording a section covers what its subsections own: a form whose
    home is a ``###`` is covered by a change recorded for the ``##`` above it (README).
    """
    by_path: dict[str, list[Section]] = {}
    for section in sections:
        by_path.setdefault(section.path, []).append(section)
    result: dict[str, set[str]] = {}
    for chapter in by_path.values():
        labels = {s.key: s.label for s in chapter}
        for key, enclosing in _enclosing_labels(chapter).items():
            label = labels.get(key)
            if label:
                result[label] = enclosing
    return result


@dataclasses.dataclass(frozen=True)
class _Manual:
    """The whole manual now and at the base tag: what one chapter's comparison needs of the others.

    ``at_base`` reads the tag's chapters from git when first called (a section new in a chapter,
    or a label gone, asks where it was), cached for the run.
    """

    labels: frozenset[str]
    paths: frozenset[str]
    at_base: Callable[[], Sequence[Section]]

    @functools.cached_property
    def _by_label(self) -> dict[str, Section]:
        found: dict[str, Section] = {}
        for section in self.at_base():
            if section.label is not None:
                found.setdefault(section.label, section)
        return found

    @functools.cached_property
    def _base_paths(self) -> frozenset[str]:
        return frozenset(s.path for s in self.at_base())

    def base_section(self, label: str) -> Section | None:
        """The section that had ``label`` at the base tag (None: the label is new)."""
        return self._by_label.get(label)

    def renamed(self, before: str, after: str) -> bool:
        """Chapter file ``before`` renamed ``after`` (the old name gone, the new one new), so its
        sections stay in their chapter — as the redline counts it, no move."""
        return before not in self.paths and after not in self._base_paths


def _chapter_uncovered(
    repo: Repo,
    root: Path,
    path: str,
    base: str,
    newest: Revision,
    changed_labels: set[str],
    covers: set[str],
    touched: set[str],
    manual: _Manual,
) -> Iterable[Uncovered]:
    """Every changed section of one chapter needs a change entry for it or an enclosing section.

    Sections nest by heading level, so recording ``complaint-process`` (a ``##``) covers an edit
    in its ``###`` subsections; text before the first label (front matter) is covered by any
    recorded label of the file.

    Which sections changed is decided by each section's own text (label line, heading, body) at
    ``base`` and now, not by where git's hunks fall: a hunk that adds or removes a whole section
    begins or ends on the blank line separating it from its neighbour, which lies in the
    neighbour's lines, and so charged a section nothing changed in.  A section added, moved (here
    from another chapter, or to another place in this one), relabelled or removed is a change of
    its own — a removed one recorded under its old label; the hunks only tell on which line to
    report.
    """
    exists = (root / path).exists()
    if path in covers and exists:  # the whole chapter is recorded as changed
        touched |= {s.label for s in split_sections(chapter_text(root / path), path) if s.label}
        return
    old_text = _as_read(_show_or_empty(repo, base, path))
    old_sections = split_sections(old_text, path) if old_text else []
    if not exists:
        yield from _removed_chapter(
            path, base, newest, old_sections, changed_labels, touched, manual.labels, path in covers
        )
        return
    text = chapter_text(root / path)
    sections = split_sections(text, path)
    file_labels = {s.label for s in sections if s.label}
    enclosing = _enclosing_labels(sections)
    hunks = repo.changed_hunks(base, path)
    lines = len(text.splitlines())
    if not hunks and not old_text and lines:
        # A new chapter git does not track yet: ``git diff`` shows nothing, every line is new.
        first = min((s.start_line for s in sections if s.label), default=1)
        hunks = [Hunk(first, lines, range(0), range(first, lines + 1))]
    hunks = _outside_toctrees(hunks, old_text, text)
    # Toctree lines are the listed chapters' change, not the text of the section holding them.
    old_toc = {line for line, _ in toctree_body(old_text)}
    new_toc = {line for line, _ in toctree_body(text)}
    old_by_key = {s.key: s for s in old_sections}
    new_keys = {s.key for s in sections}
    moved = _moved_within(old_sections, sections)
    label_of = {s.key: s.label for s in sections if s.label}
    # Sections gone from this chapter, not to another one: removed, or relabelled.
    gone = [s for s in old_sections if s.key not in new_keys and s.label and s.label not in manual.labels]
    added = [  # new labels, not sections moved here from another chapter
        s for s in sections if s.label and s.key not in old_by_key and manual.base_section(s.label) is None
    ]
    relabelled = _relabelled(old_sections, sections, gone, added) if gone else {}
    found: list[Uncovered] = []

    def charge(labels: set[str], line: int, message: str) -> None:
        touched.update(labels)
        if not labels & changed_labels:
            found.append(Uncovered(path, line, message))

    for section in sections:
        old = old_by_key.get(section.key)
        passed: list[str] = []
        if section.label is None:
            if (old_text or not file_labels) and (
                old is None or _own_text(old, old_toc) != _own_text(section, new_toc)
            ):
                what = "front matter"
            else:
                continue  # unchanged, or a new chapter's: part of its sections' change, not one of its own
        elif section.key in relabelled:
            old = relabelled[section.key]
            what = f"relabelled from '{old.label}'"
        elif old is None:
            came = manual.base_section(section.label)
            if came is None:
                what = "added"
            elif not manual.renamed(came.path, path):
                what = f"moved here from {came.path}"
            elif _own_text(came, set()) != _own_text(section, new_toc):
                old, what = came, "changed"
            else:
                continue
        elif section.key in moved:
            passed = sorted(label_of[key] for key in moved[section.key])
            what = "moved within this chapter"
        elif _own_text(old, old_toc) != _own_text(section, new_toc):
            what = "changed"
        else:
            continue
        if old is not None and old.path != path:  # a renamed file: git compares it with nothing
            line = _first_difference(old, section)
        else:
            hunk = _first_hunk(hunks, section, old)
            line = max(hunk.first, section.start_line) if hunk else section.start_line
        if section.label is None:
            message = (
                f"front matter changed since {base} but revision {newest.version} lists no change to a "
                f"section of this chapter"
            )
            charge(file_labels, line, message)
            continue
        labels = enclosing[section.key]
        # Which of two sections that changed places moved is the diff's choice, not the writer's:
        # an entry for either records the move.
        charge(labels | set(passed), line, _unrecorded(section, what, base, newest, labels, passed))

    old_enclosing = _enclosing_labels(old_sections)
    relabels = {s.key for s in relabelled.values()}
    for old in old_sections:
        if old.key in new_keys or old.key in relabels or (old.label and old.label in manual.labels):
            continue  # still here, relabelled, or moved to another chapter: charged where it is now
        hunk = _first_hunk(hunks, None, old)
        line = hunk.first if hunk else 1
        if old.label is None:
            message = (
                f"front matter removed since {base} but revision {newest.version} lists no change to a "
                "section of this chapter"
            )
            charge(file_labels, line, message)
        else:
            labels = old_enclosing[old.key]
            charge(labels, line, _unrecorded(old, "removed", base, newest, labels))
    yield from sorted(found, key=lambda item: item.line)


def _relabelled(
    old: Sequence[Section], new: Sequence[Section], gone: Sequence[Section], added: Sequence[Section]
) -> dict[str, Section]:
    """Key of a section ``added`` to a chapter → the section ``gone`` from it that it relabels.

    A new ``(label)=`` on a section otherwise kept is one change, recorded under the new label
    (the marker needs a section that has it), not a removal and an addition.  Paired: the same
    text under the new label, else the same heading in the same place (after the same section
    kept in both versions).
    """
    kept = {s.key for s in old} & {s.key for s in new}

    def places(sections: Sequence[Section]) -> dict[str, str | None]:
        last: str | None = None
        result: dict[str, str | None] = {}
        for section in sections:
            result[section.key] = last
            if section.key in kept:
                last = section.key
        return result

    was, now = places(old), places(new)

    def same_text(before: Section, after: Section) -> bool:
        return before.body == after.body

    def same_heading_and_place(before: Section, after: Section) -> bool:
        return before.title == after.title and was[before.key] == now[after.key]

    pairs: dict[str, Section] = {}
    for same in (same_text, same_heading_and_place):
        for section in added:
            if section.key in pairs:
                continue
            taken = {s.key for s in pairs.values()}
            match = next((s for s in gone if s.key not in taken and same(s, section)), None)
            if match is not None:
                pairs[section.key] = match
    return pairs


def _unrecorded(
    section: Section, what: str, base: str, newest: Revision, labels: Set[str], passed: Sequence[str] = ()
) -> str:
    """MK705's words for a section ``what`` (changed, added, removed …) that no entry records;
    ``passed``: the sections a section moved within its chapter changed places with."""
    outer = sorted(labels - {section.label})
    advice = f"add `- {{section: {section.label}, description: …}}` to its changes"
    if what == "removed":
        # The title lets the revision history name the section it no longer has (MK704).
        entry = f"`- {{section: {section.label}, title: {section.title.strip()}, description: …}}`"
        advice = f"record the removal under its old label: add {entry} to its changes"
    return (
        f"section '{section.label}' ({section.title}) {what} since {base} but revision "
        f"{newest.version} records no change to it"
        + (f" or to an enclosing section ({', '.join(outer)})" if outer else "")
        + (f" or to a section it changed places with ({', '.join(passed)})" if passed else "")
        + f"; {advice}"
    )


def _removed_chapter(
    path: str,
    base: str,
    newest: Revision,
    old_sections: Sequence[Section],
    changed_labels: set[str],
    touched: set[str],
    now_labels: Set[str],
    covered: bool,
) -> Iterable[Uncovered]:
    """A chapter deleted since ``base``: its sections were removed, recorded under their old labels.

    Recording the chapter's own label covers every section in it, as for a chapter that stays.
    A section moved to another chapter is that chapter's change (charged there).  Listing the
    file in a change's ``covers`` (``covered``) records the removal only of a chapter that
    defined no label: otherwise the revision history would not name what was removed, and the
    marker of the entry carrying ``covers`` would stand on a section that did not change.
    """
    enclosing = _enclosing_labels(old_sections)
    removed = [s for s in old_sections if s.label is not None and s.label not in now_labels]
    if not removed and any(s.label is not None for s in old_sections):
        return  # every section moved to other chapters
    missing: list[Section] = []
    for section in removed:
        labels = enclosing[section.key]
        touched |= labels
        if not labels & changed_labels:
            missing.append(section)
    if not removed:
        if not covered:
            yield Uncovered(
                path,
                1,
                f"chapter removed since {base} (it defined no section label) but revision "
                f"{newest.version} does not record it; list `{path}` in a change's `covers`",
            )
        return
    missing_labels = {s.label for s in missing}
    outermost = [s for s in missing if not (enclosing[s.key] - {s.label}) & missing_labels]
    if not outermost:
        return
    names = ", ".join(f"'{s.label}' ({s.title})" for s in outermost)
    entries = " ".join(
        f"`- {{section: {s.label}, title: {s.title.strip()}, description: …}}`" for s in outermost
    )
    yield Uncovered(
        path,
        1,
        f"chapter removed since {base} but revision {newest.version} does not record the removal of "
        f"{names}; record it under the old label: add {entries} to its changes"
        + (f" (`covers: [{path}]` does not name what was removed)" if covered else ""),
    )


def _own_lines(section: Section) -> list[str]:
    """The section's lines without the blank ones after it (they separate it from the next)."""
    lines = section.text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _own_span(section: Section) -> range:
    """Line numbers (1-based) of :func:`_own_lines` in the chapter."""
    return range(section.start_line, section.start_line + len(_own_lines(section)))


def _own_text(section: Section, skip: Set[int]) -> tuple[str, ...]:
    """What a reader compares: the section's own lines but those numbered in ``skip`` (toctrees)."""
    lines = _own_lines(section)
    return tuple(line for number, line in enumerate(lines, section.start_line) if number not in skip)


def _first_hunk(hunks: Sequence[Hunk], section: Section | None, old: Section | None) -> Hunk | None:
    """The first hunk adding lines to ``section`` (now) or taking lines from ``old`` (its text at
    the base), blank separating lines aside: where its change is reported."""
    new_span = _own_span(section) if section is not None else range(0)
    old_span = _own_span(old) if old is not None else range(0)
    for hunk in hunks:
        if _overlap(hunk.new_lines, new_span) or _overlap(hunk.old_lines, old_span):
            return hunk
    return None


def _first_difference(old: Section, new: Section) -> int:
    """The line of ``new`` where its text first differs from ``old``'s (its last line if it only
    lost lines at its end)."""
    before, after = _own_lines(old), _own_lines(new)
    offset = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), None)
    if offset is None:
        offset = min(len(before), len(after))
    return new.start_line + min(offset, max(len(after) - 1, 0))


def _overlap(first: range, second: range) -> bool:
    return bool(first) and bool(second) and first.start < second.stop and second.start < first.stop


def _moved_within(old: Sequence[Section], new: Sequence[Section]) -> dict[str, set[str]]:
    """Key of each labelled section moved within its chapter → the keys of those it passed.

    As the redline tells a move: the longest run of sections (both versions have) that keep
    their order stays, every other one moved — swapping two neighbours moves one of them, and
    renumbering alone (a section inserted or removed before it) is no move.  A moved section's
    text may be unchanged, yet readers find it elsewhere, under another number.  The sections it
    passed (their order with it changed) are told too: the writer may have moved those instead.
    """
    now = {s.key: index for index, s in enumerate(new) if s.label is not None}
    before = [s.key for s in old if s.label is not None and s.key in now]
    was = {key: index for index, key in enumerate(before)}
    kept = longest_kept_order(before, now)  # as the redline tells it
    return {
        key: {other for other in before if (was[other] < was[key]) != (now[other] < now[key])}
        for key in before
        if key not in kept
    }


def _outside_toctrees(hunks: Iterable[Hunk], old_text: str, new_text: str) -> list[Hunk]:
    """The hunks that change more than toctree lines.

    Adding or removing a chapter edits only the root page's toctree: that is the chapter's own
    change (its sections' entries, or `covers` for a removed file), not one of the root section's
    text, which the redline shows unchanged too.
    """
    old_toc = {line for line, _ in toctree_body(old_text)}
    new_toc = {line for line, _ in toctree_body(new_text)}
    return [hunk for hunk in hunks if not (set(hunk.old_lines) <= old_toc and set(hunk.new_lines) <= new_toc)]


def _enclosing_labels(sections: Iterable[Section]) -> dict[str, set[str]]:
    """Section key → its own label and the labels of the sections it is nested in (by heading level)."""
    stack: list[tuple[int, str]] = []
    result: dict[str, set[str]] = {}
    for section in sections:
        if section.label is None:
            continue
        level = section.level
        if level is not None:
            while stack and stack[-1][0] >= level:
                stack.pop()
        result[section.key] = {section.label, *(label for _, label in stack)}
        if level is not None:
            stack.append((level, section.label))
    return result


def _data_uncovered(
    repo: Repo,
    root: Path,
    path: str,
    base: str,
    newest: Revision,
    changed_labels: set[str],
    covers: set[str],
    owners: Iterable[_Owner],
    enclosing_of: Callable[[str], set[str]],
    touched: set[str],
) -> Iterable[Uncovered]:
    name = Path(path).name
    collection = next((key for key, file in DATA_FILES.items() if file == name), None)
    if collection == "revisions":
        return
    # A file named in `covers` is accounted for; its entries still tell which sections changed.
    file_covered = name in covers or path in covers
    hunks = repo.changed_hunks(base, path) if (root / path).exists() else []
    first = hunks[0].first if hunks else 1
    if collection is None:
        if not file_covered:
            yield Uncovered(path, first, f"data file changed since {base}; name it in a change's `covers`")
        return
    old = _yaml_or_none(_show_or_empty(repo, base, path))
    new_text = (root / path).read_text(encoding="utf-8") if (root / path).exists() else ""
    new = _yaml_or_none(new_text)
    if collection == "meta":
        if isinstance(old, dict) and isinstance(new, dict):
            keys = {k for k in set(old) | set(new) if old.get(k) != new.get(k)} - _RELEASE_KEYS
            if keys and not file_covered:
                line = _key_line(new_text, sorted(keys)[0]) or first
                yield Uncovered(
                    path,
                    line,
                    f"{', '.join(sorted(keys))} changed since {base}; list `{name}` in a change's `covers`",
                )
        return
    old_entries = _entries(old)
    new_entries = _entries(new)
    spans = _entry_spans(new_text)
    owners = tuple(owners)
    for entry_id in sorted(set(old_entries) | set(new_entries)):
        before, after = old_entries.get(entry_id), new_entries.get(entry_id)
        if before == after:
            continue
        sections = {e.get("section") for e in (before, after) if e and isinstance(e.get("section"), str)}
        sections |= {
            o.label
            for o in owners
            if o.owns(collection, entry_id, before) or o.owns(collection, entry_id, after)
        }
        enclosing = set().union(*(enclosing_of(label) for label in sections if label))
        touched |= enclosing
        if file_covered or enclosing & changed_labels or entry_id in covers:
            continue
        what = "added" if before is None else "removed" if after is None else "changed"
        owners_found = sorted(s for s in sections if s)
        if owners_found:
            # Recorded under its own section, the change is marked where readers see it; `covers`
            # on another section's entry would mark that section instead (MK710).
            advice = f"add `- {{section: {owners_found[0]}, description: …}}` to its changes"
        else:
            advice = f"no section shows it: list {entry_id} in a change's `covers`"
        yield Uncovered(
            path,
            _first_changed_line(spans.get(entry_id), hunks, first),
            f"{entry_id} {what} since {base} but revision {newest.version} records no change to its "
            f"section ({', '.join(owners_found) or 'no section'}); {advice}",
        )


def _first_changed_line(span: tuple[int, int] | None, hunks: Iterable[Hunk], fallback: int) -> int:
    """The first changed line inside an entry (the entry's first line if no hunk falls in it)."""
    if span is None:
        return fallback
    start, end = span
    for hunk in hunks:
        if hunk.first <= end and hunk.last >= start:
            return max(hunk.first, start)
    return start


@dataclasses.dataclass(frozen=True)
class _Owner:
    """A section that renders data entries through a directive (and so answers for their changes).

    ``entry_id`` set: the directive renders that one entry (``:::{form} F-04-01``).  Otherwise it
    renders every entry of the collection that passes the directive's ``:tags:`` (any of) and
    ``:section:`` filters (``:::{sla-table}``).
    """

    label: str
    collection: str
    entry_id: str | None
    tags: frozenset[str] = frozenset()
    section: str | None = None

    def owns(self, collection: str, entry_id: str, entry: Mapping[str, Any] | None) -> bool:
        if collection != self.collection or entry is None:
            return False
        if self.entry_id is not None:
            return self.entry_id == entry_id
        tags = entry.get("tags")
        if self.tags and not (isinstance(tags, list) and self.tags & {str(t) for t in tags}):
            return False
        return not self.section or entry.get("section") == self.section


def section_owners(sections: Iterable[Section]) -> list[_Owner]:
    """The sections whose directives render data entries (``_Owner.owns`` tells which entries)."""
    return _directive_owners(sections)


def _directive_owners(sections: Iterable[Section]) -> list[_Owner]:
    owners: list[_Owner] = []
    for section in sections:
        if section.label is None:
            continue
        for directive in section.directive_calls():
            owned = DIRECTIVE_OWNERSHIP.get(directive.name)
            if owned is None:
                continue
            collection, by_id = owned
            tags = frozenset(t.strip() for t in directive.options.get("tags", "").split(",") if t.strip())
            owners.append(
                _Owner(
                    section.label,
                    collection,
                    directive.arg if by_id and directive.arg else None,
                    tags,
                    directive.options.get("section", "").strip() or None,
                )
            )
    return owners


def _show_or_empty(repo: Repo, rev: str, path: str) -> str:
    try:
        return repo.show(rev, path)
    except GitError:
        return ""


def _yaml_or_none(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return None


def _entries(value: Any) -> dict[str, dict[str, Any]]:
    """Sequence of mappings → ``id`` (or ``version``, or ``#index``) → entry."""
    if not isinstance(value, list):
        return {}
    result: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(value):
        if isinstance(item, dict):
            key = item.get("id", item.get("version", f"#{index + 1}"))
            result[str(key)] = item
    return result


def _entry_spans(text: str) -> dict[str, tuple[int, int]]:
    """Entry id → 1-based first and last line of the entry in a sequence-of-mappings YAML file."""
    try:
        node = yaml.compose(text) if text.strip() else None
    except yaml.YAMLError:
        return {}
    result: dict[str, tuple[int, int]] = {}
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = f"#{index + 1}"
            if isinstance(item, yaml.MappingNode):
                for k, v in item.value:
                    if k.value in ("id", "version") and isinstance(v, yaml.ScalarNode):
                        key = str(v.value)
                        break
            # end_mark sits just past the entry: at column 0 of the next line for block mappings.
            last = item.end_mark.line + (1 if item.end_mark.column else 0)
            result.setdefault(key, (item.start_mark.line + 1, max(item.start_mark.line + 1, last)))
    return result


def _key_line(text: str, key: str) -> int | None:
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return int(k.start_mark.line) + 1
    return None
