"""Characters the PDF's fonts cannot draw: the checker reports them (MK619), the build places them.

Before MK619, `manualkit check` passed a chapter with 👉 pasted from WeChat or a data label with a
private-use character, and only `manualkit build pdf` refused it — at the chapter line of the
directive that rendered the data (``manual/08-appendix.md:72`` in a 64-line chapter), and with
every problem printed twice.  The fonts are those installed here (Noto CJK, DejaVu): each test
that needs them is skipped when they are not.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from manualkit.builders.pdf_fonts import DEFAULT_FONT_STACKS, Coverage, FontError, resolve_stacks
from manualkit.checks import run_checks
from manualkit.diagnostics import Diagnostic
from test_pdf import run_build

ROOT = Path(__file__).resolve().parents[1]
CHECKS_FIXTURE = ROOT / "tests" / "fixtures" / "checks" / "clean"
PDF_FIXTURE = ROOT / "tests" / "fixtures" / "pdf"
TODAY = dt.date(2025, 12, 1)
POINTING = "\U0001f449"  # 👉 WHITE RIGHT POINTING BACKHAND INDEX, as WeChat pastes it
PRIVATE = "\ue000"  # a private-use character, as an input method leaves one


def _coverage_or_skip() -> Coverage:
    try:
        return Coverage(resolve_stacks(DEFAULT_FONT_STACKS))
    except FontError as exc:
        pytest.skip(f"the PDF fonts are not installed here: {exc}")


def _checks_project(tmp_path: Path) -> Path:
    root = tmp_path / "manual-project"
    shutil.copytree(CHECKS_FIXTURE, root)
    (root / "conf.py").write_text('"""Fixture: the PDF fonts are the defaults."""\n', encoding="utf-8")
    ini = root / ".vale.ini"  # the house style rules, where the fixture's relative path leads from here
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "../../../../tools/vale/styles", (ROOT / "tools" / "vale" / "styles").as_posix()
        ),
        encoding="utf-8",
    )
    return root


def _append_to_line(path: Path, number: int, text: str) -> int:
    """Append ``text`` to line ``number`` (1-based); return its 1-based column."""
    lines = path.read_text(encoding="utf-8").split("\n")
    column = len(lines[number - 1]) + 1
    lines[number - 1] += text
    path.write_text("\n".join(lines), encoding="utf-8")
    return column


def _replace_once(path: Path, old: str, new: str) -> tuple[int, int]:
    """Replace the first ``old``; return the 1-based (line, column) of the first character of
    ``new`` that ``old`` lacks."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    path.write_text(changed, encoding="utf-8")
    offset = next(i for i, (a, b) in enumerate(zip(text, changed, strict=False)) if a != b)
    before = changed[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _glyph_findings(root: Path) -> list[Diagnostic]:
    return list(run_checks(root, today=TODAY, select=["MK619"]).diagnostics)


def test_checker_reports_a_pasted_emoji_in_a_chapter_at_its_line_and_column_once(tmp_path: Path) -> None:
    _coverage_or_skip()
    root = _checks_project(tmp_path)
    column = _append_to_line(root / "manual" / "04-complaints.md", 14, f"详情{POINTING}下文{POINTING}")
    found = _glyph_findings(root)
    assert [(d.code, d.severity, str(d.location)) for d in found] == [
        ("MK619", "error", f"manual/04-complaints.md:14:{column + 2}")
    ]
    message = found[0].message
    assert "'👉' (U+1F449 WHITE RIGHT POINTING BACKHAND INDEX)" in message
    assert "2 times on this line" in message
    assert "Noto Serif CJK SC" in message  # the fonts it is not in
    assert "delete it or replace it with text, e.g. 👉 → “见”" in message


def test_checker_reports_a_private_use_character_of_a_data_label_at_its_data_position(tmp_path: Path) -> None:
    _coverage_or_skip()
    root = _checks_project(tmp_path)
    # The form is printed twice (inline in chapter 4, and as the appendix): one report, at the data.
    line, column = _replace_once(root / "data" / "forms.yaml", "label: 客户姓名", f"label: 客户{PRIVATE}姓名")
    found = _glyph_findings(root)
    assert [str(d.location) for d in found] == [f"data/forms.yaml:{line}:{column}"]
    assert "U+E000 private-use character" in found[0].message
    assert "'客户\\ue000姓名'" in found[0].message  # the value it is in


def test_check_exits_non_zero_for_characters_the_pdf_cannot_draw(tmp_path: Path) -> None:
    _coverage_or_skip()
    root = _checks_project(tmp_path)
    command = [sys.executable, "-m", "manualkit", "check", "--today", TODAY.isoformat(), "--ignore", "MK7"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tools"), os.environ.get("PYTHONPATH")])),
    }
    clean = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    _append_to_line(root / "manual" / "04-complaints.md", 14, POINTING)
    _replace_once(root / "data" / "forms.yaml", "label: 客户姓名", f"label: 客户{PRIVATE}姓名")
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("MK619") == 2
    assert "2 error(s)" in result.stdout


def test_code_is_checked_against_the_monospace_fonts_and_unprinted_text_not_at_all(tmp_path: Path) -> None:
    coverage = _coverage_or_skip()
    text, mono = coverage("body") & coverage("heading"), coverage("mono")
    only_text = next(
        (chr(c) for c in sorted(text - mono) if unicodedata.category(chr(c)).startswith("S")), None
    )
    only_mono = next(
        (chr(c) for c in sorted(mono - text) if unicodedata.category(chr(c)).startswith("S")), None
    )
    if only_text is None or only_mono is None:
        pytest.skip("the installed fonts cover the same symbols in code and in text")
    root = _checks_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    original = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        original.replace("review_due: 2026-06-30\n", f"review_due: 2026-06-30\nnote: {POINTING}\n", 1)
        + f"\n% {POINTING} a comment is never printed\n"
        + f"\n见[说明](https://example.com/{POINTING})，代码`a{only_text}b`，文字{only_text}，代码`{only_mono}`。\n"
        + f"\n```\ncode {only_text} {only_mono}\n```\n"
        + f"\n:::{{note}}\n:class: x{POINTING}\n注意{POINTING}\n:::\n",
        encoding="utf-8",
    )
    lines = chapter.read_text(encoding="utf-8").split("\n")
    prose = next(n for n, line in enumerate(lines, start=1) if line.startswith("见[说明]"))
    code = lines.index(f"code {only_text} {only_mono}") + 1
    note = lines.index(f"注意{POINTING}") + 1
    got = [
        (d.location.line, d.location.column, d.message.split(" is not in ")[1].split(" fonts")[0])
        for d in _glyph_findings(root)
    ]
    assert got == [
        (prose, lines[prose - 1].index(f"a{only_text}b") + 2, "the PDF's monospace"),  # inline code
        (code, 6, "the PDF's monospace"),  # a code block; its other symbol is in the monospace fonts
        (note, 3, "the PDF's body"),  # an admonition's text; its :class: option is not printed
    ]


