"""YAML → ManualData, with every problem reported at its ``file:line:col``.

The loader is the gate between hand-edited data files and everything that
trusts them (roles, directives, builders, checker).  It must therefore be
*strict* — YAML 1.1 surprises, duplicate keys, unknown keys and dangling ids
are errors — and *helpful*: a writer fixing ``data/slas.yaml`` wants all the
problems of the run at once, each naming the line, what was expected, what
was found and, where we can guess, what was meant.

Steps: read each file safely with positions (``manualkit.yamlsource``),
validate each entry on its own against its pydantic model (so one bad entry
does not hide the problems of the others) and word pydantic's errors for a
writer (``manualkit.dataschema``), catch what pydantic's lax mode lets
through (``3.0`` for an integer, ``"yes"`` for a boolean), check ids are
unique and cross-file ids resolve (``manualkit.datarefs``), and only then
assemble ``ManualData``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import gc
import os
import typing
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic

from manualkit.datarefs import (
    BRANCH_TARGETS,
    ID_KEYS,
    NESTED_IDS,
    REFERENCES,
    UNIQUE_TEXTS,
    WHAT,
    dangling_message,
    duplicate_texts,
    duplicates,
    known_ids,
    walk,
)
from manualkit.dataschema import (
    annotation_at,
    describe_found,
    describe_value_error,
    error_loc,
    lax_mismatch,
    leaves,
    model_in,
    real_path,
    unknown_key_message,
)
from manualkit.diagnostics import Diagnostic, Location, Severity, SourceError, has_errors, sort_diagnostics
from manualkit.models import DATA_FILES, DATA_RULE, HOLIDAYS_FILE, HolidaySchedule, ManualData, ManualMeta
from manualkit.text_encoding import BOM, not_utf8
from manualkit.yamlsource import (
    MAX_DEPTH,
    MAX_TEXT_CHARS,
    NodeInfo,
    YamlDocument,
    YamlPath,
    excerpt,
    format_path,
    label_text,
    read_yaml,
)

#: The largest data file read, in bytes, checked before parsing.  The real data files are a few
#: tens of KB (data/forms.yaml, the largest, 24 KB) and the 50× benchmark manual's largest is
#: 1.2 MB; a 31 MB file (one 10-million-character definition) made ``build all`` run for over ten
#: minutes in 4.5 GB.  4 MB leaves room for a manual many times the real one.
MAX_FILE_BYTES = 4 * 2**20

#: Loader diagnostic codes: ``code → (summary, explanation)`` (shown by ``--explain``-style help).
DATA_CODES: dict[str, tuple[str, str]] = {
    "DATA001": (
        "YAML syntax error",
        "The file is not valid YAML (bad indentation, an unclosed bracket or quote, a tab used for "
        "indentation, a full-width colon '：' …). A full-width space (U+3000, typed by a Chinese input "
        "method in full-width mode) or a no-break space (U+00A0) used for indentation is named at its "
        "line and column, each one. An unclosed quote is reported at the opening quote and a "
        "key without ': ' at its own line; otherwise the position is where the YAML parser gave up, and "
        "the mistake is often just above. Lists and mappings nested more than "
        f"{MAX_DEPTH} levels deep are refused at the first list or mapping too deep.",
    ),
    "DATA002": (
        "wrong value",
        "A value has the wrong type or form for its field: text where a number is expected, an unknown "
        "unit, an id that does not follow the naming rules, a list that is too short. Or it is impossible "
        "or contradicts its entry: a clock time such as 09:75 (a window opens 00:00–23:59 and closes after "
        "it opens, at 24:00 at the latest), a percentage outside 0–100, a regulation effective before it "
        "was issued or superseded/repealed without superseded_by, a choice field with fewer than 2 "
        "choices or choices on another type of field, a make-up working day (调休上班) that is not a "
        "Saturday or Sunday. Or it is text the outputs cannot hold: a control character (U+0001 …, "
        'typed as a YAML escape such as "\\x01"; TAB and line breaks are fine) or U+FFFE/U+FFFF, '
        f"named with its place in the text; or text longer than {MAX_TEXT_CHARS} characters.",
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
    "DATA009": (
        "missing or unreadable data file",
        "A required data file is missing, not UTF-8 text or a directory; or a data file other "
        "entries refer to is missing or empty (one error at that file, naming the references). A file "
        "that is not UTF-8 is reported at the line and column of its first bad byte, with the encoding "
        "it seems to be saved in (GBK/GB 18030, UTF-16) — save it again as UTF-8 — or the text pasted "
        "into it from a GBK file, to retype. A data file larger than "
        f"{MAX_FILE_BYTES // 2**20} MB, or a symbolic link leading outside the project "
        "(data/glossary.yaml → /etc/passwd), is refused without being read: the build log would print it.",
    ),
    "DATA010": (
        "unknown data file",
        "A YAML file in the data directory that manualkit does not read — often a misspelt file name.",
    ),
    "DATA011": (
        "duplicate name or title",
        "Two SLAs in data/slas.yaml share a name, two forms, checklists or processes a title, or two entries "
        "of data/glossary.yaml a term (white space aside). Readers find an SLA, form or term by its "
        "name: two SLAs named 一般投诉处理时限 with different durations contradict each other. The "
        "message is at the second entry and names the line of the first. Fix: merge the two entries, "
        "or give the second a name that says how it differs.",
    ),
}

_KNOWN_SUFFIXES = (".yaml", ".yml")

#: The longest message a load reports, in characters (a safety net: values are quoted as
#: excerpts, see ``yamlsource.excerpt``, so no message comes near it).
MAX_MESSAGE_CHARS = 1000

#: Weekday names for messages, independent of the locale (``date.weekday()`` order).
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclasses.dataclass(frozen=True)
class DataSource:
    """What one load found: the data (``None`` on errors), every diagnostic, and where values sit.

    ``locate("slas", 3, "duration", "unit")`` gives the ``file:line:col`` of a value, so other
    tools (the checker) can point at data without parsing the YAML a second time.
    """

    data: ManualData | None
    diagnostics: list[Diagnostic]
    documents: Mapping[str, YamlDocument]
    displays: Mapping[str, str]

    def locate(self, collection: str, *path: str | int) -> Location | None:
        """The location of the value at ``path`` in ``collection``'s file (nearest recorded node)."""
        doc = self.documents.get(collection)
        if doc is None:
            return None
        _, info = doc.nearest(tuple(path))
        line, column = _position(info, False)
        return Location(self.displays[collection], line, column)


