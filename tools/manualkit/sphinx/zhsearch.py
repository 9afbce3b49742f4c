"""Chinese search indexing that does not load jieba's whole dictionary on every build.

Sphinx's stock ``zh`` search language loads jieba's dictionary (~350,000 words, ~500,000
prefix entries) into the global tokenizer before it segments anything: about 0.7 s of every
HTML build, even an incremental one that re-indexes a single page.

Segmentation only ever looks up *substrings of the text being segmented* (jieba builds its
word graph from the dictionary entries found inside each run of text).  So a dictionary
restricted to the entries written only with characters that occur in the manual gives exactly
the same words for any text made of those characters.  That restricted dictionary (the
manual's characters plus the 1,000 most frequent ones: ~230,000 entries instead of ~500,000)
is cached in the doctree directory and read in one go, several times faster than jieba's own
cache.  When a page brings a character the cache does not cover, the full dictionary is
loaded (from a marshal, else parsed from jieba's dict.txt), the page is segmented with it,
and at the end of the build the cache is rewritten to cover the new characters too.  The full
dictionary's marshal depends on jieba alone, not on the manual, so it is kept per user
(``$XDG_CACHE_HOME/manualkit``, as jieba keeps its own cache in the temp directory): a fresh
build — a new clone, ``rm -rf build``, every test project — reads it instead of parsing
dict.txt again (~0.25 s instead of ~0.8 s).  The manual's user dictionary is applied on top
either way, exactly as Sphinx applies it to the full dictionary, and the index terms are the
same as with the stock language.

The class is registered by :mod:`manualkit.sphinx.zhsearch_ext` by name, so only a build that
writes a search index imports this module (and jieba).
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path
from typing import Any

import snowballstemmer

from manualkit.sphinx.search import import_jieba
from manualkit.sphinx.zhsearch_ext import CACHE_NAME as CACHE_NAME
from manualkit.sphinx.zhsearch_ext import CACHE_OPTION as CACHE_OPTION
from manualkit.usercache import writable_cache_dir

# sphinx.search.zh imports jieba; imported first here, jieba skips pkg_resources (~0.08 s).
import_jieba()
from sphinx.search.zh import SearchChinese  # noqa: E402

#: File name of the full dictionary cache, beside the restricted one.
FULL_CACHE_NAME = "manualkit-jieba-full.marshal"
#: Bump when the cache's layout or meaning changes.
_CACHE_FORMAT = 1
#: Besides the manual's own characters, the cache covers this many of the most frequent
#: single-character words, so that an edit rarely brings a character it does not cover.
COMMON_CHARACTERS = 1000

Frequencies = dict[str, int]


def _jieba_dictionary() -> Path:
    """jieba's main dictionary file, the one Sphinx's global tokenizer uses."""
    jieba = import_jieba()
    return Path(jieba.__file__).parent / str(jieba.DEFAULT_DICT_NAME)


def cache_key() -> tuple[Any, ...]:
    """Identifies the dictionary a cache was cut from: a new jieba or dict.txt invalidates it."""
    jieba = import_jieba()
    path = _jieba_dictionary()
    stat = path.stat()
    return (_CACHE_FORMAT, jieba.__version__, str(path), stat.st_size, stat.st_mtime_ns)


def load_full_dictionary(cache: Path | None) -> tuple[Frequencies, int]:
    """jieba's prefix dictionary and total frequency, exactly as ``jieba.initialize`` builds them.

    Parsing dict.txt takes ~0.8 s; a marshal of the result read in one go, ~0.25 s (jieba's own
    cache in the temp directory is read with ``marshal.load`` on the open file, ~0.7 s).  So
    the result is kept in ``cache`` (beside the restricted one) for the next miss.
    """
    jieba = import_jieba()
    cached = _read_marshal(cache) if cache is not None else None
    if isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], dict):
        freq, total = cached
        return freq, int(total)
    tokenizer = jieba.Tokenizer()
    with _jieba_dictionary().open("rb") as handle:
        freq, total = tokenizer.gen_pfdict(handle)
    if cache is not None:
        with contextlib.suppress(OSError):  # a cache: the build goes on without it
            _write_marshal(cache, (freq, total))
    return freq, total


def full_dictionary_cache(project_cache: Path | None) -> Path | None:
    """Where the full dictionary's marshal lives: the user's cache folder if it can be written,
    else beside the project's restricted cache (``None``: nowhere)."""
    folder = writable_cache_dir()
    if folder is not None:
        return folder / FULL_CACHE_NAME
    return project_cache.with_name(FULL_CACHE_NAME) if project_cache is not None else None


