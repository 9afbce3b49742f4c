"""MK103–MK105: durations written out in prose against the SLA that governs the paragraph.

Governing SLAs, first match wins, always restricted to the mention's unit family and kind: the SLAs
cited by ``{sla}`` roles in the same sentence, else in the same paragraph, else the SLAs attached
(``Sla.section``) to the paragraph's section or, failing that, to the nearest enclosing section
that has some.  An SLA's ``section`` usually names a parent section (``complaint-process``) while
the rules are spelled out in its subsections (4.2.2 处理要求), so a subsection inherits its
ancestors' SLAs; a subsection with SLAs of its own overrides them for that unit family only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence

from manualkit.checks.context import CheckContext
from manualkit.checks.duration_text import DurationMention, compare_key, extract
from manualkit.checks.registry import rule
from manualkit.diagnostics import Diagnostic, Location
from manualkit.durations import render_sla
from manualkit.models import Sla


def _kind_matches(mention: DurationMention, sla: Sla) -> bool:
    """An interval (每季度) is only compared with interval/period SLAs, a deadline with the rest."""
    periodic = sla.kind in ("interval", "period")
    return (mention.kind == "interval") == periodic


def _keys(mention: DurationMention, sla: Sla) -> tuple[tuple[str, float], tuple[str, float]]:
    periodic = mention.kind == "interval"
    return (
        compare_key(mention.value, mention.unit, periodic),
        compare_key(sla.duration.value, sla.duration.unit, periodic),
    )


def _comparable(mention: DurationMention, sla: Sla) -> bool:
    ours, theirs = _keys(mention, sla)
    return ours[0] == theirs[0] and _kind_matches(mention, sla)


def _same(mention: DurationMention, sla: Sla) -> bool:
    ours, theirs = _keys(mention, sla)
    return ours == theirs


_SENTENCE_END = "。；！？;!?"


def _sentence(text: str, offset: int) -> tuple[int, int]:
    """Bounds of the sentence (up to 。；！？) around ``offset``."""
    lo = max((text.rfind(ch, 0, offset) for ch in _SENTENCE_END), default=-1) + 1
    ends = [i for i in (text.find(ch, offset) for ch in _SENTENCE_END) if i >= 0]
    return lo, (min(ends) + 1 if ends else len(text))


def _section_governing(
    mention: DurationMention, sections: Sequence[str], section_slas: Mapping[str, Sequence[Sla]]
) -> list[Sla]:
    """Comparable SLAs of the nearest section in ``sections`` (nearest first) that has any.

    Nearest per unit family: a subsection's own hour SLA does not hide its parent's working-day
    SLAs from a working-day mention, but its own working-day SLAs do.
    """
    for label in sections:
        found = [s for s in section_slas.get(label, ()) if _comparable(mention, s)]
        if found:
            return found
    return []


_NAME_TAIL = re.compile(r"(?:（[^）]*）|\([^)]*\))|(?:处理)?(?:时限|期限|周期|时间)$")
#: Shortest subject key: "一般投诉" tells 一般投诉处理时限 from 重大投诉处理时限; "一般" alone is a
#: common word ("一般情况下").
_MIN_KEY = 4


def _distinct_prefixes(stems: Mapping[str, str]) -> dict[str, str]:
    """SLA id → the shortest prefix (at least four characters) of its name's stem (一般投诉处理时限
    → 一般投诉) that begins no other stem; none when the stems cannot be told apart."""
    keys: dict[str, str] = {}
    for sla_id, stem in stems.items():
        others = [o for i, o in stems.items() if i != sla_id]
        for end in range(min(_MIN_KEY, len(stem)), len(stem) + 1):
            key = stem[:end]
            if len(key) >= 2 and not any(o.startswith(key) for o in others):
                keys[sla_id] = key
                break
    return keys


def _named(sentence: str, governing: list[Sla]) -> list[Sla]:
    """The one governing SLA whose subject the sentence names, else all of them.

    "一般投诉应当在15个工作日内处理完毕" names 一般投诉: it is measured against
    complaint.general.resolve (7), not accepted because complaint.major.resolve says 15.
    """
    variants = _variant_keys(tuple((s.id, s.name) for s in governing))
    named = [s for s in governing if s.id in variants and variants[s.id] in sentence]
    return named if len(named) == 1 else governing


@functools.lru_cache(maxsize=256)
def _variant_keys(names: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Subject keys of the SLAs ``(id, name)`` that are variants of one subject.

    Only variants (一般投诉 / 重大投诉 / 紧急投诉: the same noun, another qualifier) are told
    apart: a key like 投诉处理 is also every 投诉处理专员 and 投诉处理流程.  Cached: the same
    governing SLAs come back for every duration of a section.
    """
    stems = {sla_id: _NAME_TAIL.sub("", _NAME_TAIL.sub("", name)) for sla_id, name in names}
    keys = _distinct_prefixes(stems)
    return {
        sla_id: key
        for sla_id, key in keys.items()
        if any(other != key and other[-2:] == key[-2:] for other in keys.values())
    }


