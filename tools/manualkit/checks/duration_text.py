"""Find durations written out in Chinese prose: 7个工作日, 七个工作日, 两小时, 每季度, 半年, 十五日.

The checker compares what the prose says with the SLA data, so it must read
numbers the way a Chinese reader does (两 = 2, 十五 = 15, 二十四 = 24, 〇 = 0)
and must not mistake dates (10月15日, 2026年) or ordinals (第3天) for durations.
:func:`extract` returns every mention with its span in the input; the spans
index the string given, so callers map them back to source line/column.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Literal

from manualkit.models import DurationUnit

MentionKind = Literal["deadline", "interval", "advance"]
MentionBound = Literal["within", "at_least", "at_most"]
Family = Literal["working_days", "calendar_days", "clock", "months"]

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "万"

#: Unit words → (unit, multiplier).  Weeks are 7 calendar days; quarters are 3 months.
_UNIT_WORDS: dict[str, tuple[DurationUnit, int]] = {
    "个工作日": ("working_days", 1),
    "工作日": ("working_days", 1),
    "个自然日": ("calendar_days", 1),
    "自然日": ("calendar_days", 1),
    "个日历日": ("calendar_days", 1),
    "日历日": ("calendar_days", 1),
    "天": ("calendar_days", 1),
    "日": ("calendar_days", 1),
    "个营业日": ("working_days", 1),
    "营业日": ("working_days", 1),
    "个交易日": ("working_days", 1),
    "交易日": ("working_days", 1),
    "个礼拜": ("calendar_days", 7),
    "礼拜": ("calendar_days", 7),
    "个星期": ("calendar_days", 7),
    "星期": ("calendar_days", 7),
    "周": ("calendar_days", 7),
    "个小时": ("hours", 1),
    "小时": ("hours", 1),
    "h": ("hours", 1),  # 48h, 24H: only right after a number (see _LATIN_UNITS)
    "H": ("hours", 1),
    "个钟头": ("hours", 1),
    "分钟": ("minutes", 1),
    "个月": ("months", 1),
    "个季度": ("months", 3),
    "季度": ("months", 3),
    "年": ("years", 1),
    "月": ("months", 1),  # only in 每月 / 半个月 (3月 is March)
}
#: Unit words written with Latin letters: a unit only between a number and a non-letter
#: (48h内, not the h of 1http or 2hours).
_LATIN_UNITS = frozenset({"h", "H"})
_UNIT_ALT = "|".join(sorted(map(re.escape, _UNIT_WORDS), key=len, reverse=True))
_NUMBER = rf"(?:\d+(?:\.\d+)?|[{_CN_CHARS}]+)"

#: What may stand between a number and its unit without changing what a reader sees:
#: emphasis markers (在**8**个工作日内), spaces of any width, a line break of the source.
_GAP = r"[\s*_\u00a0\u2009\u202f\u3000]*"
_MENTION_RE = re.compile(
    rf"(?P<every>每(?:隔)?)?"
    rf"(?:(?P<num>{_NUMBER})(?P<half1>个半|半)?{_GAP}|(?P<half0>半个|半))?"
    rf"(?P<unit>{_UNIT_ALT})"
)
#: T+N (T+1, T+1日, T＋2个工作日): settlement language for N working days after the day of
#: the transaction, whatever the unit word after it says.
_T_PLUS_RE = re.compile(
    rf"(?<![A-Za-z0-9])[Tt]{_GAP}[+＋]{_GAP}(?P<num>\d+)(?:{_GAP}(?P<unit>个?(?:工作日|营业日|交易日)|日|天))?(?![\d.])"
)
#: A multiplication or ratio just before the number (7×24小时, 5*8小时, 1/2天): not a duration.
_OPERATOR_BEFORE = re.compile(rf"[\d{_CN_CHARS}]\s*[×xX*/]\s*$")
#: Words right before a duration that make it a span of time looked back on or spent, not a
#: deadline: 近10日的流水, 过去一周内, 历时约2小时, 为期3个工作日的培训, 次一个工作日.
_NOT_A_LIMIT_BEFORE = ("近", "过去", "历时", "历时约", "为期", "长达", "次", "比")
#: Words right after it that make it an age, a comparison or an availability: 60周岁,
#: 一天比一天, 24小时运行/值班/在线.
_NOT_A_LIMIT_AFTER = ("岁", "比", "运行", "值班", "在线", "营业", "不间断")
_BOUND_BEFORE = (
    ("不少于", "at_least"),
    ("不低于", "at_least"),
    ("至少", "at_least"),
    ("不超过", "at_most"),
    ("不得超过", "at_most"),
    ("最长", "at_most"),
    ("最多", "at_most"),
)


@dataclasses.dataclass(frozen=True)
class DurationMention:
    """A duration found in text: ``value`` ``unit`` at ``text[start:end]``."""

    value: float
    unit: DurationUnit
    start: int
    end: int
    text: str
    kind: MentionKind = "deadline"
    bound: MentionBound = "within"

    @property
    def family(self) -> Family:
        return unit_family(self.unit)

    @property
    def magnitude(self) -> float:
        """Size in the family's base unit (days, minutes or months) — comparable within a family."""
        return magnitude(self.value, self.unit)