@pytest.mark.parametrize("how", ["no fc-match", "no fonts"])
def test_fonts_that_cannot_be_found_are_said_once_not_per_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    root = _checks_project(tmp_path)
    _append_to_line(root / "manual" / "04-complaints.md", 14, f"{POINTING}{PRIVATE}")
    _append_to_line(root / "manual" / "04-complaints.md", 9, POINTING)
    if how == "no fc-match":
        empty = tmp_path / "bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
    else:
        if shutil.which("fc-match") is None:
            pytest.skip("fontconfig is not installed")
        config = tmp_path / "fonts.conf"
        config.write_text(
            f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "no-fonts"}</dir>'
            f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    found = _glyph_findings(root)
    assert [(d.code, d.severity, d.location.path) for d in found] == [("MK619", "warning", "conf.py")]
    assert "no character was checked" in found[0].message
    assert ("fontconfig" if how == "no fc-match" else "fonts-noto-cjk") in found[0].message


def test_the_builder_places_text_rendered_from_data_at_the_data_file(tmp_path: Path) -> None:
    """Without a build: a form label's text node, as the form directive leaves it (in an ``mk-form``
    container, located at the chapter line of the directive plus the template's line)."""
    coverage = _coverage_or_skip()
    from docutils import nodes
    from docutils.utils import new_document

    from manualkit.builders.pdf import _GlyphPlaces
    from manualkit.builders.pdf_fonts import iter_missing_glyphs

    project = tmp_path / "pdf"
    shutil.copytree(PDF_FIXTURE, project)
    line, column = _replace_once(
        project / "data" / "forms.yaml", "label: 客户姓名", f"label: 客户{PRIVATE}姓名"
    )
    chapter = project / "manual" / "03-forms.md"
    document = new_document(str(chapter))
    form = nodes.container(classes=["mk-form"])
    label = nodes.paragraph("", "", nodes.Text(f"客户{PRIVATE}姓名"))
    label.source, label.line = str(chapter), 72  # past the chapter's end, as the build had it
    form += label
    prose = nodes.paragraph("", "", nodes.Text(f"见下文{POINTING}"))
    prose.source, prose.line = str(chapter), 8
    document += [form, prose]
    chapter.write_text(
        chapter.read_text(encoding="utf-8").replace("# 附录 表单", f"# 附录 表单\n见下文{POINTING}"),
        encoding="utf-8",
    )
    places = _GlyphPlaces(project / "data", project)
    located = [places.locate(missing) for missing in iter_missing_glyphs(document, coverage)]
    assert located[0] == (
        f"{project / 'data' / 'forms.yaml'}:{line}:{column}",
        "forms[0].fields[0].label (F-02-01) '客户\\ue000姓名'",
    )
    assert located[1] == (f"{chapter}:8:4", None)  # chapter text stays in the chapter, with its column


@pytest.mark.slow
def test_pdf_build_reports_data_text_at_the_data_file_and_each_problem_once(tmp_path: Path) -> None:
    _coverage_or_skip()
    project = tmp_path / "pdf"
    shutil.copytree(PDF_FIXTURE, project, ignore=shutil.ignore_patterns("build", "__pycache__"))
    # F-02-01 is printed twice (inline in chapter 2, and as an appendix of chapter 3).
    line, column = _replace_once(
        project / "data" / "forms.yaml", "label: 客户姓名", f"label: 客户{PRIVATE}姓名"
    )
    chapter_column = _append_to_line(project / "manual" / "02-complaints.md", 18, POINTING)
    result = run_build(project).result  # sphinx-build -b pdf, as tests/test_pdf.py runs it
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"data/forms.yaml:{line}:{column}: ERROR: character '\\ue000' (U+E000" in output
    assert f"02-complaints.md:18:{chapter_column}: ERROR: character '👉' (U+1F449" in output
    assert "03-forms.md" not in output  # the directive's chapter is not where the label is written
    assert output.count("U+E000") == 1
    assert output.count("U+1F449") == 1
    assert "2 problem(s), listed above; no PDF written" in output
    assert not (project / "build" / "pdf").exists()
