"""Every form of the real manual prints on one sheet in LibreOffice's rendering of the DOCX.

A paper form split over two sheets loses its last rows or its signatures at the counter. The
DOCX keeps each form together (keep-with-next), but a form taller than a page still runs over:
F-04-01 did, once it gained two fields, and only the PDF was looked at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from manualkit import cli
from manualkit.loader import load_data

REPO = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("manual", "data", "templates", "conf.py", "docutils.conf")


@pytest.mark.libreoffice
def test_every_form_fits_one_sheet(tmp_path: Path) -> None:
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler-utils not installed")
    root = tmp_path / "manual-repo"
    for name in PROJECT_FILES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    assert cli.main(["--project", str(root), "build", "docx", "--no-check"]) == 0
    (docx,) = (root / "build" / "docx").glob("*.docx")
    profile = tmp_path / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(docx)],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", str(tmp_path / f"{docx.stem}.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [re.sub(r"\s+", "", page) for page in text.split("\f")]
    data, _ = load_data(root / "data")
    assert data is not None and data.forms
    for number, form in enumerate(data.forms, 1):
        title = f"附件{number}{form.id}{form.title}"
        # The contents and the attachment list name it too: the appendix is its last mention.
        on = [i for i, page in enumerate(pages) if title in page]
        assert on, f"{form.id}: no page shows its appendix title {title!r}"
        page = pages[on[-1]]
        last = re.sub(r"\s+", "", form.fields[-1].label)
        assert last in page, f"{form.id}: its last field {last!r} is not on the page of its title"
        assert page.count("签字：") >= len(form.signatures), f"{form.id}: a signature line ran over"
