"""A build made before its version's approval is marked as a review draft (送审稿), in every output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from manualkit.builders.pdf_assembly import PartSpec
from manualkit.builders.pdf_document import print_document
from manualkit.builders.pdf_job import PrintTemplate
from manualkit.loader import load_data
from manualkit.models import ManualData
from manualkit.review_draft import DRAFT_MARK, build_day, review_draft

FIXTURE = Path(__file__).parent / "fixtures" / "pdf"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "pdf"


def _data() -> ManualData:
    data, diagnostics = load_data(FIXTURE / "data")
    assert data is not None, diagnostics
    return data


def _epoch(day: dt.date) -> str:
    return str(int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp()))


def test_the_build_day_is_source_date_epochs_else_today() -> None:
    assert build_day({"SOURCE_DATE_EPOCH": "1750000000"}) == dt.date(2025, 6, 15)
    assert build_day({}, today=dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)
    # make without git and the benchmark say 0: no day is known, so nothing is marked.
    assert build_day({"SOURCE_DATE_EPOCH": "0"}) is None


def test_a_version_is_a_draft_until_its_approval_day() -> None:
    data = _data()
    revision = next(rev for rev in data.revisions if rev.version == data.meta.version)
    before = revision.approved_on - dt.timedelta(days=1)
    draft = review_draft(data, before)
    assert draft is not None and draft.version == data.meta.version
    approved = revision.approved_on
    assert draft.notice == (
        f"送审稿：{data.meta.version}版拟于{approved.year}年{approved.month}月{approved.day}日批准，"
        "批准前仅供审核，不得作为办理依据"
    )
    assert review_draft(data, revision.approved_on) is None
    assert review_draft(data, None) is None


@pytest.mark.parametrize("drafted", [True, False])
def test_the_pdf_cover_and_every_pages_footer_carry_the_mark(
    drafted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data()
    approved = next(rev.approved_on for rev in data.revisions if rev.version == data.meta.version)
    day = approved - dt.timedelta(days=1) if drafted else approved
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(day))
    document = print_document(data)
    template = PrintTemplate(TEMPLATES, document, {"body": "serif", "heading": "sans", "mono": "mono"})
    cover = template.render(PartSpec("cover"), [])
    body = template.render(PartSpec("body", body="<p>正文</p>"), [])
    draft = review_draft(data, day)
    if drafted:
        assert draft is not None
        assert f'<span class="cover-controlled cover-draft">{DRAFT_MARK}</span>' in cover
        assert f'<th scope="row">受控状态</th><td>{draft.notice}</td>' in cover
        assert data.meta.controlled_copy not in cover
        assert f'classification "{data.meta.classification}　{DRAFT_MARK}"' in body
    else:
        assert DRAFT_MARK not in cover and DRAFT_MARK not in body
        assert data.meta.controlled_copy and data.meta.controlled_copy in cover
