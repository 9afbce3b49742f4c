"""SVG drawings whose script got past the check (and ran in Chromium): each is refused now.

A drawing the check could not read was let through, entities it did not expand were expanded by
the browser, an animation set a link the check never saw, and ``java&#x9;script:`` was not
``javascript:`` to it.  Also refused: the language's own picture (``chart.zh_CN.svg``, which Sphinx
shows for ``chart.svg``) and every file ``chart.*`` names, which were never checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SphinxRun, append, copy_fixture, run_sphinx
from manualkit.svg_safety import find_active_content

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">\n{body}\n</svg>\n'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
LINKED = '<rect width="40" height="20"/><text y="15">点此</text>'

#: (drawing, what the refusal says after "refusing to publish 'chart.svg': ")
BYPASSES = [
    pytest.param(
        SVG.format(body="<g>" * 300 + "<script>alert(document.domain)</script>" + "</g>" * 300),
        "it cannot be read as SVG: Excessive depth in document: 256, use XML_PARSE_HUGE option (line 2 of "
        "the SVG); a browser may read it, scripts and all, so it is not published",
        id="nested-300-deep",
    ),
    pytest.param(
        '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x "<script>alert(1)</script>">]>\n'
        + SVG.format(body="&x;"),
        "the drawing contains a DOCTYPE with declarations of its own (<!DOCTYPE svg [ … ]>) (line 1 of "
        "the SVG)",
        id="dtd-entity",
    ),
    pytest.param(
        '<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>\n' + SVG.format(body=LINKED),
        "the drawing contains a DOCTYPE with declarations of its own",
        id="dtd-attlist-default",
    ),
    pytest.param(
        SVG.format(body=f'<a><set attributeName="href" to="javascript:alert(1)"/>{LINKED}</a>'),
        'the drawing contains an animation that sets href (<set attributeName="href">) (line 2 of the SVG)',
        id="set-href",
    ),
    pytest.param(
        SVG.replace("<svg ", f"<svg {XLINK} ").format(
            body=f'<a><animate attributeName="xlink:href" values="javascript:alert(1)"/>{LINKED}</a>'
        ),
        'the drawing contains an animation that sets href (<animate attributeName="xlink:href">)',
        id="animate-xlink-href",
    ),
    pytest.param(
        SVG.format(body='<rect width="4" height="4"><set attributeName="onclick" to="alert(1)"/></rect>'),
        'the drawing contains an animation that sets onclick (<set attributeName="onclick">)',
        id="set-onclick",
    ),
    pytest.param(
        SVG.format(body=f'<a href="java&#x9;script:alert(1)">{LINKED}</a>'),
        "the drawing contains a script link (href=javascript:…) (line 2 of the SVG)",
        id="tab-in-scheme",
    ),
    pytest.param(
        SVG.replace("<svg ", f"<svg {XLINK} ").format(
            body=f'<a xlink:href=" &#x20;JaVa&#xA;Scr&#xD;ipt:alert(1)">{LINKED}</a>'
        ),
        "the drawing contains a script link (href=javascript:…)",
        id="newline-cr-and-spaces",
    ),
    pytest.param(
        SVG.format(body=f'<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">{LINKED}</a>'),
        "the drawing contains a script link (href=data:text/html,…)",
        id="data-html-link",
    ),
    pytest.param(
        '<?xml-stylesheet type="text/xsl" href="page.xsl"?>\n' + SVG.format(body=LINKED),
        "the drawing contains a style sheet instruction (<?xml-stylesheet …?>) (line 1 of the SVG)",
        id="xslt-instruction",
    ),
    pytest.param(
        SVG.format(
            body='<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" '
            'srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"/>'
        ),
        "the drawing contains embedded HTML (<iframe> of the XHTML namespace) (line 2 of the SVG)",
        id="xhtml-iframe",
    ),
]


def drawing_build(tmp_path: Path, files: dict[str, str], source: str = "![流程示意](chart.svg)") -> SphinxRun:
    project = copy_fixture("basic", tmp_path)
    for name, text in files.items():
        (project / "manual" / name).write_text(text, encoding="utf-8")
    append(project / "manual" / "01-complaints.md", f"\n{source}\n")
    return run_sphinx(project)


def published_drawings(run: SphinxRun) -> list[str]:
    return [p.name for p in run.outdir.rglob("chart*.svg")]


@pytest.mark.parametrize(("drawing", "what"), BYPASSES)
def test_a_drawing_that_runs_a_script_in_a_browser_is_not_published(
    tmp_path: Path, drawing: str, what: str
) -> None:
    run = drawing_build(tmp_path, {"chart.svg": drawing})
    assert run.app.statuscode == 1
    assert f"refusing to publish 'chart.svg': {what}" in run.warnings, run.warnings
    assert "01-complaints.md:" in run.warnings
    assert published_drawings(run) == []


def test_the_languages_own_drawing_is_checked(tmp_path: Path) -> None:
    """Sphinx shows chart.zh_CN.svg for ![](chart.svg) (``figure_language_filename``)."""
    script = SVG.format(body="<script>alert(document.domain)</script>")
    run = drawing_build(tmp_path, {"chart.svg": SVG.format(body=LINKED), "chart.zh_CN.svg": script})
    assert run.app.statuscode == 1
    assert (
        "refusing to publish 'chart.zh_CN.svg' (for 'chart.svg'): the drawing contains a <script> element"
        in run.warnings
    )
    assert published_drawings(run) == []


def test_every_file_a_pattern_names_is_checked(tmp_path: Path) -> None:
    """``chart.*`` makes every matching file a candidate; the site takes the SVG one."""
    script = SVG.format(body="<script>alert(document.domain)</script>")
    run = drawing_build(tmp_path, {"chart.svg": script}, "```{image} chart.*\n:alt: 流程示意\n```")
    assert run.app.statuscode == 1
    assert "refusing to publish 'chart.svg' (for 'chart.*'): the drawing contains a <script>" in run.warnings
    assert published_drawings(run) == []


def test_a_data_picture_is_a_picture_without_scripts(tmp_path: Path) -> None:
    onload = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4="
    source = (
        "```{image} data:text/html,%3Cscript%3Ealert(1)%3C/script%3E\n```\n\n"
        f"```{{image}} data:image/svg+xml;base64,{onload}\n```\n\n"
        "```{image} data:image/png;base64,iVBORw0KGgo=\n```\n"
    )
    run = drawing_build(tmp_path, {}, source)
    assert run.app.statuscode == 1
    assert "refusing the picture 'data:text/html,%3Cscript%3Ealert(1)%3C/s'…: " in run.warnings
    assert (
        "a picture must be a PNG, JPEG, GIF, WebP or SVG file" in run.warnings
        and "not text/html" in run.warnings
    )
    assert "the drawing contains an event handler (onload=…)" in run.warnings
    assert run.warnings.count("refusing the picture") == 2  # the PNG is a picture


def test_plain_drawings_with_links_within_and_pictures_are_published(tmp_path: Path) -> None:
    body = (
        '<a href="#top"><text y="15">流程</text></a><image href="data:image/png;base64,iVBORw0KGgo="/>'
        '<rect width="4" height="4"><set attributeName="fill" to="red" begin="1s"/></rect>'
    )
    public = (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    )
    run = drawing_build(tmp_path, {"chart.svg": public + SVG.format(body=body)})
    assert run.app.statuscode == 0, run.warnings
    assert published_drawings(run)


@pytest.mark.parametrize(("drawing", "what"), BYPASSES)
def test_the_check_names_each_bypass_too(tmp_path: Path, drawing: str, what: str) -> None:
    """``manualkit check`` (MK612) reads drawings with the same function as the build."""
    path = tmp_path / "chart.svg"
    path.write_text(drawing, encoding="utf-8")
    active = find_active_content(path)
    assert active is not None
    if active.unreadable is not None:
        assert active.what.startswith("XML that cannot be read as SVG (Excessive depth")
    else:
        assert what.split(" (line ")[0] in f"the drawing contains {active.what}"
