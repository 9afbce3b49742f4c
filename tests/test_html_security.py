"""Untrusted sources cannot inject HTML, read files outside the project, or escape the template sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docutils import nodes

from conftest import REPO, TEMPLATES, append, copy_fixture, run_sphinx
from manualkit.templating import TemplateRenderer, TemplateRenderError, escape_myst


def test_script_in_a_chapter_is_escaped(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    append(
        project / "manual" / "01-complaints.md",
        '\n<script>alert("mk-block")</script>\n\n行内 <script>alert("mk-inline")</script> 文字。\n',
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&quot;mk-block&quot;)" in html
    assert "&lt;script&gt;alert(&quot;mk-inline&quot;)" in html


@pytest.mark.parametrize("directive", ["include", "literalinclude"])
def test_including_a_file_outside_the_project_is_refused(tmp_path: Path, directive: str) -> None:
    secret = tmp_path / "outside.md"
    secret.write_text("MK-SECRET-OUTSIDE\n", encoding="utf-8")
    project = copy_fixture("basic", tmp_path)
    append(project / "manual" / "01-complaints.md", f"\n:::{{{directive}}} {secret}\n:::\n")
    run = run_sphinx(project)
    assert "01-complaints.md" in run.warnings
    assert "disabled" in run.warnings.lower()
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert "MK-SECRET-OUTSIDE" not in html


def test_template_reaching_python_internals_is_a_build_error(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    fragment = templates / "fragments" / "sla-table.md.j2"
    lines = fragment.read_text(encoding="utf-8").splitlines()
    lines.insert(1, "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    fragment.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = run_sphinx(project, overrides={"manualkit_templates_dir": str(templates)})
    assert "templates/fragments/sla-table.md.j2:2" in run.warnings
    assert "unsafe template expression refused by the sandbox" in run.warnings
    assert "01-complaints.md:" in run.warnings and "ERROR" in run.warnings
    assert "__subclasses__" not in (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert run.app.statuscode == 1


def test_data_values_are_text_not_markup(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    forms = project / "data" / "forms.yaml"
    hostile = "<script>alert(1)</script> {sla}`complaint.ack` {{ ''.__class__ }} [x](javascript:alert(1))"
    forms.write_text(
        forms.read_text(encoding="utf-8").replace(
            "purpose: 登记客户投诉的基本信息与处理过程", f"purpose: '{hostile.replace(chr(39), chr(39) * 2)}'"
        ),
        encoding="utf-8",
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    tree = run.app.env.get_doctree("01-complaints")
    purpose = next(p for p in tree.findall(nodes.paragraph) if p.astext().startswith("用途："))
    assert purpose.astext() == f"用途：{hostile}"
    assert not list(purpose.findall(nodes.reference))
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html


def test_renderer_sandbox_and_strict_undefined(tmp_path: Path) -> None:
    fragments = tmp_path / "templates" / "fragments"
    fragments.mkdir(parents=True)
    (fragments / "evil.md.j2").write_text("ok\n{{ x.__class__.__mro__ }}\n", encoding="utf-8")
    (fragments / "typo.md.j2").write_text("{{ missing_name }}\n", encoding="utf-8")
    renderer = TemplateRenderer([tmp_path / "templates"])
    with pytest.raises(TemplateRenderError, match=r"templates/fragments/evil\.md\.j2:2: unsafe"):
        renderer.render("fragments/evil.md.j2", {"x": "text"})
    with pytest.raises(TemplateRenderError, match="missing_name"):
        renderer.render("fragments/typo.md.j2", {})


def test_escape_myst_is_lossless_text() -> None:
    assert escape_myst("{sla}`a.b`") == "\\{sla\\}\\`a\\.b\\`"
    assert escape_myst("投诉\n处理") == "投诉 处理"
    assert escape_myst("工作日9:00") == "工作日9\\:00"


@pytest.mark.parametrize("source", ["{{download}}`git <{secret}>`\n", "![git]({secret})\n"])
def test_project_files_beside_the_manual_are_not_published(tmp_path: Path, source: str) -> None:
    """Inside the project but not the manual's own: ../.git/config names the remote (and its
    credentials), ../build/ and ../data/ hold what is not meant for readers."""
    project = copy_fixture("basic", tmp_path)
    secret = project / ".git" / "config"
    secret.parent.mkdir()
    secret.write_text("[remote] url = https://user:token@example.com/repo\n", encoding="utf-8")
    append(project / "manual" / "01-complaints.md", "\n" + source.format(secret="../.git/config"))
    run = run_sphinx(project)
    assert "outside manual/" in run.warnings and run.app.statuscode == 1
    published = [p for p in run.outdir.rglob("*") if p.is_file() and b"token@" in p.read_bytes()]
    assert published == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("![secret]({secret})\n", "outside manual/"),
        ("{{download}}`secret <{secret}>`\n", "outside manual/"),
        (":::{{graphviz}} {secret}\n:::\n", "reading a .dot file is disabled"),
    ],
)
def test_files_outside_the_project_are_not_published(tmp_path: Path, source: str, message: str) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"MK-SECRET-FILE digraph { a }")
    project = copy_fixture("basic", tmp_path)
    append(project / "manual" / "01-complaints.md", "\n" + source.format(secret="../../secret.png"))
    run = run_sphinx(project)
    assert message in run.warnings and "01-complaints.md" in run.warnings
    assert run.app.statuscode == 1
    published = [p for p in run.outdir.rglob("*") if p.is_file() and b"MK-SECRET-FILE" in p.read_bytes()]
    assert published == []


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">\n{body}\n</svg>\n'


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("<script>fetch('/api/session')</script>", "a <script> element (line 2 of the SVG)"),
        ('<rect width="40" height="20" onload="alert(1)"/>', "an event handler (onload=…) (line 2"),
        (
            '<a href="javascript:alert(1)"><rect width="4" height="2"/></a>',
            "a script link (href=javascript:…)",
        ),
        ("<foreignObject><p>HTML</p></foreignObject>", "embedded HTML (<foreignObject>)"),
    ],
)
def test_a_drawing_with_a_script_is_not_published(tmp_path: Path, body: str, what: str) -> None:
    """Opened at its own address, an SVG's script runs in the site's name (the bank's intranet)."""
    project = copy_fixture("basic", tmp_path)
    (project / "manual" / "chart.svg").write_text(SVG.format(body=body), encoding="utf-8")
    append(project / "manual" / "01-complaints.md", "\n![流程示意](chart.svg)\n")

    run = run_sphinx(project)

    assert run.app.statuscode == 1
    assert "refusing to publish 'chart.svg': the drawing contains " + what in run.warnings
    assert "01-complaints.md" in run.warnings
    assert not list(run.outdir.rglob("chart*.svg"))


def test_a_plain_drawing_is_published(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    body = '<rect width="40" height="20" fill="#dde"/><a href="#top"><text y="15">流程</text></a>'
    (project / "manual" / "chart.svg").write_text(SVG.format(body=body), encoding="utf-8")
    append(project / "manual" / "01-complaints.md", "\n![流程示意](chart.svg)\n")
    run = run_sphinx(project)
    assert run.app.statuscode == 0, run.warnings
    assert list(run.outdir.rglob("chart*.svg"))


@pytest.mark.slow
def test_the_published_site_carries_no_chapter_sources(tmp_path: Path) -> None:
    """A chapter's MyST source (its `%` comments, internal notes) must not be published: what
    decides it is the manual's conf.py, used here to build a small fixture manual."""
    project = copy_fixture("basic", tmp_path)
    for name in ("conf.py", "docutils.conf"):
        shutil.copy2(REPO / name, project / name)
    shutil.copytree(TEMPLATES, project / "templates")
    append(project / "manual" / "01-complaints.md", "\n% 内部备注：此流程待法律合规部复核，勿外传\n")

    run = run_sphinx(project)

    assert run.error is None, run.warnings
    assert (run.outdir / "01-complaints.html").is_file()
    assert not (run.outdir / "_sources").exists()  # not even an empty folder hinting at them
    published = "".join(p.read_text(encoding="utf-8") for p in run.outdir.glob("*.html"))
    assert "勿外传" not in published and "_sources/" not in published
