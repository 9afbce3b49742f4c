"""manualkit check catches what the build refuses, at file:line:column, with expected vs found.

Each test below plants in the clean fixture project a source that passed `manualkit check` (exit
0) while `manualkit build` refused it: a directive the project disables (MK143), a link or
download of a file outside manual/ or missing (MK124), an option value the directive does not take
(MK122, MK101), a picture whose content is not what its name says (MK124), an SLA table with
nothing to list (MK126). The parity tests check that the checker's copies of the build's rules
(option converters, publishable file types) are the build's own; the slow test at the end builds
the real manual with each fault and compares the lines Sphinx reports with the checker's.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from manualkit.checks import run_checks
from test_checks import TODAY, append_paragraph, make_project

REPO = Path(__file__).resolve().parents[1]
CHAPTER = "manual/04-complaints.md"
PNG = b"\x89PNG\r\n\x1a\n"
PDF = b"%PDF-1.7\n"


def _found(root: Path, select: list[str], *, tracked_only: bool = False) -> list[tuple[str, int, int, str]]:
    report = run_checks(root, today=TODAY, select=select, tracked_only=tracked_only)
    return [(d.code, d.location.line, d.location.column, d.message) for d in report.diagnostics]


def _where(found: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int]]:
    return [(code, line, column) for code, line, column, _message in found]


# -- 1. directives the project disables (MK143) ------------------------------------------------


def test_an_include_directive_is_an_error_saying_it_is_disabled_and_what_to_do(tmp_path: Path) -> None:
    """```{include} /etc/passwd``` passed check; the build said 'Directive "include" disabled'."""
    root = make_project(tmp_path)
    line = append_paragraph(root, "```{include} /etc/passwd\n```")
    found = _found(root, ["MK143"])
    assert _where(found) == [("MK143", line, 4)]
    message = found[0][3]
    assert message.startswith("{include} is disabled in this project: chapters are untrusted sources")
    assert "file_insertion_enabled: false" in message
    assert "'Directive \"include\" disabled'" in message
    assert "paste it into the chapter" in message and "data belongs in data/" in message


def test_raw_and_include_inside_eval_rst_are_errors_at_their_own_lines(tmp_path: Path) -> None:
    """`.. raw:: html` and `.. include::` in an {eval-rst} block passed check; the build said
    '"raw" directive disabled.' and '"include" directive disabled.'. What reStructuredText reads
    as literal text (a literal block, a code block, a comment) is no directive."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        "```{eval-rst}\n"
        ".. raw:: html\n\n   <b>x</b>\n\n"
        ".. note::\n\n   .. include:: ../conf.py\n\n"
        "An example::\n\n   .. raw:: html\n\n"
        ".. code-block:: rst\n\n   .. include:: x.rst\n\n"
        ".. a comment\n   .. raw:: latex\n"
        "```",
    )
    found = _found(root, ["MK143"])
    assert _where(found) == [("MK143", line + 1, 1), ("MK143", line + 7, 4)]
    raw, include = (message for *_where_, message in found)
    assert raw.startswith(".. raw:: (in {eval-rst}) is disabled in this project")
    assert "raw_enabled: false" in raw and "'\"raw\" directive disabled.'" in raw
    assert include.startswith(".. include:: (in {eval-rst}) is disabled in this project")
    assert "'\"include\" directive disabled.'" in include


