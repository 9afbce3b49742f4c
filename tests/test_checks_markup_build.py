"""manualkit check: markup that parses but stops the build, or swallows the text after it (MK129,
MK140–MK142).

Each test plants one fault in the clean fixture project (tests/fixtures/checks/clean) and expects
one finding at the offending line and column, saying what was expected and what was found; the
slow test at the end builds the real manual with the same faults and compares the lines Sphinx
warns about with the checker's.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from manualkit.checks import run_checks

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "checks"
#: A day whose twelve-month horizon lies inside chinesecalendar's range (2004–2026).
TODAY = dt.date(2025, 12, 1)
#: MK7xx (revisions) need git history.
NOT_OURS = ["MK7"]
CHAPTER = "manual/04-complaints.md"


def make_project(tmp_path: Path) -> Path:
    """The clean fixture project in a temp dir (its Vale styles pointed at the repository's)."""
    root = tmp_path / "clean"
    shutil.copytree(FIXTURES / "clean", root)
    ini = root / ".vale.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "../../../../tools/vale/styles", (REPO / "tools" / "vale" / "styles").as_posix()
        ),
        encoding="utf-8",
    )
    return root


def edit(root: Path, old: str, new: str, path: str = CHAPTER) -> int:
    """Replace the first ``old`` in a chapter by ``new``; return the line ``old`` started on."""
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def append(root: Path, paragraph: str, path: str = CHAPTER) -> int:
    """Add ``paragraph`` after a blank line at the end of a chapter; return its first line."""
    file = root / path
    text = file.read_text(encoding="utf-8")
    file.write_text(f"{text}\n{paragraph}\n", encoding="utf-8")
    return text.count("\n") + 2


def last_line(root: Path, path: str = CHAPTER) -> int:
    return len((root / path).read_text(encoding="utf-8").splitlines())


def found(root: Path, select: list[str] | None = None) -> list[str]:
    report = run_checks(root, today=TODAY, select=select, ignore=NOT_OURS)
    return [d.format() for d in report.diagnostics]


# -- MK129: a fence never closed ---------------------------------------------------------------


@pytest.mark.parametrize("fence", ["```text", "~~~", "````"])
def test_an_unclosed_code_fence_is_one_error_at_the_fence(tmp_path: Path, fence: str) -> None:
    """```text with no closing line turned the rest of chapter 4 into code: check reported the
    swallowed labels as unknown where data/ and other chapters cite them, and nothing at the
    fence; the build stopped on "undefined label"."""
    root = make_project(tmp_path)
    line = edit(root, "(complaint-handling)=\n", f"{fence}\n示例\n\n(complaint-handling)=\n")
    assert found(root) == [
        f"{CHAPTER}:{line}:1: error MK129 '{fence}' is never closed: it runs to the end of the chapter, "
        f"so lines {line + 1}–{last_line(root)} print as code — 1 heading(s) (“投诉处理”) that are then no "
        "sections, and 1 label(s) ('complaint-handling') that every {ref} to them then misses, stopping the "
        f"build; expected a closing '{fence.removesuffix('text')}' line where the code ends, found none"
    ]
    edit(root, "示例\n", f"示例\n{fence.removesuffix('text')}\n")
    assert found(root) == []


