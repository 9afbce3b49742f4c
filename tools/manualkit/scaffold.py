"""``manualkit new form|sla|checklist|chapter``: start a new entry or chapter that is valid at once.

A writer adding a form should not have to know the YAML schema, the id scheme or where the form is
printed.  Each scaffold picks the next free id, renders a template from ``templates/scaffold/``,
*inserts* it as text next to its kin (:mod:`manualkit.scaffold_place`; the data file's comments,
layout, line endings and BOM stay as the writer left them), re-loads ``data/`` with the real loader
and rolls the file back if the new entry made it invalid.  It then says where the new entry is to
be cited, in the writer's terms (a role to type, a file to open), and what is left to fill in.

Everything the writer typed is checked before any file is touched, and ``data/`` must load cleanly
before anything is appended: otherwise a rollback would report an error the writer's own request
never caused, or name a line of an entry that no longer exists.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from manualkit.toctree_text import FENCE_OPEN, toctree_entries

if TYPE_CHECKING:
    from manualkit.checks.source import DirectiveUse
    from manualkit.diagnostics import Diagnostic
    from manualkit.models import Bound, DurationUnit, ManualData, Sla, SlaKind

# Heavy modules (yaml, jinja2, pydantic via the loader) are imported where used: ``manualkit.cli``
# imports this module to mount ``manualkit new`` on every command, and ``manualkit check`` must
# start fast.

_UNITS: tuple[DurationUnit, ...] = ("working_days", "calendar_days", "hours", "minutes", "months", "years")
_BOUNDS: tuple[Bound, ...] = ("within", "at_least", "at_most")
_KINDS: tuple[SlaKind, ...] = ("deadline", "interval", "advance", "retention", "period")
#: What a writer types for a unit or bound in Chinese (as the manual prints it: 7个工作日, 至少3年).
_UNIT_WORDS: dict[str, DurationUnit] = {
    "工作日": "working_days",
    "个工作日": "working_days",
    "天": "calendar_days",
    "日": "calendar_days",
    "自然日": "calendar_days",
    "日历日": "calendar_days",
    "小时": "hours",
    "时": "hours",
    "分钟": "minutes",
    "分": "minutes",
    "月": "months",
    "个月": "months",
    "年": "years",
}
_BOUND_WORDS: dict[str, Bound] = {"以内": "within", "内": "within", "至少": "at_least", "不超过": "at_most"}
_CHAPTER_FILE = re.compile(r"^(\d{2,})-([a-z0-9][a-z0-9\-]*)\.md$")
_LABEL_LINE = re.compile(r"^\(([a-z][a-z0-9\-]*)\)=\s*$", re.MULTILINE)
#: Any MyST target a label could collide with: ``(label)=`` lines and directives' ``:name:`` option.
_ANY_LABEL = re.compile(r"^\s*(?:\((?P<target>[^()\s]+)\)=|:name:\s*(?P<name>\S+))\s*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_SLUG = re.compile(r"^[a-z][a-z0-9\-]*$")
_DOTTED = re.compile(r"^[a-z][a-z0-9_]*(?:[.\-][a-z0-9_]+)*$")
#: Labels and page names Sphinx defines itself (its standard domain's ``genindex``, ``modindex``,
#: ``search`` and the Python module index page): a chapter label with one of these names makes
#: the build fail with "duplicate label".
RESERVED_NAMES = frozenset({"genindex", "modindex", "search", "py-modindex"})


#: The item of a checklist scaffolded without ``--item``: the writer replaces it.
_PLACEHOLDER_ITEM = "（待补充检查事项）"
#: The note under a new form's sample fields: they read like real ones (客户姓名, 填表日期), so only
#: this placeholder makes the checker (MK616) hold the form back until they are replaced.
_SAMPLE_FIELDS_NOTE = "（待补充：以上为示例栏目，换成本表的实际栏目后删除本注）"


class ScaffoldError(Exception):
    """A scaffold request that cannot be fulfilled; the message says what to change.

    Always the writer's input (an option, ``data/``, ``manual/``, a template) and always raised
    before anything is left written: ``manualkit new`` exits 2 (invalid sources or usage) on it.
    """


@dataclasses.dataclass(frozen=True)
class Chapter:
    """A numbered chapter file of ``manual/`` with what scaffolds need to know about it."""

    path: Path
    number: int
    labels: tuple[str, ...]
    owner: str | None

    @property
    def doc(self) -> str:
        return self.path.stem


@dataclasses.dataclass(frozen=True)
class Scaffolded:
    """Result of a scaffold: the file written, the new id and what to tell the writer."""

    path: Path
    new_id: str
    line: int
    message: str


# --------------------------------------------------------------------------- files as the writer saved them


@dataclasses.dataclass(frozen=True)
class TextFile:
    """A UTF-8 text file read without translating its line endings, so an edit can keep them.

    ``Path.read_text`` turns CRLF into LF and ``write_text`` writes LF: appending one entry to a
    CRLF file that way rewrote every line of it (a 9-line addition showed as 183 changed lines).
    """

    text: str
    newline: str
    bom: bool

    @classmethod
    def read(cls, path: Path) -> TextFile:
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScaffoldError(
                f"{path.as_posix()}: expected UTF-8 text, found byte {raw[exc.start]:#04x} at offset "
                f"{exc.start}; save the file as UTF-8"
            ) from exc
        return cls(text, detect_newline(text), bom)

    def encode(self, text: str) -> bytes:
        """``text`` as this file stores text: its BOM (if it had one) and UTF-8."""
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")

    def lines(self, text: str) -> str:
        """``text`` written with ``\\n`` line ends, converted to this file's line ends."""
        return text.replace("\r\n", "\n").replace("\n", self.newline)


