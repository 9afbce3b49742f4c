"""The general index lists the manual's forms, checklists, flowcharts, deadlines and cited documents.

Sphinx's index (genindex.html) holds what ``index`` nodes put there; in this manual that is the
glossary alone, so a clerk looking under T for the complaint form, the complaint flowchart or
the complaint deadline found only the term 投诉.  A printed manual's index names those things,
and staff look them up by name: 投诉受理登记表, 投诉处理流程, 一般投诉处理时限.

The entries come from the ``mk`` domain, which knows each object's one home after reading
(the anchor every ``{form}``/``{sla}`` link lands on, see :mod:`manualkit.sphinx.transforms`),
and from the build's data for the names, so an index entry and a link in the text always
agree.  Each name carries what kind of thing it is (and a form's or checklist's number, which
staff quote): ``投诉受理登记表（表单 F-04-01）``.  The entries take Sphinx's own shape and join
the glossary's before :mod:`manualkit.sphinx.index_order` puts the page in pinyin order.
"""

from __future__ import annotations

from typing import Any, Final

from sphinx.builders import Builder

from manualkit.sphinx.domain import ManualkitDomain
from manualkit.sphinx.formatting import render_reference
from manualkit.sphinx.helpers import DataIndex

#: Index entry as Sphinx's IndexEntries gives it: (name, (links, sub-entries, category key)),
#: a link being (main-entry marker, uri).
Entry = tuple[str, tuple[Any, Any, Any]]
#: The page's entries grouped under their initials, as Sphinx hands them to the template.

#: What the index says each kind of object is, after its name.
KIND_LABELS: Final = {
    "form": "表单",
    "checklist": "检查清单",
    "process": "流程图",
    "sla": "服务时限",
    "reg": "引用文件",
}


def entry_name(kind: str, item_id: str, item: Any) -> str:
    """The index's name for an object: its own name, then what it is (and its number)."""
    label = KIND_LABELS[kind]
    if kind in ("form", "checklist"):
        return f"{item.title}（{label} {item_id}）"
    if kind == "reg":
        return f"{render_reference(item)}（{label}）"
    if kind == "sla":
        return f"{item.name}（{label}）"
    return f"{item.title}（{label}）"


def object_entries(builder: Builder, domain: ManualkitDomain, index: DataIndex, pagename: str) -> list[Entry]:
    """One entry per anchored form, checklist, process, SLA and cited document, linked from
    ``pagename`` to the object's home."""
    entries: list[Entry] = []
    for key, (docname, anchor, _priority) in sorted(domain.objects.items()):
        kind, _, item_id = key.partition(":")
        if kind not in KIND_LABELS:
            continue
        item = index.get(kind, item_id)
        if item is None:  # anchored while reading, gone from the data since: no stale entry
            continue
        uri = f"{builder.get_relative_uri(pagename, docname)}#{anchor}"
        entries.append((entry_name(kind, item_id, item), ([("", uri)], [], None)))
    return entries


def with_objects(
    groups: list[tuple[str, list[Entry]]], objects: list[Entry]
) -> list[tuple[str, list[Entry]]]:
    """Sphinx's grouped entries with ``objects`` added (grouping is redone by the caller)."""
    if not objects:
        return groups
    return [*groups, ("", objects)]
