"""What changed in the data between two releases: SLAs and forms, old value → new value.

Values are shown as the manual prints them, with the manual's own helpers
(:func:`manualkit.durations.render_sla`, :mod:`manualkit.sphinx.formatting`): the summary
reads "7个工作日 → 5个工作日", "状态：待核实 → 已废止（由《…》替代）", a role by its name and a
section by its number and title, never an internal id.  The JSON keeps the raw model values
alongside for tools.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from manualkit.durations import render_sla
from manualkit.models import (
    Checklist,
    ChecklistItem,
    Form,
    ManualData,
    Process,
    Reference,
    Revision,
    ServiceWindow,
    Signoff,
    Sla,
    Step,
    Target,
)
from manualkit.redline.textdiff import Segment, diff_tokens, tokenizer
from manualkit.sphinx.formatting import (
    render_date,
    render_reference,
    render_reference_status,
    render_target,
    render_window,
)

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
    "revisions": "修订记录",
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


@dataclasses.dataclass(frozen=True)
class Printer:
    """How one version prints what its entries point to: a role by its name, a reference as
    ``《title》（number）``, a section as "number title" (``sections``: label → that text).

    Why per version: an old value must read as the old release printed it (a role renamed in
    1.1 still has its 1.0 name on the old side).
    """

    data: ManualData | None = None
    sections: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def role(self, role_id: str | None) -> str | None:
        """The role's name (the id itself if this version has no such role)."""
        if role_id is None:
            return None
        role = next((r for r in self.data.roles if r.id == role_id), None) if self.data else None
        return role.name if role is not None else role_id

    def reference(self, ref_id: str | None) -> str | None:
        if ref_id is None:
            return None
        ref = next((r for r in self.data.references if r.id == ref_id), None) if self.data else None
        return render_reference(ref) if ref is not None else ref_id

    def section(self, label: str | None) -> str | None:
        return None if label is None else self.sections.get(label, label)

    def sla(self, sla_id: str | None) -> str | None:
        """``一般投诉处理时限（7个工作日）``, as the manual names an SLA in a list."""
        if sla_id is None:
            return None
        sla = self._sla(sla_id)
        return f"{sla.name}（{render_sla(sla)}）" if sla is not None else sla_id

    def duration(self, sla_id: str) -> str:
        """``7个工作日``, as a checklist item cites its SLA."""
        sla = self._sla(sla_id)
        return render_sla(sla) if sla is not None else sla_id

    def _sla(self, sla_id: str) -> Sla | None:
        return next((x for x in self.data.slas if x.id == sla_id), None) if self.data else None

    def form(self, form_id: str | None) -> str | None:
        if form_id is None:
            return None
        form = next((f for f in self.data.forms if f.id == form_id), None) if self.data else None
        return f"{form.id} {form.title}" if form is not None else form_id

    def signoff(self, signoff: Signoff) -> str:
        """``陈静（客服专员，2025年2月1日）`` as the revision history prints a signature."""
        date = f"，{render_date(signoff.date)}" if signoff.date else ""
        return f"{signoff.name}（{self.role(signoff.role)}{date}）"


def sla_summary(sla: Sla, printer: Printer | None = None) -> dict[str, Any]:
    """The reader-facing facts of an SLA plus its raw model (``data``)."""
    printer = printer or Printer()
    return {
        "name": sla.name,
        "duration": render_sla(sla),
        "start": sla.start,
        "end": sla.end,
        "owner": printer.role(sla.owner),
        "section": printer.section(sla.section),
        "data": sla.model_dump(mode="json"),
    }


def form_summary(form: Form, printer: Printer | None = None) -> dict[str, Any]:
    printer = printer or Printer()
    return {
        "title": form.title,
        "section": printer.section(form.section),
        "owner": printer.role(form.owner),
        "fields": [f.label for f in form.fields],
        "signatures": [printer.role(role) for role in form.signatures],
        "data": form.model_dump(mode="json"),
    }