def detect_newline(text: str) -> str:
    """The line ending most lines of ``text`` use (LF for a file without any)."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf > text.count("\n") - crlf else "\n"


# --------------------------------------------------------------------------- checking the writer's input


def require_text(option: str, value: str | None, what: str) -> str:
    """``value`` if it is a usable one-line text; why not otherwise.

    Checked before anything is written: the data loader would reject an empty title too, but
    only after the entry was appended, and its message then named a line of the rolled-back
    entry instead of the option the writer typed.
    """
    if value is None or not value.strip():
        raise ScaffoldError(f"{option}: expected a non-empty {what}, found {value!r}")
    if "\n" in value or "\r" in value:
        raise ScaffoldError(f"{option}: expected a {what} on one line, found a line break in {value!r}")
    return value


def require_valid_data(root: Path) -> ManualData:
    """Refuse to scaffold while ``data/`` already has errors, and list them.

    The new entry is checked by re-loading ``data/``; with an error already there the load
    fails whatever the entry is, and the scaffold would blame (and roll back) a good entry
    while hiding the real ``file:line:col`` error.
    """
    from manualkit.loader import load_data

    data, diagnostics = load_data(root / "data", root=root)
    errors = sorted(_errors(diagnostics))
    if errors or data is None:
        raise ScaffoldError(
            f"data/ already has {len(errors)} error(s); nothing was added. Fix them first "
            "(manualkit data lists them), then run this command again:\n" + "\n".join(errors)
        )
    return data


# --------------------------------------------------------------------------- toctree helpers


def add_to_toctree(index_text: str, new_entries: Iterable[str], after: str) -> str:
    """Insert toctree entries right after the entry ``after`` (keeping its indentation and line end)."""
    out: list[str] = []
    pending = list(new_entries)
    for line in index_text.splitlines(keepends=True):
        if pending and line.strip() == after:
            body = line.rstrip("\r\n")
            ending = line[len(body) :] or detect_newline(index_text)
            indent = line[: len(line) - len(line.lstrip())]
            out.append(body + ending)
            out.extend(f"{indent}{entry}{ending}" for entry in pending)
            pending = []
        else:
            out.append(line)
    if pending:
        raise ScaffoldError(f"manual/index.md: toctree entry {after!r} not found")
    return "".join(out)


# --------------------------------------------------------------------------- project inspection


def chapters(root: Path) -> list[Chapter]:
    """Numbered chapter files (``manual/NN-name.md``) in number order."""
    found: list[Chapter] = []
    for path in sorted((root / "manual").glob("*.md")):
        match = _CHAPTER_FILE.match(path.name)
        if not match:
            continue
        text = TextFile.read(path).text.replace("\r\n", "\n")
        owner: str | None = None
        front = _FRONT_MATTER.match(text)
        if front:
            import yaml

            try:
                meta = yaml.safe_load(front.group(1))
            except yaml.YAMLError:
                meta = None
            if isinstance(meta, dict) and isinstance(meta.get("owner"), str):
                owner = meta["owner"]
        found.append(Chapter(path, int(match.group(1)), tuple(_LABEL_LINE.findall(text)), owner))
    return sorted(found, key=lambda c: c.number)


def locate(root: Path, chapter: int | None, section: str | None) -> tuple[Chapter, str]:
    """The chapter and section label a new entry belongs to, from ``--chapter`` and/or ``--section``."""
    known = chapters(root)
    if section is not None:
        for ch in known:
            if section in ch.labels:
                if chapter is not None and ch.number != chapter:
                    raise ScaffoldError(
                        f"--section {section}: expected a section of chapter {chapter}, found it in "
                        f"{_rel(root, ch.path)} (chapter {ch.number})"
                    )
                return ch, section
        every = [label for ch in known for label in ch.labels]
        close = difflib.get_close_matches(section, every, n=3)
        hint = (
            f"did you mean {' or '.join(repr(label) for label in close)}?"
            if close
            else ("see the (label)= lines of manual/*.md")
        )
        raise ScaffoldError(f"--section: no section label ({section})= in manual/*.md; {hint}")
    if chapter is None:
        raise ScaffoldError(
            "expected --chapter N or --section LABEL (where the entry belongs), found neither"
        )
    for ch in known:
        if ch.number == chapter:
            if not ch.labels:
                raise ScaffoldError(
                    f"--chapter {chapter}: {_rel(root, ch.path)} has no (label)= line to attach the entry "
                    "to; add one or pass --section LABEL"
                )
            return ch, ch.labels[0]
    numbers = ", ".join(str(ch.number) for ch in known) or "none"
    raise ScaffoldError(f"--chapter: no chapter {chapter} in manual/ (chapters: {numbers})")


def label_line(path: Path, label: str) -> int:
    """1-based line of the ``(label)=`` line in a chapter (1 if it is not found)."""
    lines = TextFile.read(path).text.splitlines()
    return next((i for i, line in enumerate(lines, 1) if line.strip() == f"({label})="), 1)


def _rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def data_file(root: Path, collection: str) -> Path:
    """``data/<file>`` holding a collection (``forms`` → ``data/forms.yaml``)."""
    from manualkit.models import DATA_FILES

    return root / "data" / DATA_FILES[collection]


def existing_ids(root: Path, collection: str) -> list[str]:
    """Ids in a data file, read as plain YAML so a half-broken file still yields its ids."""
    import yaml

    path = data_file(root, collection)
    if not path.exists():
        return []
    try:
        raw = yaml.safe_load(TextFile.read(path).text)
    except yaml.YAMLError as exc:
        raise ScaffoldError(f"{_rel(root, path)}: not valid YAML, fix it first ({exc})") from exc
    if not isinstance(raw, list):
        return []
    return [e["id"] for e in raw if isinstance(e, dict) and isinstance(e.get("id"), str)]


def refuse_taken_text(root: Path, collection: str, key: str, text: str, option: str) -> None:
    """Refuse a name or title another entry of the collection already has (``loader`` DATA011).

    The re-load after appending would refuse it too, but name a line that is gone by then; here
    the message names the option and the existing entry, which is what the writer must look at.
    """
    from manualkit.datarefs import UNIQUE_TEXTS, same_text
    from manualkit.loader import load_source

    what = next(w for c, k, w in UNIQUE_TEXTS if (c, k) == (collection, key))
    source = load_source(root / "data", root=root)
    doc = source.documents.get(collection)
    entries = doc.value if doc is not None and isinstance(doc.value, list) else []
    wanted = same_text(text)
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get(key), str) and same_text(entry[key]) == wanted:
            where = source.locate(collection, index, key)
            at = f" at line {where.line}" if where else ""
            entry_id = entry["id"] if isinstance(entry.get("id"), str) else "the entry"
            raise ScaffoldError(
                f"{option}: expected a new {what}, found {text!r}, which {entry_id}{at} of "
                f"{_rel(root, data_file(root, collection))} already has; nothing was added"
            )


def next_numbered_id(prefix: str, chapter: int, existing: Iterable[str]) -> str:
    """``F-04-03`` after ``F-04-02``: one past the highest number used in that chapter."""
    pattern = re.compile(rf"^{re.escape(prefix)}-{chapter:02d}-(\d{{2}})$")
    numbers = [int(m.group(1)) for i in existing if (m := pattern.match(i))]
    seq = max(numbers, default=0) + 1
    if seq > 99:
        raise ScaffoldError(f"chapter {chapter} already has 99 {prefix} ids")
    return f"{prefix}-{chapter:02d}-{seq:02d}"


def next_prefixed_id(prefix: str, existing: Iterable[str]) -> str:
    """``complaint.general.3`` after ``complaint.general.2``: next free number under a dotted prefix."""
    prefix = prefix.rstrip(".")
    if not _DOTTED.match(prefix):
        raise ScaffoldError(
            f"id prefix: expected lowercase dotted words like complaint.general, found {prefix!r}"
        )
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)$")
    numbers = [int(m.group(1)) for i in existing if (m := pattern.match(i))]
    return f"{prefix}.{max(numbers, default=0) + 1}"


# --------------------------------------------------------------------------- rendering and appending


def _yaml_quote(value: object) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML), so any title is safe to paste."""
    return json.dumps(str(value), ensure_ascii=False)


