"""``manualkit release X.Y``: check, stamp, build, checksum, tag and publish one controlled version.

A release is the only way a version reaches readers, so it refuses anything it
cannot vouch for: a dirty working tree (the tag must describe exactly what was
built), a version that data/revisions.yaml does not record as the newest
approved revision, or any checker error.  Everything is built into a scratch
directory under build/ and moved into build/site/ with renames at the end, so
a failed release never leaves a half-published site; older versions stay
published and learn of their successors from build/site/versions.json.

A version is usually published before it takes effect (批准待施行): the one in force is the
newest whose effective date has come.  The site is static, so which version a reader is shown
as in force is decided in the reader's browser from each version's ``effective`` date
(manualkit-versions.js and the root index.html); the flags written here are the same decision
as of the release date, the fallback for browsers without JavaScript and for pages published
before the date logic existed.

Site layout::

    build/site/versions.json           every published version, newest first, with effective dates
    build/site/version-status.css      what each version's pages say without JavaScript (site_status)
    build/site/index.html              redirect to the version in force (chosen by date)
    build/site/latest -> 1.0           symlink to the version in force on the release date
    build/site/1.1/                    HTML site, <doc>-v1.1.pdf, <doc>-v1.1.docx, SHA256SUMS
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, cast

import jinja2

from manualkit.buildrunner import UNPUBLISHED
from manualkit.diagnostics import EXIT_FAILED, EXIT_INVALID, Diagnostic, SourceError
from manualkit.gitrepo import GitError, Repo
from manualkit.loader import load_or_raise
from manualkit.models import ManualData, Revision
from manualkit.revisions import (
    DATA_DIR,
    MANUAL_DIR,
    coverage,
    newest_revision,
    release_tag,
    revision_for,
    revision_stub,
    version_key,
    version_problem,
)
from manualkit.site_status import LATEST, VERSION_STATUS_CSS, version_status_css

FORMATS: tuple[str, ...] = ("html", "pdf", "docx")
SITE_DIR = "site"
VERSIONS_JSON = "versions.json"
CHECKSUMS = "SHA256SUMS"


class ReleaseError(Exception):
    """The release was refused or failed; the message tells the writer what to do."""


class InvalidReleaseInput(ReleaseError):
    """Refused because of what the writer gave (version, revision record): README's exit status 2."""


@dataclasses.dataclass(frozen=True)
class BuildRequest:
    """One output to build for a release (what a build function receives)."""

    root: Path
    builder: str
    outdir: Path
    doctreedir: Path
    output_dir: Path
    overrides: dict[str, Any]
    strict: bool


@dataclasses.dataclass(frozen=True)
class ReleaseResult:
    version: str
    tag: str | None
    site: Path
    version_dir: Path
    files: tuple[str, ...]
    #: Whether this release made ``tag`` (False: it was already on the released commit).
    tag_created: bool = False


BuildFunction = Callable[[BuildRequest], None]
#: Runs the checker over a project and returns its findings (tests narrow it to MK7xx).
CheckFunction = Callable[[Path], Sequence[Diagnostic]]


def full_check(root: Path) -> Sequence[Diagnostic]:
    """Every checker rule (``manualkit check``): what a release must pass."""
    from manualkit.checks import run_checks

    return run_checks(root).diagnostics


def sphinx_build(request: BuildRequest) -> None:
    """Build one format in-process with :class:`sphinx.application.Sphinx`; raise on failure."""
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from manualkit.buildrunner import WarningRelay
    from manualkit.sphinx.search import quiet_jieba

    quiet_jieba()  # jieba (the Chinese search index) logs its dictionary loading at DEBUG
    warnings = io.StringIO()
    relay = WarningRelay(warnings, request.root)  # project-relative file:line in messages
    confdir = request.root
    try:
        with patch_docutils(confdir), docutils_namespace():
            app = Sphinx(
                srcdir=request.root / MANUAL_DIR,
                confdir=confdir,
                outdir=request.outdir,
                doctreedir=request.doctreedir,
                buildername=request.builder,
                confoverrides=request.overrides,
                status=None,
                warning=cast(IO[str], relay),
                freshenv=True,
                warningiserror=request.strict,
            )
            app.build(force_all=True)
            status = app.statuscode
        relay.flush()
    except (SphinxError, OSError) as exc:
        relay.flush()
        raise ReleaseError(f"{request.builder} build failed: {exc}\n{warnings.getvalue()}".rstrip()) from exc
    except Exception as exc:  # an extension's bug must still abort the release cleanly
        relay.flush()
        raise ReleaseError(
            f"{request.builder} build crashed: {_describe(exc, request.root)}\n{warnings.getvalue()}".rstrip()
        ) from exc
    if status:
        raise ReleaseError(f"{request.builder} build failed:\n{warnings.getvalue()}".rstrip())


