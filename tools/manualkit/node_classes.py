"""Classes manualkit puts on docutils nodes, read by more than one output, and their tests.

Kept free of Sphinx imports: the PDF builder's parent process uses them without loading Sphinx
(its memory must be gone before typesetting, see ``manualkit.buildrunner``).
"""

from __future__ import annotations

from docutils import nodes

#: The "本章文档信息：…" line under a chapter's title (``manualkit.sphinx.chapter_info``).
CHAPTER_INFO_CLASS = "mk-chapter-info"
#: Text kept on one line (the ``{nowrap}`` role: dates, document numbers, a form's "☐ 其他").
NOWRAP_CLASS = "mk-nowrap"
#: A section's number that the print builders put before a reference's title ("4.2.3" in
#: "见“4.2.3 监管期限”"): the DOCX writes it as a REF field, which Word renumbers with the
#: headings; the PDF prints it as text.
SECTION_NUMBER_CLASS = "mk-section-number"
#: A paragraph that introduces the table, list, chart or checklist right after it ("…从以下维度
#: 进行："): kept on the page of what it introduces, in the PDF and the DOCX.
INTRODUCES_CLASS = "mk-introduces"


#: A chapter's own table whose first column holds short labels (类别, 系统与技术类): each kept on
#: one line in every output (``manualkit.sphinx.label_columns``).
SHORT_LABELS_CLASS = "mk-short-labels"
#: Longest label (half-ems: 8 Chinese characters) that a label column keeps on one line.
LABEL_MAX_WIDTH = 16


#: What a sentence ending in a colon introduces: tables, lists, figures, code, and the blocks
#: manualkit's directives make (containers: checklists, forms, SLA tables, process flows).
_INTRODUCED = (
    nodes.table,
    nodes.bullet_list,
    nodes.enumerated_list,
    nodes.definition_list,
    nodes.figure,
    nodes.image,
    nodes.literal_block,
    nodes.container,
)


def introduces_next(paragraph: nodes.paragraph) -> bool:
    """Whether ``paragraph`` ends with a colon and a table, list, chart or checklist follows."""
    last: nodes.Node = paragraph
    while last.children:  # the paragraph's last text, without joining all of it
        last = last.children[-1]
    if not last.astext().rstrip().endswith(("：", ":")):
        return False
    following = paragraph.next_node(descend=False, siblings=True, ascend=False)
    # Sphinx's graphviz node (a flowchart) is matched by name: this module stays Sphinx-free.
    return isinstance(following, _INTRODUCED) or getattr(following, "tagname", "") == "graphviz"
