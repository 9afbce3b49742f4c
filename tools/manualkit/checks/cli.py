"""Mount ``manualkit check`` and ``manualkit due`` on the main CLI (``manualkit.cli``).

``manualkit.cli`` calls :func:`add_check_parser` and :func:`add_due_parser` with its
sub-parsers object; each sets ``handler`` (``args -> exit code``) via ``set_defaults``.
``python -m manualkit.checks`` runs the same ``check`` command standalone.
Nothing heavy is imported here: the check path must start fast (pre-commit hook).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manualkit.argtypes import iso_date, missing_day
from manualkit.diagnostics import EXIT_FAILED, EXIT_INVALID, EXIT_OK

if TYPE_CHECKING:
    from manualkit.checks import CheckReport


def _ids(value: str) -> list[str]:
    return [v.strip().upper() for v in value.split(",") if v.strip()]


def _moment(value: str) -> dt.date | dt.datetime:
    try:
        if "T" in value or " " in value.strip():
            return dt.datetime.fromisoformat(value)
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            missing_day(value) or f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, found {value!r}"
        ) from exc


def _project(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "project", None) or ".")


def add_check_parser(subparsers: Any) -> argparse.ArgumentParser:
    """``manualkit check``: run the consistency checks; exit 1 on errors, 2 on invalid data."""
    from manualkit.checks.registry import FAMILIES
    from manualkit.checks.report import FORMATS

    p: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="check the manual's consistency (references, deadlines, forms, style …)",
        description=(
            "Check data/ and manual/ for contradictions. Exit status: 0 no errors, 1 errors found, "
            "2 invalid data files (nothing checked) or bad usage."
        ),
    )
    p.add_argument("--project", default=argparse.SUPPRESS, help="project root (default: current directory)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    families = ", ".join(name.lower() for name in FAMILIES)
    p.add_argument(
        "--select",
        type=_ids,
        action="extend",
        help=f"only these rule ids, id prefixes (MK1) or families ({families})",
    )
    p.add_argument("--ignore", type=_ids, action="extend", help="skip these rule ids, prefixes or families")
    p.add_argument("--today", type=iso_date, help="pretend today is this date (review and calendar rules)")
    p.add_argument(
        "--show-info", action="store_true", help="also list info findings (always counted; JSON has them all)"
    )
    p.add_argument(
        "--tracked-only",
        action="store_true",
        help="a chapter git does not track counts as missing (MK109; for the pre-commit hook, which "
        "checks the working tree with unstaged changes stashed but untracked files still present)",
    )
    p.add_argument("--explain", metavar="ID", help="explain a rule (what, why, how to fix) and exit")
    p.add_argument("--list-rules", action="store_true", help="list every rule id and exit")
    p.set_defaults(handler=run_check_command)
    return p


def add_due_parser(subparsers: Any) -> argparse.ArgumentParser:
    """``manualkit due SLA --from DATE``: the due date of an SLA on the business calendar."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "due",
        help="compute an SLA's due date on the official working-day calendar",
        description=(
            "Print when an SLA falls due for something received at --from. The day (or hour) of "
            "receipt is not counted: 7 working days from 2026-09-30 means the 7th working day after "
            "2026-09-30. Hour SLAs need a datetime (2026-09-30T14:00) and count clock hours."
        ),
    )
    p.add_argument("sla", help="SLA id, e.g. complaint.general.resolve")
    p.add_argument("--from", dest="start", type=_moment, required=True, help="date or datetime of receipt")
    p.add_argument("--project", default=argparse.SUPPRESS, help="project root (default: current directory)")
    p.set_defaults(handler=run_due_command)
    return p


