"""On the site, a reference to a section shows the section's number: "见“4.2.3 监管期限”".

The manual's own rule for citing it (使用说明: "引用本手册条文时应写明章节编号和标题") and its
PDF and DOCX (``manualkit.builders.doctrees.number_section_references``) give a section's
number with its title; the site showed the bare title, so "见“权限申请”" left a reader of the
site — or of a page printed from it — without the number colleagues cite.  A ``{ref}`` that
shows its section's title (no text of its own) gets the number the site's headings show, with
the same suffix (``html_secnumber_suffix``).  Runs before Sphinx resolves references: the
reference is then built from the numbered text as one written with that text would be.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


class NumberedSectionReferences(SphinxPostTransform):
    """``{ref}`label` `` to a numbered section: its text becomes "number title"."""

    #: The site's builders only: the print builders (HTML-based, for WeasyPrint) number
    #: references in their assembled tree with the print's own number format.
    builders = ("html", "dirhtml", "singlehtml")
    #: Before Sphinx's ReferencesResolver (10), which turns the pending reference into a link.
    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        labels: dict[str, tuple[str, str, str]] = self.env.domaindata["std"]["labels"]
        suffix = str(getattr(self.config, "html_secnumber_suffix", ". "))
        for xref in list(self.document.findall(addnodes.pending_xref)):
            if xref.get("refdomain") != "std" or xref.get("reftype") != "ref" or xref.get("refexplicit"):
                continue
            docname, labelid, title = labels.get(str(xref.get("reftarget", "")), ("", "", ""))
            number = self.section_number(docname, labelid, title) if title else None
            if number is None:
                continue
            text = f"{number}{suffix}{title}"
            xref["refexplicit"] = True
            xref.children = []
            xref += nodes.inline(text, text)

    def section_number(self, docname: str, labelid: str, title: str) -> str | None:
        """The section's number ("4.2.3"), None when it has none (前言, an unnumbered toctree).

        Sphinx keys a document's first section by "" rather than by its id.
        """
        numbers = self.env.toc_secnumbers.get(docname, {})
        number = numbers.get("#" + labelid)
        if number is None:
            top = self.env.titles.get(docname)
            if top is None or top.astext() != title:
                return None
            number = numbers.get("")
        return ".".join(map(str, number)) if number else None


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_post_transform(NumberedSectionReferences)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
