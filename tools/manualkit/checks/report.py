"""Render a :class:`~manualkit.checks.CheckReport` as text, JSON or GitHub annotations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from manualkit.diagnostics import Diagnostic, diagnostic_to_dict, format_github

if TYPE_CHECKING:
    from manualkit.checks import CheckReport

#: Version of the JSON output; bump on incompatible change (schema: report.schema.json).
JSON_VERSION = 1
FORMATS = ("text", "json", "github")


def as_json(report: CheckReport) -> dict[str, Any]:
    """The stable JSON document (validated by ``checks/report.schema.json`` in the tests)."""

    def finding(d: Diagnostic) -> dict[str, Any]:
        return dict(diagnostic_to_dict(d))

    return {
        "version": JSON_VERSION,
        "tool": "manualkit check",
        "summary": {
            "errors": report.count("error"),
            "warnings": report.count("warning"),
            "info": report.count("info"),
            "suppressed": report.suppressed_count,
        },
        "findings": [finding(d) for d in report.diagnostics],
        "suppressed": [finding(d) for d in report.suppressed],
    }


def render(report: CheckReport, fmt: str, *, show_info: bool = False) -> str:
    """The whole output for one format (text: one line per finding + summary line).

    Info findings (an unverified regulation cited, a loose duration in prose …) are counted but
    listed only with ``show_info``: the real manual has dozens, and listed every time they buried
    the one error a writer had to see.  JSON always carries every finding.
    """
    if fmt == "json":
        return json.dumps(as_json(report), ensure_ascii=False, indent=2)
    lines: list[str] = []
    for d in report.diagnostics:
        if d.severity == "info" and not show_info:
            continue
        if fmt == "github":
            lines.append(format_github(d))
        else:
            lines.append(d.format())
    summary = report.summary()
    hidden = 0 if show_info else report.count("info")
    lines.append(f"{summary} (info not listed: --show-info lists them)" if hidden else summary)
    return "\n".join(lines)
