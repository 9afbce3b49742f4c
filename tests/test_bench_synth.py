"""The benchmark's synthetic manuals must be the real mix, N times over, and still load clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from manualkit.bench.synth import edit_one_paragraph, synthesize
from manualkit.loader import load_data
from manualkit.scaffold import toctree_entries

FIXTURE = Path(__file__).parent / "fixtures" / "writer" / "mini"
REPO = Path(__file__).resolve().parent.parent

PROJECTS = [
    pytest.param(FIXTURE, id="fixture"),
    pytest.param(
        REPO,
        id="real-manual",
        marks=pytest.mark.skipif(
            not (REPO / "manual" / "index.md").exists() or not (REPO / "data" / "manual.yaml").exists(),
            reason="real manual not written yet",
        ),
    ),
]


@pytest.mark.parametrize("project", PROJECTS)
def test_ten_times_manual_loads_clean_with_ten_times_the_entries(project: Path, tmp_path: Path) -> None:
    original, original_diags = load_data(project / "data")
    assert original is not None and original_diags == []

    result = synthesize(project, tmp_path / "x10", 10)
    data, diags = load_data(result.root / "data")

    assert [d.format() for d in diags] == []
    assert data is not None
    assert len(data.slas) == 10 * len(original.slas)
    assert len(data.forms) == 10 * len(original.forms)
    assert len(data.processes) == 10 * len(original.processes)
    assert len({s.id for s in data.slas}) == len(data.slas)
    assert len({f.id for f in data.forms}) == len(data.forms)
    # Shared facts are not multiplied.
    assert len(data.references) == len(original.references)
    assert len(data.roles) == len(original.roles)


def test_copied_chapters_cite_their_own_copies(tmp_path: Path) -> None:
    result = synthesize(FIXTURE, tmp_path / "x3", 3)
    data, _ = load_data(result.root / "data")
    assert data is not None
    manual = result.root / "manual"
    docs = toctree_entries((manual / "index.md").read_text(encoding="utf-8"))
    assert len(docs) == 2 * 3 + 1  # two body chapters × 3, one back-matter chapter
    assert docs[-1] == "03-appendices", "back matter stays last"
    text = "".join((manual / f"{doc}.md").read_text(encoding="utf-8") for doc in docs if doc.endswith("-x3"))
    # Every id cited in the third copy exists, and it is the copy's, not the original's.
    assert "{sla}`complaint.general.resolve-x3`" in text
    assert "{sla}`complaint.general.resolve`" not in text
    assert "{reg}`ref.complaint.rules`" in text, "shared regulations keep their ids"
    data.sla("complaint.general.resolve-x3")
    copied_form = data.form(text.split("{form}`", 1)[1].split("`", 1)[0])
    assert copied_form.section == "complaint-handling-x3"
    assert "(complaint-handling-x3)=" in text
    # Lists of every entry are not copied (the manual would grow quadratically).
    assert "form-appendices" not in text and "glossary-list" not in text


def test_factor_one_is_an_unchanged_copy(tmp_path: Path) -> None:
    result = synthesize(FIXTURE, tmp_path / "x1", 1)
    for path in (FIXTURE / "manual").glob("*.md"):
        assert (result.root / "manual" / path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        )


def test_edit_one_paragraph_touches_prose_only(tmp_path: Path) -> None:
    result = synthesize(FIXTURE, tmp_path / "p", 1)
    edited = edit_one_paragraph(result.root)
    text = edited.read_text(encoding="utf-8")
    assert edited.name == "01-basics.md"
    assert "柜面服务时间为{window}`service.hours`。（已修订）\n" in text
    assert text.startswith("---\nowner: cs.manager\n")


def test_copied_forms_and_checklists_are_numbered_for_their_copied_chapter(tmp_path: Path) -> None:
    """F-cc-nn names the chapter of its section (MK208): a copy in chapter 5 is F-05-…, not F-02-…."""
    from manualkit.checks import run_checks

    result = synthesize(FIXTURE, tmp_path / "x10", 10)
    report = run_checks(result.root, select=["MK208"])
    assert [d.format() for d in report.diagnostics] == []
