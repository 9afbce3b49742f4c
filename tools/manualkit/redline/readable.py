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
* a directive that prints data (an SLA table, a form, the attachment list …) reads as the
  lines it prints, rendered from that version's data (:mod:`manualkit.redline.generated`):
  one line per table row, so a changed SLA shows inside its row; a flowchart keeps its
  bracketed note (``〔流程图：complaint.handling〕``, an image has no words) above its step
  table; any other directive reads as a bracketed note (``〔注〕``, ``〔时限表：complaint〕``
  when there is nothing to render);
* MyST comments (``% …``) are dropped; a chapter's front matter reads as the document control
  the manual prints under the chapter title (``〔本章文档信息：责任岗位 客户服务中心经理；下次复核日期
  2027年11月30日〕``: the role's name, not its id) and a toctree as ``〔章节目录〕``;
* ``{history-section}`label``` reads as the section's title, or as the manual prints a section
  no chapter has any more (``旧标题（本节已删除）`` with the change entry's ``title``, else
  ``label（本节已删除）``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

from manualkit.redline.sections import DIRECTIVE_RE
from manualkit.sphinx.chapter_info import CHAPTER_SCOPE, info_text
from manualkit.sphinx.formatting import render_date
from manualkit.templating import unescape_role_text

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
#: A rendered fragment's structural lines, which print nothing: ``:::{table} caption`` (its
#: caption prints), ``:class: …``, an ``{rst-class}`` or ``{glossary}`` fence, fence closes.
_FRAGMENT_TABLE_RE = re.compile(r"^\s*:{3,}\{table\}\s*(?P<caption>.*?)\s*$")
_FRAGMENT_SILENT_RE = re.compile(r"^\s*(?::{3,}|`{3,})\{(?:rst-class|glossary)\}")
#: A cell boundary in a rendered row: a pipe not escaped by the template (``\|`` is a value's).
_CELL_RE = re.compile(r"(?<!\\)\|")
#: A backslash-escaped ASCII punctuation mark (``escape_myst``): the mark itself in print.
_ESCAPED_RE = re.compile(r"\\(?P<mark>[!-/:-@\[-`{-~])")
_BULLET_RE = re.compile(r"^\s*[-*+]\s+")
#: Private-use stand-in for an escaped mark while inline markup is read (``\*`` is no emphasis).
_SHIELD = 0xE000

#: Directives whose placeholder stays above their text: a flowchart is an image, only its step
#: table has words.
KEEP_PLACEHOLDER = frozenset({"process"})

#: ``(name, argument, options)`` of a directive → the MyST it prints (data roles already in
#: words), or None to read it as a bracketed note.
Expander = Callable[[str, str, Mapping[str, str]], str | None]


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
    expand: Expander | None = None,
) -> str:
    """The reviewer's text of one section body, as that version printed it.

    ``titles``: label → section title; ``roles``: role id → role name (both of the same version);
    ``scope``: whose document control a front matter is (本章, or 本页 for the root page);
    ``expand``: what a directive prints, from the same version's data.
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
            options: dict[str, str] = {}
            while index < len(lines):
                option = _OPTION_RE.match(lines[index])
                if option is None:
                    break
                options[option.group("key")] = option.group("value")
                index += 1
            name = directive.group("name")
            if name == "toctree":  # its entries are the chapters themselves, compared one by one
                while index < len(lines) and not _FENCE_CLOSE_RE.match(lines[index]):
                    index += 1
                out.append(f"〔{DIRECTIVE_WORDS[name]}〕")
                continue
            detail = "，".join(v for v in [directive.group("arg"), *options.values()] if v)
            word = DIRECTIVE_WORDS.get(name, name)
            placeholder = f"〔{word}：{detail}〕" if detail else f"〔{word}〕"
            printed = expand(name, directive.group("arg"), options) if expand else None
            if printed is None:
                out.append(placeholder)
                continue
            if name in KEEP_PLACEHOLDER:
                out.extend([placeholder, ""])
            out.extend(fragment_lines(printed, titles))
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
        if name == "history-section":  # as the manual prints it (HistorySectionRole)
            label = explicit.group("target") if explicit else target
            if label in titles:
                return titles[label]
            name_text = explicit.group("text") if explicit and explicit.group("text") else label
            return f"{unescape_role_text(name_text)}（本节已删除）"
        if explicit and explicit.group("text"):
            return explicit.group("text")
        if name == "ref":
            label = explicit.group("target") if explicit else target
            return titles.get(label, label)
        return target

    line = _ROLE_RE.sub(role, line)
    line = _STRONG_RE.sub(lambda m: m.group("text"), line)
    return _EMPHASIS_RE.sub(lambda m: m.group("text"), line)


def fragment_lines(myst: str, titles: Mapping[str, str]) -> list[str]:
    """A rendered fragment as the reader's lines: a table row per line, cells joined by " ｜ "
    like a hand-written table; the fragment's own structure (table fences, classes, rules,
    bullets, escapes) gone.  Blank lines stay: they separate the paragraphs the diff aligns."""
    out: list[str] = []
    for line in myst.split("\n"):
        stripped = line.strip()
        table = _FRAGMENT_TABLE_RE.match(line)
        if table:
            if table.group("caption"):
                out.append(_fragment_inline(table.group("caption"), titles))
            continue
        if _FRAGMENT_SILENT_RE.match(line) or _FENCE_CLOSE_RE.match(line) or _OPTION_RE.match(line):
            continue
        if stripped.startswith("|"):
            if not _TABLE_RULE_RE.match(stripped):
                cells = _CELL_RE.split(stripped.removeprefix("|").removesuffix("|"))
                out.append(" ｜ ".join(_fragment_inline(cell.strip(), titles) for cell in cells))
            continue
        out.append(_fragment_inline(_BULLET_RE.sub("", line).strip(), titles))
    return _squeeze_blank_lines(out)


def _fragment_inline(text: str, titles: Mapping[str, str]) -> str:
    """Inline markup read as for chapter text, escaped marks kept literal (a value's ``*`` or
    ``<`` must not be taken for emphasis or an explicit title)."""
    shielded = _ESCAPED_RE.sub(lambda m: chr(_SHIELD + ord(m.group("mark"))), text)
    read = _inline(shielded, titles)
    return "".join(chr(ord(c) - _SHIELD) if _SHIELD <= ord(c) < _SHIELD + 128 else c for c in read)


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    """No leading, trailing or repeated blank lines (the template's spacing is layout)."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out
