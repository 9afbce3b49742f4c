"""The prose duration extractor: Chinese and Arabic numerals, units, dates that are not durations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manualkit.checks.duration_text import extract, magnitude, parse_chinese_number
from manualkit.durations import render_duration
from manualkit.models import Duration


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("二十四", 24),
        ("一百〇五", 105),
        ("二〇二六", 2026),
        ("三千零一", 3001),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize("text", ["", "十十", "三五", "百十百", "abc"])
def test_not_numerals(text: str) -> None:
    assert parse_chinese_number(text) is None


@pytest.mark.parametrize(
    ("text", "value", "unit", "kind"),
    [
        ("应在7个工作日内办结", 7, "working_days", "deadline"),
        ("七个工作日", 7, "working_days", "deadline"),
        ("24小时内响应", 24, "hours", "deadline"),
        ("两小时", 2, "hours", "deadline"),
        ("保存三年", 3, "years", "deadline"),
        ("每7天备份", 7, "calendar_days", "interval"),
        ("半年", 6, "months", "deadline"),
        ("每季度", 3, "months", "interval"),
        ("一年", 1, "years", "deadline"),
        ("30天", 30, "calendar_days", "deadline"),
        ("十五日内", 15, "calendar_days", "deadline"),
        ("二十四小时", 24, "hours", "deadline"),
        ("两周", 14, "calendar_days", "deadline"),
        ("半小时", 30, "minutes", "deadline"),
        ("提前30天通知", 30, "calendar_days", "advance"),
        # Emphasis and spacing do not hide a deadline from the checker (they did: no MK103).
        ("应在**8**个工作日内", 8, "working_days", "deadline"),
        ("*8个工作日*", 8, "working_days", "deadline"),
        ("8 个工作日内", 8, "working_days", "deadline"),
        ("8\u00a0个工作日内", 8, "working_days", "deadline"),
        ("**48**小时内", 48, "hours", "deadline"),
        ("8个营业日内", 8, "working_days", "deadline"),
        ("一个礼拜内", 7, "calendar_days", "deadline"),
        ("一个半月内", 45, "calendar_days", "deadline"),
        # Settlement days: T+N is N working days whatever unit follows (T+1日 is no calendar day).
        ("资金T+1到账", 1, "working_days", "deadline"),
        ("赎回款T+3日内到账", 3, "working_days", "deadline"),
        ("T＋2个工作日内", 2, "working_days", "deadline"),
        ("T + 3 日内", 3, "working_days", "deadline"),
        ("T+1个交易日", 1, "working_days", "deadline"),
        ("3个交易日内到账", 3, "working_days", "deadline"),
        # Hours written with a Latin h.
        ("48h内响应", 48, "hours", "deadline"),
        ("24H内回复", 24, "hours", "deadline"),
    ],
)
def test_known_forms(text: str, value: int, unit: str, kind: str) -> None:
    [m] = extract(text)
    assert (m.value, m.unit, m.kind) == (value, unit, kind)
    assert text[m.start : m.end].replace("*", "") == m.text


@pytest.mark.parametrize(
    "text",
    [
        "2026年10月15日",
        "10月十五日",
        "第3天",
        "7×24小时服务",
        "每周一",
        "3年期定期存款",
        "统一天窗",
        "三月",
        "星期天",
        "5*8小时",
        "礼拜天",
        # Ages, comparisons, availability and spans looked back on are not deadlines.
        "年满60周岁",
        "客户情绪一天比一天激烈",
        "自受理的次一个工作日起算",
        # Which one, not how long: the previous quarter, the next working day.
        "上一季度考核结束",
        "在下一个工作日回复客户",
        "系统24小时运行",
        "近10日的交易流水",
        "过去一周内的来电",
        "会议历时约2小时",
        "为期3个工作日的岗前培训",
        "T+0当日到账",
        "ST+1",
        "1http",
        "2hours",
        "x2h",
        "7×24h服务",
    ],
)
def test_not_durations(text: str) -> None:
    assert extract(text) == []


def test_bounds() -> None:
    assert extract("至少5年")[0].bound == "at_least"
    assert extract("不超过10个工作日")[0].bound == "at_most"


@settings(deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_and_spans_are_valid(text: str) -> None:
    previous_end = 0
    for m in extract(text):
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= previous_end  # non-overlapping, left to right
        assert text[m.start : m.end].replace("*", "") == m.text
        assert m.value > 0
        previous_end = m.end


_ALPHABET = "个工作日天小时年月季度周半每两十百〇一二三四五六七八九0123456789至少提前内，。第×"


@settings(deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_dense_duration_like_text_never_crashes(text: str) -> None:
    for m in extract(text):
        assert text[m.start : m.end].replace("*", "") == m.text


@settings(deadline=None)
@given(
    st.integers(min_value=1, max_value=999),
    st.sampled_from(["working_days", "calendar_days", "hours", "minutes", "months", "years"]),
    st.sampled_from(["deadline", "interval", "advance", "retention"]),
    st.sampled_from(["within", "at_least", "at_most"]),
    st.sampled_from(["应在", "须于", "", "，"]),
    st.sampled_from(["内办结。", "。", "", "完成"]),
)
def test_round_trips_rendered_durations(
    value: int, unit: str, kind: str, bound: str, before: str, after: str
) -> None:
    """Whatever manualkit renders (durations.render_duration) the extractor reads back."""
    duration = Duration(value=value, unit=unit, bound=bound)  # type: ignore[arg-type]
    rendered = render_duration(duration, kind)  # type: ignore[arg-type]
    [m] = extract(before + rendered + after)
    expected_kind = {"interval": "interval", "advance": "advance"}.get(kind, "deadline")
    assert m.kind == expected_kind
    assert m.magnitude == magnitude(value, unit)  # type: ignore[arg-type]
    if kind not in ("interval", "period") and bound != "within":
        assert m.bound == bound


_DIGITS = "〇一二三四五六七八九"


def _chinese(n: int) -> str:
    """A plain reference rendering of 1–9999 (十五, 二十四, 一百〇五, 三千零一 style)."""
    parts: list[str] = []
    zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit_value % 10
        if digit == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append("〇")
            zero = False
        if not (unit == "十" and digit == 1 and not parts):
            parts.append(_DIGITS[digit])
        parts.append(unit)
    return "".join(parts)


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert parse_chinese_number(_chinese(n)) == n
    [m] = extract(f"应在{_chinese(n)}个工作日内")
    assert (m.value, m.unit) == (n, "working_days")


@settings(deadline=None)
@given(st.text(alphabet="ab`{}()[]<>:。\n 工作日7个sla", max_size=80))
def test_masking_keeps_length_and_line_breaks(text: str) -> None:
    from manualkit.checks.source import mask

    masked, roles = mask(text)
    assert len(masked) == len(text)
    assert [i for i, ch in enumerate(masked) if ch == "\n"] == [i for i, ch in enumerate(text) if ch == "\n"]
    for offset, name, _ in roles:
        assert text.startswith("{" + name + "}", offset)


@pytest.mark.parametrize(
    ("a", "b", "periodic", "equal", "comparable"),
    [
        ("半年", "6个月", False, True, True),
        ("三年", "36个月", False, True, True),
        ("两小时", "120分钟", False, True, True),
        ("七个工作日", "7天", False, False, False),  # working days are never calendar days
        ("24小时", "1天", False, False, False),  # a deadline in clock hours is not one in dates
        ("每24小时", "每天", True, True, True),  # a frequency is: 24 hours = one day
        ("每168小时", "每7天", True, True, True),
        ("每12小时", "每天", True, False, True),
    ],
)
def test_units_are_compared_within_their_family(
    a: str, b: str, periodic: bool, equal: bool, comparable: bool
) -> None:
    from manualkit.checks.duration_text import compare_key

    (ma,), (mb,) = extract(a), extract(b)
    ka, kb = compare_key(ma.value, ma.unit, periodic), compare_key(mb.value, mb.unit, periodic)
    assert (ka[0] == kb[0]) is comparable
    assert (ka == kb) is equal
