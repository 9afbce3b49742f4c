"""MK124: the local files a chapter shows or links to (images, linked files, downloads) that the
build cannot publish.

The build publishes only the manual's own files, of the types the site serves, with content that
begins as their type does (``RefuseOutsideFiles`` in :mod:`manualkit.sphinx.transforms`); anything
else, or a missing file, stops it. The checker judges each image, ``[text](path)`` link and
``{download}`` target the same way: path resolution (a leading / is manual/, ``..`` and symbolic
links followed), type and content (:mod:`manualkit.checks.rules_file_types`), and with
``--tracked-only`` whether git tracks the file, since a file left out of ``git add`` fails every
other checkout.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.rules_file_types import DOWNLOAD_RULE, PICTURE_RULE, content_problem
from manualkit.checks.rules_markup import IMAGE_RE, Chapters, escaped, in_prose
from manualkit.checks.rules_references import _docname_join
from manualkit.checks.source import Document
from manualkit.diagnostics import Diagnostic, Location
from manualkit.publishable_files import DOWNLOAD_TYPES, IMAGE_TYPES


@rule(
    "MK124",
    "error",
    "image or linked file missing, outside manual/, remote or not what its name says: the build stops",
    """
    What: an image (![…](path), {image} path, {figure} path), a link to a file ([表](forms/x.pdf))
    or a {download}`path` whose file does not exist, lies outside manual/ ([x](../data/slas.yaml),
    [x](../.env)), is an address on the network (images: https://…), is not of a type the site
    serves (a picture: PNG, JPEG, GIF, WebP, SVG; a link or download: PDF, .docx, .xlsx, .pptx,
    CSV, text or a picture) or whose content is not what its name says (manual/pic.png holding
    text, a JPEG photo named .png). A path is relative to the chapter; a path starting with / is
    relative to manual/ (Sphinx's rule), not to the disk. A link that names no file is a
    cross-reference (to a label or a chapter) and is reported only when it leaves manual/ or
    names a file by its type (.pdf, .md …). With `--tracked-only` (the pre-commit hook) a file git
    does not track counts as missing.
    Why: Sphinx warns "image file not readable" or "download file not readable", MyST
    "cross-reference target not found"; manualkit publishes only the manual's own files (the build
    would copy anything else into the published site: the project's .git, data/, .env …), no
    picture every reader's browser, or the DOCX build, would fetch, and no file a browser would
    open as a web page ("refusing to publish …: its content is not that of a PNG file"); each
    fails the build. A picture left out of `git add` stays on disk during the hook but is not in
    the commit, so every other checkout (CI, the publishing build, a colleague's) fails on it.
    Fix: put the file under manual/ (e.g. manual/img/, manual/forms/) and point at it relative to
    the chapter; save a picture again in the format its name says; `git add` it. Data belongs in
    data/: the manual prints it through its directives ({sla-table}, {form} …), not as a file.
    """,
    needs_data=False,
)
def images(ctx: CheckContext) -> Iterator[Diagnostic]:
    root = ctx.root.resolve()
    chapters: Chapters | None = None
    for doc in ctx.documents:
        for target, line, column in _image_uses(doc):
            if target.startswith("data:"):
                continue  # the picture is in the source itself
            problem = _image_problem(ctx.root, root, doc, target)
            if problem is None and ctx.tracked_only:
                # git is asked once, when the first image is found (cached on the context).
                problem = _untracked_image(ctx.root, root, doc, target, ctx.tracked_manual_files)
            if problem:
                yield Diagnostic("MK124", "error", problem, Location(doc.path, line, column))
        for link in _file_links(doc):
            chapters = chapters or Chapters.of(ctx)
            problem = _linked_file_problem(ctx, doc, link, chapters)
            if problem:
                yield Diagnostic("MK124", "error", problem, Location(doc.path, link.line, link.column))


def _untracked_image(
    project: Path, root: Path, doc: Document, target: str, tracked: frozenset[str] | None
) -> str | None:
    """Why the commit lacks the image at ``target``, a file on disk (``None`` when git tracks it,
    or when there is no git to ask)."""
    return _untracked(project, root, _image_path(project, doc, target), f"image {target!r}", tracked)


def _untracked(
    project: Path, root: Path, path: Path, what: str, tracked: frozenset[str] | None
) -> str | None:
    """Why the commit lacks the file at ``path`` (unresolved), which ``what`` names.

    Either path counts, the one the chapter writes or the one it resolves to: git records a
    symbolic link as itself and a file reached through a linked folder under its real path, and
    in both cases the commit holds the file."""
    if tracked is None:
        return None
    written = posixpath.normpath(path.relative_to(project).as_posix())
    shown = path.resolve().relative_to(root).as_posix()
    if written in tracked or shown in tracked:
        return None
    return f"{what} is {shown}, which git does not track (git add it: the commit would lack it)"


def _image_path(project: Path, doc: Document, target: str) -> Path:
    """The file an image ``target`` of ``doc`` names, unresolved: a leading / means manual/."""
    if target.startswith("/"):
        return project / "manual" / target.lstrip("/")
    return (project / doc.path).parent / target


def _image_uses(doc: Document) -> Iterator[tuple[str, int, int]]:
    for block in doc.blocks:
        for m in IMAGE_RE.finditer(block.source):
            if in_prose(block, m.start()):
                yield (m.group("angled") or m.group("target"), *block.position(m.start()))
    for d in doc.directives:
        if d.name in ("image", "figure") and d.argument:
            yield d.argument, d.line, d.column


def _image_problem(project: Path, root: Path, doc: Document, target: str) -> str | None:
    """Why the build cannot publish the image at ``target`` (``None`` when it can)."""
    if "://" in target or target.startswith("//"):
        return (
            f"image {target!r} is on the network: expected a file under manual/ (the build refuses "
            "pictures every reader's browser, and the DOCX build, would fetch from elsewhere)"
        )
    if any(c.isspace() for c in target):
        return (
            f"image {target!r} has a space in its path: MyST percent-encodes it, so the build finds "
            "no file; expected a file name without spaces (rename the file and the link)"
        )
    manual = project / "manual"
    absolute = target.startswith("/")
    written = _image_path(project, doc, target)
    resolved = written.resolve()
    if not resolved.is_relative_to(manual.resolve()):
        return (
            f"image {target!r} is outside manual/: expected a file under manual/ (the build publishes "
            "only the manual's own files, and refuses it)"
        )
    if resolved.is_file():
        return content_problem(written, resolved, IMAGE_TYPES, f"image {target!r}", PICTURE_RULE)
    shown = resolved.relative_to(root).as_posix()
    note = " (a leading / means the manual/ folder, not the disk)" if absolute else ""
    found = "a folder" if resolved.is_dir() else "no file"
    return f"image {target!r} not found: expected the file {shown}{note}, found {found}"


@dataclasses.dataclass(frozen=True)
class _FileLink:
    """A link to a local path: ``[text](path)`` (``kind`` "link": MyST makes it a download when
    the path is a file that is no chapter, else a cross-reference) or ``{download}`path` `` and
    ``[text](path:x)`` ("download": always the file)."""

    kind: str
    target: str
    line: int
    column: int


#: A Markdown link (not an image): its target, in angle brackets or not.
_LINK_RE = re.compile(r"(?<!!)\[[^\]\n]*\]\(\s*(?:<(?P<angled>[^>\n]+)>|(?P<target>[^)\s>]+))")
#: A URI scheme as MyST reads one (``REGEX_SCHEME``); http(s), mailto and ftp make a URL.
_LINK_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_SCHEMES = frozenset({"http", "https", "mailto", "ftp"})
#: The roles that offer a file for download.
_DOWNLOAD_ROLES = frozenset({"download", "std:download"})


def _file_links(doc: Document) -> Iterator[_FileLink]:
    """The links of ``doc`` that may name a file (as MyST's ``render_link`` sorts them)."""
    for block in doc.blocks:
        if "](" not in block.source:
            continue
        for m in _LINK_RE.finditer(block.source):
            if not in_prose(block, m.start()):
                continue
            group = "angled" if m.group("angled") else "target"
            target = m.group(group)
            line, column = block.position(m.start(group))
            scheme = _LINK_SCHEME_RE.match(target)
            if target.startswith("#"):
                continue  # an anchor: MK125's
            if scheme is None:
                yield _FileLink("link", target, line, column)
            elif scheme.group(1) == "path":
                yield _FileLink("download", target[len("path:") :], line, column)
    for block, role in doc.roles():
        if role.name not in _DOWNLOAD_ROLES or escaped(block.source, role.offset) or not role.target:
            continue
        scheme = _LINK_SCHEME_RE.match(role.target)
        if scheme is None:
            yield _FileLink("download", role.target, role.line, role.column)


def _linked_file_problem(ctx: CheckContext, doc: Document, link: _FileLink, chapters: Chapters) -> str | None:
    """Why the build refuses the file a link or download names (``None`` when it publishes it,
    or when the link is a cross-reference the checker leaves to the build's resolution).

    Paths are joined as Sphinx's ``relfn2path`` joins them (a leading / is manual/, ``..``
    removed as written), then the file is judged as ``RefuseOutsideFiles`` judges it."""
    from urllib.parse import unquote

    project = ctx.root.absolute()
    manual = project / "manual"
    target = link.target
    written = unquote(target.split("#", 1)[0]) if link.kind == "link" else target
    if not written:
        return None
    base = manual if written.startswith("/") else (project / doc.path).parent
    path = Path(posixpath.normpath((base / written.lstrip("/")).as_posix()))
    what = f"link to {target!r}" if link.kind == "link" else f"{{download}} of {target!r}"
    shown = _shown(path, project)
    inside = path.is_relative_to(manual)
    if link.kind == "link" and not path.is_file():
        # MyST makes it a cross-reference, to a chapter, a label, a term …: judged only when it
        # leaves manual/ or names a file by its type, and names no chapter.
        current = doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        if {_docname_join(current, written), _docname_join(current, written.removesuffix(".md"))} & set(
            chapters.on_disk
        ):
            return None
        says = f"the build stops (\"'myst' cross-reference target not found: {target!r}\")"
        if not inside:
            return (
                f"{what} leads outside manual/ (to {shown}, which is not there either): expected a file "
                f"under manual/, or a chapter; {says}"
            )
        if path.suffix.lower() in DOWNLOAD_TYPES or path.suffix.lower() == ".md":
            found = "a folder" if path.is_dir() else "no file"
            return f"{what} names no file: expected the file {shown}, found {found}; {says}"
        return None
    if link.kind == "link" and inside and path.suffix == ".md":  # a chapter: MyST links the page
        if not ctx.tracked_only:
            return None
        return _untracked(project, project.resolve(), path, what, ctx.tracked_manual_files)
    resolved = path.resolve()
    if not resolved.is_relative_to(manual.resolve()):
        return (
            f"{what} is outside manual/ (it is {_shown(resolved, project)}): expected a file under manual/; "
            f'the build refuses to publish it ("refusing to publish {target!r}: it is outside manual/"): '
            "only the manual's own files are published — data belongs in data/ and reaches the manual "
            "through its directives"
        )
    if not resolved.is_file():
        found = "a folder" if resolved.is_dir() else "no file"
        return (
            f'{what} not found: expected the file {shown}, found {found}; the build stops ("download file '
            'not readable")'
        )
    problem = content_problem(path, resolved, DOWNLOAD_TYPES, what, DOWNLOAD_RULE)
    if problem is None and resolved.suffix.lower() == ".svg":
        from manualkit.svg_safety import find_active_content

        active = find_active_content(resolved)
        if active is not None:
            problem = (
                f"{what} is a drawing that contains {active.what} (line {active.line} of the SVG), which "
                "would run in the site's name when opened: expected a plain drawing; the build refuses "
                "to publish it — export it again without scripts"
            )
    if problem is None and ctx.tracked_only:
        problem = _untracked(project, project.resolve(), path, what, ctx.tracked_manual_files)
    return problem


def _shown(path: Path, project: Path) -> str:
    """``path`` for a message: relative to the project when inside it, else as it is."""
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else path.as_posix()
