"""Images of the sources as Word pictures: their size, and SVG drawings set as PNG.

Word (and python-docx) take raster pictures.  A chapter may show an SVG drawing — the HTML and
the PDF draw it as it is — so the DOCX gets it rasterised by CairoSVG at print resolution, at
the size the drawing declares.  An image Word cannot take is reported with the image's source
line (never an internal error that stops the build).
"""

from __future__ import annotations

import struct
import zlib

#: Rasterising scale: the SVG's CSS pixels (96 per inch) set at 192 dpi, print quality.
SVG_SCALE = 2
EMU_PER_INCH = 914400
#: EMU of one CSS pixel (1/96 inch): the drawing keeps the size it declares.
EMU_PER_CSS_PX = EMU_PER_INCH // 96


class PictureError(Exception):
    """The image cannot be put into the DOCX; the message says why."""


def raster_size(data: bytes) -> tuple[int, int]:
    """Width and height (EMU) of a PNG/JPEG/GIF/BMP/TIFF picture, from its pixels and resolution."""
    from docx.image.exceptions import UnrecognizedImageError
    from docx.image.image import Image

    try:
        image = Image.from_blob(data)
    except UnrecognizedImageError:
        raise PictureError("not an image format Word takes (PNG, JPEG, GIF, BMP, TIFF or SVG)") from None
    return int(image.width), int(image.height)


def svg_picture(data: bytes) -> tuple[bytes, int, int]:
    """``(png, width EMU, height EMU)`` of an SVG drawing.

    Safe for untrusted drawings: CairoSVG's default (``unsafe=False``) refuses XML entities and
    fetches nothing but ``data:`` URLs, so an ``<image href="file:///etc/passwd">`` stays empty.
    """
    import cairosvg.surface

    try:
        png = cairosvg.surface.PNGSurface.convert(bytestring=data, scale=SVG_SCALE, unsafe=False)
    except Exception as exc:  # CairoSVG raises whatever its XML and CSS parsers raise
        raise PictureError(f"not a readable SVG drawing ({type(exc).__name__}: {exc})") from None
    if not isinstance(png, bytes):
        raise PictureError("the SVG drawing produced no picture")
    from docx.image.image import Image

    image = Image.from_blob(png)
    width = int(image.px_width) * EMU_PER_CSS_PX // SVG_SCALE
    height = int(image.px_height) * EMU_PER_CSS_PX // SVG_SCALE
    return with_resolution(png, 96 * SVG_SCALE), width, height


#: A PNG file's signature and the length of its first chunk, IHDR (length, type, 13 bytes, CRC).
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR_END = len(_PNG_SIGNATURE) + 4 + 4 + 13 + 4
INCHES_PER_METRE = 39.3701


def with_resolution(png: bytes, dpi: int) -> bytes:
    """``png`` declaring ``dpi`` (a ``pHYs`` chunk) unless it declares a resolution already.

    Graphviz and CairoSVG write none, so Word took the picture for 96 dpi: "Reset picture"
    (重设图片大小) blew a 200-dpi flowchart up to twice the page's width.
    """
    if not png.startswith(_PNG_SIGNATURE) or _png_chunk(png, b"pHYs"):
        return png
    per_metre = round(dpi * INCHES_PER_METRE)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return png[:_IHDR_END] + chunk + png[_IHDR_END:]


def _png_chunk(png: bytes, kind: bytes) -> bool:
    """Whether ``png`` has a chunk ``kind`` before its image data (where pHYs must stand)."""
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        name = png[offset + 4 : offset + 8]
        if name == kind:
            return True
        if name == b"IDAT":
            return False
        offset += 12 + length
    return False
