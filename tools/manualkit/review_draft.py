"""Whether a build is a review draft: the approval of the version it prints is still to come.

The manual is a controlled document.  Every build's cover says 受控文本 and names the approval —
also a build of version 1.1 made while 1.1 is still being reviewed, whose ``approved_on`` in
data/revisions.yaml is the planned approval day.  Such a copy, mailed to branches for comment,
looked exactly like the approved manual.  A build is a *review draft* when the revision of the
version it prints is approved after the build's day; the cover, every page's footer (PDF and
DOCX) and every page of the site then say so, and the cover no longer claims a controlled copy.
``manualkit release`` refuses an approval later than the release day, so a release never is one.

The build's day is ``SOURCE_DATE_EPOCH``'s (``make`` sets it to the last commit's time, so a draft
committed before its approval stays marked), else today's.  ``SOURCE_DATE_EPOCH=0`` — ``make``
without git, the benchmark — says nothing about the day: no mark.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping

from manualkit.models import ManualData

#: What every page's footer adds to the classification while the version awaits approval.
DRAFT_MARK = "送审稿，未经批准不得作为办理依据"


@dataclasses.dataclass(frozen=True)
class ReviewDraft:
    """The version awaiting approval, and the day it is planned for."""

    version: str
    approved_on: dt.date

    @property
    def notice(self) -> str:
        """The cover's 受控状态: what this copy is, in place of the controlled-copy note."""
        day = f"{self.approved_on.year}年{self.approved_on.month}月{self.approved_on.day}日"
        return f"送审稿：{self.version}版拟于{day}批准，批准前仅供审核，不得作为办理依据"


def build_day(environ: Mapping[str, str] = os.environ, today: dt.date | None = None) -> dt.date | None:
    """The day a build is made on: ``SOURCE_DATE_EPOCH``'s (UTC), today's without it, ``None`` for 0."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            seconds = int(epoch)
        except ValueError:
            return None  # the CLI refuses a malformed value before any build starts
        return dt.datetime.fromtimestamp(seconds, dt.UTC).date() if seconds > 0 else None
    return today or dt.datetime.now(dt.UTC).date()


def review_draft(data: ManualData, day: dt.date | None) -> ReviewDraft | None:
    """The review draft ``data`` is on ``day``: its version's revision is approved later."""
    if day is None:
        return None
    revision = next((rev for rev in data.revisions if rev.version == data.meta.version), None)
    if revision is None or revision.approved_on <= day:
        return None
    return ReviewDraft(revision.version, revision.approved_on)


def draft_state(draft: ReviewDraft | None) -> str:
    """What a page printed of the draft state: "" for an approved copy, else version and day."""
    return f"{draft.version}@{draft.approved_on.isoformat()}" if draft is not None else ""
