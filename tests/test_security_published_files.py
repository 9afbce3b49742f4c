"""Files from manual/ the site serves: pictures and documents only, never a page or a script.

``manual/guide.html`` with a ``<script>``, offered as ``{download}`` or shown as ``![x](guide.html)``,
was published as ``_downloads/…/guide.html`` and ``_images/guide.html``; opened there, its script
ran in the site's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SphinxRun, append, copy_fixture, run_sphinx

PAGE = "<html><body><script>alert(document.domain)</script>MK-PAGE</body></html>\n"
PICTURE_RULE = "a picture must be a PNG, JPEG, GIF, WebP or SVG file, not a "
DOWNLOAD_RULE = (
    "a download must be a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV or text file, "
    "or a picture, not a "
)


def build_with(tmp_path: Path, files: dict[str, bytes], source: str) -> SphinxRun:
    project = copy_fixture("basic", tmp_path)
    for name, data in files.items():
        (project / "manual" / name).write_bytes(data)
    append(project / "manual" / "01-complaints.md", f"\n{source}\n")
    return run_sphinx(project)


def published_with(run: SphinxRun, needle: bytes) -> list[str]:
    return [p.name for p in run.outdir.rglob("*") if p.is_file() and needle in p.read_bytes()]


@pytest.mark.parametrize(
    "name", ["guide.html", "guide.htm", "guide.xhtml", "guide.xml", "guide.js", "guide.mjs"]
)
def test_a_page_or_script_offered_for_download_is_not_published(tmp_path: Path, name: str) -> None:
    run = build_with(tmp_path, {name: PAGE.encode()}, f"{{download}}`操作指引 <{name}>`")
    assert run.app.statuscode == 1
    suffix = name.rpartition(".")[2]
    assert f"refusing to publish {name!r}: {DOWNLOAD_RULE}.{suffix} file" in run.warnings, run.warnings
    assert "01-complaints.md:" in run.warnings
    assert published_with(run, b"MK-PAGE") == []


@pytest.mark.parametrize(
    "source", ["![说明页](guide.html)", "```{image} guide.html\n```", "```{figure} guide.html\n\n说明页\n```"]
)
def test_a_page_shown_as_a_picture_is_not_published(tmp_path: Path, source: str) -> None:
    run = build_with(tmp_path, {"guide.html": PAGE.encode()}, source)
    assert run.app.statuscode == 1
    assert f"refusing to publish 'guide.html': {PICTURE_RULE}.html file" in run.warnings, run.warnings
    assert published_with(run, b"MK-PAGE") == []


@pytest.mark.parametrize("link", ["[操作指引](guide.html)", "[操作指引](<./guide.html>)"])
def test_a_link_to_a_page_of_the_manual_folder_is_not_published(tmp_path: Path, link: str) -> None:
    """MyST makes a link to a file that is no chapter a download: the same rule holds."""
    run = build_with(tmp_path, {"guide.html": PAGE.encode()}, link)
    assert run.app.statuscode == 1
    assert f"{DOWNLOAD_RULE}.html file" in run.warnings, run.warnings
    assert published_with(run, b"MK-PAGE") == []


def test_the_reviewed_pair_is_refused_together(tmp_path: Path) -> None:
    """The review's reproduction: the same page as a download and as a picture in one chapter."""
    run = build_with(
        tmp_path, {"guide.html": PAGE.encode()}, "{download}`操作指引 <guide.html>`\n\n![说明页](guide.html)"
    )
    assert run.app.statuscode == 1
    assert run.warnings.count("refusing to publish 'guide.html'") == 2
    assert not (run.outdir / "_images" / "guide.html").exists()
    assert not list((run.outdir / "_downloads").rglob("guide.html"))


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("flow.png", PAGE.encode(), "its content is not that of a PNG file"),
        ("flow.jpg", b"GIF89a", "its content is not that of a JPEG file"),
        ("flow.webp", b"RIFF\0\0\0\0WAVE", "its content is not that of a WebP file"),
    ],
)
def test_a_page_renamed_as_a_picture_is_not_published(
    tmp_path: Path, name: str, data: bytes, what: str
) -> None:
    run = build_with(tmp_path, {name: data}, f"![流程]({name})")
    assert run.app.statuscode == 1
    assert f"refusing to publish {name!r}: {what}" in run.warnings, run.warnings


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("form.pdf", PAGE.encode(), "its content is not that of a PDF file"),
        ("form.docx", PAGE.encode(), "its content is not that of a Word (.docx) file"),
        ("list.txt", b"\xef\xbb\xbf  " + PAGE.encode(), "it begins with '<', so a browser guessing its type"),
        ("form.docm", b"PK\x03\x04", f"{DOWNLOAD_RULE}.docm file"),
        ("forms.zip", b"PK\x03\x04", f"{DOWNLOAD_RULE}.zip file"),
        ("README", b"text", f"{DOWNLOAD_RULE[: -len('a ')]}a file without an extension"),
    ],
)
def test_a_download_must_be_the_document_it_says(tmp_path: Path, name: str, data: bytes, what: str) -> None:
    run = build_with(tmp_path, {name: data}, f"{{download}}`附件 <{name}>`")
    assert run.app.statuscode == 1
    assert f"refusing to publish {name!r}: {what}" in run.warnings, run.warnings


def test_documents_and_pictures_are_published(tmp_path: Path) -> None:
    files = {
        "form.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "form.docx": b"PK\x03\x04 form",
        "fees.xlsx": b"PK\x03\x04 fees",
        "fees.csv": "项目,费用\n开户,0\n".encode(),
        "note.txt": "说明 <见附件>\n".encode(),
        "flow.png": b"\x89PNG\r\n\x1a\n",
        "flow.jpeg": b"\xff\xd8\xff\xe0",
        "flow.gif": b"GIF89a",
        "flow.webp": b"RIFF\0\0\0\0WEBPVP8 ",
    }
    downloads = " ".join(f"{{download}}`{name} <{name}>`" for name in files)
    pictures = " ".join(f"![{name}]({name})" for name in files if name.startswith("flow."))
    run = build_with(tmp_path, files, f"{downloads}\n\n{pictures}")
    assert "refusing" not in run.warnings, run.warnings
    assert run.app.statuscode == 0
    assert sorted(p.name for p in (run.outdir / "_downloads").rglob("*.*")) == sorted(files)
    assert {p.name for p in (run.outdir / "_images").iterdir()} >= {n for n in files if n.startswith("flow.")}
