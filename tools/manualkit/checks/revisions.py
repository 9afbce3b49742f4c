"""MK7xx — document control: the revision history is ordered, dated, complete and matches git.

A controlled manual may only change through a recorded, approved revision.
These rules prove the record is consistent (versions increase, approval
precedes effect, the newest revision is the manual's version, every changed
label exists) and complete: every chapter or data file that differs from the
previous release tag is accounted for by a change entry of the new revision.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.source import unreadable_chapters
from manualkit.diagnostics import Diagnostic, Location
from manualkit.models import SectionChange
from manualkit.redline.sections import Section, split_sections
from manualkit.revisions import (
    altered_released_records,
    newest_revision,
    release_tag,
    released_sections,
    unreleased_changes,
    version_key,
)


@rule(
    "MK701",
    "error",
    "revision versions must strictly increase",
    """
    data/revisions.yaml lists revisions oldest first.  Each version must be greater than the one
    before it, compared as numbers part by part (1.10 follows 1.9; 1.1 after 1.1 is a duplicate).
    Fix: reorder the entries or correct the version number.
    """,
)
def versions_increase(ctx: CheckContext) -> Iterable[Diagnostic]:
    revisions = ctx.data.revisions
    for index in range(1, len(revisions)):
        before, current = revisions[index - 1], revisions[index]
        if version_key(current.version) <= version_key(before.version):
            yield Diagnostic(
                "MK701",
                "error",
                f"version {current.version} does not follow {before.version}: versions must strictly "
                "increase (compared as numbers: 1.10 > 1.9)",
                ctx.where("revisions", None, index, "version"),
            )


@rule(
    "MK702",
    "error",
    "a revision must be approved on or before its effective date",
    """
    A revision cannot take effect before it was approved.  ``approved_on`` must be on or
    before ``effective``.  Fix the dates in data/revisions.yaml.
    """,
)
def approved_before_effective(ctx: CheckContext) -> Iterable[Diagnostic]:
    for index, revision in enumerate(ctx.data.revisions):
        if revision.approved_on > revision.effective:
            yield Diagnostic(
                "MK702",
                "error",
                f"revision {revision.version} is approved on {revision.approved_on} but effective "
                f"{revision.effective}: approval must not be later than the effective date",
                ctx.where("revisions", None, index, "approved_on"),
            )


@rule(
    "MK708",
    "error",
    "revision dates must not go back in time",
    """
    Each revision is approved and takes effect after the one before it: a revision 1.6 approved
    on 2026-01-20 cannot follow a revision 1.5 effective on 2027-06-01.  ``approved_on`` and
    ``effective`` must each be on or after the previous revision's (in version order).
    Fix the dates (or the version number) in data/revisions.yaml.
    """,
)
def dates_follow_versions(ctx: CheckContext) -> Iterable[Diagnostic]:
    ordered = sorted(enumerate(ctx.data.revisions), key=lambda item: version_key(item[1].version))
    for (_, before), (index, current) in itertools.pairwise(ordered):
        for key, word in (("approved_on", "approved"), ("effective", "effective")):
            then, now = getattr(before, key), getattr(current, key)
            if now < then:
                yield Diagnostic(
                    "MK708",
                    "error",
                    f"revision {current.version} is {word} on {now}, before revision {before.version} "
                    f"({word} on {then}): a later version cannot be {word} earlier",
                    ctx.where("revisions", None, index, key),
                )


@rule(
    "MK709",
    "error",
    "sign-off dates must follow drafting, review and approval",
    """
    A revision is drafted, then reviewed, then approved: ``drafted.date`` must be on or before
    ``reviewed.date``, and both on or before ``approved_on`` (the cover prints these dates in its
    approval block).  The approval's day is ``approved_on``; a ``date`` given on ``approved`` as
    well must be that day.  Either date may be left out (the cover leaves it blank to be filled
    in by hand).  Fix the dates in data/revisions.yaml.
    """,
)
def signoffs_in_order(ctx: CheckContext) -> Iterable[Diagnostic]:
    for index, revision in enumerate(ctx.data.revisions):
        drafted, reviewed = revision.drafted.date, revision.reviewed.date
        approved = revision.approved.date
        if approved is not None and approved != revision.approved_on:
            yield Diagnostic(
                "MK709",
                "error",
                f"revision {revision.version}: approved.date {approved} differs from approved_on "
                f"{revision.approved_on}; give the approval's day once, as approved_on",
                ctx.where("revisions", None, index, "approved", "date"),
            )
        if drafted is not None and reviewed is not None and drafted > reviewed:
            yield Diagnostic(
                "MK709",
                "error",
                f"revision {revision.version} is drafted on {drafted}, after its review on {reviewed}: "
                "a revision is drafted, then reviewed",
                ctx.where("revisions", None, index, "drafted", "date"),
            )
        for key, day, word in (("drafted", drafted, "drafted"), ("reviewed", reviewed, "reviewed")):
            if day is not None and day > revision.approved_on:
                yield Diagnostic(
                    "MK709",
                    "error",
                    f"revision {revision.version} is {word} on {day}, after its approval on "
                    f"{revision.approved_on}: sign-offs come before the approval",
                    ctx.where("revisions", None, index, key, "date"),
                )


@rule(
    "MK703",
    "error",
    "the newest revision must be the manual's version",
    """
    data/manual.yaml ``version`` is what every page prints; the newest entry of
    data/revisions.yaml is what was approved.  They must be the same version (and the manual's
    ``effective`` date should be that revision's effective date).
    """,
)
def newest_is_manual_version(ctx: CheckContext) -> Iterable[Diagnostic]:
    newest = newest_revision(ctx.data)
    meta = ctx.data.meta
    if newest is None:
        yield Diagnostic(
            "MK703",
            "error",
            f"data/revisions.yaml records no revision, but manual.yaml is version {meta.version}",
            ctx.where("meta", None, "version"),
        )
        return
    if newest.version != meta.version:
        yield Diagnostic(
            "MK703",
            "error",
            f"manual.yaml version is {meta.version} but the newest revision is {newest.version}: "
            "record the release in data/revisions.yaml or correct manual.yaml",
            ctx.where("meta", None, "version"),
        )
    elif newest.effective != meta.effective:
        yield Diagnostic(
            "MK703",
            "warning",
            f"manual.yaml effective date {meta.effective} differs from revision {newest.version}'s "
            f"effective date {newest.effective}",
            ctx.where("meta", None, "effective"),
        )


@rule(
    "MK704",
    "error",
    "every changed section label must exist in manual/",
    """
    Each ``changes`` entry names a section by its stable label (the ``(label)=`` line before
    the heading).  A label that no chapter defines cannot carry the "本节于 vX.Y 修订" marker and
    is usually a typo or a section that was renamed.
    A section (or chapter) removed since the previous release is recorded under the label it had
    there: that label is accepted (an info finding says so) when the previous release tag defines
    it; no section carries its marker.  Give the entry the title the section had
    (``title: 适用范围``): the revision history names it "适用范围（本节已删除）" — without one it
    can only print the label, and a warning says so; a title that differs from the release's
    heading is a warning too.  ``title`` is only for a removed section: on a section that exists
    it is a warning (the history shows the section's current title).
    """,
)
def change_labels_exist(ctx: CheckContext) -> Iterable[Diagnostic]:
    # The labels of manualkit.revisions.label_locations, from the chapters the checker already
    # read (read_chapter: a BOM is fine, an unreadable chapter is MK003, never a traceback).
    known = {s.label for doc in ctx.documents for s in split_sections(doc.text, doc.path) if s.label}
    known.update(label for doc in ctx.documents for label in doc.labels)
    # A released revision's sections existed when it was released (this rule held then); a section
    # removed since stays in its history, which must not be rewritten (MK707).
    released = ctx.released_versions
    unopened: list[str] | None = None
    for index, revision in enumerate(ctx.data.revisions):
        if revision.version in released:
            continue
        before: tuple[str, dict[str, Section]] | None = None
        for number, change in enumerate(revision.changes):
            if change.section in known and change.title is not None:
                yield Diagnostic(
                    "MK704",
                    "warning",
                    f"revision {revision.version} gives section '{change.section}' the title "
                    f"'{change.title}', but the section exists: 'title' is only for a removed section "
                    "(the revision history shows the section's current title); remove it",
                    ctx.where("revisions", None, index, "changes", number, "title"),
                )
            if change.section not in known:
                if before is None:  # git is asked only when a label is unknown
                    before = released_sections(ctx.root, ctx.data, revision.version) or ("", {})
                tag, old_sections = before
                if unopened is None:  # chapters that could not be opened: their labels are unknown
                    parsed = {doc.path for doc in ctx.documents}
                    unopened = [p for p, _ in unreadable_chapters(ctx.root, ctx.documents) if p not in parsed]
                removed = old_sections.get(change.section)
                if removed is not None and removed.path not in unopened:
                    yield from _removed_section(ctx, revision.version, index, number, change, removed, tag)
                    continue
                hint = _closest(change.section, known | set(old_sections))
                yield Diagnostic(
                    "MK704",
                    "error",
                    f"revision {revision.version} changes section '{change.section}', which no chapter in "
                    f"manual/ defines with a '({change.section})=' line"
                    + (f" (nor did {tag})" if tag else "")
                    + (f"; did you mean '{hint}'?" if hint else "")
                    + (f" ({', '.join(unopened)} could not be read, see MK003)" if unopened else ""),
                    ctx.where("revisions", None, index, "changes", number, "section"),
                )


def _removed_section(
    ctx: CheckContext,
    version: str,
    index: int,
    number: int,
    change: SectionChange,
    removed: Section,
    tag: str,
) -> Iterator[Diagnostic]:
    """MK704's findings on a change entry for a section the previous release had and no chapter has."""
    where = ctx.where("revisions", None, index, "changes", number, "section")
    title = removed.title.strip()
    if change.title is None:
        yield Diagnostic(
            "MK704",
            "warning",
            f"revision {version} records section '{change.section}' ({title}), which {removed.path} "
            f"defined at {tag} and no chapter defines now, without its title: the revision history "
            f"can only name it '{change.section}（本节已删除）'; add `title: {title}` to the entry",
            where,
        )
        return
    if change.title.strip() != title:
        yield Diagnostic(
            "MK704",
            "warning",
            f"revision {version} gives removed section '{change.section}' the title '{change.title}', "
            f"but its heading at {tag} ({removed.path}) was '{title}'",
            ctx.where("revisions", None, index, "changes", number, "title"),
        )
        return
    yield Diagnostic(
        "MK704",
        "info",
        f"revision {version} records section '{change.section}' ({title}), which {removed.path} "
        f"defined at {tag} and no chapter defines now: recorded as removed — no section carries its "
        f"marker, the revision history names it '{title}（本节已删除）'",
        where,
    )


@rule(
    "MK707",
    "error",
    "a released revision's record must not change",
    """
    A revision that was released (its tag ``v<version>`` exists) is history: readers got that
    version, approved as recorded.  Its entry in data/revisions.yaml must stay as it was at the
    tag — changes made since belong to a new revision, recorded with a new version number.
    Fix: restore the released entry (``git show v<version>:data/revisions.yaml``) and record the
    new changes in a new revision entry.
    """,
)
def released_records_unchanged(ctx: CheckContext) -> Iterable[Diagnostic]:
    released = ctx.released_versions
    if not released:
        return
    newest = newest_revision(ctx.data)
    for item in altered_released_records(ctx.root, ctx.data, released):
        version = item.revision.version
        what = ", ".join(item.keys) or "the entry"
        later = (
            "a new revision" if newest is None or newest.version == version else f"revision {newest.version}"
        )
        yield Diagnostic(
            "MK707",
            "error",
            f"revision {version} was released ({release_tag(version)}), but its record differs from the "
            f"released one ({what}): a released revision is history; restore it and record the new "
            f"changes in {later}",
            ctx.where("revisions", None, item.index, *(item.keys[:1] if len(item.keys) == 1 else ())),
        )


@rule(
    "MK705",
    "error",
    "a change since the previous release is not recorded in the new revision",
    """
    Against git: every chapter or data file that differs from the previous release tag
    (``v<previous version>``) must be covered by a change entry of the newest revision.  Each
    section whose own text (label line, heading, body) changed, or that was added, relabelled,
    moved (to another chapter, or among its chapter's sections) or removed, needs an entry for it
    or for a section enclosing it; a removed section or chapter is recorded under the label it had
    (MK704 accepts it).  The blank lines between sections belong to none of them.  Front matter
    is covered by any entry for a section of its chapter.  A changed data entry needs a change to
    the section that owns it (its ``section`` field, or the section whose directive renders it),
    or an explicit ``covers: [<entry id or file name>]`` on a change entry.
    """,
)
def changes_recorded(ctx: CheckContext) -> Iterable[Diagnostic]:
    try:
        result = ctx.coverage
    except (UnicodeDecodeError, OSError) as exc:
        # manualkit.revisions reads the chapters itself (as strict UTF-8); the checker reports an
        # unreadable chapter as MK003 at its first bad byte, so here it only says what it skipped.
        unreadable = (
            ", ".join(p for p, _ in unreadable_chapters(ctx.root, ctx.documents)) or f"a file ({exc})"
        )
        yield Diagnostic(
            "MK705",
            "warning",
            f"cannot verify the changes since the previous release: {unreadable} could not be read "
            "(see MK003)",
            ctx.where("revisions"),
        )
        return
    if result.base is not None and result.skipped:
        # The previous release should be tagged; without the tag nothing can be verified.
        yield Diagnostic(
            "MK705",
            "warning",
            f"cannot verify the changes since the previous release: {result.skipped} "
            "(shallow clone? run `git fetch --tags`)",
            ctx.where("revisions"),
        )
    for item in result.uncovered:
        yield Diagnostic("MK705", "error", item.message, Location(item.path, item.line))


@rule(
    "MK710",
    "warning",
    "the new revision records a change to a section that did not change",
    """
    Against git, as MK705: a change entry of the newest revision names a section in which
    nothing differs from the previous release tag — not its text, not a subsection's, not a data
    entry it owns or renders.
    Why: the entry puts a revision marker ("本节于 vX 修订") on that section and lists it in the
    revision record, telling readers it changed while the changed places go unmarked; a data change
    is recorded under the section that owns it.
    Fix: record the change under the section that changed (MK705 names it), or remove the entry.
    A change the diff cannot show (a template edited under templates/) is recorded with
    `covers: [<file name>]`, which this rule leaves alone.
    """,
)
def idle_changes(ctx: CheckContext) -> Iterable[Diagnostic]:
    try:
        result = ctx.coverage
    except (UnicodeDecodeError, OSError):
        return  # MK705 says what could not be read
    newest = newest_revision(ctx.data)
    if newest is None or not result.idle:
        return
    index = ctx.data.revisions.index(newest)
    for idle in result.idle:
        yield Diagnostic(
            "MK710",
            "warning",
            f"revision {newest.version} records a change to section '{idle.section}', which has not changed "
            f"since {result.base}: its revision marker would tell readers it did; record the change under "
            "the section that changed, or remove the entry",
            ctx.where("revisions", None, index, "changes", idle.index, "section"),
        )


@rule(
    "MK706",
    "warning",
    "the manual changed after its newest revision was released",
    """
    The newest revision is already tagged (released), yet chapters or data differ from that tag.
    Those edits belong to the next version: add a revision entry (and bump manual.yaml) before
    releasing them.
    """,
)
def unreleased(ctx: CheckContext) -> Iterable[Diagnostic]:
    tag, changes = unreleased_changes(ctx.root, ctx.data)
    newest = newest_revision(ctx.data)
    for item in changes:
        yield Diagnostic(
            "MK706",
            "warning",
            f"changed since release {tag}; record it in a new revision after "
            f"{newest.version if newest else tag}",
            Location(item.path, item.line),
        )


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, list(candidates), n=1)
    return matches[0] if matches else None
