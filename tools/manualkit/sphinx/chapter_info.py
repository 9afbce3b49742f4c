"""Each chapter's document control under its title: who owns it, when it is next reviewed.

The chapters' front matter (``owner``: a role id of data/roles.yaml, ``review_due``: a date) is
what the checker enforces and what §8.1 of the manual promises readers ("每一章的责任岗位和下次复核
日期载于该章的文档信息中").  Like the revision markers, the line is an ordinary docutils paragraph
(class ``mk-chapter-info``) inserted after the chapter's title, so the HTML site, the PDF and
the DOCX all show it without knowing about front matter.  An unknown role or a malformed date
is the checker's to report (MK5xx): the line then shows what the front matter says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from manualkit.node_classes import CHAPTER_INFO_CLASS
from manualkit.sphinx import formatting
from manualkit.sphinx.domain import get_runtime

#: Whose document control the line gives: a chapter's, or the root page's (前言 and 使用说明 on
#: the site's home page, which is no chapter; the PDF and the DOCX leave that line out).
CHAPTER_SCOPE = "本章"
ROOT_SCOPE = "本页"


def info_text(owner: str | None, review_due: str | None, scope: str = CHAPTER_SCOPE) -> str:
    """``本章文档信息：责任岗位 客户服务部经理；下次复核日期 2027年11月30日``."""
    parts = []
    if owner:
        parts.append(f"责任岗位 {owner}")
    if review_due:
        parts.append(f"下次复核日期 {review_due}")
    return f"{scope}文档信息：" + "；".join(parts)


def _review_date(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return formatting.render_date(value)
    text = str(value).strip() if value is not None else ""
    try:
        return formatting.render_date(dt.date.fromisoformat(text))
    except ValueError:
        return text or None


def _owner_name(app: Sphinx, role_id: Any) -> str | None:
    if not role_id:
        return None
    runtime = get_runtime(app.env)
    app.env.note_dependency(str(runtime.data_file("roles")))
    role = runtime.index.get("role", str(role_id))
    return str(role.name) if role is not None else str(role_id)


def add_chapter_info(app: Sphinx, doctree: nodes.document) -> None:
    """After the metadata collector has read the front matter (``doctree-read``, priority 500)."""
    metadata = app.env.metadata.get(app.env.docname) or {}
    owner = _owner_name(app, metadata.get("owner"))
    review_due = _review_date(metadata.get("review_due"))
    if not owner and not review_due:
        return
    chapter = next(iter(doctree.findall(nodes.section)), None)
    if chapter is None or any(CHAPTER_INFO_CLASS in child.get("classes", ()) for child in chapter.children):
        return
    scope = ROOT_SCOPE if app.env.docname == app.config.root_doc else CHAPTER_SCOPE
    info = nodes.paragraph("", info_text(owner, review_due, scope), classes=[CHAPTER_INFO_CLASS])
    info.source, info.line = chapter.source, chapter.line
    chapter.insert(1 if chapter.children and isinstance(chapter[0], nodes.title) else 0, info)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", add_chapter_info, priority=600)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
