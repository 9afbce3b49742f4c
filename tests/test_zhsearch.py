"""The cached Chinese search dictionary segments exactly as Sphinx's stock jieba set-up does."""

from __future__ import annotations

import logging
import marshal
from pathlib import Path
from typing import Any

import pytest

from manualkit.loader import load_or_raise
from manualkit.sphinx import search, zhsearch

REPO = Path(__file__).resolve().parent.parent
#: A character no page of the manual uses, nor any of the most frequent ones.
RARE = "饕"
#: A page's text the cache is first written for.
PAGE = "客户对投诉处理结果有异议的，服务主管应在核对客户信息后重新答复。"


@pytest.fixture(scope="module")
def user_dict(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user dictionary an HTML build of the real manual writes (manual terms, glossary)."""
    path = tmp_path_factory.mktemp("dict") / search.DICT_NAME
    search.write_dictionary(path, load_or_raise(REPO / "data", root=REPO))
    return path


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    """The real manual's text, one paragraph per item (as the indexer splits page by page)."""
    texts = [path.read_text(encoding="utf-8") for path in sorted((REPO / "manual").glob("*.md"))]
    found = [p for text in texts for p in text.split("\n\n") if p.strip()]
    assert len(found) > 100
    return found


@pytest.fixture(scope="module")
def stock(user_dict: Path) -> Any:
    """What Sphinx's SearchChinese uses: jieba's full dictionary, the user dictionary on top."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(user_dict))
    return tokenizer


def language(user_dict: Path, cache_dir: Path) -> zhsearch.ManualChineseSearch:
    return zhsearch.ManualChineseSearch(
        {"dict": str(user_dict), zhsearch.CACHE_OPTION: str(cache_dir / zhsearch.CACHE_NAME)}
    )


def expected(stock: Any, text: str) -> list[str]:
    return [
        *stock.cut_for_search(text),
        *(t.strip() for t in zhsearch.SearchChinese.latin1_letters.findall(text)),
    ]


def test_cached_dictionary_gives_the_stock_index_terms_for_the_real_manual(
    tmp_path: Path, user_dict: Path, paragraphs: list[str], stock: Any
) -> None:
    first = language(user_dict, tmp_path)
    for paragraph in paragraphs:
        first.split(paragraph)
    assert first.full is not None  # no cache yet: the full dictionary was needed
    assert first.save_cache()

    second = language(user_dict, tmp_path)
    for paragraph in paragraphs:
        assert second.split(paragraph) == expected(stock, paragraph)
    assert second.full is None, "an unchanged manual must be indexed from the small cached dictionary"
    assert not second.save_cache()
    cached = zhsearch.read_cache(tmp_path / zhsearch.CACHE_NAME)
    assert cached is not None and len(cached[1]) < 0.6 * len(stock.FREQ)


def test_a_new_character_falls_back_to_the_full_dictionary_and_extends_the_cache(
    tmp_path: Path, user_dict: Path, stock: Any
) -> None:
    first = language(user_dict, tmp_path)
    first.split(PAGE)
    first.save_cache()
    assert RARE not in zhsearch.read_cache(tmp_path / zhsearch.CACHE_NAME)[0]  # type: ignore[index]

    edited = f"客户在{RARE}餮节期间提出的投诉处理流程和客户信息变更"
    second = language(user_dict, tmp_path)
    assert second.split(PAGE) == expected(stock, PAGE)
    assert second.full is None
    assert second.split(edited) == expected(stock, edited)
    assert second.full is not None
    assert second.save_cache()

    third = language(user_dict, tmp_path)
    assert third.split(edited) == expected(stock, edited)
    assert third.full is None


def test_manual_terms_stay_whole(tmp_path: Path, user_dict: Path) -> None:
    terms = language(user_dict, tmp_path).split("受理后的投诉处理须核对客户信息")
    assert {"投诉处理", "客户信息"} <= set(terms)


def test_a_stale_or_broken_cache_is_ignored(tmp_path: Path, user_dict: Path, stock: Any) -> None:
    cache = tmp_path / zhsearch.CACHE_NAME
    cache.write_bytes(b"not a marshal")
    assert zhsearch.read_cache(cache) is None
    zhsearch.write_cache(cache, {"投", "诉"}, {"投诉": 1}, 1)
    assert zhsearch.read_cache(cache) == (frozenset("投诉"), {"投诉": 1}, 1)
    other_jieba = (zhsearch.cache_key()[0], "0.0.0", *zhsearch.cache_key()[2:])
    cache.write_bytes(marshal.dumps((other_jieba, ("投诉", {"投诉": 1}, 1))))
    assert zhsearch.read_cache(cache) is None
    text = "投诉处理"
    lang = language(user_dict, tmp_path)
    assert lang.split(text) == expected(stock, text)
    assert lang.full is not None


def test_the_full_dictionary_is_parsed_once_per_user_not_once_per_project(
    tmp_path: Path, user_dict: Path, stock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jieba

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    text = "投诉处理须核对" + RARE
    first = language(user_dict, tmp_path / "project-one")
    assert first.split(text) == expected(stock, text)
    assert (tmp_path / "xdg" / "manualkit" / zhsearch.FULL_CACHE_NAME).is_file()

    def no_parsing(*_: Any) -> Any:
        raise AssertionError("dict.txt parsed again")

    # Another project, nothing in its doctree folder: the user's cache serves it.
    monkeypatch.setattr(jieba.Tokenizer, "gen_pfdict", no_parsing)
    second = language(user_dict, tmp_path / "project-two")
    assert second.split(text) == expected(stock, text)


def test_an_unwritable_user_cache_falls_back_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "cache-home"
    not_a_folder.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))
    project_cache = tmp_path / ".doctrees" / zhsearch.CACHE_NAME
    assert zhsearch.full_dictionary_cache(project_cache) == project_cache.with_name(zhsearch.FULL_CACHE_NAME)
