"""Attacks from untrusted sources that got through once: each is refused (or made text) now."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from docutils import nodes

from conftest import append, copy_fixture, run_sphinx
from manualkit.yamlsource import read_yaml


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def published(outdir: Path, needle: str) -> list[str]:
    return [p.name for p in outdir.rglob("*.html") if needle in p.read_text(encoding="utf-8")]


# -- data values -----------------------------------------------------------------------------------


def test_a_pipe_in_a_data_value_does_not_break_out_of_its_table_cell(tmp_path: Path) -> None:
    """A form's choice and a reference's number are printed in {nowrap} roles inside pipe tables;
    the table split the row at the value's "|" and read the rest as markup (a link, a picture)."""
    project = copy_fixture("basic", tmp_path)
    hostile = "a | [钓鱼](https://evil.example/x) ![i](https://evil.example/i.png) | b\\c"
    replace(project / "data" / "forms.yaml", "choices: [服务态度,", f"choices: ['{hostile}',")
    replace(
        project / "data" / "references.yaml", "number: 中国人民银行令〔2020〕第5号", f"number: 'X{hostile}'"
    )
    run = run_sphinx(project)
    assert run.error is None and run.app.statuscode == 0, run.warnings
    for docname in ("01-complaints", "02-appendix"):
        tree = run.app.env.get_doctree(docname)
        assert not [r for r in tree.findall(nodes.reference) if "evil" in r.get("refuri", "")]
        assert not [i for i in tree.findall(nodes.image) if "evil" in i["uri"]]
    texts = [n.astext() for n in tree.findall(nodes.inline) if "mk-nowrap" in n["classes"]]
    assert f"☐\u00a0{hostile}" in texts
    assert any(f"X{hostile}" in row.astext() for row in tree.findall(nodes.row))