def unit_family(unit: DurationUnit) -> Family:
    """Units that may be compared with each other; hours vs days vs working days never are."""
    if unit in ("hours", "minutes"):
        return "clock"
    if unit in ("months", "years"):
        return "months"
    return "working_days" if unit == "working_days" else "calendar_days"


def magnitude(value: float, unit: DurationUnit) -> float:
    factor = {"hours": 60, "minutes": 1, "years": 12, "months": 1, "working_days": 1, "calendar_days": 1}[
        unit
    ]
    return value * factor


_ELAPSED_MINUTES = {"minutes": 1, "hours": 60, "calendar_days": 1440}


def compare_key(value: float, unit: DurationUnit, periodic: bool) -> tuple[str, float]:
    """(family, size) under which two durations may be compared; different families never are.

    A *frequency* in hours equals one in calendar days (每24小时 = 每天, 每168小时 = 每7天), so
    intervals compare clock units and calendar days exactly, in minutes.  A *deadline* does not:
    24小时 counts clock hours from the moment of receipt, 1天 counts dates, so they stay apart.
    """
    if periodic and unit in _ELAPSED_MINUTES:
        return "elapsed", value * _ELAPSED_MINUTES[unit]
    return unit_family(unit), magnitude(value, unit)


def parse_chinese_number(text: str) -> int | None:
    """``十五`` → 15, ``二十四`` → 24, ``两`` → 2, ``一百〇五`` → 105, ``二〇二六`` → 2026; junk → None."""
    if not text or any(ch not in _CN_CHARS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text):
        if len(text) > 1 and not any(ch in "〇零" for ch in text):
            return None  # 三五 (three to five) is a vague range, not a number; 二〇二六 is
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    total = section = 0
    digit: int | None = None
    last_unit = 100_000
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and _CN_DIGITS[ch] != 0 and digit != 0:
                return None  # two digits in a row without a unit: 三五 is not a number here
            digit = _CN_DIGITS[ch]
        elif ch == "万":
            section += digit or 0
            if section == 0:
                return None
            total += section * 10_000
            section, digit, last_unit = 0, None, 100_000
        else:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None  # 十百 / 十十: not a well-formed numeral
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + section + (digit or 0)


def _number(text: str) -> float | None:
    if text[0].isdigit():
        try:
            return float(text)
        except ValueError:
            return None
    value = parse_chinese_number(text)
    return None if value is None else float(value)


def extract(text: str) -> list[DurationMention]:
    """Every duration mention in ``text`` (left to right, non-overlapping)."""
    return list(_iter_mentions(text))


