"""One embedded subset per font face in the merged PDF, instead of one per typeset part.

Why: each part is a PDF of its own, so each embeds its own subset of every face it uses — for the
CJK faces about 100 KiB a part, which made the 67-page manual three times its size.  WeasyPrint
subsets with *retained glyph ids* and writes text as glyph ids (``Identity-H``, CIDToGIDMap
``Identity``), so the parts' font dictionaries for one face differ only in which glyphs they
list.  This module gives every face one dictionary: the union of the widths (``/W``) and of the
text mappings (``/ToUnicode``), and one font program subset (HarfBuzz, with WeasyPrint's own
subsetting flags) from the original font file to the union of the glyphs.

The original file is found through fontconfig by the fingerprint the worker took of the face
WeasyPrint used (size and hash of its first bytes), never by a guess from the family name.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from math import ceil
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

#: Bytes of the font file hashed for its fingerprint (enough to tell faces and versions apart).
FINGERPRINT_BYTES = 1 << 16
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.DOTALL)
_HEX_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


class FontMergeError(Exception):
    """The font program of a face could not be rebuilt (the message names the face)."""


@dataclasses.dataclass(frozen=True)
class FontSource:
    """Where a face came from, as the worker saw it: collection index, file size, fingerprint."""

    index: int
    size: int
    fingerprint: str


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data[:FINGERPRINT_BYTES]).hexdigest()


def merge_fonts(out: pikepdf.Pdf, sources: Mapping[str, FontSource]) -> set[str]:
    """Replace every face's per-part dictionaries by one; return the names of the faces rebuilt.

    Every face with a known source is rebuilt, even one used by a single part: the workers may
    have embedded a placeholder program (see ``pdf_worker._placeholder_font_programs``).  Faces
    without a known source stay as they are.
    """
    groups: dict[str, list[Any]] = {}
    for font in _unique(_fonts_in_use(out)):
        base = str(font.get("/BaseFont", ""))[1:]
        if font.get("/Subtype") == Name.Type0 and base in sources:
            groups.setdefault(base, []).append(font)
    replacements: dict[tuple[int, int], Any] = {}
    installed = _installed_font_files() if groups else ()
    for base, fonts in sorted(groups.items()):
        merged = _merge_face(out, fonts, sources[base], base, installed)
        for font in fonts:
            replacements[font.objgen] = merged
    if replacements:
        for resources in _resource_dicts(out):
            table = resources.get("/Font")
            if table is None:
                continue
            for name in list(table.keys()):
                font = table[name]
                if font.is_indirect and font.objgen in replacements:
                    table[name] = replacements[font.objgen]
    return set(groups)


def _merge_face(
    out: pikepdf.Pdf, fonts: list[Any], source: FontSource, base: str, installed: tuple[Path, ...]
) -> Any:
    widths: dict[int, Any] = {}
    texts: dict[int, bytes] = {}
    for font in fonts:
        descendant = font.DescendantFonts[0]
        widths.update(_parse_widths(descendant.get("/W", Array())))
        if "/ToUnicode" in font:
            texts.update(_parse_to_unicode(font.ToUnicode.read_bytes()))
    first = fonts[0]
    descendant = first.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    file_key = next((key for key in ("/FontFile3", "/FontFile2", "/FontFile") if key in descriptor), None)
    if file_key is None:
        raise FontMergeError(f"font {base}: no embedded font program")
    path = find_font_file(source, installed)
    if path is None:
        raise FontMergeError(f"font {base}: its file (index {source.index}) is no longer installed")
    program = subset_font(path, source.index, sorted(widths))
    old_stream = descriptor[file_key]
    stream_extra = {
        key: value
        for key, value in old_stream.stream_dict.items()
        if key not in ("/Length", "/Filter", "/DecodeParms", "/Length1")
    }
    if file_key == "/FontFile2":
        stream_extra["/Length1"] = len(program)
    new_stream = pikepdf.Stream(out, program)
    for key, value in stream_extra.items():
        new_stream.stream_dict[key] = value
    new_descriptor = Dictionary(dict(descriptor.items()))
    new_descriptor[file_key] = out.make_indirect(new_stream)
    bbox = list(descriptor.get("/FontBBox", Array([0, 0, 0, 0])))
    if widths and len(bbox) == 4:
        bbox[2] = max(float(value) for value in widths.values())
        new_descriptor.FontBBox = Array(bbox)
    if "/CIDSet" in descriptor:
        new_descriptor.CIDSet = out.make_indirect(pikepdf.Stream(out, _cid_set(widths)))
    new_descendant = Dictionary(dict(descendant.items()))
    new_descendant.W = _widths_array(widths)
    new_descendant.FontDescriptor = out.make_indirect(new_descriptor)
    merged = Dictionary(dict(first.items()))
    merged.DescendantFonts = Array([out.make_indirect(new_descendant)])
    if texts:
        merged.ToUnicode = out.make_indirect(pikepdf.Stream(out, _to_unicode_cmap(texts)))
    return out.make_indirect(merged)


# -- reading and writing the font dictionaries ---------------------------------------------------


def _fonts_in_use(out: pikepdf.Pdf) -> Iterator[Any]:
    for resources in _resource_dicts(out):
        table = resources.get("/Font")
        if table is not None:
            yield from (table[name] for name in table)


def _unique(fonts: Iterator[Any]) -> Iterator[Any]:
    seen: set[tuple[int, int]] = set()
    for font in fonts:
        if font.is_indirect and font.objgen not in seen:
            seen.add(font.objgen)
            yield font


def _resource_dicts(out: pikepdf.Pdf) -> Iterator[Any]:
    """Resources of every page and of every form XObject drawn from them, at any depth.

    Depth matters: the folio pages are laid over the pages as forms that draw WeasyPrint's own
    page forms, and a face left out would keep a part's placeholder program.
    """
    seen: set[tuple[int, int]] = set()
    pending = collections.deque(page.obj.get("/Resources") for page in out.pages)
    while pending:
        resources = pending.popleft()
        if resources is None:
            continue
        yield resources
        for xobject in (resources.get("/XObject") or Dictionary()).values():
            if xobject.is_indirect:
                if xobject.objgen in seen:
                    continue
                seen.add(xobject.objgen)
            if xobject.get("/Subtype") == Name.Form:
                pending.append(xobject.get("/Resources"))


def _parse_widths(array: Any) -> dict[int, Any]:
    """``/W`` of a CIDFont: ``c [w1 w2 …]`` and ``c_first c_last w`` forms."""
    widths: dict[int, Any] = {}
    items = list(array)
    position = 0
    while position < len(items):
        start = int(items[position])
        following = items[position + 1]
        if isinstance(following, Array):
            for offset, width in enumerate(following):
                widths[start + offset] = width
            position += 2
        else:
            last, width = int(following), items[position + 2]
            for cid in range(start, last + 1):
                widths[cid] = width
            position += 3
    return widths


def _widths_array(widths: Mapping[int, Any]) -> Array:
    result = Array()
    run: Array | None = None
    previous = None
    for cid in sorted(widths):
        if run is None or previous is None or cid != previous + 1:
            result.append(cid)
            run = Array()
            result.append(run)
        run.append(widths[cid])
        previous = cid
    return result


def _parse_to_unicode(cmap: bytes) -> dict[int, bytes]:
    mapping: dict[int, bytes] = {}
    for block in _BFCHAR.findall(cmap):
        for glyph, text in _HEX_PAIR.findall(block):
            mapping[int(glyph, 16)] = text.lower()
    return mapping


def _to_unicode_cmap(texts: Mapping[int, bytes]) -> bytes:
    """A ToUnicode CMap in WeasyPrint's own layout (``bfchar`` blocks of 100)."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(texts.items())
    for batch in range(ceil(len(items) / 100)):
        chunk = items[batch * 100 : (batch + 1) * 100]
        lines.append(f"{len(chunk)} beginbfchar".encode())
        lines += [b"<%04x> <%s>" % (glyph, text) for glyph, text in chunk]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(widths: Mapping[int, Any]) -> bytes:
    last = max(widths) if widths else 0
    bits = bytearray(ceil((last + 1) / 8))
    for cid in widths:
        bits[cid // 8] |= 0x80 >> (cid % 8)
    return bytes(bits)


# -- the font files ---------------------------------------------------------------------------------


def find_font_file(source: FontSource, installed: tuple[Path, ...]) -> Path | None:
    """The installed font file with the worker's fingerprint (fontconfig lists the candidates)."""
    for path in installed:
        try:
            if path.stat().st_size != source.size:
                continue
            with path.open("rb") as handle:
                if fingerprint(handle.read(FINGERPRINT_BYTES)) == source.fingerprint:
                    return path
        except OSError:
            continue
    return None


def _installed_font_files() -> tuple[Path, ...]:
    """Every font file fontconfig knows of; a missing or failing ``fc-list`` is said as such.

    Returning nothing instead made the merge blame the font ("no longer installed").
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontMergeError(
            "fc-list not found: fontconfig's tools are needed to find the embedded fonts' files"
        )
    listed = subprocess.run([fc_list, "--format", "%{file}\n"], capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        problem = listed.stderr.strip() or f"exit status {listed.returncode}"
        raise FontMergeError(f"fc-list failed listing the installed fonts: {problem}")
    return tuple(sorted({Path(line) for line in listed.stdout.splitlines() if line}))


def subset_font(path: Path, index: int, glyphs: list[int]) -> bytes:
    """The face at ``index`` of ``path`` reduced to ``glyphs``, glyph ids kept (as WeasyPrint does)."""
    from manualkit.builders.harfbuzz_subset import subset_retaining_gids

    try:
        return subset_retaining_gids(path, index, glyphs)
    except OSError as exc:
        raise FontMergeError(f"{path}: {exc}") from None


__all__ = ["FontMergeError", "FontSource", "find_font_file", "fingerprint", "merge_fonts", "subset_font"]
