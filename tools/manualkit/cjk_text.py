"""Chinese text and line breaks: where a line break in a source means no space at all.

A writer who wraps a long Chinese sentence over several lines of a YAML file means one
sentence; YAML folds each line break into a space (``>`` blocks, plain and quoted multi-line
scalars), and a space between two Chinese characters or next to full-width punctuation shows up
in every output as a visible gap (“数据自相矛盾。 本表保留…”).  Between Chinese text and a Latin
word or a number the space stays (the house typography wants one there), except after or
before full-width punctuation, which carries its own spacing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

#: CJK ideographs, radicals, CJK symbols and punctuation, full-width forms.
WIDE_CHARACTERS = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"

#: CJK symbols and punctuation, full-width forms: no space on either side.
FULL_WIDTH_PUNCTUATION = "\u3000-\u303f\uff00-\uffef"

#: Characters set two half-ems wide (CJK and everything after it).
_WIDE = re.compile("[\u2e80-\U0010ffff]")


def display_width(text: str) -> int:
    """Width in half-ems: CJK and full-width characters count two, others one."""
    if text.isascii():
        return len(text)
    return len(text) + len(_WIDE.findall(text))


_NEEDLESS_SPACE = re.compile(
    rf"(?<=[{WIDE_CHARACTERS}]) (?=[{WIDE_CHARACTERS}])"
    rf"|(?<=[{FULL_WIDTH_PUNCTUATION}]) (?=\S)|(?<=\S) (?=[{FULL_WIDTH_PUNCTUATION}])"
)


def join_folded_lines(value: str, source_lines: Sequence[str]) -> str:
    """``value`` without the spaces YAML put at line breaks where Chinese text needs none.

    ``source_lines`` are the lines of the file the scalar spans.  A space is dropped only when
    it can have come from a fold — the two characters around it end one source line and begin
    the next — and never when the source itself has those two characters with a space between.
    """
    if " " not in value or len(source_lines) < 2:
        return value
    folds = set()
    for above, below in itertools.pairwise(source_lines):
        end, start = above.rstrip(), below.lstrip()
        if end and start:
            folds.add(end[-1] + start[0])
    if not folds:
        return value
    span = "\n".join(source_lines)

    def keep_or_drop(match: re.Match[str]) -> str:
        before, after = value[match.start() - 1], value[match.end()]
        return "" if before + after in folds and f"{before} {after}" not in span else " "

    return _NEEDLESS_SPACE.sub(keep_or_drop, value)


#: Han ideographs (and the extension A block).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Full-width punctuation after which, and before which, Chinese typesetting may break a line.
_CLOSING_PUNCTUATION = "，。、；：！？）》」』"
_OPENING_PUNCTUATION = "（《「『“‘"
_QUOTE_BREAK = re.compile(
    rf"(?<=[{_HAN}{_CLOSING_PUNCTUATION}])(?=[“‘])|(?<=[”’])(?=[{_HAN}{_OPENING_PUNCTUATION}])"
)
ZERO_WIDTH_SPACE = "\u200b"


def quote_break_opportunities(text: str) -> str:
    """``text`` with a zero-width space where a line may break at a curly quote.

    Chinese typesetting breaks before an opening quote (“) and after a closing one (”); only the
    quote may not be separated from the text it encloses.  Pango, which lays out the PDF, follows
    UAX #14 as it stood before Unicode 15.1 (rule LB19: no break on either side of a quotation
    mark), so "全部时限汇总于“8.4 服务时限一览”" moved 于 to the next line with its quote and left
    the line two characters short.  The zero-width space is an allowed break the text layer of
    the PDF does not carry (``pdftotext`` and a viewer's search see the text unchanged).
    """
    if "“" not in text and "”" not in text and "‘" not in text and "’" not in text:
        return text
    return _QUOTE_BREAK.sub(ZERO_WIDTH_SPACE, text)
