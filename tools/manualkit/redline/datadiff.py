"""What changed in the data between two releases: SLAs and forms, old value → new value.

Durations are shown with :func:`manualkit.durations.render_sla` (the same words
the manual prints), so the summary reads "7个工作日 → 5个工作日", and the JSON
keeps the raw model values alongside for tools.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from manualkit.durations import render_sla
from manualkit.models import Form, ManualData, Sla

Status = Literal["added", "removed", "changed"]
_M = TypeVar("_M", bound=BaseModel)


@dataclasses.dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclasses.dataclass(frozen=True)
class EntryChange:
    """One added/removed/changed SLA or form; ``old``/``new`` are display summaries (or None)."""

    kind: Literal["sla", "form"]
    id: str
    name: str
    status: Status
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def old_value(self) -> str:
        return _headline(self.kind, self.old)

    @property
    def new_value(self) -> str:
        return _headline(self.kind, self.new)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "old": self.old,
            "new": self.new,
            "fields": [dataclasses.asdict(f) for f in self.fields],
        }


@dataclasses.dataclass(frozen=True)
class DataChanges:
    slas: tuple[EntryChange, ...]
    forms: tuple[EntryChange, ...]

    def to_json(self) -> dict[str, Any]:
        return {"slas": [c.to_json() for c in self.slas], "forms": [c.to_json() for c in self.forms]}


def sla_summary(sla: Sla) -> dict[str, Any]:
    """The reader-facing facts of an SLA plus its raw model (``data``)."""
    return {
        "name": sla.name,
        "duration": render_sla(sla),
        "start": sla.start,
        "end": sla.end,
        "owner": sla.owner,
        "section": sla.section,
        "data": sla.model_dump(mode="json"),
    }


def form_summary(form: Form) -> dict[str, Any]:
    return {
        "title": form.title,
        "section": form.section,
        "fields": [f.label for f in form.fields],
        "signatures": list(form.signatures),
        "data": form.model_dump(mode="json"),
    }


def compare(old: ManualData | None, new: ManualData | None) -> DataChanges:
    return DataChanges(
        slas=_compare("sla", _items(old, "slas"), _items(new, "slas"), sla_summary, lambda s: s.name),
        forms=_compare("form", _items(old, "forms"), _items(new, "forms"), form_summary, lambda f: f.title),
    )


def _items(data: ManualData | None, attr: str) -> Sequence[Any]:
    return () if data is None else tuple(getattr(data, attr))


def _compare(
    kind: Literal["sla", "form"],
    old: Sequence[_M],
    new: Sequence[_M],
    summary: Callable[[_M], dict[str, Any]],
    name: Callable[[_M], str],
) -> tuple[EntryChange, ...]:
    old_by_id = {getattr(x, "id"): x for x in old}  # noqa: B009 - models with an ``id`` field
    new_by_id = {getattr(x, "id"): x for x in new}  # noqa: B009
    order = [*new_by_id, *(k for k in old_by_id if k not in new_by_id)]
    changes: list[EntryChange] = []
    for entry_id in order:
        before, after = old_by_id.get(entry_id), new_by_id.get(entry_id)
        if before is not None and after is not None and before == after:
            continue
        old_summary = summary(before) if before is not None else None
        new_summary = summary(after) if after is not None else None
        status: Status = "added" if before is None else "removed" if after is None else "changed"
        fields: tuple[FieldChange, ...] = ()
        if old_summary is not None and new_summary is not None:
            fields = _field_changes(old_summary, new_summary)
        shown = after if after is not None else before
        assert shown is not None
        changes.append(EntryChange(kind, entry_id, name(shown), status, old_summary, new_summary, fields))
    return tuple(changes)


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Changed display fields first; raw model keys that changed without a display field after."""
    found = [FieldChange(k, old.get(k), new.get(k)) for k in new if k != "data" and old.get(k) != new.get(k)]
    shown = {f.field for f in found}
    old_data, new_data = old.get("data", {}), new.get("data", {})
    for key in sorted(set(old_data) | set(new_data)):
        if key not in shown and key != "duration" and old_data.get(key) != new_data.get(key):
            found.append(FieldChange(key, old_data.get(key), new_data.get(key)))
    return tuple(found)


def _headline(kind: str, summary: dict[str, Any] | None) -> str:
    if summary is None:
        return "—"
    if kind == "sla":
        return str(summary["duration"])
    fields = "、".join(summary["fields"])
    return f"{summary['title']}（{fields}）"
