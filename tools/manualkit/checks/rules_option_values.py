"""The values a directive's options take, converted as the build converts them (for MK122).

MyST refuses an option value its directive's converter rejects ("Invalid option value for …"),
which stops the build; the checker must refuse the same values, and say what the option takes.
Held apart from the rule (:func:`manualkit.checks.rules_markup.unknown_directives`) because it is
a copy of the directives' ``option_spec`` — tables and a few of Sphinx's converters written out,
as Sphinx may not be imported on the checker's path — that a test compares, option by option and
value by value, with the project's live Sphinx setup. :func:`canonical_directive` (a directive's
English name for its Chinese one) is here because the tables are keyed by those names; MK143
looks directives up through it too.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

#: The directives whose option values the build converts in a way that can fail, by their
#: canonical (English) names: option → converter (see :func:`_converter`). Copied from the
#: directives' ``option_spec`` (Sphinx may not be imported here); a test compares this table with
#: the project's Sphinx setup, option by option and value by value. The options that take any
#: text (docutils' ``unchanged``, ``flag``: MyST accepts any value for a flag) are not listed,
#: nor the file options of the directives MK143 refuses outright (include, literalinclude, raw).
_ADMONITION_OPTIONS = {"class": "class_option", "collapsible": "collapsible"}
_CODE_BLOCK_OPTIONS = {
    "caption": "unchanged_required",
    "class": "class_option",
    "dedent": "optional_int",
    "emphasize-lines": "unchanged_required",
    "lineno-start": "int",
}
_TABLE_OPTIONS = {
    "align": "table_align",
    "class": "class_option",
    "width": "length_or_percentage_or_unitless",
    "widths": "widths",
}
_IMAGE_OPTIONS = {
    "align": "image_align",
    "class": "class_option",
    "height": "length_or_unitless",
    "loading": "loading",
    "scale": "percentage",
    "target": "unchanged_required",
    "width": "length_or_percentage_or_unitless",
}
_GRAPHVIZ_OPTIONS = {"align": "graphviz_align", "class": "class_option"}
_CLASS_ONLY = {"class": "class_option"}
OPTION_VALUES: Mapping[str, Mapping[str, str]] = {
    **{
        name: _ADMONITION_OPTIONS
        for name in (
            "admonition",
            "attention",
            "caution",
            "danger",
            "error",
            "hint",
            "important",
            "note",
            "seealso",
            "tip",
            "warning",
        )
    },
    **{
        name: _CLASS_ONLY
        for name in ("compound", "line-block", "math", "parsed-literal", "target-notes", "topic")
    },
    "code": {"class": "class_option", "number-lines": "optional_int"},
    "code-block": _CODE_BLOCK_OPTIONS,
    "sourcecode": _CODE_BLOCK_OPTIONS,
    "contents": {"backlinks": "backlinks", "class": "class_option", "depth": "nonnegative_int"},
    "table": _TABLE_OPTIONS,
    "list-table": {
        **_TABLE_OPTIONS,
        "widths": "widths_auto",
        "header-rows": "nonnegative_int",
        "stub-columns": "nonnegative_int",
    },
    "csv-table": {
        **_TABLE_OPTIONS,
        "widths": "widths_auto",
        "header-rows": "nonnegative_int",
        "stub-columns": "nonnegative_int",
        "delim": "single_char_or_whitespace_or_unicode",
        "quote": "single_char_or_unicode",
        "escape": "single_char_or_unicode",
        "encoding": "encoding",
    },
    "image": _IMAGE_OPTIONS,
    "figure": {
        **_IMAGE_OPTIONS,
        "align": "figure_align",
        "figclass": "class_option",
        "figwidth": "figwidth",
    },
    "graphviz": _GRAPHVIZ_OPTIONS,
    "graph": _GRAPHVIZ_OPTIONS,
    "digraph": _GRAPHVIZ_OPTIONS,
    "highlight": {"linenothreshold": "positive_int"},
    "hlist": {"columns": "int"},
    "rubric": {"class": "class_option", "heading-level": "heading_level"},
    "sectnum": {
        "depth": "int",
        "prefix": "unchanged_required",
        "start": "int",
        "suffix": "unchanged_required",
    },
    "sidebar": {"class": "class_option", "subtitle": "unchanged_required"},
    "toctree": {
        "caption": "unchanged_required",
        "class": "class_option",
        "maxdepth": "int",
        "numbered": "int_or_nothing",
    },
}

#: Converter → (where docutils defines it, what it takes). docutils' own functions are used
#: (imported when a chapter first needs one: docutils' directive modules cost a tenth of the
#: checker's run); Sphinx's few are written out below, as Sphinx itself is not imported here.
_DOCUTILS_CONVERTERS: dict[str, tuple[str, str]] = {
    "positive_int": ("docutils.parsers.rst.directives:positive_int", "a whole number greater than 0"),
    "nonnegative_int": ("docutils.parsers.rst.directives:nonnegative_int", "a whole number, 0 or more"),
    "percentage": (
        "docutils.parsers.rst.directives:percentage",
        "a whole number, 0 or more, with or without %",
    ),
    "length_or_unitless": (
        "docutils.parsers.rst.directives:length_or_unitless",
        "a length: a number with or without a unit (px, em, ex, mm, cm, in, pt, pc), e.g. 120px",
    ),
    "length_or_percentage_or_unitless": (
        "docutils.parsers.rst.directives:length_or_percentage_or_unitless",
        "a length or a percentage, e.g. 80%, 120px or 3em",
    ),
    "class_option": (
        "docutils.parsers.rst.directives:class_option",
        "one or more class names (Latin letters, digits and hyphens, e.g. wide)",
    ),
    "unchanged_required": (
        "docutils.parsers.rst.directives:unchanged_required",
        "a value (it cannot be empty)",
    ),
    "single_char_or_unicode": (
        "docutils.parsers.rst.directives:single_char_or_unicode",
        "one character (or its Unicode code, e.g. U+003B)",
    ),
    "single_char_or_whitespace_or_unicode": (
        "docutils.parsers.rst.directives:single_char_or_whitespace_or_unicode",
        "one character, tab or space (or its Unicode code, e.g. U+003B)",
    ),
    "encoding": ("docutils.parsers.rst.directives:encoding", "a text encoding, e.g. utf-8"),
    "table_align": ("docutils.parsers.rst.directives.tables:align", "one of left, center, right"),
    "image_align": (
        "docutils.parsers.rst.directives.images:Image.align",
        "one of top, middle, bottom, left, center, right",
    ),
    "figure_align": ("docutils.parsers.rst.directives.images:Figure.align", "one of left, center, right"),
    "figwidth": (
        "docutils.parsers.rst.directives.images:Figure.figwidth_value",
        "image, or a length or a percentage, e.g. 80% or 300px",
    ),
    "loading": ("docutils.parsers.rst.directives.images:Image.loading", "one of embed, link, lazy"),
    "backlinks": ("docutils.parsers.rst.directives.parts:Contents.backlinks", "one of top, entry, none"),
}

OptionConverter = Callable[[str | None], object]


def _int(argument: str | None) -> int:
    """``int``, as Sphinx's ``:maxdepth:``, ``:lineno-start:`` … convert (``None``: TypeError)."""
    return int(argument)  # type: ignore[arg-type]  # None fails, as it does in the build


