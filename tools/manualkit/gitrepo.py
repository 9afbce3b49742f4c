"""Thin, typed wrapper over the ``git`` command line for document control.

Why shell out: releases and redlines work on the writer's own repository
(tags, ``git show tag:path``, ``git status``), and the git CLI is the
reference implementation every CI runner has; no Python binding is pinned.
Every failure becomes a :class:`GitError` carrying git's own message, never a
swallowed exit code.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path


class GitError(RuntimeError):
    """A git command failed (or git is missing); ``str()`` is a one-line reason."""


_HUNK_RE = re.compile(
    r"^@@ -(?P<old_start>\d+)(?:,(?P<old_count>\d+))? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@"
)


@dataclasses.dataclass(frozen=True)
class Hunk:
    """Lines ``first``..``last`` of the working-tree file differ from the base revision.

    A pure deletion has ``first == last``: the line the removed text followed (at least 1).
    ``old_lines`` are the base revision's lines the hunk removes or replaces (empty for a pure
    insertion); ``new_lines`` the working tree's lines it adds (empty for a pure deletion).
    """

    first: int
    last: int
    old_lines: range = range(0)
    new_lines: range = range(0)


@dataclasses.dataclass(frozen=True)
class Repo:
    """A git working tree rooted at (or containing) ``root``."""

    root: Path

    def run(self, *args: str, check: bool = True) -> str:
        """Run ``git ARGS`` in the working tree and return stdout (text, UTF-8)."""
        try:
            proc = subprocess.run(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=self.root,
                capture_output=True,
                text=True,
                encoding="utf-8",
                check=False,
            )
        except FileNotFoundError as exc:
            raise GitError("git is not installed (needed for releases and redlines)") from exc
        if check and proc.returncode != 0:
            reason = (
                proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
            )
            raise GitError(f"git {' '.join(args)}: {reason}")
        return proc.stdout

    def is_repo(self) -> bool:
        try:
            return self.run("rev-parse", "--is-inside-work-tree", check=False).strip() == "true"
        except GitError:
            return False

    def prefix(self) -> str:
        """Path of ``root`` inside the repository (``""`` at the top), POSIX with trailing slash."""
        return self.run("rev-parse", "--show-prefix").strip()

    def has_tag(self, tag: str) -> bool:
        return bool(self.run("tag", "--list", tag).strip())

    def tag_commit(self, tag: str) -> str:
        return self.run("rev-list", "-n", "1", tag).strip()

    def head(self) -> str:
        return self.run("rev-parse", "HEAD").strip()

    def commit_time(self, rev: str = "HEAD") -> int:
        return int(self.run("log", "-1", "--format=%ct", rev).strip())

    def status_porcelain(self) -> list[str]:
        """Uncommitted changes (tracked and untracked, ignored files excluded)."""
        return [line for line in self.run("status", "--porcelain").splitlines() if line.strip()]

    def tag_annotated(self, tag: str, message: str) -> None:
        self.run("tag", "-a", tag, "-m", message)

    def delete_tag(self, tag: str) -> None:
        self.run("tag", "-d", tag)

    def changed_files(self, since: str, paths: tuple[str, ...]) -> list[str]:
        """Files (relative to ``root``) that differ between ``since`` and the working tree.

        Untracked (not ignored) files count as changed: a new chapter is a change.
        """
        out = self.run("diff", "--relative", "--name-only", since, "--", *paths)
        files = set(out.splitlines())
        untracked = self.run("ls-files", "--others", "--exclude-standard", "--", *paths)
        files.update(untracked.splitlines())
        return sorted(f for f in files if f)

    def changed_lines(self, since: str, path: str) -> list[int]:
        """First line (in the working-tree file) of every hunk changed since ``since``.

        A pure deletion reports the line after which text was removed (at least 1).
        """
        return [hunk.first for hunk in self.changed_hunks(since, path)]

    def changed_hunks(self, since: str, path: str) -> list[Hunk]:
        """Every changed stretch of ``path`` (working-tree line numbers) since ``since``."""
        out = self.run("diff", "--relative", "-U0", since, "--", path)
        hunks: list[Hunk] = []
        for line in out.splitlines():
            match = _HUNK_RE.match(line)
            if match:
                start = int(match.group("start"))
                count = int(match.group("count")) if match.group("count") is not None else 1
                old_start = int(match.group("old_start"))
                old_count = int(match.group("old_count")) if match.group("old_count") is not None else 1
                first = max(start, 1)
                hunks.append(
                    Hunk(
                        first,
                        max(first, start + count - 1),
                        range(old_start, old_start + old_count) if old_count else range(0),
                        range(start, start + count) if count else range(0),
                    )
                )
        return hunks

    def show(self, rev: str, path: str) -> str:
        """Content of ``path`` (relative to ``root``) at ``rev`` (``git show rev:./path``)."""
        return self.run("show", f"{rev}:./{path}")

    def list_files(self, rev: str, path: str) -> list[str]:
        """Files under ``path`` (relative to ``root``) at ``rev``."""
        out = self.run("ls-tree", "-r", "--name-only", "--full-name", rev, "--", f"./{path}")
        prefix = self.prefix()
        return [name[len(prefix) :] if name.startswith(prefix) else name for name in out.splitlines() if name]