@rule(
    "MK105",
    "warning",
    "duration in prose with no SLA of that unit in the section",
    """
    What: a duration written out in prose (e.g. 30天) in a section that has no SLA of the same unit
    family, neither cited in the paragraph nor attached (Sla.section) to the section or to any
    section enclosing it.
    Why: hard deadlines belong in data/slas.yaml so forms, tables and checks agree; a loose number
    in prose is easily missed when the SLA changes, and one stated for the wrong subject (a
    complaint deadline in the fault-handling section) cannot be checked at all.  A warning, not
    hidden like an info: "一般投诉8个工作日内处理完毕" outside the complaint sections must be seen.
    Fix: if it is a service level, add it to data/slas.yaml and write {sla}`id`; otherwise ignore.
    """,
)
@rule(
    "MK104",
    "warning",
    "prose restates an SLA's duration instead of using the role",
    """
    What: a duration in prose equals the SLA that governs the paragraph.
    Why: restated numbers drift: the day the SLA changes in data/slas.yaml the prose silently
    contradicts it. The {sla} role renders the current value everywhere.
    Fix: replace the number with {sla}`the.sla.id`.
    """,
)
@rule(
    "MK103",
    "error",
    "deadline in prose contradicts the governing SLA",
    """
    What: durations written out in prose — Arabic or Chinese numerals, e.g. 10个工作日, 七个工作日,
    两小时, 每季度, 半年, 十五日 — outside roles are compared with the SLA that governs the paragraph:
    the SLAs cited by {sla} roles in the same sentence, else in the same paragraph, else the SLAs
    whose `section` is the paragraph's section or, failing that, the nearest enclosing section
    (parent, grandparent …) that has SLAs of that unit family: an SLA attached to 4.2 governs the
    prose of 4.2.2 too, and SLAs of that family attached to 4.2.2 itself take precedence over
    4.2's. Only the same unit family is compared (working days, calendar days, hours/minutes,
    months/years are never equated: 半年 = 6个月, 三年 = 36个月, 两小时 = 120分钟, but
    7个工作日 ≠ 7天 and a 24小时 deadline ≠ a 1天 deadline); intervals (每…) only with interval
    SLAs, where hours and calendar days are one family (每24小时 = 每天).
    When the sentence names the subject of exactly one of those SLAs — "一般投诉", "紧急投诉",
    "重大投诉", variants of one subject from the SLA names — it is measured against that SLA
    alone: "一般投诉应当在15个工作日内处理完毕" contradicts the general SLA even though the major
    one says 15 — also in a section that no SLA of that unit governs (the fault-handling section).
    A duration matching none of the governing SLAs of its unit family is an error.
    Why: the data (slas.yaml) is the single source of truth; prose that says 10 working days where
    the SLA says 7 tells staff the wrong deadline.
    Fix: replace the number with {sla}`id`; if the prose is right, change data/slas.yaml; if the
    number is about something else, rephrase or suppress with a reason
    (`% manualkit: ignore MK103 -- why`).
    """,
)
def prose_deadlines(ctx: CheckContext) -> Iterator[Diagnostic]:
    slas = {s.id: s for s in ctx.data.slas}
    for doc, block in ctx.blocks():
        mentions = extract(block.masked)
        if not mentions:
            continue
        cited = [(r.offset, slas[r.target]) for r in block.roles if r.name == "sla" and r.target in slas]
        sections = ctx.enclosing_sections(doc, block.section)
        for m in mentions:
            line, col = block.position(m.start)
            loc = Location(doc.path, line, col)
            lo, hi = _sentence(block.masked, m.start)
            governing = (
                [s for off, s in cited if lo <= off < hi and _comparable(m, s)]
                or [s for _, s in cited if _comparable(m, s)]
                or _named(block.masked[lo:hi], _section_governing(m, sections, ctx.section_slas))
            )
            if not governing:
                # No SLA governs here, but the sentence may name one that governs elsewhere:
                # "一般投诉应当在8个工作日内处理完毕" in the fault-handling section.
                everywhere = [s for s in ctx.data.slas if _comparable(m, s)]
                named = _named(block.masked[lo:hi], everywhere)
                if len(named) == 1 and named != everywhere:
                    governing = named
            if not governing:
                yield Diagnostic(
                    "MK105",
                    "warning",
                    f"duration {m.text!r} is not backed by an SLA of that unit in section "
                    f"{block.section or '(unlabelled)'}"
                    + (" or the sections enclosing it" if len(sections) > 1 else ""),
                    loc,
                )
                continue
            same = [s for s in governing if _same(m, s)]
            if len(same) > 1:
                same = _named(block.masked[lo:hi], same)  # the one whose subject the sentence names
            if len(same) == 1:
                yield Diagnostic(
                    "MK104",
                    "warning",
                    f"prose restates SLA {same[0].id} ({render_sla(same[0])}): use {{sla}}`{same[0].id}`",
                    loc,
                )
            elif same:
                # Several SLAs have this value (15个工作日: major complaints, and the end-to-end
                # limit): naming one would guess; the writer knows which the sentence means.
                ids = " or ".join(s.id for s in same)
                roles = " or ".join(f"{{sla}}`{s.id}`" for s in same)
                yield Diagnostic(
                    "MK104",
                    "warning",
                    f"prose restates SLA {ids} ({render_sla(same[0])}): "
                    f"use {roles}, whichever the sentence means",
                    loc,
                )
            else:
                noun = "SLA" if len(governing) == 1 else "SLAs"
                data_says = (
                    render_sla(governing[0])
                    if len(governing) == 1
                    else " / ".join(map(render_sla, governing))
                )
                ids = ", ".join(s.id for s in governing)
                yield Diagnostic(
                    "MK103",
                    "error",
                    f"deadline contradicts {noun} {ids}: prose says {m.text}, data says {data_says}"
                    + _meant_hint(m, block.masked[lo:hi], governing, sections, ctx),
                    loc,
                )


def _meant_hint(
    mention: DurationMention, sentence: str, governing: list[Sla], sections: Sequence[str], ctx: CheckContext
) -> str:
    """The SLA whose value the prose states and whose subject the sentence names, when it
    contradicts the ones cited beside it: "增量备份每天进行一次" in a sentence citing
    backup.full.interval is backup.incremental.interval typed out, not a wrong number."""
    same = [s for s in _section_governing(mention, sections, ctx.section_slas) if _same(mention, s)]
    same = same or [s for s in ctx.data.slas if _comparable(mention, s) and _same(mention, s)]
    keys = _variant_keys(tuple((s.id, s.name) for s in [*governing, *same]))
    meant = [s for s in same if s.id in keys and keys[s.id] in sentence]
    if len(meant) != 1:
        return ""
    return f"; {mention.text} is the value of {meant[0].id}: if that is meant, write {{sla}}`{meant[0].id}`"