def _optional_int(argument: str | None) -> int | None:
    """``sphinx.directives.optional_int``."""
    if argument is None:
        return None
    value = int(argument)
    if value < 0:
        raise ValueError("negative value; must be positive or zero")
    return value


def _int_or_nothing(argument: str | None) -> int:
    """``sphinx.directives.other.int_or_nothing`` (a toctree's ``:numbered:``)."""
    return 999 if not argument else int(argument)


def _collapsible(argument: str | None) -> str:
    """``sphinx.directives.admonitions._collapsible_arg``."""
    if argument is None:
        return "open"
    if (value := argument.lower().strip()) in {"open", "closed"}:
        return value
    raise ValueError(f'"{argument}" unknown; choose from "open" or "closed".')


def _docutils_choice(values: tuple[str, ...]) -> OptionConverter:
    """docutils' ``choice`` over ``values``, as Sphinx's graphviz ``:align:`` and rubric
    ``:heading-level:`` use it."""

    def convert(argument: str | None) -> object:
        choice = _docutils_object("docutils.parsers.rst.directives:choice")
        return choice(argument, values)

    return convert


def _docutils_object(where: str) -> Any:
    """``module:attribute.path`` imported (docutils, never Sphinx)."""
    module_name, _, attributes = where.partition(":")
    found: Any = importlib.import_module(module_name)
    for attribute in attributes.split("."):
        found = getattr(found, attribute)
    return found