def _template_dirs(root: Path) -> list[str]:
    """The project's ``templates/scaffold`` first, then the one shipped next to manualkit's sources."""
    dirs = [root / "templates" / "scaffold", Path(__file__).resolve().parents[2] / "templates" / "scaffold"]
    return [str(d) for d in dirs if d.is_dir()]


def render_template(root: Path, template: str, /, **values: Any) -> str:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    dirs = _template_dirs(root)
    if not dirs:
        raise ScaffoldError(f"no templates/scaffold/ directory found (looked in {root / 'templates'})")
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(dirs), undefined=StrictUndefined, keep_trailing_newline=True
    )
    env.filters["yq"] = _yaml_quote
    return env.get_template(template).render(**values)


def _errors(diagnostics: Iterable[Diagnostic]) -> set[str]:
    return {d.format() for d in diagnostics if d.severity == "error"}


def append_entry(root: Path, collection: str, entry_text: str, new_id: str) -> int:
    """Add ``entry_text`` to the collection's data file; return the 1-based line of the new entry.

    The entry goes next to the entries it belongs with (:mod:`manualkit.scaffold_place`: a form
    after the last form of its chapter, so the appendices stay in order), else at the end.
    ``data/`` must load without errors before (see :func:`require_valid_data`), so every error
    of the re-load afterwards is the new entry's.  On one (or the new id not loading) the file
    gets back its exact previous bytes and ``ScaffoldError`` lists the errors with the rejected
    entry, numbered as it would have stood in the file, since those lines are gone.  The file's
    line endings and BOM are kept: the entry is written with the ones the file already uses.
    """
    import yaml

    from manualkit.loader import load_data
    from manualkit.scaffold_place import place

    data_dir = root / "data"
    path = data_file(root, collection)
    before_bytes = path.read_bytes() if path.exists() else None
    stored = TextFile.read(path) if path.exists() else TextFile("", "\n", False)
    nl = stored.newline
    # A template's leading newlines would add blank lines of their own.
    entry = entry_text.replace("\r\n", "\n").strip("\n") + "\n"

    text = stored.text
    placement = place(text, new_id, numbered=collection in ("forms", "checklists")) if text.strip() else None
    if placement is not None:
        lines = text.splitlines(keepends=True)
        head, tail = "".join(lines[: placement.index]), "".join(lines[placement.index :])
        before = nl if placement.blank_before else ""
        new_text = head + before + stored.lines(entry) + (nl if placement.blank_after else "") + tail
        start_line = placement.index + (1 if before else 0) + 1
    else:
        if text.strip() and yaml.safe_load(text) in (None, []):
            # ``[]`` (flow style) cannot be continued with a block entry: keep only the comments.
            text = "".join(line for line in text.splitlines(keepends=True) if line.lstrip().startswith("#"))
        text = text.rstrip("\r\n") + nl if text.strip() else text
        separator = nl if text.strip() else ""  # the blank line before the entry
        start_line = text.count("\n") + (1 if separator else 0) + 1
        new_text = text + separator + stored.lines(entry)
    try:
        path.write_bytes(stored.encode(new_text))
        data, diagnostics = load_data(data_dir, root=root)
    except BaseException:
        _restore(path, before_bytes)
        raise
    errors = sorted(_errors(diagnostics))
    loaded = data is not None and new_id in {e.id for e in getattr(data, collection)}
    if errors or not loaded:
        _restore(path, before_bytes)
        shown = _rel(root, path)
        numbered = "\n".join(
            f"{start_line + i:>5} | {line}" for i, line in enumerate(entry.rstrip("\n").split("\n"))
        )
        details = "\n".join(errors) or f"{new_id} did not load from {shown}"
        raise ScaffoldError(
            f"the new entry was not added ({shown} is unchanged): it would have made data/ invalid:\n"
            f"{details}\nThe rejected entry, with the line numbers it would have had in {shown}:\n"
            f"{numbered}"
        )
    entry_line = next(
        (start_line + i for i, line in enumerate(entry.splitlines()) if line.startswith("- ")),
        start_line,
    )
    return entry_line


