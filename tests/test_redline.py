"""``manualkit redline``: section-by-section comparison of two tagged releases."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from manualkit.redline.cli import RedlineError, write_redline
from manualkit.redline.datadiff import EntryChange, FieldChange
from manualkit.redline.textdiff import Segment, diff_text, excerpts
from ooxml_helpers import word_would_repair
from release_helpers import (
    NEW_PARAGRAPH,
    OLD_PARAGRAPH,
    REVISION_1_1,
    commit_all,
    make_project,
    make_v1_1,
    replace_in,
    tag,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A repository with tags v1.0 and v1.1 (1.1: SLA 7 → 5 working days, one paragraph rewritten)."""
    root = make_project(tmp_path)
    tag(root, "1.0")
    make_v1_1(root)
    commit_all(root, "手册 v1.1")
    tag(root, "1.1")
    return root


def redline_of_1_2(released: Path) -> tuple[Path, etree._ElementTree]:
    """The edits made to ``released`` committed and tagged as 1.2; the redline 1.1 → 1.2 and its HTML."""
    commit_all(released, "1.2")
    tag(released, "1.2")
    target = write_redline(released, "1.1", "1.2")
    return target, etree.parse(str(target / "redline.html"), etree.HTMLParser())


@pytest.fixture
def redline_dir(released: Path) -> Path:
    return write_redline(released, "1.0", "1.1")


def test_outputs_written(redline_dir: Path) -> None:
    assert redline_dir == redline_dir.parent / "1.0-1.1"
    assert redline_dir.parent.parent.name == "build"
    assert sorted(p.name for p in redline_dir.iterdir()) == ["changes.json", "redline.docx", "redline.html"]


def test_changes_json_reports_sla_old_and_new(redline_dir: Path) -> None:
    changes = json.loads((redline_dir / "changes.json").read_text(encoding="utf-8"))
    assert (changes["from"], changes["to"]) == ("1.0", "1.1")
    assert [(c["id"], c["status"]) for c in changes["slas"]] == [("complaint.general.resolve", "changed")]
    sla = changes["slas"][0]
    assert (sla["old"]["duration"], sla["new"]["duration"]) == ("7个工作日", "5个工作日")
    assert sla["fields"] == [{"field": "duration", "old": "7个工作日", "new": "5个工作日"}]
    assert changes["forms"] == []
    assert [s["label"] for s in changes["sections"]] == ["complaint-resolution"]


def test_html_summary_and_inline_changes(redline_dir: Path) -> None:
    page = etree.parse(str(redline_dir / "redline.html"), etree.HTMLParser())
    row = page.xpath("//tr[@id='sla-complaint-general-resolve']")[0]
    assert row.xpath("string(.//del)") == "7个工作日"
    assert row.xpath("string(.//ins)") == "5个工作日"
    changed = page.xpath("//div[@id='s-complaint-resolution']")[0]
    assert "mk-section" in changed.get("class") and "changed" in changed.get("class")
    inserted = [e.text for e in changed.xpath(".//ins")]
    deleted = [e.text for e in changed.xpath(".//del")]
    assert "书面" in inserted and "电话" in inserted
    assert any("五个" in text for text in inserted)
    assert any("规定" in text for text in deleted)
    # Word-level, not whole-paragraph: the unchanged words stay outside ins/del.
    assert OLD_PARAGRAPH not in deleted and NEW_PARAGRAPH not in inserted
    # Unchanged sections are collapsed.
    collapsed = page.xpath("//details[contains(@class, 'unchanged')]/@id")
    assert "s-complaint-intake" in collapsed and "s-overview-scope" in collapsed
    assert not page.xpath("//details[@id='s-complaint-resolution']")


def test_docx_has_tracked_changes(redline_dir: Path) -> None:
    with zipfile.ZipFile(redline_dir / "redline.docx") as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    insertions = body.findall(f".//{W}ins")
    deletions = body.findall(f".//{W}del")
    assert insertions and deletions
    for mark in [*insertions, *deletions]:
        assert mark.get(f"{W}author") == "陈静"
        assert mark.get(f"{W}date") == "2025-03-01T00:00:00Z"
    inserted = "".join(t.text or "" for t in body.iterfind(f".//{W}ins//{W}t"))
    deleted = "".join(t.text or "" for t in body.iterfind(f".//{W}del//{W}delText"))
    assert "书面" in inserted and "规定" in deleted
    assert not body.findall(f".//{W}del//{W}t")  # deleted text must be w:delText
    ids = [m.get(f"{W}id") for m in [*insertions, *deletions]]
    assert len(ids) == len(set(ids))


def test_accepting_all_changes_gives_the_new_text(redline_dir: Path) -> None:
    # Accept all = drop w:del, unwrap w:ins; the paragraph must read exactly as in v1.1.
    with zipfile.ZipFile(redline_dir / "redline.docx") as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    accepted, rejected = [], []
    for p in body.iter(f"{W}p"):
        accepted.append("".join(t.text or "" for t in p.iter(f"{W}t")))
        rejected.append(
            "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText") if not _inside(t, f"{W}ins"))
        )
    assert NEW_PARAGRAPH in accepted and OLD_PARAGRAPH not in accepted
    assert OLD_PARAGRAPH in rejected and NEW_PARAGRAPH not in rejected


def _inside(element: etree._Element, tag_name: str) -> bool:
    return any(parent.tag == tag_name for parent in element.iterancestors())