#: Generation-0 threshold of the garbage collector while loading (and checking, see
#: ``manualkit.checks``).  Loading creates hundreds of thousands of small objects that all stay
#: alive (YAML nodes, position maps, models); with Python's default (700) the collector keeps
#: rescanning them, more often the more there are: the 50× synthetic manual loaded in 1.7 s CPU
#: instead of 0.95 s (7× the 10× manual's time instead of 5×).  The collector still runs, less often.
LOAD_GC_THRESHOLD = 200_000


@contextlib.contextmanager
def relaxed_gc(threshold: int = LOAD_GC_THRESHOLD) -> Iterator[None]:
    """Run the block with a higher generation-0 threshold; the previous one is restored after."""
    saved = gc.get_threshold()
    if saved[0] >= threshold:  # already relaxed by the caller (a Sphinx build)
        yield
        return
    gc.set_threshold(threshold, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def load_source(data_dir: Path, *, root: Path | None = None, keep: bool = False) -> DataSource:
    """Load like :func:`load_data`, keeping the position map of every data file.

    ``keep``: the result is also kept for the next :func:`load_source` of the same unchanged
    files (:func:`_files_stamp`), until :func:`forget_kept_source`.  ``manualkit build`` keeps
    the load it validates the data with, for the checker it forks next (which inherits it) to
    use instead of reading and validating every file again (0.11 s of CPU at 10×, on a machine
    whose two cores the build keeps busy); then it forgets it, so that the position maps do not
    stay in memory through the build.
    """
    global _kept_source
    root = root if root is not None else data_dir.parent
    stamp = _files_stamp(data_dir, root)
    if stamp is not None and _kept_source is not None and _kept_source[0] == stamp:
        return _kept_source[1]
    source = _read(data_dir, root, stamp)
    if keep and stamp is not None:
        _kept_source = (stamp, source)
    return source


def forget_kept_source() -> None:
    """Let go of the load :func:`load_source` kept (its position maps are most of its objects)."""
    global _kept_source
    _kept_source = None


#: The load kept by ``load_source(..., keep=True)``, with the stamp of the files it read.
_kept_source: tuple[tuple[object, ...], DataSource] | None = None


def _read(data_dir: Path, root: Path, stamp: tuple[object, ...] | None) -> DataSource:
    """Read and validate the files; remember the result under ``stamp`` for :func:`load_data`."""
    global _last_load
    run = _LoadRun(data_dir, root)
    with relaxed_gc():
        data, diagnostics = run.load()
    documents = {fd.collection: fd.doc for fd in run.files}
    displays = {fd.collection: fd.display for fd in run.files}
    _last_load = (stamp, data, tuple(diagnostics)) if stamp is not None else None
    return DataSource(data, diagnostics, documents, displays)


def load_data(data_dir: Path, *, root: Path | None = None) -> tuple[ManualData | None, list[Diagnostic]]:
    """Load and validate every data file; return the data (``None`` on errors) and all diagnostics.

    ``root`` is the project root diagnostics are made relative to (default: the data directory's
    parent, so paths read ``data/slas.yaml``).  Never raises for bad input.

    A second load of unchanged files in the same process returns the first one's result (see
    :func:`_files_stamp`): ``manualkit build`` validates the data, then the Sphinx extension and
    the PDF and DOCX builders load it again in the same process (0.2 s each for the 10× manual).
    Only the data and the diagnostics are kept: these callers never ask for the files' position
    maps, which are most of a load's objects.
    """
    root = root if root is not None else data_dir.parent
    stamp = _files_stamp(data_dir, root)
    if stamp is not None and _last_load is not None and _last_load[0] == stamp:
        return _last_load[1], list(_last_load[2])
    source = _read(data_dir, root, stamp)
    return source.data, source.diagnostics


#: The last load of this process: the stamp of the files it read, its data and diagnostics.
_last_load: tuple[tuple[object, ...], ManualData | None, tuple[Diagnostic, ...]] | None = None


def _files_stamp(data_dir: Path, root: Path) -> tuple[object, ...] | None:
    """What a load depends on: the folders, and every entry of the data folder with its size,
    modification time (ns) and inode.  Taken before reading, so an edit during the load makes
    the next stamp differ.  ``None`` when the folder cannot be listed (nothing is cached then).
    The models are frozen, so sharing one result between callers is safe.
    """
    try:
        entries = []
        with os.scandir(data_dir) as listing:
            for entry in listing:
                info = entry.stat()
                entries.append((entry.name, info.st_size, info.st_mtime_ns, info.st_ino))
        return (str(data_dir.resolve()), str(root.resolve()), tuple(sorted(entries)))
    except OSError:
        return None


def load_holidays(
    data_dir: Path, *, root: Path | None = None
) -> tuple[tuple[HolidaySchedule, ...], list[Diagnostic]]:
    """Read and validate ``data_dir/holidays.yaml`` alone (for the business calendar).

    The same checks as a full load: the schedules returned are the entries without any error;
    the diagnostics say what is wrong with the others.  A missing or empty file has none.
    """
    run = _LoadRun(data_dir, root if root is not None else data_dir.parent)
    with relaxed_gc():
        return run.load_holidays()


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
        model = model_in(hints[name])
        if model is not None:
            result[name] = model
    result[_HOLIDAYS] = HolidaySchedule
    return result


#: The collection name of data/holidays.yaml (validated and reported like a collection, but the
#: business calendar's, not :class:`ManualData`'s).
_HOLIDAYS = "holidays"


# --------------------------------------------------------------------------- the run


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
        self.files: list[_FileData] = []

    # -- helpers
    def display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):  # outside the root; a symbolic link loop
            return path.as_posix()

    def link_display(self, path: Path) -> str:
        """``data/glossary.yaml`` for a file that is a link: where it sits, not where it leads."""
        return f"{self.display(path.parent)}/{path.name}"

    def inside(self, path: Path, what: str, kind: str = "file") -> tuple[Path | None, str | None]:
        """``(real path, None)`` when ``path`` really lies inside the project root (the data
        directory) or, for a data file, inside the data directory; else ``(None, why it is not read)``.

        A symbolic link (or a linked folder on the way) could lead to /etc/passwd, a key file or the
        project's own ``.env``: its text would be printed in a published build log (as "found …")
        or put in the manual.
        """
        try:
            real = path.resolve()
            base = (self.root if kind == "folder" else self.data_dir).resolve()
        except (OSError, RuntimeError):
            return None, f"cannot read {what}: a symbolic link loop"
        if real.is_relative_to(base):
            return real, None
        fix = "copy it in instead of linking it"
        if kind == "folder":  # the CLI passes the data directory resolved: a link or conf.py led there
            how = f"it is {real}, outside the project (a symbolic link, or manualkit_data_dir in conf.py)"
            return None, f"refusing to read {what}: {how}; expected a folder inside the project ({fix})"
        how = f"a symbolic link leads it to {real}, outside the data directory"
        return None, f"refusing to read {what}: {how}; expected a file in the data directory ({fix})"

    def add(
        self, code: str, message: str, file: str, line: int = 0, column: int = 0, severity: Severity = "error"
    ) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            message = f"{message[:MAX_MESSAGE_CHARS]}… (message cut at {MAX_MESSAGE_CHARS} characters)"
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
        shown = entry_path_label(fd.collection, fd.doc.value, path)
        self.add(code, f"{shown}: {message}" if shown else message, fd.display, line, column)
        if mark:
            fd.reported.add(path)

    # -- the run
    def load(self) -> tuple[ManualData | None, list[Diagnostic]]:
        if not self.data_dir.is_dir():
            self.add("DATA009", "data directory not found", self.display(self.data_dir))
            return None, self.diags
        if self.refuse_data_dir():
            return None, self.diags
        sources = {**DATA_FILES, _HOLIDAYS: HOLIDAYS_FILE}
        files = [fd for fd in (self.read(name, file) for name, file in sources.items()) if fd is not None]
        self.files = files
        self.unknown_files()
        validated: dict[str, list[pydantic.BaseModel]] = {}
        for fd in files:
            validated[fd.collection] = self.validate(fd)
            if fd.collection == _HOLIDAYS:
                self.calendar_rules(fd)
        by_collection = {fd.collection: fd for fd in files}
        self.unique_ids(files)
        self.unique_texts(by_collection)
        self.references(by_collection)
        if has_errors(self.diags):
            return None, sort_diagnostics(self.diags)
        meta = validated.get("meta")
        if not meta:
            return None, sort_diagnostics(self.diags)
        fields: dict[str, Any] = {
            name: tuple(models) for name, models in validated.items() if name in DATA_FILES and name != "meta"
        }
        try:
            data = ManualData(meta=typing.cast(ManualMeta, meta[0]), **fields)
        except pydantic.ValidationError as exc:  # whole-data rules (model validators on ManualData)
            for error in exc.errors(include_url=False):
                self.assembly_error(by_collection, error)
            return None, sort_diagnostics(self.diags)
        return data, sort_diagnostics(self.diags)

    def load_holidays(self) -> tuple[tuple[HolidaySchedule, ...], list[Diagnostic]]:
        """:func:`load_holidays`: data/holidays.yaml only, with the checks of a full load."""
        if not self.data_dir.is_dir():
            return (), []
        if self.refuse_data_dir():
            return (), self.diags
        fd = self.read(_HOLIDAYS, HOLIDAYS_FILE)
        if fd is None:
            return (), sort_diagnostics(self.diags)
        self.files = [fd]
        self.validate(fd)
        return self.calendar_rules(fd), sort_diagnostics(self.diags)

    def refuse_data_dir(self) -> bool:
        """One error, not one per file, when the data directory itself lies outside the project."""
        _, refused = self.inside(self.data_dir, "the data directory", "folder")
        if refused is not None:
            self.add("DATA009", refused, self.display(self.data_dir))
        return refused is not None

    def read(self, collection: str, file_name: str) -> _FileData | None:
        path = self.data_dir / file_name
        real, refused = self.inside(path, "this file")
        if refused is not None and (path.is_symlink() or path.exists()):
            self.broken.add(collection)
            self.add("DATA009", refused, self.link_display(path), 1, 1)
            return None
        shown = self.display(path)
        if path.is_dir():
            self.broken.add(collection)
            self.add("DATA009", "expected a YAML file, found a directory", shown)
            return None
        if not path.is_file():
            if collection == "meta":
                self.add("DATA009", "missing: the manual's title, number, version and dates live here", shown)
            return None
        try:
            assert real is not None  # an existing file inside the project
            with real.open("rb") as stream:  # the file checked above: not the link, which could change
                size = os.fstat(stream.fileno()).st_size
                raw = stream.read(MAX_FILE_BYTES + 1) if size <= MAX_FILE_BYTES else b""
        except OSError as exc:
            self.broken.add(collection)
            self.add("DATA009", f"cannot read: {exc.strerror}", shown)
            return None
        if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
            self.broken.add(collection)
            self.add("DATA009", _too_large_message(max(size, len(raw))), shown, 1, 1)
            return None
        body = raw[len(BOM) :] if raw.startswith(BOM) else raw
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.broken.add(collection)
            undecodable = not_utf8(body, exc)
            self.add("DATA009", undecodable.message, shown, undecodable.line, undecodable.column)
            return None
        doc = read_yaml(text)
        fd = _FileData(collection, shown, doc, [])
        for problem in doc.problems:
            prefix = ""
            if problem.path:
                prefix = entry_path_label(collection, doc.value, problem.path)
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
                    fd,
                    "DATA002",
                    (),
                    f"expected a mapping (title: …), found {describe_found(value, doc.info(()))}",
                )
            elif isinstance(value, dict):
                fd.entries.append(((), value))
            return fd
        if value is None:
            return fd  # an empty file: an empty collection
        if not isinstance(value, list):
            self.broken.add(collection)
            what = "yearly schedules" if collection == _HOLIDAYS else collection
            self.add_at(
                fd,
                "DATA002",
                (),
                f"expected a list of {what} (each entry starting with '- '), "
                f"found {describe_found(value, doc.info(()))}",
            )
            return fd
        fd.entries.extend(((index,), entry) for index, entry in enumerate(value))
        return fd

    def unknown_files(self) -> None:
        known = {*DATA_FILES.values(), HOLIDAYS_FILE}
        try:
            present = sorted(p for p in self.data_dir.iterdir() if p.suffix in _KNOWN_SUFFIXES)
        except OSError:
            return
        for path in present:
            if path.name in known:
                continue
            # Other YAML files may be read by other tools; only a near miss of a data file
            # name is worth a word — that is a typo that silently drops a collection.
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
                errors = exc.errors(include_url=False)
                misspelt = misspelt_required_keys(errors)
                consequences = too_short_because_of_items(errors)
                for index, error in enumerate(errors):
                    if error["type"] == "missing" and _key_at(error) in misspelt:
                        continue  # the unknown-key error next to it names it ("did you mean …?")
                    if index in consequences:
                        continue
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
        where = error_loc(error)
        loc = real_path(raw, where)
        path = (*entry_path, *loc)
        if self.already_reported(fd, path):
            return  # already reported while reading (ambiguous scalar, duplicate key …)
        kind = str(error["type"])
        if kind == "missing":
            parent = path[:-1] if loc and len(loc) == len(error["loc"]) else path
            self.add_at(fd, "DATA004", parent, f"missing required key {error['loc'][-1]!r}", mark=False)
        elif kind == "extra_forbidden":
            self.add_at(fd, "DATA003", path, unknown_key_message(model, loc), at_key=True)
        elif kind == DATA_RULE:
            # A rule about an absent field (a choice field without choices) is shown at the entry
            # that lacks it; the entry's other values are still checked then.
            shown, _ = fd.doc.nearest(path)
            self.add_at(fd, "DATA002", shown, describe_value_error(error, None), mark=shown == path)
        else:
            self.add_at(fd, "DATA002", path, describe_value_error(error, fd.doc.info(path)))

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
        for sub_path, value in leaves(raw, ()):
            if value is None:
                continue
            expected = lax_mismatch(self.annotation(model, sub_path), value)
            if expected is None:
                continue
            path = (*entry_path, *sub_path)
            if not self.already_reported(fd, path):
                found = describe_found(value, fd.doc.info(path))
                self.add_at(fd, "DATA002", path, f"expected {expected}, found {found}")

    def annotation(self, model: type[pydantic.BaseModel], path: YamlPath) -> Any:
        key = (model, tuple(-1 if isinstance(part, int) else part for part in path))
        if key not in self.annotations:
            self.annotations[key] = annotation_at(model, path)
        return self.annotations[key]

    def already_reported(self, fd: _FileData, path: YamlPath) -> bool:
        return any(path[: len(done)] == done for done in fd.reported if len(done) <= len(path))

    # -- the business calendar's schedules
    def calendar_rules(self, fd: _FileData) -> tuple[HolidaySchedule, ...]:
        """Check data/holidays.yaml beyond its schema; return the schedules without any error.

        A year chinesecalendar already covers is refused (two sources for one year would
        silently disagree), each year is listed once, every date lies in its entry's year, no
        day is both a holiday and a make-up working day, and a make-up working day (调休上班) is a
        Saturday or Sunday.  The rules read the entry's raw values, so an impossible date
        (2027-02-30) or another error in the entry does not hide a date outside the year next
        to it: each value that could be read is checked.
        """
        from manualkit.business_calendar import builtin_years

        builtin = builtin_years()
        first_of_year: dict[int, YamlPath] = {}
        schedules: list[HolidaySchedule] = []
        for entry_path, raw in fd.entries:
            if not isinstance(raw, dict) or self.already_reported(fd, entry_path):
                continue
            before = len(self.diags)
            year_path = (*entry_path, "year")
            year = raw.get("year")
            if not isinstance(year, int) or isinstance(year, bool) or self.already_reported(fd, year_path):
                year = None  # missing or wrong: reported by validate(), the dates' year is unknown
            elif year in first_of_year:
                info = fd.doc.info(first_of_year[year])
                line = info.line if info else 0
                self.add_at(fd, "DATA007", year_path, f"duplicate year {year} (first at line {line})")
            else:
                first_of_year[year] = year_path
            if year is not None and year in builtin:
                self.add_at(
                    fd,
                    "DATA002",
                    year_path,
                    f"year {year} is already covered by chinesecalendar "
                    f"({min(builtin)}–{max(builtin)}); remove this entry",
                )
            holidays = {day for _, day in self._dates(fd, entry_path, raw, "holidays")}
            for key in ("holidays", "workdays"):
                for path, day in self._dates(fd, entry_path, raw, key):
                    if year is not None and day.year != year:
                        message = f"expected a date in {year}, found {day.isoformat()}"
                    elif key == "workdays" and day in holidays:
                        message = (
                            f"{day.isoformat()} is listed both as a holiday and as a make-up working day"
                        )
                    elif key == "workdays" and day.weekday() < 5:
                        message = (
                            "expected a Saturday or Sunday (a make-up working day, '调休上班', is a weekend "
                            f"day worked), found {day.isoformat()}, a {_WEEKDAYS[day.weekday()]}"
                        )
                    else:
                        continue
                    self.add_at(fd, "DATA002", path, message)
            if len(self.diags) > before or _has_reported_inside(fd, entry_path):
                continue
            with contextlib.suppress(pydantic.ValidationError):  # reported by validate()
                schedules.append(HolidaySchedule.model_validate(raw))
        return tuple(schedules)

    def _dates(
        self, fd: _FileData, entry_path: YamlPath, raw: dict[str, Any], key: str
    ) -> Iterator[tuple[YamlPath, dt.date]]:
        """The dates listed under ``key`` of a holidays entry that were read without an error."""
        items = raw.get(key)
        if not isinstance(items, list) or self.already_reported(fd, (*entry_path, key)):
            return
        for index, day in enumerate(items):
            path = (*entry_path, key, index)
            if isinstance(day, dt.date) and not self.already_reported(fd, path):
                yield path, day.date() if isinstance(day, dt.datetime) else day

    # -- ids
    def unique_ids(self, files: list[_FileData]) -> None:
        for fd in files:
            if fd.collection in ("meta", _HOLIDAYS):
                continue
            self._report_duplicates(fd, fd.entries, ID_KEYS.get(fd.collection, "id"), fd.collection)
            for collection, field in NESTED_IDS:
                if collection != fd.collection:
                    continue
                for entry_path, raw in fd.entries:
                    items = raw.get(field) if isinstance(raw, dict) else None
                    if isinstance(items, list):
                        nested = [((*entry_path, field, i), item) for i, item in enumerate(items)]
                        self._report_duplicates(fd, nested, "id", field)

    def unique_texts(self, files: dict[str, _FileData]) -> None:
        """DATA011: a name or title used twice in one file (``datarefs.UNIQUE_TEXTS``)."""
        for collection, key, what in UNIQUE_TEXTS:
            fd = files.get(collection)
            if fd is None:
                continue
            for path, text, first in duplicate_texts(fd.entries, key):
                info = fd.doc.info(first)
                line = info.line if info else 0
                first_id = _entry_id(fd.doc.value, first)
                whose = f", {first_id}" if first_id else ""
                self.add_at(
                    fd,
                    "DATA011",
                    path,
                    f"duplicate {what} {excerpt(text)} (first at line {line}{whose}): expected a {key} no "
                    f"other entry of {fd.display} has",
                )

    def _report_duplicates(
        self, fd: _FileData, entries: list[tuple[YamlPath, Any]], key: str, what: str
    ) -> None:
        for path, value, first in duplicates(entries, key):
            info = fd.doc.info(first)
            line = info.line if info else 0
            message = f"duplicate {key} {excerpt(value)} in {what} (first at line {line})"
            self.add_at(fd, "DATA007", path, message)

    def references(self, files: dict[str, _FileData]) -> None:
        ids = {
            name: known_ids([raw for _, raw in fd.entries]) for name, fd in files.items() if name != "meta"
        }
        # Ids pointing into a collection whose file is missing or empty: one error at that file.
        emptied: dict[str, list[tuple[_FileData, YamlPath, str]]] = {}
        for collection, pattern, target in REFERENCES:
            source = files.get(collection)
            if source is None or target in self.broken:
                continue
            where = f"in {self.display(self.data_dir / DATA_FILES[target])}"
            for entry_path, raw in source.entries:
                for sub_path, value in walk(raw, pattern, ()):
                    path = (*entry_path, *sub_path)
                    if not ids.get(target) and isinstance(value, str):
                        emptied.setdefault(target, []).append((source, path, value))
                        continue
                    self._check_ref(source, path, value, ids.get(target, []), WHAT[target], where)
        for target, uses in emptied.items():
            self._empty_target(target, files.get(target), uses)
        processes = files.get("processes")
        if processes is not None:
            self._check_branches(processes)

    def _empty_target(
        self, target: str, fd: _FileData | None, uses: list[tuple[_FileData, YamlPath, str]]
    ) -> None:
        """DATA009 once at a missing or empty data file that other entries refer to — not one
        dangling-reference error (DATA008) per reference, which hides the cause."""
        file = self.data_dir / DATA_FILES[target]
        state = "missing" if fd is None else "empty (no entries)"
        places = []
        for source, path, value in uses:
            _, info = source.doc.nearest(path)
            places.append((source.display, *_position(info, False), value))
        shown, line, column, value = min(places)
        sources = sorted({source.display for source, _, _ in uses})
        self.add(
            "DATA009",
            f"{state}, but {len(uses)} reference(s) in {', '.join(sources)} name {WHAT[target]}s "
            f"(first: {shown}:{line}:{column} {excerpt(value)}): restore the file",
            self.display(file),
            *((1, 1) if fd is not None else ()),
        )

    def _check_branches(self, processes: _FileData) -> None:
        """``next: [{to: …}]`` must name a step of the same process."""
        for entry_path, raw in processes.entries:
            steps = raw.get("steps") if isinstance(raw, dict) else None
            if not isinstance(steps, list):
                continue
            step_ids = known_ids(steps)
            for sub_path, value in walk(raw, BRANCH_TARGETS, ()):
                path = (*entry_path, *sub_path)
                self._check_ref(processes, path, value, step_ids, "step", "in this process")

    def _check_ref(
        self, fd: _FileData, path: YamlPath, value: Any, known: list[str], what: str, where: str
    ) -> None:
        if isinstance(value, str) and value not in known and not self.already_reported(fd, path):
            # The id is quoted once, as repr(value): an excerpt of it when long (see yamlsource.excerpt).
            message = dangling_message(value, known, what, where).replace(repr(value), excerpt(value), 1)
            self.add_at(fd, "DATA008", path, message)


