"""YAML → ManualData.  TEMPORARY minimal version: being replaced by the full loader
(positions, strict scalars, all errors at once, cross-file id resolution)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from manualkit.diagnostics import Diagnostic, Location, SourceError, has_errors
from manualkit.models import DATA_FILES, ManualData


def load_data(data_dir: Path) -> tuple[ManualData | None, list[Diagnostic]]:
    raw: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for key, name in DATA_FILES.items():
        path = data_dir / name
        if not path.exists():
            continue
        raw[key] = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return ManualData.model_validate(raw), diags
    except Exception as exc:  # noqa: BLE001
        diags.append(Diagnostic("DATA000", "error", str(exc), Location(str(data_dir))))
        return None, diags


def load_or_raise(data_dir: Path) -> ManualData:
    data, diags = load_data(data_dir)
    if data is None or has_errors(diags):
        raise SourceError(diags)
    return data
