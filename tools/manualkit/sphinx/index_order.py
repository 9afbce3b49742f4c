"""The general index (genindex.html) in pinyin order, grouped by initial letter.

Sphinx groups index entries by their first character: for Chinese terms that is one heading
per character (一, 传, 光 …, one term under each) in code-point order, which no reader can
search.  A Chinese index is ordered by pinyin and grouped A–Z, as the glossary already is
(:mod:`manualkit.pinyin_order`).  The entries themselves (links, sub-entries) are Sphinx's
own; only their grouping and order in the page's template context change.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.locale import _

from manualkit.pinyin_order import pinyin_keys
from manualkit.sphinx.domain import get_domain
from manualkit.sphinx.index_objects import Entry, object_entries, with_objects


def initial(key: tuple[str, ...]) -> str | None:
    """A–Z from the first syllable (or Latin word); ``None`` for digits and symbols."""
    letter = key[0][:1].upper() if key and key[0] else ""
    return letter if "A" <= letter <= "Z" else None


def regroup(groups: list[tuple[str, list[Entry]]]) -> list[tuple[str, list[Entry]]]:
    """Sphinx's ``genindexentries`` regrouped by pinyin initial, symbols first as Sphinx does."""
    entries = [entry for _letter, group in groups for entry in group]
    keys = pinyin_keys(name for name, _ in entries)
    symbols = str(_("Symbols"))
    by_letter: dict[str, list[Entry]] = {}
    for entry in sorted(entries, key=lambda entry: keys[entry[0]]):
        by_letter.setdefault(initial(keys[entry[0]]) or symbols, []).append(entry)
    return sorted(by_letter.items(), key=lambda item: (item[0] != symbols, item[0]))


def on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if pagename != "genindex" or not str(app.config.language or "").startswith("zh"):
        return
    groups = with_objects(context.get("genindexentries") or [], _objects(app, pagename))
    if not groups:
        return
    regrouped = regroup(groups)
    context["genindexentries"] = regrouped
    # As Sphinx counts them for its split index: each entry and its sub-entries.
    context["genindexcounts"] = [
        sum(1 + len(subitems) for _, (_, subitems, _) in group) for _, group in regrouped
    ]


def _objects(app: Sphinx, pagename: str) -> list[Entry]:
    """The manual's forms, checklists, flowcharts, deadlines and cited documents (see
    :mod:`manualkit.sphinx.index_objects`); none when the data did not load."""
    domain = get_domain(app.env)
    if domain.runtime is None:
        return []
    return object_entries(app.builder, domain, domain.runtime.index, pagename)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", on_page_context)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
