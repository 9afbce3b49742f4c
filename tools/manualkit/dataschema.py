"""What the data models expect, in words a writer understands.

pydantic reports ``literal_error`` at ``('slas', 3, 'duration', 'unit')`` with
"Input should be 'working_days', …".  The loader wants
``expected one of 'working_days', …, found 'workdays' (did you mean
'working_days'?)``.  This module holds that translation, plus the type
introspection it needs (which model sits at a path, which type a field
declares) and the check for values pydantic's lax mode silently coerces.
Pure functions: no I/O, no state.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pydantic

from manualkit.models import DATA_RULE
from manualkit.yamlsource import EXCERPT_CHARS, NodeInfo, YamlPath, excerpt

_PATTERN_WORDS: dict[str, str] = {
    r"^[a-z][a-z0-9_]*(?:[.\-][a-z0-9_]+)*$": "an id of lowercase words joined by dots or dashes "
    "(e.g. 'complaint.general.resolve')",
    r"^F-\d{2}-\d{2}$": "a form id like 'F-04-01'",
    r"^CL-\d{2}-\d{2}$": "a checklist id like 'CL-04-01'",
    r"^[a-z][a-z0-9\-]*$": "a section label of lowercase words joined by dashes (e.g. 'complaint-intake')",
    r"^\d+\.\d+(?:\.\d+)?$": "a version like '1.0' or '2.1.3' (quoted)",
    r"^\d{2}:\d{2}$": "a time like '09:00'",
    r"^[A-Z0-9][A-Z0-9\-]*$": "capital letters, digits and dashes (e.g. 'CS-OPS-001')",
}

_TYPE_WORDS: dict[str, str] = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date YYYY-MM-DD",
    "date_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_inexact": "a date YYYY-MM-DD",
    "tuple_type": "a list",
    "list_type": "a list",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "dict_type": "a mapping (key: value lines)",
    "finite_number": "a finite number",
}

_BOUND_WORDS: dict[str, str] = {
    "greater_than": "greater than",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "less_than_equal": "at most",
}


def model_in(annotation: Any) -> type[pydantic.BaseModel] | None:
    """The pydantic model inside ``annotation`` (through Optional, tuple[…, ...], Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if arg is Ellipsis or arg is type(None):
            continue
        found = model_in(arg)
        if found is not None:
            return found
    return None


def model_at(model: type[pydantic.BaseModel], path: YamlPath) -> type[pydantic.BaseModel] | None:
    """The model class of the mapping at ``path`` inside an entry of ``model`` (for key suggestions)."""
    current: type[pydantic.BaseModel] | None = model
    for part in path:
        if current is None:
            return None
        if isinstance(part, int):
            continue  # tuple items share the element model found through the field annotation
        field = current.model_fields.get(part)
        current = model_in(field.annotation) if field is not None else None
    return current


def suggest(value: str, options: Sequence[str]) -> str:
    if len(value) > EXCERPT_CHARS:  # nobody misspells an option that badly
        return ""
    guess = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f" (did you mean {guess[0]!r}?)" if guess else ""


def describe_found(value: Any, info: NodeInfo | None) -> str:
    """How a found value reads in a message: ``'workdays'``, ``1.0``, ``a mapping``, ``nothing``.

    Every ``found …`` of a DATA message is worded here, and never quotes more than
    :data:`~manualkit.yamlsource.EXCERPT_CHARS` characters of the value (see
    :func:`~manualkit.yamlsource.excerpt`): a data file may be anything (a symbolic link to
    /etc/passwd was once printed whole), and build logs are published.
    """
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return excerpt(value)
    if info is not None and info.text is not None:
        kind = "date" if isinstance(value, dt.date) else type(value).__name__
        if isinstance(value, bool):
            kind = "boolean"
        elif kind == "int":
            kind = "integer"
        elif kind == "float":
            kind = "number"
        return f"{kind} {_shortened(info.text)}"
    return _shortened(repr(value))


def _shortened(text: str) -> str:
    """A number or date as written (``1.0``), cut like :func:`excerpt` when it is long."""
    return text if len(text) <= EXCERPT_CHARS else f"{text[:EXCERPT_CHARS]}… ({len(text)} characters)"


def real_path(raw: Any, loc: tuple[Any, ...]) -> YamlPath:
    """The part of a pydantic ``loc`` that indexes into the raw value (drops union tags and the like)."""
    path: list[str | int] = []
    current = raw
    for part in loc:
        if isinstance(current, dict) and isinstance(part, str):
            path.append(part)
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
        else:
            break
    return tuple(path)


def leaves(raw: Any, path: YamlPath) -> Iterator[tuple[YamlPath, Any]]:
    """Scalar leaves of a raw value with their paths."""
    if isinstance(raw, dict):
        for key, item in raw.items():
            yield from leaves(item, (*path, key))
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            yield from leaves(item, (*path, index))
    else:
        yield path, raw


def annotation_at(model: type[pydantic.BaseModel], path: YamlPath) -> Any:
    """The declared type of the value at ``path`` inside an entry of ``model`` (``None`` if unknown)."""
    current: Any = model
    for part in path:
        current = strip_optional(current)
        if isinstance(part, int):
            if typing.get_origin(current) is tuple:
                current = typing.get_args(current)[0]
            else:
                return None
        elif isinstance(current, type) and issubclass(current, pydantic.BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        else:
            return None
    return strip_optional(current)


def strip_optional(annotation: Any) -> Any:
    """Remove ``Annotated[…]`` and ``| None`` around a type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def lax_mismatch(annotation: Any, value: Any) -> str | None:
    """What was expected, when ``value`` only passes validation through pydantic's lax coercion."""
    if value is None:
        return None
    if annotation is bool and not isinstance(value, bool):
        return "true or false"
    if annotation is int and (isinstance(value, bool) or not isinstance(value, int)):
        return "an integer"
    if annotation is float and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "a number"
    if annotation is dt.date and not isinstance(value, dt.date | str):
        return "a date YYYY-MM-DD"
    return None


def describe_value_error(error: Mapping[str, Any], info: NodeInfo | None) -> str:
    """``expected …, found …`` for a pydantic error about a value (not a missing or unknown key)."""
    kind = str(error["type"])
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == DATA_RULE:  # a model's own rule: its message is complete
        return str(error.get("msg", "invalid value"))
    found = describe_found(value, info)
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        message = f"expected one of {', '.join(repr(o) for o in options)}, found {found}"
        return message + (suggest(value, options) if isinstance(value, str) else "")
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"expected {_PATTERN_WORDS.get(pattern, f'text matching {pattern}')}, found {found}"
    if kind == "string_too_short":
        return f"expected non-empty text, found {found}"
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "at least" if kind == "too_short" else "at most"
        count = len(value) if isinstance(value, Sequence) and not isinstance(value, str) else "?"
        return f"expected {word} {limit} item(s), found {count}"
    if kind in _BOUND_WORDS:
        limit = next(iter(ctx.values()), "?")
        return f"expected a number {_BOUND_WORDS[kind]} {limit}, found {found}"
    if kind in _TYPE_WORDS:
        message = f"expected {_TYPE_WORDS[kind]}, found {found}"
        quotable = value is not None and not isinstance(value, dict | list)
        if kind == "string_type" and info is not None and info.plain and info.text and quotable:
            message += f" (quote it: '{info.text}')" if len(info.text) <= EXCERPT_CHARS else " (quote it)"
        return message
    return f"{error.get('msg', 'invalid value')}, found {found}"


def error_loc(error: Mapping[str, Any]) -> tuple[Any, ...]:
    """Where a pydantic error belongs: its ``loc``, or for a model rule raised while validating one
    field but about another (``ctx["at"]``, see ``models.DATA_RULE``) that sibling field's."""
    loc = tuple(error["loc"])
    at = (error.get("ctx") or {}).get("at") if error["type"] == DATA_RULE else None
    return (*loc[:-1], at) if at and loc else loc


def unknown_key_message(model: type[pydantic.BaseModel], path: YamlPath) -> str:
    """``unknown key 'duraton' (did you mean 'duration'?)`` for a key at ``path`` inside ``model``."""
    key = str(path[-1])
    owner = model_at(model, path[:-1])
    return f"unknown key {excerpt(key)}" + (
        suggest(key, list(owner.model_fields)) if owner is not None else ""
    )
