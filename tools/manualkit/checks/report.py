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


def render(report: CheckReport, fmt: str) -> str:
    """The whole output for one format (text: one line per finding + summary line)."""
    if fmt == "json":
        return json.dumps(as_json(report), ensure_ascii=False, indent=2)
    lines: list[str] = []
    for d in report.diagnostics:
        if fmt == "github":
            lines.append(format_github(d))
        else:
            lines.append(d.format())
    lines.append(report.summary())
    return "\n".join(lines)
