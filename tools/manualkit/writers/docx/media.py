"""Pictures: graphviz flowcharts rendered to PNG, images, figures and their captions.

Flowcharts come from ``graphs.GraphRenderer``; a failure is reported as a build warning at
the node's source line (so ``-W`` fails the build) and the DOT source is kept as a code block,
never silently dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from docx.oxml.ns import qn
from sphinx.util import logging

from manualkit.writers.docx.base import DocxTranslatorBase
from manualkit.writers.docx.graphs import GRAPHVIZ_DPI, GraphvizError, png_size
from manualkit.writers.docx.oxml import Element, sub, val
from manualkit.writers.docx.pictures import PictureError, raster_size, svg_picture, with_resolution

logger = logging.getLogger(__name__)

EMU_PER_INCH = 914400
EMU_PER_TWIP = 635
#: Tallest picture (120 mm, 36,000 EMU per mm), the same cap as the PDF's print CSS.
MAX_PICTURE_HEIGHT_EMU = 120 * 36_000


class MediaMixin(DocxTranslatorBase):
    def add_picture(
        self, data: bytes, width_emu: int, height_emu: int, description: str, *, captioned: bool = False
    ) -> None:
        """Embed ``data`` as an inline picture in its own centred paragraph.

        Only a figure's picture is kept with the next paragraph (its caption): a flowchart
        kept with the step table after it moved to the next page whenever the two did not
        fit together, leaving most of a page blank (a third to two thirds of three pages of
        the manual in LibreOffice).  Its step table's caption may begin the next page: it is
        the table's title, set above the table and kept with it.
        """
        max_width = self.ctx.text_width_twips * EMU_PER_TWIP
        if width_emu > max_width:
            height_emu = height_emu * max_width // width_emu
            width_emu = max_width
        if height_emu > MAX_PICTURE_HEIGHT_EMU:
            # As the print CSS caps charts at 120 mm: a taller picture does not fit below its
            # heading and leaves most of a page blank before it.
            width_emu = width_emu * MAX_PICTURE_HEIGHT_EMU // height_emu
            height_emu = MAX_PICTURE_HEIGHT_EMU
        inline: Element = self.ctx.relations.picture(data, width_emu, height_emu)
        doc_pr = inline.find(qn("wp:docPr"))
        if doc_pr is not None:
            picture_id = self.ctx.drawing_id()
            doc_pr.set("id", str(picture_id))
            doc_pr.set("name", f"Picture {picture_id}")
            doc_pr.set("descr", description)
        p = self.open_paragraph()
        ppr = p[0]
        if captioned:
            sub(ppr, "keepNext")
        # Single line spacing: with the body's 1.5 lines the picture's line is 1.5 times its
        # height, so a flowchart that fits the page was pushed to the next one (blank page).
        sub(ppr, "spacing", {"before": "120", "after": "0", "line": "240", "lineRule": "auto"})
        val(ppr, "jc", "center")
        run = sub(p, "r")
        drawing = sub(run, "drawing")
        drawing.append(inline)
        self.close_paragraph()
        self.ctx.stats.images += 1

    def visit_graphviz(self, node: Any) -> None:
        code: str = node["code"]
        try:
            data = self.ctx.graphs.png(code)
        except GraphvizError as exc:
            logger.warning("cannot render flowchart with graphviz: %s", exc, location=node)
            self.open_paragraph("SourceCode")
            self.literal_text += 1
            self.add_text(code)
            self.literal_text -= 1
            self.close_paragraph()
            raise nodes.SkipNode from None
        data = with_resolution(data, GRAPHVIZ_DPI)
        width_px, height_px = png_size(data)
        emu_per_px = EMU_PER_INCH // GRAPHVIZ_DPI
        alt = node.get("alt") or node.get("caption") or ""
        self.add_picture(
            data,
            width_px * emu_per_px,
            height_px * emu_per_px,
            str(alt),
            captioned=isinstance(node.parent, nodes.figure),
        )
        raise nodes.SkipNode

    def visit_image(self, node: nodes.image) -> None:
        uri = str(node.get("candidates", {}).get("*") or node["uri"])
        path = Path(self.builder.srcdir) / uri
        try:
            data = path.read_bytes()
            if path.suffix.lower() in (".svg", ".svgz"):
                # Word takes raster pictures: the drawing is set at print resolution, its size kept.
                data, width, height = svg_picture(data)
            else:
                width, height = raster_size(data)
        except (OSError, PictureError) as exc:
            logger.warning("cannot put image %s into the DOCX: %s", uri, exc, location=node)
            self.add_text(str(node.get("alt", uri)))
            raise nodes.SkipNode from None
        self.add_picture(
            data, width, height, str(node.get("alt", "")), captioned=isinstance(node.parent, nodes.figure)
        )
        raise nodes.SkipNode

    def visit_figure(self, node: nodes.figure) -> None:
        self.close_paragraph()

    def depart_figure(self, node: nodes.figure) -> None:
        self.close_paragraph()

    def visit_caption(self, node: nodes.caption) -> None:
        p = self.open_paragraph("Caption")
        # The Caption style keeps a table caption with the table below it; a figure's caption
        # comes *after* its picture and must not be glued to whatever follows it.
        sub(p[0], "keepNext", {"val": "0"})
        number = self.figure_number(node.parent)
        if number:
            self.add_text(number + " ")

    def depart_caption(self, node: nodes.caption) -> None:
        self.close_paragraph()

    def figure_number(self, node: nodes.Node) -> str:
        if not isinstance(node, nodes.Element):
            return ""
        ids = node.get("ids") or []
        numbers = self.builder.env.toc_fignumbers.get(self.docnames[-1], {}).get("figure", {})
        if not ids or ids[0] not in numbers:
            return ""
        prefix = self.config.numfig_format.get("figure", "Fig. %s")
        return str(prefix % ".".join(map(str, numbers[ids[0]])))

    def visit_legend(self, node: nodes.legend) -> None:
        self.close_paragraph()

    def depart_legend(self, node: nodes.legend) -> None:
        self.close_paragraph()
