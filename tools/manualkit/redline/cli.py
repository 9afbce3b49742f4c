"""``manualkit redline OLD NEW``: write build/redline/OLD-NEW/ (HTML, tracked-changes DOCX, JSON).

The three outputs are written into a scratch directory under build/ and moved into
place with one rename, so a failed run never leaves a half-written redline.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from manualkit.gitrepo import GitError, Repo
from manualkit.redline.compare import Redline, SectionDiff, build_redline
from manualkit.redline.docx import write_docx
from manualkit.redline.html import TemplateMissing, render_html
from manualkit.redline.textdiff import Granularity
from manualkit.revisions import release_tag, version_key, version_problem

HTML_NAME = "redline.html"
DOCX_NAME = "redline.docx"
JSON_NAME = "changes.json"


class RedlineError(Exception):
    """A redline cannot be produced (unknown tag, not a repository, missing template)."""


def changes_json(redline: Redline) -> dict[str, Any]:
    return {
        "from": redline.old_version,
        "to": redline.new_version,
        "date": redline.date.date().isoformat(),
        **redline.data.to_json(),
        "sections": [_section_json(s) for s in redline.changed_sections],
    }


def _section_json(section: SectionDiff) -> dict[str, Any]:
    """One changed section; a moved one also says where it stood and where it stands (``from``,
    ``to``: number and chapter file) and whether it was reworded as it moved (``edited``)."""
    entry: dict[str, Any] = {
        "key": section.key,
        "label": section.label,
        "title": section.title,
        "path": section.path,
        "status": section.status,
    }
    move = section.move
    if move is not None:
        entry["from"] = {"number": move.old_number, "path": move.old_path, "title": move.old_title}
        entry["to"] = {"number": move.new_number, "path": move.new_path, "title": move.new_title}
        entry["edited"] = section.reworded
    return entry


def write_redline(
    root: Path, old: str, new: str, *, output: Path | None = None, granularity: Granularity = "word"
) -> Path:
    """Compare ``v<old>`` with ``v<new>`` and publish build/redline/<old>-<new>/; returns that dir."""
    for version in (old, new):
        problem = version_problem(version)
        if problem:
            raise RedlineError(problem)
    if version_key(old) >= version_key(new):
        raise RedlineError(
            f"the first version must be the older one: found {old} then {new} "
            f"(compare with `manualkit redline {new} {old}`)"
            if version_key(old) > version_key(new)
            else f"nothing to compare: both versions are {old}"
        )
    repo = Repo(root)
    if not repo.is_repo():
        raise RedlineError(f"{root}: not a git repository (redlines compare release tags)")
    for version in (old, new):
        if not repo.has_tag(release_tag(version)):
            raise RedlineError(
                f"tag {release_tag(version)} not found: release {version} first (manualkit release)"
            )
    build = output or root / "build"
    target = build / "redline" / f"{old}-{new}"
    redline = build_redline(root, old, new, granularity)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Not mkdtemp: its 0700 would survive the rename, and the published redline must be as
    # readable as any other build output (plain mkdir respects the umask).
    scratch = target.parent / f".{old}-{new}-{secrets.token_hex(6)}"
    scratch.mkdir()
    try:
        try:
            html = render_html(redline, root / "templates" / "redline")
        except TemplateMissing as exc:
            raise RedlineError(str(exc)) from exc
        (scratch / HTML_NAME).write_text(html, encoding="utf-8")
        write_docx(redline, scratch / DOCX_NAME)
        text = json.dumps(changes_json(redline), ensure_ascii=False, indent=2, default=str)
        (scratch / JSON_NAME).write_text(text + "\n", encoding="utf-8")
        if target.exists():
            old_copy = Path(tempfile.mkdtemp(prefix=".old-", dir=target.parent))
            target.rename(old_copy / "out")
            scratch.rename(target)
            shutil.rmtree(old_copy)
        else:
            scratch.rename(target)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch)
    return target


def add_redline_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``manualkit redline OLD NEW`` on the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "redline",
        help="compare two releases (tags vOLD, vNEW): HTML, tracked-changes DOCX, changes.json",
        description="Compare two released versions section by section and write build/redline/OLD-NEW/.",
    )
    parser.add_argument("old", help="older version, e.g. 1.0 (tag v1.0)")
    parser.add_argument("new", help="newer version, e.g. 1.1 (tag v1.1)")
    # The CLI's global --project (also accepted after the subcommand) sets args.project to the root.
    parser.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--granularity",
        choices=("word", "char"),
        default="word",
        help="compare Chinese by jieba words (default) or characters",
    )
    parser.set_defaults(handler=run_redline)
    return parser


def run_redline(args: argparse.Namespace) -> int:
    try:
        root = Path(getattr(args, "project", None) or Path.cwd()).resolve()
        target = write_redline(root, args.old, args.new, granularity=args.granularity)
    except (RedlineError, GitError) as exc:
        print(f"manualkit redline: {exc}", file=sys.stderr)
        return 1
    print(f"redline written to {target}")
    return 0