def _widths(words: tuple[str, ...]) -> OptionConverter:
    """docutils' tables' ``:widths:``: ``value_or(words, positive_int_list)`` ({table} takes auto
    and grid, {list-table} and {csv-table} auto only)."""

    def convert(argument: str | None) -> object:
        value_or = _docutils_object("docutils.parsers.rst.directives:value_or")
        positive_int_list = _docutils_object("docutils.parsers.rst.directives:positive_int_list")
        return value_or(words, positive_int_list)(argument)

    return convert


#: The converters written out here: converter → (function, what it takes).
_OWN_CONVERTERS: dict[str, tuple[OptionConverter, str]] = {
    "int": (_int, "a whole number, e.g. 2"),
    "optional_int": (_optional_int, "nothing, or a whole number, 0 or more"),
    "int_or_nothing": (_int_or_nothing, "nothing, or a whole number"),
    "collapsible": (_collapsible, "nothing, open or closed"),
    "graphviz_align": (_docutils_choice(("left", "center", "right")), "one of left, center, right"),
    "heading_level": (_docutils_choice(("1", "2", "3", "4", "5", "6")), "one of 1, 2, 3, 4, 5, 6"),
    "widths": (
        _widths(("auto", "grid")),
        "auto, grid, or one whole number greater than 0 per column, e.g. 30 70",
    ),
    "widths_auto": (_widths(("auto",)), "auto, or one whole number greater than 0 per column, e.g. 30 70"),
}


def _converter(kind: str) -> tuple[OptionConverter, str]:
    """The function that converts a value of converter ``kind``, and what it takes."""
    if kind in _OWN_CONVERTERS:
        return _OWN_CONVERTERS[kind]
    where, expected = _DOCUTILS_CONVERTERS[kind]
    return _docutils_object(where), expected


def canonical_directive(name: str) -> str:
    """A directive's English name: docutils reads the manual's language's names too (``{表格}`` is
    ``{table}``, ``{包含}`` is ``{include}``; conf.py sets zh_CN), so rules that judge a directive by
    what it is look it up through them. The language module is imported for such a name only."""
    if name.isascii():
        return name
    language = importlib.import_module("docutils.parsers.rst.languages.zh_cn")
    return str(language.directives.get(name, name))


def option_converter(directive: str, option: str) -> tuple[OptionConverter, str] | None:
    """How the build converts the value of ``option`` of ``directive``, and what it takes
    (``None``: any text, or a directive or option the checker does not judge)."""
    kind = OPTION_VALUES.get(canonical_directive(directive.lower()), {}).get(option)
    return None if kind is None else _converter(kind)


def option_value_problem(directive: str, option: str, value: str) -> str | None:
    """Why MyST refuses ``value`` for ``option`` of ``directive`` ("Invalid option value for …"),
    as expected-versus-found; ``None`` when the value converts."""
    found = option_converter(directive, option)
    if found is None:
        return None
    convert, expected = found
    try:
        convert(value or None)  # MyST passes an empty value as None, as docutils does
    except Exception:  # ValueError, TypeError; docutils' single_char_or_unicode(None) AttributeError,
        # which MyST does not catch: the build fails all the same, with a traceback
        shown = repr(value) if value else "nothing"
        return (
            f'{{{directive}}} option :{option}: expected {expected}; found {shown} (MyST warns "Invalid '
            f"option value for '{option}'\" and the build stops)"
        )
    return None