def test_a_form_title_with_a_line_break_or_pipe_keeps_the_attachment_list(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    replace(
        project / "data" / "forms.yaml", "title: 投诉受理登记表", 'title: "投诉|受理\\n(x)=\\n:::\\n登记表"'
    )
    run = run_sphinx(project)
    assert run.app.statuscode == 0, run.warnings
    rows = run.app.env.get_doctree("02-appendix").findall(nodes.row)
    assert any("投诉|受理 (x)= ::: 登记表" in row.astext() for row in rows)


def test_the_manual_title_is_text_in_the_site(tmp_path: Path) -> None:
    """furo prints ``docstitle`` as HTML (the brand, the search page's <title>)."""
    project = copy_fixture("basic", tmp_path)
    replace(
        project / "data" / "manual.yaml",
        "title: 测试客户服务操作手册",
        "title: '<img src=x onerror=alert(1)>手册'",
    )
    run = run_sphinx(project)
    assert run.error is None, run.warnings
    assert published(run.outdir, "<img src=x") == []
    assert published(run.outdir, "&lt;img src=x onerror=alert(1)&gt;手册")


def test_a_huge_integer_in_yaml_is_a_problem_not_a_traceback() -> None:
    document = read_yaml("value: " + "9" * 5000 + "\n")
    assert [(p.code, p.line, p.column) for p in document.problems] == [("DATA002", 1, 8)]
    assert "too large" in document.problems[0].message


# -- chapters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "uri"),
    [
        ("```{eval-rst}\n`点此 <javascript:alert(1)>`_\n```\n", "javascript:alert(1)"),
        ("```{eval-rst}\n`vb <vbscript:msgbox(1)>`_\n```\n", "vbscript:msgbox(1)"),
        ("```{image} chart.png\n:target: javascript:alert(2)\n```\n", "javascript:alert(2)"),
        (
            "```{eval-rst}\n`x <data:text/html;base64,PHNjcmlwdD4=>`_\n```\n",
            "data:text/html;base64,PHNjcmlwdD4=",
        ),
        ("{download}`口令 <file:///etc/passwd>`\n", "file:///etc/passwd"),
    ],
)
def test_a_link_that_runs_code_or_opens_a_local_file_is_refused(
    tmp_path: Path, source: str, uri: str
) -> None:
    project = copy_fixture("basic", tmp_path)
    (project / "manual" / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    append(project / "manual" / "01-complaints.md", "\n" + source)
    run = run_sphinx(project)
    assert f"refusing the link {uri!r}" in run.warnings and "01-complaints.md:" in run.warnings
    assert run.app.statuscode == 1
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert f'href="{uri}' not in html


def test_web_and_mail_links_stay(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    append(
        project / "manual" / "01-complaints.md",
        "\n```{eval-rst}\n`官网 <https://www.pbc.gov.cn/>`_ `邮件 <mailto:kf@example.com>`_\n```\n",
    )
    run = run_sphinx(project)
    assert run.app.statuscode == 0, run.warnings
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert 'href="https://www.pbc.gov.cn/">官网</a>' in html and 'href="mailto:' in html


@pytest.mark.parametrize(
    "uri", ["https://evil.example/pixel.png", "//evil.example/p.png", "file:///etc/hostname"]
)
def test_a_picture_from_outside_the_project_is_refused(tmp_path: Path, uri: str) -> None:
    """The site made every reader's browser fetch it, the DOCX build downloaded it."""
    project = copy_fixture("basic", tmp_path)
    append(project / "manual" / "01-complaints.md", f"\n```{{image}} {uri}\n```\n")
    run = run_sphinx(project)
    assert f"refusing to publish image {uri!r}" in run.warnings and "01-complaints.md:" in run.warnings
    assert run.app.statuscode == 1
    assert uri not in (run.outdir / "01-complaints.html").read_text(encoding="utf-8")


def test_a_meta_refresh_in_the_front_matter_is_refused(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    replace(
        chapter,
        "---\nowner",
        '---\nhtml_meta:\n  "http-equiv=refresh": "0; url=https://evil.example/"\nowner',
    )
    run = run_sphinx(project)
    assert "refusing <meta http-equiv='refresh'>" in run.warnings and "01-complaints.md:1:" in run.warnings
    assert run.app.statuscode == 1
    assert "evil.example" not in (run.outdir / "01-complaints.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_a_chapter_linked_from_outside_the_project_is_not_read(tmp_path: Path, linked: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.md").write_text("# 外部\n\nMK-OUTSIDE-SECRET\n", encoding="utf-8")
    project = copy_fixture("basic", tmp_path)
    if linked == "file":
        os.symlink(outside / "leak.md", project / "manual" / "leak.md")
        docname = "leak"
    else:
        os.symlink(outside, project / "manual" / "sub")
        docname = "sub/leak"
    replace(project / "manual" / "index.md", "02-appendix\n", f"02-appendix\n{docname}\n")
    run = run_sphinx(project)
    assert f"refusing to read {docname!r}" in run.warnings and "outside the manual's sources" in run.warnings
    assert run.app.statuscode == 1
    assert published(run.outdir, "MK-OUTSIDE-SECRET") == []


# -- flowcharts ------------------------------------------------------------------------------------


def test_a_chart_layout_cannot_run_a_program(tmp_path: Path) -> None:
    """``:layout:`` (alias ``:graphviz_dot:``) is the program Sphinx runs: a script in the repository ran."""
    project = copy_fixture("basic", tmp_path)
    ran = tmp_path / "ran"
    script = project / "manual" / "layout.sh"
    script.write_text(f"#!/bin/sh\ntouch {ran}\n", encoding="utf-8")
    script.chmod(0o755)
    append(
        project / "manual" / "01-complaints.md",
        f"\n:::{{digraph}} g\n:layout: {script}\na -> b\n:::\n\n:::{{graphviz}}\n:graphviz_dot: {script}\n"
        "digraph { a -> b }\n:::\n",
    )
    run = run_sphinx(project)
    assert not ran.exists()
    assert run.warnings.count(f"graphviz: layout {str(script)!r} refused") == 2
    assert run.app.statuscode == 1


@pytest.mark.parametrize(
    ("dot", "what"),
    [
        ('digraph { a [URL="javascript:alert(1)"] }', "the attribute URL="),
        ('digraph { a -> b ["labelhref" = "javascript:x"] }', "the attribute labelhref="),
        ('digraph { a [image="/etc/hostname"] }', "the attribute image="),
        ('digraph { a [label=<<table><tr><td HREF="javascript:x">x</td></tr></table>>] }', "HREF= in the"),
        ('digraph { a [label=<<table><tr><td><img src="/etc/x.png"/></td></tr></table>>] }', "SRC= in the"),
    ],
)
def test_a_chart_that_links_or_reads_files_is_refused(tmp_path: Path, dot: str, what: str) -> None:
    project = copy_fixture("basic", tmp_path)
    append(project / "manual" / "01-complaints.md", f"\n:::{{graphviz}}\n{dot}\n:::\n")
    run = run_sphinx(project)
    assert f"graphviz: {what}" in run.warnings and "01-complaints.md:" in run.warnings
    assert run.app.statuscode == 1
    svgs = "".join(p.read_text(encoding="utf-8") for p in run.outdir.rglob("*.svg"))
    assert "javascript:" not in svgs and "/etc/" not in svgs


def test_a_chart_label_mentioning_href_is_fine(tmp_path: Path) -> None:
    project = copy_fixture("basic", tmp_path)
    append(
        project / "manual" / "01-complaints.md",
        '\n:::{graphviz}\ndigraph { a [label="URL=网址"]; b [label=<href=x &lt;y&gt;>]; a -> b }\n:::\n',
    )
    run = run_sphinx(project)
    assert run.app.statuscode == 0, run.warnings


def test_a_chart_alt_text_is_escaped(tmp_path: Path) -> None:
    """Sphinx writes ``:alt:`` into the page unescaped; a process title becomes the alt text too."""
    project = copy_fixture("basic", tmp_path)
    append(
        project / "manual" / "01-complaints.md",
        "\n:::{graphviz}\n:alt: <img src=x onerror=alert(1)>\ndigraph { a -> b }\n:::\n",
    )
    replace(project / "data" / "processes.yaml", "title: ", "title: <b>MK-PROC</b>")
    run = run_sphinx(project)
    assert run.app.statuscode == 0, run.warnings
    html = (run.outdir / "01-complaints.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>MK-PROC" not in html and "&lt;b&gt;MK-PROC" in html


# -- redline and import-docx -----------------------------------------------------------------------


def git(cwd: Path, *args: str, text: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    result = subprocess.run(["git", *args], cwd=cwd, input=text, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_history_naming_dotdot_is_not_written_outside_the_snapshot(tmp_path: Path) -> None:
    """``git mktree`` accepts an entry named ``..``; the snapshot wrote ``dest / rel`` as given."""
    from manualkit.gitrepo import GitError, Repo
    from manualkit.redline.compare import snapshot

    repo = tmp_path / "repo" / "sub"  # the project one level down in its repository
    (repo / "manual").mkdir(parents=True)
    (repo / "manual" / "index.md").write_text("# 手册\n", encoding="utf-8")
    git(repo.parent, "init", "-q")
    git(repo.parent, "add", "-A")
    git(repo.parent, "commit", "-qm", "base")
    blob = git(repo.parent, "hash-object", "-w", "--stdin", text="MK-ESCAPED\n")
    tree = git(repo.parent, "mktree", text=f"100644 blob {blob}\tescaped.md\n")
    for _ in range(3):
        tree = git(repo.parent, "mktree", text=f"040000 tree {tree}\t..\n")
    manual = git(repo.parent, "mktree", text=f"040000 tree {tree}\t..\n100644 blob {blob}\tindex.md\n")
    sub = git(repo.parent, "mktree", text=f"040000 tree {manual}\tmanual\n")
    root = git(repo.parent, "mktree", text=f"040000 tree {sub}\tsub\n100644 blob {blob}\tescaped.md\n")
    commit = git(repo.parent, "commit-tree", root, "-m", "evil")
    git(repo.parent, "tag", "v9.9", commit)

    dest = tmp_path / "scratch" / "deep" / "old"
    with pytest.raises(GitError, match=r"refusing the tracked path 'manual/\.\./"):
        snapshot(Repo(repo), "v9.9", dest)
    assert not [p for p in tmp_path.rglob("escaped.md")]


def test_a_chapter_name_with_quotes_is_snapshotted(tmp_path: Path) -> None:
    from manualkit.gitrepo import Repo
    from manualkit.redline.compare import snapshot

    name = 'a"<b>;$(x)\t.md'
    (tmp_path / "manual").mkdir()
    (tmp_path / "manual" / name).write_text("# 标题\n", encoding="utf-8")
    os.symlink("/etc/hostname", tmp_path / "manual" / "link.md")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "tag", "v1.0")
    dest = snapshot(Repo(tmp_path), "v1.0", tmp_path / "snap")
    assert sorted(p.name for p in (dest / "manual").iterdir()) == [name]


def docx_with(tmp_path: Path, extra: dict[str, bytes]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("第一章", 1)
    document.add_paragraph("正文")
    plain = tmp_path / "plain.docx"
    document.save(str(plain))
    target = tmp_path / "hostile.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            out.writestr(name, source.read(name))
        for name, data in extra.items():
            out.writestr(name, data)
    return target


def test_import_refuses_a_part_that_unpacks_huge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from manualkit import importdocx_read
    from manualkit.importdocx import import_docx
    from manualkit.importdocx_read import DocxImportError

    monkeypatch.setattr(importdocx_read, "MAX_PART_BYTES", 1024 * 1024)
    source = docx_with(tmp_path, {"word/media/bomb.bin": b"\0" * (2 * 1024 * 1024)})
    with pytest.raises(DocxImportError, match=r"word/media/bomb\.bin unpacks to 2 MB, more than 1 MB a part"):
        import_docx(source, tmp_path / "out")


def test_an_imported_image_named_oddly_stays_in_images(tmp_path: Path) -> None:
    """The file name took whatever followed the part name's last dot: ``image-1.d/x``."""
    from docx.opc.packuri import PackURI

    from manualkit.importdocx_inline import InlineReader

    class Part:
        partname = PackURI("/word/media.d/x")
        blob = b"\x89PNG"

    class Reader(InlineReader):
        def __init__(self) -> None:
            self._part = type("P", (), {"related_parts": {"rId1": Part()}})()

    blip = {"{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed": "rId1"}
    image = Reader()._image(blip, type("D", (), {"iter": lambda self, tag: iter(())})())
    assert image is not None and image.extension == "bin"
