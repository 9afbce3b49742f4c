"""Chinese full-text search for the HTML site.

Sphinx segments Chinese text with jieba; a user dictionary of the manual's
own terms (投诉处理, 客诉, 工作日, the glossary) keeps them whole in the index.
The dictionary is generated into the doctree directory on every HTML build
(never committed), and only HTML builders build a search index at all, so the
PDF and DOCX builds never pay for loading jieba.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from manualkit.models import ManualData

#: Builders that publish a search page; every other builder skips indexing.
SEARCH_BUILDERS = frozenset({"html", "dirhtml"})
#: File name of the generated jieba user dictionary inside the doctree directory.
DICT_NAME = "manualkit-jieba-dict.txt"
#: A high frequency so jieba prefers our terms over its own segmentation.
_TERM_FREQUENCY = 20000


def dictionary_path(doctreedir: str | Path) -> Path:
    return Path(doctreedir) / DICT_NAME


def static_terms() -> list[str]:
    """The built-in term list shipped with manualkit (``search_terms.txt``)."""
    text = resources.files("manualkit.sphinx").joinpath("search_terms.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def manual_terms(data: ManualData) -> list[str]:
    """Terms defined by the manual itself: glossary terms and abbreviations, role and form names."""
    terms: list[str] = []
    for term in data.glossary:
        terms.append(term.term)
        if term.abbr:
            terms.append(term.abbr)
    terms.extend(role.name for role in data.roles)
    terms.extend(form.title for form in data.forms)
    return terms


def dictionary_lines(terms: Iterable[str]) -> list[str]:
    """jieba user-dictionary lines (``word freq``); words with whitespace cannot be entries."""
    seen: set[str] = set()
    lines: list[str] = []
    for term in terms:
        word = term.strip()
        if not word or any(ch.isspace() for ch in word) or word in seen:
            continue
        seen.add(word)
        lines.append(f"{word} {_TERM_FREQUENCY}")
    return lines


def write_dictionary(path: Path, data: ManualData) -> bool:
    """(Re)write the user dictionary if its content changed; return whether it did.

    A changed dictionary segments text differently, so every page must be indexed again.
    """
    content = "\n".join(dictionary_lines([*static_terms(), *manual_terms(data)])) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == content:
        return False
    tmp = path.with_suffix(".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)
    return True


def import_jieba() -> Any:
    """``import jieba``, minus the ~0.1 s its ``import pkg_resources`` costs (a tenth of a rebuild).

    jieba imports pkg_resources (which scans every installed distribution) only to open its
    own data files, and opens them next to its module when that import fails.  So the first
    import of jieba in a process runs with pkg_resources marked unimportable, and the mark is
    removed right after: anything importing pkg_resources later gets it as usual.
    """
    if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import -> ImportError
        try:
            import jieba
        finally:
            if "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
                del sys.modules["pkg_resources"]
    import jieba

    return jieba


def quiet_jieba() -> None:
    """jieba logs its dictionary loading at DEBUG to stderr; a build log only wants problems.

    jieba sets its logger to DEBUG when imported, so import it first (the HTML search imports
    it anyway), then lower the level.
    """
    try:
        jieba = import_jieba()
    except ImportError:  # pragma: no cover - jieba is a dependency; Sphinx then warns itself
        return
    jieba.setLogLevel(logging.WARNING)
