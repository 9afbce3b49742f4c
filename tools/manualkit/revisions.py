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
from collections.abc import Iterable, Mapping, Set
from pathlib import Path
from typing import Any

import yaml

from manualkit.checks.source import ChapterReadError, read_chapter
from manualkit.gitrepo import GitError, Hunk, Repo
from manualkit.models import DATA_FILES, ManualData, Revision
from manualkit.redline.sections import Section, split_sections
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
    repo = Repo(Path(root))
    labels = {
        section.label
        for path in repo.list_files(commit, MANUAL_DIR)
        if path.endswith(".md")
        for section in split_sections(repo.show(commit, path), path)
        if section.label is not None
    }
    forms = _entries(_yaml_or_none(_show_or_empty(repo, commit, f"{DATA_DIR}/{DATA_FILES['forms']}")))
    return frozenset(labels), frozenset(forms)


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
    for path in repo.changed_files(base, (MANUAL_DIR, DATA_DIR)):
        if path.startswith(f"{MANUAL_DIR}/") and path.endswith(".md"):
            yield from _chapter_uncovered(repo, root, path, base, newest, changed_labels, covers, touched)
        elif path.startswith(f"{DATA_DIR}/"):
            found = _data_uncovered(
                repo, root, path, base, newest, changed_labels, covers, owners, outer, touched
            )
            yield from found


def _idle_changes(root: Path, newest: Revision, touched: set[str]) -> tuple[IdleChange, ...]:
    """Entries recording a change to a section that has none (nor any section inside it).

    An entry with ``covers`` answers for the data it names, and a label no chapter defines now is
    MK701's; neither is judged here.
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


def _chapter_uncovered(
    repo: Repo,
    root: Path,
    path: str,
    base: str,
    newest: Revision,
    changed_labels: set[str],
    covers: set[str],
    touched: set[str],
) -> Iterable[Uncovered]:
    """Every changed section of one chapter needs a change entry for it or an enclosing section.

    Sections nest by heading level, so recording ``complaint-process`` (a ``##``) covers an edit
    in its ``###`` subsections; text before the first label (front matter) is covered by any
    recorded label of the file.
    """
    if path in covers:
        if (root / path).exists():  # the whole chapter is recorded as changed
            touched |= {s.label for s in split_sections(chapter_text(root / path), path) if s.label}
        return
    if not (root / path).exists():
        old_labels = {s.label for s in split_sections(repo.show(base, path), path) if s.label}
        yield Uncovered(
            path,
            1,
            f"chapter removed since {base} (labels: {', '.join(sorted(old_labels)) or 'none'}) but revision "
            f"{newest.version} does not record it; list `{path}` in a change's `covers`",
        )
        return
    text = chapter_text(root / path)
    sections = split_sections(text, path)
    file_labels = {s.label for s in sections if s.label}
    enclosing = _enclosing_labels(sections)
    reported: set[str] = set()
    old_text = _show_or_empty(repo, base, path)
    hunks = repo.changed_hunks(base, path)
    lines = len(text.splitlines())
    if not hunks and not old_text and lines:
        # A new chapter git does not track yet: ``git diff`` shows nothing, every line is new.
        # Its sections need entries; its front matter is part of them, not a change of its own.
        first = min((s.start_line for s in sections if s.label), default=1)
        hunks = [Hunk(first, lines, range(0), range(first, lines + 1))]
    hunks = _outside_toctrees(hunks, old_text, text)
    for hunk in hunks:
        for index, section in enumerate(sections):
            next_start = sections[index + 1].start_line if index + 1 < len(sections) else None
            if section.start_line > hunk.last or (next_start is not None and next_start <= hunk.first):
                continue
            if section.key in reported:
                continue
            labels = enclosing[section.key] if section.label else file_labels
            touched |= labels
            if labels & changed_labels:
                continue
            reported.add(section.key)
            line = max(hunk.first, section.start_line)
            if section.label is None:
                message = (
                    f"front matter changed since {base} but revision {newest.version} lists no change to a "
                    f"section of this chapter"
                )
            else:
                outer = sorted(labels - {section.label})
                message = (
                    f"section '{section.label}' ({section.title}) changed since {base} but revision "
                    f"{newest.version} records no change to it"
                    + (f" or to an enclosing section ({', '.join(outer)})" if outer else "")
                    + f"; add `- {{section: {section.label}, description: …}}` to its changes"
                )
            yield Uncovered(path, line, message)


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
    outer: Mapping[str, set[str]],
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
        enclosing = set().union(*(outer.get(label, {label}) for label in sections if label))
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
