"""The PDF is typeset in parts and joined: cutting the doctree, and what the joined PDF keeps.

The doctree tests build small trees by hand; the merge tests typeset two tiny parts with the real
worker function (in this process) and join them with the real merge, then read the result back
with pypdf and poppler as a reader would.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from manualkit.builders.pdf_assembly import folio_specs
from manualkit.builders.pdf_fontmerge import (
    FontMergeError,
    _parse_to_unicode,
    _parse_widths,
    _to_unicode_cmap,
    _widths_array,
)
from manualkit.builders.pdf_merge import MergeError, merge_parts
from manualkit.builders.pdf_parts import anchors_of, running_header, split_print_tree
from manualkit.builders.pdf_worker import PartJob, PartResult, render_part

ROOT = Path(__file__).resolve().parents[1]


# -- cutting the print doctree ------------------------------------------------------------------


def _section(
    ids: str, title: str, classes: list[str], *children: nodes.Node, number: tuple[int, ...] = ()
) -> nodes.section:
    heading = nodes.title(text=title)
    if number:
        heading["secnumber"] = number
    section = nodes.section(ids=[ids], classes=classes)
    section += heading
    for child in children:
        section += child
    return section


def _manual() -> nodes.document:
    document = new_document("<test>", get_default_settings(Parser))
    document += _section("ch1", "总则", ["mk-chapter"], nodes.paragraph(text="正文" * 50), number=(1,))
    forms = _section(
        "appendices",
        "附件",
        ["mk-form-appendices"],
        _section("form-a", "附件1", ["mk-form-appendix"], nodes.paragraph(text="表一" * 30)),
        _section("form-b", "附件2", ["mk-form-appendix"], nodes.paragraph(text="表二" * 30)),
        _section("form-c", "附件3", ["mk-form-appendix"], nodes.paragraph(text="表三" * 30)),
    )
    document += _section(
        "ch2", "附则与附件", ["mk-chapter"], nodes.paragraph(text="说明"), forms, number=(2,)
    )
    return document


def test_parts_start_only_where_the_print_layout_starts_a_page() -> None:
    tree = _manual()
    parts = split_print_tree(tree, max_size=1, min_parts=1)  # every possible cut
    firsts = [next(iter(part.nodes[0].findall(nodes.title))).astext() for part in parts]
    # chapter 1; chapter 2 (its appendices heading starts a page, and so does the first form only
    # together with that heading); then form 2 and form 3 on pages of their own
    assert [part.chapter for part in parts] == [
        "1 总则",
        "2 附则与附件",
        "2 附则与附件",
        "2 附则与附件",
        "2 附则与附件",
    ]
    assert firsts == ["总则", "附则与附件", "附件", "附件2", "附件3"]
    assert len(tree.children) == 0


def test_a_part_cut_inside_a_chapter_keeps_its_enclosing_sections_as_anonymous_wrappers() -> None:
    parts = split_print_tree(_manual(), max_size=1, min_parts=1)
    form_b = parts[3].nodes[0]
    assert isinstance(form_b, nodes.section) and form_b["ids"] == []  # the chapter, as a wrapper
    assert "mk-chapter" in form_b["classes"] and not any(isinstance(c, nodes.title) for c in form_b.children)
    appendices = form_b[0]
    assert appendices["classes"] == ["mk-form-appendices"] and appendices["ids"] == []
    assert appendices[0]["ids"] == ["form-b"]
    # every id is still defined exactly once across the parts
    ids = [i for part in parts for top in part.nodes for e in top.findall(nodes.Element) for i in e["ids"]]
    assert sorted(ids) == sorted(set(ids)) and {
        "ch1",
        "ch2",
        "appendices",
        "form-a",
        "form-b",
        "form-c",
    } <= set(ids)
    assert anchors_of(parts) == frozenset(ids)


def test_parts_are_grouped_up_to_the_size_budget() -> None:
    total = sum(len(top.astext()) for top in _manual().children)
    parts = split_print_tree(_manual(), max_size=10_000, min_parts=2)
    assert 2 <= len(parts) <= 3  # greedy: about half the text each, in document order
    assert all(part.size <= -(-total // 2) for part in parts)
    assert parts[0].chapter == "1 总则"
    small = split_print_tree(_manual(), max_size=80, min_parts=1)  # the cap wins over min_parts
    assert len(small) == 4 and small[0].size > 80  # a unit larger than the cap is not split
    text = "".join(top.astext() for part in parts for top in part.nodes)
    assert text.index("总则") < text.index("附件1") < text.index("附件3")


def test_running_header_of_an_unnumbered_chapter_is_its_title() -> None:
    section = _section("pre", "前言", ["mk-chapter"])
    document = new_document("<test>", get_default_settings(Parser))
    document += section
    assert running_header(section) == "前言"


# -- joining typeset parts ------------------------------------------------------------------------

_HEAD = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>合并测试</title>
<meta name="author" content="客户服务部">
<style>
@page { size: A5; margin: 15mm; }
html { font-family: "Noto Serif CJK SC"; font-size: 11pt; }
h1, h2 { font-family: "Noto Sans CJK SC"; font-weight: bold; }
h1 { bookmark-level: 1; } h2 { bookmark-level: 2; }
</style></head><body>"""


