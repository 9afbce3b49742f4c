"""Shared setup for the document-control tests: a temporary git repository of a small manual.

The fixture manual (tests/fixtures/release/) is copied into ``tmp_path``, committed and tagged
``v1.0``; :func:`make_v1_1` then edits it the way a writer would for version 1.1 (an SLA
duration shortened, a paragraph rewritten, a revision recorded).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "release"
REPO_ROOT = Path(__file__).resolve().parents[1]
IDENTITY = {
    "GIT_AUTHOR_NAME": "测试编写人",
    "GIT_AUTHOR_EMAIL": "writer@example.com",
    "GIT_COMMITTER_NAME": "测试编写人",
    "GIT_COMMITTER_EMAIL": "writer@example.com",
}

OLD_PARAGRAPH = "一般投诉应当在规定时限内办结并答复客户，答复后由客服主管安排回访。"
NEW_PARAGRAPH = "一般投诉应当在五个工作日内办结并书面答复客户，答复后由客服主管安排电话回访。"

REVISION_1_1 = """\
- version: "1.1"
  drafted: {role: service.agent, name: 陈静}
  reviewed: {role: compliance.officer, name: 刘洋}
  approved: {role: department.head, name: 周建国}
  approved_on: 2025-02-20
  effective: 2025-03-01
  summary: 缩短一般投诉办结时限。
  changes:
    - {section: complaint-resolution, description: 一般投诉办结时限由7个工作日缩短为5个工作日。}
"""


def git(root: Path, *args: str) -> str:
    """Run git in the temporary repository with a fixed identity (never the user's config)."""
    proc = subprocess.run(
        [
            "git",
            "-c",
            f"user.name={IDENTITY['GIT_AUTHOR_NAME']}",
            "-c",
            f"user.email={IDENTITY['GIT_AUTHOR_EMAIL']}",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def make_project(tmp_path: Path) -> Path:
    """Copy the fixture manual (with the repository's redline template) and commit it."""
    root = tmp_path / "manual-project"
    shutil.copytree(FIXTURE, root)
    (root / "gitignore").rename(root / ".gitignore")
    shutil.copytree(REPO_ROOT / "templates" / "redline", root / "templates" / "redline")
    pdf_templates = REPO_ROOT / "templates" / "pdf"
    if pdf_templates.is_dir():
        shutil.copytree(pdf_templates, root / "templates" / "pdf")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "手册 v1.0")
    return root


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def tag(root: Path, version: str) -> None:
    git(root, "tag", "-a", f"v{version}", "-m", f"v{version}")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def make_v1_1(root: Path, *, record: bool = True) -> None:
    """Edit the manual for 1.1: SLA 7 → 5 working days, a rewritten paragraph, revision 1.1."""
    replace_in(root / "data" / "slas.yaml", "value: 7, unit: working_days", "value: 5, unit: working_days")
    replace_in(root / "manual" / "02-complaints.md", OLD_PARAGRAPH, NEW_PARAGRAPH)
    replace_in(root / "data" / "manual.yaml", 'version: "1.0"', 'version: "1.1"')
    replace_in(root / "data" / "manual.yaml", "effective: 2025-01-01", "effective: 2025-03-01")
    if record:
        with (root / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
            handle.write(REVISION_1_1)


def record_v1_1(root: Path, *changes: str) -> None:
    """Revision 1.1 recording ``changes`` (``{section: …, description: …}`` flow mappings) only,
    and manual.yaml set to it: for tests whose edits are their own, not :func:`make_v1_1`'s."""
    replace_in(root / "data" / "manual.yaml", 'version: "1.0"', 'version: "1.1"')
    replace_in(root / "data" / "manual.yaml", "effective: 2025-01-01", "effective: 2025-03-01")
    head = REVISION_1_1.split("  changes:\n")[0]
    entries = "".join(f"    - {change}\n" for change in changes)
    with (root / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"{head}  changes:\n{entries}")