def test_every_way_to_read_a_file_or_pass_raw_output_is_disabled(tmp_path: Path) -> None:
    """{raw}, {literalinclude}, {csv-table} :file:, the {raw} role and the Chinese name {包含}: each
    stopped the build ('"raw" directive disabled.', "File insertion disabled", "File and URL access
    deactivated", "raw (and derived) roles disabled", 'Directive "包含" disabled')."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        "```{raw} html\n<b>x</b>\n```\n\n"
        "```{literalinclude} ../conf.py\n```\n\n"
        "```{csv-table}\n:file: ../data/x.csv\n```\n\n"
        "见{raw}`<b>x</b>`。\n\n"
        "```{包含} /etc/passwd\n```\n\n"
        "```{csv-table}\n:header-rows: 1\n\n甲,乙\n1,2\n```",
    )
    found = _found(root, ["MK143"])
    assert _where(found) == [
        ("MK143", line, 4),
        ("MK143", line + 4, 4),
        ("MK143", line + 8, 1),
        ("MK143", line + 11, 2),
        ("MK143", line + 13, 4),
    ]
    messages = [message for *_where_, message in found]
    assert "'\"raw\" directive disabled.'" in messages[0]
    assert "'File insertion disabled'" in messages[1]
    assert messages[2].startswith("{csv-table} with :file: is disabled in this project")
    assert "'raw (and derived) roles disabled'" in messages[3]
    assert "'Directive \"包含\" disabled'" in messages[4]


# -- 2. links and downloads of files outside manual/ (MK124) ------------------------------------


def test_links_to_files_outside_manual_are_errors_at_the_path(tmp_path: Path) -> None:
    """[链接](../data/slas.yaml) and [密码](../.env) passed check; the build refused to publish them
    ("refusing to publish '../data/slas.yaml': it is outside manual/"), or, with no .env, found no
    cross-reference target."""
    root = make_project(tmp_path)
    (root / ".env").write_text("SECRET=1\n", encoding="utf-8")
    text = "见[链接](../data/slas.yaml)、[密码](../.env)和[旧](../../gone.txt)。"
    line = append_paragraph(root, text)
    found = _found(root, ["MK124"])
    assert _where(found) == [
        ("MK124", line, text.index("../data") + 1),
        ("MK124", line, text.index("../.env") + 1),
        ("MK124", line, text.index("../../gone") + 1),
    ]
    slas, env, gone = (message for *_where_, message in found)
    assert slas == (
        "link to '../data/slas.yaml' is outside manual/ (it is data/slas.yaml): expected a file under "
        "manual/; the build refuses to publish it (\"refusing to publish '../data/slas.yaml': it is "
        "outside manual/\"): only the manual's own files are published — data belongs in data/ and "
        "reaches the manual through its directives"
    )
    assert env.startswith("link to '../.env' is outside manual/ (it is .env)")
    assert gone.startswith("link to '../../gone.txt' leads outside manual/")
    assert "'myst' cross-reference target not found" in gone


def test_downloads_outside_missing_of_the_wrong_type_or_untracked_are_errors(tmp_path: Path) -> None:
    """{download}`../data/slas.yaml` was refused by the build, {download}`missing.pdf` stopped it
    ("download file not readable"), a page offered as a download was refused; a form under
    manual/, a link to a chapter, a label or a web address are fine."""
    root = make_project(tmp_path)
    (root / "manual" / "forms").mkdir()
    (root / "manual" / "forms" / "登记表.pdf").write_bytes(PDF)
    (root / "manual" / "forms" / "guide.html").write_text("<script>x</script>", encoding="utf-8")
    (root / "manual" / "forms" / "fake.pdf").write_text("not a pdf", encoding="utf-8")
    faults = (
        "下载{download}`../data/slas.yaml`、{download}`missing.pdf`、{download}`说明 <forms/guide.html>`"
        "和[假表](forms/fake.pdf)。"
    )
    line = append_paragraph(
        root,
        f"{faults}\n\n"
        "可用：{download}`forms/登记表.pdf`、[登记表](forms/登记表.pdf)、[附录](08-appendix.md)、"
        "[受理](complaint-intake)、[官网](https://example.com/a.pdf)、[路径](path:forms/登记表.pdf)。",
    )
    found = _found(root, ["MK124"])
    assert _where(found) == [
        ("MK124", line, faults.index("{download}`../") + 1),
        ("MK124", line, faults.index("{download}`missing") + 1),
        ("MK124", line, faults.index("{download}`说明") + 1),
        ("MK124", line, faults.index("forms/fake.pdf") + 1),
    ]
    outside, missing, page, fake = (message for *_where_, message in found)
    assert outside.startswith("{download} of '../data/slas.yaml' is outside manual/")
    assert missing == (
        "{download} of 'missing.pdf' not found: expected the file manual/missing.pdf, found no file; the "
        'build stops ("download file not readable")'
    )
    assert page.startswith("{download} of 'forms/guide.html' is a .html file: expected a PDF, Word (.docx)")
    assert fake.startswith(
        "link to 'forms/fake.pdf' is not a PDF file: expected content that begins as a PDF file does, "
        "found text ('not a pdf')"
    )


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True, capture_output=True)


def test_a_download_git_does_not_track_fails_the_tracked_only_check(tmp_path: Path) -> None:
    """As an untracked picture (MK124): the hook passed, every other checkout stopped with
    "download file not readable"."""
    root = make_project(tmp_path)
    (root / "manual" / "forms").mkdir()
    (root / "manual" / "forms" / "a.pdf").write_bytes(PDF)
    (root / "manual" / "forms" / "b.pdf").write_bytes(PDF)
    line = append_paragraph(root, "下载{download}`forms/a.pdf`和[表B](forms/b.pdf)。")
    assert _found(root, ["MK124"], tracked_only=True) == []  # no git: the files on disk count
    _git(root, "init", "-q")
    _git(
        root,
        "add",
        "manual/index.md",
        "manual/04-complaints.md",
        "manual/08-appendix.md",
        "manual/forms/b.pdf",
    )
    found = _found(root, ["MK124"], tracked_only=True)
    assert _where(found) == [("MK124", line, 3)]
    assert found[0][3] == (
        "{download} of 'forms/a.pdf' is manual/forms/a.pdf, which git does not track (git add it: the "
        "commit would lack it)"
    )
    assert _found(root, ["MK124"]) == []  # without --tracked-only the file on disk counts


# -- 3. option values the build rejects (MK122, MK101) ------------------------------------------


def test_option_values_the_directive_does_not_take_are_errors_at_the_value(tmp_path: Path) -> None:
    """:align: middle, :widths: a b c and :maxdepth: two passed check; MyST warned "Invalid option
    value" and the build stopped."""
    root = make_project(tmp_path)
    table = "| a | b | c |\n| - | - | - |\n| 1 | 2 | 3 |"
    line = append_paragraph(
        root,
        f":::{{table}} 标题\n:align: middle\n\n{table}\n:::\n\n"
        f":::{{table}} 标题\n:widths: a b c\n\n{table}\n:::\n\n"
        "```{toctree}\n:maxdepth: two\n```\n\n"
        f":::{{table}} 标题\n:align: center\n:widths: 20 30 50\n\n{table}\n:::",
    )
    found = _found(root, ["MK122"])
    # table: fence, option, blank, three rows, fence, blank (8 lines); toctree: fence, option
    assert _where(found) == [("MK122", line + 1, 9), ("MK122", line + 9, 10), ("MK122", line + 17, 12)]
    align, widths, maxdepth = (message for *_where_, message in found)
    assert align == (
        "{table} option :align: expected one of left, center, right; found 'middle' (MyST warns "
        "\"Invalid option value for 'align'\" and the build stops)"
    )
    assert "expected auto, grid, or one whole number greater than 0 per column" in widths
    assert "found 'a b c'" in widths
    assert maxdepth.startswith("{toctree} option :maxdepth: expected a whole number, e.g. 2; found 'two'")


