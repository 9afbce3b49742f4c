"""Classes manualkit puts on docutils nodes, read by more than one output.

Kept free of Sphinx imports: the PDF builder's parent process uses them without loading Sphinx
(its memory must be gone before typesetting, see ``manualkit.buildrunner``).
"""

from __future__ import annotations

#: The "本章文档信息：…" line under a chapter's title (``manualkit.sphinx.chapter_info``).
CHAPTER_INFO_CLASS = "mk-chapter-info"
