"""Small, pure helpers shared by the roles, the directives and the templates.

Anchors are part of the contract with the PDF and DOCX builders (a link to
``#sla-complaint-general-resolve`` must land in every output), so they are
computed in exactly one place.  Durations are never formatted here: that is
``manualkit.durations.render_sla``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable

from manualkit.models import Reference, ServiceWindow, Target

#: Prefix of each kind of anchor, e.g. ``sla-complaint-general-resolve``.
ANCHOR_PREFIX: dict[str, str] = {
    "sla": "sla",
    "form": "form",
    "reg": "ref",
    "checklist": "checklist",
    "process": "process",
    "share": "share",
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

_WINDOW_DAYS = {"working_days": "工作日", "all_days": "每天"}
_TARGET_UNITS = {"percent": "%", "count": "", "score": "分"}
_REFERENCE_STATUS = {
    "in_force": "现行有效",
    "superseded": "已被替代",
    "repealed": "已废止",
    "unverified": "待核实",
}
_KIND_WORDS = {
    "sla": "SLA",
    "form": "form",
    "reg": "reference",
    "target": "target",
    "window": "service window",
    "checklist": "checklist",
    "process": "process",
    "share": "share group",
    "role": "role",
    "step": "process step",
}


def anchor_for(kind: str, item_id: str) -> str:
    """``anchor_for("sla", "complaint.general.resolve")`` → ``sla-complaint-general-resolve``."""
    slug = _NON_ALNUM.sub("-", item_id.lower()).strip("-")
    return f"{ANCHOR_PREFIX.get(kind, kind)}-{slug}"


def kind_word(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def did_you_mean(wanted: str, known: Iterable[str]) -> str:
    """`` (did you mean: a, b?)`` for close ids, or an empty string."""
    close = difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.6)
    return f" (did you mean: {', '.join(close)}?)" if close else ""


def unknown_id_message(kind: str, wanted: str, known: Iterable[str]) -> str:
    return f"unknown {kind_word(kind)} id {wanted!r}{did_you_mean(wanted, known)}"


def render_clock(hhmm: str) -> str:
    """``09:00`` → ``9:00`` (the manual writes hours without a leading zero)."""
    hours, minutes = hhmm.split(":")
    return f"{int(hours)}:{minutes}"


def render_window(window: ServiceWindow) -> str:
    """``工作日9:00—18:00``."""
    return f"{_WINDOW_DAYS[window.days]}{render_clock(window.opens)}—{render_clock(window.closes)}"


def render_number(value: float) -> str:
    """``100.0`` → ``100``, ``12.5`` → ``12.5``."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def render_target(target: Target) -> str:
    """``100%``, ``90分``: the figure as prose cites it."""
    return f"{render_number(target.value)}{_TARGET_UNITS[target.unit]}"


def render_reference(reference: Reference) -> str:
    """``《title》（number）`` or ``《title》`` when the reference has no number."""
    title = reference.title if reference.title.startswith("《") else f"《{reference.title}》"
    return f"{title}（{reference.number}）" if reference.number else title


def render_reference_status(reference: Reference) -> str:
    return _REFERENCE_STATUS[reference.status]


def render_date(value: dt.date | None) -> str:
    """``2025年1月1日``; an empty string for a missing date."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"
