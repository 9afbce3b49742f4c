"""The roles, directives and directive options the manual's Sphinx setup knows.

Why a snapshot: ``manualkit check`` must not import Sphinx (it runs as a pre-commit hook in well
under a second), yet an unknown role, directive or option is a warning that fails every build.
``markup_names.json`` beside this module lists what the project's ``conf.py`` extensions register
(docutils, Sphinx and its domains, MyST, manualkit); ``python -m manualkit.checks.markup --write``
regenerates it from a Sphinx application, and a test fails when it is out of date.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).with_name("markup_names.json")
REPO_ROOT = Path(__file__).resolve().parents[3]
#: Directives the MyST parser handles itself, never registered with docutils: ``{eval-rst}``.
MYST_DIRECTIVES: dict[str, list[str]] = {"eval-rst": []}
#: Their shapes (:class:`DirectiveShape`): ``{eval-rst}`` takes reStructuredText as content.
MYST_SHAPES: dict[str, list[int | bool]] = {"eval-rst": [0, 0, True]}
#: Options MyST adds to every include directive (``Include.option_spec``) the first time it runs
#: one in a process: named here, so that the snapshot does not depend on what ran before.
MYST_INCLUDE_OPTIONS = ("heading-offset", "relative-docs", "relative-images")


@dataclasses.dataclass(frozen=True)
class DirectiveShape:
    """What a directive takes besides options: ``required`` and ``optional`` arguments, content."""

    required: int
    optional: int
    content: bool


@dataclasses.dataclass(frozen=True)
class KnownMarkup:
    """Role names, and directive names with their option keys and shapes (all lower case, as
    Sphinx looks them up)."""

    roles: frozenset[str]
    directives: Mapping[str, frozenset[str]]
    shapes: Mapping[str, DirectiveShape] = dataclasses.field(default_factory=dict)

    def has_role(self, name: str) -> bool:
        return name.lower() in self.roles

    def has_directive(self, name: str) -> bool:
        return name.lower() in self.directives

    def options(self, directive: str) -> frozenset[str]:
        return self.directives.get(directive.lower(), frozenset())

    def shape(self, directive: str) -> DirectiveShape | None:
        return self.shapes.get(directive.lower())


@cache
def known_markup() -> KnownMarkup:
    """The snapshot, read once per process (a few kilobytes of JSON)."""
    raw = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return KnownMarkup(
        frozenset(raw["roles"]),
        {name: frozenset(options) for name, options in raw["directives"].items()},
        {name: DirectiveShape(int(r), int(o), bool(c)) for name, (r, o, c) in raw.get("shapes", {}).items()},
    )


def _option_keys(directive: Any) -> list[str]:
    """A directive class's option keys (``option_spec`` ``None`` means it takes none)."""
    spec = getattr(directive, "option_spec", None) or {}
    return sorted(str(key) for key in spec)


def _shape(directive: Any) -> list[int | bool]:
    """``[required arguments, optional arguments, takes content]`` of a directive class; a
    directive function (docutils' old interface) says nothing: any arguments, any content."""
    if not isinstance(directive, type):
        return [0, 1_000, True]
    return [
        int(getattr(directive, "required_arguments", 0)),
        int(getattr(directive, "optional_arguments", 0)),
        bool(getattr(directive, "has_content", False)),
    ]


