"""YAML → ManualData, with every problem reported at its ``file:line:col``.

The loader is the gate between hand-edited data files and everything that
trusts them (roles, directives, builders, checker).  It must therefore be
*strict* — YAML 1.1 surprises, duplicate keys, unknown keys and dangling ids
are errors — and *helpful*: a writer fixing ``data/slas.yaml`` wants all the
problems of the run at once, each naming the line, what was expected, what
was found and, where we can guess, what was meant.

Steps: read each file safely with positions (``manualkit.yamlsource``),
validate each entry on its own against its pydantic model (so one bad entry
does not hide the problems of the others), catch what pydantic's lax mode
lets through (``3.0`` for an integer, ``"yes"`` for a boolean), check ids are
unique and cross-file ids resolve, and only then assemble ``ManualData``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic

from manualkit.diagnostics import Diagnostic, Location, Severity, SourceError, has_errors, sort_diagnostics
from manualkit.models import DATA_FILES, ManualData, ManualMeta
from manualkit.yamlsource import NodeInfo, YamlDocument, YamlPath, format_path, read_yaml

#: Loader diagnostic codes: ``code → (summary, explanation)`` (shown by ``--explain``-style help).
DATA_CODES: dict[str, tuple[str, str]] = {
    "DATA001": (
        "YAML syntax error",
        "The file is not valid YAML (bad indentation, an unclosed bracket or quote, a tab used for "
        "indentation …). The position is where the YAML parser gave up; the mistake is often just above.",
    ),
    "DATA002": (
        "wrong value",
        "A value has the wrong type or form for its field: text where a number is expected, an unknown "
        "unit, an id that does not follow the naming rules, a list that is too short.",
    ),
    "DATA003": (
        "unknown key",
        "A mapping has a key the model does not know — usually a typo. Unknown keys are errors so a "
        "misspelt optional field is not silently ignored.",
    ),
    "DATA004": ("missing required key", "A required field of an entry is absent."),
    "DATA005": (
        "duplicate key",
        "The same key appears twice in one mapping. YAML keeps only the last one without a word; "
        "manualkit refuses so that no value is lost by accident.",
    ),
    "DATA006": (
        "ambiguous YAML scalar",
        "A plain (unquoted) value YAML 1.1 would read in a surprising way: yes/no/on/off/y/n as booleans, "
        "010 as octal 8, 0x1F, 1_000, or an unsupported tag. Write true/false or a plain decimal number, "
        "or quote the value if it is text.",
    ),
    "DATA007": ("duplicate id", "Two entries of one collection share an id; ids must be unique."),
    "DATA008": (
        "unknown id",
        "An id that should name an entry of another collection (an owner role, an SLA, a form, a "
        "reference, a process step) names none.",
    ),
    "DATA009": ("missing or unreadable data file", "A required data file is missing or not UTF-8 text."),
    "DATA010": (
        "unknown data file",
        "A YAML file in the data directory that manualkit does not read — often a misspelt file name.",
    ),
}

_KNOWN_SUFFIXES = (".yaml", ".yml")


def load_data(data_dir: Path, *, root: Path | None = None) -> tuple[ManualData | None, list[Diagnostic]]:
    """Load and validate every data file; return the data (``None`` on errors) and all diagnostics.

    ``root`` is the project root diagnostics are made relative to (default: the data directory's
    parent, so paths read ``data/slas.yaml``).  Never raises for bad input.
    """
    run = _LoadRun(data_dir, root if root is not None else data_dir.parent)
    return run.load()


def load_or_raise(data_dir: Path, *, root: Path | None = None) -> ManualData:
    """Like :func:`load_data` but raise :class:`SourceError` carrying every diagnostic."""
    data, diags = load_data(data_dir, root=root)
    if data is None or has_errors(diags):
        raise SourceError(diags)
    return data


# --------------------------------------------------------------------------- models per collection


def _entry_models() -> dict[str, type[pydantic.BaseModel]]:
    """Collection name → model of one entry, read off ``ManualData``'s annotations."""
    hints = typing.get_type_hints(ManualData)
    result: dict[str, type[pydantic.BaseModel]] = {}
    for name in DATA_FILES:
        model = _model_in(hints[name])
        if model is not None:
            result[name] = model
    return result


