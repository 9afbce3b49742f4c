"""The bench's verdicts: ratios against same-run references, failures reported, never a crash."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from manualkit.bench.__main__ import main as bench_main
from manualkit.bench.measure import run_measured
from manualkit.bench.report import format_table
from manualkit.bench.targets import StageSummary, evaluate

FIXTURE = Path(__file__).parent / "fixtures" / "writer" / "mini"


def _ok(seconds: float, peak_mib: int = 100, size: int | None = None) -> StageSummary:
    return StageSummary(seconds, peak_mib * 1024, size, None)


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
            "docx": StageSummary(None, None, None, "exit status 1: boom"),
        },
        "10×": {"check": _ok(2.0), "pdf": _ok(30.0, peak_mib=600), "plain-pdf": _ok(25.0)},
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
    assert not verdicts[("10×", "PDF peak memory < 500 MB")].passed
    growth = verdicts[("10×→50×", "check time growth ≤ 6× (linear + 20%)")]
    assert growth.value == "6.50×" and not growth.passed
    assert not verdicts[("10×→50×", "pdf time growth ≤ 6× (linear + 20%)")].passed, "50× pdf missing"
    missing = verdicts[("10×", "DOCX write ≤ pandoc")]
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