def entry_summary(entry: BaseModel, printer: Printer | None = None) -> dict[str, Any]:
    """Any entry: its display name, its fields as the manual prints them (those a collection
    prints differently from its raw value), and its raw model."""
    printer = printer or Printer()
    printed: dict[str, Any] = {"name": _entry_name(entry)}
    if isinstance(entry, Reference):
        printed["status"] = render_reference_status(entry) + (
            f"（由{printer.reference(entry.superseded_by)}替代）" if entry.superseded_by else ""
        )
        printed["effective"] = render_date(entry.effective) or None
    elif isinstance(entry, Checklist):
        printed["owner"] = printer.role(entry.owner)
        printed["items"] = [_checklist_item(item, printer) for item in entry.items]
        printed["slas"] = [printer.sla(x) for x in entry.slas]
        printed["forms"] = [printer.form(x) for x in entry.forms]
    elif isinstance(entry, Process):
        printed["owner"] = printer.role(entry.owner)
        printed["steps"] = [_step(step, printer) for step in entry.steps]
        printed["sla"] = printer.sla(entry.sla)
    elif isinstance(entry, Target):
        printed["value"] = render_target(entry)
        printed["owner"] = printer.role(entry.owner)
    elif isinstance(entry, ServiceWindow):
        printed["hours"] = render_window(entry)
    elif isinstance(entry, Revision):
        printed.update(_revision(entry, printer))
    section = getattr(entry, "section", None)
    if isinstance(section, str):
        printed["section"] = printer.section(section)
    return {**printed, "data": entry.model_dump(mode="json")}


def _checklist_item(item: ChecklistItem, printer: Printer) -> str:
    """``核对客户身份（时限：…）（填写F-04-01 …）`` as the checklist prints the item."""
    sla = f"（时限：{printer.duration(item.sla)}）" if item.sla else ""
    form = f"（填写{printer.form(item.form)}）" if item.form else ""
    return f"{item.text}{sla}{form}"


def _step(step: Step, printer: Printer) -> str:
    """One row of a process's step table in words: name, description, role, SLA, form."""
    text = step.name + (f"：{step.description}" if step.description else "")
    text += f"（{printer.role(step.owner)}"
    text += f"；时限：{printer.sla(step.sla)}" if step.sla else ""
    text += f"；表单：{printer.form(step.form)}" if step.form else ""
    branches = "；".join(f"{b.when}：转{b.to}" for b in step.next or ())
    return text + (f"；{branches}" if branches else "") + "）"


def _revision(revision: Revision, printer: Printer) -> dict[str, Any]:
    """A revision as its row and notes in the revision history (8.2) print it."""
    return {
        "summary": revision.summary,
        "drafted": printer.signoff(revision.drafted),
        "reviewed": printer.signoff(revision.reviewed),
        "approved": printer.signoff(revision.approved),
        "approved_on": render_date(revision.approved_on),
        "effective_date": render_date(revision.effective),
        "changes": [f"{printer.section(c.section) or c.section}：{c.description}" for c in revision.changes],
        "decisions": list(revision.decisions),
        "repeals": list(revision.repeals),
    }


def compare(
    old: ManualData | None,
    new: ManualData | None,
    old_sections: Mapping[str, str] | None = None,
    new_sections: Mapping[str, str] | None = None,
) -> DataChanges:
    """Every changed entry of two versions' data (``*_sections``: label → "number title" of
    that version, how a changed ``section`` reads)."""
    before, after = Printer(old, old_sections or {}), Printer(new, new_sections or {})
    others: list[EntryChange] = []
    for collection in OTHER_COLLECTIONS:
        others.extend(
            _compare(
                collection,
                _items(old, collection),
                _items(new, collection),
                (lambda e: entry_summary(e, before), lambda e: entry_summary(e, after)),
                _entry_name,
            )
        )
    return DataChanges(
        slas=_compare(
            "sla",
            _items(old, "slas"),
            _items(new, "slas"),
            (lambda e: sla_summary(e, before), lambda e: sla_summary(e, after)),
            lambda s: s.name,
        ),
        forms=_compare(
            "form",
            _items(old, "forms"),
            _items(new, "forms"),
            (lambda e: form_summary(e, before), lambda e: form_summary(e, after)),
            lambda f: f.title,
        ),
        others=tuple(others),
    )


def _entry_name(entry: BaseModel) -> str:
    if isinstance(entry, Revision):
        return f"第{entry.version}版"
    for attr in ("name", "title", "term"):
        value = getattr(entry, attr, None)
        if isinstance(value, str):
            return value
    return str(getattr(entry, "id", ""))


def _items(data: ManualData | None, attr: str) -> Sequence[Any]:
    return () if data is None else tuple(getattr(data, attr))


def _key(entry: Any) -> str:
    """An entry's identity across versions: its ``id`` (a revision's is its version)."""
    return str(getattr(entry, "id", None) or getattr(entry, "version", ""))


