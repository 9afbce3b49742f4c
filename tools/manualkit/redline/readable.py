"""MyST source → the text a reviewer reads, before two versions are compared.

Why: a redline is read by compliance reviewers and approvers, not by writers.
Comparing raw MyST shows ``### 处理要求``, ``**一般投诉**``, table pipes and
``{ref}`system-faults``` — noise that hides the real change and reads as if the
markup itself were the manual.  The text is normalised line by line, identically
for both versions, so every remaining difference is a difference in wording:

* the heading line is dropped (the redline shows the section title separately,
  and a renamed title is reported as a title change);
* emphasis markers are removed, ``{ref}`label``` becomes the title of that section,
  other roles keep their text (data roles are expanded earlier, with each
  version's own data);
* Markdown tables become one line per row, cells joined by " ｜ ", without the
  ``| --- |`` rule;
* directive fences become a bracketed note (``〔时限表：complaint〕``): their
  content comes from data, whose changes the redline lists entry by entry;
* MyST comments (``% …``) are dropped; a chapter's front matter reads as the document control
  the manual prints under the chapter title (``〔本章文档信息：责任岗位 客户服务中心经理；下次复核日期
  2027年11月30日〕``: the role's name, not its id) and a toctree as ``〔章节目录〕``;
* ``{history-section}`label``` reads as the section's title, or as the manual prints a label
  no section has any more (``label（本节已删除）``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from manualkit.redline.sections import DIRECTIVE_RE
from manualkit.sphinx.chapter_info import CHAPTER_SCOPE, info_text
from manualkit.sphinx.formatting import render_date

#: How a directive is named in the redline (reader's words, not the directive name).
DIRECTIVE_WORDS: dict[str, str] = {
    "sla-table": "时限表",
    "form": "表单",
    "form-appendices": "表单附录",
    "checklist": "检查清单",
    "process": "流程图",
    "share-table": "占比表",
    "glossary-list": "术语表",
    "reference-list": "参考文件清单",
    "revision-history": "修订记录",
    "attachment-list": "附件清单",
    "toctree": "章节目录",
    "note": "注",
    "important": "重要",
    "warning": "警告",
}

_HEADING_RE = re.compile(r"^#{1,6}\s+\S")
_FENCE_CLOSE_RE = re.compile(r"^\s*(?::{3,}|`{3,})\s*$")
_OPTION_RE = re.compile(r"^\s*:(?P<key>[\w\-]+):\s*(?P<value>.*?)\s*$")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_STRONG_RE = re.compile(r"\*\*(?P<text>[^*]+?)\*\*")
_EMPHASIS_RE = re.compile(r"(?<![*\w])\*(?P<text>[^*\s][^*]*?)\*(?!\*)")
_ROLE_RE = re.compile(r"\{(?P<name>[\w:\-]+)\}`(?P<target>[^`]+)`")
_EXPLICIT_RE = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$")


def _front_matter(lines: list[str], roles: Mapping[str, str], scope: str) -> tuple[str | None, int]:
    """The chapter's document control as the manual prints it, and the index of the line after
    the front matter (the line is built by the same helper as the manual's own)."""
    if not lines or lines[0].strip() != "---":
        return None, 0
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            values: dict[str, str] = {}
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                if sep and value.strip():
                    values[key.strip()] = value.strip().strip("'\"")
            owner = values.get("owner")
            name = roles.get(owner, owner) if owner else None
            text = info_text(name, _date(values.get("review_due")), scope)
            return f"〔{text}〕", end + 1
    return None, 0


def _date(value: str | None) -> str | None:
    """``2027-11-30`` → ``2027年11月30日`` (the manual's form); anything else as written."""
    if not value:
        return None
    try:
        return render_date(dt.date.fromisoformat(value))
    except ValueError:
        return value


def readable(
    body: str,
    titles: Mapping[str, str],
    roles: Mapping[str, str] | None = None,
    *,
    scope: str = CHAPTER_SCOPE,
) -> str:
    """The reviewer's text of one section body, as that version printed it.

    ``titles``: label → section title; ``roles``: role id → role name (both of the same version);
    ``scope``: whose document control a front matter is (本章, or 本页 for the root page).
    """
    out: list[str] = []
    lines = body.split("\n")
    control, index = _front_matter(lines, roles or {}, scope)
    if control is not None:
        out.append(control)
    while index < len(lines):
        line = lines[index]
        index += 1
        stripped = line.strip()
        if _HEADING_RE.match(stripped) or stripped.startswith("%"):
            continue
        directive = DIRECTIVE_RE.match(line)
        if directive:
            options: list[str] = []
            while index < len(lines):
                option = _OPTION_RE.match(lines[index])
                if option is None:
                    break
                options.append(option.group("value"))
                index += 1
            name = directive.group("name")
            if name == "toctree":  # its entries are the chapters themselves, compared one by one
                while index < len(lines) and not _FENCE_CLOSE_RE.match(lines[index]):
                    index += 1
                out.append(f"〔{DIRECTIVE_WORDS[name]}〕")
                continue
            detail = "，".join(v for v in [directive.group("arg"), *options] if v)
            word = DIRECTIVE_WORDS.get(name, name)
            out.append(f"〔{word}：{detail}〕" if detail else f"〔{word}〕")
            continue
        if _FENCE_CLOSE_RE.match(line):
            continue
        if stripped.startswith("|"):
            if _TABLE_RULE_RE.match(stripped):
                continue
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            line = " ｜ ".join(cells)
        out.append(_inline(line, titles))
    return "\n".join(out)


def _inline(line: str, titles: Mapping[str, str]) -> str:
    def role(match: re.Match[str]) -> str:
        name, target = match.group("name"), match.group("target").strip()
        explicit = _EXPLICIT_RE.match(target)
        if explicit and explicit.group("text"):
            return explicit.group("text")
        if name in ("ref", "history-section"):
            label = explicit.group("target") if explicit else target
            if name == "history-section" and label not in titles:
                return f"{label}（本节已删除）"  # as the manual prints it (HistorySectionRole)
            return titles.get(label, label)
        return target

    line = _ROLE_RE.sub(role, line)
    line = _STRONG_RE.sub(lambda m: m.group("text"), line)
    return _EMPHASIS_RE.sub(lambda m: m.group("text"), line)
