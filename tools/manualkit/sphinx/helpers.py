"""What a fragment template can call as ``mk.…``: lookups and wording.

Every lookup goes through :func:`lookup`, so an unknown id anywhere (a role
in a chapter, a field's SLA, a branch target) raises the same
:class:`UnknownIdError` with a "did you mean" list, which the role or
directive reports at its own source line.  Methods returning :class:`Myst`
produce markup (role calls); everything else is plain text that the template
environment escapes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence, Set
from typing import Any

from manualkit.durations import render_duration, render_sla
from manualkit.models import (
    Checklist,
    Form,
    FormField,
    ManualData,
    Process,
    Reference,
    Role,
    ServiceWindow,
    ShareGroup,
    Sla,
    Target,
)
from manualkit.sphinx import formatting
from manualkit.templating import Myst, escape_myst, role, role_text, unbroken

#: kind → the collection of ManualData holding it.
COLLECTIONS: dict[str, Callable[[ManualData], Sequence[Any]]] = {
    "sla": lambda d: d.slas,
    "form": lambda d: d.forms,
    "reg": lambda d: d.references,
    "target": lambda d: d.targets,
    "window": lambda d: d.windows,
    "checklist": lambda d: d.checklists,
    "process": lambda d: d.processes,
    "share": lambda d: d.shares,
    "role": lambda d: d.roles,
}

#: kind → the data collection names (keys of DATA_FILES) its rendering reads.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "sla": ("slas",),
    "form": ("forms",),
    "reg": ("references",),
    "target": ("targets",),
    "window": ("windows",),
}

_BLANK_LINE = "＿＿＿＿＿＿＿＿＿＿＿＿"
_BLANK_DATE = "＿＿＿＿年＿＿月＿＿日"
_BLANKS: dict[str, str] = {
    "text": "\u3000",
    "multiline": "\u3000",
    "number": "\u3000",
    "date": _BLANK_DATE,
    "datetime": _BLANK_DATE + "＿＿时＿＿分",
    "checkbox": "☐\u00a0是\u3000☐\u00a0否",
    "signature": "（签字）",
    "phone": "□" * 11,
    "id_number": "□" * 18,
}


#: Words of a signature field's label that ask for a seal (a round stamp about 4 cm across).
_SEAL_WORDS = ("盖章", "印章", "公章", "用印")


#: Class of a form row stamped with a seal: printed tall enough for the seal.
SEAL_CLASS = "mk-field-seal"


#: The year-and-serial tail of a Chinese document number: "〔2020〕第5号", "2020年第3号".
_NUMBER_TAIL = re.compile(r"[〔（(\[0-9０-９].*$")
#: A tail longer than this (characters) may break: kept whole it would widen its column too much.
_NUMBER_TAIL_MAX = 12


def number_parts(value: str) -> list[tuple[str, bool]]:
    """A document number as (text, kept on one line) parts, space-separated in print.

    Latin parts never break ("GB/T" / "35273-2020", never "GB/T 35273-202" / "0", read as
    another standard).  A Chinese number may break after its issuer but not inside its year and
    serial: "中国人民银行令" / "〔2020〕第5号", never "〔2020〕第5" / "号".
    """
    parts: list[tuple[str, bool]] = []
    for part in value.split():
        if parts:
            parts.append((" ", False))
        tail = None if part.isascii() else _NUMBER_TAIL.search(part)
        if part.isascii():
            parts.append((part, True))
        elif tail is None or len(tail.group()) > _NUMBER_TAIL_MAX:
            parts.append((part, False))
        else:
            if tail.start():
                parts.append((part[: tail.start()], False))
            parts.append((tail.group(), True))
    return parts


def document_number(value: str) -> Myst:
    """:func:`number_parts` as MyST (``{nowrap}`` roles for the parts kept on one line)."""
    return Myst(
        "".join(
            unbroken(text) if whole else text if text == " " else escape_myst(text)
            for text, whole in number_parts(value)
        )
    )


def date_in_text(value: dt.date | None) -> Myst:
    """:meth:`MkHelpers.date_in_text`: the year and the month-and-day as two unbroken parts."""
    if value is None:
        return Myst("")
    year, _, month_day = formatting.render_date(value).partition("年")
    return Myst(unbroken(year + "年") + unbroken(month_day))


def is_seal(field: FormField) -> bool:
    """Whether a signature field is stamped with a seal ("部门盖章") rather than signed."""
    return field.type == "signature" and any(word in field.label for word in _SEAL_WORDS)


#: Blanks that read wrongly when broken over lines (a date's 年 / 月 / 日 parts, a time).
_UNBROKEN_BLANKS = frozenset({"date", "datetime"})


class UnknownIdError(Exception):
    """An id that is not in the data; the message names close ids."""

    def __init__(self, kind: str, item_id: str, known: Sequence[str]) -> None:
        self.kind = kind
        self.item_id = item_id
        super().__init__(formatting.unknown_id_message(kind, item_id, known))


class DataIndex:
    """Every collection of one build's data by id, so a lookup costs the same in a manual of
    ten chapters as in one of five hundred (a linear search per role made reading quadratic).

    Built once per build with the data (:class:`~manualkit.sphinx.domain.ManualkitRuntime`);
    read-only afterwards.  The first entry wins on a duplicate id, as the loader reports those.
    """

    def __init__(self, data: ManualData) -> None:
        self.data = data
        self._by_kind: dict[str, dict[str, Any]] = {}
        for kind, collection in COLLECTIONS.items():
            items: dict[str, Any] = {}
            for item in collection(data):
                items.setdefault(item.id, item)
            self._by_kind[kind] = items

        #: Every tag of every SLA, and the SLAs (by position in the data) per tag and per section,
        #: so each ``sla-table`` selects its rows without a pass over all SLAs.
        self.sla_tags = frozenset(tag for sla in data.slas for tag in sla.tags)
        self._slas_by_tag: dict[str, list[int]] = {}
        self._slas_by_section: dict[str, list[int]] = {}
        for position, sla in enumerate(data.slas):
            for tag in dict.fromkeys(sla.tags):
                self._slas_by_tag.setdefault(tag, []).append(position)
            if sla.section:
                self._slas_by_section.setdefault(sla.section, []).append(position)

    def get(self, kind: str, item_id: str) -> Any | None:
        return self._by_kind[kind].get(item_id)

    def slas_matching(self, tags: Set[str], section: str, labels: Set[str] | None) -> list[Sla]:
        """SLAs (in data order) with any of ``tags``, in ``section``, in one of the sections
        ``labels``; an empty ``tags`` or ``section`` or a ``None`` ``labels`` does not filter."""
        candidates: set[int] | None = None
        if section:
            candidates = set(self._slas_by_section.get(section, ()))
        if tags:
            tagged = {p for tag in tags for p in self._slas_by_tag.get(tag, ())}
            candidates = tagged if candidates is None else candidates & tagged
        if labels is not None:
            in_labels = {p for label in labels for p in self._slas_by_section.get(label, ())}
            candidates = in_labels if candidates is None else candidates & in_labels
        slas = self.data.slas
        return list(slas) if candidates is None else [slas[p] for p in sorted(candidates)]

    def ids(self, kind: str) -> list[str]:
        return list(self._by_kind[kind])


def lookup(index: DataIndex, kind: str, item_id: str) -> Any:
    """The item of ``kind`` with ``item_id``, or UnknownIdError."""
    item = index.get(kind, item_id)
    if item is None:
        raise UnknownIdError(kind, item_id, index.ids(kind))
    return item


def _label(text: str) -> str:
    """Text usable as an explicit role title: one line, no backticks, angle brackets or bare pipes."""
    return role_text(text).replace("<", "〈").replace(">", "〉")


class MkHelpers:
    """Bound to one build's data; exposed to templates as ``mk``."""

    def __init__(self, index: DataIndex) -> None:
        self._data = index.data
        self._index = index

    # -- lookups -----------------------------------------------------------------------------
    def sla_item(self, sla_id: str) -> Sla:
        return lookup(self._index, "sla", sla_id)  # type: ignore[no-any-return]

    def form_item(self, form_id: str) -> Form:
        return lookup(self._index, "form", form_id)  # type: ignore[no-any-return]

    def role_item(self, role_id: str) -> Role:
        return lookup(self._index, "role", role_id)  # type: ignore[no-any-return]

    def share_item(self, share_id: str) -> ShareGroup:
        return lookup(self._index, "share", share_id)  # type: ignore[no-any-return]

    def role_name(self, role_id: str) -> str:
        return self.role_item(role_id).name

    # -- wording -----------------------------------------------------------------------------
    def duration(self, sla: Sla) -> str:
        return render_sla(sla)

    def limit(self, sla: Sla) -> str:
        """The regulatory outer limit of an SLA (``15天``), empty when it has none."""
        if sla.limit is None:
            return ""
        text = render_duration(sla.limit.duration, sla.kind)
        if sla.limit.extended is not None:
            text += f"（可延长至{render_duration(sla.limit.extended, sla.kind)}）"
        return text

    def window(self, window: ServiceWindow) -> str:
        return formatting.render_window(window)

    def target(self, target: Target) -> str:
        return formatting.render_target(target)

    def reference(self, reference: Reference) -> str:
        return formatting.render_reference(reference)

    def status(self, reference: Reference) -> str:
        return formatting.render_reference_status(reference)

    def date(self, value: dt.date | None) -> str:
        return formatting.render_date(value)

    def unbroken(self, value: object) -> Myst:
        """``value`` kept on one line (dates, document numbers in narrow table columns)."""
        return unbroken(value)

    def date_in_text(self, value: dt.date | None) -> Myst:
        """A date inside a longer cell ("客户服务部（客户服务中心经理，2026年11月6日）").

        It may break after 年 but never within "2026年" or "11月6日": kept whole, the date
        set the width of a column of names, and four such columns left the revision history's
        summary two characters wide in the DOCX (and ran into the next column in the PDF).
        """
        return date_in_text(value)

    def document_number(self, value: str) -> Myst:
        return document_number(value)

    def number(self, value: float) -> str:
        return formatting.render_number(value)

    def percent(self, value: float) -> str:
        return formatting.render_number(value) + "%"

    def share_total(self, share: ShareGroup) -> float:
        return round(sum(part.percent for part in share.parts), 4)

    def blank(self, field: FormField) -> Myst:
        """The blank a person fills in on paper, shaped by the field's type."""
        if field.type == "choice" and field.choices:
            # Each box stays with its whole option: "☐ 其他", never "☐" / "其他" or "☐ 其" / "他".
            return Myst("\u3000".join(unbroken(f"☐\u00a0{choice}") for choice in field.choices))
        if is_seal(field):
            return Myst("（盖章）")
        if field.type in _UNBROKEN_BLANKS:
            return unbroken(_BLANKS[field.type])
        return Myst(_BLANKS.get(field.type, _BLANK_LINE))

    # -- markup (role calls, validated first so errors name the directive) -------------------
    def sla(self, sla_id: str) -> Myst:
        self.sla_item(sla_id)
        return role("sla", sla_id)

    def sla_named(self, sla_id: str) -> Myst:
        """``投诉办结时限（7个工作日）`` with the duration linked to the SLA table."""
        sla = self.sla_item(sla_id)
        return Myst(f"{escape_myst(sla.name)}（{role('sla', sla_id)}）")

    def form(self, form_id: str) -> Myst:
        self.form_item(form_id)
        return role("form", form_id)

    def form_link(self, form_id: str, text: str) -> Myst:
        """A link to the form's appendix showing ``text`` instead of ``F-04-01 title``."""
        self.form_item(form_id)
        return Myst(f"{{form}}`{_label(text)} <{form_id}>`")

    def reg(self, ref_id: str) -> Myst:
        lookup(self._index, "reg", ref_id)
        return role("reg", ref_id)

    def reg_basis(self, ref_id: str) -> Myst:
        """A citation used as the basis of a rule: the link plus ``（待核实）`` (or 已废止 …) unless
        the document is in force, so no table presents an unverified text as settled law."""
        reference: Reference = lookup(self._index, "reg", ref_id)
        if reference.status == "in_force":
            return role("reg", ref_id)
        return Myst(f"{role('reg', ref_id)}（{escape_myst(self.status(reference))}）")

    def section(self, label: str) -> Myst:
        """A link to a manual section by its label (Sphinx reports unknown labels)."""
        return role("ref", label)

    def history_section(self, label: str, title: str | None = None) -> Myst:
        """A section a revision changed: linked while it exists, named as removed once it is not
        (a released revision's record outlives its sections; see ``HistorySectionRole``), by
        ``title`` (the title it had) when the change entry gives one."""
        if not title:
            return role("history-section", label)
        role("history-section", label)  # refuses a label that is not a plain target
        return Myst(f"{{history-section}}`{_label(title)} <{label}>`")

    def checklist(self, checklist_id: str) -> Checklist:
        return lookup(self._index, "checklist", checklist_id)  # type: ignore[no-any-return]

    def process(self, process_id: str) -> Process:
        return lookup(self._index, "process", process_id)  # type: ignore[no-any-return]
