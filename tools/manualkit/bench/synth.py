"""Synthetic manuals at N× the size of a real one, for benchmarking.

A benchmark on a toy input says nothing; one on a random input says little more.  So the synthetic
manual is the *real* manual multiplied: every chapter and every data entry (SLAs, targets, windows,
shares, forms, checklists, processes) is copied N−1 times with renamed ids, labels and tags, so the
mix of prose, tables, forms and flowcharts stays the same and everything still resolves and checks
clean.  Shared facts (metadata, roles, regulations, glossary, revision history) are not copied: a
real manual ten times larger still has one glossary and one reference list.

Chapters holding *global* directives (lists of every form, every term …) are copied without those
blocks, otherwise each copy would list every entry of every copy and the size would grow
quadratically instead of linearly.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from manualkit.models import DATA_FILES
from manualkit.scaffold import add_to_toctree
from manualkit.toctree_text import toctree_entries

#: Collections copied per replica (their entries have ids other files and chapters refer to).
COPIED_COLLECTIONS: tuple[str, ...] = (
    "slas",
    "targets",
    "windows",
    "shares",
    "forms",
    "checklists",
    "processes",
)

#: Directives that list *every* entry of a kind; a copied chapter drops them (see module docstring).
GLOBAL_DIRECTIVES: frozenset[str] = frozenset(
    {
        "form-appendices",
        "glossary-list",
        "reference-list",
        "revision-history",
        "attachment-list",
        "toctree",
    }
)

#: Keys whose values refer to copied things (ids, step ids, section labels, tags): only these are
#: renamed, so an enum value that happens to equal a tag (``kind: retention``) is left alone.
_REFERENCE_KEYS: frozenset[str] = frozenset(
    {
        "id", "section", "tags", "to",
        "sla", "slas", "retention", "form", "forms",
        "checklist", "checklists", "process", "processes", "target", "targets", "window", "share",
    }
)  # fmt: skip
#: Keys holding a human-readable name that must stay unique across copies.
_NAME_KEYS: frozenset[str] = frozenset({"name", "title"})

_NUMBERED_ID = re.compile(r"^(F|CL)-(\d{2})-(\d{2})$")
_LABEL_LINE = re.compile(r"^\(([a-z][a-z0-9\-]*)\)=\s*$", re.MULTILINE)
#: An ASCII id-like token (labels, dotted ids, ``F-04-01``); trailing punctuation excluded.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_.\-{])[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9_](?![A-Za-z0-9_}])")
_FENCE_OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[a-z][a-z0-9\-]*)\}")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_CHAPTER_FILE = re.compile(r"^(\d{2,})-(.+)$")
_H1 = re.compile(r"^# (.+)$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class SynthResult:
    """What was generated: where, the chapters in toctree order, entries per copied collection."""

    root: Path
    factor: int
    chapters: tuple[str, ...]
    counts: Mapping[str, int]


def copy_suffix(replica: int) -> str:
    """Suffix appended to every renamed dotted id / label / tag of replica ``replica`` (≥ 2)."""
    return f"-x{replica}"


def name_suffix(replica: int) -> str:
    """Suffix appended to names and titles so no two entries read the same."""
    return f"（副本{replica}）"


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None


def _dump_yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=1000)


class _NumberedIds:
    """Allocates fresh ``F-cc-nn`` / ``CL-cc-nn`` ids: same chapter first, then spare chapter numbers.

    Ids are two digits each by schema, so a 50× manual cannot keep every copy in its chapter;
    the allocator prefers it and falls back to chapter numbers counted down from 99.
    """

    def __init__(self, used: Iterable[str]) -> None:
        self._used = set(used)

    def allocate(self, original: str, chapter: int | None = None) -> str:
        """A fresh id for a copy of ``original``, numbered for ``chapter`` (the copy's chapter, so
        the checker's MK208 holds) when that chapter has a two-digit number and a free id."""
        match = _NUMBERED_ID.match(original)
        if match is None:
            raise ValueError(f"not a numbered id: {original!r}")
        prefix, own = match.group(1), int(match.group(2))
        preferred = [c for c in (chapter, own) if c is not None and 1 <= c <= 99]
        chapters = [*dict.fromkeys(preferred), *[c for c in range(99, 0, -1) if c not in preferred]]
        for ch in chapters:
            for seq in range(1, 100):
                candidate = f"{prefix}-{ch:02d}-{seq:02d}"
                if candidate not in self._used:
                    self._used.add(candidate)
                    return candidate
        raise ValueError(f"no free {prefix} id left")


def _section_labels(chapter_texts: Iterable[str]) -> set[str]:
    labels: set[str] = set()
    for text in chapter_texts:
        labels.update(_LABEL_LINE.findall(text))
    return labels


def _entry_tags(raw: Mapping[str, Any]) -> set[str]:
    tags: set[str] = set()
    for key in COPIED_COLLECTIONS:
        for entry in raw.get(key) or []:
            if isinstance(entry, dict):
                tags.update(t for t in entry.get("tags") or [] if isinstance(t, str))
    return tags


def build_mapping(
    raw: Mapping[str, Any],
    labels: Iterable[str],
    replica: int,
    numbered: _NumberedIds,
    chapter_of: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """Old → new name of every id, step id, tag and section label, for one replica.

    ``chapter_of`` maps a section label to the number of this replica's copy of its chapter: a
    form or checklist copy is numbered for that chapter where it can be.
    """
    chapter_of = chapter_of or {}
    suffix = copy_suffix(replica)
    mapping: dict[str, str] = {}
    for label in labels:
        mapping[label] = label + suffix
    for tag in _entry_tags(raw):
        mapping[tag] = tag + suffix
    for key in COPIED_COLLECTIONS:
        for entry in raw.get(key) or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            old = entry["id"]
            if _NUMBERED_ID.match(old):
                mapping[old] = numbered.allocate(old, chapter_of.get(str(entry.get("section"))))
            else:
                mapping[old] = old + suffix
            for step in entry.get("steps") or []:
                if isinstance(step, dict) and isinstance(step.get("id"), str):
                    mapping.setdefault(step["id"], step["id"] + suffix)
    return mapping


def rename_text(text: str, mapping: Mapping[str, str]) -> str:
    """Replace every whole id-like token found in ``mapping`` (roles, options, labels, links)."""
    return _TOKEN.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def _rename_value(value: Any, mapping: Mapping[str, str], key: str | None) -> Any:
    if isinstance(value, dict):
        return {k: _rename_value(v, mapping, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_value(v, mapping, key) for v in value]
    if isinstance(value, str):
        if key in _REFERENCE_KEYS:
            return mapping.get(value, value)
        # Prose fields may cite with roles ({sla}`…`): rename inside those only.
        return rename_text(value, mapping) if "`" in value else value
    return value


def rename_entry(entry: Any, mapping: Mapping[str, str], replica: int) -> Any:
    """A copy of one data entry with ids/labels/tags renamed and its name made unique."""
    renamed = _rename_value(entry, mapping, None)
    if isinstance(renamed, dict):
        for key in _NAME_KEYS:
            if isinstance(renamed.get(key), str):
                renamed[key] = renamed[key] + name_suffix(replica)
    return renamed


def _fence_closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def drop_global_directives(text: str) -> str:
    """Remove fenced blocks of directives that list every entry (see ``GLOBAL_DIRECTIVES``)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if match and match.group("name") in GLOBAL_DIRECTIVES:
            fence = match.group("fence")
            j = i + 1
            while j < len(lines) and not _fence_closes(lines[j], fence):
                j += 1
            i = j + 1
            continue
        out.append(lines[i])
        i += 1
    return "".join(out)


def copy_chapter(text: str, mapping: Mapping[str, str], replica: int) -> str:
    """A chapter replica: global lists dropped, ids renamed, the title marked as a copy."""
    front = _FRONT_MATTER.match(text)
    head, body = (text[: front.end()], text[front.end() :]) if front else ("", text)
    body = rename_text(drop_global_directives(body), mapping)
    body = _H1.sub(lambda m: f"# {m.group(1)}{name_suffix(replica)}", body, count=1)
    return head + body


def _chapter_docs(project: Path) -> list[str]:
    """Toctree entries that are numbered chapter files and exist on disk."""
    index = (project / "manual" / "index.md").read_text(encoding="utf-8")
    return [
        doc
        for doc in toctree_entries(index)
        if _CHAPTER_FILE.match(Path(doc).name) and (project / "manual" / f"{doc}.md").exists()
    ]


def _has_global_directive(text: str) -> bool:
    return any(
        (m := _FENCE_OPEN.match(line)) is not None and m.group("name") in GLOBAL_DIRECTIVES
        for line in text.splitlines()
    )


#: Top-level entries of a project that a synthetic copy does not need.
_NOT_COPIED: frozenset[str] = frozenset(
    {
        "build", ".venv", "venv", ".git", "tests", ".ci", ".github", "node_modules",
        ".hypothesis", ".mypy_cache", ".pytest_cache", ".ruff_cache", "__pycache__",
    }
)  # fmt: skip


def _ignore_build(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n in {"build", ".git", "__pycache__"} or n.endswith(".egg-info")]


def synthesize(source: Path, dest: Path, factor: int) -> SynthResult:
    """Write a copy of the project ``source`` at ``dest`` with chapters and entries × ``factor``.

    ``dest`` is replaced.  The copies are inserted into the root toctree after the last chapter
    that is not back matter (the chapter with the glossary / form appendices stays last).
    """
    if factor < 1:
        raise ValueError("factor must be ≥ 1")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    # Everything a build or the checker may read (conf.py, docutils.conf, .autocorrectrc, templates/ …),
    # not the code, the caches or earlier outputs.
    for item in sorted(source.iterdir()):
        if item.name in _NOT_COPIED:
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name, ignore=_ignore_build)
        elif item.is_file():
            shutil.copy2(item, dest / item.name)

    data_dir = dest / "data"
    raw: dict[str, Any] = {key: _load_yaml(data_dir / name) for key, name in DATA_FILES.items()}
    docs = _chapter_docs(dest)
    texts = {doc: (dest / "manual" / f"{doc}.md").read_text(encoding="utf-8") for doc in docs}
    copied_docs = [doc for doc in docs if not _has_global_directive(texts[doc]) or len(docs) == 1]
    # Only labels of copied chapters get renamed: back matter is not copied, links to it stay.
    labels = _section_labels(texts[doc] for doc in copied_docs)
    body_docs = [doc for doc in docs if not _has_global_directive(texts[doc])]
    anchor = body_docs[-1] if body_docs else docs[-1]

    numbered = _NumberedIds(
        entry["id"]
        for key in ("forms", "checklists")
        for entry in raw.get(key) or []
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    )
    next_number = 1 + max((int(_CHAPTER_FILE.match(Path(d).name).group(1)) for d in docs), default=0)  # type: ignore[union-attr]
    new_docs: list[str] = []
    extra: dict[str, list[Any]] = {key: [] for key in COPIED_COLLECTIONS}
    doc_labels = {doc: _section_labels([texts[doc]]) for doc in copied_docs}
    for replica in range(2, factor + 1):
        numbers = {doc: next_number + k for k, doc in enumerate(copied_docs)}
        chapter_of = {label: numbers[doc] for doc in copied_docs for label in doc_labels[doc]}
        mapping = build_mapping(raw, labels, replica, numbered, chapter_of)
        for key in COPIED_COLLECTIONS:
            extra[key].extend(rename_entry(e, mapping, replica) for e in raw.get(key) or [])
        for doc in copied_docs:
            stem = _CHAPTER_FILE.match(Path(doc).name).group(2)  # type: ignore[union-attr]
            parent = Path(doc).parent
            new_doc = (parent / f"{next_number:02d}-{stem}{copy_suffix(replica)}").as_posix()
            next_number += 1
            target = dest / "manual" / f"{new_doc}.md"
            target.write_text(copy_chapter(texts[doc], mapping, replica), encoding="utf-8")
            new_docs.append(new_doc)

    for key in COPIED_COLLECTIONS:
        if extra[key]:
            combined = list(raw.get(key) or []) + extra[key]
            header = f"# Synthetic {factor}× copy of the real manual's {key} (manualkit.bench.synth).\n"
            (data_dir / DATA_FILES[key]).write_text(header + _dump_yaml(combined), encoding="utf-8")
    index_path = dest / "manual" / "index.md"
    if new_docs:
        index_path.write_text(
            add_to_toctree(index_path.read_text(encoding="utf-8"), new_docs, anchor), encoding="utf-8"
        )
    counts = {key: len(raw.get(key) or []) + len(extra[key]) for key in COPIED_COLLECTIONS}
    return SynthResult(root=dest, factor=factor, chapters=tuple(docs + new_docs), counts=counts)


def edit_one_paragraph(project: Path, marker: str = "（已修订）") -> Path:
    """Append ``marker`` to the first plain prose paragraph of the first chapter, for rebuild timing.

    Returns the edited file.  A "plain" paragraph: a line of Chinese prose outside front matter,
    fences, headings, labels, lists and tables.
    """
    for doc in _chapter_docs(project):
        path = project / "manual" / f"{doc}.md"
        text = path.read_text(encoding="utf-8")
        front = _FRONT_MATTER.match(text)
        start = front.end() if front else 0
        lines = text[start:].splitlines(keepends=True)
        fences: list[str] = []
        for i, line in enumerate(lines):
            stripped = line.strip()
            if fences and _fence_closes(line, fences[-1]):
                fences.pop()
                continue
            opener = re.match(r"^(:{3,}|`{3,})", stripped)
            if opener:
                fences.append(opener.group(1))
                continue
            if fences or not stripped or stripped[0] in "#(-*+|:>0123456789{`[!<":
                continue
            if not any("\u4e00" <= ch <= "\u9fff" for ch in stripped):
                continue
            lines[i] = line.rstrip("\n") + marker + ("\n" if line.endswith("\n") else "")
            path.write_text(text[:start] + "".join(lines), encoding="utf-8")
            return path
    raise ValueError(f"no plain paragraph found to edit under {project / 'manual'}")