def _compare(
    kind: str,
    old: Sequence[_M],
    new: Sequence[_M],
    summary: tuple[Callable[[_M], dict[str, Any]], Callable[[_M], dict[str, Any]]],
    name: Callable[[_M], str],
) -> tuple[EntryChange, ...]:
    """``summary``: the old version's and the new version's summary of an entry."""
    old_by_id = {_key(x): x for x in old}
    new_by_id = {_key(x): x for x in new}
    order = [*new_by_id, *(k for k in old_by_id if k not in new_by_id)]
    changes: list[EntryChange] = []
    for entry_id in order:
        before, after = old_by_id.get(entry_id), new_by_id.get(entry_id)
        if before is not None and after is not None and before == after:
            continue
        old_summary = summary[0](before) if before is not None else None
        new_summary = summary[1](after) if after is not None else None
        status: Status = "added" if before is None else "removed" if after is None else "changed"
        fields: tuple[FieldChange, ...] = ()
        if old_summary is not None and new_summary is not None:
            fields = _field_changes(old_summary, new_summary)
        shown = after if after is not None else before
        assert shown is not None
        changes.append(EntryChange(kind, entry_id, name(shown), status, old_summary, new_summary, fields))
    return tuple(changes)


#: Raw model keys printed under another name (a reference's successor is part of its status).
_PRINTED_AS: dict[str, str] = {"superseded_by": "status", "effective": "effective_date"}
#: Printed fields that show only part of their raw value (a form's fields by label alone): a
#: change to the rest (a field's help text) is shown from the raw model.
_PARTLY_PRINTED = frozenset({"fields"})


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Changed printed fields first; then raw model keys that changed and that no printed field
    shows (a raw key the summary prints is never shown raw: a section renamed by label only, or
    a reference's successor, would otherwise read as internal ids)."""
    found = []
    for key in new:
        if key != "data" and old.get(key) != new.get(key):
            found.append(FieldChange(key, *_differing_elements(old.get(key), new.get(key))))
    shown = {f.field for f in found}
    old_data, new_data = old.get("data", {}), new.get("data", {})
    for key in sorted(set(old_data) | set(new_data)):
        printed = _PRINTED_AS.get(key, key)
        if printed in new and (printed in shown or printed not in _PARTLY_PRINTED):
            continue
        if old_data.get(key) != new_data.get(key):
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
    if all(isinstance(e, str) for e in [*old, *new]):
        return _differing_strings(old, new)
    if not all(isinstance(e, dict) for e in [*old, *new]):
        return old, new

    def keyed(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {str(e.get("id", f"#{i}")): e for i, e in enumerate(items)}

    before, after = keyed(old), keyed(new)
    keys = [*after, *(k for k in before if k not in after)]
    changed = [k for k in keys if before.get(k) != after.get(k)]
    return [before[k] for k in changed if k in before], [after[k] for k in changed if k in after]


def _differing_strings(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Printed list items (checklist items, step rows) only on one side: an item added at the
    top is one change, not every later item shifted by one."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    before: list[str] = []
    after: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            before.extend(old[i1:i2])
            after.extend(new[j1:j2])
    return before, after


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
    "required": "必填",
    "type": "类型",
    "help": "填写提示",
    "choices": "选项",
    "percent": "占比",
    "label": "名称",
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
    "hours": "服务时间",
    "slas": "相关时限",
    "forms": "相关表单",
    "sla": "全流程时限",
    "superseded_by": "替代文件",
    "effective": "生效日期",
    "effective_date": "生效日期",
    "issued": "发布日期",
    "summary": "修订摘要",
    "drafted": "起草",
    "reviewed": "审核",
    "approved": "批准",
    "approved_on": "批准日期",
    "changes": "修订内容",
    "decisions": "编辑决定",
    "repeals": "废止文件",
    "basis": "统计口径",
    "abbr": "缩写",
    "english": "英文",
    "retention": "保存期限",
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
        return _display_mapping(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _display_mapping(value: dict[str, Any]) -> str:
    """A raw sub-entry (a form field, a share part) led by its printed text, never by its id:
    ``联系电话（类型：phone，必填：是）`` rather than ``（id：phone，label：联系电话，…）``."""
    head_key = next((k for k in ("text", "label", "name", "term") if isinstance(value.get(k), str)), None)
    rest = [
        f"{FIELD_WORDS.get(k, k)}：{_display(v)}"
        for k, v in value.items()
        if k not in (head_key, "id") and v not in (None, [], (), {}, "")
    ]
    head = str(value[head_key]) if head_key else ""
    return head + ("（" + "，".join(rest) + "）" if rest else "") if head else "（" + "，".join(rest) + "）"


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
    if kind == "revisions":  # a new row of the revision history (8.2), as it reads there
        approval = f"批准：{summary['approved']}，{summary['approved_on']}；生效：{summary['effective_date']}"
        return f"{summary['name']}：{summary['summary']}（{approval}）"
    return str(summary.get("name") or "—")