def test_an_sla_table_chapter_that_names_no_chapter_is_an_error(tmp_path: Path) -> None:
    """:chapter: 99-nothing passed check; the build said "sla-table: unknown chapter id"."""
    root = make_project(tmp_path)
    line = append_paragraph(
        root,
        ":::{sla-table}\n:chapter: 99-nothing\n:::\n\n"
        ":::{sla-table}\n:chapter: /04-complaints\n:::\n\n"
        ":::{sla-table}\n:chapter: 04-complaints\n:::",
    )
    found = _found(root, ["MK122"])
    assert _where(found) == [("MK122", line + 1, 11), ("MK122", line + 5, 11)]
    nothing, slashed = (message for *_where_, message in found)
    assert nothing == (
        "{sla-table} option :chapter: expected a chapter's name (its path under manual/ without .md, e.g. "
        "04-complaints), or nothing for the table's own chapter; found '99-nothing', and there is no "
        "manual/99-nothing.md (the build stops: \"sla-table: unknown chapter id '99-nothing'\")"
    )
    assert slashed.endswith("did you mean '04-complaints'?")


def _tag_slas(root: Path) -> None:
    """Give the fixture's first SLA the tag `complaint` (the fixture's SLAs have none)."""
    slas = root / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    slas.write_text(
        text.replace("  section: complaint-intake\n", "  section: complaint-intake\n  tags: [complaint]\n", 1)
    )


