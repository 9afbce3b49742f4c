"""Render durations in Chinese the way the manual writes them.

One place decides how ``Duration(7, working_days)`` reads (``7个工作日``), so
the roles, the SLA table, the forms, the PDF and the DOCX never disagree.
Parsing durations *out of* prose (for the checker) lives in
``manualkit.checks.duration_text``.
"""

from __future__ import annotations

from manualkit.models import Duration, DurationUnit, Sla, SlaKind

UNIT_WORDS: dict[DurationUnit, str] = {
    "working_days": "个工作日",
    "calendar_days": "天",
    "hours": "小时",
    "minutes": "分钟",
    "months": "个月",
    "years": "年",
}

#: Intervals with a name of their own: 每年, 每季度, 每半年, 每月.
_NAMED_INTERVALS: dict[tuple[int, DurationUnit], str] = {
    (1, "years"): "每年",
    (6, "months"): "每半年",
    (3, "months"): "每季度",
    (1, "months"): "每月",
    (1, "working_days"): "每个工作日",
    (1, "calendar_days"): "每天",
}

_BOUND_PREFIX = {"within": "", "at_least": "至少", "at_most": "不超过"}


def render_amount(duration: Duration) -> str:
    """``7个工作日``, ``24小时``, ``3年`` — the bare amount, no bound."""
    return f"{duration.value}{UNIT_WORDS[duration.unit]}"


def render_duration(duration: Duration, kind: SlaKind = "deadline") -> str:
    """The amount as prose cites it: ``7个工作日``, ``至少3年``, ``每7天``, ``提前30天``."""
    if kind in ("interval", "period"):
        named = _NAMED_INTERVALS.get((duration.value, duration.unit))
        return named if named else f"每{render_amount(duration)}"
    prefix = _BOUND_PREFIX[duration.bound]
    if kind == "advance":
        return f"{prefix}提前{render_amount(duration)}"
    return f"{prefix}{render_amount(duration)}"


def render_sla(sla: Sla) -> str:
    """How the ``{sla}`` role renders an SLA."""
    return render_duration(sla.duration, sla.kind)
