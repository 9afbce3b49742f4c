"""What the print template needs from the data: cover, approval block, PDF metadata, file name.

Why a module of its own: the cover and the PDF metadata must come from ``data/`` (the one source
of the document number, version and approvals), never from conf.py or the prose; and the dates in
the metadata come from the revision record, not the clock, so two builds of one release are
byte-identical.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from manualkit.models import DATA_FILES, ManualData, Signoff
from manualkit.review_draft import DRAFT_MARK, build_day, review_draft


@dataclasses.dataclass(frozen=True)
class Approval:
    """One line of the cover's approval block: 编制 / 审核 / 批准."""

    label: str
    role: str
    name: str
    date: str


@dataclasses.dataclass(frozen=True)
class PrintDocument:
    """Everything about the document itself that the print template shows."""

    title: str
    subtitle: str
    document_number: str
    version: str
    effective: str
    owner_department: str
    organisation: str
    classification: str
    #: The controlled-copy note, or for a review draft what the copy is instead
    #: (:mod:`manualkit.review_draft`).
    controlled_copy: str
    #: A review draft's mark for the cover's top line and every page's footer; "" once approved.
    draft_mark: str
    approvals: tuple[Approval, ...]
    #: PDF metadata (HTML <meta> that WeasyPrint turns into the PDF info dictionary).
    subject: str
    keywords: tuple[str, ...]
    created: str
    modified: str

    @property
    def classification_with_mark(self) -> str:
        """What every page's footer says after the version: 内部资料, and a review draft's mark."""
        return "　".join(filter(None, (self.classification, self.draft_mark)))

    @property
    def cover_marks(self) -> str:
        """The cover's top line: the classification, and the draft mark or the controlled-copy note."""
        return "　".join(filter(None, (self.classification, self.draft_mark or self.controlled_copy)))

    @property
    def file_name(self) -> str:
        """``<document-number>-v<version>.pdf`` — the name the issue and the CLI promise."""
        return f"{self.document_number}-v{self.version}.pdf"

    @property
    def pdf_identifier(self) -> bytes:
        """A stable PDF /ID: the same release always gets the same identifier."""
        return f"{self.document_number}-v{self.version}".encode()


def cover_texts(doc: PrintDocument) -> list[tuple[str, str]]:
    """(data file, text) of everything the cover prints, for the glyph check before rendering."""
    meta_file = DATA_FILES["meta"]
    texts = [
        (meta_file, value)
        for value in (
            doc.title,
            doc.subtitle,
            doc.document_number,
            doc.owner_department,
            doc.organisation,
            doc.classification,
            doc.controlled_copy,
        )
    ]
    for approval in doc.approvals:
        texts += [(DATA_FILES["revisions"], approval.name), (DATA_FILES["roles"], approval.role)]
    return [(name, text) for name, text in texts if text]


def print_document(data: ManualData) -> PrintDocument:
    """Build the template context of the cover and metadata from validated data."""
    meta = data.meta
    newest = data.current_revision
    draft = review_draft(data, build_day())
    approvals: tuple[Approval, ...] = ()
    if newest is not None:
        # A review draft's approval is only planned: its date cell stays blank until it is signed.
        approved_on = None if draft is not None and draft.version == newest.version else newest.approved_on
        approvals = (
            _approval("编制", newest.drafted, data, newest.drafted.date),
            _approval("审核", newest.reviewed, data, newest.reviewed.date),
            _approval("批准", newest.approved, data, approved_on),
        )
    first_approved = min((rev.approved_on for rev in data.revisions), default=meta.effective)
    last_approved = newest.approved_on if newest is not None else meta.effective
    return PrintDocument(
        title=meta.title,
        subtitle=meta.subtitle or "",
        document_number=meta.document_number,
        version=meta.version,
        effective=_date(meta.effective),
        owner_department=meta.owner_department,
        organisation=meta.organisation,
        classification=meta.classification,
        controlled_copy=draft.notice if draft else meta.controlled_copy or "",
        draft_mark=DRAFT_MARK if draft else "",
        approvals=approvals,
        subject=f"{meta.title}（{meta.document_number}，版本 {meta.version}）",
        keywords=(meta.document_number, f"版本 {meta.version}", meta.owner_department, meta.classification),
        created=_w3c(first_approved),
        modified=_w3c(last_approved),
    )


def _approval(label: str, signoff: Signoff, data: ManualData, day: dt.date | None) -> Approval:
    """One row of the approval block; without a day its date cell stays blank (signed by hand)."""
    try:
        role = data.role(signoff.role).name
    except KeyError:
        role = signoff.role
    return Approval(label=label, role=role, name=signoff.name, date=_date(day) if day else "")


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _w3c(day: dt.date) -> str:
    """A date as W3C-DTF (what ``dcterms.created`` expects), fixed to midnight China time."""
    return f"{day.isoformat()}T00:00:00+08:00"