def test_a_repeated_option_counts_with_its_last_value_as_in_myst(tmp_path: Path) -> None:
    """MyST keeps the last of a repeated option: `:tags: complaint` then `:tags: bogus-tag` made the
    build say "unknown tag id 'bogus-tag'" while check read the first and passed; the other way
    round the build passes, and so must check."""
    root = make_project(tmp_path)
    _tag_slas(root)
    line = append_paragraph(
        root,
        ":::{sla-table}\n:tags: complaint\n:tags: complaint, bogus-tag\n:::\n\n"
        ":::{sla-table}\n:tags: bogus-first\n:tags: complaint\n:::",
    )
    found = _found(root, ["MK101", "MK122", "MK126"])
    assert _where(found) == [("MK101", line + 2, 19)]
    assert found[0][3].startswith(
        "unknown SLA tag 'bogus-tag' in the :tags: of {sla-table}: expected a tag of an SLA in "
        "data/slas.yaml (complaint), found 'bogus-tag'; the build stops (\"sla-table: unknown tag id "
        "'bogus-tag'\")"
    )


def test_an_sla_table_whose_filters_select_nothing_is_an_error(tmp_path: Path) -> None:
    """Valid tag and section that no SLA has together: the build said "sla-table: no SLA matches"."""
    root = make_project(tmp_path)
    _tag_slas(root)
    line = append_paragraph(
        root,
        ":::{sla-table}\n:tags: complaint\n:section: complaint-handling\n:::\n\n"
        ":::{sla-table}\n:tags: complaint\n:section: complaint-intake\n:::",
    )
    found = _found(root, ["MK126"])
    assert _where(found) == [("MK126", line, 4)]
    assert found[0][3].startswith(
        "{sla-table} lists no SLA: no SLA in data/slas.yaml has :tags: complaint; :section: "
        'complaint-handling (filters combine with "and"); expected at least one, found none'
    )


def test_option_values_are_read_as_myst_reads_them(tmp_path: Path) -> None:
    """A comment after a value, quotes around it and an option without a value are what MyST
    converts: `:maxdepth: 2  # 两级` is 2, and `glob:` in a --- block is no text "None"."""
    root = make_project(tmp_path)
    append_paragraph(
        root,
        '```{toctree}\n:maxdepth: 2  # 两级\n:caption: "目录"\n```\n\n'
        "```{toctree}\n---\nmaxdepth: 1\nnumbered:\n---\n```",
    )
    assert _found(root, ["MK122"]) == []


# -- 4. a picture whose content is not what its name says (MK124) -------------------------------


