"""Compare two tagged releases section by section (text) and entry by entry (data).

Both versions are read from git (``git show v1.0:manual/…``) into scratch
directories, so the working tree is never touched and uncommitted edits never
leak into a redline.  Roles that render data (``{sla}`id` `` …) and directives that print
data (an SLA table, the attachment list …) are expanded with *that version's* data, so a
changed SLA shows up in the text as "<del>7个工作日</del><ins>5个工作日</ins>" wherever it is
cited and inside its row of every SLA table that prints it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from manualkit.durations import render_sla
from manualkit.gitrepo import GitError, Repo
from manualkit.kept_order import longest_kept_order
from manualkit.loader import load_data
from manualkit.models import ManualData, Revision
from manualkit.redline.datadiff import DataChanges, EntryChange, compare
from manualkit.redline.generated import Generator, renderer_for
from manualkit.redline.numbering import (
    ROOT_DOC,
    numbered_title,
    reading_order,
    section_names,
    section_numbers,
    toctree_paths,
)
from manualkit.redline.readable import Expander, readable
from manualkit.redline.sections import Section, labels_in, split_sections
from manualkit.redline.textdiff import Granularity, ParagraphDiff, Segment, diff_text, is_changed
from manualkit.revisions import (
    DATA_DIR,
    DIRECTIVE_OWNERSHIP,
    MANUAL_DIR,
    chapter_text,
    release_tag,
    revision_for,
    section_owners,
    version_key,
)
from manualkit.sphinx.chapter_info import CHAPTER_SCOPE, ROOT_SCOPE
from manualkit.templating import TemplateRenderer

SectionStatus = Literal["unchanged", "changed", "added", "removed", "moved"]
_ROLE_RE = re.compile(r"\{(?P<name>sla|form|reg|target|window)\}`(?P<target>[^`]+)`")


@dataclasses.dataclass(frozen=True)
class Move:
    """Where a moved section stood in the old version and where it stands in the new one.

    Why both ends on either entry: a reader at the old place must find the new one ("移至 3.6")
    and a reader at the new place the old one ("由 6.5 移入"), in the HTML, the DOCX and the JSON.
    """

    old_number: str | None
    old_path: str
    old_title: str
    new_number: str | None
    new_path: str
    new_title: str

    @property
    def origin(self) -> str:
        """``6.5``: the old place by number (by chapter file for text without a number)."""
        return self.old_number or self.old_path

    @property
    def destination(self) -> str:
        """``3.6``: the new place by number (by chapter file for text without a number)."""
        return self.new_number or self.new_path

    @property
    def old_heading(self) -> str:
        return numbered_title(self.old_number, self.old_title)

    @property
    def new_heading(self) -> str:
        return numbered_title(self.new_number, self.new_title)


@dataclasses.dataclass(frozen=True)
class SectionDiff:
    """One section compared; ``old_title`` differs from ``title`` when the heading was reworded.

    A moved section (status ``moved``) has two entries: the one at its new place (its text
    compared with the old one, so a section reworded as it moved shows the edit) and a
    ``departure`` where it stood in the old version (old number, title, level and path, the old
    text deleted): a redline read in either version's order finds it where that version had it.
    """

    key: str
    label: str | None
    title: str
    path: str
    status: SectionStatus
    paragraphs: tuple[ParagraphDiff, ...]
    old_title: str | None = None
    #: Changed data entries this section shows or owns (its SLA table, its form, an SLA whose
    #: ``section`` it is): the section's text may read the same while what it shows changed.
    data_changes: tuple[EntryChange, ...] = ()
    #: Section number in the new version ("4.2.1"; the old version's for a removed section), and
    #: in the old version; None for unnumbered sections (the root page, a chapter's preamble).
    number: str | None = None
    old_number: str | None = None
    #: Heading level (1 for a chapter title); None for a stretch of text without a heading.
    level: int | None = None
    #: Both places of a moved section (status ``moved``); None for every other section.
    move: Move | None = None
    #: True for the entry where a moved section stood in the old version (see the class).
    departure: bool = False

    @property
    def heading(self) -> str:
        """``4.2.1 分类定级``: how the section is named wherever the redline names it."""
        return numbered_title(self.number, self.title)

    @property
    def renumbered(self) -> bool:
        compared = self.status in ("changed", "unchanged") or (self.status == "moved" and not self.departure)
        return compared and self.old_number != self.number

    @property
    def reworded(self) -> bool:
        """Whether the text or the title of a section both versions have changed (for a moved
        section: besides its place; a section whose data alone changed is not reworded)."""
        if self.status not in ("changed", "moved") or self.departure:
            return False
        return self.retitled or is_changed(self.paragraphs)

    @property
    def data_paragraphs(self) -> tuple[ParagraphDiff, ...]:
        """One paragraph per changed entry: "数据变更：<name>：" then old → new as an edit (only the
        changed words of a long value, as in the summary table)."""
        return tuple(_data_paragraph(change) for change in self.data_changes)

    @property
    def retitled(self) -> bool:
        return self.old_title is not None and self.old_title != self.title


@dataclasses.dataclass(frozen=True)
class Redline:
    """Everything the HTML, DOCX and JSON writers need."""

    old_version: str
    new_version: str
    old_revision: Revision | None
    new_revision: Revision | None
    title: str
    author: str
    date: dt.datetime
    #: The manual text as the redline shows it: the new version's reading order, each removed
    #: section and each moved section's ``departure`` right after the section it followed in the
    #: old version.  Read without what the new version added it is the old version's order.
    places: tuple[SectionDiff, ...]
    data: DataChanges
    #: Every revision after ``old_version`` up to ``new_version``, oldest first (a redline may span
    #: several releases: 1.0 → 1.2 shows the approvals and change notes of 1.1 and 1.2).
    revisions: tuple[Revision, ...] = ()
    #: Section label → the labels of the sections it is nested in, nearest first (new version).
    ancestry: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    #: Label → "number title", the new version's and, for labels it lacks, the old version's.
    names: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def approval_lines(self) -> list[str]:
        """``v1.1 于 2026-12-20 批准（消费者权益保护委员会），2027-01-04 起施行。<summary>`` per spanned
        revision: the facts a filed redline must carry (HTML header and DOCX front matter alike)."""
        return [
            f"v{r.version} 于 {r.approved_on.isoformat()} 批准（{r.approved.name}），"
            f"{r.effective.isoformat()} 起施行。{r.summary}"
            for r in self.revisions
        ]

    def change_notes(self) -> dict[str, str]:
        """Section label → the change descriptions recorded for it in the spanned revisions.

        A change recorded on a section covers its subsections (as the checker counts it): a
        changed subsection shows its enclosing section's note, marked as recorded there.
        """
        own: dict[str, list[str]] = {}
        for revision in self.revisions:
            for change in revision.changes:
                own.setdefault(change.section, []).append(f"v{revision.version}：{change.description}")
        notes = {label: "；".join(items) for label, items in own.items()}
        for label, ancestors in self.ancestry.items():
            if label in notes:
                continue
            inherited = next((a for a in ancestors if a in own), None)
            if inherited is not None:
                notes[label] = "；".join(own[inherited]) + "（记于上级章节）"
        return notes

    @functools.cached_property
    def sections(self) -> tuple[SectionDiff, ...]:
        """Every section once (a moved one at its new place): what is counted and listed."""
        return tuple(s for s in self.places if not s.departure)

    @property
    def changed_sections(self) -> tuple[SectionDiff, ...]:
        return tuple(s for s in self.sections if s.status != "unchanged")

    def status_counts(self) -> dict[SectionStatus, int]:
        """Sections per status, each section once (a moved one is not also removed and added)."""
        counts: dict[SectionStatus, int] = dict.fromkeys(get_args(SectionStatus), 0)
        for section in self.sections:
            counts[section.status] += 1
        return counts


#: Git modes of a file's contents (a symlink, 120000, stores the path it points to; a submodule,
#: 160000, is another repository).
_FILE_MODES = frozenset({"100644", "100755"})


def tracked_files(repo: Repo, tag: str, top: str) -> list[str]:
    """The regular files under ``top`` at ``tag``, relative to the project root.

    Read NUL-separated: a name with a quote, a tab or a line break (C-quoted by ``git ls-tree``)
    is still its own name.  A history is untrusted: a crafted tree may name an entry ``..``
    (``git mktree`` accepts it), which :func:`snapshot` would write above its scratch folder.
    """
    out = repo.run("ls-tree", "-r", "-z", "--full-name", tag, "--", f"./{top}")
    prefix = repo.prefix()
    files = []
    for entry in out.split("\0"):
        info, _, name = entry.partition("\t")
        if not name or info.split(" ")[0] not in _FILE_MODES:
            continue
        name = name.removeprefix(prefix)
        if any(part in ("", ".", "..") for part in name.split("/")):
            raise GitError(f"{tag}: refusing the tracked path {name!r} (an empty, '.' or '..' part)")
        files.append(name)
    return files


def snapshot(repo: Repo, tag: str, dest: Path) -> Path:
    """Write manual/ and data/ as of ``tag`` under ``dest`` (``git show tag:path`` per file)."""
    for top in (MANUAL_DIR, DATA_DIR):
        for rel in tracked_files(repo, tag, top):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                text = repo.show(tag, rel)
            except UnicodeDecodeError as exc:
                raise GitError(f"{tag}:{rel}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
            target.write_text(text, encoding="utf-8")
    return dest


def build_redline(
    root: Path, old_version: str, new_version: str, granularity: Granularity = "word"
) -> Redline:
    """Compare releases ``v<old_version>`` and ``v<new_version>`` of the project at ``root``."""
    repo = Repo(root)
    with tempfile.TemporaryDirectory(prefix="manualkit-redline-") as scratch:
        old_dir = snapshot(repo, release_tag(old_version), Path(scratch) / "old")
        new_dir = snapshot(repo, release_tag(new_version), Path(scratch) / "new")
        old_data, _ = load_data(old_dir / DATA_DIR)
        new_data, _ = load_data(new_dir / DATA_DIR)
        renderer = renderer_for(root)
        before = _version(old_dir, old_data, renderer)
        after = _version(new_dir, new_data, renderer)
    names = {**before.names, **after.names}
    data_changes = compare(old_data, new_data, before.names, after.names)
    new_revision = revision_for(new_data, new_version) if new_data else None
    old_revision = revision_for(old_data, old_version) if old_data else None
    when = (
        new_revision.effective
        if new_revision
        else dt.date.fromtimestamp(repo.commit_time(release_tag(new_version)))
    )
    return Redline(
        old_version=old_version,
        new_version=new_version,
        old_revision=old_revision,
        new_revision=new_revision,
        title=new_data.meta.title if new_data else root.name,
        author=new_revision.drafted.name if new_revision else "manualkit",
        date=dt.datetime.combine(when, dt.time(0, 0), tzinfo=dt.UTC),
        places=tuple(
            _with_data_changes(
                _diff_sections(before, after, granularity), data_changes, [*after.raw, *before.raw]
            )
        ),
        data=data_changes,
        revisions=_spanned(new_data, old_version, new_version),
        ancestry=_ancestry(after.raw),
        names=names,
    )


def _ancestry(sections: list[Section]) -> dict[str, tuple[str, ...]]:
    """Label → enclosing labels, nearest first, by heading level within each chapter file."""
    result: dict[str, tuple[str, ...]] = {}
    stack: list[tuple[int, str]] = []
    path = None
    for section in sections:
        if section.path != path:
            stack, path = [], section.path
        if section.label is None or section.level is None:
            continue
        while stack and stack[-1][0] >= section.level:
            stack.pop()
        result[section.label] = tuple(label for _, label in reversed(stack))
        stack.append((section.level, section.label))
    return result


def _spanned(data: ManualData | None, old_version: str, new_version: str) -> tuple[Revision, ...]:
    if data is None:
        return ()
    low, high = version_key(old_version), version_key(new_version)
    spanned = [r for r in data.revisions if low < version_key(r.version) <= high]
    return tuple(sorted(spanned, key=lambda r: version_key(r.version)))


@dataclasses.dataclass(frozen=True)
class _Version:
    """One release's sections in reading order: as the reader reads them and as written (whose
    directives say which data entries a section shows), with their numbers and names."""

    reader: list[Section]
    raw: list[Section]
    #: Section key → number ("4.2.1").
    numbers: dict[str, str]
    #: Label → "number title".
    names: dict[str, str]
    #: Section key → heading level (the reader's text has no heading lines left to tell).
    levels: dict[str, int | None]


def _version(project: Path, data: ManualData | None, renderer: TemplateRenderer | None = None) -> _Version:
    """Read one snapshot: sections in the order a reader meets them (root page, then the
    toctree's chapters), numbered as the manual numbers them; directives print with
    ``renderer``'s fragment templates (default: the snapshot's, then the shipped ones)."""
    manual = project / MANUAL_DIR
    files = {
        path.relative_to(project).as_posix(): path
        for path in (sorted(manual.rglob("*.md")) if manual.is_dir() else [])
    }
    index = files.get(ROOT_DOC)
    chapters = toctree_paths(chapter_text(index)) if index is not None else []
    found: list[Section] = []
    for rel in reading_order(files, chapters):
        found.extend(split_sections(expand_roles(chapter_text(files[rel]), data), rel))
    roles = {role.id: role.name for role in data.roles} if data else {}
    titles = {s.label: readable(s.title, {}) for s in found if s.label}
    numbers = section_numbers(found, chapters)
    # A reference reads as the manual prints it: "见“4.2.3 监管期限”" (every output numbers
    # references to numbered sections), so a renumbered section shows in every reference to it.
    cited = {s.label: numbered_title(numbers.get(s.key), titles[s.label]) for s in found if s.label}
    texts = {rel: chapter_text(path) for rel, path in files.items()}
    generator = Generator(data, renderer or renderer_for(project), lambda _: None) if data else None
    reader = [
        dataclasses.replace(
            s,
            text=readable(
                s.body,
                cited,
                roles,
                scope=ROOT_SCOPE if s.path == ROOT_DOC else CHAPTER_SCOPE,
                expand=_expander(generator, texts, s.path),
            ),
            title=titles.get(s.label or "", s.title),
        )
        for s in found
    ]
    levels = {s.key: s.level for s in found}
    return _Version(reader, found, numbers, section_names(reader, numbers), levels)


def _expander(generator: Generator | None, texts: Mapping[str, str], path: str) -> Expander | None:
    """What the directives of chapter ``path`` print, data roles in words (``texts``: every
    chapter's source, whose labels an SLA table's ``:chapter:`` selects by)."""
    if generator is None:
        return None

    def chapter_labels(docname: str) -> set[str] | None:
        text = texts.get(f"{MANUAL_DIR}/{docname}.md" if docname else path)
        return None if text is None else set(labels_in(text))

    bound = dataclasses.replace(generator, chapter_labels=chapter_labels)

    def expand(name: str, arg: str, options: Mapping[str, str]) -> str | None:
        printed = bound.render(name, arg, options)
        return None if printed is None else expand_roles(printed, bound.data)

    return expand


#: The data collection of an :class:`EntryChange` kind.
_COLLECTION = {"sla": "slas", "form": "forms"}


def _with_data_changes(
    sections: list[SectionDiff], data: DataChanges, raw: list[Section]
) -> list[SectionDiff]:
    """Give each section the changed entries it shows or owns; a section whose text reads the same
    but whose SLA table or form changed is "changed", not "unchanged" (the summary counted it so)."""
    owners: list[Any] = [*section_owners(raw), *_generated_owners(raw)]
    by_label: dict[str, list[EntryChange]] = {}
    for change in data.all:
        collection = _COLLECTION.get(change.kind, change.kind)
        labels: set[str] = set()
        for summary in (change.new, change.old):
            entry = summary.get("data") if summary else None
            if not isinstance(entry, dict):
                continue
            if isinstance(entry.get("section"), str):
                labels.add(entry["section"])
            labels |= {o.label for o in owners if o.owns(collection, change.id, entry) and _shows(o, change)}
        for label in sorted(labels):
            by_label.setdefault(label, []).append(change)
    result: list[SectionDiff] = []
    for section in sections:
        owned = tuple(by_label.get(section.label or "", ()))
        if owned and section.status in ("unchanged", "changed"):
            section = dataclasses.replace(section, status="changed", data_changes=owned)
        elif owned and section.status == "moved" and not section.departure:
            section = dataclasses.replace(section, data_changes=owned)  # still "moved", with its data
        result.append(section)
    return result


#: Directives whose generated content prints a whole collection but which
#: :data:`manualkit.revisions.DIRECTIVE_OWNERSHIP` (the release check's view) does not list:
#: the attachment list (8.3.1) prints every form, so a new form changes that section.
#: Each is listed with the fields it prints of an entry (fragments/attachment-list.md.j2: number,
#: name, section): a change to anything else of an entry (a form's note) leaves the list as it was.
_GENERATED: dict[str, tuple[str, frozenset[str]]] = {
    "attachment-list": ("forms", frozenset({"title", "section"}))
}


@dataclasses.dataclass(frozen=True)
class _CollectionOwner:
    """A section whose generated content prints every entry of ``collection`` (``printed`` of it)."""

    label: str
    collection: str
    printed: frozenset[str]

    def owns(self, collection: str, entry_id: str, entry: Mapping[str, Any] | None) -> bool:
        return collection == self.collection


def _shows(owner: Any, change: EntryChange) -> bool:
    """Whether ``owner``'s section prints what ``change`` changed: a list of every form shows a
    form added, removed or renamed, not one whose note was reworded."""
    if not isinstance(owner, _CollectionOwner) or change.status != "changed":
        return True
    return any(field.field in owner.printed for field in change.fields)


def _generated_owners(raw: list[Section]) -> list[_CollectionOwner]:
    """Owners for the directives of :data:`_GENERATED` the release check does not count."""
    return [
        _CollectionOwner(section.label, *_GENERATED[name])
        for section in raw
        if section.label is not None
        for name, _arg in section.directives()
        if name in _GENERATED and name not in DIRECTIVE_OWNERSHIP
    ]


def _data_paragraph(change: EntryChange) -> ParagraphDiff:
    head = Segment("equal", f"数据变更：{change.name}（{change.id}）：")
    if change.status == "added":
        return ParagraphDiff("changed", (head, Segment("insert", change.new_value)))
    if change.status == "removed":
        return ParagraphDiff("changed", (head, Segment("delete", change.old_value)))
    if change.inline:  # a long value: the changed words, as in the summary table
        return ParagraphDiff("changed", (head, *change.inline))
    return ParagraphDiff(
        "changed", (head, Segment("delete", change.old_value), Segment("insert", change.new_value))
    )


def expand_roles(text: str, data: ManualData | None) -> str:
    """Replace data roles by the words that version printed (unknown ids stay as written)."""
    if data is None:
        return text

    def render(match: re.Match[str]) -> str:
        name, target = match.group("name"), match.group("target").strip()
        title, _, explicit = target.rpartition("<")
        if explicit and title.strip() and name in ("form", "reg"):
            return title.strip()  # {form}`登记表 <F-04-01>` prints its own words, as the role does
        target = explicit.rstrip(">").strip() if "<" in target else target
        try:
            if name == "sla":
                return render_sla(data.sla(target))
            if name == "form":
                form = data.form(target)
                return f"{form.id} {form.title}"
            if name == "reg":
                ref = data.reference(target)
                return f"《{ref.title}》" + (f"（{ref.number}）" if ref.number else "")
            if name == "target":
                figure = data.target(target)
                value = f"{figure.value:g}"
                return f"{value}%" if figure.unit == "percent" else value
            window = data.window(target)
            days = "工作日" if window.days == "working_days" else "每日"
            return f"{days}{window.opens}—{window.closes}"
        except KeyError:
            return match.group(0)

    return _ROLE_RE.sub(render, text)


def _diff_sections(old: _Version, new: _Version, granularity: Granularity) -> list[SectionDiff]:
    """Every section of both versions compared, in the new version's reading order, each removed
    section and each moved section's departure right after the section it followed in the old
    version.

    Why that order: the DOCX must read as the new manual once every change is accepted and as
    the old one once every change is rejected, so a removed section stays where it was, and a
    moved one is deleted where it was and inserted where it is.
    """
    old_by_key = {s.key: s for s in old.reader}
    new_by_key = {s.key: s for s in new.reader}
    moved = _moved_keys(old.reader, new.reader)
    result: list[SectionDiff] = []
    for key, old_place in _merged_places(list(old_by_key), list(new_by_key), moved):
        after = None if old_place else new_by_key[key]
        before = old_by_key.get(key)
        if after is None:
            assert before is not None
            status: SectionStatus = "moved" if key in moved else "removed"
            removed = _section(before, status, diff_text(before.body, "", granularity))
            number = old.numbers.get(key)
            level = old.levels.get(key)
            removed = dataclasses.replace(removed, number=number, old_number=number, level=level)
            if key in moved:
                removed = dataclasses.replace(
                    removed, move=_move(key, before, new_by_key[key], old, new), departure=True
                )
            result.append(removed)
            continue
        if before is None:
            added = _section(after, "added", diff_text("", after.body, granularity))
            result.append(dataclasses.replace(added, number=new.numbers.get(key), level=new.levels.get(key)))
            continue
        paragraphs = diff_text(before.body, after.body, granularity)
        changed = is_changed(paragraphs) or before.title != after.title
        status = "moved" if key in moved else "changed" if changed else "unchanged"
        diff = _section(after, status, paragraphs, before.title)
        number, old_number = new.numbers.get(key), old.numbers.get(key)
        result.append(
            dataclasses.replace(
                diff,
                level=new.levels.get(key),
                number=number,
                old_number=old_number,
                move=_move(key, before, after, old, new) if key in moved else None,
            )
        )
    return result


def _move(key: str, before: Section, after: Section, old: _Version, new: _Version) -> Move:
    return Move(
        old_number=old.numbers.get(key),
        old_path=before.path,
        old_title=before.title,
        new_number=new.numbers.get(key),
        new_path=after.path,
        new_title=after.title,
    )


def _moved_keys(old: list[Section], new: list[Section]) -> set[str]:
    """Keys of the sections both versions have whose place changed.

    A section moved when it went to another chapter, or when it no longer stands in the same
    order among the sections both versions have: the sections that keep their order are the
    longest such run, everything else of the two versions moved.  Renumbering alone (a section
    inserted or removed before it) is no move: the order of the others is the same.  A chapter
    file renamed (its old name gone, the new one new) keeps its sections in their chapter.
    """
    old_paths = {s.path for s in old}
    new_paths = {s.path for s in new}
    new_path = {s.key: s.path for s in new}
    rank = {s.key: index for index, s in enumerate(new)}
    moved: set[str] = set()
    in_order: list[str] = []
    for section in old:
        if section.key not in rank:
            continue
        path = new_path[section.key]
        renamed = section.path not in new_paths and path not in old_paths
        if path != section.path and not renamed:
            moved.add(section.key)
        else:
            in_order.append(section.key)
    return moved | (set(in_order) - longest_kept_order(in_order, rank))


def _merged_places(old: list[str], new: list[str], moved: set[str]) -> list[tuple[str, bool]]:
    """``(key, old place)`` in the redline's order: the new keys in order, then after each the
    keys of the old places (removed sections, moved sections' departures) that followed it in
    the old version, up to the next old key still in place (before everything if none is)."""
    stays = set(new) - moved
    after: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for key in old:
        if key in stays:
            anchor = key
        else:
            after.setdefault(anchor, []).append(key)
    merged = [(key, True) for key in after.get(None, [])]
    for key in new:
        merged.append((key, False))
        merged.extend((left, True) for left in after.get(key, []))
    return merged


def _section(
    section: Section, status: SectionStatus, paragraphs: list[ParagraphDiff], old_title: str | None = None
) -> SectionDiff:
    return SectionDiff(
        section.key, section.label, section.title, section.path, status, tuple(paragraphs), old_title
    )
