"""Chinese-aware text diffs: paragraphs aligned first, then jieba words (or characters) inside.

Why not whitespace words: Chinese has no spaces, so a whitespace diff marks a
whole paragraph as replaced when one word changed.  ``jieba`` segments into
words ("七个工作日" → "七个", "工作日"), ``char`` mode compares character by
character; either way :class:`difflib.SequenceMatcher` runs over the tokens.
The result is a neutral structure (paragraphs of ``(op, text)`` segments) that
the HTML and DOCX writers render without re-diffing.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

Op = Literal["equal", "insert", "delete"]
Granularity = Literal["word", "char"]
ParagraphStatus = Literal["equal", "insert", "delete", "changed"]

_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


@dataclasses.dataclass(frozen=True)
class Segment:
    op: Op
    text: str


@dataclasses.dataclass(frozen=True)
class ParagraphDiff:
    """One paragraph: wholly kept, inserted, deleted, or changed inside (segments)."""

    status: ParagraphStatus
    segments: tuple[Segment, ...]

    @property
    def old_text(self) -> str:
        return "".join(s.text for s in self.segments if s.op != "insert")

    @property
    def new_text(self) -> str:
        return "".join(s.text for s in self.segments if s.op != "delete")


def tokenizer(granularity: Granularity) -> Callable[[str], list[str]]:
    """``word``: jieba segmentation (deterministic, no HMM); ``char``: one token per character."""
    if granularity == "char":
        return list
    segmenter = _word_segmenter()

    def cut(text: str) -> list[str]:
        return [token for token in segmenter.cut(text, HMM=False) if token]

    return cut


@functools.cache
def _word_segmenter() -> Any:
    """A private jieba tokenizer with the stock dictionary, loaded once per process.

    Not jieba's process-wide tokenizer: anything in the process may add words to it (the HTML
    build's search uses private tokenizers of its own for the same reason), and a redline must
    not depend on what ran before it.
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, without surrounding blank lines."""
    return [block.strip("\n") for block in _BLANK_LINES.split(text.strip("\n")) if block.strip()]


def diff_tokens(old: str, new: str, cut: Callable[[str], list[str]]) -> tuple[Segment, ...]:
    """Token-level diff of two strings; adjacent segments of the same op are merged."""
    a, b = cut(old), cut(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(segments, "equal", "".join(a[i1:i2]))
        else:
            if i2 > i1:
                _append(segments, "delete", "".join(a[i1:i2]))
            if j2 > j1:
                _append(segments, "insert", "".join(b[j1:j2]))
    return tuple(segments)


def diff_text(old: str, new: str, granularity: Granularity = "word") -> list[ParagraphDiff]:
    """Paragraph-aligned diff of two section bodies."""
    cut = tokenizer(granularity)
    old_paras, new_paras = paragraphs(old), paragraphs(new)
    matcher = difflib.SequenceMatcher(None, old_paras, new_paras, autojunk=False)
    result: list[ParagraphDiff] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(ParagraphDiff("equal", (Segment("equal", p),)) for p in old_paras[i1:i2])
            continue
        result.extend(_pair(old_paras[i1:i2], new_paras[j1:j2], cut))
    return result


def excerpts(segments: Sequence[Segment], context: int = 10) -> tuple[str, str]:
    """The old and the new text of a word diff, shortened to its changes with ``context``
    characters of unchanged text around each ("…一般投诉7个工作日内…").

    For plain-text places (a Word comment, a table cell) where deletions cannot be struck
    through: the reader compares two short excerpts instead of two long texts.
    """
    old: list[str] = []
    new: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        text = segment.text
        if segment.op == "equal":
            if index == 0 and len(text) > context:
                text = "…" + text[-context:]
            elif index == last and len(text) > context:
                text = text[:context] + "…"
            elif 0 < index < last and len(text) > 2 * context:
                text = text[:context] + "…" + text[-context:]
        if segment.op != "insert":
            old.append(text)
        if segment.op != "delete":
            new.append(text)
    return "".join(old), "".join(new)


def is_changed(diff: Sequence[ParagraphDiff]) -> bool:
    return any(p.status != "equal" for p in diff)


#: How alike two paragraphs must be (difflib's ratio) to be shown as one edited paragraph.
SIMILAR_ENOUGH = 0.3

#: Replaced runs with more paragraph pairs than this are paired in order, not aligned: the
#: alignment compares every old paragraph with every new one.
MAX_ALIGNED_PAIRS = 2500


def _pair(old: Sequence[str], new: Sequence[str], cut: Callable[[str], list[str]]) -> list[ParagraphDiff]:
    """Replaced paragraphs: each new one shown as an edit of the old one it is most like.

    Pairing them in order went wrong as soon as one paragraph was removed or added next to an
    edited one (a list item deleted above a reworded item): every pair after it was shifted, so
    the reworded item read as deleted whole and inserted whole, and the compliance reader lost
    the one-word change.  The pairs are chosen as an alignment keeping the order (the most
    similarity in total, pairs at least ``SIMILAR_ENOUGH`` alike); what no pair takes is
    deleted or inserted where it stands, deletions first.
    """
    if not old or not new or len(old) * len(new) > MAX_ALIGNED_PAIRS:
        pairs = [(index, index) for index in range(min(len(old), len(new)))]
        pairs = [(i, j) for i, j in pairs if _similarity(old[i], new[j]) >= SIMILAR_ENOUGH]
    else:
        pairs = _aligned_pairs(old, new)
    result: list[ParagraphDiff] = []
    done_old = done_new = 0
    for i, j in [*pairs, (len(old), len(new))]:
        result.extend(ParagraphDiff("delete", (Segment("delete", text),)) for text in old[done_old:i])
        result.extend(ParagraphDiff("insert", (Segment("insert", text),)) for text in new[done_new:j])
        if i < len(old) and j < len(new):
            result.append(ParagraphDiff("changed", diff_tokens(old[i], new[j], cut)))
        done_old, done_new = i + 1, j + 1
    return result


def _similarity(before: str, after: str) -> float:
    return difflib.SequenceMatcher(None, before, after, autojunk=False).ratio()


def _aligned_pairs(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """(old index, new index) pairs in order, with the greatest total similarity."""
    rows, cols = len(old), len(new)
    score = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            best = max(score[i - 1][j], score[i][j - 1])
            similarity = _similarity(old[i - 1], new[j - 1])
            if similarity >= SIMILAR_ENOUGH:
                best = max(best, score[i - 1][j - 1] + similarity)
            score[i][j] = best
    pairs: list[tuple[int, int]] = []
    i, j = rows, cols
    while i > 0 and j > 0:
        if score[i][j] == score[i - 1][j]:
            i -= 1
        elif score[i][j] == score[i][j - 1]:
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs[::-1]


def _append(segments: list[Segment], op: Op, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].op == op:
        segments[-1] = Segment(op, segments[-1].text + text)
    else:
        segments.append(Segment(op, text))
