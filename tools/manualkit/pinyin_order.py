"""Dictionary order for Chinese terms: by pinyin, as a reader of a glossary expects.

Why a cache: pypinyin loads its phrase dictionary (~50 MB in memory, 0.2 s) on import, for the
few dozen glossary terms a manual has.  Their syllables are kept per user (see
:mod:`manualkit.usercache`, keyed by pypinyin's version), so a build whose terms are all known
never imports pypinyin; a new term loads it once and is remembered.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from pathlib import Path

from manualkit.usercache import read_json, writable_cache_dir, write_json

CACHE_NAME = "pinyin-terms.json"


def pinyin_keys(texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each text's sort key: its syllables (lower case, tone-less), an empty mark, the text.

    Code-point order (Sphinx's ``:sorted:``) scatters Chinese terms arbitrarily for a reader;
    pinyin puts 回访 before 客户.  Latin terms sort as spelt.  Punctuation is no syllable:
    《中华人民共和国网络安全法》 sorts under Z and 归档（异地）备份 as gui dang yi di bei fen.
    The empty mark puts a term before the longer ones it begins, as a dictionary does:
    投诉, then 投诉处理流程.
    """
    wanted = sorted(set(texts))
    folder = writable_cache_dir()
    path = folder / CACHE_NAME if folder is not None else None
    version = importlib.metadata.version("pypinyin")
    known = _cached_terms(path, version) if path is not None else {}
    missing = [text for text in wanted if text not in known]
    if missing:
        from pypinyin import lazy_pinyin

        for text in missing:
            known[text] = [syllable.lower() for syllable in lazy_pinyin(text)]
        if path is not None:
            write_json(path, {"pypinyin": version, "terms": known})
    return {text: (*_spoken(known[text]), "", text) for text in wanted}


def _spoken(syllables: list[str]) -> list[str]:
    """The syllables that are read out: pypinyin passes punctuation through as "syllables"."""
    return [syllable for syllable in syllables if any(char.isalnum() for char in syllable)]


def _cached_terms(path: Path, version: str) -> dict[str, list[str]]:
    """The syllables remembered for pypinyin ``version`` (nothing if the file is stale or broken)."""
    cached = read_json(path)
    if not isinstance(cached, dict) or cached.get("pypinyin") != version:
        return {}
    terms = cached.get("terms")
    if not isinstance(terms, dict):
        return {}
    return {
        str(term): [str(syllable) for syllable in syllables]
        for term, syllables in terms.items()
        if isinstance(syllables, list)
    }


__all__ = ["pinyin_keys"]