def test_a_picture_whose_content_is_not_what_its_name_says_is_an_error(tmp_path: Path) -> None:
    """manual/pic.png holding text passed check; the build said "refusing to publish 'pic.png': its
    content is not that of a PNG file". A JPEG named .png, and a page shown as a picture, too."""
    root = make_project(tmp_path)
    manual = root / "manual"
    (manual / "pic.png").write_text("hello text\n", encoding="utf-8")
    (manual / "photo.png").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    (manual / "page.html").write_text("<html></html>", encoding="utf-8")
    (manual / "ok.png").write_bytes(PNG)
    line = append_paragraph(root, "![图](pic.png) ![照片](photo.png) ![页](page.html) ![好](ok.png)")
    found = _found(root, ["MK124"])
    assert _where(found) == [("MK124", line, 1), ("MK124", line, 15), ("MK124", line, 32)]
    text, photo, page = (message for *_where_, message in found)
    assert text == (
        "image 'pic.png' is not a PNG file: expected content that begins as a PNG file does, found text "
        "('hello text'); the build refuses to publish it (\"its content is not that of a PNG file\") — "
        "save it again as PNG"
    )
    assert "found a JPEG picture" in photo
    assert page.startswith(
        "image 'page.html' is a .html file: expected a PNG, JPEG, GIF, WebP or SVG picture"
    )


def _sphinx_directives() -> dict[str, type]:
    """Every directive a chapter may use under the project's conf.py, by name (starts Sphinx)."""
    from docutils.parsers.rst import directives

    from manualkit.checks.markup import _registry_items, configured_sphinx

    with configured_sphinx(REPO) as app:
        found = _registry_items(directives._directive_registry, directives._directives, "directives")
        for domain in app.env.domains.sorted():
            if domain.name in ("std", app.config.primary_domain):
                for name, cls in domain.directives.items():
                    found.setdefault(name, cls)
    return {name: cls for name, cls in found.items() if isinstance(cls, type) and ":" not in name}


#: Values tried on every converter: the checker must accept and refuse what the build does.
SAMPLES = (
    None, "0", "1", "2", "7", "-1", "two", "1.5", "30 70", "30,70", "a b c", "auto", "grid", "left",
    "center", "Center", "right", "middle", "top", "open", "closed", "x", "80%", "120px", "3em", "5 cm",
    "image", "lazy", "embed", "entry", "none", "wide", "wide narrow", "中文", "utf-8", "no-such-codec",
    "tab", "space", "U+003B", ";", ";;",
)  # fmt: skip
#: Directives whose options the checker does not judge, and why.
NOT_JUDGED = {
    "include": "disabled outright (MK143)",
    "literalinclude": "disabled outright (MK143)",
    "raw": "disabled outright (MK143)",
    "restructuredtext-test-directive": "docutils' test directive",
    "figure-md": "MyST's own figure, not used by the manual",
}


def test_the_option_converters_are_the_directives_own() -> None:
    """For every option whose value can be wrong, the checker converts as the directive's
    ``option_spec`` does (same values accepted and refused); any new one is listed."""
    from docutils.parsers.rst import directives

    from manualkit.checks.rules_option_values import OPTION_VALUES, canonical_directive, option_converter

    any_text = {directives.unchanged, directives.flag}
    missing: list[str] = []
    for name, cls in sorted(_sphinx_directives().items()):
        canonical = canonical_directive(name)
        if canonical in NOT_JUDGED or (
            cls.__module__.startswith("sphinx.domains.") and canonical not in OPTION_VALUES
        ):
            continue  # domain objects (py:function …) are no manual markup
        for option, real in (getattr(cls, "option_spec", None) or {}).items():
            if real in any_text or (option in ("file", "url") and canonical == "csv-table"):
                continue
            checker = option_converter(name, option)
            if checker is None:
                missing.append(f"{name} :{option}:")
                continue
            convert, expected = checker
            for value in SAMPLES:
                outcomes = []
                for function in (real, convert):
                    try:
                        function(value)
                        outcomes.append(True)
                    except Exception:  # ValueError, TypeError (and AttributeError: the build crashes)
                        outcomes.append(False)
                assert outcomes[0] == outcomes[1], (name, option, value, expected)
    assert missing == []


