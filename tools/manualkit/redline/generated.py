"""Directive output (SLA tables, forms, lists …) as MyST, rendered from one version's data.

Why: a placeholder such as ``〔时限表：complaint〕`` reads the same on both sides, so a changed
SLA row, a new attachment or a new revision record was only listed apart from the text.  Here
each directive is rendered with the manual's own fragment templates
(``templates/fragments/*.md.j2``) and the same ``mk`` helpers the build uses, fed with the
version's own data, so the row reads exactly as the manual prints it; :mod:`readable` then
turns the MyST into the reviewer's lines and the word diff shows "7个工作日 → 5个工作日" inside
the row.

Templates come from the project's working tree (then the shipped ones), identically for both
versions: a redline compares content, and one presentation for both sides keeps every
difference a difference in data.  A directive that cannot be rendered (an unknown id, no SLA
matching its filters) keeps its placeholder, as the build would report it instead of printing.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from manualkit.models import ManualData
from manualkit.sla_selection import SlaTableFilter
from manualkit.sphinx.helpers import DataIndex, MkHelpers, UnknownIdError
from manualkit.templating import TemplateRenderer, TemplateRenderError, template_search_path

#: Directive → its fragment template (``form-appendices`` renders ``form`` once per form).
TEMPLATES: dict[str, str] = {
    "sla-table": "fragments/sla-table.md.j2",
    "form": "fragments/form.md.j2",
    "form-appendices": "fragments/form.md.j2",
    "checklist": "fragments/checklist.md.j2",
    "process": "fragments/process.md.j2",
    "share-table": "fragments/share-table.md.j2",
    "glossary-list": "fragments/glossary-list.md.j2",
    "reference-list": "fragments/reference-list.md.j2",
    "revision-history": "fragments/revision-history.md.j2",
    "attachment-list": "fragments/attachment-list.md.j2",
}

#: Chapter document name (``04-complaints``; empty: the directive's own chapter) → its labels.
ChapterLabels = Callable[[str], set[str] | None]


class _NotRendered(Exception):
    """The directive prints nothing the redline can show (the build reports it as an error)."""


def renderer_for(project: Path) -> TemplateRenderer:
    """The fragment templates a build of ``project`` uses: its own, then the shipped ones."""
    return TemplateRenderer(template_search_path(project / "templates"))


@dataclasses.dataclass(frozen=True)
class Generator:
    """Renders the directives of one version (``data``) with ``renderer``'s templates."""

    data: ManualData
    renderer: TemplateRenderer
    chapter_labels: ChapterLabels

    def render(self, name: str, arg: str, options: Mapping[str, str]) -> str | None:
        """The MyST the directive ``name`` prints, or None when it prints no text (a toctree,
        an admonition, an unknown directive) or cannot be rendered."""
        if name not in TEMPLATES:
            return None
        mk = self._mk
        try:
            if name == "form-appendices":
                return self._appendices(mk)
            context = _CONTEXTS[name](self, mk, arg.strip(), options)
            return self._fragment(TEMPLATES[name], context, mk)
        except (UnknownIdError, TemplateRenderError, _NotRendered):
            return None

    @functools.cached_property
    def _mk(self) -> MkHelpers:
        """The template helpers over this version's data, indexed once."""
        return MkHelpers(DataIndex(self.data))

    def _fragment(self, template: str, context: Mapping[str, Any], mk: MkHelpers) -> str:
        return self.renderer.render(template, {**context, "mk": mk, "meta": self.data.meta})

    def _appendices(self, mk: MkHelpers) -> str:
        """Every form under its appendix title, as ``FormAppendicesDirective`` prints them."""
        parts = []
        for number, form in enumerate(self.data.forms, start=1):
            context = {"form": form, "in_appendix": True, "number": number}
            body = self._fragment(TEMPLATES["form-appendices"], context, mk)
            parts.append(f"附件{number}\u3000{form.id} {form.title}\n\n{body}")
        return "\n\n".join(parts)


def _sla_table(gen: Generator, mk: MkHelpers, arg: str, options: Mapping[str, str]) -> dict[str, Any]:
    """The SLAs the table selects, with the filters of ``SlaTableDirective``."""
    table = SlaTableFilter.from_options(options)
    labels = None
    if table.chapter is not None:
        labels = gen.chapter_labels(table.chapter)
        if labels is None:
            raise _NotRendered(table.chapter)
    index = gen._mk._index
    if table.tags - index.sla_tags:
        raise _NotRendered(sorted(table.tags - index.sla_tags))
    slas = index.slas_matching(table.tags, table.section, labels)
    if not slas:
        raise _NotRendered("no SLA matches")
    return {"slas": slas}


def _process(gen: Generator, mk: MkHelpers, arg: str, options: Mapping[str, str]) -> dict[str, Any]:
    # Imported here: the directives module pulls in Sphinx, which only process tables need.
    from manualkit.sphinx.directives import process_graph

    process = mk.process(arg)
    return {"process": process, **process_graph(process, mk)}


def _glossary(gen: Generator, mk: MkHelpers, arg: str, options: Mapping[str, str]) -> dict[str, Any]:
    """Terms in pinyin order, as ``GlossaryListDirective`` sorts them."""
    from manualkit.pinyin_order import pinyin_keys

    if not gen.data.glossary:
        raise _NotRendered("glossary")
    keys = pinyin_keys(term.term for term in gen.data.glossary)
    return {"terms": sorted(gen.data.glossary, key=lambda term: keys[term.term])}


def _collection(
    key: str, attr: str
) -> Callable[[Generator, MkHelpers, str, Mapping[str, str]], dict[str, Any]]:
    """A directive that prints a whole collection (every reference, revision, form)."""

    def context(gen: Generator, mk: MkHelpers, arg: str, options: Mapping[str, str]) -> dict[str, Any]:
        items = list(getattr(gen.data, attr))
        if not items:
            raise _NotRendered(attr)
        return {key: items}

    return context


_CONTEXTS: dict[str, Callable[[Generator, MkHelpers, str, Mapping[str, str]], dict[str, Any]]] = {
    "sla-table": _sla_table,
    "form": lambda gen, mk, arg, options: {"form": mk.form_item(arg), "in_appendix": False},
    "checklist": lambda gen, mk, arg, options: {"checklist": mk.checklist(arg)},
    "process": _process,
    "share-table": lambda gen, mk, arg, options: {"share": mk.share_item(arg)},
    "glossary-list": _glossary,
    "reference-list": _collection("references", "references"),
    "revision-history": _collection("revisions", "revisions"),
    "attachment-list": _collection("forms", "forms"),
}
