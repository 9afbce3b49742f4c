"""``manualkit refresh-site``: the published site's version in force, decided again for today.

Why: a version released before its effective date (批准待施行) leaves its predecessor in force.
In a browser the pages decide on the reader's date (versions.json, JavaScript), but ``latest/``,
the root index.html and versions.json are files written at the release: until the next release,
a reader without JavaScript, a link to ``latest/…pdf`` fetched by another system, or a search
engine still got the superseded version after the new one took effect.  CI runs this command
every day (.github/workflows/publish.yml, schedule) so that they follow within a day.

It changes only those entries (and version-status.css, the old pages' notice without
JavaScript: manualkit.site_status), atomically and all or nothing (as a release does), and
never moves the site back in time: the date is that of the run or the site's own ``as_of``,
whichever is later.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from manualkit.argtypes import iso_date
from manualkit.diagnostics import EXIT_FAILED, EXIT_INVALID
from manualkit.release import (
    SITE_DIR,
    VERSIONS_JSON,
    InvalidReleaseInput,
    Publication,
    ReleaseError,
    load_manual_data,
    publish_listing,
    published_as_of,
    read_versions,
    refuse_unpublishable,
)


@dataclasses.dataclass(frozen=True)
class Refreshed:
    """The version in force before and after, and the date the site now speaks for."""

    before: str | None
    after: str
    as_of: dt.date


def refresh_site(root: Path, site: Path | None = None, on: dt.date | None = None) -> Refreshed:
    """Rewrite versions.json, ``latest`` and index.html of ``site`` as they stand on ``on``.

    ``on`` defaults to today (the machine's local date: CI sets TZ=CST-8, China time); a date before
    the site's ``as_of`` is taken as ``as_of``.  The index page's title comes from ``root``'s data.
    """
    site = (site or root / "build" / SITE_DIR).resolve()
    refuse_unpublishable(site)
    entries = read_versions(site)
    if not entries:
        raise InvalidReleaseInput(f"{site / VERSIONS_JSON}: no published version to decide between")
    title = load_manual_data(root).meta.title
    previous = published_as_of(site)
    day = on or dt.date.today()
    as_of = max(day, previous) if previous is not None else day
    before = next((str(e["version"]) for e in entries if e.get("latest")), None)
    with Publication(site) as publication:
        after = publish_listing(publication, entries, as_of, title)
    return Refreshed(before, after, as_of)


def add_refresh_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Mount ``manualkit refresh-site`` on the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "refresh-site",
        help="decide again which published version is in force today (latest/, index.html, the "
        "no-JavaScript notices)",
        description=(
            "Rewrite build/site's versions.json, version-status.css, latest/ and index.html for "
            "today's date, so that a version released ahead of its effective date becomes the one "
            "in force once that date has come (also for readers without JavaScript). Never moves "
            "the site back in time."
        ),
    )
    parser.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.add_argument("--site", type=Path, default=None, help="site directory (default: build/site)")
    parser.add_argument(
        "--on",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="decide for this date (default: today)",
    )
    parser.set_defaults(handler=run_refresh)
    return parser


def run_refresh(args: argparse.Namespace) -> int:
    try:
        result = refresh_site(Path(getattr(args, "project", None) or Path.cwd()), args.site, args.on)
    except ReleaseError as exc:
        print(f"manualkit refresh-site: {exc}", file=sys.stderr)
        return EXIT_INVALID if isinstance(exc, InvalidReleaseInput) else EXIT_FAILED
    change = f"was v{result.before}" if result.before and result.before != result.after else "unchanged"
    print(f"site as of {result.as_of.isoformat()}: version in force v{result.after} ({change})")
    return 0