def _iter_mentions(text: str) -> Iterator[DurationMention]:
    settlement = [mention for m in _T_PLUS_RE.finditer(text) if (mention := _t_plus(m)) is not None]
    spans = [(mention.start, mention.end) for mention in settlement]
    mentions = list(settlement)
    for m in _MENTION_RE.finditer(text):
        if any(start <= m.start() < end for start, end in spans):
            continue  # the 1日 of T+1日 is part of the settlement mention
        mention = _mention(text, m)
        if mention is not None:
            mentions.append(mention)
    yield from sorted(mentions, key=lambda mention: mention.start)


def _t_plus(m: re.Match[str]) -> DurationMention | None:
    """T+N as N working days; T+0 (the same day) is no span to compare."""
    value = int(m["num"])
    if value == 0:
        return None
    shown = re.sub(r"[*_]", "", m.group(0))
    return DurationMention(float(value), "working_days", m.start(), m.end(), shown)


def _mention(text: str, m: re.Match[str]) -> DurationMention | None:
    unit_word = m["unit"]
    unit, factor = _UNIT_WORDS[unit_word]
    start = m.start()
    before = text[max(0, start - 4) : start]
    after = text[m.end() : m.end() + 3]
    every = bool(m["every"])
    num_text = m["num"]
    half = m["half1"] or m["half0"]
    if num_text is None and not half:
        # A bare unit word: only ``每天`` / ``每季度`` / ``每个工作日`` style intervals count.
        if not every or unit_word in ("日", "星期", "个星期"):
            return None
        value: float = 1
    elif num_text is not None:
        parsed = _number(num_text)
        if parsed is None or parsed == 0:
            return None
        value = parsed + (0.5 if half else 0)
    else:
        value = 0.5
    if unit_word == "月" and num_text is not None and not half:
        return None  # 3月 is March; 一个半月 is six weeks
    if num_text == "一" and start > 0 and text[start - 1] in "统唯同逐之单专划万上下":
        return None  # 统一, 唯一, 同一: words, not the number one; 上一季度, 下一个工作日: which one
    # Dates, ordinals and product names are not durations.
    if before.endswith(("第", "月", "周", "星期")) or _OPERATOR_BEFORE.search(before):
        return None
    if num_text is not None and before.endswith(_NOT_A_LIMIT_BEFORE):
        return None
    if after.startswith(_NOT_A_LIMIT_AFTER):
        return None
    if unit == "years" and (value >= 1000 or after.startswith(("期", "级", "度"))):
        return None
    if unit_word == "日" and num_text is not None and num_text[0].isdigit() and re.search(r"\d月?$", before):
        return None
    if unit_word in ("周", "星期", "礼拜") and after[:1] and after[:1] in "一二三四五六日天末":
        return None  # 周一, 星期天: a weekday, not a week
    if num_text is not None and start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
        return None
    if unit_word in _LATIN_UNITS and (
        num_text is None
        or not num_text[0].isdigit()
        or (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha())
        or (after[:1].isascii() and after[:1].isalpha())
    ):
        return None  # 48h is hours; 1http, x2h, 2hours and 两h are not
    if num_text is not None and not num_text[0].isdigit() and start > 0 and text[start - 1] in _CN_CHARS:
        return None
    value *= factor
    # Normalise halves: 半年 → 6个月, 半小时 → 30分钟, 半天 → 12小时.
    if value != int(value):
        if unit == "years":
            unit, value = "months", value * 12
        elif unit == "hours":
            unit, value = "minutes", value * 60
        elif unit == "calendar_days":
            unit, value = "hours", value * 24
        elif unit == "months":
            unit, value = "calendar_days", value * 30
    kind: MentionKind = "deadline"
    bound: MentionBound = "within"
    if every:
        kind = "interval"
    elif before.endswith("提前"):
        kind = "advance"
    bound_end = start - 2 if kind == "advance" else start
    for word, b in _BOUND_BEFORE:
        if text[max(0, bound_end - len(word)) : bound_end] == word:
            bound = b  # type: ignore[assignment]
            break
    # The words as a reader sees them (no emphasis markers): "8个工作日", not "8**个工作日".
    shown = re.sub(r"[*_]", "", m.group(0))
    return DurationMention(value, unit, start, m.end(), shown, kind, bound)