# --------------------------------------------------------------------------- small helpers


def _too_large_message(size: int) -> str:
    """DATA009 for a file over :data:`MAX_FILE_BYTES`: its size and the limit, never its text."""
    return (
        f"file too large: expected at most {MAX_FILE_BYTES // 2**20} MB ({MAX_FILE_BYTES} bytes), "
        f"found {size / 2**20:.1f} MB ({size} bytes); not read (a manual's data files are a few "
        "tens of KB: is this the right file?)"
    )


def _entry_id(value: Any, path: YamlPath) -> str | None:
    """The id of the top-level entry a path lies in (``None`` when it has none)."""
    if path and isinstance(path[0], int) and isinstance(value, list) and 0 <= path[0] < len(value):
        entry = value[path[0]]
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(entry_id, str) and entry_id.strip():
            return label_text(entry_id.strip())
    return None


def _has_reported_inside(fd: _FileData, entry_path: YamlPath) -> bool:
    """Whether a problem inside the entry at ``entry_path`` was reported already."""
    return any(done[: len(entry_path)] == entry_path for done in fd.reported)


def _position(info: NodeInfo | None, at_key: bool) -> tuple[int, int]:
    if info is None:
        return 1, 1
    if at_key and info.key_line:
        return info.key_line, info.key_column
    return info.line, info.column


