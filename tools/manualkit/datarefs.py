"""Cross-file ids: which fields name entries of which collection, and finding those that don't.

A writer types ``owner: complaint.handlr`` in data/slas.yaml; the roles live in
data/roles.yaml.  The table below says where ids point; the functions walk the
raw (position-keeping) values so each problem can be reported at the line of
the offending value.  Pure functions: the loader decides how to report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from manualkit.dataschema import suggest
from manualkit.yamlsource import YamlPath

#: ``(collection, path inside an entry ("*" = every item), target collection)``.
REFERENCES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("slas", ("owner",), "roles"),
    ("slas", ("source",), "references"),
    ("slas", ("limit", "reference"), "references"),
    ("targets", ("owner",), "roles"),
    ("forms", ("owner",), "roles"),
    ("forms", ("signatures", "*"), "roles"),
    ("forms", ("retention",), "slas"),
    ("forms", ("fields", "*", "sla"), "slas"),
    ("checklists", ("owner",), "roles"),
    ("checklists", ("slas", "*"), "slas"),
    ("checklists", ("forms", "*"), "forms"),
    ("checklists", ("items", "*", "sla"), "slas"),
    ("checklists", ("items", "*", "form"), "forms"),
    ("processes", ("owner",), "roles"),
    ("processes", ("sla",), "slas"),
    ("processes", ("steps", "*", "owner"), "roles"),
    ("processes", ("steps", "*", "sla"), "slas"),
    ("processes", ("steps", "*", "form"), "forms"),
    ("references", ("superseded_by",), "references"),
    ("revisions", ("drafted", "role"), "roles"),
    ("revisions", ("reviewed", "role"), "roles"),
    ("revisions", ("approved", "role"), "roles"),
)

#: Ids unique inside one entry: ``(collection, list field)`` → its items' ``id``.
NESTED_IDS: tuple[tuple[str, str], ...] = (("processes", "steps"), ("forms", "fields"))

#: The key that identifies an entry of each collection (for duplicate detection).
ID_KEYS: dict[str, str] = {"revisions": "version"}

#: Texts a reader tells entries apart by, unique within their file: ``(collection, key, what)``.
#: Two SLAs named 一般投诉处理时限 with 7 and 5 working days contradict each other in every
#: table; two forms or checklists with one title, or two glossary entries for one term, leave
#: the reader to guess which one applies.
UNIQUE_TEXTS: tuple[tuple[str, str, str], ...] = (
    ("slas", "name", "SLA name"),
    ("forms", "title", "form title"),
    ("checklists", "title", "checklist title"),
    ("processes", "title", "process title"),
    ("glossary", "term", "glossary term"),
)

WHAT: dict[str, str] = {
    "roles": "role",
    "slas": "SLA",
    "forms": "form",
    "references": "reference",
    "steps": "step",
}

MAX_LISTED = 8

#: Where the successors of a process step are named (checked against the steps of the same process).
BRANCH_TARGETS: tuple[str, ...] = ("steps", "*", "next", "*", "to")


def walk(raw: Any, pattern: tuple[str, ...], path: YamlPath) -> Iterator[tuple[YamlPath, Any]]:
    """Values of ``raw`` at ``pattern`` (``"*"`` = every list item), with their paths."""
    if not pattern:
        yield path, raw
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(raw, list):
            for index, item in enumerate(raw):
                yield from walk(item, rest, (*path, index))
    elif isinstance(raw, dict) and head in raw:
        yield from walk(raw[head], rest, (*path, head))


def known_ids(entries: Sequence[Any], key: str = "id") -> list[str]:
    """Ids of raw entries, in file order, without repeats."""
    seen: dict[str, None] = {}
    for raw in entries:
        if isinstance(raw, dict) and isinstance(raw.get(key), str):
            seen[raw[key]] = None
    return list(seen)


def duplicates(entries: Sequence[tuple[YamlPath, Any]], key: str) -> Iterator[tuple[YamlPath, str, YamlPath]]:
    """``(path of the repeated id, id, path of its first use)`` for entries sharing ``key``."""
    first: dict[str, YamlPath] = {}
    for path, raw in entries:
        if not isinstance(raw, dict) or not isinstance(raw.get(key), str):
            continue
        value = raw[key]
        if value in first:
            yield (*path, key), value, first[value]
        else:
            first[value] = (*path, key)


def same_text(text: str) -> str:
    """The form two names are compared in: without surrounding or repeated white space, so that
    "一般投诉处理时限 " and "一般投诉处理时限" count as the same name."""
    return " ".join(text.split())


def duplicate_texts(
    entries: Sequence[tuple[YamlPath, Any]], key: str
) -> Iterator[tuple[YamlPath, str, YamlPath]]:
    """``(path of the repeated text, text, path of its first use)`` for entries whose ``key``
    texts are the same once white space is normalised (:func:`same_text`)."""
    first: dict[str, YamlPath] = {}
    for path, raw in entries:
        if not isinstance(raw, dict) or not isinstance(raw.get(key), str):
            continue
        text = same_text(raw[key])
        if not text:
            continue
        if text in first:
            yield (*path, key), raw[key], first[text]
        else:
            first[text] = (*path, key)


def dangling_message(value: str, known: Sequence[str], what: str, where: str) -> str:
    """``unknown role 'x' (did you mean 'y'?); roles in data/roles.yaml: a, b, …``."""
    if not known:
        return f"unknown {what} {value!r}: no {what}s are defined {where}"
    listed = ", ".join(known[:MAX_LISTED])
    if len(known) > MAX_LISTED:
        listed += f" … ({len(known) - MAX_LISTED} more)"
    return f"unknown {what} {value!r}{suggest(value, known)}; {what}s {where}: {listed}"
