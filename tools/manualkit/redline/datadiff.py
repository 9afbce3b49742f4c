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
from manualkit.redline.textdiff import Segment, diff_tokens, tokenizer

Status = Literal["added", "removed", "changed"]
#: Old and new values longer than this are shown as one word diff instead of old → new.
INLINE_MIN_CHARS = 24
_M = TypeVar("_M", bound=BaseModel)


@dataclasses.dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclasses.dataclass(frozen=True)
class EntryChange:
    """One added/removed/changed SLA or form; ``old``/``new`` are display summaries (or None)."""

    #: ``sla``, ``form``, or the data collection of any other entry (``checklists``, ``processes`` …).
    kind: str
    id: str
    name: str
    status: Status
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def old_value(self) -> str:
        """What the reviewer sees as the old value: the changed fields only, when it changed."""
        if self.status == "changed" and self.fields:
            return _changed_fields(self.fields, old=True)
        return _headline(self.kind, self.old)

    @property
    def new_value(self) -> str:
        if self.status == "changed" and self.fields:
            return _changed_fields(self.fields, old=False)
        return _headline(self.kind, self.new)

    @property
    def inline(self) -> tuple[Segment, ...]:
        """A word diff of old and new value when both are long (a reworded note), else ``()``.

        Short values (``7个工作日`` → ``5个工作日``) read best whole; in a long one the reader
        should not have to hunt for the one changed word.
        """
        old, new = self.old_value, self.new_value
        if self.status != "changed" or min(len(old), len(new)) <= INLINE_MIN_CHARS:
            return ()
        return diff_tokens(old, new, tokenizer("word"))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "old": self.old,
            "new": self.new,
            "fields": [dataclasses.asdict(f) for f in self.fields],
        }


#: Data collections compared besides SLAs and forms (their content reaches readers through
#: directives, whose text the section diff cannot show), with the summary table's word for each.
OTHER_COLLECTIONS: dict[str, str] = {
    "checklists": "检查清单",
    "processes": "流程",
    "targets": "指标",
    "windows": "服务时间",
    "shares": "占比表",
    "references": "参考文件",
    "glossary": "术语",
    "roles": "角色",
}


@dataclasses.dataclass(frozen=True)
class DataChanges:
    slas: tuple[EntryChange, ...]
    forms: tuple[EntryChange, ...]
    others: tuple[EntryChange, ...] = ()

    @property
    def all(self) -> tuple[EntryChange, ...]:
        return (*self.slas, *self.forms, *self.others)

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "slas": [c.to_json() for c in self.slas],
            "forms": [c.to_json() for c in self.forms],
        }
        for collection in OTHER_COLLECTIONS:
            result[collection] = [c.to_json() for c in self.others if c.kind == collection]
        return result


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


def entry_summary(entry: BaseModel) -> dict[str, Any]:
    """Any other entry: its display name and raw model (changed fields come from the raw model)."""
    return {"name": _entry_name(entry), "data": entry.model_dump(mode="json")}


def compare(old: ManualData | None, new: ManualData | None) -> DataChanges:
    others: list[EntryChange] = []
    for collection in OTHER_COLLECTIONS:
        others.extend(
            _compare(collection, _items(old, collection), _items(new, collection), entry_summary, _entry_name)
        )
    return DataChanges(
        slas=_compare("sla", _items(old, "slas"), _items(new, "slas"), sla_summary, lambda s: s.name),
        forms=_compare("form", _items(old, "forms"), _items(new, "forms"), form_summary, lambda f: f.title),
        others=tuple(others),
    )


def _entry_name(entry: BaseModel) -> str:
    for attr in ("name", "title", "term"):
        value = getattr(entry, attr, None)
        if isinstance(value, str):
            return value
    return str(getattr(entry, "id", ""))


def _items(data: ManualData | None, attr: str) -> Sequence[Any]:
    return () if data is None else tuple(getattr(data, attr))


def _compare(
    kind: str,
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
            before, after = _differing_elements(old_data.get(key), new_data.get(key))
            found.append(FieldChange(key, before, after))
    return tuple(found)


def _differing_elements(old: Any, new: Any) -> tuple[Any, Any]:
    """For two lists of mappings (checklist items, process steps …) keep only the elements that differ.

    Elements pair by ``id`` when they have one, else by position; a checklist with one reworded
    item then shows that item, not the whole list twice.
    """
    if not (isinstance(old, list) and isinstance(new, list)):
        return old, new
    if not all(isinstance(e, dict) for e in [*old, *new]):
        return old, new

    def keyed(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {str(e.get("id", f"#{i}")): e for i, e in enumerate(items)}

    before, after = keyed(old), keyed(new)
    keys = [*after, *(k for k in before if k not in after)]
    changed = [k for k in keys if before.get(k) != after.get(k)]
    return [before[k] for k in changed if k in before], [after[k] for k in changed if k in after]


#: Reader's names of the fields a redline summary may show (model keys otherwise).
FIELD_WORDS: dict[str, str] = {
    "duration": "时限",
    "name": "名称",
    "title": "名称",
    "start": "起算",
    "end": "截止",
    "owner": "责任角色",
    "section": "所在章节",
    "fields": "栏目",
    "signatures": "签字",
    "notes": "填写说明",
    "purpose": "用途",
    "limit": "外部上限",
    "tags": "标签",
    "note": "说明",
    "kind": "类型",
    "source": "来源",
    "items": "检查项",
    "steps": "步骤",
    "parts": "组成",
    "value": "数值",
    "unit": "单位",
    "bound": "方向",
    "definition": "定义",
    "term": "术语",
    "status": "状态",
    "number": "文号",
    "issuer": "发布机构",
    "description": "说明",
    "opens": "开始时间",
    "closes": "结束时间",
    "days": "适用日",
}


def _changed_fields(fields: Sequence[FieldChange], *, old: bool) -> str:
    """``7个工作日`` when only the duration changed, else ``名称：…；填写说明：…``."""
    if len(fields) == 1 and fields[0].field == "duration":
        return _display(fields[0].old if old else fields[0].new)
    return "；".join(
        f"{FIELD_WORDS.get(f.field, f.field)}：{_display(f.old if old else f.new)}" for f in fields
    )


def _display(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(_display(v) for v in value) or "—"
    if isinstance(value, dict):
        shown = [f"{k}：{_display(v)}" for k, v in value.items() if v not in (None, [], (), {}, "")]
        return "（" + "，".join(shown) + "）"
    return str(value)


def _headline(kind: str, summary: dict[str, Any] | None) -> str:
    """An added or removed entry in one phrase: the SLA's duration, the form's title and fields,
    any other entry's name (its summary is :func:`entry_summary`)."""
    if summary is None:
        return "—"
    if kind == "sla":
        return str(summary["duration"])
    if kind == "form":
        fields = "、".join(summary["fields"])
        return f"{summary['title']}（{fields}）"
    return str(summary.get("name") or "—")