def test_the_disabled_directives_are_every_one_that_reads_a_file_or_passes_raw_output() -> None:
    """Every directive class the project registers that inserts a file or raw output is refused
    by MK143 under each of its names (Sphinx's and docutils' include, the Chinese 包含 …)."""
    from docutils.parsers.rst.directives.misc import Include, Raw
    from sphinx.directives.code import LiteralInclude

    from manualkit.checks.rules_disabled_markup import _FILE_DIRECTIVES, _RAW_DIRECTIVES
    from manualkit.checks.rules_option_values import canonical_directive

    for name, cls in _sphinx_directives().items():
        if issubclass(cls, (Include, LiteralInclude)):
            assert canonical_directive(name) in _FILE_DIRECTIVES, name
        if issubclass(cls, Raw):
            assert canonical_directive(name) in _RAW_DIRECTIVES, name


# -- the build agrees ---------------------------------------------------------------------------

#: Sphinx's and docutils' report lines: ``path:line: WARNING|ERROR: message``.
_SPHINX_LINE_RE = re.compile(
    r"^(?P<path>[^\s:]+\.md):(?P<line>\d*): (?:WARNING|ERROR): (?P<message>.*)$", re.M
)

#: Fault → (text appended to the real chapter 4, a file to write under the project, its bytes).
FAULTS: dict[str, tuple[str, str | None, bytes]] = {
    "include": ("```{include} /etc/passwd\n```", None, b""),
    "eval-rst raw": ("```{eval-rst}\n.. raw:: html\n\n   <b>x</b>\n```", None, b""),
    "eval-rst include": ("```{eval-rst}\n.. include:: /etc/passwd\n```", None, b""),
    "link outside": ("见[链接](../data/slas.yaml)。", None, b""),
    "link to .env": ("见[密码](../.env)。", ".env", b"SECRET=1\n"),
    "download missing": ("见{download}`missing.pdf`。", None, b""),
    "sla-table chapter": (":::{sla-table}\n:chapter: 99-nothing\n:::", None, b""),
    "sla-table tags": (":::{sla-table}\n:tags: complaint\n:tags: bogus-tag\n:::", None, b""),
    "table align": (":::{table} 标题\n:align: middle\n\n| a | b |\n| - | - |\n| 1 | 2 |\n:::", None, b""),
    "table widths": (":::{table} 标题\n:widths: a b\n\n| a | b |\n| - | - |\n| 1 | 2 |\n:::", None, b""),
    "toctree maxdepth": ("```{toctree}\n:maxdepth: two\n```", None, b""),
    "picture content": ("![图](pic.png)", "manual/pic.png", b"hello text\n"),
    "empty sla-table": (":::{sla-table}\n:tags: system\n:section: complaint-process\n:::", None, b""),
}


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_build_refuses_what_the_checker_reports(tmp_path: Path, fault: str) -> None:
    """The real manual with one fault: the build reports a problem, on the line the checker reports
    (or, for an option, on the directive the option belongs to)."""
    from conftest import copy_real_manual, run_sphinx

    root = copy_real_manual(tmp_path)
    text, extra, content = FAULTS[fault]
    chapter = root / CHAPTER
    before = chapter.read_text(encoding="utf-8")
    chapter.write_text(f"{before}\n{text}\n", encoding="utf-8")
    first = before.count("\n") + 2
    if extra:
        (root / extra).write_bytes(content)
    report = run_checks(root, today=TODAY, select=["MK1"])
    checked = {d.location.line for d in report.diagnostics if d.severity == "error"}
    assert checked, "check found nothing"
    run = run_sphinx(root, "html", outdir=tmp_path / "html")
    reported = [m for m in _SPHINX_LINE_RE.finditer(run.warnings) if m["path"].endswith("04-complaints.md")]
    assert reported, run.warnings
    warned = {int(m["line"]) for m in reported if m["line"]}
    # The build names a directive's first line (or no line at all for a role); the checker the
    # option's own line, within the directive.
    assert all(first <= line <= first + text.count("\n") for line in checked | warned), (checked, warned)
