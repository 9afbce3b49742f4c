"""Flowcharts that linked although the DOT source check refused links: each is refused now.

The check read ``URL=`` as one token only; DOT spells a name in other ways too, and Graphviz drew
the link (``<a href="javascript:…">`` in ``_images/graphviz-….svg``, embedded in the page, ran on
click).  Beside the source check, Graphviz's own reading of the chart is judged (``-Tjson0``), and
the HTML writer judges the SVG Graphviz wrote; each layer is tested here with the ones before it
switched off.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from sphinx.ext.graphviz import graphviz

from conftest import SphinxRun, append, copy_fixture, run_sphinx
from manualkit.sphinx import graphviz_safety
from manualkit.sphinx.graphviz_safety import RefuseUnsafeGraphs


def chart_build(tmp_path: Path, dot: str) -> SphinxRun:
    project = copy_fixture("basic", tmp_path)
    append(project / "manual" / "01-complaints.md", f"\n:::{{graphviz}}\n:alt: 点此\n{dot}\n:::\n")
    return run_sphinx(project)


def charts_published(run: SphinxRun) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in run.outdir.rglob("*.svg"))


def assert_refused(run: SphinxRun, what: str) -> None:
    assert f"graphviz: {what}" in run.warnings and "01-complaints.md:" in run.warnings, run.warnings
    assert run.app.statuscode == 1
    published = charts_published(run)
    assert "javascript:" not in published and "/etc/" not in published
    # Refused while the chapter was read: the HTML, the PDF and the DOCX get no chart to draw.
    charts = [chart["code"] for chart in run.app.env.get_doctree("01-complaints").findall(graphviz)]
    assert charts and not [code for code in charts if "javascript:" in code or "/etc/" in code]


#: The review's three bypasses, and their kin.
BYPASSES = [
    pytest.param(
        'digraph { a ["UR" + "L"="javascript:alert(document.domain)"; label="点此"] }',
        "the attribute URL=",
        id="concatenation",
    ),
    pytest.param(
        'digraph { a ["UR\\\nL"="javascript:alert(document.domain)"; label="点此"] }',
        "the attribute URL=",
        id="continued-line",
    ),
    pytest.param('digraph { g [<URL>="javascript:alert(1)"] }', "the attribute URL=", id="html-name"),
    pytest.param(
        "digraph { edge [<href>=<javascript:alert(1)>]; a -> b }", "the attribute href=", id="html-name-edge"
    ),
    pytest.param(
        'digraph { a ["ima" /* c */ + // x\n "ge"="/etc/hostname"] }',
        "the attribute image=",
        id="image-split",
    ),
    pytest.param(
        'digraph { a [label=<<TABLE><TR><TD TITLE="x&gt;" hReF = "javascript:w">a&nbsp;</TD></TR>'
        "</TABLE>>] }",
        "HREF= in the HTML-like label tag <TD>",
        id="html-label-lower-case",
    ),
]


@pytest.mark.parametrize(("dot", "what"), BYPASSES)
def test_a_link_spelt_otherwise_is_refused_at_its_line(tmp_path: Path, dot: str, what: str) -> None:
    run = chart_build(tmp_path, dot)
    assert_refused(run, what)


@pytest.mark.parametrize(("dot", "what"), BYPASSES)
def test_graphviz_reading_the_chart_refuses_what_the_source_check_misses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dot: str, what: str
) -> None:
    """Fail-closed: a spelling the source check does not know is still a link Graphviz reads."""
    monkeypatch.setattr(graphviz_safety, "dot_problem", lambda code: None)
    run = chart_build(tmp_path, dot)
    assert_refused(run, what.split(" in the ")[0])
    assert "(as Graphviz reads the chart, on " in run.warnings


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("dot", "what"),
    [
        (
            'digraph { a ["UR" + "L"="javascript:alert(document.domain)"] }',
            "a script link (href=javascript:…)",
        ),
        ('digraph { a ["UR" + "L"="https://evil.example/"] }', "a link (<a href=…>, line "),
        ('digraph { a ["ima" + "ge"="dot.png"] }', "a picture read from a file (<image>, line "),
    ],
)
def test_the_written_drawing_is_checked_before_the_page_embeds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dot: str, what: str
) -> None:
    """With both checks of the DOT switched off, the SVG Graphviz wrote is still not published."""
    monkeypatch.setattr(graphviz_safety, "dot_problem", lambda code: None)
    monkeypatch.setattr(RefuseUnsafeGraphs, "_as_graphviz_reads_it", lambda self, code, program: None)
    project = copy_fixture("basic", tmp_path)
    (project / "manual" / "dot.png").write_bytes(png_1x1())
    append(project / "manual" / "01-complaints.md", f"\n:::{{graphviz}}\n:alt: 点此\n{dot}\n:::\n")
    run = run_sphinx(project)
    assert f"graphviz: {what}" in run.warnings and "01-complaints.md" in run.warnings, run.warnings
    assert run.app.statuscode == 1
    published = charts_published(run)
    assert "javascript:" not in published and "evil.example" not in published and "dot.png" not in published
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert "evil.example" not in html and "点此" not in html  # the refused chart is left out


def test_a_chart_graphviz_cannot_read_is_refused(tmp_path: Path) -> None:
    run = chart_build(tmp_path, "digraph { a -> }")
    assert "graphviz: refusing the chart: Graphviz cannot read it, so it cannot be checked (" in run.warnings
    assert "syntax error" in run.warnings and run.app.statuscode == 1


def test_plain_charts_and_tooltips_are_drawn(tmp_path: Path) -> None:
    dot = (
        'digraph { "受理" [tooltip="客户来电", label=<<B>受理</B><BR/>登记>]; "答复" [label="URL=网址"]; '
        '"受理" -> "答复" [label="1个工作日"] }'
    )
    run = chart_build(tmp_path, dot)
    assert run.app.statuscode == 0, run.warnings
    assert "受理" in charts_published(run)


@pytest.mark.parametrize(
    ("dot", "expected"),
    [
        ('a ["UR" + "L"=x]', "the attribute URL="),
        ('a ["UR\\\nL"=x]', "the attribute URL="),
        ('a ["U\\\\\nRL"=x]', None),  # "\\" stays, the line break too: the name is not URL
        ("a [<URL>=x]", "the attribute URL="),
        ('a ["URL" + ""=x]', "the attribute URL="),
        ('a [label="UR" + "L=x"]', None),
    ],
)
def test_dot_names_are_read_as_graphviz_reads_them(dot: str, expected: str | None) -> None:
    assert graphviz_safety.dot_problem(f"digraph {{ {dot} }}") == expected


def test_an_html_label_that_does_not_parse_is_searched_whole() -> None:
    label = '<TABLE><TR><TD TITLE=">" HREF="javascript:x">a</TD></TR></TABLE>'
    assert graphviz_safety.html_label_problem(label) == "HREF= in the HTML-like label tag <TD>"
    assert (
        graphviz_safety.html_label_problem('<TD TITLE=">" HREF="javascript:x">')
        == "HREF= in an HTML-like label"
    )
    assert graphviz_safety.html_label_problem("x < y HREF=z") == "HREF= in an HTML-like label"
    assert graphviz_safety.html_label_problem("<B>href=x &lt;y&gt;</B>") is None