def test_a_closing_line_shorter_than_the_opening_one_is_named(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    line = edit(root, "(complaint-handling)=\n", "~~~~\n示例\n~~~\n\n(complaint-handling)=\n")
    (message,) = found(root)
    assert message.startswith(f"{CHAPTER}:{line}:1: error MK129 '~~~~' is never closed")
    assert f"(line {line + 2}, '~~~', is shorter than '~~~~' and closes nothing)" in message


def test_a_fence_left_open_inside_a_note_or_a_list_item_is_reported_where_it_ends(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    line = append(root, ":::{note}\n注意\n\n```text\n示例\n:::\n\n1. 步骤\n\n   ~~~\n   示例\n2. 下一步")
    assert found(root, ["MK129"]) == [
        f"{CHAPTER}:{line + 3}:1: error MK129 '```text' is never closed inside the {{note}} of line {line}: "
        f"line {line + 5} closes the {{note}} and ends it there, and line {line + 4} prints as code; "
        "expected a closing '```' line where the code ends, found none",
        f"{CHAPTER}:{line + 9}:4: error MK129 '~~~' is never closed: it runs to line {line + 10}, the end "
        f"of the list item or quote holding it, so line {line + 10} prints as code; expected a closing "
        "'~~~' line where the code ends, found none",
    ]


def test_a_directive_left_open_swallows_the_headings_after_it(tmp_path: Path) -> None:
    """:::{note} with no closing line put the rest of the chapter into the note, its headings
    unnumbered rubrics, and the build passed; before another directive, that one's closing line
    closed the note and the directive itself was left open inside it."""
    root = make_project(tmp_path)
    line = append(root, ":::{note}\n注意\n\n(complaint-notes)=\n## 说明")
    assert found(root) == [
        f"{CHAPTER}:{line}:1: error MK129 the {{note}} opened with ':::{{note}}' is never closed: it runs "
        f"to the end of the chapter, so lines {line + 1}–{line + 4} go into the {{note}} — 1 heading(s) "
        "(“说明”) that are then unnumbered rubrics, not in the contents; expected a closing ':::' line "
        "where the directive ends, found none"
    ]
    root = make_project(tmp_path / "before")
    line = edit(root, "(complaint-handling)=\n", ":::{note}\n注意\n\n(complaint-handling)=\n")
    process = line + 8
    (message,) = found(root)
    assert message == (
        f"{CHAPTER}:{process}:1: error MK129 the {{process}} opened with ':::{{process}} complaint.handling' "
        f"is never closed inside the {{note}} of line {line}: line {process + 1} closes the {{note}} and "
        f"ends it there; if line {process + 1} was meant to close this one, the {{note}} lacks its own "
        f"closing line before line {process}, or, to hold this one, needs more colons than it "
        "(::::{note} … :::{process} … ::: … ::::); expected a closing ':::' line where the directive ends, "
        "found none"
    )


def test_a_directive_that_takes_no_content_left_open_is_mk128s_alone(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    line = edit(root, ":::{checklist} CL-04-01\n:::\n", ":::{checklist} CL-04-01\n")
    append(root, "正文。")
    (message,) = found(root, ["MK128", "MK129"])
    assert message.startswith(f"{CHAPTER}:{line}:4: error MK128 {{checklist}} takes no content")


# -- MK140: heading levels -----------------------------------------------------------------------


def test_a_heading_level_jump_is_one_error_at_the_heading(tmp_path: Path) -> None:
    """## → #### passed check; MyST warned "Non-consecutive header level increase; H1 to H4" (and
    at the heading under it) and the build stopped."""
    root = make_project(tmp_path)
    line = edit(root, "## 投诉受理\n", "#### 投诉受理\n")
    assert found(root) == [
        f"{CHAPTER}:{line}:1: error MK140 heading “投诉受理” jumps from H1 to H4 under “投诉处理” (line 7): "
        'expected at most ## (H2), found ####; MyST warns "Non-consecutive header level increase; '
        'H1 to H4" and the build stops'
    ]


def test_the_headings_a_jump_leaves_behind_are_named_in_its_message(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    line = edit(root, "## 投诉受理\n", "#### 投诉受理\n\n### 受理渠道\n\n正文。\n")
    (message,) = found(root, ["MK140"])
    assert message.startswith(f"{CHAPTER}:{line}:1: error MK140 heading “投诉受理” jumps from H1 to H4")
    assert message.endswith(f"(the build's warnings at lines {line + 2}, the headings under it, go with it)")


def test_a_second_h1_is_an_error_though_myst_says_nothing(tmp_path: Path) -> None:
    """A second # heading built without a warning, as a chapter of its own: every later chapter's
    number went up by one."""
    root = make_project(tmp_path)
    line = edit(root, "## 投诉处理\n", "# 投诉处理\n")
    assert found(root) == [
        f"{CHAPTER}:{line}:1: error MK140 a second H1 heading “投诉处理” in the chapter (its title is "
        "“投诉处理”, line 7): expected ## (H2), found #; the build makes it a chapter of its own, listed "
        "as such in the contents, and numbers every later chapter one higher"
    ]


def test_a_chapter_that_starts_at_h2_is_one_error_at_its_first_heading(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    line = edit(root, "# 投诉处理\n", "## 投诉处理\n")
    (message,) = found(root, ["MK140"])
    assert message.startswith(
        f"{CHAPTER}:{line}:1: error MK140 the chapter's first heading “投诉处理” is H2: expected # (H1), the "
        'chapter\'s title, found ##; MyST warns "Document headings start at H2, not H1"'
    )
    assert message.endswith("(the build's warnings at lines 12, 20, the headings under it, go with it)")


def test_headings_in_directives_lists_and_code_are_not_sections(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    append(root, ":::{note}\n#### 注意\n:::\n\n- #### 列表中的标题\n\n```text\n# 代码\n```\n\n> ##### 引文")
    assert found(root, ["MK140"]) == []


# -- MK141: footnotes ----------------------------------------------------------------------------


def test_footnotes_without_definition_defined_twice_or_never_cited(tmp_path: Path) -> None:
    """Each stopped the build (docutils: Unknown target name; MyST: Duplicate footnote definition;
    Footnote [#] is not referenced.) while check passed."""
    root = make_project(tmp_path)
    line = append(
        root,
        "引用[^nofn]、[^a]、[^a]和[^1]，代码`[^x]`与转义\\[^y]不是脚注。\n\n"
        "[^a]: 第一个定义。\n\n[^a]: 第二个定义。\n\n[^1]: 数字脚注。\n\n[^unused]: 没有引用。\n\n"
        "[^complaints]: 与章节标签同名。",
    )
    assert found(root, ["MK141"]) == [
        f"{CHAPTER}:{line}:3: error MK141 footnote reference [^nofn] has no definition in this chapter: "
        "expected a line `[^nofn]: …` (docutils: 'Unknown target name: \"nofn\"', the build stops)",
        f"{CHAPTER}:{line + 4}:1: error MK141 footnote [^a] is defined a second time (first on line "
        f"{line + 2}): MyST drops this definition (\"Duplicate footnote definition found for label: 'a'\") "
        "and the build stops; expected one definition per label",
        f"{CHAPTER}:{line + 8}:1: error MK141 footnote [^unused] is defined but never referenced in this "
        'chapter: expected [^unused] in the text, found none ("Footnote [#] is not referenced.", the '
        "build stops); cite it or delete the definition",
        f"{CHAPTER}:{line + 10}:1: error MK141 footnote [^complaints] has the name of the label on line 6: "
        "MyST drops the footnote (\"Duplicate footnote definition found for label: 'complaints'\"), its "
        "references find nothing and the build stops; expected a footnote label of its own",
    ]


def test_a_footnote_reference_typo_suggests_the_defined_label(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    append(root, "见说明[^remark1]。\n\n[^remarks]: 说明。")
    messages = found(root, ["MK141"])
    assert messages[0].endswith("; did you mean [^remarks]?")
    assert len(messages) == 2  # and [^remarks] is then cited nowhere


# -- MK142: {doc} --------------------------------------------------------------------------------


def test_doc_role_naming_no_document(tmp_path: Path) -> None:
    """{doc}`08-apendix` passed check; Sphinx warned "unknown document" and the build stopped."""
    root = make_project(tmp_path)
    text = (
        "见{doc}`08-apendix`、{doc}`附录 <08-appendix>`、{doc}`/08-appendix`、{doc}`../08-appendix`、"
        "{doc}`08-appendix.md`、{doc}`!未链接`、{doc}`08-Appendix`，代码`{doc}`x``。"
    )
    line = append(root, text)
    messages = found(root, ["MK142"])
    assert messages[0] == (
        f"{CHAPTER}:{line}:2: error MK142 {{doc}}`08-apendix` names no document: expected a chapter's "
        "name (its path under manual/ without .md), found '08-apendix', and there is no "
        "manual/08-apendix.md; Sphinx warns \"unknown document: '08-apendix'\" and the build stops; "
        "did you mean {doc}`08-appendix`?"
    )
    assert [m.split(": error")[0] for m in messages] == [
        f"{CHAPTER}:{line}:{text.index(role) + 1}"
        for role in ("{doc}`08-apendix", "{doc}`08-appendix.md", "{doc}`08-Appendix")
    ]
    assert "found the file name '08-appendix.md' (a document's name has no .md)" in messages[1]
    assert messages[1].endswith("did you mean {doc}`08-appendix`?")
    assert messages[2].endswith("did you mean {doc}`08-appendix`?")


def test_doc_role_in_a_subfolder_resolves_from_that_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "manual" / "guide").mkdir()
    page = root / "manual" / "guide" / "intro.md"
    page.write_text(
        "# 指南\n\n见{doc}`steps`、{doc}`../04-complaints`、{doc}`/04-complaints`、{doc}`04-complaints`。\n",
        encoding="utf-8",
    )
    (root / "manual" / "guide" / "steps.md").write_text("# 步骤\n", encoding="utf-8")
    messages = found(root, ["MK142"])
    assert len(messages) == 1, messages
    assert messages[0].startswith("manual/guide/intro.md:3:")
    assert "there is no manual/guide/04-complaints.md" in messages[0]
    assert messages[0].endswith("did you mean {doc}`/04-complaints`?")


# -- the build agrees --------------------------------------------------------------------------

#: Sphinx's and docutils' report lines: ``path:line: WARNING: message [type]``.
_SPHINX_LINE_RE = re.compile(
    r"^(?P<path>[^\s:]+\.md):(?P<line>\d+): (?:WARNING|ERROR): (?P<message>.*)$", re.M
)

REAL_CHAPTER = "manual/04-complaints.md"
FAULTS = {
    "unclosed fence": (
        "(complaint-intake-principles)=\n",
        "```text\n示例\n\n(complaint-intake-principles)=\n",
    ),
    "heading jump": ("## 投诉受理与分类\n", "#### 投诉受理与分类\n"),
    "second h1": ("## 投诉处理流程与时限\n", "# 投诉处理流程与时限\n"),
    "starts at h2": ("(complaints)=\n# 服务投诉与处理\n", "(complaints)=\n## 服务投诉与处理\n"),
    "footnotes": (
        "(complaint-intake)=\n",
        "见[^nofn]和[^a]。\n\n[^a]: 说明。\n\n[^a]: 重复。\n\n[^unused]: 未引用。\n\n(complaint-intake)=\n",
    ),
    "doc": (
        "(complaint-intake)=\n",
        "见{doc}`05-technolgy`和{doc}`05-technology`。\n\n(complaint-intake)=\n",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_checker_reports_where_the_build_stops(tmp_path: Path, fault: str) -> None:
    """The real manual with one fault: Sphinx's warnings (a warning stops the build) fall on the
    lines the checker reports, or on the lines its message names as following from the finding."""
    from conftest import copy_real_manual, run_sphinx

    root = copy_real_manual(tmp_path)
    old, new = FAULTS[fault]
    edit(root, old, new, REAL_CHAPTER)
    report = run_checks(root, today=TODAY, select=["MK12", "MK14"], ignore=NOT_OURS)
    checked = {(d.location.path, d.location.line) for d in report.diagnostics}
    named = {
        (d.location.path, int(n))
        for d in report.diagnostics
        for part in re.findall(r"the build's warnings at lines ([\d, ]+)", d.message)
        for n in re.findall(r"\d+", part)
    }
    run = run_sphinx(root, "dummy", outdir=tmp_path / "dummy")
    reported = list(_SPHINX_LINE_RE.finditer(run.warnings))
    warned = {("manual/" + m["path"].split("manual/")[-1], int(m["line"])) for m in reported}
    assert checked, f"check found nothing; Sphinx said:\n{run.warnings}"
    if fault == "second h1":
        assert warned <= named  # no warning at the heading itself: it renumbers the chapters
    elif fault == "unclosed fence":
        # Sphinx warns where the swallowed labels are cited; the one report is at the fence.
        assert reported and all("undefined label" in m["message"] for m in reported), run.warnings
    else:
        assert warned and checked <= warned <= checked | named, run.warnings
