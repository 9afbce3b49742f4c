"""``manualkit check``: consistency checks over the data model and the parsed MyST sources.

Entry point :func:`run_checks` loads ``data/`` (through ``manualkit.loader``),
parses ``manual/*.md`` with source positions, runs every registered rule,
filters by ``--select``/``--ignore`` and applies inline suppressions::

    % manualkit: ignore MK103 -- the regulator's wording is quoted verbatim

Rule modules register by being listed in :data:`RULE_MODULES`; each module
holds functions tagged with ``@rule`` (see :mod:`manualkit.checks.registry`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manualkit.diagnostics import Diagnostic, Location, sort_diagnostics

if TYPE_CHECKING:
    from manualkit.checks.source import Suppression
    from manualkit.models import ManualData

#: Modules whose ``@rule`` functions make up the checker (add yours here).
RULE_MODULES: tuple[str, ...] = (
    "manualkit.checks.rules_meta",
    "manualkit.checks.rules_references",
    "manualkit.checks.rules_markup",
    "manualkit.checks.rules_toctree",
    "manualkit.checks.rules_local_files",
    "manualkit.checks.rules_internal_links",
    "manualkit.checks.rules_generated_lists",
    "manualkit.checks.rules_headings",
    "manualkit.checks.rules_footnotes",
    "manualkit.checks.rules_disabled_markup",
    "manualkit.checks.rules_deadlines",
    "manualkit.checks.rules_sla_tables",
    "manualkit.checks.rules_forms",
    "manualkit.checks.rules_processes",
    "manualkit.checks.rules_calendar",
    "manualkit.checks.rules_figures",
    "manualkit.checks.rules_citations",
    "manualkit.checks.rules_personal",
    "manualkit.checks.rules_review",
    "manualkit.checks.rules_style",
    "manualkit.checks.rules_unfinished",
    "manualkit.checks.rules_alt_text",
    "manualkit.checks.rules_nesting",
    "manualkit.checks.rules_glyphs",
    "manualkit.checks.revisions",
)

__all__ = ["RULE_MODULES", "CheckReport", "run_checks"]


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """Findings of one run (sorted), plus what inline suppressions silenced."""

    diagnostics: tuple[Diagnostic, ...]
    suppressed: tuple[Diagnostic, ...] = ()
    #: Rule ids that did not run because the data files are invalid (empty when data/ loaded).
    skipped: tuple[str, ...] = ()

    @property
    def suppressed_count(self) -> int:
        return len(self.suppressed)

    def count(self, severity: str) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)

    @property
    def has_errors(self) -> bool:
        return self.count("error") > 0

    def summary(self) -> str:
        return (
            f"{self.count('error')} error(s), {self.count('warning')} warning(s), "
            f"{self.count('info')} info, {self.suppressed_count} suppressed"
        )


def _selected(code: str, select: Sequence[str] | None, ignore: Sequence[str] | None) -> bool:
    from manualkit.checks.registry import matches

    if select and not matches(code, select):
        return False
    return not (ignore and matches(code, ignore))


def run_checks(
    project_root: Path,
    *,
    today: dt.date | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    tracked_only: bool = False,
) -> CheckReport:
    """Check one manual project (``conf.py``, ``manual/``, ``data/`` under ``project_root``).

    ``tracked_only``: a chapter git does not track counts as missing (what a commit contains).
    """
    from manualkit.loader import relaxed_gc

    # The rules walk the same long-lived objects the loader made: see ``LOAD_GC_THRESHOLD``.
    with relaxed_gc():
        return _run_checks(project_root, today=today, select=select, ignore=ignore, tracked_only=tracked_only)


def _run_checks(
    project_root: Path,
    *,
    today: dt.date | None,
    select: Sequence[str] | None,
    ignore: Sequence[str] | None,
    tracked_only: bool = False,
) -> CheckReport:
    from manualkit.checks.context import CheckContext
    from manualkit.checks.datapos import DataPositions
    from manualkit.checks.registry import collect
    from manualkit.checks.source import parse_manual
    from manualkit.loader import load_source

    root = Path(project_root)
    data_dir = root / "data"
    source = load_source(data_dir, root=root)
    data = source.data
    base = [dataclasses.replace(d, location=d.location.relative_to(root)) for d in source.diagnostics]
    base = [d for d in base if _selected(d.code, select, ignore)]
    degraded = data is None
    domains: tuple[str, ...] | None = ()
    if data is None:
        data, domains = _placeholder_data(data_dir)
    documents, unreadable = parse_manual(root / "manual", root)
    if _selected("MK003", select, ignore):
        base.extend(Diagnostic("MK003", "error", message, Location(path)) for path, message in unreadable)
    ctx = CheckContext(
        root=root,
        data=data,
        documents=documents,
        today=today or dt.date.today(),
        positions=DataPositions.from_source(root, data_dir, source),
        tracked_only=tracked_only,
    )
    ruleset = collect(RULE_MODULES)
    base.extend(
        Diagnostic("MK000", "error", f"rule module {name} could not be loaded ({error})", Location(name))
        for name, error in ruleset.broken
    )
    ran: set[str] = set()
    skipped: set[str] = set()
    found: list[Diagnostic] = []
    for func, rules in ruleset.functions:
        codes = {r.code for r in rules if _selected(r.code, select, ignore)}
        if not codes:
            continue
        if degraded and any(r.needs_data for r in rules):
            skipped |= codes
            continue
        if domains is None:  # the institution's mailboxes are unknown: an address may be one
            skipped |= codes & {"MK404"}
            codes -= {"MK404"}
        ran |= codes
        declared = {r.code for r in rules}
        for diag in func(ctx):
            if diag.code not in declared:
                raise RuntimeError(f"{func.__name__} reported undeclared rule id {diag.code}")
            if diag.code in codes:
                found.append(diag)
    kept, suppressed, unused = _apply_suppressions(found, ctx.suppressions, ran)
    if _selected("MK002", select, ignore):
        kept.extend(unused)
    return CheckReport(
        tuple(sort_diagnostics([*base, *kept])), tuple(sort_diagnostics(suppressed)), tuple(sorted(skipped))
    )


def _placeholder_data(data_dir: Path) -> tuple[ManualData, tuple[str, ...] | None]:
    """Stand-in data for the rules that do not need data/ (``needs_data=False``), run while the
    data files are invalid; and the institution's mailbox domains read leniently from
    data/manual.yaml (``None`` when unreadable: then e-mail addresses cannot be judged, MK404)."""
    import yaml

    from manualkit.models import ManualData, ManualMeta

    domains: tuple[str, ...] | None = None
    try:
        raw = yaml.safe_load((data_dir / "manual.yaml").read_text(encoding="utf-8"))
        listed = raw.get("institution_email_domains", []) if isinstance(raw, dict) else None
        if isinstance(listed, list) and all(isinstance(d, str) for d in listed):
            domains = tuple(listed)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        # ValueError: PyYAML builds dates as it reads (2026-13-01 raises); the loader reports it.
        domains = None
    # Only the fields the data-free rules read are set (model_construct skips validation).
    meta_fields: dict[str, Any] = {"institution_email_domains": domains or ()}
    data_fields: dict[str, Any] = {"meta": ManualMeta.model_construct(**meta_fields)}
    return ManualData.model_construct(**data_fields), domains


def _apply_suppressions(
    found: Iterable[Diagnostic], by_path: Mapping[str, Sequence[Suppression]], ran: set[str]
) -> tuple[list[Diagnostic], list[Diagnostic], list[Diagnostic]]:
    """Split findings into kept/suppressed; report suppressions that silenced nothing (MK002)."""
    from manualkit.checks.registry import expand
    from manualkit.checks.source import UNSUPPRESSIBLE

    used: set[tuple[str, int]] = set()
    kept: list[Diagnostic] = []
    suppressed: list[Diagnostic] = []
    for diag in found:
        path = diag.location.path
        hit = None
        if diag.code not in ("MK001", "MK002"):
            hit = next(
                (s for s in by_path.get(path, ()) if s.reason and s.covers(diag.code, diag.location.line)),
                None,
            )
        if hit is None:
            kept.append(diag)
        else:
            used.add((path, hit.line))
            suppressed.append(diag)
    unused: list[Diagnostic] = []
    for path, suppressions in by_path.items():
        for s in suppressions:
            relevant = (
                s.reason
                and s.codes
                and not s.too_broad
                and all(any(r.startswith(c) for r in ran) for c in expand(s.codes))
                # MK001 already says a personal-data suppression cannot work.
                and not any(c.startswith(UNSUPPRESSIBLE) for c in expand(s.codes))
            )
            if relevant and (path, s.line) not in used:
                unused.append(
                    Diagnostic(
                        "MK002",
                        "warning",
                        f"suppression of {', '.join(s.codes)} silences nothing on lines "
                        f"{s.first_line}-{s.last_line}; remove it",
                        Location(path, s.line, s.column),
                    )
                )
    return kept, suppressed, unused
