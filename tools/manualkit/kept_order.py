"""Which items of a reordered sequence kept their order: the rest are the ones that moved.

Shared by the redline (a section shown as moved) and the revision check (a section moved within
its chapter needs an entry), so that both name the same section when two could be: swapping two
neighbours moves one of them, and renumbering alone (an item inserted or removed before another)
moves nothing.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence


def longest_kept_order(keys: Sequence[str], rank: Mapping[str, int]) -> set[str]:
    """The longest run of ``keys`` (in their old order) whose ``rank`` (new place) increases.

    Patience sorting, O(n log n); of equally long runs, the one ending last is taken.
    """
    tails: list[int] = []  # rank of the last key of the best run of each length
    ends: list[int] = []  # index in ``keys`` of that last key
    previous: list[int] = []
    for index, key in enumerate(keys):
        length = bisect.bisect_left(tails, rank[key])
        previous.append(ends[length - 1] if length else -1)
        if length == len(tails):
            tails.append(rank[key])
            ends.append(index)
        else:
            tails[length], ends[length] = rank[key], index
    kept: set[str] = set()
    index = ends[-1] if ends else -1
    while index >= 0:
        kept.add(keys[index])
        index = previous[index]
    return kept


__all__ = ["longest_kept_order"]