def _model_in(annotation: Any) -> type[pydantic.BaseModel] | None:
    """The pydantic model inside ``annotation`` (through Optional, tuple[…, ...], Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if arg is Ellipsis or arg is type(None):
            continue
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(model: type[pydantic.BaseModel], path: YamlPath) -> type[pydantic.BaseModel] | None:
    """The model class of the mapping at ``path`` inside an entry of ``model`` (for key suggestions)."""
    current: type[pydantic.BaseModel] | None = model
    for part in path:
        if current is None:
            return None
        if isinstance(part, int):
            continue  # tuple items share the element model found through the field annotation
        field = current.model_fields.get(part)
        current = _model_in(field.annotation) if field is not None else None
    return current


def _literal_options(annotation: Any) -> tuple[str, ...]:
    """String options of a ``Literal`` inside ``annotation`` (for "did you mean" on enums)."""
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    options: tuple[str, ...] = ()
    for arg in typing.get_args(annotation):
        if arg is not Ellipsis:
            options += _literal_options(arg)
    return options


# --------------------------------------------------------------------------- cross-file ids

#: ``(collection, path inside an entry ("*" = every item), target collection)``.
_REFERENCES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("slas", ("owner",), "roles"),
    ("slas", ("source",), "references"),
    ("slas", ("limit", "reference"), "references"),
    ("targets", ("owner",), "roles"),
    ("forms", ("owner",), "roles"),
    ("forms", ("signatures", "*"), "roles"),
    ("forms", ("retention",), "slas"),
    ("forms", ("fields", "*", "sla"), "slas"),
    ("checklists", ("owner",), "roles"),
    ("checklists", ("slas", "*"), "slas"),
    ("checklists", ("forms", "*"), "forms"),
    ("checklists", ("items", "*", "sla"), "slas"),
    ("checklists", ("items", "*", "form"), "forms"),
    ("processes", ("owner",), "roles"),
    ("processes", ("sla",), "slas"),
    ("processes", ("steps", "*", "owner"), "roles"),
    ("processes", ("steps", "*", "sla"), "slas"),
    ("processes", ("steps", "*", "form"), "forms"),
    ("references", ("superseded_by",), "references"),
    ("revisions", ("drafted", "role"), "roles"),
    ("revisions", ("reviewed", "role"), "roles"),
    ("revisions", ("approved", "role"), "roles"),
)

#: Ids unique inside one entry: ``(collection, list field)`` → its items' ``id``.
_NESTED_IDS: tuple[tuple[str, str], ...] = (("processes", "steps"), ("forms", "fields"))

#: The key that identifies an entry of each collection (for duplicate detection).
_ID_KEYS: dict[str, str] = {"revisions": "version"}

_WHAT: dict[str, str] = {
    "roles": "role",
    "slas": "SLA",
    "forms": "form",
    "references": "reference",
    "steps": "step",
}

_MAX_LISTED = 8

# --------------------------------------------------------------------------- pydantic → words

_PATTERN_WORDS: dict[str, str] = {
    r"^[a-z][a-z0-9_]*(?:[.\-][a-z0-9_]+)*$": "an id of lowercase words joined by dots or dashes "
    "(e.g. 'complaint.general.resolve')",
    r"^F-\d{2}-\d{2}$": "a form id like 'F-04-01'",
    r"^CL-\d{2}-\d{2}$": "a checklist id like 'CL-04-01'",
    r"^[a-z][a-z0-9\-]*$": "a section label of lowercase words joined by dashes (e.g. 'complaint-intake')",
    r"^\d+\.\d+(?:\.\d+)?$": "a version like '1.0' or '2.1.3' (quoted)",
    r"^\d{2}:\d{2}$": "a time like '09:00' (quoted)",
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


@dataclasses.dataclass
class _FileData:
    """One data file: its display path, its positions and its collection's entries."""

    collection: str
    display: str
    doc: YamlDocument
    #: ``(path of the entry in the file, raw entry)``; for manual.yaml one entry at path ``()``.
    entries: list[tuple[YamlPath, Any]]
    #: Paths already reported (so validation does not repeat a problem found while reading).
    reported: set[YamlPath] = dataclasses.field(default_factory=set)


