"""Package-level output: core properties and a byte-reproducible ZIP.

python-docx stamps every ZIP entry with the current time and its core properties with
"now"; here both come from the manual's data (revision dates) and ``SOURCE_DATE_EPOCH``, and
the archive is written with a fixed member order so two builds of the same sources are
byte-identical.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import zipfile
from typing import Any

from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.pkgwriter import PackageWriter

from manualkit.builders.pdf_document import print_document
from manualkit.models import ManualData

#: Earliest timestamp a ZIP entry can hold.
_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
#: Members Office expects first; the rest follow in sorted order.
_FIRST_MEMBERS = ("[Content_Types].xml", "_rels/.rels")


def _at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, 0, 0)


def set_core_properties(document: Document, data: ManualData) -> None:
    """Title, subject, author (owner department), version, revision, dates — from the data.

    Subject, keywords and dates are those the PDF metadata uses (``print_document``).
    """
    meta = data.meta
    doc = print_document(data)
    newest = data.current_revision
    props = document.core_properties
    props.title = meta.title
    props.subject = doc.subject
    props.author = meta.owner_department
    props.last_modified_by = meta.owner_department
    props.keywords = "; ".join(doc.keywords)
    props.category = meta.classification
    props.identifier = meta.document_number
    props.language = meta.language
    props.version = meta.version
    # Word's "Status" property: the controlled-copy note, or what a review draft is instead.
    props.content_status = (doc.draft_mark and "送审稿") or doc.controlled_copy or meta.classification
    props.revision = max(1, len(data.revisions))
    first = min((rev.approved_on for rev in data.revisions), default=meta.effective)
    last = newest.approved_on if newest is not None else meta.effective
    props.created = _at_noon(first)
    props.modified = _at_noon(last)
    if newest is not None:
        props.comments = newest.summary


_APP_XML = """<?xml version='1.0' encoding='UTF-8' standalone='yes'?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">
  <Application>manualkit</Application>
  <DocSecurity>0</DocSecurity>
  <Company>{company}</Company>
  <LinksUpToDate>false</LinksUpToDate>
  <SharedDoc>false</SharedDoc>
  <HyperlinksChanged>false</HyperlinksChanged>
</Properties>
"""


def set_app_properties(document: Document, data: ManualData) -> None:
    """``docProps/app.xml``: this tool and the institution, not python-docx's template's.

    The template claimed "Microsoft Macintosh Word", the Normal.dotm template, one page and no
    words; Word shows those in File › Info until it saves the file again.  Page and word counts
    are left out (Word computes them), as the specification allows.
    """
    for rel in document.part.package.rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES and not rel.is_external:
            company = html.escape(data.meta.organisation, quote=False)
            rel.target_part._blob = _APP_XML.format(company=company).encode("utf-8")


def source_date(data: ManualData) -> dt.datetime:
    """ZIP timestamp: ``SOURCE_DATE_EPOCH`` when set, else the newest revision's approval day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    newest = data.current_revision
    if epoch.isdigit():
        stamp = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    elif newest is not None:
        stamp = _at_noon(newest.approved_on).replace(tzinfo=dt.UTC)
    else:
        stamp = _at_noon(data.meta.effective).replace(tzinfo=dt.UTC)
    return max(stamp, _ZIP_EPOCH)


#: Word 2010's copy of the styles (``word/stylesWithEffects.xml``) in python-docx's template.
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def drop_template_leftovers(document: Document) -> None:
    """Remove the parts of python-docx's template that would contradict this document.

    The preview image shows the empty template.  ``stylesWithEffects.xml`` is the template's
    second copy of its styles, written for Word 2010, which reads it instead of ``styles.xml``:
    it lacks every style this writer defines (AdmonitionBox, ChecklistItem …) and has the
    template's Japanese East Asian defaults.  The part is optional; Word writes it again if needed.
    """
    package_rels = document.part.package.rels
    for rel_id in [r for r, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package_rels[rel_id]
    document_rels = document.part.rels
    for rel_id in [r for r, rel in document_rels.items() if rel.reltype == STYLES_WITH_EFFECTS]:
        del document_rels[rel_id]


class _MemberCollector:
    """Stands in for python-docx's ZIP writer: keeps each member's bytes in memory."""

    def __init__(self) -> None:
        self.members: dict[str, bytes] = {}

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        self.members[pack_uri.membername] = blob

    def close(self) -> None:
        pass


def package_members(document: Document) -> dict[str, bytes]:
    """Every ZIP member of ``document`` as python-docx would write it, without zipping.

    Uses the steps of ``PackageWriter.write`` so the package is compressed once, by
    ``reproducible_zip``, instead of being zipped by python-docx and then rewritten.
    """
    package = document.part.package
    drop_template_leftovers(document)
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    collector: Any = _MemberCollector()
    PackageWriter._write_content_types_stream(collector, parts)  # type: ignore[no-untyped-call]
    PackageWriter._write_pkg_rels(collector, package.rels)  # type: ignore[no-untyped-call]
    PackageWriter._write_parts(collector, parts)
    members: dict[str, bytes] = collector.members
    return members


def reproducible_zip(members: dict[str, bytes], stamp: dt.datetime) -> bytes:
    """A ZIP with fixed timestamps, permissions, creator system and member order.

    Already-compressed media (PNG, JPEG) is stored, everything else deflated.
    """
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    order = [name for name in _FIRST_MEMBERS if name in members]
    order += sorted(name for name in members if name not in _FIRST_MEMBERS)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=date_time)
            stored = name.lower().endswith((".png", ".jpeg", ".jpg", ".gif"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            target.writestr(info, members[name], compresslevel=6)
    result: bytes = out.getvalue()
    return result