def _describe(exc: BaseException, root: Path) -> str:
    """One line for an unexpected build failure; a template error names ``file:line`` (project-relative)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, jinja2.TemplateSyntaxError):
            where = current.filename or current.name or "<template>"
            with contextlib.suppress(ValueError):
                where = Path(where).resolve().relative_to(root.resolve()).as_posix()
            return f"{where}:{current.lineno}: template error: {current.message}"
        current = getattr(current, "orig_exc", None) or current.__cause__ or current.__context__
    return f"{type(exc).__name__}: {exc}"


def _quiet_pikepdf() -> None:
    """pikepdf logs "C++ to Python logger bridge initialized" at INFO when it is first imported.

    It reached stderr on every release: the HTML theme's a11y_pygments calls
    ``logging.basicConfig(level=INFO)`` on import, and the PDF builder imports pikepdf after it.
    Only that logger is quieted: its warnings and errors still show.
    """
    import logging

    logging.getLogger("pikepdf._core").setLevel(logging.WARNING)


def release(
    root: Path,
    version: str,
    *,
    formats: Sequence[str] = FORMATS,
    strict: bool = True,
    create_tag: bool = True,
    republish: bool = False,
    site: Path | None = None,
    check: CheckFunction | None = full_check,
    build: BuildFunction = sphinx_build,
) -> ReleaseResult:
    """Release ``version`` of the manual at ``root`` (see the module docstring for each step).

    ``republish``: rebuild an already released version from its own tagged commit (CI uses it to
    put older versions back into a fresh site); the tag must point at HEAD, the checks are not
    re-run (they passed when the tag was made) and no tag is created.  ``site`` defaults to
    ``<root>/build/site``.
    """
    problem = version_problem(version)
    if problem:
        raise InvalidReleaseInput(problem)
    _quiet_pikepdf()
    root = root.resolve()
    repo = Repo(root)
    tag = release_tag(version)
    make_tag = _refuse_unclean(repo, tag, create_tag=create_tag and not republish, must_exist=republish)
    data = load_manual_data(root)
    revision = _revision(data, version)
    released, dated_by = _release_date(repo)
    _refuse_future(released, dated_by)
    if not republish:  # a tagged version passed this when it was tagged
        _refuse_unapproved(revision, released, dated_by)
    if check is not None and not republish:
        _refuse_failing_checks(root, check)
        _refuse_unverifiable(root, data)
    site = (site or root / "build" / SITE_DIR).resolve()
    refuse_unpublishable(site, version)
    site.parent.mkdir(parents=True, exist_ok=True)
    # Scratch space beside the site (same file system), so publishing is a rename.
    scratch = Path(tempfile.mkdtemp(prefix=f".release-{version}-", dir=site.parent))
    try:
        stage = scratch / "stage" / version
        with _commit_epoch(repo):
            files = _build_all(root, data, revision, scratch, stage, formats, strict, build)
        if make_tag:
            repo.tag_annotated(tag, _tag_message(data, revision))
        try:
            _publish(site, stage, data, revision, files, released)
        except BaseException as exc:
            if make_tag:
                with contextlib.suppress(GitError):
                    repo.delete_tag(tag)
            if isinstance(exc, OSError):  # a full disk, a permission: a message, not a traceback
                notes = "; ".join(getattr(exc, "__notes__", ())) or "the published site was left as it was"
                raise ReleaseError(f"publishing to {site} failed: {exc}; {notes}") from exc
            raise
    except GitError as exc:
        raise ReleaseError(str(exc)) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    tagged = tag if (make_tag or repo.has_tag(tag)) else None
    return ReleaseResult(version, tagged, site, site / version, files, tag_created=make_tag)


@contextlib.contextmanager
def _commit_epoch(repo: Repo) -> Iterator[None]:
    """``SOURCE_DATE_EPOCH`` = the released commit's time, unless the caller set one.

    ``make release`` exports exactly that, CI's re-publication sets it from the tagged commit;
    a plain ``manualkit release`` left it unset, and the DOCX then took another timestamp: the
    same release made two ways had two different SHA256SUMS.
    """
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(repo.commit_time())
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _release_date(repo: Repo) -> tuple[dt.date, str]:
    """The day this release is dated (UTC), and what dates it, for messages.

    The day the builds are stamped with: ``SOURCE_DATE_EPOCH`` when the caller set it (``make
    release`` and CI set it to the released commit's time), else the released commit's time —
    never the wall clock, so that the same commit released twice publishes the same site.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date(), "SOURCE_DATE_EPOCH"
    return dt.datetime.fromtimestamp(repo.commit_time(), dt.UTC).date(), "the released commit's date"


# --------------------------------------------------------------------------- refusals


def _refuse_future(released: dt.date, dated_by: str) -> None:
    """Refuse a release dated after today: its date goes on the site (``released``, ``as_of``,
    which never moves back), and a future date would also let it pass the approval dates."""
    today = dt.datetime.now(dt.UTC).date()
    if released > today:
        raise InvalidReleaseInput(
            f"the release would be dated {released.isoformat()} ({dated_by}), after today "
            f"({today.isoformat()}): a version cannot be published on a day that has not come; "
            "unset SOURCE_DATE_EPOCH or set it to the released commit's time"
        )


def _refuse_unapproved(revision: Revision, released: dt.date, dated_by: str) -> None:
    """Refuse to publish a version before the sign-offs its record (and its cover) claim.

    The cover prints the drafting, review and approval dates: published on 2026-11-30 with
    "批准 2026年12月20日", the controlled copy would state an approval that had not happened.
    """
    signoffs = (
        ("drafted", revision.drafted.date),
        ("reviewed", revision.reviewed.date),
        ("approved", revision.approved.date),
        ("approved_on", revision.approved_on),
    )
    for field, day in signoffs:
        if day is not None and day > released:
            raise InvalidReleaseInput(
                f"revision {revision.version} in data/revisions.yaml says {field}: {day.isoformat()}, "
                f"later than the release date {released.isoformat()} ({dated_by}); a version cannot be "
                f"published before it is approved. Release it from a commit made on or after "
                f"{day.isoformat()}, or correct the date"
            )


def refuse_unpublishable(site: Path, version: str | None = None) -> None:
    """Refuse, before anything is built, tagged or moved, a site the release could not update.

    Publishing changes several entries of the site; finding one of them unusable half-way
    (after the new version was already renamed into place) left a half-updated site.
    """
    if site.exists() and not site.is_dir():
        raise ReleaseError(f"--site {site}: not a directory (the published site goes there)")
    link = site / LATEST
    if link.exists() and not link.is_symlink():
        raise ReleaseError(f"{link} exists and is not a symlink; remove it")
    for name in (VERSIONS_JSON, VERSION_STATUS_CSS, "index.html"):
        if (site / name).is_dir():
            raise ReleaseError(f"{site / name} is a directory; remove it")
    if version is not None and (site / version).exists() and not (site / version).is_dir():
        raise ReleaseError(f"{site / version} is not a directory; remove it")
    read_versions(site)  # invalid JSON is refused now, not after the build


def _refuse_unclean(repo: Repo, tag: str, *, create_tag: bool, must_exist: bool) -> bool:
    """Refuse a dirty tree or a tag elsewhere; return whether the tag still has to be created."""
    if not repo.is_repo():
        raise ReleaseError(f"{repo.root}: not a git repository; a release is tagged in git")
    dirty = repo.status_porcelain()
    if dirty:
        listing = "\n".join(f"  {line}" for line in dirty[:20])
        raise ReleaseError(
            f"the working tree has uncommitted changes; commit or discard them first:\n{listing}"
        )
    exists = repo.has_tag(tag)
    at_head = exists and repo.tag_commit(tag) == repo.head()
    if exists and not at_head:
        raise ReleaseError(
            f"tag {tag} already exists on another commit: version {tag[1:]} was released; "
            "record a new revision for these changes"
        )
    if must_exist and not at_head:
        raise ReleaseError(f"cannot republish {tag[1:]}: tag {tag} does not point at the checked-out commit")
    # A tag already on HEAD (CI building a pushed tag) is reused, not recreated.
    return create_tag and not exists


def load_manual_data(root: Path) -> ManualData:
    try:
        return load_or_raise(root / DATA_DIR, root=root)
    except SourceError as exc:
        raise InvalidReleaseInput(f"data/ is invalid; fix these first:\n{exc}") from exc


def _revision(data: ManualData, version: str) -> Revision:
    revision = revision_for(data, version)
    if revision is None:
        raise ReleaseError(
            f"data/revisions.yaml has no entry for version {version}. Add one (after the existing entries), "
            f'listing every changed section, and set `version: "{version}"` in data/manual.yaml:\n\n'
            + revision_stub(version)
        )
    newest = newest_revision(data)
    if newest is not None and newest.version != version:
        raise ReleaseError(
            f"version {version} is not the newest revision in data/revisions.yaml ({newest.version} is)"
        )
    if data.meta.version != version:
        raise ReleaseError(
            f'data/manual.yaml says version {data.meta.version}; set `version: "{version}"` '
            f"(and `effective: {revision.effective.isoformat()}`) and commit before releasing"
        )
    if data.meta.effective != revision.effective:
        # The cover and every page print manual.yaml's date: a release must not publish a date
        # the approved record contradicts (``check`` only warns, MK703, while drafting).
        raise ReleaseError(
            f"data/manual.yaml says effective {data.meta.effective.isoformat()}, but revision {version} "
            f"takes effect on {revision.effective.isoformat()}; set `effective: "
            f"{revision.effective.isoformat()}` in data/manual.yaml and commit before releasing"
        )
    return revision


def _refuse_unverifiable(root: Path, data: ManualData) -> None:
    """Refuse when the previous release tag is missing: nothing could prove the changes are recorded.

    ``manualkit check`` only warns (MK705) so a shallow clone can still be checked; a release
    must vouch for every change since the previous version.
    """
    result = coverage(root, data)
    if result.base is not None and result.skipped:
        raise ReleaseError(
            f"cannot verify the changes since the previous release: {result.skipped}. Fetch the tags "
            f"(`git fetch --tags`, or `git fetch --unshallow --tags` in a shallow clone) and try again; "
            f"if {result.base} was published with --no-tag, tag the commit it was released from first "
            f"(`git tag -a {result.base} <commit>`)"
        )


def _refuse_failing_checks(root: Path, check: CheckFunction) -> None:
    errors = [d for d in check(root) if d.severity == "error"]
    if errors:
        listing = "\n".join(d.format() for d in errors)
        raise ReleaseError(f"`manualkit check` reports {len(errors)} error(s); fix them first:\n{listing}")


# --------------------------------------------------------------------------- build and stage


def _build_all(
    root: Path,
    data: ManualData,
    revision: Revision,
    scratch: Path,
    stage: Path,
    formats: Sequence[str],
    strict: bool,
    build: BuildFunction,
) -> tuple[str, ...]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or "html" not in formats:
        raise ReleaseError(
            f"formats must include html and be among {', '.join(FORMATS)} (got {list(formats)})"
        )
    overrides: dict[str, Any] = {
        "version": revision.version,
        "release": revision.version,
        "today": revision.effective.isoformat(),
        "manualkit_output_dir": str(scratch / "out"),
        # Published pages link the site's version-status.css (manualkit.site_status).
        "manualkit_site_status": True,
    }
    for builder in formats:
        build(
            BuildRequest(
                root=root,
                builder=builder,
                outdir=scratch / "work" / builder,
                doctreedir=scratch / "doctrees" / builder,
                output_dir=scratch / "out",
                overrides=overrides,
                strict=strict,
            )
        )
    stage.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(scratch / "work" / "html", stage, ignore=shutil.ignore_patterns(*UNPUBLISHED))
    for builder in formats:
        if builder == "html":
            continue
        produced = sorted((scratch / "out" / builder).glob(f"*.{builder}"))
        if not produced:
            raise ReleaseError(f"the {builder} build finished but wrote no .{builder} file")
        for path in produced:
            shutil.copy2(path, stage / path.name)
    return write_checksums(stage)


def write_checksums(directory: Path) -> tuple[str, ...]:
    """Write ``SHA256SUMS`` (``sha256sum -c`` format) over every file; return the file list."""
    files = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
    files = [f for f in files if f != CHECKSUMS]
    lines = [f"{_sha256(directory / f)}  {f}\n" for f in files]
    (directory / CHECKSUMS).write_text("".join(lines), encoding="utf-8")
    return tuple(files)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tag_message(data: ManualData, revision: Revision) -> str:
    return (
        f"{data.meta.title} v{revision.version}\n\n{revision.summary}\n\n"
        f"批准：{revision.approved.name}（{revision.approved_on.isoformat()}）；"
        f"施行：{revision.effective.isoformat()}\n"
    )


# --------------------------------------------------------------------------- publish


def published_as_of(site: Path) -> dt.date | None:
    """The date the site's versions.json states its flags for (``as_of``), if it has one."""
    try:
        listing = json.loads((site / VERSIONS_JSON).read_text(encoding="utf-8"))
        return dt.date.fromisoformat(str(listing["as_of"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _publish(
    site: Path, stage: Path, data: ManualData, revision: Revision, files: tuple[str, ...], released: dt.date
) -> None:
    """Move the staged version into the site and update versions.json, latest and index.html.

    Everything is written to temporary names first; then each entry of the site is replaced by a
    rename, and a failure at any step renames back what was already replaced, so a failed
    publication leaves the site as it was (README: "a failed release leaves the previously
    published site exactly as it was").
    """
    site.mkdir(parents=True, exist_ok=True)
    entries = [e for e in read_versions(site) if e.get("version") != revision.version]
    entries.append(_entry(revision, files, released))
    # Republishing an older tag (CI re-runs every tag) must not move the site back in time: the
    # flags, latest/ and the root's fallback are as of the latest date the site was published.
    as_of = max(released, published_as_of(site) or released)
    with Publication(site) as publication:
        publication.replace_dir(stage, site / revision.version)
        publish_listing(publication, entries, as_of, data.meta.title)


def publish_listing(
    publication: Publication, entries: list[dict[str, Any]], as_of: dt.date, title: str
) -> str:
    """Write versions.json, version-status.css, ``latest`` and index.html as they stand on
    ``as_of``; returns the version in force then.  (Part of a publication: undone with it if a
    later step fails.)"""
    site = publication.site
    entries = version_entries(entries, as_of)
    current = in_force(entries, as_of)
    listing = {"latest": current, "newest": entries[0]["version"], "as_of": as_of.isoformat()}
    versions_text = json.dumps({**listing, "versions": entries}, ensure_ascii=False, indent=2) + "\n"
    versions_tmp = publication.prepare_file(VERSIONS_JSON, versions_text)
    status_tmp = publication.prepare_file(VERSION_STATUS_CSS, version_status_css(entries, current, as_of))
    index_tmp = publication.prepare_file("index.html", _redirect_page(title, current))
    latest_tmp = publication.prepare_link(LATEST, current)
    publication.replace(versions_tmp, site / VERSIONS_JSON)
    publication.replace(status_tmp, site / VERSION_STATUS_CSS)
    publication.replace(latest_tmp, site / LATEST)
    publication.replace(index_tmp, site / "index.html")
    return current


def version_entries(entries: list[dict[str, Any]], on: dt.date) -> list[dict[str, Any]]:
    """``entries`` newest first, with ``latest`` and ``superseded`` as they stand on ``on``.

    Pages published before the reader's date decided the status read only these flags, so they
    must never send a reader to a version not yet in force: ``latest`` marks the version in force
    on the release date (:func:`in_force`), ``superseded`` the versions older than it.  A newer
    version that is approved but not yet effective is neither.
    """
    ordered = sorted(entries, key=lambda e: version_key(str(e["version"])), reverse=True)
    current = version_key(in_force(ordered, on))
    for entry in ordered:
        key = version_key(str(entry["version"]))
        entry["latest"] = key == current
        entry["superseded"] = key < current
    return ordered


def in_force(entries: Sequence[dict[str, Any]], on: dt.date) -> str:
    """The version in force on ``on``: the newest whose effective date has come.

    Before any has (a first issue published ahead of its effective date), the oldest: it is the
    first to take effect, and nothing else could be shown.  An entry without ``effective``
    (never written by a release) counts as in force.  The same rule as manualkit-versions.js.
    """
    ordered = sorted(entries, key=lambda e: version_key(str(e["version"])), reverse=True)
    day = on.isoformat()
    for entry in ordered:
        if str(entry.get("effective") or "") <= day:
            return str(entry["version"])
    return str(ordered[-1]["version"])


def read_versions(site: Path) -> list[dict[str, Any]]:
    path = site / VERSIONS_JSON
    if not path.is_file():
        return []
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReleaseError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); fix or remove it"
        ) from exc
    versions = value.get("versions") if isinstance(value, dict) else None
    if not isinstance(versions, list):
        raise ReleaseError(f"{path}: expected an object with a 'versions' list")
    return [dict(v) for v in versions if isinstance(v, dict) and "version" in v]


def _entry(revision: Revision, files: tuple[str, ...], released: dt.date) -> dict[str, Any]:
    prefix = f"{revision.version}/"
    entry: dict[str, Any] = {
        "version": revision.version,
        "effective": revision.effective.isoformat(),
        "approved_on": revision.approved_on.isoformat(),
        "released": released.isoformat(),
        "summary": revision.summary,
        "path": prefix,
        "checksums": prefix + CHECKSUMS,
    }
    for suffix in ("pdf", "docx"):
        found = next((f for f in files if f.endswith(f".{suffix}") and "/" not in f), None)
        if found:
            entry[suffix] = prefix + found
    return entry


class Publication:
    """Replaces entries of the site one rename at a time; on any failure, renames them all back.

    What a replaced entry held is kept in a folder beside the site (same file system, so keeping
    and restoring are renames) until the publication is complete.  Temporary files are written
    inside the site so that each replacement is one atomic ``os.replace``.
    """

    def __init__(self, site: Path) -> None:
        self.site = site
        self.kept = Path(tempfile.mkdtemp(prefix=".previous-", dir=site.parent))
        self.temporaries: list[Path] = []
        self.undo: list[Callable[[], object]] = []

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        for temporary in self.temporaries:
            with contextlib.suppress(OSError):
                temporary.unlink()
        failed: list[str] = []
        if exc is not None:
            for step in reversed(self.undo):
                try:
                    step()
                except OSError as error:
                    failed.append(str(error))
        if failed and exc is not None:
            exc.add_note(
                f"the site could not be fully restored ({'; '.join(failed)}); "
                f"what it held before is in {self.kept}"
            )
        else:
            shutil.rmtree(self.kept, ignore_errors=True)

    def prepare_file(self, name: str, text: str) -> Path:
        """Write ``text`` to a temporary name in the site (nothing published yet)."""
        temporary = self.site / f".{name}.tmp"
        self._clear(temporary)
        self.temporaries.append(temporary)
        temporary.write_text(text, encoding="utf-8")
        return temporary

    def prepare_link(self, name: str, target: str) -> Path:
        """Make a symlink to ``target`` under a temporary name in the site."""
        temporary = self.site / f".{name}.tmp"
        self._clear(temporary)
        self.temporaries.append(temporary)
        temporary.symlink_to(target, target_is_directory=True)
        return temporary

    def replace_dir(self, new: Path, target: Path) -> None:
        """Put directory ``new`` at ``target``, keeping the one it replaces until the end."""
        if target.exists() or target.is_symlink():
            kept = self.kept / target.name
            target.rename(kept)
            self.undo.append(functools.partial(kept.rename, target))
        new.rename(target)
        self.undo.append(functools.partial(target.rename, new))

    def replace(self, temporary: Path, path: Path) -> None:
        """Replace file or symlink ``path`` by ``temporary`` in one rename."""
        if path.exists() or path.is_symlink():
            kept = self.kept / path.name
            if path.is_symlink():
                kept.symlink_to(os.readlink(path))
            else:
                shutil.copy2(path, kept)
            os.replace(temporary, path)
            self.undo.append(functools.partial(os.replace, kept, path))
        else:
            os.replace(temporary, path)
            self.undo.append(path.unlink)
        self.temporaries.remove(temporary)

    @staticmethod
    def _clear(path: Path) -> None:
        """Remove a temporary left by an interrupted release (never a published entry)."""
        if path.is_symlink() or path.is_file():
            path.unlink()


_REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<noscript><meta http-equiv="refresh" content="0; url={{ url }}"></noscript>
<link rel="canonical" href="{{ url }}">
<title>{{ title }}</title>
<script>
/* The version in force is the newest whose effective date has come: decided on the reader's
   date from versions.json (the same rule as manualkit-versions.js), since this page is static.
   Without versions.json (file://, an error) the release date's choice below stands. */
(function () {
  "use strict";
  var fallback = {{ url|tojson }};
  function go(href) { window.location.replace(href); }
  function key(version) { return String(version).split(".").map(Number); }
  function newer(a, b) {
    var x = key(a.version), y = key(b.version);
    for (var i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] || 0) !== (y[i] || 0)) { return (x[i] || 0) - (y[i] || 0); }
    }
    return 0;
  }
  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }
  if (!window.fetch) { go(fallback); return; }
  fetch("versions.json", { cache: "no-cache" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      var versions = data && Array.isArray(data.versions) ? data.versions.slice() : [];
      versions.sort(function (a, b) { return newer(b, a); });
      var day = today();
      var current = versions.filter(function (v) { return !v.effective || v.effective <= day; })[0]
        || versions[versions.length - 1];
      go(current && current.path ? current.path + "index.html" : fallback);
    })
    .catch(function () { go(fallback); });
})();
</script>
</head>
<body>
<p><a href="{{ url }}">{{ title }} v{{ version }}</a></p>
</body>
</html>
"""


def _redirect_page(title: str, current: str) -> str:
    """The site's index.html: a redirect to the version in force (autoescaped Jinja2).

    Chosen in the browser by the reader's date; ``current`` (in force on the release date) is
    the fallback without JavaScript or without versions.json.
    """
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_REDIRECT_PAGE).render(url=f"{current}/index.html", title=title, version=current)


# --------------------------------------------------------------------------- CLI


def add_release_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``manualkit release X.Y`` on the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "release",
        help="check, build HTML/PDF/DOCX, publish build/site/X.Y/ and tag vX.Y",
        description=(
            "Release version X.Y: refuses a dirty tree, a version data/revisions.yaml does not record as "
            "newest, or failing checks; builds every format, publishes build/site/X.Y/ atomically with "
            "versions.json and SHA256SUMS, and tags the commit vX.Y."
        ),
    )
    parser.add_argument("version", help="version to release, e.g. 1.1 (must be the newest revision)")
    # The CLI's global --project (also accepted after the subcommand) sets args.project to the root.
    parser.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help="comma-separated outputs to build (default: html,pdf,docx)",
    )
    parser.add_argument(
        "--allow-warnings", action="store_true", help="do not treat Sphinx warnings as errors"
    )
    parser.add_argument("--no-tag", action="store_true", help="publish without creating the git tag")
    parser.add_argument(
        "--republish",
        action="store_true",
        help="rebuild an already tagged version from its own commit (no checks, no new tag)",
    )
    parser.add_argument("--site", type=Path, default=None, help="site directory (default: build/site)")
    parser.set_defaults(handler=run_release)
    return parser


def run_release(args: argparse.Namespace) -> int:
    formats = tuple(f.strip() for f in str(args.formats).split(",") if f.strip())
    try:
        result = release(
            Path(getattr(args, "project", None) or Path.cwd()),
            args.version,
            formats=formats,
            strict=not args.allow_warnings,
            create_tag=not args.no_tag,
            republish=args.republish,
            site=args.site,
        )
    except ReleaseError as exc:
        print(f"manualkit release: {exc}", file=sys.stderr)
        return EXIT_INVALID if isinstance(exc, InvalidReleaseInput) else EXIT_FAILED
    if not result.tag or args.republish:
        tagged = ""
    elif result.tag_created:
        tagged = f", tagged {result.tag}"
    else:
        tagged = f", {result.tag} was already on this commit"
    print(f"released v{result.version}: {result.version_dir} ({len(result.files)} files{tagged})")
    return 0
