"""A chapter's SLA table lists the chapter's SLAs: MK130, and `manualkit new sla` tagging its kin.

The writer's case: `manualkit new sla complaint.general … --section complaint-handling` without
`--tags` made an SLA that chapter 2's table (`:tags: complaint`, "本章全部投诉时限") left out,
and neither the build nor the checker said so.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import pytest

from manualkit.checks import run_checks
from manualkit.loader import load_data
from manualkit.scaffold import new_sla
from manualkit.sla_selection import SlaTableFilter
from manualkit.sphinx.helpers import DataIndex

FIXTURE = Path(__file__).parent / "fixtures" / "writer" / "mini"
REAL = Path(__file__).parent.parent
TODAY = dt.date(2026, 12, 1)

UNTAGGED = """\
- id: complaint.general.callback
  name: 投诉回访时限
  duration: {value: 3, unit: working_days}
  start: 办结投诉
  end: 完成回访
  owner: cs.manager
  section: complaint-handling
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "manual-repo"
    shutil.copytree(FIXTURE, root)
    return root


def _mk130(root: Path) -> list[str]:
    report = run_checks(root, today=TODAY, select=["MK130"])
    return [d.format() for d in report.diagnostics]


def _append_sla(root: Path, text: str) -> int:
    """Append ``text`` to data/slas.yaml; the 1-based line its first line lands on."""
    slas = root / "data" / "slas.yaml"
    before = slas.read_text(encoding="utf-8")
    slas.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def test_the_fixture_and_the_real_manual_have_no_sla_missing_from_its_table(project: Path) -> None:
    assert _mk130(project) == []
    assert _mk130(REAL) == []


def test_an_untagged_sla_beside_tagged_kin_is_reported_with_the_tag_to_add(project: Path) -> None:
    line = _append_sla(project, UNTAGGED)

    found = _mk130(project)

    assert len(found) == 1, found
    message = found[0]
    assert message.startswith(f"data/slas.yaml:{line}:3: warning MK130 ")
    assert "complaint.general.callback (投诉回访时限)" in message
    assert "manual/02-complaints.md" in message
    assert "add `tags: [complaint]`" in message
    assert "manual/02-complaints.md:14" in message, "names the table that lists its kin"


def test_the_tag_silences_it_and_so_does_a_justified_suppression(project: Path) -> None:
    _append_sla(project, UNTAGGED.replace("  section:", "  tags: [complaint]\n  section:"))
    assert _mk130(project) == []

    shutil.copy(FIXTURE / "data" / "slas.yaml", project / "data" / "slas.yaml")
    _append_sla(project, "# manualkit: ignore MK130 -- 仅供内部考核，不列入本章时限表\n" + UNTAGGED)
    report = run_checks(project, today=TODAY, select=["MK130"])
    assert list(report.diagnostics) == [] and report.suppressed_count == 1


def test_an_sla_without_kin_in_its_chapter_is_not_reported(project: Path) -> None:
    """A lone SLA of its own family (``callback.*``) is no evidence the table should list it."""
    _append_sla(project, UNTAGGED.replace("complaint.general.callback", "callback.first"))
    assert _mk130(project) == []


def test_new_sla_takes_the_tags_of_its_kin_and_names_the_table_listing_it(project: Path) -> None:
    result = new_sla(
        project,
        prefix="complaint.general",
        name="投诉回访时限",
        value=3,
        unit="working_days",
        start="办结投诉",
        end="完成回访",
        section="complaint-handling",
    )

    data, _ = load_data(project / "data")
    assert data is not None
    assert data.sla(result.new_id).tags == ("complaint",)
    assert "Tagged complaint, as its kin complaint.general.resolve" in result.message
    assert "linked to its row of the SLA table at manual/02-complaints.md:14" in result.message
    assert _mk130(project) == []


def test_new_sla_with_a_tag_no_table_selects_says_it_is_in_no_table(project: Path) -> None:
    result = new_sla(
        project,
        prefix="complaint.general",
        name="投诉回访时限",
        value=3,
        unit="working_days",
        start="办结投诉",
        end="完成回访",
        section="complaint-handling",
        tags=["callback"],
    )

    assert "no SLA table of manual/02-complaints.md lists it" in result.message
    assert _mk130(project) != [], "and the checker warns until it is listed"


def test_the_shared_filter_selects_what_the_directive_s_index_selects() -> None:
    """``SlaTableFilter.selects`` (checker, scaffold) and ``DataIndex.slas_matching`` (directive,
    redline) are one rule: compared on the real data for every tag, section and chapter choice."""
    data, _ = load_data(REAL / "data")
    assert data is not None
    index = DataIndex(data)
    sections = sorted({s.section for s in data.slas if s.section})
    chapter = frozenset(sections[: len(sections) // 2])
    for tags, section, labels in itertools.product(
        [frozenset(), *(frozenset({t}) for t in sorted(index.sla_tags)), frozenset(index.sla_tags)],
        ["", *sections[:3]],
        [None, chapter],
    ):
        table = SlaTableFilter(tags=tags, section=section, chapter=None if labels is None else "x")
        expected = [s.id for s in index.slas_matching(tags, section, labels)]
        assert [s.id for s in data.slas if table.selects(s, labels)] == expected, (tags, section)
