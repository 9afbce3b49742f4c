"""HarfBuzz's subsetter (Debian libharfbuzz-subset0) through cffi, for the merged PDF's fonts.

Why not WeasyPrint's binding: importing WeasyPrint costs the Sphinx process about two seconds, and
its binding cannot open a font file.  Why not fontTools: several times slower and its output
differs from WeasyPrint's.  The flags are WeasyPrint 70's (``pdf/fonts.py``): a first pass keeps
the glyph ids and drops the layout tables, a second removes the empty glyphs after the last one
used and the hinting — so a merged subset is what WeasyPrint would have embedded for the union of
the glyphs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cffi import FFI

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
void hb_blob_destroy (hb_blob_t *blob);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
void hb_set_add (hb_set_t *set, uint32_t codepoint);
void hb_set_add_range (hb_set_t *set, uint32_t first, uint32_t last);
uint32_t hb_tag_from_string (const char *str, int len);
hb_subset_input_t *hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set (hb_subset_input_t *input);
hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned value);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""

_NO_HINTING = 0x01
_RETAIN_GIDS = 0x02
_DESUBROUTINIZE = 0x04
_PASSTHROUGH_UNRECOGNIZED = 0x20
_SETS_DROP_TABLE_TAG = 3
#: Tables WeasyPrint drops from embedded fonts (layout and bitmap tables a PDF never uses).
_DROPPED_TABLES = (
    b"BASE",
    b"DSIG",
    b"EBDT",
    b"EBLC",
    b"EBSC",
    b"GPOS",
    b"GSUB",
    b"JSTF",
    b"LTSH",
    b"PCLT",
    b"SVG ",
)


class _HarfBuzz:
    """The two libraries, opened once per subsetting call (cheap: the dynamic loader caches them)."""

    def __init__(self) -> None:
        self.ffi = FFI()
        self.ffi.cdef(_CDEF)
        try:
            self.hb: Any = self.ffi.dlopen("libharfbuzz.so.0")
            self.subset: Any = self.ffi.dlopen("libharfbuzz-subset.so.0")
        except OSError as exc:
            raise OSError(f"HarfBuzz subsetter not available (install libharfbuzz-subset0): {exc}") from None


def subset_retaining_gids(path: Path, index: int, glyphs: list[int]) -> bytes:
    """Subset face ``index`` of ``path`` to ``glyphs`` (glyph ids unchanged); raises OSError."""
    lib = _HarfBuzz()
    ffi, hb = lib.ffi, lib.hb
    blob = hb.hb_blob_create_from_file_or_fail(str(path).encode())
    if blob == ffi.NULL:
        raise OSError(f"cannot read {path}")
    face = hb.hb_face_create(blob, index)
    hb.hb_blob_destroy(blob)
    try:
        first = _subset(lib, face, glyphs, _RETAIN_GIDS | _PASSTHROUGH_UNRECOGNIZED | _DESUBROUTINIZE, True)
        try:
            last = max(glyphs) if glyphs else 0
            second = _subset(
                lib,
                first,
                None,
                _PASSTHROUGH_UNRECOGNIZED | _DESUBROUTINIZE | _NO_HINTING,
                False,
                keep_up_to=last,
            )
        finally:
            hb.hb_face_destroy(first)
        try:
            data_blob = hb.hb_face_reference_blob(second)
            length = ffi.new("unsigned int *")
            data = hb.hb_blob_get_data(data_blob, length)
            result = bytes(ffi.buffer(data, length[0]))
            hb.hb_blob_destroy(data_blob)
        finally:
            hb.hb_face_destroy(second)
    finally:
        hb.hb_face_destroy(face)
    if not result:
        raise OSError(f"HarfBuzz could not subset {path} (index {index})")
    return result


def _subset(
    lib: _HarfBuzz, face: Any, glyphs: list[int] | None, flags: int, drop: bool, keep_up_to: int = 0
) -> Any:
    ffi, hb, sub = lib.ffi, lib.hb, lib.subset
    request = sub.hb_subset_input_create_or_fail()
    if request == ffi.NULL:
        raise OSError("HarfBuzz: out of memory")
    try:
        glyph_set = sub.hb_subset_input_glyph_set(request)
        if glyphs is None:
            hb.hb_set_add_range(glyph_set, 0, keep_up_to)
        else:
            for glyph in glyphs:
                hb.hb_set_add(glyph_set, glyph)
        sub.hb_subset_input_set_flags(request, flags)
        if drop:
            dropped = sub.hb_subset_input_set(request, _SETS_DROP_TABLE_TAG)
            for tag in _DROPPED_TABLES:
                hb.hb_set_add(dropped, hb.hb_tag_from_string(tag, -1))
        result = sub.hb_subset_or_fail(face, request)
    finally:
        sub.hb_subset_input_destroy(request)
    if result == ffi.NULL:
        raise OSError("HarfBuzz could not subset the font")
    return result


__all__ = ["subset_retaining_gids"]