_CHAPTER_HEADING = re.compile(r"^# ---- 第(?P<number>\d+)章 .*----\s*$", re.MULTILINE)
_H1 = re.compile(r"^#\s+(?P<title>\S.*?)\s*$", re.MULTILINE)


def chapter_heading(root: Path, collection: str, chapter: Chapter) -> str:
    """``# ---- 第9章 消费者权益保护 ----`` above a new entry, when the data file groups its entries
    under such headings and has none for ``chapter`` yet; else nothing.

    Without it the first form of a new chapter sat under the heading of chapter 7.
    """
    path = data_file(root, collection)
    text = TextFile.read(path).text if path.exists() else ""
    numbers = {int(m.group("number")) for m in _CHAPTER_HEADING.finditer(text)}
    if not numbers or chapter.number in numbers:
        return ""
    body = _FRONT_MATTER.sub("", TextFile.read(chapter.path).text.replace("\r\n", "\n"), count=1)
    title = next((m.group("title") for m in _H1.finditer(body)), chapter.path.stem)
    return f"# ---- 第{chapter.number}章 {title} ----\n"


def _restore(path: Path, before: bytes | None) -> None:
    """Put a data file back byte for byte (or remove it if the scaffold created it)."""
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)


def _known_role(root: Path, role: str, source: str = "--owner") -> None:
    """Refuse a role that is not in ``data/roles.yaml`` (``source`` says where the role came from)."""
    roles = existing_ids(root, "roles")
    if roles and role not in roles:
        close = difflib.get_close_matches(role, roles, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScaffoldError(
            f"{source}: unknown role {role!r}{hint}; expected one of data/roles.yaml: {', '.join(roles)}"
        )


def _owner(root: Path, owner: str | None, chapter: Chapter) -> str:
    """``--owner`` if given, else the owner in the chapter's front matter."""
    if owner is not None:
        _known_role(root, require_text("--owner", owner, "role id"))
        return owner
    if not chapter.owner:
        raise ScaffoldError(
            f"--owner: expected a role id, found none: {_rel(root, chapter.path)} has no owner in its "
            "front matter to take it from"
        )
    _known_role(root, chapter.owner, f"{_rel(root, chapter.path)} front matter owner")
    return chapter.owner


# --------------------------------------------------------------------------- the four scaffolds


def new_form(
    root: Path,
    *,
    title: str,
    chapter: int | None = None,
    section: str | None = None,
    purpose: str | None = None,
    owner: str | None = None,
) -> Scaffolded:
    """Append form ``F-CC-NN`` (next free number of the chapter) to ``data/forms.yaml``.

    The chapter's prose is not edited: where the form is printed is the writer's decision.  Until
    the chapter references it, ``manualkit check`` fails with MK107, so the message says so.
    """
    require_text("--title", title, "title")
    if purpose is not None:
        require_text("--purpose", purpose, "sentence saying what the form records")
    require_valid_data(root)
    refuse_taken_text(root, "forms", "title", title, "--title")
    ch, label = locate(root, chapter, section)
    chosen_owner = _owner(root, owner, ch)
    form_id = next_numbered_id("F", ch.number, existing_ids(root, "forms"))
    text = render_template(
        root,
        "form.yaml.j2",
        id=form_id,
        title=title,
        purpose=purpose or f"{title}，用于记录办理情况",
        section=label,
        owner=chosen_owner,
        sample_note=_SAMPLE_FIELDS_NOTE,
    )
    line = append_entry(root, "forms", chapter_heading(root, "forms", ch) + text.lstrip("\n"), form_id)
    path = data_file(root, "forms")
    where = f"{_rel(root, ch.path)}:{label_line(ch.path, label)}"
    stand_in = "" if purpose else f" and its stand-in purpose “{title}，用于记录办理情况” (or pass --purpose)"
    message = (
        f"Added form {form_id} {title} at {_rel(root, path)}:{line} (replace its sample fields{stand_in}).\n"
        f"Its note “{_SAMPLE_FIELDS_NOTE}” marks the sample fields: until you replace them and delete "
        "the note, `manualkit check` fails with MK616 (placeholder text).\n"
        f"The form must be referenced in chapter {ch.number} ({_rel(root, ch.path)}): until it is, "
        f'`manualkit check` fails with MK107 ("… that chapter never references it").\n'
        f"Print it in section ({label}), which starts at {where}, with:\n\n:::{{form}} {form_id}\n:::\n\n"
        f"or cite it in that chapter's prose with {{form}}`{form_id}`. "
        "The form appendices list it automatically."
    )
    return Scaffolded(path, form_id, line, message)


def new_sla(
    root: Path,
    *,
    name: str,
    value: int,
    unit: DurationUnit,
    start: str,
    end: str,
    prefix: str | None = None,
    sla_id: str | None = None,
    bound: Bound = "within",
    kind: SlaKind = "deadline",
    chapter: int | None = None,
    section: str | None = None,
    owner: str | None = None,
    tags: Sequence[str] = (),
) -> Scaffolded:
    """Append an SLA with id ``sla_id`` or the next ``<prefix>.N`` to ``data/slas.yaml``."""
    require_text("--name", name, "name")
    require_text("--start", start, "start event")
    require_text("--end", end, "end event")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ScaffoldError(f"--value: expected a positive whole number, found {value!r}")
    if sla_id:
        if not _DOTTED.match(sla_id):
            raise ScaffoldError(
                f"--id: expected lowercase dotted words like complaint.general.callback, found {sla_id!r}"
            )
    elif prefix:
        next_prefixed_id(prefix, ())  # checks the prefix before data/ is read
    else:
        raise ScaffoldError(
            "expected an id prefix (manualkit new sla complaint.general …) or --id ID, found neither"
        )
    data = require_valid_data(root)
    refuse_taken_text(root, "slas", "name", name, "--name")
    existing = existing_ids(root, "slas")
    if sla_id:
        if sla_id in existing:
            raise ScaffoldError(
                f"--id: expected a new SLA id, found {sla_id!r}, which data/slas.yaml already has"
            )
        new_id = sla_id
    else:
        new_id = next_prefixed_id(prefix or "", existing)
    ch: Chapter | None = None
    label: str | None = None
    if chapter is not None or section is not None:
        ch, label = locate(root, chapter, section)
    if ch is not None:
        chosen_owner = _owner(root, owner, ch)
    elif owner is not None:
        _known_role(root, require_text("--owner", owner, "role id"))
        chosen_owner = owner
    else:
        raise ScaffoldError(
            "--owner: expected a role id (or --section/--chapter to take the chapter's owner), found none"
        )
    kin_note = ""
    if not tags:
        tags, kin = kin_tags(data.slas, new_id)
        if tags:
            kin_note = f" Tagged {', '.join(tags)}, as its kin {', '.join(s.id for s in kin[:3])}."
    text = render_template(
        root,
        "sla.yaml.j2",
        id=new_id,
        name=name,
        kind=kind,
        value=value,
        unit=unit,
        bound=bound,
        start=start,
        end=end,
        owner=chosen_owner,
        section=label,
        tags=list(tags),
    )
    line = append_entry(root, "slas", text, new_id)
    path = data_file(root, "slas")
    from manualkit.durations import render_duration
    from manualkit.models import Duration

    shown = render_duration(Duration(value=value, unit=unit, bound=bound), kind)
    where = (
        f" in section ({label}), which starts at {_rel(root, ch.path)}:{label_line(ch.path, label)}"
        if ch and label
        else ""
    )
    message = (
        f"Added SLA {new_id} ({name}: {shown}) at {_rel(root, path)}:{line}.{kin_note}\n"
        f"Cite it with {{sla}}`{new_id}`{where}: it renders as “{shown}”, {_table_note(root, ch, new_id)}\n"
        "Until the manual cites it, `manualkit check` warns MK102 (defined but never used)."
    )
    return Scaffolded(path, new_id, line, message)


def kin_tags(slas: Sequence[Sla], new_id: str) -> tuple[list[str], list[Sla]]:
    """The tags every kin of ``new_id`` carries, and those kin.

    Kin are the SLAs under the same dotted prefix (``complaint.general.*`` for
    ``complaint.general.1``), else of the same first word (``complaint.*``).  A chapter's SLA
    table selects by such a tag, so a new SLA without it would be missing from that table (MK130).
    """
    parent = new_id.rpartition(".")[0]
    for prefix in dict.fromkeys(p for p in (parent, new_id.split(".", 1)[0]) if p):
        kin = [s for s in slas if s.id.startswith(prefix + ".") and s.id != new_id]
        if kin:
            common = [t for t in kin[0].tags if all(t in k.tags for k in kin[1:])]
            return list(dict.fromkeys(common)), kin
    return [], []


#: How the build ranks the SLA tables that list an SLA, lowest first (``SlaTableDirective``, the
#: ``mk`` domain's priorities; the Sphinx modules are not imported here): a citation links to its
#: row in the best one — among equals the first page by name, and that page's first table.
_HOME_TABLE, _SELECTION, _COMPLETE_TABLE = 0, 1, 2


def _table_note(root: Path, chapter: Chapter | None, sla_id: str) -> str:
    """Where a citation of the SLA links, read from the files as they are now: the table the
    build will choose, and whether the SLA's own chapter lists it (a link should take the reader
    to the chapter whose text explains the deadline, not to the appendix's overview)."""
    from manualkit.checks.rules_sla_tables import chapter_tables
    from manualkit.checks.source import parse_manual
    from manualkit.loader import load_data
    from manualkit.sla_selection import SlaTableFilter

    data, _ = load_data(root / "data", root=root)
    if data is None:
        return "linked to its row of the SLA table once a :::{sla-table} lists it (by its section or tags)."
    documents, _ = parse_manual(root / "manual", root)
    offers: list[tuple[int, str, int, str]] = []  # (rank, docname, line, path) of each listing table
    own: list[tuple[DirectiveUse, set[str]]] = []
    chapter_path = _rel(root, chapter.path) if chapter else None
    for doc in documents:
        tables = chapter_tables(documents, data.slas, doc)
        if doc.path == chapter_path:
            own = tables
        for table, ids in tables:
            if sla_id not in ids:
                continue
            selection = SlaTableFilter.from_options(dict(table.options))
            filtered = bool(selection.tags) or selection.chapter is not None
            rank = _HOME_TABLE if selection.section else _SELECTION if filtered else _COMPLETE_TABLE
            docname = doc.path.removeprefix("manual/").rsplit(".", 1)[0]
            offers.append((rank, docname, table.line, doc.path))
    # The best rank, then the first page by name, then that page's first table of the rank.
    chosen = min(offers, default=None)
    listed_here = any(sla_id in ids for _, ids in own)
    if chosen is None:
        if own:
            return (
                f"but no SLA table of {chapter_path} lists it, nor does any other, so citations are "
                "not linked: give it the tag a table there selects by (--tags)."
            )
        return "not linked until a :::{sla-table} lists it (by its section or tags)."
    rank, _, line, path = chosen
    target = f"{'the overview of every SLA' if rank == _COMPLETE_TABLE else 'the SLA table'} at {path}:{line}"
    if chapter_path is None or listed_here:
        return f"linked to its row of {target}."
    if own:
        return (
            f"but no SLA table of {chapter_path} lists it: give it the tag a table there selects by "
            f"(--tags); until then it is linked to its row of {target}."
        )
    hint = (
        " (one there selecting it by its section or tags would take the link)"
        if rank == _COMPLETE_TABLE
        else ""
    )
    return f"linked to its row of {target}, as no :::{{sla-table}} of {chapter_path} lists it{hint}."


def new_checklist(
    root: Path,
    *,
    title: str,
    chapter: int | None = None,
    section: str | None = None,
    owner: str | None = None,
    items: Sequence[str] = (),
) -> Scaffolded:
    """Append checklist ``CL-CC-NN`` (next free number of the chapter) to ``data/checklists.yaml``."""
    require_text("--title", title, "title")
    for item in items:
        require_text("--item", item, "checklist item")
    require_valid_data(root)
    refuse_taken_text(root, "checklists", "title", title, "--title")
    ch, label = locate(root, chapter, section)
    chosen_owner = _owner(root, owner, ch)
    checklist_id = next_numbered_id("CL", ch.number, existing_ids(root, "checklists"))
    text = render_template(
        root,
        "checklist.yaml.j2",
        id=checklist_id,
        title=title,
        owner=chosen_owner,
        section=label,
        items=list(items) or [_PLACEHOLDER_ITEM],
    )
    line = append_entry(
        root, "checklists", chapter_heading(root, "checklists", ch) + text.lstrip("\n"), checklist_id
    )
    path = data_file(root, "checklists")
    placeholder = (
        ""
        if items
        else f"\nIts one item is the placeholder “{_PLACEHOLDER_ITEM}”: replace it with the real items "
        f"(or pass --item, repeated); until you do, `manualkit check` fails with MK616 (placeholder text)."
    )
    message = (
        f"Added checklist {checklist_id} {title} at {_rel(root, path)}:{line}.{placeholder}\n"
        f"Print it in section ({label}) at {_rel(root, ch.path)}:{label_line(ch.path, label)} with:\n\n"
        f":::{{checklist}} {checklist_id}\n:::\n\n"
        "Until a chapter prints it, `manualkit check` warns MK102 (defined but never used)."
    )
    return Scaffolded(path, checklist_id, line, message)


def new_chapter(
    root: Path, *, title: str, slug: str, owner: str | None, review_due: dt.date | None = None
) -> Scaffolded:
    """Create ``manual/NN-<slug>.md`` (labelled ``(slug)=``) and add it to the index toctree.

    ``owner`` is required: a new chapter has no front matter to take it from, and the review
    cycle (MK5xx) needs a responsible role for every chapter.
    """
    require_text("--title", title, "chapter title")
    if not owner or not owner.strip():
        raise ScaffoldError(
            f"--owner: expected the role responsible for reviewing the new chapter, found {owner!r}"
        )
    if not _SLUG.match(slug):
        raise ScaffoldError(
            f"--slug: expected lowercase ASCII words with dashes (e.g. complaints), found {slug!r}"
        )
    if slug in RESERVED_NAMES:
        raise ScaffoldError(
            f"--slug: expected a name Sphinx does not reserve ({', '.join(sorted(RESERVED_NAMES))}), "
            f"found {slug!r}"
        )
    _known_role(root, owner)
    refuse_taken_chapter_title(root, title)
    taken = taken_names(root)
    if slug in taken:
        raise ScaffoldError(
            f"--slug: expected a new label, found {slug!r}, which already exists in {taken[slug]}; "
            "choose another"
        )
    index = root / "manual" / "index.md"
    if not index.exists():
        raise ScaffoldError(f"{_rel(root, index)} not found: is {root} a manualkit project?")
    stored = TextFile.read(index)
    entries = toctree_entries(stored.text)
    numbered = [e for e in entries if _CHAPTER_FILE.match(Path(e).name + ".md")]
    if not numbered:
        raise ScaffoldError(f"{_rel(root, index)}: no numbered chapter (NN-name) in its toctree")
    known = chapters(root)
    number = max(ch.number for ch in known) + 1 if known else 1
    doc = f"{number:02d}-{slug}"
    path = root / "manual" / f"{doc}.md"
    if path.exists():
        raise ScaffoldError(f"--slug: {_rel(root, path)} already exists; choose another --slug")
    new_index = stored.encode(add_to_toctree(stored.text, [doc], numbered[-1]))
    today = dt.date.today()
    if review_due is not None and review_due <= today:
        raise ScaffoldError(
            f"--review-due: expected a date after today ({today.isoformat()}), found "
            f"{review_due.isoformat()}: the new chapter's review would be overdue at once (MK503)"
        )
    due = review_due or _one_year_after(today)
    body = render_template(
        root, "chapter.md.j2", owner=owner, review_due=due.isoformat(), label=slug, title=title
    )
    # The new file follows manual/index.md's line endings, so the manual keeps one convention.
    path.write_bytes(stored.lines(body).encode("utf-8"))
    try:
        index.write_bytes(new_index)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    last = root / "manual" / f"{numbered[-1]}.md"
    back_matter = last.exists() and _lists_everything(TextFile.read(last).text)
    note = (
        f"\nNote: it comes after {numbered[-1]}, which holds the appendices; if it belongs before them, "
        "renumber the files and the toctree entries."
        if back_matter
        else ""
    )
    message = (
        f"Created {_rel(root, path)} (chapter {number}, label ({slug})=, owner {owner}, review due {due}) "
        f"and added {doc} to the toctree of {_rel(root, index)} after {numbered[-1]}.\n"
        f"Link to it from other chapters with {{ref}}`{slug}`.{note}"
    )
    return Scaffolded(path, doc, 6, message)


def refuse_taken_chapter_title(root: Path, title: str) -> None:
    """Refuse a chapter title another chapter already has.

    Nothing else would: the checker and Sphinx accept two chapters both called 消费者权益保护,
    and readers then find two identical entries in the contents, the PDF bookmarks and the
    references to either chapter.
    """
    from manualkit.datarefs import same_text

    wanted = same_text(title)
    for ch in chapters(root):
        lines = TextFile.read(ch.path).text.replace("\r\n", "\n").split("\n")
        front = _FRONT_MATTER.match("\n".join(lines) + "\n")
        first = front.group(0).count("\n") if front else 0
        for number, line in enumerate(lines[first:], first + 1):
            if line.startswith("# "):
                if same_text(line[2:]) == wanted:
                    raise ScaffoldError(
                        f"--title: expected a new chapter title, found {title!r}, which "
                        f"{_rel(root, ch.path)}:{number} already has; choose another"
                    )
                break


def taken_names(root: Path) -> dict[str, str]:
    """Labels and document names already used in ``manual/`` → the file that uses them.

    A chapter's slug becomes a section label; Sphinx fails the build on a duplicate label, and
    a label equal to a document name makes ``{ref}`` and ``{doc}`` links easy to confuse.
    """
    manual = root / "manual"
    taken: dict[str, str] = {}
    for path in sorted(manual.rglob("*.md")):
        shown = _rel(root, path)
        taken.setdefault(path.relative_to(manual).with_suffix("").as_posix(), f"{shown} (its document name)")
        for match in _ANY_LABEL.finditer(TextFile.read(path).text.replace("\r\n", "\n")):
            name = (match.group("target") or match.group("name")).lower()
            taken.setdefault(name, shown)
    return taken


def _lists_everything(text: str) -> bool:
    """Whether a chapter is back matter: it holds the form appendices, glossary or reference list."""
    names = {"form-appendices", "glossary-list", "reference-list", "attachment-list", "revision-history"}
    return any(
        (m := FENCE_OPEN.match(line)) is not None and m.group("name") in names for line in text.splitlines()
    )


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# --------------------------------------------------------------------------- CLI


_EXIT_STATUS = (
    "Exit status: 0 scaffolded; 2 invalid usage or sources (a bad option, data/ already invalid, an "
    "entry that would not load): nothing is written; 1 a file could not be read or written."
)


def _project(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "project", None) or ".")


