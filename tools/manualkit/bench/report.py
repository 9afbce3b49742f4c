"""The bench's one table (stdout) and its JSON record (build/bench.json).

One table, because a reader compares across it: each manual's stages with their median time,
peak memory, output size and content (pages, characters of text) and ratio to the matching
reference pipeline, then the targets with PASS/FAIL and, for a ratio to one reference, how much
more text manualkit's output holds than the reference's.  Failed stages stay in the table with
their error so a broken build is visible.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from manualkit.bench.targets import Results, StageSummary, TargetResult

#: Which references each manualkit stage is compared with in the table's ratio column (a tuple of
#: several stages is compared with their sum).
COMPARED_WITH: dict[str, tuple[tuple[str, ...], ...]] = {
    "html": (("plain-html",), ("pandoc-html",)),
    "html-edit": (("plain-html",),),
    "pdf": (("plain-pdf",), ("simplepdf",)),
    "docx": (("pandoc-docx",),),
    "docx-write": (("pandoc-docx",),),
    "all": (("plain-html", "plain-pdf", "pandoc-docx"),),
}


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} kB"


def _output(summary: StageSummary) -> str:
    """Size, then what a reader gets from it: "1.1 MB, 68 p, 55.9k chars"."""
    parts = [_size(summary.output_bytes)]
    if summary.pages is not None:
        parts.append(f"{summary.pages} p")
    if summary.text_chars is not None:
        parts.append(f"{summary.text_chars / 1000:.1f}k chars")
    return ", ".join(parts)


def _ratio(summaries: Mapping[str, StageSummary], stage: str) -> str:
    own = summaries[stage].seconds
    if own is None:
        return ""
    parts: list[str] = []
    for refs in COMPARED_WITH.get(stage, ()):
        if any(r not in summaries for r in refs):
            continue  # reference not part of this run (--stages)
        values = [summaries[r].seconds for r in refs]
        name = "+".join(refs) if len(refs) == 1 else "sum of plain"
        if any(v is None for v in values):
            parts.append(f"{name} failed")
            continue
        total = sum(v for v in values if v is not None)
        if total:
            parts.append(f"{own / total:.2f}× {name}")
    return ", ".join(parts)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(results: Results, targets: Sequence[TargetResult], labels: Mapping[str, str]) -> str:
    """The single table: stage rows per manual, then target rows, aligned columns."""
    header = ("manual", "stage", "median s", "peak MB", "output", "vs reference", "result")
    rows: list[tuple[str, ...]] = []
    for manual, summaries in results.items():
        for stage, s in summaries.items():
            seconds = "—" if s.seconds is None else f"{s.seconds:.2f}"
            peak = "—" if s.peak_kib is None else f"{s.peak_kib / 1024:.0f}"
            result = "ok" if s.error is None else "FAIL: " + _clip(s.error, 80)
            rows.append((manual, labels.get(stage, stage), seconds, peak, _output(s),
                         _ratio(summaries, stage), result))  # fmt: skip
    for t in targets:
        verdict = ("PASS" if t.passed else "FAIL") + (f": {_clip(t.detail, 130)}" if t.detail else "")
        rows.append((t.manual, "TARGET " + t.description, t.value, "", "", "", verdict))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    previous = ""
    for row in rows:
        if previous and row[0] != previous:
            lines.append(rule)
        previous = row[0]
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    passed = sum(t.passed for t in targets)
    lines.append(rule)
    lines.append(f"targets: {passed}/{len(targets)} PASS")
    return "\n".join(lines)


def write_json(
    path: Path,
    *,
    results: Results,
    raw: Mapping[str, Mapping[str, list[dict[str, Any]]]],
    targets: Sequence[TargetResult],
    settings: Mapping[str, Any],
) -> None:
    """build/bench.json: settings, every run of every stage, medians and targets."""
    document = {
        "settings": dict(settings),
        "manuals": {
            manual: {
                stage: {
                    "median": dataclasses.asdict(summary),
                    "runs": list(raw.get(manual, {}).get(stage, [])),
                }
                for stage, summary in summaries.items()
            }
            for manual, summaries in results.items()
        },
        "targets": [dataclasses.asdict(t) for t in targets],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
