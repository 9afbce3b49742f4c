"""``python -m manualkit.bench`` (``make bench``): time the manual's builds, print one table.

For the real manual and synthetic 10× / 50× copies (``synth``), every stage (check, HTML full and
after one edited paragraph, PDF, DOCX, the DOCX builder's write phase, build all) and every
reference pipeline (pandoc, plain Sphinx + WeasyPrint, sphinx-simplepdf) runs ``--runs`` times as
a subprocess; medians go into the table and into ``build/bench.json`` with the PASS/FAIL of each
target.  A stage with a ``largest_factor`` (sphinx-simplepdf: 10) skips larger manuals unless named
with ``--stages``.  ``--quick``: one run, 1× and 10× only.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.metadata
import os
import platform
import shutil
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from manualkit.bench.measure import Measurement
from manualkit.bench.pipelines import (
    STAGE_NAMES,
    Stage,
    StageRun,
    Workspace,
    child_env,
    cli_command,
    prepare_reference_sources,
    run_stage,
    select_stages,
    stages_for_factor,
)
from manualkit.bench.report import format_table, write_json
from manualkit.bench.synth import synthesize
from manualkit.bench.targets import StageSummary, evaluate


def _factors(value: str) -> list[int]:
    try:
        factors = [int(v) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, found {value!r}") from exc
    if not factors or any(f < 1 for f in factors):
        raise argparse.ArgumentTypeError(f"factors must be ≥ 1, found {value!r}")
    return factors


def _stages(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in STAGE_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown stage(s) {unknown}; known: {', '.join(STAGE_NAMES)}")
    return names


def _version(distribution: str) -> str | None:
    """Installed version of a reference tool, ``None`` when missing (its stage then fails)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def manual_name(factor: int) -> str:
    return "real" if factor == 1 else f"{factor}×"


def summarize(runs: Sequence[StageRun]) -> StageSummary:
    """Median of the successful runs; the first error if any run failed."""
    good = [r for r in runs if r.measurement.ok]
    error = next((r.measurement.error for r in runs if not r.measurement.ok), None)
    if not good:
        return StageSummary(None, None, None, error or "not run")
    sizes = [r.output_bytes for r in good if r.output_bytes is not None]
    contents = [r.content for r in good if r.content is not None]
    return StageSummary(
        statistics.median(r.measurement.seconds for r in good),
        max(r.measurement.peak_kib for r in good),
        sizes[-1] if sizes else None,
        error,
        peak_pss_kib=max(r.measurement.peak_pss_kib for r in good),
        text_chars=contents[-1].chars if contents else None,
        pages=contents[-1].pages if contents else None,
    )


def _run_json(run: StageRun) -> dict[str, Any]:
    m: Measurement = run.measurement
    return {"seconds": m.seconds, "peak_kib": m.peak_kib, "peak_pss_kib": m.peak_pss_kib,
            "returncode": m.returncode, "error": m.error,
            "output_bytes": run.output_bytes, "command_seconds": run.command_seconds,
            "text_chars": run.content.chars if run.content else None,
            "pages": run.content.pages if run.content else None}  # fmt: skip


def bench_manual(
    ws: Workspace, stages: Sequence[Stage], runs: int, timeout: float, log: Any
) -> tuple[dict[str, StageSummary], dict[str, list[dict[str, Any]]]]:
    """Every stage ``runs`` times (stages interleaved within a run, so drift hits all alike)."""
    by_stage: dict[str, list[StageRun]] = {s.name: [] for s in stages}
    reference_problem: str | None = None
    if any(s.reference for s in stages):
        try:
            prepare_reference_sources(ws)
        except (OSError, ValueError) as exc:
            reference_problem = f"could not prepare the reference sources: {exc}"
    for run in range(runs):
        for stage in stages:
            print(f"[bench] {ws.name} run {run + 1}/{runs}: {stage.label} …", file=log, flush=True)
            if stage.reference and reference_problem:
                result = StageRun(Measurement(0.0, 0, -1, reference_problem), None)
            else:
                result = run_stage(stage, ws, run, timeout=timeout)
            if result.measurement.error:
                print(f"[bench]   failed: {result.measurement.error}", file=log, flush=True)
            by_stage[stage.name].append(result)
    summaries = {name: summarize(r) for name, r in by_stage.items()}
    raw = {name: [_run_json(r) for r in rs] for name, rs in by_stage.items()}
    return summaries, raw


def _failed_manual(stages: Sequence[Stage], error: str) -> dict[str, StageSummary]:
    return {s.name: StageSummary(None, None, None, error) for s in stages}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m manualkit.bench",
        description="Time check/HTML/PDF/DOCX builds of the real and synthetic manuals against plain tools.",
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (default: .)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per stage; the median is quoted (default 3)"
    )
    parser.add_argument("--quick", action="store_true", help="1 run, real manual and 10× only")
    parser.add_argument("--factors", type=_factors, help="manual sizes to bench (default 1,10,50)")
    parser.add_argument("--stages", type=_stages, help=f"only these stages ({', '.join(STAGE_NAMES)})")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a stage is killed")
    parser.add_argument("--output", type=Path, help="JSON results (default: build/bench.json)")
    args = parser.parse_args(argv)

    root = args.project.resolve()
    if not (root / "manual" / "index.md").is_file() or not (root / "data").is_dir():
        print(
            f"manualkit.bench: {root} has no manual/index.md and data/: not a manual project", file=sys.stderr
        )
        return 2
    runs = 1 if args.quick else args.runs
    if runs < 1:
        print("manualkit.bench: --runs must be at least 1", file=sys.stderr)
        return 2
    factors = args.factors or ([1, 10] if args.quick else [1, 10, 50])
    stages = select_stages(args.stages)
    work = root / "build" / "bench"
    cli, env = cli_command(), child_env()
    log = sys.stderr
    # Measure the toolkit as installed, not Python compiling it: an editable install under
    # PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module in every timed run.
    compileall.compile_dir(Path(__file__).resolve().parent.parent, quiet=1)

    results: dict[str, dict[str, StageSummary]] = {}
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for factor in factors:
        name = manual_name(factor)
        target = work / ("real" if factor == 1 else f"x{factor}")
        print(f"[bench] preparing {name} manual in {target} …", file=log, flush=True)
        try:
            synthesize(root, target, factor)
        except Exception as exc:  # broken YAML, unreadable chapter …: report it, bench the rest
            results[name] = _failed_manual(stages, f"could not generate the {name} manual: {exc}")
            continue
        ws = Workspace(name, target, work / f"reference-{target.name}", cli, env)
        here = stages_for_factor(stages, factor, args.stages)
        for skipped in (s for s in stages if s not in here):
            print(
                f"[bench] {name}: {skipped.label} not run (no target uses it at this size; "
                f"--stages {skipped.name} runs it)",
                file=log,
                flush=True,
            )
        results[name], raw[name] = bench_manual(ws, here, runs, args.timeout, log)

    targets = evaluate(results, real=manual_name(1), x10=manual_name(10), x50=manual_name(50))
    labels = {s.name: s.label for s in stages}
    table = format_table(results, targets, labels)
    print(table)
    out = args.output or root / "build" / "bench.json"
    settings = {
        "runs": runs,
        "factors": factors,
        "stages": [s.name for s in stages],
        "manualkit": list(cli),
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "pandoc": shutil.which("pandoc"),
        "sphinx_simplepdf": _version("sphinx-simplepdf"),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    write_json(out, results=results, raw=raw, targets=targets, settings=settings)
    print(f"results: {out}")
    return 0 if all(t.passed for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