def _read_marshal(path: Path) -> Any:
    """The payload written by :func:`_write_marshal` for the current dictionary, else ``None``."""
    try:
        key, payload = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return payload if key == cache_key() else None


def _write_marshal(path: Path, payload: Any) -> None:
    """Write atomically: a concurrent or interrupted build never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(marshal.dumps((cache_key(), payload)))
    tmp.replace(path)


def restrict(freq: Frequencies, characters: set[str]) -> Frequencies:
    """The entries of ``freq`` written only with ``characters`` (prefix entries included)."""
    return {word: count for word, count in freq.items() if characters.issuperset(word)}


def common_characters(freq: Frequencies, count: int = COMMON_CHARACTERS) -> set[str]:
    """The ``count`` most frequent single-character words of the dictionary."""
    singles = sorted(((n, w) for w, n in freq.items() if len(w) == 1 and n > 0), reverse=True)
    return {word for _, word in singles[:count]}


def read_cache(path: Path) -> tuple[frozenset[str], Frequencies, int] | None:
    """The cached ``(covered characters, restricted dictionary, total)``, or ``None`` if unusable."""
    cached = _read_marshal(path)
    try:
        characters, freq, total = cached
    except (TypeError, ValueError):
        return None
    if not isinstance(characters, str) or not isinstance(freq, dict) or not isinstance(total, int):
        return None
    return frozenset(characters), freq, total


def write_cache(path: Path, characters: set[str], freq: Frequencies, total: int) -> None:
    _write_marshal(path, ("".join(sorted(characters)), freq, total))


def make_tokenizer(freq: Frequencies, total: int, user_dict: Path | None) -> Any:
    """A jieba tokenizer over ``freq`` (owned by it) with the user dictionary added on top."""
    jieba = import_jieba()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = freq
    tokenizer.total = total
    tokenizer.initialized = True
    if user_dict is not None:
        tokenizer.load_userdict(str(user_dict))
    return tokenizer


class ManualChineseSearch(SearchChinese):
    """Sphinx's Chinese search (same index terms, same JavaScript) with a cached dictionary."""

    lang = "zh"

    def init(self, options: dict[str, str]) -> None:
        # As SearchChinese.init, minus loading jieba: that happens when a page is first split.
        dict_path = options.get("dict")
        self.user_dict = Path(dict_path) if dict_path and Path(dict_path).is_file() else None
        cache = options.get(CACHE_OPTION)
        self.cache_path = Path(cache) if cache else None
        self.stemmer = snowballstemmer.stemmer("english")
        self.tokenizer: Any = None
        #: Characters the current tokenizer's dictionary is complete for; ``None``: all.
        self.covered: frozenset[str] | None = None
        #: The full dictionary once it had to be loaded (then the cache is rewritten).
        self.full: tuple[Frequencies, int] | None = None
        #: Characters of every text split in this build.
        self.seen: set[str] = set()

    def split(self, input: str) -> list[str]:
        chinese: list[str] = list(self.tokenizer_for(input).cut_for_search(input))
        latin1 = [term.strip() for term in self.latin1_letters.findall(input)]
        self.latin_terms.update(latin1)
        return chinese + latin1

    def tokenizer_for(self, text: str) -> Any:
        """A tokenizer whose dictionary is complete for ``text``'s characters."""
        characters = set(text)
        self.seen |= characters
        if self.tokenizer is None and self.cache_path is not None:
            cached = read_cache(self.cache_path)
            if cached is not None:
                self.covered, freq, total = cached
                self.tokenizer = make_tokenizer(freq, total, self.user_dict)
        if self.tokenizer is None or (self.covered is not None and not self.covered.issuperset(characters)):
            freq, total = load_full_dictionary(full_dictionary_cache(self.cache_path))
            self.full = (freq, total)
            self.tokenizer = make_tokenizer(dict(freq), total, self.user_dict)
            self.seen |= self.covered or set()
            self.covered = None
        return self.tokenizer

    def save_cache(self) -> bool:
        """After a build that needed the full dictionary, cache the part covering what was seen."""
        if self.full is None or self.cache_path is None:
            return False
        freq, total = self.full
        characters = self.seen | common_characters(freq)
        write_cache(self.cache_path, characters, restrict(freq, characters), total)
        return True
