"""``manualkit new form|sla|checklist|chapter``: start a new entry or chapter that is valid at once.

A writer adding a form should not have to know the YAML schema, the id scheme or where the form is
printed.  Each scaffold picks the next free id, renders a template from ``templates/scaffold/``,
*appends* it as text (the data file's comments and layout stay as the writer left them), re-loads
``data/`` with the real loader and rolls the file back if the new entry made it invalid.  It then
says where the new entry is to be cited, in the writer's terms (a role to type, a file to open).
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from manualkit.diagnostics import Diagnostic
    from manualkit.models import Bound, DurationUnit, SlaKind

# Heavy modules (yaml, jinja2, pydantic via the loader) are imported where used: ``manualkit.cli``
# imports this module to mount ``manualkit new`` on every command, and ``manualkit check`` must
# start fast.

_UNITS: tuple[DurationUnit, ...] = ("working_days", "calendar_days", "hours", "minutes", "months", "years")
_BOUNDS: tuple[Bound, ...] = ("within", "at_least", "at_most")
_KINDS: tuple[SlaKind, ...] = ("deadline", "interval", "advance", "retention", "period")
_CHAPTER_FILE = re.compile(r"^(\d{2,})-([a-z0-9][a-z0-9\-]*)\.md$")
_LABEL_LINE = re.compile(r"^\(([a-z][a-z0-9\-]*)\)=\s*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_FENCE_OPEN = re.compile(r"^\s*(?P<fence>:{3,}|`{3,})\{(?P<name>[a-z][a-z0-9\-]*)\}")
_SLUG = re.compile(r"^[a-z][a-z0-9\-]*$")
_DOTTED = re.compile(r"^[a-z][a-z0-9_]*(?:[.\-][a-z0-9_]+)*$")


class ScaffoldError(Exception):
    """A scaffold request that cannot be fulfilled; the message says what to change."""


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


# --------------------------------------------------------------------------- toctree helpers


def _fence_closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def toctree_entries(index_text: str) -> list[str]:
    """Document names listed in the toctree(s) of ``manual/index.md``, in order."""
    entries: list[str] = []
    fence = ""
    for line in index_text.splitlines():
        match = _FENCE_OPEN.match(line)
        if not fence and match and match.group("name") == "toctree":
            fence = match.group("fence")
            continue
        if fence:
            stripped = line.strip()
            if _fence_closes(line, fence):
                fence = ""
            elif stripped and not stripped.startswith(":"):
                entries.append(stripped)
    return entries


def add_to_toctree(index_text: str, new_entries: Iterable[str], after: str) -> str:
    """Insert toctree entries right after the entry ``after`` (keeping its indentation)."""
    out: list[str] = []
    pending = list(new_entries)
    for line in index_text.splitlines(keepends=True):
        out.append(line)
        if pending and line.strip() == after:
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(f"{indent}{entry}\n" for entry in pending)
            pending = []
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
        text = path.read_text(encoding="utf-8")
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
                        f"section {section!r} is in {_rel(root, ch.path)} (chapter {ch.number}), "
                        f"not chapter {chapter}"
                    )
                return ch, section
        every = [label for ch in known for label in ch.labels]
        close = difflib.get_close_matches(section, every, n=3)
        hint = (
            f"did you mean {' or '.join(repr(label) for label in close)}?"
            if close
            else ("see the (label)= lines of manual/*.md")
        )
        raise ScaffoldError(f"no section label ({section})= in manual/*.md; {hint}")
    if chapter is None:
        raise ScaffoldError("say where the entry belongs: --chapter N or --section LABEL")
    for ch in known:
        if ch.number == chapter:
            if not ch.labels:
                raise ScaffoldError(f"{_rel(root, ch.path)} has no section label to attach the entry to")
            return ch, ch.labels[0]
    numbers = ", ".join(str(ch.number) for ch in known) or "none"
    raise ScaffoldError(f"no chapter {chapter} in manual/ (chapters: {numbers})")


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
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScaffoldError(f"{_rel(root, path)}: not valid YAML, fix it first ({exc})") from exc
    if not isinstance(raw, list):
        return []
    return [e["id"] for e in raw if isinstance(e, dict) and isinstance(e.get("id"), str)]


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
            f"SLA id prefix must be lowercase dotted words like complaint.general, found {prefix!r}"
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
    """Append ``entry_text`` to the collection's data file; return the 1-based line of the new entry.

    The file is re-loaded with the real loader afterwards; any error that was not there before
    (or the new id not loading) restores the previous text and raises ``ScaffoldError``.
    """
    import yaml

    from manualkit.loader import load_data

    data_dir = root / "data"
    path = data_file(root, collection)
    before_text = path.read_text(encoding="utf-8") if path.exists() else None
    _, before_diags = load_data(data_dir)
    before = _errors(before_diags)

    text = before_text or ""
    if text.strip() and yaml.safe_load(text) in (None, []):
        # ``[]`` (flow style) cannot be continued with a block entry: keep only the comments.
        text = "".join(line for line in text.splitlines(keepends=True) if line.lstrip().startswith("#"))
    text = text.rstrip("\n") + "\n" if text.strip() else text
    separator = "\n" if text.strip() else ""
    start_line = text.count("\n") + separator.count("\n") + 1
    path.write_text(text + separator + entry_text.rstrip("\n") + "\n", encoding="utf-8")

    data, after_diags = load_data(data_dir)
    new_errors = sorted(_errors(after_diags) - before)
    loaded = data is not None and new_id in {e.id for e in getattr(data, collection)}
    if new_errors or not loaded:
        if before_text is None:
            path.unlink()
        else:
            path.write_text(before_text, encoding="utf-8")
        details = "\n".join(new_errors) or f"{new_id} did not load from {_rel(root, path)}"
        raise ScaffoldError(f"the new entry was rolled back, it made data/ invalid:\n{details}")
    entry_line = next(
        (start_line + i for i, line in enumerate(entry_text.splitlines()) if line.startswith("- ")),
        start_line,
    )
    return entry_line


def _known_role(root: Path, role: str) -> None:
    roles = existing_ids(root, "roles")
    if roles and role not in roles:
        raise ScaffoldError(f"unknown role {role!r}; roles in data/roles.yaml: {', '.join(roles)}")


def _owner(root: Path, owner: str | None, chapter: Chapter) -> str:
    chosen = owner or chapter.owner
    if not chosen:
        raise ScaffoldError(f"{_rel(root, chapter.path)} has no owner in its front matter: pass --owner ROLE")
    _known_role(root, chosen)
    return chosen


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
    ch, label = locate(root, chapter, section)
    form_id = next_numbered_id("F", ch.number, existing_ids(root, "forms"))
    text = render_template(
        root,
        "form.yaml.j2",
        id=form_id,
        title=title,
        purpose=purpose or f"{title}，用于记录办理情况",
        section=label,
        owner=_owner(root, owner, ch),
    )
    line = append_entry(root, "forms", text, form_id)
    path = data_file(root, "forms")
    where = _rel(root, ch.path)
    message = (
        f"Added form {form_id} {title} at {_rel(root, path)}:{line} (replace its sample fields).\n"
        f"Print it in {where}, section ({label}), with:\n\n:::{{form}} {form_id}\n:::\n\n"
        f"Cite it in prose with {{form}}`{form_id}`. The form appendices list it automatically."
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
    existing = existing_ids(root, "slas")
    if sla_id:
        if not _DOTTED.match(sla_id):
            raise ScaffoldError(
                f"SLA ids are lowercase dotted words like complaint.general.resolve, found {sla_id!r}"
            )
        if sla_id in existing:
            raise ScaffoldError(f"SLA {sla_id!r} already exists in data/slas.yaml")
        new_id = sla_id
    elif prefix:
        new_id = next_prefixed_id(prefix, existing)
    else:
        raise ScaffoldError("give an id prefix (manualkit new sla complaint.general …) or --id")
    ch: Chapter | None = None
    label: str | None = None
    if chapter is not None or section is not None:
        ch, label = locate(root, chapter, section)
    if ch is not None:
        chosen_owner = _owner(root, owner, ch)
    elif owner:
        _known_role(root, owner)
        chosen_owner = owner
    else:
        raise ScaffoldError("pass --owner ROLE (or --section/--chapter to take the chapter's owner)")
    if value <= 0:
        raise ScaffoldError(f"--value must be a positive whole number, found {value}")
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
    where = f" in {_rel(root, ch.path)}, section ({label})" if ch else ""
    message = (
        f"Added SLA {new_id} ({name}: {shown}) at {_rel(root, path)}:{line}.\n"
        f"Cite it with {{sla}}`{new_id}`{where}: it renders as “{shown}”, linked to its row of "
        f"the SLA table once a :::{{sla-table}} lists it (by its section or tags)."
    )
    return Scaffolded(path, new_id, line, message)


def new_checklist(
    root: Path,
    *,
    title: str,
    chapter: int | None = None,
    section: str | None = None,
    owner: str | None = None,
    items: Sequence[str] = (),
) -> Scaffolded:
    ch, label = locate(root, chapter, section)
    checklist_id = next_numbered_id("CL", ch.number, existing_ids(root, "checklists"))
    text = render_template(
        root,
        "checklist.yaml.j2",
        id=checklist_id,
        title=title,
        owner=_owner(root, owner, ch),
        section=label,
        items=list(items) or ["（待补充检查事项）"],
    )
    line = append_entry(root, "checklists", text, checklist_id)
    path = data_file(root, "checklists")
    message = (
        f"Added checklist {checklist_id} {title} at {_rel(root, path)}:{line}.\n"
        f"Print it in {_rel(root, ch.path)}, section ({label}), with:\n\n"
        f":::{{checklist}} {checklist_id}\n:::"
    )
    return Scaffolded(path, checklist_id, line, message)


def new_chapter(
    root: Path, *, title: str, slug: str, owner: str | None, review_due: dt.date | None = None
) -> Scaffolded:
    if not owner:
        raise ScaffoldError("pass --owner ROLE: the role responsible for reviewing the new chapter")
    if not _SLUG.match(slug):
        raise ScaffoldError(
            f"--slug must be lowercase ASCII words with dashes (e.g. complaints), found {slug!r}"
        )
    _known_role(root, owner)
    known = chapters(root)
    taken = {label for ch in known for label in ch.labels}
    if slug in taken:
        raise ScaffoldError(f"section label ({slug})= already exists; choose another --slug")
    index = root / "manual" / "index.md"
    if not index.exists():
        raise ScaffoldError(f"{_rel(root, index)} not found: is {root} a manualkit project?")
    index_text = index.read_text(encoding="utf-8")
    entries = toctree_entries(index_text)
    numbered = [e for e in entries if _CHAPTER_FILE.match(Path(e).name + ".md")]
    if not numbered:
        raise ScaffoldError(f"{_rel(root, index)}: no numbered chapter (NN-name) in its toctree")
    number = max(ch.number for ch in known) + 1 if known else 1
    doc = f"{number:02d}-{slug}"
    path = root / "manual" / f"{doc}.md"
    due = review_due or _one_year_after(dt.date.today())
    path.write_text(
        render_template(
            root, "chapter.md.j2", owner=owner, review_due=due.isoformat(), label=slug, title=title
        ),
        encoding="utf-8",
    )
    index.write_text(add_to_toctree(index_text, [doc], numbered[-1]), encoding="utf-8")
    last = root / "manual" / f"{numbered[-1]}.md"
    back_matter = last.exists() and _lists_everything(last.read_text(encoding="utf-8"))
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


def _lists_everything(text: str) -> bool:
    """Whether a chapter is back matter: it holds the form appendices, glossary or reference list."""
    names = {"form-appendices", "glossary-list", "reference-list", "attachment-list", "revision-history"}
    return any(
        (m := _FENCE_OPEN.match(line)) is not None and m.group("name") in names for line in text.splitlines()
    )


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# --------------------------------------------------------------------------- CLI


def _project(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "project", None) or ".")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {value!r}") from exc


def _tags(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _run(args: argparse.Namespace) -> int:
    root = _project(args)
    try:
        if args.kind == "form":
            result = new_form(
                root,
                title=args.title,
                chapter=args.chapter,
                section=args.section,
                purpose=args.purpose,
                owner=args.owner,
            )
        elif args.kind == "sla":
            result = new_sla(
                root,
                name=args.name,
                value=args.value,
                unit=args.unit,
                start=args.start,
                end=args.end,
                prefix=args.prefix,
                sla_id=args.id,
                bound=args.bound,
                kind=args.sla_kind,
                chapter=args.chapter,
                section=args.section,
                owner=args.owner,
                tags=args.tags or (),
            )
        elif args.kind == "checklist":
            result = new_checklist(
                root,
                title=args.title,
                chapter=args.chapter,
                section=args.section,
                owner=args.owner,
                items=args.item or (),
            )
        else:
            result = new_chapter(
                root, title=args.title, slug=args.slug, owner=args.owner, review_due=args.review_due
            )
    except ScaffoldError as exc:
        print(f"manualkit new {args.kind}: {exc}", file=sys.stderr)
        return 1
    print(result.message)
    return 0


def add_new_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``manualkit new form|sla|checklist|chapter`` (sets ``handler``: args → exit code)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "new",
        help="start a new form, SLA, checklist or chapter with the next free id",
        description="Scaffold a valid entry in data/ or a new chapter in manual/, then say where to cite it.",
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="{form,sla,checklist,chapter}")

    def common(p: argparse.ArgumentParser, *, where: bool = True) -> None:
        p.add_argument(
            "--project", default=argparse.SUPPRESS, help="project root (default: current directory)"
        )
        if where:
            p.add_argument("--chapter", type=int, help="chapter number (its first section label is used)")
            p.add_argument("--section", help="section label the entry belongs to, e.g. complaint-intake")
        p.add_argument("--owner", help="owning role id (default: the chapter's front-matter owner)")
        p.set_defaults(handler=_run)

    form = kinds.add_parser("form", help="a printable form F-CC-NN")
    form.add_argument("--title", required=True, help="form title, e.g. 投诉受理登记表")
    form.add_argument("--purpose", help="one sentence: what the form records")
    common(form)

    sla = kinds.add_parser("sla", help="a service level (duration between two events)")
    sla.add_argument("prefix", nargs="?", help="id prefix, e.g. complaint.general → complaint.general.N")
    sla.add_argument("--id", help="full id instead of a prefix, e.g. complaint.general.callback")
    sla.add_argument("--name", required=True, help="SLA name, e.g. 投诉回访时限")
    sla.add_argument("--value", type=int, required=True, help="amount, e.g. 7")
    sla.add_argument("--unit", choices=_UNITS, required=True)
    sla.add_argument("--bound", choices=_BOUNDS, default="within")
    sla.add_argument("--kind", dest="sla_kind", choices=_KINDS, default="deadline")
    sla.add_argument("--start", required=True, help="start event, e.g. 受理投诉")
    sla.add_argument("--end", required=True, help="end event, e.g. 答复客户")
    sla.add_argument("--tags", type=_tags, help="comma-separated tags (SLA tables filter on them)")
    common(sla)

    checklist = kinds.add_parser("checklist", help="a checklist CL-CC-NN")
    checklist.add_argument("--title", required=True)
    checklist.add_argument("--item", action="append", help="a checklist item (repeat)")
    common(checklist)

    chapter = kinds.add_parser("chapter", help="a new numbered chapter file, added to the index toctree")
    chapter.add_argument("--title", required=True, help="chapter title, e.g. 消费者权益保护")
    chapter.add_argument("--slug", required=True, help="file name and label, e.g. consumer-protection")
    chapter.add_argument("--review-due", type=_date, help="YYYY-MM-DD (default: one year from today)")
    common(chapter, where=False)
    return parser