class _LoadRun:
    """One load: collects diagnostics while reading, validating and cross-checking."""

    def __init__(self, data_dir: Path, root: Path) -> None:
        self.data_dir = data_dir
        self.root = root
        self.diags: list[Diagnostic] = []
        self.models = _entry_models()
        #: Collections whose file could not be read at all: ids pointing there are not checked.
        self.broken: set[str] = set()
        #: Declared types by (model, path with list indexes as -1): thousands of leaves, few shapes.
        self.annotations: dict[tuple[type[pydantic.BaseModel], YamlPath], Any] = {}

    # -- helpers
    def display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError):
            return path.as_posix()

    def add(
        self, code: str, message: str, file: str, line: int = 0, column: int = 0, severity: Severity = "error"
    ) -> None:
        self.diags.append(Diagnostic(code, severity, message, Location(file, line, column)))

    def add_at(
        self,
        fd: _FileData,
        code: str,
        path: YamlPath,
        message: str,
        *,
        at_key: bool = False,
        mark: bool = True,
    ) -> None:
        _, info = fd.doc.nearest(path)
        line, column = _position(info, at_key)
        shown = format_path((fd.collection, *path) if fd.collection != "meta" else path)
        self.add(code, f"{shown}: {message}" if shown else message, fd.display, line, column)
        if mark:
            fd.reported.add(path)

    # -- the run
    def load(self) -> tuple[ManualData | None, list[Diagnostic]]:
        if not self.data_dir.is_dir():
            self.add("DATA009", "data directory not found", self.display(self.data_dir))
            return None, self.diags
        files = [fd for fd in (self.read(name, file) for name, file in DATA_FILES.items()) if fd is not None]
        self.unknown_files()
        validated: dict[str, list[pydantic.BaseModel]] = {}
        for fd in files:
            validated[fd.collection] = self.validate(fd)
        by_collection = {fd.collection: fd for fd in files}
        self.unique_ids(files)
        self.references(by_collection)
        if has_errors(self.diags):
            return None, sort_diagnostics(self.diags)
        meta = validated.get("meta")
        if not meta:
            return None, sort_diagnostics(self.diags)
        fields: dict[str, Any] = {name: tuple(models) for name, models in validated.items() if name != "meta"}
        try:
            data = ManualData(meta=typing.cast(ManualMeta, meta[0]), **fields)
        except pydantic.ValidationError as exc:  # whole-data rules (model validators on ManualData)
            for error in exc.errors(include_url=False):
                self.assembly_error(by_collection, error)
            return None, sort_diagnostics(self.diags)
        return data, sort_diagnostics(self.diags)

    def read(self, collection: str, file_name: str) -> _FileData | None:
        path = self.data_dir / file_name
        shown = self.display(path)
        if not path.is_file():
            if collection == "meta":
                self.add("DATA009", "missing: the manual's title, number, version and dates live here", shown)
            return None
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.broken.add(collection)
            self.add("DATA009", f"not UTF-8 text (byte {exc.start}): save the file as UTF-8", shown)
            return None
        except OSError as exc:
            self.broken.add(collection)
            self.add("DATA009", f"cannot read: {exc.strerror}", shown)
            return None
        doc = read_yaml(text)
        fd = _FileData(collection, shown, doc, [])
        for problem in doc.problems:
            prefix = ""
            if problem.path:
                prefix = format_path((collection, *problem.path) if collection != "meta" else problem.path)
            message = f"{prefix}: {problem.message}" if prefix else problem.message
            self.add(problem.code, message, shown, problem.line, problem.column)
            fd.reported.add(problem.path)
        value = doc.value
        if value is None and doc.problems:
            self.broken.add(collection)
        if collection == "meta":
            if value is None and not doc.problems:
                self.add(
                    "DATA002",
                    "expected a mapping of the manual's title, number, version …, found nothing",
                    shown,
                    1,
                    1,
                )
            elif value is not None and not isinstance(value, dict):
                self.add_at(
                    fd, "DATA002", (), f"expected a mapping (title: …), found {_found(value, doc.info(()))}"
                )
            elif isinstance(value, dict):
                fd.entries.append(((), value))
            return fd
        if value is None:
            return fd  # an empty file: an empty collection
        if not isinstance(value, list):
            self.broken.add(collection)
            self.add_at(
                fd,
                "DATA002",
                (),
                f"expected a list of {collection} (each entry starting with '- '), "
                f"found {_found(value, doc.info(()))}",
            )
            return fd
        fd.entries.extend(((index,), entry) for index, entry in enumerate(value))
        return fd

    def unknown_files(self) -> None:
        known = set(DATA_FILES.values())
        try:
            present = sorted(p for p in self.data_dir.iterdir() if p.suffix in _KNOWN_SUFFIXES)
        except OSError:
            return
        for path in present:
            if path.name in known:
                continue
            # Other YAML files may be read by other tools (holidays.yaml); only a near miss of a
            # data file name is worth a word — that is a typo that silently drops a collection.
            guess = difflib.get_close_matches(path.name, sorted(known), n=1, cutoff=0.8)
            if guess and not (self.data_dir / guess[0]).exists():
                message = f"not a manualkit data file, ignored (did you mean {guess[0]!r}?)"
                self.add("DATA010", message, self.display(path), severity="warning")

    # -- validation
    def validate(self, fd: _FileData) -> list[pydantic.BaseModel]:
        model = self.models[fd.collection]
        valid: list[pydantic.BaseModel] = []
        for entry_path, raw in fd.entries:
            before = len(self.diags)
            instance: pydantic.BaseModel | None = None
            try:
                instance = model.model_validate(raw)
            except pydantic.ValidationError as exc:
                for error in exc.errors(include_url=False):
                    self.pydantic_error(fd, model, entry_path, raw, error)
            self.lax_values(fd, model, entry_path, raw)
            if instance is not None and len(self.diags) == before:
                valid.append(instance)
        return valid

    def pydantic_error(
        self,
        fd: _FileData,
        model: type[pydantic.BaseModel],
        entry_path: YamlPath,
        raw: Any,
        error: Mapping[str, Any],
    ) -> None:
        loc = _real_path(raw, tuple(error["loc"]))
        path = (*entry_path, *loc)
        if self.already_reported(fd, path):
            return  # already reported while reading (ambiguous scalar, duplicate key …)
        kind = str(error["type"])
        value = error.get("input")
        info = fd.doc.info(path)
        if kind == "missing":
            parent = path[:-1] if loc and len(loc) == len(error["loc"]) else path
            self.add_at(fd, "DATA004", parent, f"missing required key {error['loc'][-1]!r}", mark=False)
            return
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            message = f"unknown key {loc[-1]!r}"
            if owner is not None:
                message += _suggest(str(loc[-1]), list(owner.model_fields))
            self.add_at(fd, "DATA003", path, message, at_key=True)
            return
        found = _found(value, info)
        ctx = error.get("ctx") or {}
        if kind == "literal_error":
            options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            message = f"expected one of {', '.join(repr(o) for o in options)}, found {found}"
            if isinstance(value, str):
                message += _suggest(value, options)
        elif kind == "string_pattern_mismatch":
            pattern = str(ctx.get("pattern", ""))
            message = f"expected {_PATTERN_WORDS.get(pattern, f'text matching {pattern}')}, found {found}"
        elif kind == "string_too_short":
            message = f"expected non-empty text, found {found}"
        elif kind in ("too_short", "too_long"):
            limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
            word = "at least" if kind == "too_short" else "at most"
            count = len(value) if isinstance(value, Sequence) and not isinstance(value, str) else "?"
            message = f"expected {word} {limit} item(s), found {count}"
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            words = {
                "greater_than": "greater than",
                "greater_than_equal": "at least",
                "less_than": "less than",
                "less_than_equal": "at most",
            }
            limit = next(iter(ctx.values()), "?")
            message = f"expected a number {words[kind]} {limit}, found {found}"
        elif kind in _TYPE_WORDS:
            message = f"expected {_TYPE_WORDS[kind]}, found {found}"
            quotable = value is not None and not isinstance(value, dict | list)
            if kind == "string_type" and info is not None and info.plain and info.text and quotable:
                message += f" (quote it: '{info.text}')"
        else:
            message = f"{error.get('msg', 'invalid value')}, found {found}"
        self.add_at(fd, "DATA002", path, message)

    def assembly_error(self, files: dict[str, _FileData], error: Mapping[str, Any]) -> None:
        """Route an error of ``ManualData`` itself to the file and entry it names (if any)."""
        loc = tuple(error["loc"])
        fd = files.get(str(loc[0])) if loc else None
        if fd is None:
            message = f"{error.get('msg', 'invalid data')}"
            self.add("DATA002", message, self.display(self.data_dir))
            return
        self.pydantic_error(fd, self.models[fd.collection], (), fd.doc.value, {**error, "loc": loc[1:]})

    def lax_values(
        self, fd: _FileData, model: type[pydantic.BaseModel], entry_path: YamlPath, raw: Any
    ) -> None:
        """Report values pydantic's lax mode accepts but a writer did not mean (``3.0``, ``"yes"``)."""
        for sub_path, value in _leaves(raw, ()):
            if value is None:
                continue
            expected = _lax_mismatch(self.annotation(model, sub_path), value)
            if expected is None:
                continue
            path = (*entry_path, *sub_path)
            if not self.already_reported(fd, path):
                found = _found(value, fd.doc.info(path))
                self.add_at(fd, "DATA002", path, f"expected {expected}, found {found}")

    def annotation(self, model: type[pydantic.BaseModel], path: YamlPath) -> Any:
        key = (model, tuple(-1 if isinstance(part, int) else part for part in path))
        if key not in self.annotations:
            self.annotations[key] = _annotation_at(model, path)
        return self.annotations[key]

    def already_reported(self, fd: _FileData, path: YamlPath) -> bool:
        return any(path[: len(done)] == done for done in fd.reported if len(done) <= len(path))

    # -- ids
    def unique_ids(self, files: list[_FileData]) -> None:
        for fd in files:
            if fd.collection == "meta":
                continue
            key = _ID_KEYS.get(fd.collection, "id")
            self._unique(fd, [(path, raw) for path, raw in fd.entries], key, fd.collection)
            for collection, field in _NESTED_IDS:
                if collection != fd.collection:
                    continue
                for entry_path, raw in fd.entries:
                    items = raw.get(field) if isinstance(raw, dict) else None
                    if isinstance(items, list):
                        nested = [((*entry_path, field, i), item) for i, item in enumerate(items)]
                        self._unique(fd, nested, "id", field)

    def _unique(self, fd: _FileData, entries: list[tuple[YamlPath, Any]], key: str, what: str) -> None:
        first: dict[str, int] = {}
        for path, raw in entries:
            if not isinstance(raw, dict) or not isinstance(raw.get(key), str):
                continue
            value = raw[key]
            info = fd.doc.info((*path, key))
            line = info.line if info else 0
            if value in first:
                self.add_at(
                    fd,
                    "DATA007",
                    (*path, key),
                    f"duplicate {key} {value!r} in {what} (first at line {first[value]})",
                )
            else:
                first[value] = line

    def references(self, files: dict[str, _FileData]) -> None:
        ids: dict[str, list[str]] = {}
        for name, fd in files.items():
            if name == "meta":
                continue
            seen: dict[str, None] = {}
            for _, raw in fd.entries:
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    seen[raw["id"]] = None
            ids[name] = list(seen)
        for collection, pattern, target in _REFERENCES:
            source = files.get(collection)
            if source is None or target in self.broken:
                continue
            known = ids.get(target, [])
            target_file = DATA_FILES[target]
            for entry_path, raw in source.entries:
                for sub_path, value in _walk(raw, pattern, ()):
                    self._check_ref(
                        source, (*entry_path, *sub_path), value, known, _WHAT[target], target_file
                    )
        processes = files.get("processes")
        if processes is not None:
            for entry_path, raw in processes.entries:
                steps = raw.get("steps") if isinstance(raw, dict) else None
                if not isinstance(steps, list):
                    continue
                step_ids = [s["id"] for s in steps if isinstance(s, dict) and isinstance(s.get("id"), str)]
                for sub_path, value in _walk(raw, ("steps", "*", "next", "*", "to"), ()):
                    self._check_ref(processes, (*entry_path, *sub_path), value, step_ids, "step", None)

    def _check_ref(
        self, fd: _FileData, path: YamlPath, value: Any, known: list[str], what: str, target_file: str | None
    ) -> None:
        if not isinstance(value, str) or value in known:
            return
        if self.already_reported(fd, path):
            return
        where = f"in data/{target_file}" if target_file else "in this process"
        if not known:
            message = f"unknown {what} {value!r}: no {what}s are defined {where}"
        else:
            listed = ", ".join(known[:_MAX_LISTED])
            if len(known) > _MAX_LISTED:
                listed += f" … ({len(known) - _MAX_LISTED} more)"
            message = f"unknown {what} {value!r}{_suggest(value, known)}; {what}s {where}: {listed}"
        self.add_at(fd, "DATA008", path, message)