def _key_at(error: Mapping[str, Any]) -> tuple[tuple[Any, ...], str]:
    loc = tuple(error["loc"])
    return loc[:-1], str(loc[-1]) if loc else ""


def too_short_because_of_items(errors: Sequence[Mapping[str, Any]]) -> set[int]:
    """Indexes of "too short" list errors caused by an invalid item of the same list.

    pydantic counts only the valid items: a checklist whose one item has an unknown key also got
    "expected at least 1 item(s), found 1" — a second, false error for one mistake.
    """
    inner = [tuple(e["loc"]) for e in errors]
    return {
        index
        for index, error in enumerate(errors)
        if error["type"] == "too_short"
        and any(
            len(loc) > len(error["loc"]) and loc[: len(error["loc"])] == tuple(error["loc"]) for loc in inner
        )
    }


def misspelt_required_keys(errors: Sequence[Mapping[str, Any]]) -> set[tuple[tuple[Any, ...], str]]:
    """Required keys reported missing that an unknown key beside them is a misspelling of.

    ``duraton: …`` is one mistake, not two: the unknown key's error already says "did you mean
    'duration'?", so "missing required key 'duration'" for the same entry is left out.
    """
    missing: dict[tuple[Any, ...], list[str]] = {}
    for error in errors:
        if error["type"] == "missing":
            parent, key = _key_at(error)
            missing.setdefault(parent, []).append(key)
    misspelt: set[tuple[tuple[Any, ...], str]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent, key = _key_at(error)
            guess = difflib.get_close_matches(key, missing.get(parent, []), n=1, cutoff=0.6)
            if guess:
                misspelt.add((parent, guess[0]))
    return misspelt


def entry_path_label(collection: str, value: Any, path: YamlPath) -> str:
    """``slas[0].duration.unit (complaint.general.resolve)``: the path, and whose it is.

    A writer thinks of an entry by its id, not by its position in the file; the id is added
    when the entry has one (the position still tells two entries with the same id apart).
    """
    shown = format_path((collection, *path) if collection != "meta" else path)
    if path and isinstance(path[0], int) and isinstance(value, list) and 0 <= path[0] < len(value):
        entry = value[path[0]]
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(entry_id, str) and entry_id.strip():
            return f"{shown} ({label_text(entry_id.strip())})"
        year = entry.get("year") if collection == _HOLIDAYS and isinstance(entry, dict) else None
        if isinstance(year, int) and not isinstance(year, bool):
            return f"{shown} ({year})"
    return shown
