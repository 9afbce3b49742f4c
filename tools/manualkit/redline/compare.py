"""Compare two tagged releases section by section (text) and entry by entry (data).

Both versions are read from git (``git show v1.0:manual/…``) into scratch
directories, so the working tree is never touched and uncommitted edits never
leak into a redline.  Roles that render data (``{sla}`id` `` …) are expanded with
*that version's* data, so a changed SLA shows up in the text as
"<del>7个工作日</del><ins>5个工作日</ins>" wherever it is cited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from manualkit.durations import render_sla
from manualkit.gitrepo import Repo
from manualkit.loader import load_data
from manualkit.models import ManualData, Revision
from manualkit.redline.datadiff import DataChanges, EntryChange, compare
from manualkit.redline.readable import readable
from manualkit.redline.sections import Section, split_sections
from manualkit.redline.textdiff import Granularity, ParagraphDiff, Segment, diff_text, is_changed
from manualkit.revisions import (
    DATA_DIR,
    MANUAL_DIR,
    chapter_text,
    release_tag,
    revision_for,
    section_owners,
    version_key,
)

SectionStatus = Literal["unchanged", "changed", "added", "removed"]
_ROLE_RE = re.compile(r"\{(?P<name>sla|form|reg|target|window)\}`(?P<target>[^`]+)`")


@dataclasses.dataclass(frozen=True)
class SectionDiff:
    """One section compared; ``old_title`` differs from ``title`` when the heading was reworded."""

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

    @property
    def data_paragraphs(self) -> tuple[ParagraphDiff, ...]:
        """One paragraph per changed entry: "数据变更：<name>：" then old → new as an edit."""
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
    sections: tuple[SectionDiff, ...]
    data: DataChanges
    #: Every revision after ``old_version`` up to ``new_version``, oldest first (a redline may span
    #: several releases: 1.0 → 1.2 shows the approvals and change notes of 1.1 and 1.2).
    revisions: tuple[Revision, ...] = ()
    #: Section label → the labels of the sections it is nested in, nearest first (new version).
    ancestry: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)

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

    @property
    def changed_sections(self) -> tuple[SectionDiff, ...]:
        return tuple(s for s in self.sections if s.status != "unchanged")


def snapshot(repo: Repo, tag: str, dest: Path) -> Path:
    """Write manual/ and data/ as of ``tag`` under ``dest`` (``git show tag:path`` per file)."""
    for top in (MANUAL_DIR, DATA_DIR):
        for rel in repo.list_files(tag, top):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(repo.show(tag, rel), encoding="utf-8")
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
        old_sections, old_raw = _sections(old_dir, old_data)
        new_sections, new_raw = _sections(new_dir, new_data)
    data_changes = compare(old_data, new_data)
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
        sections=tuple(
            _with_data_changes(
                _diff_sections(old_sections, new_sections, granularity), data_changes, [*new_raw, *old_raw]
            )
        ),
        data=data_changes,
        revisions=_spanned(new_data, old_version, new_version),
        ancestry=_ancestry(new_raw),
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


def _sections(project: Path, data: ManualData | None) -> tuple[list[Section], list[Section]]:
    """Sections of one version: bodies as the reader's text (see :mod:`.readable`), and as written
    (their directives say which data entries each section shows)."""
    manual = project / MANUAL_DIR
    found: list[Section] = []
    for path in sorted(manual.rglob("*.md")) if manual.is_dir() else []:
        rel = path.relative_to(project).as_posix()
        text = expand_roles(chapter_text(path), data)
        found.extend(split_sections(text, rel))
    titles = {s.label: readable(s.title, {}) for s in found if s.label}
    reader = [
        dataclasses.replace(s, text=readable(s.body, titles), title=titles.get(s.label or "", s.title))
        for s in found
    ]
    return reader, found


#: The data collection of an :class:`EntryChange` kind.
_COLLECTION = {"sla": "slas", "form": "forms"}


def _with_data_changes(
    sections: list[SectionDiff], data: DataChanges, raw: list[Section]
) -> list[SectionDiff]:
    """Give each section the changed entries it shows or owns; a section whose text reads the same
    but whose SLA table or form changed is "changed", not "unchanged" (the summary counted it so)."""
    owners = section_owners(raw)
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
            labels |= {o.label for o in owners if o.owns(collection, change.id, entry)}
        for label in sorted(labels):
            by_label.setdefault(label, []).append(change)
    result: list[SectionDiff] = []
    for section in sections:
        owned = tuple(by_label.get(section.label or "", ()))
        if owned and section.status in ("unchanged", "changed"):
            section = dataclasses.replace(section, status="changed", data_changes=owned)
        result.append(section)
    return result


def _data_paragraph(change: EntryChange) -> ParagraphDiff:
    head = Segment("equal", f"数据变更：{change.name}（{change.id}）：")
    if change.status == "added":
        return ParagraphDiff("changed", (head, Segment("insert", change.new_value)))
    if change.status == "removed":
        return ParagraphDiff("changed", (head, Segment("delete", change.old_value)))
    return ParagraphDiff(
        "changed", (head, Segment("delete", change.old_value), Segment("insert", change.new_value))
    )


def expand_roles(text: str, data: ManualData | None) -> str:
    """Replace data roles by the words that version printed (unknown ids stay as written)."""
    if data is None:
        return text

    def render(match: re.Match[str]) -> str:
        name, target = match.group("name"), match.group("target").strip()
        target = target.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in target else target
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


def _diff_sections(old: list[Section], new: list[Section], granularity: Granularity) -> list[SectionDiff]:
    old_by_key = {s.key: s for s in old}
    new_keys = {s.key for s in new}
    result: list[SectionDiff] = []
    paths = list(dict.fromkeys([*(s.path for s in new), *(s.path for s in old)]))
    for path in paths:
        for section in (s for s in new if s.path == path):
            before = old_by_key.get(section.key)
            if before is None:
                paragraphs = diff_text("", section.body, granularity)
                result.append(_section(section, "added", paragraphs))
                continue
            paragraphs = diff_text(before.body, section.body, granularity)
            changed = is_changed(paragraphs) or before.title != section.title
            result.append(_section(section, "changed" if changed else "unchanged", paragraphs, before.title))
        for section in (s for s in old if s.path == path and s.key not in new_keys):
            result.append(_section(section, "removed", diff_text(section.body, "", granularity)))
    return result


def _section(
    section: Section, status: SectionStatus, paragraphs: list[ParagraphDiff], old_title: str | None = None
) -> SectionDiff:
    return SectionDiff(
        section.key, section.label, section.title, section.path, status, tuple(paragraphs), old_title
    )
