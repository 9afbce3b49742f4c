"""Glossary order by pinyin, and the per-user cache that spares most builds loading pypinyin."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from manualkit.pinyin_order import CACHE_NAME, pinyin_keys


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "manualkit"


def test_terms_sort_by_pinyin_with_phrase_readings(cache_home: Path) -> None:
    terms = ["客户", "银行", "回访", "ATM", "行为"]
    keys = pinyin_keys(terms)
    # 银行 is yín háng (a phrase reading), 行为 xíng wéi: both placed by their real syllables.
    assert keys["银行"] == ("yin", "hang", "", "银行")
    assert sorted(terms, key=keys.__getitem__) == ["ATM", "回访", "客户", "行为", "银行"]


def test_a_term_comes_before_the_longer_ones_it_begins_and_punctuation_is_not_read(
    cache_home: Path,
) -> None:
    """As in a dictionary: 投诉 before 投诉处理流程; 《网络安全法》 under W, not among the symbols."""
    terms = [
        "投诉受理登记表（表单 F-04-01）",
        "投诉",
        "投诉处理流程",
        "《网络安全法》（引用文件）",
        "归档（异地）备份",
    ]
    keys = pinyin_keys(terms)
    assert sorted(terms, key=keys.__getitem__) == [
        "归档（异地）备份",
        "投诉",
        "投诉处理流程",
        "投诉受理登记表（表单 F-04-01）",
        "《网络安全法》（引用文件）",
    ]
    assert keys["《网络安全法》（引用文件）"][0] == "wang"


def test_known_terms_do_not_load_pypinyin_again(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = pinyin_keys(["投诉", "工作日"])
    assert json.loads((cache_home / CACHE_NAME).read_text(encoding="utf-8"))["terms"]["投诉"] == ["tou", "su"]
    monkeypatch.setitem(sys.modules, "pypinyin", None)  # importing it would now fail
    assert pinyin_keys(["工作日", "投诉"]) == first
    with pytest.raises(ImportError):
        pinyin_keys(["回访"])  # a new term needs pypinyin


def test_a_cache_of_another_pypinyin_or_a_broken_one_is_ignored(cache_home: Path) -> None:
    cache_home.mkdir(parents=True)
    path = cache_home / CACHE_NAME
    path.write_text(json.dumps({"pypinyin": "0.0.1", "terms": {"投诉": ["wrong"]}}), encoding="utf-8")
    assert pinyin_keys(["投诉"])["投诉"] == ("tou", "su", "", "投诉")
    path.write_text("{not json", encoding="utf-8")
    assert pinyin_keys(["投诉"])["投诉"] == ("tou", "su", "", "投诉")
