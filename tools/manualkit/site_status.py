"""The published site's ``version-status.css``: which pages say "superseded" without JavaScript.

Why a stylesheet: an old version's pages are never rebuilt, and the version switcher
(manualkit-versions.js) tells a reader that a page is superseded only when scripts run.  A bank's
desktop browser with scripts blocked, or a page saved from a search result, showed a withdrawn
procedure with no warning at all.  Every page of a published version (``manualkit release`` sets
``manualkit_site_status``) carries a hidden notice naming its version and links this file at the
site's root; each publication and ``manualkit refresh-site`` rewrites it, so the notice of every
published page appears or changes with the site's decision of the day, in the same words as the
script's banner.  With scripts on, the switcher decides on the reader's own date and the static
notice stands down (``html.mk-versions-live`` in manualkit-revisions.css).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from manualkit.css_text import css_string
from manualkit.revisions import version_key
from manualkit.sphinx.formatting import render_date

#: The stylesheet's name at the site's root (beside versions.json).
VERSION_STATUS_CSS = "version-status.css"
#: The site's link to the folder of the version in force (``manualkit release`` writes it).
LATEST = "latest"
#: The class of the notice every published page carries (templates/html/page.html).
NOTICE_CLASS = "mk-static-status"

_HEADER = """\
/* Written by manualkit release / manualkit refresh-site: the versions whose pages say, without
   JavaScript, that they are not the version in force (as of {as_of}).  Do not edit. */
"""

#: A version's notice shown, its words, and room for it below the page's last line.
_RULES = """\
.{cls}[data-version={version}] {{ display: block;{colours} }}
.{cls}[data-version={version}]::before {{ content: {text}; }}
html:not(.mk-versions-live) body:has(.{cls}[data-version={version}]) {{ padding-bottom: 3em; }}
"""
#: Approved, not yet in force: amber, a caution, as the switcher's banner (the red is the default).
_PENDING_COLOURS = " border-color: #d9a400; background: #fff8e1; color: #5c4400;"


def _chinese_date(iso: str) -> str:
    """``2027-01-04`` → ``2027年1月4日`` (as the switcher writes it); other text unchanged."""
    try:
        return render_date(dt.date.fromisoformat(iso))
    except ValueError:
        return iso


def notice_text(version: str, current: str, effective: str | None) -> str | None:
    """What a page of ``version`` says while ``current`` is in force; ``None`` for ``current``."""
    if version_key(version) == version_key(current):
        return None
    if version_key(version) < version_key(current):
        return f"本版本（v{version}）已被 v{current} 取代，仅供查阅。"
    since = f"（自{_chinese_date(effective)}起施行）" if effective else ""
    return f"本版本（v{version}）批准待施行{since}，现行版本为 v{current}。"


def version_status_css(entries: Iterable[Mapping[str, Any]], current: str, as_of: dt.date) -> str:
    """The stylesheet for ``entries`` (versions.json's) with ``current`` in force on ``as_of``."""
    rules: list[str] = [_HEADER.format(as_of=as_of.isoformat())]
    ordered: Sequence[Mapping[str, Any]] = sorted(
        entries, key=lambda e: version_key(str(e["version"])), reverse=True
    )
    for entry in ordered:
        version = str(entry["version"])
        effective = entry.get("effective")
        text = notice_text(version, current, str(effective) if effective else None)
        if text is None:
            continue
        colours = "" if version_key(version) < version_key(current) else _PENDING_COLOURS
        quoted = css_string(version)
        rules.append(_RULES.format(cls=NOTICE_CLASS, version=quoted, text=css_string(text), colours=colours))
    return "\n".join(rules)
