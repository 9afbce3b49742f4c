"""The bench's verdicts: ratios against same-run references, failures reported, never a crash."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from manualkit.bench.__main__ import main as bench_main
from manualkit.bench.measure import run_measured
from manualkit.bench.pipelines import (
    STAGES,
    Stage,
    Workspace,
    child_env,
    prepare_reference_sources,
    project_extensions,
    run_stage,
    stages_for_factor,
)
from manualkit.bench.report import format_table
from manualkit.bench.targets import StageSummary, evaluate

FIXTURE = Path(__file__).parent / "fixtures" / "writer" / "mini"


def _ok(
    seconds: float, peak_mib: int = 100, size: int | None = None, pss_mib: int | None = None
) -> StageSummary:
    pss = peak_mib if pss_mib is None else pss_mib
    return StageSummary(seconds, peak_mib * 1024, size, None, peak_pss_kib=pss * 1024)


def test_targets_are_ratios_against_references_and_failures_fail() -> None:
    results = {
        "real": {
            "check": _ok(0.6),
            "html-edit": _ok(2.0),
            "all": _ok(10.0),
            "plain-html": _ok(5.0),
            "plain-pdf": _ok(6.0),
            "pandoc-docx": _ok(2.0),
            "pdf": _ok(6.5, size=1_400_000),
            "simplepdf": _ok(14.0),
            "docx": StageSummary(None, None, None, "exit status 1: boom"),
        },
        "10×": {
            "check": _ok(2.0),
            "pdf": _ok(30.0, peak_mib=600),
            "plain-pdf": _ok(25.0),
            "simplepdf": StageSummary(
                None, None, None, "preparation failed: sphinx-simplepdf is not installed"
            ),
            "docx-write": _ok(1.4),
            "pandoc-docx": _ok(1.5),
            "docx": _ok(4.6),
        },
        "50×": {"check": _ok(13.0)},
    }
    verdicts = {(t.manual, t.description): t for t in evaluate(results)}

    assert verdicts[("real", "check < 1 s")].passed
    assert not verdicts[("real", "incremental HTML < 1.5 s")].passed
    full = verdicts[("real", "build all ≤ 0.8× sum of plain pipelines")]
    assert full.passed and full.value == "0.77×"  # 10 / (5 + 6 + 2)
    assert verdicts[("real", "PDF ≤ 1.1× plain Sphinx+WeasyPrint")].passed
    assert verdicts[("real", "PDF size < 1.5 MB")].passed
    docx = verdicts[("real", "DOCX end-to-end ≤ 3× pandoc")]
    assert not docx.passed and "boom" in docx.detail
    assert not verdicts[("10×", "PDF ≤ 1.1× plain Sphinx+WeasyPrint")].passed  # 30 / 25 = 1.2
    memory = verdicts[("10×", "PDF peak memory < 500 MB (all processes, PSS)")]
    assert not memory.passed and memory.value == "600 MB (RSS sum 600 MB)"
    growth = verdicts[("10×→50×", "check time growth ≤ 6× (linear + 20%)")]
    assert growth.value == "6.50×" and not growth.passed
    assert not verdicts[("10×→50×", "pdf time growth ≤ 6× (linear + 20%)")].passed, "50× pdf missing"
    assert verdicts[("real", "PDF ≤ 0.5× sphinx-simplepdf")].passed  # 6.5 / 14
    simplepdf = verdicts[("10×", "PDF ≤ 0.5× sphinx-simplepdf")]
    assert not simplepdf.passed and "not installed" in simplepdf.detail, "a missing reference is a FAIL"
    write = verdicts[("10×", "DOCX write phase (doctree → .docx) ≤ pandoc")]
    assert write.passed and write.value == "0.93×"
    assert not verdicts[("10×", "DOCX end-to-end ≤ 3× pandoc")].passed  # 4.6 / 1.5
    del results["10×"]["docx-write"]
    missing = {(t.manual, t.description): t for t in evaluate(results)}[
        ("10×", "DOCX write phase (doctree → .docx) ≤ pandoc")
    ]
    assert not missing.passed and "not measured" in missing.detail

    table = format_table(results, list(verdicts.values()), {"check": "manualkit check"})
    assert "FAIL: exit status 1: boom" in table
    assert table.count("\n") > len(verdicts)
    assert table.splitlines()[-1].startswith("targets: ")


def test_measurement_reports_failures_and_timeouts(tmp_path: Path) -> None:
    ok = run_measured([sys.executable, "-c", "x = bytearray(50 * 2**20)"], cwd=tmp_path)
    assert ok.ok and ok.peak_kib > 50 * 1024, "peak memory of the child is read from wait4"
    failed = run_measured(
        [sys.executable, "-c", "import sys; print('error: bad'); sys.exit(3)"], cwd=tmp_path
    )
    assert failed.returncode == 3 and failed.error is not None and "error: bad" in failed.error
    slow = run_measured([sys.executable, "-c", "import time; time.sleep(30)"], cwd=tmp_path, timeout=0.5)
    assert slow.error == "timed out after 0 s" or (slow.error or "").startswith("timed out")
    assert slow.seconds < 10
    missing = run_measured(["/nonexistent/tool"], cwd=tmp_path)
    assert missing.error is not None and "cannot start" in missing.error


def _workspace(tmp_path: Path) -> Workspace:
    return Workspace("real", tmp_path, tmp_path / "reference", (), child_env())


def test_phase_timed_stage_reports_the_phase_not_the_command(tmp_path: Path) -> None:
    """``docx-write``-style stages take their figures from the record the command writes."""
    record = tmp_path / "phase.json"
    script = (
        "import json, sys, time; time.sleep(0.4); "
        f"open({str(record)!r}, 'w').write(json.dumps({{'seconds': 0.125, 'peak_kib': 4096}}))"
    )
    stage = Stage(
        "phase", "phase", False, lambda ws, run: record.unlink(missing_ok=True),
        lambda ws: [[sys.executable, "-c", script]], lambda ws: None, lambda ws: record,
    )  # fmt: skip
    result = run_stage(stage, _workspace(tmp_path), 0, timeout=60)
    assert result.measurement.ok
    assert result.measurement.seconds == 0.125 and result.measurement.peak_kib == 4096
    assert result.command_seconds is not None and result.command_seconds >= 0.4

    silent = dataclasses.replace(stage, commands=lambda ws: [[sys.executable, "-c", "pass"]])
    failed = run_stage(silent, _workspace(tmp_path), 1, timeout=60)
    assert not failed.measurement.ok and "no write-phase record" in (failed.measurement.error or "")


def test_missing_simplepdf_is_a_failure_not_a_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stage = next(s for s in STAGES if s.name == "simplepdf")
    assert stage.reference and stage.label == "reference: sphinx-simplepdf"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    result = run_stage(stage, _workspace(tmp_path), 0, timeout=60)
    assert not result.measurement.ok
    assert "sphinx-simplepdf is not installed" in (result.measurement.error or "")


def test_the_slowest_reference_stops_where_no_target_uses_it() -> None:
    """sphinx-simplepdf is compared with on the real and 10× manuals; at 50× it only cost time."""
    assert "simplepdf" in _names(stages_for_factor(STAGES, 10, None))
    at_50 = _names(stages_for_factor(STAGES, 50, None))
    assert "simplepdf" not in at_50 and {"pdf", "docx", "plain-pdf", "pandoc-docx"} <= at_50
    assert "simplepdf" in _names(stages_for_factor(STAGES, 50, ["pdf", "simplepdf"]))
    # Nothing else is limited: every other stage feeds the 10× → 50× growth or a ratio at 50×.
    assert _names(STAGES) - at_50 == {"simplepdf"}


def _names(stages: tuple[Stage, ...]) -> set[str]:
    return {s.name for s in stages}


def test_unreadable_conf_fails_the_simplepdf_reference_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf.py").write_text("extensions = [\n", encoding="utf-8")
    stage = next(s for s in STAGES if s.name == "simplepdf")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: object())
    result = run_stage(stage, _workspace(tmp_path), 0, timeout=60)
    assert not result.measurement.ok
    error = result.measurement.error or ""
    assert error.startswith(f"preparation failed: cannot read {tmp_path / 'conf.py'}:"), error


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc (Debian package) not installed")
def test_bench_prints_one_table_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "manual-repo"
    shutil.copytree(FIXTURE, project)
    out = tmp_path / "bench.json"

    status = bench_main(
        ["--project", str(project), "--quick", "--factors", "1,2", "--stages", "pandoc-html,pandoc-docx",
         "--output", str(out)]
    )  # fmt: skip

    table = capsys.readouterr().out
    assert status == 1, "targets without measurements fail"
    assert "reference: pandoc → DOCX" in table and "FAIL: real check not measured" in table
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document["manuals"]) == {"real", "2×"}
    docx = document["manuals"]["2×"]["pandoc-docx"]["median"]
    assert docx["error"] is None and docx["output_bytes"] > 0 and docx["seconds"] > 0
    assert (project / "build" / "bench" / "x2" / "data" / "forms.yaml").exists()


def test_pdf_memory_is_judged_on_pss_with_the_rss_sum_shown() -> None:
    # Workers forked from one server share its pages: the RSS sum counts them once per process.
    shared = {"10×": {"pdf": _ok(30.0, peak_mib=620, pss_mib=470)}}
    verdict = {t.description: t for t in evaluate(shared) if t.manual == "10×"}[
        "PDF peak memory < 500 MB (all processes, PSS)"
    ]
    assert verdict.passed and verdict.value == "470 MB (RSS sum 620 MB)"
    unmeasured = {"10×": {"pdf": StageSummary(30.0, 620 * 1024, None, None)}}
    verdict = {t.description: t for t in evaluate(unmeasured) if t.manual == "10×"}[
        "PDF peak memory < 500 MB (all processes, PSS)"
    ]
    assert not verdict.passed and "PSS not measured" in verdict.detail


def test_outputs_are_read_back_as_pages_and_characters(tmp_path: Path) -> None:
    """What each pipeline produced, as a reader gets it: ratios between unequal outputs mislead."""
    import docx
    from weasyprint import HTML

    from manualkit.bench.content import output_content

    pdf = tmp_path / "two-pages.pdf"
    html = '<html lang="zh-CN"><body><p>投诉受理</p><p style="break-before: page">处 理</p></body></html>'
    HTML(string=html).write_pdf(pdf)
    content = output_content(pdf)
    assert content is not None and (content.pages, content.chars) == (2, 6)

    word = tmp_path / "manual.docx"
    document = docx.Document()
    document.add_paragraph("客户服务 手册")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "期限"
    document.save(str(word))
    content = output_content(word)
    assert content is not None and (content.pages, content.chars) == (None, 8)

    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    assert output_content(tmp_path / "broken.docx") is None
    assert output_content(tmp_path) is None  # an HTML folder has no single reading


def test_a_ratio_to_one_reference_says_how_much_more_text_the_output_holds() -> None:
    results = {
        "real": {
            "pdf": dataclasses.replace(_ok(8.0), text_chars=50_000, pages=60),
            "simplepdf": dataclasses.replace(_ok(10.0), text_chars=20_000, pages=40),
            "plain-pdf": _ok(9.0),  # no reading of its output: no note
        }
    }
    verdicts = {t.description: t for t in evaluate(results)}
    simple = verdicts["PDF ≤ 0.5× sphinx-simplepdf"]
    assert not simple.passed and simple.value == "0.80×"
    assert simple.detail == (
        "output holds 2.50× the text of simplepdf (50.0k vs 20.0k characters): 0.32× its time per character"
    )
    assert verdicts["PDF ≤ 1.1× plain Sphinx+WeasyPrint"].detail == ""
    table = format_table(results, list(verdicts.values()), {})
    assert "60 p, 50.0k chars" in table and "FAIL: output holds 2.50× the text of simplepdf" in table


@pytest.mark.slow
def test_sphinx_references_build_the_same_document_as_manualkit(tmp_path: Path) -> None:
    """The reference Sphinx pipelines read the project's own conf.py: data-generated content too.

    A reference without manualkit's extension printed 40 % of the real manual's text (no SLA
    tables, forms, chapter 8), so a ratio against it compared the cost of two different documents.
    """
    project = tmp_path / "manual-repo"
    shutil.copytree(FIXTURE, project)
    ws = Workspace("real", project, tmp_path / "reference", (), child_env())
    prepare_reference_sources(ws)
    stage = next(s for s in STAGES if s.name == "plain-html")
    result = run_stage(stage, ws, 0, timeout=300)
    assert result.measurement.ok, result.measurement.error
    page = (ws.reference_dir / "html" / "02-complaints.html").read_text(encoding="utf-8")
    # The SLA table and the form's title come from data/ through manualkit's directives and roles.
    assert "投诉受理登记表" in page and "sla-table" in page
    assert not (project / "build").exists(), "a reference never writes into the manual's build/"

    simplepdf = next(s for s in STAGES if s.name == "simplepdf").commands(ws)[0]
    extensions = next(arg for arg in simplepdf if arg.startswith("extensions="))
    assert extensions.split("=", 1)[1].split(",") == [*project_extensions(project), "sphinx_simplepdf"]
    assert "manualkit.sphinx" in extensions
    assert simplepdf[simplepdf.index("-c") + 1] == str(project)