def test_chinese_is_diffed_by_words_or_characters() -> None:
    old, new = "投诉应在七个工作日内办结。", "投诉应在五个工作日内办结。"
    words = diff_text(old, new, "word")[0].segments
    chars = diff_text(old, new, "char")[0].segments
    assert [(s.op, s.text) for s in chars if s.op != "equal"] == [("delete", "七"), ("insert", "五")]
    changed_words = [s.text for s in words if s.op != "equal"]
    assert changed_words and all(len(text) < len(old) // 2 for text in changed_words)
    assert "".join(s.text for s in words if s.op != "insert") == old


def test_a_reworded_paragraph_next_to_a_removed_one_is_still_an_edit() -> None:
    """Paired in order, the removed item shifted the pairs: the reworded item read as deleted
    whole and inserted whole, hiding its one-word change."""
    kept = "客户来访应当先核验身份，再登记投诉事项。"
    old = ["本条已废止，不再执行。", "受理人员应当当场出具受理回执。", kept]
    new = ["受理人员应当当日出具受理回执。", kept, "新增：投诉须在系统中登记。"]
    diff = diff_text("\n\n".join(old), "\n\n".join(new), "char")
    assert [p.status for p in diff] == ["delete", "changed", "equal", "insert"]
    changes = [(s.op, s.text) for s in diff[1].segments if s.op != "equal"]
    assert changes == [("delete", "场"), ("insert", "日")]
    # Accepting every change gives the new text, rejecting every change the old one.
    assert [
        ("".join(s.text for s in p.segments if s.op != "delete")) for p in diff if p.status != "delete"
    ] == new
    assert [
        ("".join(s.text for s in p.segments if s.op != "insert")) for p in diff if p.status != "insert"
    ] == old


def test_html_escapes_manual_text(released: Path) -> None:
    replace_in(released / "manual" / "02-complaints.md", NEW_PARAGRAPH, NEW_PARAGRAPH + "<script>x</script>")
    commit_all(released, "1.2")
    tag(released, "1.2")
    target = write_redline(released, "1.1", "1.2")
    html = (target / "redline.html").read_text(encoding="utf-8")
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;" in html


def test_malformed_version_is_refused(released: Path) -> None:
    with pytest.raises(RedlineError, match="drop the leading 'v'"):
        write_redline(released, "v1.0", "1.1")


def test_versions_in_the_wrong_order_are_refused(released: Path) -> None:
    with pytest.raises(RedlineError, match=r"first version must be the older one: found 1\.1 then 1\.0"):
        write_redline(released, "1.1", "1.0")
    with pytest.raises(RedlineError, match=r"nothing to compare: both versions are 1\.0"):
        write_redline(released, "1.0", "1.0")


def test_unknown_tag_is_refused(released: Path) -> None:
    with pytest.raises(RedlineError, match=r"tag v0\.9 not found"):
        write_redline(released, "0.9", "1.1")


def test_rerun_replaces_previous_redline(redline_dir: Path, released: Path) -> None:
    (redline_dir / "stale.txt").write_text("x", encoding="utf-8")
    again = write_redline(released, "1.0", "1.1")
    assert again == redline_dir and not (again / "stale.txt").exists()
    assert [p.name for p in again.parent.iterdir()] == ["1.0-1.1"]


def test_redline_docx_is_reproducible_and_holds_no_template_leftovers(
    redline_dir: Path, released: Path
) -> None:
    """Two runs give the same bytes (stamped with the release date, not the clock), without
    python-docx's stale Word 2010 style copy."""
    first = (redline_dir / "redline.docx").read_bytes()
    again = write_redline(released, "1.0", "1.1")
    assert (again / "redline.docx").read_bytes() == first
    with zipfile.ZipFile(again / "redline.docx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 3, 1, 0, 0, 0)}
        assert not [name for name in archive.namelist() if "stylesWithEffects" in name]
    assert word_would_repair(again / "redline.docx") == []


@pytest.mark.libreoffice
def test_libreoffice_keeps_tracked_changes(redline_dir: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is required"
    profile = tmp_path / "lo-profile"
    out = tmp_path / "fodt"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "fodt",
            "--outdir",
            str(out),
            str(redline_dir / "redline.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    tree = etree.parse(str(out / "redline.fodt"))
    ns = {
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "dc": "http://purl.org/dc/elements/1.1/",
    }
    for kind in ("insertion", "deletion"):
        regions = tree.xpath(f"//text:changed-region[text:{kind}]", namespaces=ns)
        assert regions, f"no text:{kind} after the round trip"
        for region in regions:
            assert region.xpath(f"string(text:{kind}/office:change-info/dc:creator)", namespaces=ns) == "陈静"
            assert region.xpath(f"string(text:{kind}/office:change-info/dc:date)", namespaces=ns).startswith(
                "2025-03-01"
            )
    # LibreOffice keeps deleted text either inside the region or inline between change marks.
    deletion_ids = set(tree.xpath("//text:changed-region[text:deletion]/@text:id", namespaces=ns))
    inline = [
        mark.tail or ""
        for mark in tree.xpath("//text:change-start", namespaces=ns)
        if mark.get(f"{{{ns['text']}}}change-id") in deletion_ids
    ]
    stored = tree.xpath("//text:changed-region/text:deletion/text:p//text()", namespaces=ns)
    assert "规定时限内" in "".join([*inline, *stored])


def test_cited_sla_change_shows_in_section_text(tmp_path: Path) -> None:
    # Roles are expanded with each version's data, so an SLA change is visible where it is cited.
    root = make_project(tmp_path)
    replace_in(
        root / "manual" / "02-complaints.md",
        "一般投诉应当在规定时限内办结",
        "一般投诉应当在{sla}`complaint.general.resolve`内办结",
    )
    commit_all(root, "1.0")
    tag(root, "1.0")
    replace_in(root / "data" / "slas.yaml", "value: 7, unit: working_days", "value: 5, unit: working_days")
    commit_all(root, "1.1")
    tag(root, "1.1")
    page = etree.parse(str(write_redline(root, "1.0", "1.1") / "redline.html"), etree.HTMLParser())
    section = page.xpath("//div[@id='s-complaint-resolution']")[0]
    assert "一般投诉应当在7个工作日内办结" in "".join(section.xpath(".//p/text() | .//p/del/text()"))
    assert "7" in "".join(section.xpath(".//del/text()")) and "5" in "".join(section.xpath(".//ins/text()"))
    assert "{sla}" not in "".join(section.itertext())


def test_redline_compares_reader_text_not_markup(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    chapter = root / "manual" / "02-complaints.md"
    replace_in(
        chapter,
        OLD_PARAGRAPH,
        OLD_PARAGRAPH + "\n\n| 等级 | 时限 |\n| --- | --- |\n| **一般投诉** | 7个工作日 |\n\n"
        "受理要求见{ref}`complaint-intake`。",
    )
    commit_all(root, "1.0")
    tag(root, "1.0")
    replace_in(chapter, "| **一般投诉** | 7个工作日 |", "| **一般投诉** | 5个工作日 |")
    replace_in(chapter, "## 投诉办结", "## 投诉办结与答复")
    commit_all(root, "1.1")
    tag(root, "1.1")
    target = write_redline(root, "1.0", "1.1")
    page = etree.parse(str(target / "redline.html"), etree.HTMLParser())
    section = page.xpath("//div[@id='s-complaint-resolution']")[0]
    text = "".join(section.xpath(".//div[@class='mk-text']//text()"))
    assert "一般投诉 ｜ 75个工作日" in text  # one line per table row, old and new digit side by side
    assert "受理要求见2.1 投诉受理。" in text  # {ref} reads as the manual prints it: number and title
    for markup in ("**", "| ---", "## ", "{ref}"):
        assert markup not in text, markup
    # The reworded heading is itself a change: old title deleted, new title inserted.
    heading = section.xpath("./h3")[0]
    assert heading.xpath("string(./del)") == "投诉办结" and heading.xpath("string(./ins)") == "投诉办结与答复"
    with zipfile.ZipFile(target / "redline.docx") as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    deleted = {"".join(d.itertext()) for d in body.iterfind(f".//{W}del")}
    assert "投诉办结" in deleted


def test_form_change_summary_shows_only_what_changed(released: Path) -> None:
    replace_in(released / "data" / "forms.yaml", "label: 联系电话", "label: 联系手机")
    _target, page = redline_of_1_2(released)
    row = page.xpath("//tr[@id='form-f-02-01']")[0]
    old, new = row.xpath("string(.//del)"), row.xpath("string(.//ins)")
    assert old.startswith("栏目：") and "联系电话" in old and "联系手机" in new
    assert "投诉受理登记表" not in old  # the unchanged title is not repeated as a change


def test_published_redline_is_as_readable_as_other_output(redline_dir: Path) -> None:
    plain = redline_dir.parent / "plain"
    plain.mkdir()
    assert redline_dir.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_other_data_changes_are_listed_too(released: Path) -> None:
    # Roles (like checklists or processes) reach readers through directives whose text the section
    # diff cannot show, so the summary lists them entry by entry as well.
    replace_in(released / "data" / "roles.yaml", "name: 客服主管", "name: 客户服务主管")
    target, page = redline_of_1_2(released)
    row = page.xpath("//tr[@id='roles-service-supervisor']")[0]
    assert row.xpath("string(./td[1])") == "角色"
    assert (
        row.xpath("string(.//del)") == "名称：客服主管"
        and row.xpath("string(.//ins)") == "名称：客户服务主管"
    )
    changes = json.loads((target / "changes.json").read_text(encoding="utf-8"))
    assert [(c["id"], c["status"]) for c in changes["roles"]] == [("service.supervisor", "changed")]
    assert changes["slas"] == [] and changes["checklists"] == []


def test_added_and_removed_entries_of_any_collection_are_listed(released: Path) -> None:
    """An added checklist (or removed glossary term) was a KeyError: no redline at all."""
    with (released / "data" / "checklists.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n- id: CL-09-01\n  title: 新增复核清单\n  owner: service.agent\n"
            "  section: complaint-process\n  items:\n    - text: 核对客户身份\n"
        )
    target, page = redline_of_1_2(released)
    changes = json.loads((target / "changes.json").read_text(encoding="utf-8"))
    assert [(c["id"], c["status"]) for c in changes["checklists"]] == [("CL-09-01", "added")]
    row = page.xpath("//tr[@id='checklists-cl-09-01']")[0]
    assert row.xpath("string(./td[1])") == "检查清单" and "新增复核清单" in row.xpath("string(.)")


def test_a_section_whose_data_changed_is_changed_though_its_text_reads_the_same(released: Path) -> None:
    """A form amended in data left its section "未修改": the header counted one change too few."""
    replace_in(released / "data" / "forms.yaml", "label: 投诉事项", "label: 投诉事项及诉求")
    target, page = redline_of_1_2(released)
    (section,) = page.xpath("//div[@id='s-complaint-intake']")
    assert "修改" in section.xpath("string(.//span[@class='mk-status'])")
    (note,) = section.xpath(".//p[contains(@class, 'mk-data-note')]")
    assert note.xpath("string(.)").startswith("数据变更：投诉受理登记表（F-02-01）：")
    assert "投诉事项及诉求" in note.xpath("string(.//ins)") and "投诉事项" in note.xpath("string(.//del)")
    word = zipfile.ZipFile(target / "redline.docx").read("word/document.xml").decode("utf-8")
    assert "数据变更：投诉受理登记表（F-02-01）：" in word


def test_long_changed_values_are_word_diffed_in_the_summary() -> None:
    note = "一般投诉{}个工作日内、紧急投诉24小时内处理完毕；重大投诉15个工作日内处理完毕。"
    change = EntryChange(
        "form", "F-04-01", "投诉受理登记表", "changed", {}, {},
        (FieldChange("notes", [note.format(7)], [note.format(5)]),),
    )  # fmt: skip
    edits = [(s.op, s.text) for s in change.inline if s.op != "equal"]
    assert edits == [("delete", "7"), ("insert", "5")]
    short = EntryChange(
        "sla", "x", "一般投诉处理时限", "changed", {}, {}, (FieldChange("duration", "7天", "5天"),)
    )
    assert short.inline == () and (short.old_value, short.new_value) == ("7天", "5天")


def test_a_long_data_change_in_a_section_shows_only_the_changed_words(released: Path) -> None:
    """The summary table word-diffed a reworded form note; the section's own note struck the whole
    old text and inserted the whole new one, leaving the reviewer to find the one changed word."""
    forms = released / "data" / "forms.yaml"
    note = "受理后请在系统中登记并告知客户预计办结时间，一般投诉{}个工作日内处理完毕。"
    replace_in(forms, "  fields:\n", f"  notes: [{note.format(7)}]\n  fields:\n")  # F-02-01's
    commit_all(released, "1.2")
    tag(released, "1.2")
    replace_in(forms, note.format(7), note.format(5))
    commit_all(released, "1.3")
    tag(released, "1.3")
    target = write_redline(released, "1.2", "1.3")
    page = etree.parse(str(target / "redline.html"), etree.HTMLParser())
    (section,) = page.xpath("//div[@id='s-complaint-intake']")
    (paragraph,) = section.xpath(".//p[contains(@class, 'mk-data-note')]")
    assert [d.text for d in paragraph.xpath(".//del")] == ["7"]
    assert [i.text for i in paragraph.xpath(".//ins")] == ["5"]
    assert "告知客户预计办结时间" in paragraph.xpath("string(.)")
    # Word: the data changes are comments (plain text) beside the section and rows of the summary
    # table; both shorten the note to the changed words with a little context.
    shortened = (
        "数据变更：投诉受理登记表（F-02-01）："
        "…计办结时间，一般投诉7个工作日内处理完毕。 → …计办结时间，一般投诉5个工作日内处理完毕。"
    )
    package = zipfile.ZipFile(target / "redline.docx")
    assert shortened in package.read("word/comments.xml").decode("utf-8")
    assert shortened in package.read("word/document.xml").decode("utf-8")


def test_excerpts_keep_each_change_with_a_little_context() -> None:
    segments = (
        Segment("equal", "甲" * 30),
        Segment("delete", "七"),
        Segment("insert", "五"),
        Segment("equal", "乙" * 5 + "丙" * 30 + "丁" * 5),
        Segment("insert", "新增"),
        Segment("equal", "戊" * 30),
    )
    old, new = excerpts(segments, context=5)
    middle = "乙" * 5 + "…" + "丁" * 5
    assert old == "…" + "甲" * 5 + "七" + middle + "戊" * 5 + "…"
    assert new == "…" + "甲" * 5 + "五" + middle + "新增" + "戊" * 5 + "…"
    assert excerpts((Segment("delete", "七"), Segment("insert", "五"))) == ("七", "五")


def test_redline_across_several_releases_shows_every_revision(released: Path) -> None:
    replace_in(released / "manual" / "01-overview.md", "热情、专业、高效", "热情、专业、高效、规范")
    replace_in(released / "data" / "manual.yaml", 'version: "1.1"', 'version: "1.2"')
    revision_1_2 = REVISION_1_1.replace('"1.1"', '"1.2"').replace(
        "complaint-resolution", "overview-principles"
    )
    with (released / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(revision_1_2.replace("缩短一般投诉办结时限。", "服务原则增加“规范”。"))
    commit_all(released, "1.2")
    tag(released, "1.2")
    page = etree.parse(str(write_redline(released, "1.0", "1.2") / "redline.html"), etree.HTMLParser())
    approvals = [p.xpath("string(.)") for p in page.xpath("//p[@class='mk-revision']")]
    assert [a.split(" ")[0] for a in approvals] == ["v1.1", "v1.2"]
    note = page.xpath("string(//div[@id='s-complaint-resolution']/p[@class='mk-note'])")
    assert note.startswith("修订说明：v1.1：一般投诉办结时限由7个工作日缩短为5个工作日")


def test_front_matter_and_toctree_read_as_words_not_markup() -> None:
    from manualkit.redline.readable import readable

    body = (
        "---\nowner: service.manager\nreview_due: 2027-11-30\n---\n\n正文。\n\n"
        "```{toctree}\n:numbered:\n:maxdepth: 2\n\n01-overview\n02-complaints\n```\n"
    )
    # As the manual prints it under the chapter title: the role's name, the date in words.
    assert readable(body, {}, {"service.manager": "客户服务中心经理"}).split("\n") == [
        "〔本章文档信息：责任岗位 客户服务中心经理；下次复核日期 2027年11月30日〕",
        "",
        "正文。",
        "",
        "〔章节目录〕",
        "",
    ]


def test_a_subsection_shows_the_note_recorded_on_its_enclosing_section(released: Path) -> None:
    """A change recorded on a chapter covers its sections (as the checker counts it)."""
    replace_in(released / "manual" / "02-complaints.md", "投诉受理", "投诉受理与登记")
    revisions = released / "data" / "revisions.yaml"
    revisions.write_text(
        revisions.read_text(encoding="utf-8")
        + REVISION_1_1.replace('"1.1"', '"1.2"').replace(
            "complaint-resolution, description: 一般投诉办结时限由7个工作日缩短为5个工作日。",
            "complaints, description: 调整投诉受理用语。",
        ),
        encoding="utf-8",
    )
    commit_all(released, "1.2")
    tag(released, "1.2")
    page = etree.parse(str(write_redline(released, "1.1", "1.2") / "redline.html"), etree.HTMLParser())
    (note,) = page.xpath("//div[@id='s-complaint-intake']//p[@class='mk-note']")
    assert note.xpath("string(.)") == "修订说明：v1.2：调整投诉受理用语。（记于上级章节）"


# --------------------------------------------------------------------------- a reviewed release
# One redline 1.0 → 1.1 of a manual with what a reviewer's release had: a section added and one
# removed, two sections titled 处理要求, a reference repealed, a checklist item dropped, a form
# added (the attachment list prints it), a revision recorded (the revision history prints it)
# and an SLA shortened (7 → 5 working days) that its section's SLA table prints.

SLA_TABLE = "\n\n:::{sla-table}\n:section: complaint-resolution\n:::\n"

LEGACY_SECTION = "(complaint-legacy)=\n## 旧版投诉台账\n\n纸质台账按月归档。\n\n"
ELDERLY_SECTION = "(complaint-elderly)=\n## 老年客户投诉保护\n\n老年客户投诉优先受理。\n\n"
REVIEWED_APPENDIX = """
(complaint-rules)=
### 处理要求

投诉处理要求。

(complaint-attachments)=
## 附件清单

:::{attachment-list}
:::

(complaint-history)=
## 修订记录

:::{revision-history}
:::
"""
REVIEWED_DATA = {
    "references.yaml": """\
- id: law.consumer
  title: 中华人民共和国消费者权益保护法
  issuer: 全国人民代表大会常务委员会
  status: in_force
  kind: law
- id: cited.notice
  title: 关于规范客户服务行为的通知
  issuer: 原银保监会（据原稿）
  status: unverified
""",
    "checklists.yaml": """\
- id: CL-02-01
  title: 投诉受理检查清单
  owner: service.agent
  section: complaint-intake
  items:
    - text: 已登记客户姓名和联系方式
    - text: 已熟悉本岗位使用的表单和检查清单
""",
}
REVIEWED_FORM = """\
- id: F-02-02
  title: 老年客户投诉优先处理单
  purpose: 登记老年客户的优先处理
  section: complaint-elderly
  owner: service.agent
  fields:
    - {id: customer.name, label: 客户姓名, required: true}
"""
REVIEWED_CHANGES = """\
    - {section: complaint-elderly, description: 新增老年客户投诉保护。}
    - {section: complaint-legacy, description: 删除旧版投诉台账。}
"""


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project (tags v1.0, v1.1) and its redline 1.0 → 1.1, written once for the module."""
    root = make_project(tmp_path_factory.mktemp("reviewed"))
    overview = root / "manual" / "01-overview.md"
    replace_in(overview, "合法权益。\n", "合法权益。\n\n(overview-rules)=\n### 处理要求\n\n总则处理要求。\n")
    chapter = root / "manual" / "02-complaints.md"
    replace_in(chapter, "(complaint-resolution)=", f"{LEGACY_SECTION}(complaint-resolution)=")
    replace_in(chapter, OLD_PARAGRAPH, OLD_PARAGRAPH + SLA_TABLE)
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write(REVIEWED_APPENDIX)
    for name, text in REVIEWED_DATA.items():
        (root / "data" / name).write_text(text, encoding="utf-8")
    commit_all(root, "1.0")
    tag(root, "1.0")
    make_v1_1(root)
    replace_in(chapter, LEGACY_SECTION, "")
    replace_in(chapter, "(complaint-attachments)=", f"{ELDERLY_SECTION}(complaint-attachments)=")
    replace_in(
        root / "data" / "references.yaml",
        "status: unverified",
        "status: repealed\n  superseded_by: law.consumer",
    )
    replace_in(root / "data" / "checklists.yaml", "    - text: 已熟悉本岗位使用的表单和检查清单\n", "")
    with (root / "data" / "forms.yaml").open("a", encoding="utf-8") as handle:
        handle.write(REVIEWED_FORM)
    with (root / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(REVIEWED_CHANGES)
    commit_all(root, "1.1")
    tag(root, "1.1")
    return root, write_redline(root, "1.0", "1.1")


def _reviewed_html(reviewed: tuple[Path, Path]) -> etree._ElementTree:
    return etree.parse(str(reviewed[1] / "redline.html"), etree.HTMLParser())


def _docx_parts(target: Path) -> tuple[etree._Element, etree._Element | None]:
    """document.xml's body and comments.xml (None if the DOCX has no comments)."""
    with zipfile.ZipFile(target / "redline.docx") as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
        names = archive.namelist()
        comments = (
            etree.fromstring(archive.read("word/comments.xml")) if "word/comments.xml" in names else None
        )
    assert body is not None
    return body, comments


def _front_and_text(body: etree._Element) -> tuple[list[etree._Element], list[etree._Element]]:
    """Paragraphs before the section break that ends the front matter, and the manual text after."""
    paragraphs = list(body.iter(f"{W}p"))
    breaks = [i for i, p in enumerate(paragraphs) if p.find(f"{W}pPr/{W}sectPr") is not None]
    assert breaks, "no section break between the front matter and the manual text"
    return paragraphs[: breaks[0] + 1], paragraphs[breaks[0] + 1 :]


def _resolved(paragraphs: list[etree._Element], *, accept: bool) -> list[str]:
    """The paragraph texts after Word's Accept all (``accept``) or Reject all.

    Accept all drops deleted runs and unwraps inserted ones; a paragraph whose mark was deleted
    merges into the next, so an emptied one disappears.  Reject all is the mirror image.
    """
    gone = f"{W}del" if accept else f"{W}ins"
    texts: list[str] = []
    for p in paragraphs:
        mark = p.find(f"{W}pPr/{W}rPr/{gone}")
        parts: list[str] = []
        for node in p.iter(f"{W}t", f"{W}delText", f"{W}br"):
            if any(a.tag == gone for a in node.iterancestors()):
                continue
            parts.append("\n" if node.tag == f"{W}br" else node.text or "")
        text = "".join(parts)
        if mark is not None and not text:
            continue
        texts.append(text)
    return texts


def _expected_text(root: Path, version: str) -> list[str]:
    """One release's manual text as the redline's reader reads it: each heading with its number,
    then the body's paragraphs, in reading order (computed from that tag's sources)."""
    import tempfile

    from manualkit.gitrepo import Repo
    from manualkit.loader import load_data
    from manualkit.redline.compare import _version, snapshot
    from manualkit.redline.textdiff import paragraphs

    with tempfile.TemporaryDirectory() as scratch:
        project = snapshot(Repo(root), f"v{version}", Path(scratch))
        data, _ = load_data(project / "data")
        read = _version(project, data)
    lines: list[str] = []
    for section in read.reader:
        if read.levels.get(section.key) is not None:
            number = read.numbers.get(section.key)
            lines.append(f"{number} {section.title}" if number else section.title)
        lines.extend(paragraphs(section.body))
    return lines


def test_docx_accept_all_is_the_new_text_and_reject_all_the_old(reviewed: tuple[Path, Path]) -> None:
    """Status words, data summaries and notes were written into the tracked text ("（未修改）" on
    every heading, an added section's heading outside w:ins): Accept all did not give 1.1."""
    root, target = reviewed
    body, comments = _docx_parts(target)
    _front, text = _front_and_text(body)
    new, old = _expected_text(root, "1.1"), _expected_text(root, "1.0")
    assert _resolved(text, accept=True) == new
    assert _resolved(text, accept=False) == old
    # Generated tables are part of that text: the SLA row as each version's data prints it.
    assert any("一般投诉办结 ｜ 受理投诉 ｜ 答复客户 ｜ 5个工作日" in p for p in new)
    assert any("一般投诉办结 ｜ 受理投诉 ｜ 答复客户 ｜ 7个工作日" in p for p in old)
    # What the reviewer needs beside a change is a comment on the section's heading.
    assert comments is not None
    notes = ["\n".join("".join(p.itertext()) for p in c.iter(f"{W}p")) for c in comments.iter(f"{W}comment")]
    assert any(n.startswith("新增：2.3 老年客户投诉保护") for n in notes)
    assert any(n.startswith("删除：2.2 旧版投诉台账") for n in notes)
    assert any("数据变更：投诉受理检查清单（CL-02-01）" in n for n in notes)
    ranges = {e.get(f"{W}id") for e in body.iter(f"{W}commentRangeStart")}
    assert ranges == {c.get(f"{W}id") for c in comments.iter(f"{W}comment")}
    for element in body.iter(f"{W}commentReference", f"{W}commentRangeStart", f"{W}commentRangeEnd"):
        assert not any(a.tag in (f"{W}ins", f"{W}del") for a in element.iterancestors())


def test_redline_headings_carry_the_manuals_section_numbers(reviewed: tuple[Path, Path]) -> None:
    """Two sections titled 处理要求 could not be told apart, and sign-off cites clause numbers."""
    page = _reviewed_html(reviewed)

    def heading(key: str) -> str:
        (element,) = page.xpath(f"//*[@id='s-{key}']/h3 | //*[@id='s-{key}']/summary")
        return " ".join(element.xpath("string(.)").split())

    assert heading("overview-rules").startswith("1.2.1 处理要求")
    assert heading("complaint-elderly").startswith("2.3 老年客户投诉保护")
    assert heading("complaint-legacy").startswith("2.2 旧版投诉台账")  # the old number when removed
    assert heading("complaints").startswith("2 投诉处理")
    # Renumbered because 2.2 was removed before it: old number struck through, new one inserted.
    (rules,) = page.xpath("//*[@id='s-complaint-rules']/*[self::h3 or self::summary]")
    assert rules.xpath("string(./del[@class='mk-number'])") == "2.3.1"
    assert rules.xpath("string(./ins[@class='mk-number'])") == "2.2.1"
    body, _comments = _docx_parts(reviewed[1])
    headings = [p for p in body.iter(f"{W}p") if _style(p).startswith("Heading")]
    new = _resolved(headings, accept=True)
    assert "1.2.1 处理要求" in new and "2.2.1 处理要求" in new and "2.3 老年客户投诉保护" in new
    assert "2.3.1 处理要求" in _resolved(headings, accept=False)


def _style(p: etree._Element) -> str:
    style = p.find(f"{W}pPr/{W}pStyle")
    return "" if style is None else str(style.get(f"{W}val"))


def test_toctree_gives_chapter_numbers_and_reading_order() -> None:
    from manualkit.redline.numbering import reading_order, toctree_paths

    index = "# 手册\n\n```{toctree}\n:numbered:\n:maxdepth: 2\n\n02-b\n第一章 <01-a>\n```\n"
    chapters = toctree_paths(index)
    assert chapters == ["manual/02-b.md", "manual/01-a.md"]
    files = ["manual/01-a.md", "manual/index.md", "manual/02-b.md", "manual/zz.md"]
    assert reading_order(files, chapters) == ["manual/index.md", *chapters, "manual/zz.md"]


def test_data_changes_read_as_the_manual_prints_them(reviewed: tuple[Path, Path]) -> None:
    """Internal ids and raw values ("unverified → repealed", "（text：…）", service.supervisor)."""
    page = _reviewed_html(reviewed)
    (reference,) = page.xpath("//tr[@id='references-cited-notice']")
    assert reference.xpath("string(.//del)") == "状态：待核实"
    assert reference.xpath("string(.//ins)") == "状态：已废止（由《中华人民共和国消费者权益保护法》替代）"
    (checklist,) = page.xpath("//tr[@id='checklists-cl-02-01']")
    assert checklist.xpath("string(.//del)") == "检查项：已熟悉本岗位使用的表单和检查清单"
    text = "".join(page.xpath("//text()"))
    for raw in ("unverified", "repealed", "superseded_by", "law.consumer", "text：", "service.supervisor"):
        assert raw not in text, raw
    # The chapter's document control as the manual prints it: the role's name, the date in words.
    assert "〔本章文档信息：责任岗位 客服主管；下次复核日期 2027年3月1日〕" in text


def test_history_section_reads_as_title_or_as_removed() -> None:
    from manualkit.redline.readable import readable

    text = readable("见{history-section}`a`和{history-section}`gone`。", {"a": "投诉受理"})
    assert text == "见投诉受理和gone（本节已删除）。"
    # With the title the change entry gives: the removed one by it, an existing one by its own.
    text = readable("{history-section}`旧标题 \\| 附 <gone>`、{history-section}`旧名 <a>`", {"a": "投诉受理"})
    assert text == "旧标题 | 附（本节已删除）、投诉受理"


def test_docx_front_matter_has_the_approval_and_the_change_notes(reviewed: tuple[Path, Path]) -> None:
    """The filed DOCX lacked what the HTML header had: the approval line and the change notes."""
    body, comments = _docx_parts(reviewed[1])
    front, _text = _front_and_text(body)
    front_text = ["".join(p.itertext()) for p in front]
    assert "v1.1 于 2025-02-20 批准（周建国），2025-03-01 起施行。缩短一般投诉办结时限。" in front_text
    assert "v1.1：新增老年客户投诉保护。" in front_text  # the 修订章节一览 table's note cell
    assert "2.2 旧版投诉台账" in front_text and "删除" in front_text
    assert not body.findall(f".//{W}ins//{W}t[.='修订说明']")
    assert comments is not None
    notes = "".join(comments.itertext())
    assert "修订说明：v1.1：一般投诉办结时限由7个工作日缩短为5个工作日。" in notes


def test_generated_lists_whose_data_changed_are_changed(reviewed: tuple[Path, Path]) -> None:
    """The attachment list and the revision history read "〔附件清单〕" on both sides, so a new form
    and a new revision left their sections "未修改"."""
    page = _reviewed_html(reviewed)
    for key, note in (
        ("complaint-attachments", "数据变更：老年客户投诉优先处理单（F-02-02）："),
        ("complaint-history", "数据变更：第1.1版（1.1）："),
    ):
        (section,) = page.xpath(f"//div[@id='s-{key}']")
        assert "修改" in section.xpath("string(.//span[@class='mk-status'])"), key
        notes = [n.xpath("string(.)") for n in section.xpath(".//p[contains(@class, 'mk-data-note')]")]
        assert any(n.startswith(note) for n in notes), (key, notes)
    (history,) = page.xpath("//div[@id='s-complaint-history']//p[contains(@class, 'mk-data-note')]")
    assert "缩短一般投诉办结时限。" in history.xpath("string(.//ins)")
    changes = json.loads((reviewed[1] / "changes.json").read_text(encoding="utf-8"))
    assert [(c["id"], c["status"]) for c in changes["revisions"]] == [("1.1", "added")]


def _section_rows(page: etree._ElementTree, key: str) -> list[etree._Element]:
    """The paragraphs of a section's text in the HTML redline."""
    return list(page.xpath(f"//div[@id='s-{key}']//div[@class='mk-text']/p"))


def test_sla_change_shows_inside_its_row_of_the_sla_table(reviewed: tuple[Path, Path]) -> None:
    """The SLA table read "〔时限表：complaint-resolution〕" on both sides: the shortened SLA was
    listed apart from the text, not where the manual prints it."""
    page = _reviewed_html(reviewed)
    (table,) = [
        p for p in _section_rows(page, "complaint-resolution") if "一般投诉办结 ｜" in p.xpath("string(.)")
    ]
    row = "一般投诉办结 ｜ 受理投诉 ｜ 答复客户 ｜ 75个工作日 ｜ 客服专员 ｜ 本行规定"
    assert row in table.xpath("string(.)").split("\n")  # one line per row, cells as printed
    assert [d.text for d in table.xpath("./del")] == ["7"] and [i.text for i in table.xpath("./ins")] == ["5"]
    assert "投诉回访 ｜ 答复客户 ｜ 完成回访 ｜ 24小时 ｜ 客服主管 ｜ 本行规定" in table.xpath("string(.)")
    assert "〔时限表" not in "".join(page.xpath("//div[@id='s-complaint-resolution']//text()"))
    body, _comments = _docx_parts(reviewed[1])
    (paragraph,) = [p for p in body.iter(f"{W}p") if "一般投诉办结 ｜ 受理投诉" in "".join(p.itertext())]
    assert ["".join(d.itertext()) for d in paragraph.iter(f"{W}del")] == ["7"]
    assert ["".join(i.itertext()) for i in paragraph.iter(f"{W}ins")] == ["5"]


def test_new_form_is_a_new_row_of_the_attachment_list(reviewed: tuple[Path, Path]) -> None:
    page = _reviewed_html(reviewed)
    (table,) = [p for p in _section_rows(page, "complaint-attachments") if "附件1 ｜" in p.xpath("string(.)")]
    assert "附件1 ｜ F-02-01 ｜ 投诉受理登记表 ｜ 2.1 投诉受理" in table.xpath("string(.)")
    (inserted,) = table.xpath("./ins")
    assert inserted.text.strip("\n") == "附件2 ｜ F-02-02 ｜ 老年客户投诉优先处理单 ｜ 2.3 老年客户投诉保护"


def test_new_revision_is_a_new_row_of_the_revision_history(reviewed: tuple[Path, Path]) -> None:
    page = _reviewed_html(reviewed)
    rows = _section_rows(page, "complaint-history")
    (table,) = [p for p in rows if p.xpath("string(.)").startswith("版本 ｜ 修订摘要")]
    assert "1.0 ｜ 首次发布。 ｜ 王芳（客服专员）" in table.xpath("string(.)")
    (inserted,) = table.xpath("./ins")
    assert inserted.text.strip("\n") == (
        "1.1 ｜ 缩短一般投诉办结时限。 ｜ 陈静（客服专员） ｜ 刘洋（合规专员） ｜ "
        "周建国（客户服务部负责人） ｜ 2025年2月20日 ｜ 2025年3月1日"
    )
    # Its change notes print below the table, each section by its title.
    notes = "".join(t for p in rows for t in p.xpath(".//ins/text()"))
    assert "投诉办结：一般投诉办结时限由7个工作日缩短为5个工作日。" in notes


def test_generated_text_reads_without_markup_and_a_flowchart_keeps_its_note() -> None:
    from manualkit.redline.readable import readable

    printed = (
        ":::{table} 投诉处理流程\n:class: x\n\n| 序号 | 步骤 |\n| --- | --- |\n"
        "| 1 | **受理**：a\\|b\\*c\\* |\n:::\n"
    )
    body = ":::{process} complaint.handling\n:::\n"
    assert readable(body, {}, expand=lambda name, arg, options: printed).split("\n") == [
        "〔流程图：complaint.handling〕",
        "",
        "投诉处理流程",  # the table's caption
        "",
        "序号 ｜ 步骤",
        "1 ｜ 受理：a|b*c*",  # a value's escaped pipe and asterisks are text, not markup
        "",
    ]
    # Nothing to render (no data, an unknown id): the placeholder, as before.
    assert readable(":::{sla-table}\n:tags: x\n:::\n", {}, expand=lambda *_: None) == "〔时限表：x〕\n"


def test_the_attachment_list_is_changed_only_by_what_it_prints(tmp_path: Path) -> None:
    """A form's reworded field marked 附件清单 "修改" with every line of it equal: the list prints
    a form's number, name and section, none of which had changed."""
    root = make_project(tmp_path)
    with (root / "manual" / "02-complaints.md").open("a", encoding="utf-8") as handle:
        handle.write("\n(complaint-attachments)=\n## 附件清单\n\n:::{attachment-list}\n:::\n")
    commit_all(root, "1.0")
    tag(root, "1.0")
    make_v1_1(root)
    replace_in(root / "data" / "forms.yaml", "label: 投诉事项", "label: 投诉事项及诉求")
    commit_all(root, "1.1")
    tag(root, "1.1")
    page = etree.parse(str(write_redline(root, "1.0", "1.1") / "redline.html"), etree.HTMLParser())
    (attachments,) = page.xpath("//*[@id='s-complaint-attachments']")
    assert attachments.xpath("string(.//span[@class='mk-status'])").startswith("（未修改")
    assert not attachments.xpath(".//p[contains(@class, 'mk-data-note')]")
    (intake,) = page.xpath("//*[@id='s-complaint-intake']")  # the form's own section
    assert intake.xpath("string(.//span[@class='mk-status'])").startswith("（修改")
    # Renamed, the form is a changed row of the list.
    replace_in(root / "data" / "forms.yaml", "title: 投诉受理登记表", "title: 投诉受理登记簿")
    commit_all(root, "1.2")
    tag(root, "1.2")
    page = etree.parse(str(write_redline(root, "1.1", "1.2") / "redline.html"), etree.HTMLParser())
    (attachments,) = page.xpath("//*[@id='s-complaint-attachments']")
    assert attachments.xpath("string(.//span[@class='mk-status'])").startswith("（修改")
