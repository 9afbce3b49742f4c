"""Rule registry: every check is a function tagged with one or more stable rule ids.

Why a decorator that *tags* the function instead of appending to a global list:
the project bans module-level mutable state (it breaks parallel builds and
tests).  ``@rule`` stores an immutable tuple of :class:`Rule` on the function;
:func:`collect` imports the rule modules named in ``manualkit.checks.RULE_MODULES``
and gathers tagged functions, so the registry is rebuilt from code each time
and nothing is shared between runs.

A rule function receives the :class:`~manualkit.checks.context.CheckContext` and
yields :class:`~manualkit.diagnostics.Diagnostic` objects whose ``code`` is one
of the codes it declared (stack ``@rule`` for a function that reports several).
"""

from __future__ import annotations

import dataclasses
import importlib
import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from manualkit.diagnostics import Diagnostic, Location, Severity

if TYPE_CHECKING:
    from manualkit.checks.context import CheckContext

RuleFunction = Callable[["CheckContext"], Iterable[Diagnostic]]
_F = TypeVar("_F", bound=RuleFunction)

_ATTR = "__manualkit_rules__"


@dataclasses.dataclass(frozen=True)
class Rule:
    """A stable rule id with its default severity and the text ``--explain`` prints."""

    code: str
    severity: Severity
    summary: str
    explanation: str
    #: False for rules that read only the chapters (and raw files): they still run, and report,
    #: while data/ does not load, so one data typo does not hide a phone number in prose.
    needs_data: bool = True

    def at(self, location: Location, message: str, severity: Severity | None = None) -> Diagnostic:
        """A finding of this rule (default severity unless overridden)."""
        return Diagnostic(self.code, severity or self.severity, message, location)

    def explain(self) -> str:
        return (
            f"{self.code} ({self.severity}): {self.summary}\n\n{textwrap.dedent(self.explanation).strip()}\n"
        )


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """The rule functions and rules found in the rule modules (immutable)."""

    functions: tuple[tuple[RuleFunction, tuple[Rule, ...]], ...]
    #: Rule modules that failed to import: (module name, error) — reported as MK000, not raised.
    broken: tuple[tuple[str, str], ...] = ()

    def rules(self) -> tuple[Rule, ...]:
        found = {r.code: r for _, rules in self.functions for r in rules}
        return tuple(found[c] for c in sorted(found))

    def get(self, code: str) -> Rule | None:
        for r in self.rules():
            if r.code == code:
                return r
        return None


def rule(
    code: str, severity: Severity, summary: str, explanation: str, *, needs_data: bool = True
) -> Callable[[_F], _F]:
    """Tag a rule function with a rule id (stackable: one function may report several ids).

    ``needs_data=False``: the rule never reads ``ctx.data`` (beyond the institution's mailbox
    domains), so it runs even when the data files are invalid.
    """

    def decorate(func: _F) -> _F:
        existing: tuple[Rule, ...] = getattr(func, _ATTR, ())
        setattr(func, _ATTR, (Rule(code, severity, summary, explanation, needs_data), *existing))
        return func

    return decorate


def collect(module_names: Sequence[str]) -> RuleSet:
    """Import the rule modules and gather their tagged functions, in module order."""
    functions: list[tuple[RuleFunction, tuple[Rule, ...]]] = []
    seen: dict[str, str] = {}
    broken: list[tuple[str, str]] = []
    for name in module_names:
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            broken.append((name, f"{type(exc).__name__}: {exc}"))
            continue
        for attr in vars(module).values():
            rules = getattr(attr, _ATTR, None)
            if not callable(attr) or not rules or getattr(attr, "__module__", None) != module.__name__:
                continue
            for r in rules:
                if r.code in seen and seen[r.code] != f"{name}.{attr.__name__}":
                    raise RuntimeError(f"rule id {r.code} declared twice ({seen[r.code]}, {name})")
                seen[r.code] = f"{name}.{attr.__name__}"
            functions.append((attr, rules))
    return RuleSet(tuple(functions), tuple(broken))


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, sorted by id (what ``--explain`` and the docs list)."""
    from manualkit.checks import RULE_MODULES

    return collect(RULE_MODULES).rules()


#: Rule families usable in ``--select``/``--ignore`` (case-insensitive), e.g. ``--select style``.
FAMILIES: dict[str, tuple[str, ...]] = {
    "META": ("MK0",),
    "REFERENCES": ("MK101", "MK102", "MK106", "MK107", "MK108", "MK109"),
    "DEADLINES": ("MK103", "MK104", "MK105", "MK130"),
    "CALENDAR": ("MK11",),
    "MARKUP": ("MK12", "MK14"),
    "FORMS": ("MK201", "MK202", "MK207", "MK208"),
    "PROCESSES": ("MK203", "MK204", "MK205", "MK206"),
    "FIGURES": ("MK301", "MK302"),
    "CITATIONS": ("MK303", "MK304", "MK305"),
    "PERSONAL": ("MK4",),
    "REVIEW": ("MK5",),
    "STYLE": ("MK6",),
    "REVISIONS": ("MK7",),
}


def expand(patterns: Iterable[str]) -> list[str]:
    """Family names → their id prefixes; ids and prefixes unchanged (upper-cased)."""
    result: list[str] = []
    for p in patterns:
        key = p.strip().upper()
        if key:
            result.extend(FAMILIES.get(key, (key,)))
    return result


def unknown_patterns(patterns: Iterable[str], codes: Iterable[str]) -> list[str]:
    """Patterns that match no known rule id (a typo in --select would silently check nothing)."""
    known = list(codes)
    return [
        p
        for p in patterns
        if p.strip() and not any(c.startswith(q) for q in expand([p]) for c in [*known, "DATA"])
    ]


def matches(code: str, patterns: Iterable[str]) -> bool:
    """``--select``/``--ignore`` semantics: a full id, an id prefix (``MK1``) or a family (``style``)."""
    return any(code.startswith(p) for p in expand(patterns))