def _registry_items(registry: Mapping[str, Any], loaded: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """docutils' lazily imported built-ins (``(module, class)``) and the registered ones."""
    import importlib

    found: dict[str, Any] = {}
    for name, entry in registry.items():
        if isinstance(entry, tuple):
            module_name, attr = entry
            try:
                module = importlib.import_module(f"docutils.parsers.rst.{kind}.{module_name}")
                found[name] = getattr(module, attr)
            except (ImportError, AttributeError):
                continue
        else:
            found[name] = entry
    found.update(loaded)
    return found


def _is_include(directive: Any, include: type) -> bool:
    return isinstance(directive, type) and issubclass(directive, include)


def _add_aliases(language: Any, found_directives: dict[str, Any], found_roles: dict[str, Any]) -> None:
    """Add a docutils language module's names for the registered directives and roles."""
    for local, canonical in getattr(language, "directives", {}).items():
        if canonical in found_directives:
            found_directives.setdefault(local, found_directives[canonical])
    for local, canonical in getattr(language, "roles", {}).items():
        if canonical in found_roles:
            found_roles.setdefault(local, True)


@contextlib.contextmanager
def configured_sphinx(project_root: Path) -> Iterator[Any]:
    """A quiet Sphinx application on the project's ``conf.py``, its extensions set up, with
    docutils' directive and role registries as it left them (restored afterwards)."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    with (
        tempfile.TemporaryDirectory() as tmp,
        patch_docutils(project_root),
        docutils_namespace(),
    ):
        yield Sphinx(
            srcdir=project_root / "manual",
            confdir=project_root,
            outdir=Path(tmp) / "out",
            doctreedir=Path(tmp) / "doctrees",
            buildername="html",
            status=None,
            warning=None,
        )


def collect(project_root: Path) -> dict[str, Any]:
    """Everything a chapter may use under the project's ``conf.py`` (imports Sphinx)."""
    from docutils.parsers.rst import directives, roles
    from docutils.parsers.rst.languages import get_language

    with configured_sphinx(project_root) as app:
        found_directives = _registry_items(
            directives._directive_registry, directives._directives, "directives"
        )
        found_roles = dict(_registry_items(roles._role_registry, roles._roles, "roles"))
        domains = app.env.domains
        default = app.config.primary_domain
        for domain in domains.sorted():
            unqualified = domain.name in ("std", default)
            for name, cls in domain.directives.items():
                found_directives[f"{domain.name}:{name}"] = cls
                if unqualified:
                    found_directives.setdefault(name, cls)
            for name in domain.roles:
                found_roles[f"{domain.name}:{name}"] = True
                if unqualified:
                    found_roles.setdefault(name, True)
        language = get_language(app.config.language.replace("_", "-").lower())
        _add_aliases(language, found_directives, found_roles)
        # docutils looks a name up in the document's language, then in English (its fallback),
        # so {sup}, {sub}, {ab} and {url} work in a zh_CN manual too.
        _add_aliases(get_language("en"), found_directives, found_roles)
    # docutils' placeholders for untranslated names ("code (translation required)") are no names.
    from docutils.parsers.rst.directives.misc import Include

    directive_options = {
        name.lower(): sorted(
            {*_option_keys(cls), *(MYST_INCLUDE_OPTIONS if _is_include(cls, Include) else ())}
        )
        for name, cls in sorted(found_directives.items())
        if " " not in name
    }
    directive_options.update(MYST_DIRECTIVES)
    shapes = {name.lower(): _shape(cls) for name, cls in sorted(found_directives.items()) if " " not in name}
    shapes.update(MYST_SHAPES)
    return {
        "roles": sorted(name.lower() for name in found_roles if " " not in name),
        "directives": directive_options,
        "shapes": shapes,
    }


def render(snapshot: Mapping[str, Any]) -> str:
    """The snapshot file's text (stable, so a regenerated file diffs cleanly)."""
    return json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def close_names(name: str, known: Iterable[str]) -> list[str]:
    """Known names a mistyped one most likely meant (``slas`` → ``sla``, ``proces`` → ``process``)."""
    import difflib

    return difflib.get_close_matches(name.lower(), sorted(known), n=1, cutoff=0.6)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m manualkit.checks.markup [--write]``: print or rewrite the snapshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--project", type=Path, default=REPO_ROOT)
    parser.add_argument("--write", action="store_true", help=f"rewrite {SNAPSHOT.name}")
    args = parser.parse_args(argv)
    text = render(collect(args.project.resolve()))
    if args.write:
        SNAPSHOT.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
