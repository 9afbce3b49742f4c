"""MK501–MK505: every chapter names its owner role and its next review date, and nothing else;
no file changes MyST's configuration."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Sequence

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.source import Document
from manualkit.diagnostics import Diagnostic, Location
from manualkit.myst_file_config import refusal_message, refused_settings


@rule(
    "MK503",
    "warning",
    "chapter review is overdue",
    """
    What: the chapter's `review_due` date is before today (`--today` overrides today).
    Why: the document-control procedure requires each chapter to be reviewed on schedule.
    Fix: review the chapter, then move `review_due` forward (typically one year).
    """,
)
@rule(
    "MK502",
    "error",
    "chapter owner is not a defined role",
    """
    What: the chapter front matter `owner:` must be a role id from data/roles.yaml.
    Why: ownership is how reviews and changes are routed; an unknown role routes them nowhere.
    Fix: use an existing role id or add the role.
    """,
)
@rule(
    "MK501",
    "error",
    "chapter front matter lacks owner or review_due",
    """
    What: every chapter (manual/NN-*.md) starts with YAML front matter declaring
    `owner: <role id>` and `review_due: YYYY-MM-DD`.
    Why: the review cycle is part of document control; a chapter without an owner or a review
    date is never reviewed.
    Fix: add `---\\nowner: cs.manager\\nreview_due: 2027-06-30\\n---` at the top of the chapter.
    """,
)
def review_cycle(ctx: CheckContext) -> Iterator[Diagnostic]:
    roles = {r.id for r in ctx.data.roles}
    for doc in ctx.documents:
        if not doc.name[:2].isdigit():
            continue
        problem = doc.front_matter_problem
        if problem is not None:
            where = Location(doc.path, problem.line, problem.column)
            yield Diagnostic("MK501", "error", f"front matter is not valid YAML: {problem.message}", where)
            continue
        fm, lines = doc.front_matter, doc.front_matter_lines
        owner = fm.get("owner")
        if not owner:
            yield _missing_key(doc, "owner", "front matter must declare `owner: <role id>`")
        elif str(owner) not in roles:
            yield Diagnostic(
                "MK502",
                "error",
                f"owner {owner!r} is not a role in data/roles.yaml",
                Location(doc.path, lines.get("owner", 1), 1),
            )
        due = fm.get("review_due")
        where = Location(doc.path, lines.get("review_due", 1), 1)
        if due is None:
            yield _missing_key(doc, "review_due", "front matter must declare `review_due: YYYY-MM-DD`")
        elif not isinstance(due, dt.date) or isinstance(due, dt.datetime):
            yield Diagnostic("MK501", "error", f"review_due must be a date YYYY-MM-DD, found {due!r}", where)
        elif due < ctx.today:
            yield Diagnostic(
                "MK503",
                "warning",
                f"review was due on {due.isoformat()} ({(ctx.today - due).days} days ago)",
                where,
            )


@rule(
    "MK504",
    "warning",
    "unknown key in a chapter's front matter",
    """
    What: a key in a chapter's front matter other than owner and review_due (and the keys Sphinx
    and MyST read: orphan, nosearch, tocdepth, nocomments, myst), e.g. `contact:`.
    A key that is a misspelling of owner or review_due (`ownr:`) is reported as MK501 at its line.
    A top-level `html_meta:` is an error: MyST reads it only under `myst:` and warns otherwise,
    which stops the build.
    Why: no output prints it and nothing reads it, so what the writer meant to record is lost.
    Fix: correct the key's name, or remove it (put notes in a `% …` comment line).
    """,
    needs_data=False,
)
def front_matter_keys(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        if not doc.name[:2].isdigit() or doc.front_matter_problem is not None:
            continue
        for key, line in doc.front_matter_lines.items():
            if key in _ALLOWED_KEYS or _misspelt_required(doc, key):
                continue
            if key == "html_meta":
                yield Diagnostic(
                    "MK504",
                    "error",
                    "top-level 'html_meta' in front matter: MyST warns that it is deprecated and the "
                    "build stops; expected it under the 'myst' key (myst:\n  html_meta: …)",
                    Location(doc.path, line, 1),
                )
                continue
            yield Diagnostic(
                "MK504",
                "warning",
                f"unknown front-matter key {key!r}: expected one of {', '.join(_REQUIRED_KEYS)} "
                f"(or Sphinx's {', '.join(_SPHINX_KEYS)}){_did_you_mean(key, _ALLOWED_KEYS)}",
                Location(doc.path, line, 1),
            )


@rule(
    "MK505",
    "error",
    "front matter changes MyST's configuration",
    """
    What: a chapter's front matter may give MyST only `html_meta` under `myst:`; any other setting
    there (`enable_extensions`, `disable_syntax`, `substitutions` …) is refused, in every file
    under manual/ (index.md included).
    Why: MyST lets a file replace the project's settings: `disable_syntax: []` turned raw HTML, and
    so working `<script>`, back on in the site, and substitutions run templates that can execute
    commands on the build machine.  Sources are untrusted; the build refuses the chapter too.
    Fix: remove the setting; what the manual needs is configured once, in conf.py.
    """,
    needs_data=False,
)
def file_level_myst_settings(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        if doc.front_matter_problem is not None:
            continue
        refused = refused_settings(doc.front_matter)
        if refused:
            line = doc.front_matter_lines.get("myst", 1)
            yield Diagnostic("MK505", "error", refusal_message(refused), Location(doc.path, line, 1))


#: Front-matter keys manualkit reads, and those Sphinx and MyST read.
_REQUIRED_KEYS = ("owner", "review_due")
_SPHINX_KEYS = ("orphan", "nosearch", "tocdepth", "nocomments", "myst")
_ALLOWED_KEYS = (*_REQUIRED_KEYS, *_SPHINX_KEYS)


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _misspelt_required(doc: Document, key: str) -> str | None:
    """The missing required key that ``key`` misspells (``ownr`` → ``owner``), if any."""
    if key in _ALLOWED_KEYS:
        return None
    missing = [k for k in _REQUIRED_KEYS if k not in doc.front_matter]
    close = difflib.get_close_matches(key, missing, n=1, cutoff=0.6)
    return close[0] if close else None


def _missing_key(doc: Document, key: str, message: str) -> Diagnostic:
    """MK501 for a required key: at the key that misspells it when there is one, else at 1:1."""
    for typo, line in doc.front_matter_lines.items():
        if _misspelt_required(doc, typo) == key:
            return Diagnostic(
                "MK501",
                "error",
                f"unknown front-matter key {typo!r}; did you mean {key!r}? ({message})",
                Location(doc.path, line, 1),
            )
    return Diagnostic("MK501", "error", message, Location(doc.path, 1, 1))