# --------------------------------------------------------------------------- small helpers


def _position(info: NodeInfo | None, at_key: bool) -> tuple[int, int]:
    if info is None:
        return 1, 1
    if at_key and info.key_line:
        return info.key_line, info.key_column
    return info.line, info.column


def _suggest(value: str, options: Sequence[str]) -> str:
    guess = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f" (did you mean {guess[0]!r}?)" if guess else ""


def _found(value: Any, info: NodeInfo | None) -> str:
    """How a found value reads in a message: ``'workdays'``, ``1.0``, ``a mapping``, ``nothing``."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    if info is not None and info.text is not None:
        kind = "date" if isinstance(value, dt.date) else type(value).__name__
        if isinstance(value, bool):
            kind = "boolean"
        elif kind == "int":
            kind = "integer"
        elif kind == "float":
            kind = "number"
        return f"{kind} {info.text}"
    return repr(value)


def _real_path(raw: Any, loc: tuple[Any, ...]) -> YamlPath:
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


def _walk(raw: Any, pattern: tuple[str, ...], path: YamlPath) -> Iterator[tuple[YamlPath, Any]]:
    """Values of ``raw`` at ``pattern`` (``"*"`` = every list item), with their paths."""
    if not pattern:
        yield path, raw
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(raw, list):
            for index, item in enumerate(raw):
                yield from _walk(item, rest, (*path, index))
    elif isinstance(raw, dict) and head in raw:
        yield from _walk(raw[head], rest, (*path, head))


def _leaves(raw: Any, path: YamlPath) -> Iterator[tuple[YamlPath, Any]]:
    """Scalar leaves of a raw value with their paths."""
    if isinstance(raw, dict):
        for key, item in raw.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            yield from _leaves(item, (*path, index))
    else:
        yield path, raw


def _annotation_at(model: type[pydantic.BaseModel], path: YamlPath) -> Any:
    """The declared type of the value at ``path`` inside an entry of ``model`` (``None`` if unknown)."""
    current: Any = model
    for part in path:
        current = _strip(current)
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
    return _strip(current)


def _strip(annotation: Any) -> Any:
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


def _lax_mismatch(annotation: Any, value: Any) -> str | None:
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