def _part(
    tmp_path: Path, index: int, body: str, anchors: frozenset[str], fonts_left_to_merge: bool = False
) -> PartResult:
    job = PartJob(
        index=index,
        html=_HEAD + body + "</body></html>",
        base_dir=str(tmp_path),
        roots=(str(tmp_path),),
        options={"pdf_variant": "pdf/ua-1", "pdf_identifier": b"MK-MERGE-TEST"},
        anchors=anchors,
        fonts_left_to_merge=fonts_left_to_merge,
    )
    result = render_part(job)
    assert result.error is None, result.error
    return result


@pytest.fixture(scope="module")
def joined(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("merge")
    anchors = frozenset({"first", "second", "second-detail"})
    first = _part(
        tmp_path,
        0,
        '<h1 id="first">第一章 受理</h1>'
        '<p>投诉受理后，详见<a href="#second-detail">第二章的处理时限</a>。</p>'
        '<p style="break-before: page">受理续页。</p>',
        anchors,
    )
    second = _part(
        tmp_path,
        1,
        '<section><h2 id="second-detail">处理时限</h2><p>一般投诉应在7个工作日内办结。</p>'
        '<p><a href="#first">返回第一章</a></p></section>',
        anchors,
    )
    assert first.borrowed == ("second-detail",) and second.borrowed == ("first",)
    target = tmp_path / "joined.pdf"
    target.write_bytes(merge_parts([first, second], [], b"MK-MERGE-TEST"))
    return target


def test_links_between_parts_land_on_the_page_of_their_target(joined: Path) -> None:
    reader = pypdf.PdfReader(joined)
    assert len(reader.pages) == 3
    dests = reader.named_destinations
    assert set(dests) == {"first", "second-detail"}  # borrowed anchors are not destinations
    targets: dict[str, int] = {}
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            name = str(annotation.get_object()["/Dest"])
            targets[name] = reader.get_destination_page_number(dests[name])
            assert number != targets[name]
    assert targets == {"second-detail": 2, "first": 0}


def test_bookmarks_of_a_part_without_chapter_nest_under_the_previous_part(joined: Path) -> None:
    reader = pypdf.PdfReader(joined)
    outline = reader.outline
    assert len(outline) == 2 and str(outline[0].title) == "第一章 受理"  # type: ignore[union-attr]
    assert [str(item.title) for item in outline[1]] == ["处理时限"]  # type: ignore[union-attr,index]


def test_each_face_is_embedded_once_with_the_glyphs_of_every_part(joined: Path) -> None:
    fonts = subprocess.run(["pdffonts", str(joined)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert len(names) == len(set(names)), fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded
    text = subprocess.run(["pdftotext", str(joined), "-"], capture_output=True, text=True, check=True).stdout
    compact = "".join(text.split())
    assert "投诉受理后，详见第二章的处理时限。" in compact and "一般投诉应在7个工作日内办结。" in compact


def test_one_structure_tree_with_a_parent_tree_entry_for_every_page_and_link(joined: Path) -> None:
    with pikepdf.open(joined) as pdf:
        root = pdf.Root.StructTreeRoot
        nums = root.ParentTree.Nums
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert keys == sorted(set(keys)) and int(root.ParentTreeNextKey) == max(keys) + 1
        page_keys = [int(page.obj.StructParents) for page in pdf.pages]
        annotation_keys = [int(a.StructParent) for page in pdf.pages for a in page.obj.get("/Annots", [])]
        assert sorted(page_keys + annotation_keys) == keys
        document = root.K[0]
        kinds = {str(kid.S) for kid in document.K}
        assert {"/H1", "/Sect"} <= kinds and all(document == kid.P for kid in document.K)
        assert str(pdf.Root.Lang) == "zh-CN" and bytes(pdf.trailer.ID[0]) == b"MK-MERGE-TEST"


def test_folio_parts_cover_every_page_once_in_order() -> None:
    for total, per_part in ((1, 200), (200, 200), (201, 200), (581, 200), (7, 2)):
        specs = folio_specs(total, 1, per_part)
        assert [spec.first for spec in specs] == list(range(0, total, per_part))
        assert sum(spec.count for spec in specs) == total
        assert all(0 < spec.count <= per_part and spec.pages == total for spec in specs)


def test_folio_pages_must_match_the_page_count(tmp_path: Path) -> None:
    part = _part(tmp_path, 0, "<p>一页</p>", frozenset())
    folio = _part(tmp_path, 1, "<p>一</p><p style='break-before: page'>二</p>", frozenset())
    with pytest.raises(MergeError, match="cover 2 pages, the manual has 1"):
        merge_parts([part], [folio], b"X")


def _font_programs(pdf: pikepdf.Pdf) -> dict[str, tuple[TTFont, set[int], dict[int, str]]]:
    """Each embedded face: its program (fontTools), the CIDs its /W lists, its text per CID."""
    faces: dict[str, tuple[TTFont, set[int], dict[int, str]]] = {}
    for page in pdf.pages:
        for font in (page.obj.Resources.get("/Font") or {}).values():
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            program = TTFont(io.BytesIO(stream.read_bytes()))
            cids = set(_parse_widths(descendant.get("/W", pikepdf.Array())))
            cmap = _parse_to_unicode(font.ToUnicode.read_bytes())
            texts = {cid: text.decode("utf-16-be") for cid, text in cmap.items()}
            faces[str(font.BaseFont)[1:]] = (program, cids, texts)
    return faces


def _drawn(program: TTFont, gid: int) -> bool:
    glyphs = program.getGlyphSet()
    name = program.getGlyphOrder()[gid]
    pen = BoundsPen(glyphs)
    glyphs[name].draw(pen)
    return pen.bounds is not None


def test_parts_leave_font_programs_to_the_merge_which_rebuilds_every_glyph(tmp_path: Path) -> None:
    # The bold heading face is used by one part only: it is rebuilt too.
    first = _part(tmp_path, 0, "<p>客户服务中心受理投诉。</p>", frozenset(), fonts_left_to_merge=True)
    second = _part(
        tmp_path, 1, "<h2>处理时限</h2><p>七个工作日内办结。</p>", frozenset(), fonts_left_to_merge=True
    )
    assert first.placeholder_fonts and set(first.placeholder_fonts) < set(second.placeholder_fonts)
    with pikepdf.open(io.BytesIO(second.pdf)) as part:
        for program, cids, _ in _font_programs(part).values():
            assert program["maxp"].numGlyphs == 1 and len(cids) > 1  # .notdef only, widths kept
    with pikepdf.open(io.BytesIO(merge_parts([first, second], [], b"MK-MERGE-TEST"))) as joined:
        faces = _font_programs(joined)
        assert set(faces) == set(second.placeholder_fonts)
        for name, (program, _cids, texts) in faces.items():
            inked = {cid: text for cid, text in texts.items() if not text.isspace()}
            assert inked, name
            assert all(_drawn(program, cid) for cid in inked), name


def test_a_placeholder_font_the_merge_cannot_rebuild_is_an_error(tmp_path: Path) -> None:
    part = _part(tmp_path, 0, "<p>受理</p>", frozenset(), fonts_left_to_merge=True)
    unknown = dataclasses.replace(part, fonts={})  # the face's file could not be identified
    with pytest.raises(MergeError, match=r"not rebuilt: .*Noto"):
        merge_parts([unknown], [], b"X")


def test_a_failing_fc_list_is_named_not_blamed_on_the_font(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _part(tmp_path, 0, "<p>受理</p>", frozenset(), fonts_left_to_merge=True)
    stub = tmp_path / "bin" / "fc-list"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\necho 'Fontconfig error: cannot load default config file' >&2\nexit 1\n")
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stub.parent}:/usr/bin:/bin")
    with pytest.raises(FontMergeError, match=r"fc-list failed .*cannot load default config file"):
        merge_parts([first], [], b"X")


# -- font dictionaries ----------------------------------------------------------------------------


def test_widths_and_text_maps_round_trip_in_the_forms_pdf_uses() -> None:
    widths = {3: 500, 4: 500, 5: 1000, 9: 250}
    array = _widths_array(widths)
    assert [int(x) if not isinstance(x, pikepdf.Array) else [int(y) for y in x] for x in array] == [
        3,
        [500, 500, 1000],
        9,
        [250],
    ]
    assert {key: int(value) for key, value in _parse_widths(array).items()} == widths
    assert {k: int(v) for k, v in _parse_widths(pikepdf.Array([10, 12, 600])).items()} == {
        10: 600,
        11: 600,
        12: 600,
    }
    texts = {0x1234: b"6295", 0x0042: b"0041"}
    assert _parse_to_unicode(_to_unicode_cmap(texts)) == texts
