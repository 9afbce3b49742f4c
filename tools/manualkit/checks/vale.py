"""Evaluate Vale ``existence`` and ``substitution`` rules in Python, with Vale's semantics.

The Vale binary is not always installed (it is not on the build machines), but
the house style lives in Vale's own format (``.vale.ini`` + ``StylesPath/House/*.yml``)
so editors and ``make lint`` can use real Vale.  This module reads the same
files and applies the two rule types the house style uses:

- tokens are regular expressions joined by ``|``; unless ``nonword: true`` they are
  wrapped in ``\\b…\\b`` (ASCII word boundaries — why Chinese rules need ``nonword``);
- ``ignorecase`` adds ``(?i)``; ``exceptions`` drop matches equal to an exception;
- ``message`` is formatted with ``%s`` (substitution: suggestion first, then the match);
- ``level`` ``error``/``warning``/``suggestion`` → severity error/warning/info;
- ``MinAlertLevel`` in ``.vale.ini`` filters; ``Style.Rule = NO`` disables a rule.
Other rule types are skipped (reported once, as info).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from manualkit.diagnostics import Severity

_LEVELS: dict[str, Severity] = {"error": "error", "warning": "warning", "suggestion": "info"}
_RANK = {"suggestion": 0, "warning": 1, "error": 2}


@dataclasses.dataclass(frozen=True)
class ValeMatch:
    start: int
    end: int
    message: str


@dataclasses.dataclass(frozen=True)
class ValeRule:
    name: str  # House.Terms
    extends: str
    severity: Severity
    level: str
    message: str
    patterns: tuple[tuple[re.Pattern[str], str], ...]  # (regex, replacement or "")
    exceptions: frozenset[str]

    def find(self, text: str) -> Iterator[ValeMatch]:
        taken: list[tuple[int, int]] = []
        for regex, replacement in self.patterns:
            for m in regex.finditer(text):
                if m.end() == m.start() or m.group(0) in self.exceptions:
                    continue
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                if self.extends == "substitution" and m.group(0) == replacement:
                    continue
                taken.append((m.start(), m.end()))
                if self.extends == "substitution":
                    message = _fill(self.message, replacement, m.group(0))
                else:
                    message = _fill(self.message, m.group(0))
                yield ValeMatch(m.start(), m.end(), message)


def _fill(message: str, *values: str) -> str:
    out = message
    for v in values:
        out = out.replace("%s", v, 1)
    return out


@dataclasses.dataclass(frozen=True)
class ValeConfig:
    rules: tuple[ValeRule, ...]
    problems: tuple[tuple[str, str], ...]  # (file, message)


def _parse_ini(path: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    top: dict[str, str] = {}
    sections: dict[str, dict[str, str]] = {}
    current = top
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), {})
        elif "=" in line:
            key, value = line.split("=", 1)
            current[key.strip()] = value.strip()
    return top, sections


def _applies_to_md(glob: str) -> bool:
    return glob in ("*", "*.md") or (glob.startswith("*.{") and "md" in glob[3:-1].split(","))


def load_vale(root: Path) -> ValeConfig | None:
    """Read ``root/.vale.ini`` and the rules of the styles it enables for Markdown (None: no config)."""
    ini = root / ".vale.ini"
    if not ini.exists():
        return None
    top, sections = _parse_ini(ini)
    styles_path = (root / top.get("StylesPath", "styles")).resolve()
    min_level = top.get("MinAlertLevel", "suggestion")
    styles: list[str] = []
    toggles: dict[str, str] = {}
    for glob, values in sections.items():
        if not _applies_to_md(glob):
            continue
        styles += [s.strip() for s in values.get("BasedOnStyles", "").split(",") if s.strip()]
        toggles.update({k: v for k, v in values.items() if "." in k})
    rules: list[ValeRule] = []
    problems: list[tuple[str, str]] = []
    for style in dict.fromkeys(styles):
        if style == "Vale":
            continue  # Vale's built-in spelling style: not evaluated here
        folder = styles_path / style
        if not folder.is_dir():
            problems.append((ini.name, f"style {style!r} not found in StylesPath {styles_path}"))
            continue
        for file in sorted(folder.glob("*.yml")):
            name = f"{style}.{file.stem}"
            if toggles.get(name, "YES").upper() == "NO":
                continue
            rule, problem = _load_rule(file, name, toggles.get(name))
            if problem:
                problems.append((file.as_posix(), problem))
            if rule and _RANK.get(rule.level, 0) >= _RANK.get(min_level, 0):
                rules.append(rule)
    return ValeConfig(tuple(rules), tuple(problems))


def _load_rule(file: Path, name: str, level_override: str | None) -> tuple[ValeRule | None, str | None]:
    try:
        spec: Any = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, f"cannot read rule: {exc}"
    if not isinstance(spec, dict):
        return None, "a Vale rule must be a YAML mapping"
    extends = spec.get("extends")
    if extends not in ("existence", "substitution"):
        return None, f"rule type {extends!r} is not evaluated by manualkit (only existence, substitution)"
    level = str(level_override or spec.get("level", "suggestion")).lower()
    if level not in _LEVELS:
        return None, f"unknown level {level!r} (error, warning, suggestion)"
    flags = re.IGNORECASE if spec.get("ignorecase") else 0
    nonword = bool(spec.get("nonword"))

    def compile_(pattern: str) -> re.Pattern[str]:
        if nonword:
            return re.compile(pattern, flags)
        return re.compile(rf"\b(?:{pattern})\b", flags | re.ASCII)

    try:
        if extends == "existence":
            tokens = [str(t) for t in spec.get("tokens") or ()]
            raw = "".join(str(r) for r in spec.get("raw") or ())
            alternatives = [*tokens, *([raw] if raw else [])]
            if not alternatives:
                return None, "existence rule without tokens or raw"
            patterns: tuple[tuple[re.Pattern[str], str], ...] = (
                (compile_("|".join(f"(?:{t})" for t in alternatives)), ""),
            )
        else:
            swap = spec.get("swap") or {}
            if not isinstance(swap, dict) or not swap:
                return None, "substitution rule without a swap mapping"
            ordered = sorted(swap.items(), key=lambda kv: len(str(kv[0])), reverse=True)
            patterns = tuple((compile_(str(k)), str(v)) for k, v in ordered)
    except re.error as exc:
        return None, f"invalid regular expression: {exc}"
    return (
        ValeRule(
            name=name,
            extends=extends,
            severity=_LEVELS[level],
            level=level,
            message=str(spec.get("message", "%s")),
            patterns=patterns,
            exceptions=frozenset(str(e) for e in spec.get("exceptions") or ()),
        ),
        None,
    )