def _date(option: str, value: str | None) -> dt.date | None:
    """``--review-due`` as a date, refused in one line (argparse's type error printed its usage)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ScaffoldError(f"{option}: expected a date YYYY-MM-DD, found {value!r}") from exc


def choose(option: str, text: str, allowed: Sequence[str], words: dict[str, str] | None = None) -> str:
    """One of ``allowed`` (or a Chinese word for one) from what the writer typed; one line if not.

    argparse's ``choices`` answered ``--unit 工作日`` with eight lines of usage; a writer who
    thinks in 7个工作日 now gets it accepted, and a typo gets the closest name.
    """
    typed = text.strip()
    if typed in allowed:
        return typed
    if words and typed in words:
        return words[typed]
    lowered = typed.lower().replace("-", "_").replace(" ", "_")
    if lowered in allowed:
        return lowered
    aliases = {name: "/".join(w for w, n in (words or {}).items() if n == name) for name in allowed}
    shown = ", ".join(f"{name} ({aliases[name]})" if aliases[name] else name for name in allowed)
    close = difflib.get_close_matches(lowered, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ScaffoldError(f"{option}: expected one of {shown}, found {text!r}{hint}")


def chapter_number(text: str | None) -> int | None:
    """``--chapter`` as a number (``4`` or ``04``), refused in one line (argparse printed its usage)."""
    if text is None:
        return None
    stripped = text.strip()
    if not re.fullmatch(r"\d+", stripped):
        raise ScaffoldError(f"--chapter: expected a chapter number such as 4, found {text!r}")
    return int(stripped)


def _tag_list(text: str | None) -> list[str]:
    """``--tags a,b`` as ids, refused before anything is read (the loader would reject them later,
    naming a line of an entry that was rolled back)."""
    tags = [v.strip() for v in (text or "").replace("，", ",").split(",") if v.strip()]
    for tag in tags:
        if not _DOTTED.match(tag):
            raise ScaffoldError(
                f"--tags: expected ids of lowercase ASCII words joined by dots or dashes "
                f"(e.g. complaint,callback), found {tag!r}"
            )
    return tags


def whole_number(option: str, text: str) -> int:
    """An option's text as a positive whole number, refused in the words ``new_sla`` uses for
    ``-3`` (argparse's ``type=int`` would print its usage and "invalid int value" for ``3.5``)."""
    stripped = text.strip()
    if re.fullmatch(r"[+-]?\d+", stripped) and int(stripped) > 0:
        return int(stripped)
    try:
        float(stripped)
        shown = stripped
    except ValueError:
        shown = repr(text)
    raise ScaffoldError(f"{option}: expected a positive whole number, found {shown}")


def _run(args: argparse.Namespace) -> int:
    """Run one scaffold; exit 2 for invalid usage or sources, 1 only when a file cannot be written."""
    from manualkit.diagnostics import EXIT_FAILED, EXIT_INVALID, EXIT_OK

    root = _project(args)
    try:
        if args.kind == "form":
            result = new_form(
                root,
                title=args.title,
                chapter=chapter_number(args.chapter),
                section=args.section,
                purpose=args.purpose,
                owner=args.owner,
            )
        elif args.kind == "sla":
            result = new_sla(
                root,
                name=args.name,
                value=whole_number("--value", args.value),
                unit=cast("DurationUnit", choose("--unit", args.unit, _UNITS, dict(_UNIT_WORDS))),
                start=args.start,
                end=args.end,
                prefix=args.prefix,
                sla_id=args.id,
                bound=cast("Bound", choose("--bound", args.bound, _BOUNDS, dict(_BOUND_WORDS))),
                kind=cast("SlaKind", choose("--kind", args.sla_kind, _KINDS)),
                chapter=chapter_number(args.chapter),
                section=args.section,
                owner=args.owner,
                tags=_tag_list(args.tags),
            )
        elif args.kind == "checklist":
            result = new_checklist(
                root,
                title=args.title,
                chapter=chapter_number(args.chapter),
                section=args.section,
                owner=args.owner,
                items=args.item or (),
            )
        else:
            result = new_chapter(
                root,
                title=args.title,
                slug=args.slug,
                owner=args.owner,
                review_due=_date("--review-due", args.review_due),
            )
    except ScaffoldError as exc:
        # The writer's input: an option, data/, manual/ or a template (nothing was left written).
        print(f"manualkit new {args.kind}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        # Not the input: the disk or permissions refused a read or write the input was fine for.
        where = f" {exc.filename}" if exc.filename else ""
        print(
            f"manualkit new {args.kind}: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr
        )
        return EXIT_FAILED
    print(result.message)
    return EXIT_OK


def add_new_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``manualkit new form|sla|checklist|chapter`` (sets ``handler``: args → exit code)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "new",
        help="start a new form, SLA, checklist or chapter with the next free id",
        description="Scaffold a valid entry in data/ or a new chapter in manual/, then say where to cite it.",
        epilog=_EXIT_STATUS,
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="{form,sla,checklist,chapter}")

    def common(p: argparse.ArgumentParser, *, owner_help: str, where: bool = True) -> None:
        p.epilog = _EXIT_STATUS
        p.add_argument(
            "--project", default=argparse.SUPPRESS, help="project root (default: current directory)"
        )
        if where:
            p.add_argument("--chapter", help="chapter number (its first section label is used)")
            p.add_argument("--section", help="section label the entry belongs to, e.g. complaint-intake")
        p.add_argument("--owner", required=not where, metavar="ROLE", help=owner_help)
        p.set_defaults(handler=_run)

    chapter_owner = "owning role id from data/roles.yaml (default: the owner in the chapter's front matter)"
    form = kinds.add_parser("form", help="a printable form F-CC-NN")
    form.add_argument("--title", required=True, help="form title, e.g. 投诉受理登记表")
    form.add_argument("--purpose", help="one sentence: what the form records")
    common(form, owner_help=chapter_owner)

    sla = kinds.add_parser("sla", help="a service level (duration between two events)")
    sla.add_argument("prefix", nargs="?", help="id prefix, e.g. complaint.general → complaint.general.N")
    sla.add_argument("--id", help="full id instead of a prefix, e.g. complaint.general.callback")
    sla.add_argument("--name", required=True, help="SLA name, e.g. 投诉回访时限")
    sla.add_argument("--value", required=True, help="amount, a positive whole number, e.g. 7")
    sla.add_argument(
        "--unit",
        required=True,
        help="working_days (工作日), calendar_days (天), hours (小时), minutes (分钟), months (月) "
        "or years (年)",
    )
    sla.add_argument(
        "--bound",
        default="within",
        help="within (以内, the default), at_least (至少) or at_most (不超过)",
    )
    sla.add_argument(
        "--kind",
        dest="sla_kind",
        default="deadline",
        help="deadline (the default), interval, advance, retention or period",
    )
    sla.add_argument("--start", required=True, help="start event, e.g. 受理投诉")
    sla.add_argument("--end", required=True, help="end event, e.g. 答复客户")
    sla.add_argument(
        "--tags", help="comma-separated tags, e.g. complaint,callback (SLA tables filter on them)"
    )
    common(
        sla,
        owner_help="owning role id from data/roles.yaml (default with --chapter/--section: the owner "
        "in that chapter's front matter; required without them)",
    )

    checklist = kinds.add_parser("checklist", help="a checklist CL-CC-NN")
    checklist.add_argument("--title", required=True)
    checklist.add_argument("--item", action="append", help="a checklist item (repeat)")
    common(checklist, owner_help=chapter_owner)

    chapter = kinds.add_parser("chapter", help="a new numbered chapter file, added to the index toctree")
    chapter.add_argument("--title", required=True, help="chapter title, e.g. 消费者权益保护")
    chapter.add_argument("--slug", required=True, help="file name and label, e.g. consumer-protection")
    chapter.add_argument("--review-due", help="YYYY-MM-DD (default: one year from today)")
    common(
        chapter,
        owner_help="required: role id from data/roles.yaml responsible for reviewing the new chapter "
        "(written to its front matter)",
        where=False,
    )
    return parser