def run_check_command(args: argparse.Namespace) -> int:
    from manualkit.checks import run_checks
    from manualkit.checks.registry import FAMILIES, all_rules
    from manualkit.checks.report import render

    if args.list_rules:
        for r in all_rules():
            print(f"{r.code}  {r.severity:<7}  {r.summary}")
        print("\nfamilies: " + "; ".join(f"{k.lower()} = {','.join(v)}" for k, v in FAMILIES.items()))
        return EXIT_OK
    if args.explain:
        code = args.explain.strip().upper()
        found = next((r for r in all_rules() if r.code == code), None)
        if found is None:
            from manualkit.loader import DATA_CODES

            if code in DATA_CODES:  # check reports the loader's findings too: explain them as well
                summary, explanation = DATA_CODES[code]
                print(f"{code}: {summary}\n\n{explanation}")
                return EXIT_OK
            print(
                f"manualkit check: unknown rule id {code!r} (see --list-rules; data codes: DATA001 …)",
                file=sys.stderr,
            )
            return EXIT_INVALID
        print(found.explain(), end="")
        return EXIT_OK
    from manualkit.checks.registry import unknown_patterns

    codes = [r.code for r in all_rules()]
    bad = unknown_patterns([*(args.select or []), *(args.ignore or [])], codes)
    if bad:
        print(
            f"manualkit check: {', '.join(bad)} matches no rule id, prefix or family (see --list-rules)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    root = _project(args)
    report = run_checks(
        root, today=args.today, select=args.select, ignore=args.ignore, tracked_only=args.tracked_only
    )
    print(render(report, args.format, show_info=args.show_info))
    if _data_invalid(root, report):
        return EXIT_INVALID
    return EXIT_FAILED if report.has_errors else EXIT_OK


def _data_invalid(root: Path, report: CheckReport) -> bool:
    """Whether the data files could not be loaded (then no rule ran): exit 2, like ``build``/``data``.

    Asks the loader, whose result of the check run is reused (the files are unchanged, see
    ``loader.load_data``), so ``--select``/``--ignore`` cannot make invalid data pass; errors they
    hid from the report are printed on stderr.
    """
    from manualkit.loader import load_data

    data, diagnostics = load_data(root / "data", root=root)
    if data is not None:
        return False
    shown = set(report.diagnostics)
    for diag in diagnostics:
        diag = dataclasses.replace(diag, location=diag.location.relative_to(root))
        if diag.severity == "error" and diag not in shown:
            print(diag.format(), file=sys.stderr)
    skipped = f" ({_ranges(report.skipped)})" if report.skipped else ""
    print(
        f"manualkit check: invalid data files: the checks that need data/ were skipped{skipped}; "
        "the checks of the chapters alone ran — fix the data errors and run again",
        file=sys.stderr,
    )
    return True


def _ranges(codes: Sequence[str]) -> str:
    """MK101, MK102, MK103, MK106 → "MK101–MK103, MK106": a short list of the skipped rules."""
    groups: list[list[str]] = []
    for code in sorted(codes):
        if groups and code[:2] == groups[-1][-1][:2] and int(code[2:]) == int(groups[-1][-1][2:]) + 1:
            groups[-1].append(code)
        else:
            groups.append([code])
    return ", ".join(g[0] if len(g) == 1 else f"{g[0]}–{g[-1]}" for g in groups)


def run_due_command(args: argparse.Namespace) -> int:
    from manualkit.business_calendar import CalendarError, CalendarQuestionError, due_for_sla
    from manualkit.diagnostics import SourceError
    from manualkit.loader import load_or_raise

    root = _project(args)
    try:
        data = load_or_raise(root / "data")
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    try:
        sla = data.sla(args.sla)
    except KeyError:
        known = ", ".join(s.id for s in data.slas)
        print(f"manualkit due: unknown SLA {args.sla!r}; known: {known}", file=sys.stderr)
        return EXIT_INVALID
    try:
        print(due_for_sla(sla, args.start, root / "data"))
    except CalendarError as exc:
        print(f"manualkit due: {exc}", file=sys.stderr)
        return EXIT_INVALID if isinstance(exc, CalendarQuestionError) else EXIT_FAILED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``python -m manualkit.checks [check|due] …`` (default: check)."""
    parser = argparse.ArgumentParser(prog="manualkit")
    sub = parser.add_subparsers(dest="command")
    add_check_parser(sub)
    add_due_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("check", "due", "-h", "--help"):
        argv.insert(0, "check")
    args = parser.parse_args(argv)
    handler = args.handler
    result: int = handler(args)
    return result
