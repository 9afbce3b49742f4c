"""MK7xx document-control rules: ordered, dated, complete revision records (checked against git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from manualkit.checks import run_checks
from manualkit.redline.sections import split_sections
from manualkit.revisions import _directive_owners, version_key
from release_helpers import (
    REVISION_1_1,
    commit_all,
    git,
    make_project,
    make_v1_1,
    record_v1_1,
    replace_in,
    tag,
)


def mk7(root: Path) -> list[str]:
    return [d.format() for d in run_checks(root, select=["MK7"]).diagnostics]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def test_versions_compare_as_numbers() -> None:
    assert version_key("1.10") > version_key("1.9")
    assert version_key("2.0") > version_key("1.10")


def test_clean_fixture_has_no_findings(project: Path) -> None:
    assert mk7(project) == []


def test_versions_must_strictly_increase(project: Path) -> None:
    # 1.10 then 1.9: string order would accept it, numeric order must not.
    revisions = project / "data" / "revisions.yaml"
    text = revisions.read_text(encoding="utf-8")
    later = REVISION_1_1.replace('"1.1"', '"1.10"') + REVISION_1_1.replace('"1.1"', '"1.9"')
    revisions.write_text(text + later, encoding="utf-8")
    replace_in(project / "data" / "manual.yaml", 'version: "1.0"', 'version: "1.10"')
    found = mk7(project)
    assert any("MK701" in f and "1.9 does not follow 1.10" in f for f in found), found
    line = next(f for f in found if "MK701" in f)
    assert line.startswith("data/revisions.yaml:19:")  # the second appended entry's version line


def test_approval_must_not_follow_effective_date(project: Path) -> None:
    replace_in(project / "data" / "revisions.yaml", "approved_on: 2024-12-20", "approved_on: 2025-01-05")
    found = mk7(project)
    errors = [f for f in found if "MK702" in f]
    assert len(errors) == 1
    assert errors[0].startswith("data/revisions.yaml:5:")  # the approved_on line
    assert "approved on 2025-01-05 but effective 2025-01-01" in errors[0]


def test_newest_revision_must_be_manual_version(project: Path) -> None:
    replace_in(project / "data" / "manual.yaml", 'version: "1.0"', 'version: "1.1"')
    found = [f for f in mk7(project) if "MK703" in f]
    assert len(found) == 1 and found[0].startswith("data/manual.yaml:")
    assert "newest revision is 1.0" in found[0]


def test_changed_label_must_exist(project: Path) -> None:
    replace_in(project / "data" / "revisions.yaml", "section: overview,", "section: overveiw,")
    found = [f for f in mk7(project) if "MK704" in f]
    assert len(found) == 1
    assert "'overveiw'" in found[0] and "did you mean 'overview'" in found[0]
    # Said once: MK101 (unknown ids) reported the same label at the same place.
    everything = [d.format() for d in run_checks(project).diagnostics if "overveiw" in d.message]
    assert everything == found


def test_recorded_change_passes(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    assert mk7(project) == []


def test_unrecorded_chapter_change_names_file_and_line(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    # A second edit, in chapter 1, that revision 1.1 does not mention.
    replace_in(project / "manual" / "01-overview.md", "热情、专业、高效", "热情、专业、高效、规范")
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1, found
    assert found[0].startswith(
        "manual/01-overview.md:17: error MK705 section 'overview-principles' (服务原则) changed since v1.0"
    )
    assert "enclosing section (overview)" in found[0]


def test_recording_a_sibling_section_does_not_cover_another(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)  # records complaint-resolution, in the same chapter as complaint-intake
    replace_in(project / "manual" / "02-complaints.md", "由客服主管当日复核", "由客服主管当日复核并签字")
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1, found
    assert found[0].startswith("manual/02-complaints.md:14: error MK705 section 'complaint-intake'")


def test_recording_the_enclosing_section_covers_its_subsections(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    replace_in(project / "manual" / "01-overview.md", "热情、专业、高效", "热情、专业、高效、规范")
    replace_in(
        project / "data" / "revisions.yaml",
        "    - {section: complaint-resolution,",
        "    - {section: overview, description: 服务原则增加“规范”。}\n    - {section: complaint-resolution,",
    )
    assert [f for f in mk7(project) if "MK705" in f] == []


def test_front_matter_change_needs_a_change_in_that_chapter(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    replace_in(project / "manual" / "01-overview.md", "review_due: 2027-03-01", "review_due: 2027-06-01")
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1, found
    assert found[0].startswith("manual/01-overview.md:3: error MK705 front matter changed since v1.0")


def test_unrecorded_change_is_caught_after_commit_too(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    replace_in(project / "manual" / "01-overview.md", "热情、专业、高效", "热情、专业、高效、规范")
    commit_all(project, "1.1")
    assert any(f.startswith("manual/01-overview.md:17:") and "MK705" in f for f in mk7(project))


def test_unowned_data_change_needs_an_entry(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    with (project / "data" / "slas.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "- id: complaint.escalate\n  name: 投诉升级\n  duration: {value: 2, unit: hours}\n"
            "  start: 受理投诉\n  end: 升级处理\n  owner: service.supervisor\n"
        )
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1, found
    assert found[0].startswith("data/slas.yaml:15: error MK705 complaint.escalate added since v1.0")
    assert found[0].endswith("no section shows it: list complaint.escalate in a change's `covers`")
    # An explicit `covers` on a change entry accounts for it.
    replace_in(
        project / "data" / "revisions.yaml",
        "缩短为5个工作日。}",
        "缩短为5个工作日。, covers: [complaint.escalate]}",
    )
    assert [f for f in mk7(project) if "MK705" in f] == []


def test_data_change_in_section_not_recorded(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    # The form belongs to complaint-intake, which revision 1.1 does not list.
    replace_in(project / "data" / "forms.yaml", "label: 联系电话", "label: 联系手机")
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1, found
    # The line of the edit inside the entry, not the entry's first line.
    assert found[0].startswith("data/forms.yaml:8: error MK705 F-02-01 changed since v1.0")
    # Recorded under its own section, where readers see the change; not `covers` on another one.
    assert found[0].endswith("add `- {section: complaint-intake, description: …}` to its changes")


def test_recording_the_enclosing_section_covers_the_data_its_subsections_own(project: Path) -> None:
    """As for a chapter's text: the form of complaint-intake (a ##) is covered by a change
    recorded for the chapter (complaints, the # above it)."""
    tag(project, "1.0")
    make_v1_1(project)
    replace_in(project / "data" / "forms.yaml", "label: 联系电话", "label: 联系手机")
    replace_in(
        project / "data" / "revisions.yaml",
        "    - {section: complaint-resolution,",
        "    - {section: complaints, description: 投诉受理登记表改填联系手机。}\n"
        "    - {section: complaint-resolution,",
    )
    assert [f for f in mk7(project) if "MK705" in f] == []


def test_edit_after_release_warns(project: Path) -> None:
    tag(project, "1.0")
    replace_in(project / "manual" / "01-overview.md", "热情、专业、高效", "热情、专业、高效、规范")
    found = [f for f in mk7(project) if "MK706" in f]
    assert found == [
        "manual/01-overview.md:17: warning MK706 changed since release v1.0; "
        "record it in a new revision after 1.0"
    ]


def _released_1_1(project: Path) -> None:
    tag(project, "1.0")
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    tag(project, "1.1")


def test_a_released_revision_record_is_history(project: Path) -> None:
    """Edits after 1.1 was released were blamed on 1.1 (MK705), and recording them there passed."""
    _released_1_1(project)
    replace_in(project / "manual" / "01-overview.md", "热情、专业、高效", "热情、专业、高效、规范")
    found = mk7(project)
    assert not [f for f in found if "MK705" in f], found
    assert [f for f in found if "MK706" in f] == [
        "manual/01-overview.md:17: warning MK706 changed since release v1.1; "
        "record it in a new revision after 1.1"
    ]

    # Following the old advice: the change written into the released 1.1 record.
    replace_in(
        project / "data" / "revisions.yaml",
        "    - {section: complaint-resolution,",
        "    - {section: overview-principles, description: 服务原则增加“规范”。}\n"
        "    - {section: complaint-resolution,",
    )
    errors = [f for f in mk7(project) if "MK707" in f]
    assert errors == [
        "data/revisions.yaml:18:5: error MK707 revision 1.1 was released (v1.1), but its record differs "
        "from the released one (changes): a released revision is history; restore it and record the new "
        "changes in a new revision"
    ]


def test_a_section_removed_after_its_release_stays_in_the_history(project: Path) -> None:
    _released_1_1(project)
    # 1.2 merges the overview's scope into its parent: the label 1.0 recorded is gone.
    replace_in(project / "manual" / "01-overview.md", "(overview-scope)=\n## 适用范围\n\n", "")
    revisions = project / "data" / "revisions.yaml"
    revisions.write_text(
        revisions.read_text(encoding="utf-8").replace("section: overview,", "section: overview-scope,", 1),
        encoding="utf-8",
    )
    commit_all(project, "1.0 recorded the scope section")  # (rewritten here only to set the scene)
    git(project, "tag", "-f", "-a", "v1.0", "-m", "v1.0")
    found = [f for f in mk7(project) if "MK704" in f]
    assert found == [], "a released revision keeps the sections it changed"
    unknown = [d.format() for d in run_checks(project, select=["MK101"]).diagnostics]
    assert not [f for f in unknown if "overview-scope" in f], unknown
    # An unreleased revision must still name sections that exist, or existed at the release
    # before it: 1.2 records the removal of overview-scope, which v1.1 still had.
    with revisions.open("a", encoding="utf-8") as handle:
        handle.write(
            REVISION_1_1.replace('"1.1"', '"1.2"')
            .replace("2025-02-20", "2025-04-20")
            .replace("2025-03-01", "2025-05-01")
            .replace("complaint-resolution", "overview-scope")
        )
    found = [d for d in run_checks(project, select=["MK704"]).diagnostics]
    assert [(d.severity, d.message.split(",")[0]) for d in found] == [
        ("warning", "revision 1.2 records section 'overview-scope' (适用范围)")
    ]
    assert "which manual/01-overview.md defined at v1.1 and no chapter defines now" in found[0].message
    assert found[0].message.endswith("add `title: 适用范围` to the entry"), found[0].message
    replace_in(
        revisions,
        "{section: overview-scope, description: 一般投诉",
        "{section: overview-scope, title: 适用范围, description: 一般投诉",
    )
    found = [d for d in run_checks(project, select=["MK704"]).diagnostics]
    assert [(d.severity, d.message.split(",")[0]) for d in found] == [
        ("info", "revision 1.2 records section 'overview-scope' (适用范围)")
    ]
    replace_in(
        revisions,
        "{section: overview-scope, title: 适用范围, description: 一般投诉",
        "{section: overview-scope, description: 一般投诉",
    )
    replace_in(
        revisions,
        "{section: overview-scope, description: 一般投诉",
        "{section: overview-scop, description: 一般投诉",
    )
    found = [f for f in mk7(project) if "MK704" in f]
    assert len(found) == 1 and "error MK704 revision 1.2 changes section 'overview-scop'" in found[0]


def test_revision_dates_follow_the_versions(project: Path) -> None:
    with (project / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(REVISION_1_1.replace("2025-02-20", "2024-11-20").replace("2025-03-01", "2024-12-01"))
    replace_in(project / "data" / "manual.yaml", 'version: "1.0"', 'version: "1.1"')
    found = [f for f in mk7(project) if "MK708" in f]
    assert found == [
        "data/revisions.yaml:14:16: error MK708 revision 1.1 is approved on 2024-11-20, before revision 1.0 "
        "(approved on 2024-12-20): a later version cannot be approved earlier",
        "data/revisions.yaml:15:14: error MK708 revision 1.1 is effective on 2024-12-01, before revision 1.0 "
        "(effective on 2025-01-01): a later version cannot be effective earlier",
    ]


def test_signoff_dates_follow_drafting_review_and_approval(project: Path) -> None:
    revisions = project / "data" / "revisions.yaml"
    replace_in(revisions, "name: 王芳}", "name: 王芳, date: 2024-12-10}")
    replace_in(revisions, "name: 李强}", "name: 李强, date: 2024-12-15}")
    assert mk7(project) == [], "drafted, reviewed, approved in order: nothing to report"

    replace_in(revisions, "date: 2024-12-10}", "date: 2024-12-16}")
    replace_in(revisions, "name: 赵敏}", "name: 赵敏, date: 2024-12-21}")
    found = [f for f in mk7(project) if "MK709" in f]
    assert found == [
        "data/revisions.yaml:2:50: error MK709 revision 1.0 is drafted on 2024-12-16, after its review on "
        "2024-12-15: a revision is drafted, then reviewed",
        "data/revisions.yaml:4:53: error MK709 revision 1.0: approved.date 2024-12-21 differs from "
        "approved_on 2024-12-20; give the approval's day once, as approved_on",
    ]

    replace_in(revisions, "date: 2024-12-15}", "date: 2024-12-22}")
    replace_in(revisions, "date: 2024-12-21}", "date: 2024-12-20}")
    found = [f for f in mk7(project) if "MK709" in f]
    assert found == [
        "data/revisions.yaml:3:56: error MK709 revision 1.0 is reviewed on 2024-12-22, after its approval on "
        "2024-12-20: sign-offs come before the approval"
    ]


def test_sla_table_owns_only_the_slas_its_filters_select() -> None:
    text = (
        "(complaint-deadlines)=\n## 投诉时限\n\n:::{sla-table}\n:tags: complaint\n:::\n\n"
        "(fault-deadlines)=\n## 故障时限\n\n:::{sla-table}\n:section: fault-handling\n:::\n\n"
        "(intake)=\n## 受理\n\n:::{form} F-02-01\n:::\n"
    )
    owners = _directive_owners(split_sections(text, "manual/x.md"))

    def owning(collection: str, entry_id: str, entry: dict[str, object]) -> set[str]:
        return {o.label for o in owners if o.owns(collection, entry_id, entry)}

    complaint = {"tags": ["complaint"], "section": "complaint-process"}
    fault = {"tags": ["fault"], "section": "fault-handling"}
    assert owning("slas", "complaint.general.resolve", complaint) == {"complaint-deadlines"}
    assert owning("slas", "fault.respond", fault) == {"fault-deadlines"}
    assert owning("forms", "F-02-01", {"section": "intake"}) == {"intake"}
    assert owning("forms", "F-02-02", {"section": "intake"}) == set()


def test_sections_split_by_label() -> None:
    text = "---\nowner: x\n---\n\n(a)=\n# 甲\n\n正文\n\n```\n(not-a-label)=\n```\n(b)=\n## 乙\n\n内容\n"
    sections = split_sections(text, "manual/x.md")
    assert [(s.key, s.title, s.start_line) for s in sections] == [
        ("manual/x.md#preamble", "章首信息（manual/x.md）", 1),
        ("a", "甲", 5),
        ("b", "乙", 13),
    ]
    assert sections[2].body == "## 乙\n\n内容"


def test_missing_previous_tag_is_a_warning(project: Path) -> None:
    make_v1_1(project)  # 1.1 recorded, but v1.0 was never tagged
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1 and "warning MK705" in found[0] and "tag v1.0 not found" in found[0]


@pytest.mark.slow
def test_revised_sections_carry_marker_from_data(tmp_path: Path) -> None:
    from lxml import etree

    from conftest import copy_fixture, run_sphinx

    project = copy_fixture("release", tmp_path)
    make_v1_1(project)
    run = run_sphinx(project, "html")
    assert run.error is None, run.warnings
    page = etree.parse(str(run.outdir / "02-complaints.html"), etree.HTMLParser())
    markers = page.xpath("//p[contains(@class, 'mk-revised')]")
    assert [m.text for m in markers] == ["本节于 v1.1 修订：一般投诉办结时限由7个工作日缩短为5个工作日。"]
    # Right after the heading of the labelled section, not in its neighbours.
    section = markers[0].getparent()
    assert section.get("id") == "complaint-resolution"
    assert markers[0].getprevious().tag == "h2"
    # v1.0 is the first issue: its sections are new, not revised, so they carry no marker.
    overview = etree.parse(str(run.outdir / "01-overview.html"), etree.HTMLParser())
    assert overview.xpath("//p[contains(@class, 'mk-revised')]") == []


def test_sections_of_a_chapter_saved_as_gbk_are_still_found(tmp_path: Path) -> None:
    """Release and redline read chapters like the checker: a GBK file (MK003) is no traceback."""
    from manualkit.revisions import label_locations

    chapter = tmp_path / "manual" / "01-x.md"
    chapter.parent.mkdir()
    chapter.write_bytes("---\nowner: a\n---\n\n(intake)=\n# 投诉受理\n\n正文。\n".encode("gbk"))
    bom = tmp_path / "manual" / "02-y.md"
    bom.write_bytes("\ufeff(review)=\r\n# 复核\r\n".encode())
    assert label_locations(tmp_path) == {"intake": ("manual/01-x.md", 5), "review": ("manual/02-y.md", 1)}


def test_a_change_recorded_for_a_section_that_did_not_change_is_flagged(project: Path) -> None:
    """A release put "本节于 v1.2 修订" on a chapter nothing changed in, while the changed places
    (recorded only through `covers` elsewhere) went unmarked."""
    tag(project, "1.0")
    make_v1_1(project)
    replace_in(
        project / "data" / "revisions.yaml",
        "    - {section: complaint-resolution,",
        "    - {section: overview, description: 无关修订。}\n    - {section: complaint-resolution,",
    )
    found = [f for f in mk7(project) if "MK710" in f]
    assert len(found) == 1, found
    assert found[0].startswith("data/revisions.yaml:")
    assert (
        "warning MK710 revision 1.1 records a change to section 'overview', which has not changed since v1.0"
        in (found[0])
    )
    # Recorded for the chapter enclosing the changed section: that is a change to it.
    replace_in(
        project / "data" / "revisions.yaml",
        "{section: overview, description: 无关修订。}",
        "{section: complaints, description: 投诉一章修订。}",
    )
    assert [f for f in mk7(project) if "MK710" in f] == []
    # An entry with `covers` answers for what it names (a template, say): not judged.
    replace_in(
        project / "data" / "revisions.yaml",
        "{section: complaints, description: 投诉一章修订。}",
        "{section: overview, description: 模板修订。, covers: [slas.yaml]}",
    )
    assert [f for f in mk7(project) if "MK710" in f] == []


def test_a_new_chapter_s_toctree_line_is_the_chapter_s_change_not_the_root_page_s(project: Path) -> None:
    """`manualkit new chapter` adds only a toctree line to index.md: MK705 asked for a change
    entry for the root page, which the redline then showed as unchanged (and MK710 let pass)."""
    replace_in(project / "manual" / "index.md", "# 客户服务操作手册", "(manual-root)=\n# 客户服务操作手册")
    commit_all(project, "root label")
    tag(project, "1.0")
    make_v1_1(project)
    (project / "manual" / "03-new.md").write_text(
        "---\nowner: department.head\nreview_due: 2026-12-31\n---\n\n"
        "(new-chapter)=\n# 新增章节\n\n新增内容。\n",
        encoding="utf-8",
    )
    replace_in(project / "manual" / "index.md", "02-complaints\n", "02-complaints\n03-new\n")
    replace_in(
        project / "data" / "revisions.yaml",
        "    - {section: complaint-resolution,",
        "    - {section: new-chapter, description: 新增第3章。}\n    - {section: complaint-resolution,",
    )

    assert [f for f in mk7(project) if "MK705" in f or "MK710" in f] == []

    # The new chapter itself, untracked as `new chapter` leaves it, needs its entry.
    entry = "    - {section: new-chapter, description: 新增第3章。}\n"
    replace_in(project / "data" / "revisions.yaml", entry, "")
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1 and found[0].startswith("manual/03-new.md:6:"), found
    assert "section 'new-chapter'" in found[0]
    replace_in(
        project / "data" / "revisions.yaml",
        "    - {section: complaint-resolution,",
        "    - {section: new-chapter, description: 新增第3章。}\n    - {section: complaint-resolution,",
    )

    # The root page's own text still needs its entry, toctree or not.
    index = project / "manual" / "index.md"
    replace_in(index, "# 客户服务操作手册", "# 客户服务操作手册\n\n本手册适用于全行。")
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1 and found[0].startswith("manual/index.md:"), found
    assert "section 'manual-root'" in found[0]


def test_every_output_names_the_highest_version_s_approval_whatever_the_file_order(project: Path) -> None:
    """revisions.yaml listed newest first (MK701 reports it, a ``--no-check`` build does not):
    the site's approval date, the PDF cover and the DOCX properties still name the same revision,
    the highest version, not one the last in the file and the others the highest."""
    from manualkit.builders.pdf_document import print_document
    from manualkit.loader import load_data

    revisions = project / "data" / "revisions.yaml"
    text = revisions.read_text(encoding="utf-8")
    revisions.write_text(REVISION_1_1 + text, encoding="utf-8")
    replace_in(project / "data" / "manual.yaml", 'version: "1.0"', 'version: "1.1"')
    data, diagnostics = load_data(project / "data")
    assert data is not None, [d.format() for d in diagnostics]
    assert [rev.version for rev in data.revisions] == ["1.1", "1.0"]
    current = data.current_revision
    assert current is not None and current.version == "1.1"
    approval = print_document(data).approvals[-1]
    assert approval.name == current.approved.name == "周建国"


# --------------------------------------------------------------------------- sections added, removed, moved
# Only a section whose own text (label, heading, body) changed needs an entry: a hunk that adds or
# removes a whole section starts or ends on the blank line separating it from its neighbour, and
# MK705 charged that unchanged neighbour — whose marker then told readers it had been revised.

APPENDED = "\n(overview-records)=\n## 服务档案\n\n服务档案按年归档。\n"
SCOPE = "(overview-scope)=\n## 适用范围\n\n本手册适用于全行营业网点、客服热线和线上渠道的客户服务工作。\n\n"
PRINCIPLES = (
    "\n(overview-principles)=\n## 服务原则\n\n"
    "客服人员应当以客户为中心，做到热情、专业、高效，依法保护客户的合法权益。\n"
)
MISRECORDED = "{section: complaint-resolution, description: 误记的修订。}"


def _errors_and_warnings(project: Path) -> list[str]:
    return [d.format() for d in run_checks(project, select=["MK7"]).diagnostics if d.severity != "info"]


def _rerecord(project: Path, entry: str) -> None:
    replace_in(project / "data" / "revisions.yaml", MISRECORDED, entry)


def test_a_section_appended_at_a_chapter_s_end_is_the_only_section_changed(project: Path) -> None:
    """The blank line before the new section fell in the last section's lines: MK705 asked for an
    entry for 'overview-principles', whose text had not changed."""
    tag(project, "1.0")
    chapter = project / "manual" / "01-overview.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + APPENDED, encoding="utf-8")
    record_v1_1(project, MISRECORDED)
    assert [f for f in mk7(project) if "MK705" in f] == [
        "manual/01-overview.md:19: error MK705 section 'overview-records' (服务档案) added since v1.0 but "
        "revision 1.1 records no change to it or to an enclosing section (overview); add "
        "`- {section: overview-records, description: …}` to its changes"
    ]
    _rerecord(project, "{section: overview-records, description: 新增服务档案。}")
    assert mk7(project) == []
    # The neighbour recorded as well would carry a false marker: MK710 says so.
    replace_in(
        project / "data" / "revisions.yaml",
        "    - {section: overview-records,",
        "    - {section: overview-principles, description: 无关。}\n    - {section: overview-records,",
    )
    found = mk7(project)
    assert len(found) == 1 and "MK710" in found[0] and "'overview-principles'" in found[0], found


def test_a_removed_section_is_recorded_under_its_old_label(project: Path) -> None:
    """MK704 refused the label (no chapter defines it any more) and MK705 charged the pure deletion
    to the section before it ('overview', unchanged): the removal had to be recorded there."""
    tag(project, "1.0")
    replace_in(project / "manual" / "01-overview.md", SCOPE, "")
    record_v1_1(project, MISRECORDED)
    assert [f for f in mk7(project) if "MK705" in f] == [
        "manual/01-overview.md:8: error MK705 section 'overview-scope' (适用范围) removed since v1.0 but "
        "revision 1.1 records no change to it or to an enclosing section (overview); record the removal "
        "under its old label: add `- {section: overview-scope, title: 适用范围, description: …}` to its "
        "changes"
    ]
    # Without its title the history could only print the label: a warning quotes the title to add.
    _rerecord(project, "{section: overview-scope, description: 删除适用范围一节。}")
    assert _errors_and_warnings(project) == [
        "data/revisions.yaml:18:17: warning MK704 revision 1.1 records section 'overview-scope' (适用范围), "
        "which manual/01-overview.md defined at v1.0 and no chapter defines now, without its title: the "
        "revision history can only name it 'overview-scope（本节已删除）'; add `title: 适用范围` to the entry"
    ]
    # A title other than the released heading's.
    revisions = project / "data" / "revisions.yaml"
    replace_in(revisions, "{section: overview-scope,", "{section: overview-scope, title: 适用对象,")
    assert _errors_and_warnings(project) == [
        "data/revisions.yaml:18:40: warning MK704 revision 1.1 gives removed section 'overview-scope' the "
        "title '适用对象', but its heading at v1.0 (manual/01-overview.md) was '适用范围'"
    ]
    replace_in(revisions, "title: 适用对象,", "title: 适用范围,")
    assert _errors_and_warnings(project) == []
    (info,) = run_checks(project, select=["MK704"]).diagnostics
    assert info.format() == (
        "data/revisions.yaml:18:17: info MK704 revision 1.1 records section 'overview-scope' (适用范围), "
        "which manual/01-overview.md defined at v1.0 and no chapter defines now: recorded as removed — no "
        "section carries its marker, the revision history names it '适用范围（本节已删除）'"
    )
    # A title on a section that exists is for nothing: the history shows its current title.
    replace_in(
        revisions, "{section: overview-scope, title: 适用范围,", "{section: overview, title: 适用范围,"
    )
    assert _errors_and_warnings(project) == [
        "data/revisions.yaml:18:34: warning MK704 revision 1.1 gives section 'overview' the title "
        "'适用范围', but the section exists: 'title' is only for a removed section (the revision history "
        "shows the section's current title); remove it"
    ]
    replace_in(
        revisions, "{section: overview, title: 适用范围,", "{section: overview-scope, title: 适用范围,"
    )
    # Recorded under the enclosing section it was in, as for an edit inside a subsection.
    replace_in(
        project / "data" / "revisions.yaml",
        "{section: overview-scope, title: 适用范围,",
        "{section: overview,",
    )
    assert mk7(project) == []


def test_a_section_moved_to_another_chapter_is_the_only_section_changed(project: Path) -> None:
    """Moved from the end of chapter 1 to the end of chapter 2: MK705 asked for entries for both
    unchanged sections next to the cut and the paste, which then printed false markers."""
    tag(project, "1.0")
    replace_in(project / "manual" / "01-overview.md", PRINCIPLES, "")
    complaints = project / "manual" / "02-complaints.md"
    complaints.write_text(complaints.read_text(encoding="utf-8") + PRINCIPLES, encoding="utf-8")
    record_v1_1(project, MISRECORDED)
    found = mk7(project)
    assert [f for f in found if "MK705" in f] == [
        "manual/02-complaints.md:21: error MK705 section 'overview-principles' (服务原则) moved here from "
        "manual/01-overview.md since v1.0 but revision 1.1 records no change to it or to an enclosing "
        "section (complaints); add `- {section: overview-principles, description: …}` to its changes"
    ]
    assert [f for f in found if "MK710" in f and "'complaint-resolution'" in f], found
    _rerecord(project, "{section: overview-principles, description: 本节移入第2章。}")
    assert mk7(project) == []


def test_a_section_moved_within_its_chapter_is_its_own_change(project: Path) -> None:
    """Readers find it elsewhere, under another number: the move needs an entry; the sections
    around it do not."""
    tag(project, "1.0")
    chapter = project / "manual" / "01-overview.md"
    replace_in(chapter, PRINCIPLES, "")
    replace_in(chapter, "(overview-scope)=", PRINCIPLES.lstrip("\n") + "\n(overview-scope)=")
    record_v1_1(project, MISRECORDED)
    # Which of two swapped sections moved is the comparison's choice (the redline's too): the one
    # that now comes second.  The entry may name either.
    assert [f for f in mk7(project) if "MK705" in f] == [
        "manual/01-overview.md:14: error MK705 section 'overview-scope' (适用范围) moved within this "
        "chapter since v1.0 but revision 1.1 records no change to it or to an enclosing section (overview) "
        "or to a section it changed places with (overview-principles); add "
        "`- {section: overview-scope, description: …}` to its changes"
    ]
    _rerecord(project, "{section: overview-principles, description: 服务原则移至适用范围之前。}")
    assert mk7(project) == []
    replace_in(
        project / "data" / "revisions.yaml", "{section: overview-principles,", "{section: overview-scope,"
    )
    assert mk7(project) == []


def test_a_relabelled_section_is_one_change_under_its_new_label(project: Path) -> None:
    """Not a removal plus an addition: the new label alone records it (where the marker goes)."""
    tag(project, "1.0")
    replace_in(project / "manual" / "01-overview.md", "(overview-scope)=", "(overview-coverage)=")
    record_v1_1(project, MISRECORDED)
    found = [f for f in mk7(project) if "MK705" in f]
    assert len(found) == 1 and found[0].startswith(
        "manual/01-overview.md:9: error MK705 section 'overview-coverage' (适用范围)"
    ), found
    _rerecord(project, "{section: overview-coverage, description: 节标签更名。}")
    assert mk7(project) == []


def _remove_chapter(project: Path, name: str) -> None:
    """Delete a chapter and its toctree entry, and record revision 1.1 with an unrelated change."""
    (project / "manual" / f"{name}.md").unlink()
    replace_in(project / "manual" / "index.md", f"{name}\n", "")
    record_v1_1(project, MISRECORDED)


def test_a_removed_chapter_is_recorded_under_its_old_label(project: Path) -> None:
    """The chapter's label was refused (MK704) and MK705 asked for the file in `covers` on another
    section's entry, which then carried the removal's marker."""
    tag(project, "1.0")
    _remove_chapter(project, "01-overview")
    assert [f for f in mk7(project) if "MK705" in f] == [
        "manual/01-overview.md:1: error MK705 chapter removed since v1.0 but revision 1.1 does not record "
        "the removal of 'overview' (总则); record it under the old label: add "
        "`- {section: overview, title: 总则, description: …}` to its changes"
    ]
    # The file in another entry's `covers` passed: the history did not say what was removed, and
    # that entry's marker stood on a section that had not changed.
    covered = "{section: complaint-resolution, description: 删除总则一章。, covers: [manual/01-overview.md]}"
    _rerecord(project, covered)
    assert [f for f in mk7(project) if "MK705" in f] == [
        "manual/01-overview.md:1: error MK705 chapter removed since v1.0 but revision 1.1 does not record "
        "the removal of 'overview' (总则); record it under the old label: add "
        "`- {section: overview, title: 总则, description: …}` to its changes (`covers: "
        "[manual/01-overview.md]` does not name what was removed)"
    ]
    replace_in(project / "data" / "revisions.yaml", covered, MISRECORDED)
    _rerecord(project, "{section: overview, title: 总则, description: 删除总则一章。}")
    assert _errors_and_warnings(project) == []
    (info,) = run_checks(project, select=["MK704"]).diagnostics
    assert info.severity == "info" and "records section 'overview' (总则)" in info.message
    assert info.message.endswith("the revision history names it '总则（本节已删除）'"), info.message


def test_a_renamed_chapter_file_keeps_its_sections(project: Path) -> None:
    """A chapter file renamed (its old name gone, the new one new) moves no section, as the redline
    counts it: only what changed in its text needs an entry."""
    tag(project, "1.0")
    git(project, "mv", "manual/01-overview.md", "manual/01-general.md")
    replace_in(project / "manual" / "index.md", "01-overview\n", "01-general\n")
    chapter = project / "manual" / "01-general.md"
    replace_in(chapter, "热情、专业、高效", "热情、专业、高效、规范")
    record_v1_1(project, MISRECORDED)
    assert [f for f in mk7(project) if "MK705" in f] == [
        "manual/01-general.md:17: error MK705 section 'overview-principles' (服务原则) changed since v1.0 "
        "but revision 1.1 records no change to it or to an enclosing section (overview); add "
        "`- {section: overview-principles, description: …}` to its changes"
    ]
    _rerecord(project, "{section: overview-principles, description: 服务原则增加“规范”。}")
    assert mk7(project) == []


def test_whitespace_between_sections_is_nobody_s_change(project: Path) -> None:
    tag(project, "1.0")
    replace_in(
        project / "manual" / "01-overview.md",
        "工作。\n\n(overview-principles)=",
        "工作。\n\n\n(overview-principles)=",
    )
    make_v1_1(project)
    assert mk7(project) == []


@pytest.mark.slow
def test_removed_and_moved_sections_in_the_outputs(project: Path) -> None:
    """Recorded as they are, the removed and the moved section mark no unchanged neighbour; the
    revision history names the removed one as removed."""
    from lxml import etree

    from conftest import run_sphinx

    complaints = project / "manual" / "02-complaints.md"
    with complaints.open("a", encoding="utf-8") as handle:
        handle.write("\n(complaint-history)=\n## 修订记录\n\n:::{revision-history}\n:::\n")
    commit_all(project, "修订记录")
    tag(project, "1.0")
    overview = project / "manual" / "01-overview.md"
    replace_in(overview, SCOPE, "")
    replace_in(overview, PRINCIPLES, "")
    replace_in(complaints, "\n(complaint-history)=", PRINCIPLES + "\n(complaint-history)=")
    record_v1_1(
        project,
        "{section: overview-scope, title: 适用范围, description: 删除适用范围一节。}",
        "{section: overview-principles, description: 本节移入第2章。}",
    )
    assert _errors_and_warnings(project) == []
    run = run_sphinx(project, "html")
    assert run.error is None, run.warnings
    markers = {}
    for name in ("01-overview", "02-complaints"):
        page = etree.parse(str(run.outdir / f"{name}.html"), etree.HTMLParser())
        for marker in page.xpath("//p[contains(@class, 'mk-revised')]"):
            markers[marker.getparent().get("id")] = marker.text
    assert markers == {"overview-principles": "本节于 v1.1 修订：本节移入第2章。"}
    page = etree.parse(str(run.outdir / "02-complaints.html"), etree.HTMLParser())
    items = ["".join(li.itertext()).strip() for li in page.xpath("//section[@id='complaint-history']//li")]
    assert "适用范围（本节已删除）：删除适用范围一节。" in items, items


def test_a_removed_chapter_without_labels_is_recorded_in_covers(project: Path) -> None:
    """A chapter that defined no label has no label to record its removal under: naming the file
    in a change's `covers` is the one way, and it is accepted."""
    (project / "manual" / "03-notes.md").write_text("# 补充说明\n\n本章列明补充说明。\n", encoding="utf-8")
    replace_in(project / "manual" / "index.md", "01-overview\n", "01-overview\n03-notes\n")
    commit_all(project, "补充说明")
    tag(project, "1.0")
    _remove_chapter(project, "03-notes")
    assert [f for f in mk7(project) if "MK705" in f] == [
        "manual/03-notes.md:1: error MK705 chapter removed since v1.0 (it defined no section label) but "
        "revision 1.1 does not record it; list `manual/03-notes.md` in a change's `covers`"
    ]
    _rerecord(project, "{section: overview, description: 删除补充说明一章。, covers: [manual/03-notes.md]}")
    assert [f for f in mk7(project) if "MK705" in f] == []
