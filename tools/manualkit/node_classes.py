"""Classes manualkit puts on docutils nodes, read by more than one output, and their tests.

Kept free of Sphinx imports: the PDF builder's parent process uses them without loading Sphinx
(its memory must be gone before typesetting, see ``manualkit.buildrunner``).
"""

from __future__ import annotations

from docutils import nodes

#: The "本章文档信息：…" line under a chapter's title (``manualkit.sphinx.chapter_info``).
CHAPTER_INFO_CLASS = "mk-chapter-info"
#: A paragraph that introduces the table or list right after it ("…从以下维度进行："): kept on
#: the page of what it introduces, in the PDF and the DOCX.
INTRODUCES_CLASS = "mk-introduces"


def introduces_next(paragraph: nodes.paragraph) -> bool:
    """Whether ``paragraph`` ends with a colon and a table or list follows it."""
    text = paragraph.astext().rstrip()
    if not text.endswith(("：", ":")):
        return False
    following = paragraph.next_node(descend=False, siblings=True, ascend=False)
    while isinstance(following, nodes.container) and following.children:
        following = following[0]
    return isinstance(following, nodes.table | nodes.bullet_list | nodes.enumerated_list)
