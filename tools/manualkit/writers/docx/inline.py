"""Inline nodes: emphasis, strong, literal, references (hyperlinks to bookmarks), footnote marks."""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes

from manualkit.cjk_text import display_width
from manualkit.node_classes import NOWRAP_CLASS, SECTION_NUMBER_CLASS
from manualkit.writers.docx.base import DocxTranslatorBase
from manualkit.writers.docx.fields import append_field, external_hyperlink, internal_hyperlink
from manualkit.writers.docx.oxml import W_NS, new, sub, val
from manualkit.writers.docx.tables import starts_own_line

_EXTERNAL = re.compile(r"^(https?|mailto|ftp|tel):", re.IGNORECASE)


class InlineMixin(DocxTranslatorBase):
    """Character-level formatting; each counter nests (``**a *b* c**``)."""

    def visit_strong(self, node: nodes.strong) -> None:
        self.bold += 1

    def depart_strong(self, node: nodes.strong) -> None:
        self.bold -= 1

    visit_literal_strong = visit_strong
    depart_literal_strong = depart_strong

    def visit_emphasis(self, node: nodes.emphasis) -> None:
        self.italic += 1

    def depart_emphasis(self, node: nodes.emphasis) -> None:
        self.italic -= 1

    visit_literal_emphasis = visit_emphasis
    depart_literal_emphasis = depart_emphasis
    visit_title_reference = visit_emphasis
    depart_title_reference = depart_emphasis

    def visit_literal(self, node: nodes.literal) -> None:
        self.code += 1

    def depart_literal(self, node: nodes.literal) -> None:
        self.code -= 1

    def visit_superscript(self, node: nodes.superscript) -> None:
        self.superscript += 1

    def depart_superscript(self, node: nodes.superscript) -> None:
        self.superscript -= 1

    def visit_subscript(self, node: nodes.subscript) -> None:
        self.subscript += 1

    def depart_subscript(self, node: nodes.subscript) -> None:
        self.subscript -= 1

    def visit_inline(self, node: nodes.inline) -> None:
        if SECTION_NUMBER_CLASS in node["classes"] and self._section_number_field(node.astext()):
            raise nodes.SkipNode
        if NOWRAP_CLASS in node["classes"]:
            self.unbroken += 1
            if self.option_room:
                # A form's option starts a new line rather than break inside (see tables).
                width = display_width(node.astext())
                if self.option_line and self.option_line + width > self.option_room:
                    run = new("r")
                    sub(run, "br")
                    self.add_run(run)
                    self.option_line = 0
                self.option_line += width + 2  # the full-width space between options
            elif self.unbroken == 1 and self.cell_room and starts_own_line(node, self.cell_room):
                # A date beside a name: the line breaks before it rather than inside it.
                run = new("r")
                sub(run, "br")
                self.add_run(run)

    def _section_number_field(self, number: str) -> bool:
        """A section number "4.2.3" in a link to a heading, as ``REF <bookmark> \\w``: the
        heading's number in full context, which Word recomputes when fields update.  Typed in as
        text, it went on naming the old section after a writer inserted one in Word (the headings
        renumber themselves).  The cached result is the number as built; False when the link has
        no bookmark.
        """
        anchor = self.links[-1].get(f"{{{W_NS}}}anchor") if self.links else None
        if not anchor:
            return False
        append_field(self.links[-1], f"REF {anchor} \\w", number, self.current_rpr())
        return True

    def depart_inline(self, node: nodes.inline) -> None:
        if NOWRAP_CLASS in node["classes"]:
            self.unbroken -= 1

    def visit_transparent(self, node: nodes.Element) -> None:
        pass

    def depart_transparent(self, node: nodes.Element) -> None:
        pass

    visit_abbreviation = visit_transparent
    depart_abbreviation = depart_transparent
    visit_problematic = visit_transparent
    depart_problematic = depart_transparent
    visit_pending_xref = visit_transparent
    depart_pending_xref = depart_transparent
    visit_download_reference = visit_transparent
    depart_download_reference = depart_transparent

    def visit_math(self, node: Any) -> None:
        self.code += 1

    def depart_math(self, node: Any) -> None:
        self.code -= 1

    # -- links -----------------------------------------------------------------------------------

    def visit_reference(self, node: nodes.reference) -> None:
        """Internal references become ``w:hyperlink w:anchor`` to the target's bookmark."""
        docname = self.docnames[-1]
        anchor = None
        if node.get("refid"):
            anchor = self.ctx.bookmarks.resolve(docname, node["refid"])
        elif node.get("refuri"):
            uri: str = node["refuri"]
            if _EXTERNAL.match(uri):
                rel_id = self.ctx.relations.hyperlink(uri)
                self.open_link(external_hyperlink(rel_id))
                return
            anchor = self.ctx.bookmarks.resolve_uri(uri, docname)
        if anchor:
            self.open_link(internal_hyperlink(anchor))
        else:
            node["mk_unlinked"] = True

    def depart_reference(self, node: nodes.reference) -> None:
        if not node.get("mk_unlinked") and self.links:
            self.links.pop()

    visit_number_reference = visit_reference
    depart_number_reference = depart_reference

    def open_link(self, link: Any) -> None:
        parent = self.links[-1] if self.links else self.ensure_paragraph()
        parent.append(link)
        self.links.append(link)

    def visit_target(self, node: nodes.target) -> None:
        pass  # its ids became bookmarks in dispatch_visit

    def depart_target(self, node: nodes.target) -> None:
        pass

    # -- footnotes -------------------------------------------------------------------------------

    def visit_footnote_reference(self, node: nodes.footnote_reference) -> None:
        """A real Word footnote mark; the footnote body is rendered where docutils put it."""
        number = self.ctx.footnotes.number(self.docnames[-1], node.get("refid", ""))
        run = new("r")
        rpr = sub(run, "rPr")
        val(rpr, "rStyle", "FootnoteReference")
        sub(run, "footnoteReference", {"id": str(number)})
        self.add_run(run)
        raise nodes.SkipNode

    def visit_citation_reference(self, node: nodes.citation_reference) -> None:
        anchor = self.ctx.bookmarks.resolve(self.docnames[-1], node.get("refid", ""))
        if anchor:
            self.open_link(internal_hyperlink(anchor))
        self.add_text(f"[{node.astext()}]")
        if anchor:
            self.links.pop()
        raise nodes.SkipNode
