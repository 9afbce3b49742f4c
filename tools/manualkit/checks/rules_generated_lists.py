"""MK126: a directive that generates a list from data/ ({glossary-list}, {sla-table} …) with
nothing to list, which stops the build.

The manual's listing directives refuse to print an empty list, so a deleted or emptied data file,
or {sla-table} filters that together select no SLA, fail the build. The only rule of the markup
family that reads data/ (``needs_data``): the filters are applied as the directive applies them
(:class:`manualkit.sla_selection.SlaTableFilter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.source import DirectiveUse, Document
from manualkit.diagnostics import Diagnostic, Location
from manualkit.sla_selection import SlaTableFilter

#: Directive → (collection, data file, what it lists): the build stops when there is nothing.
_LISTING_DIRECTIVES: dict[str, tuple[str, str, str]] = {
    "glossary-list": ("glossary", "data/glossary.yaml", "terms"),
    "reference-list": ("references", "data/references.yaml", "references"),
    "revision-history": ("revisions", "data/revisions.yaml", "revisions"),
    "attachment-list": ("forms", "data/forms.yaml", "forms"),
    "form-appendices": ("forms", "data/forms.yaml", "forms"),
}


@rule(
    "MK126",
    "error",
    "a generated list has nothing to list: the build stops",
    """
    What: :::{glossary-list}, :::{reference-list}, :::{revision-history}, :::{attachment-list} or
    :::{form-appendices} in a chapter while its data file (data/glossary.yaml …) is missing or
    has no entries; an :::{sla-table} whose filters (:tags:, :section:, :chapter:, combined with
    "and") select no SLA of data/slas.yaml, e.g. `:tags: system` with `:section:
    complaint-process`.
    Why: the directive refuses to print an empty list ("glossary-list: data/glossary.yaml has no
    terms", "sla-table: no SLA matches …"), which fails the build; a deleted data file is
    otherwise not an error of its own.
    Fix: restore the data file (git checkout -- data/glossary.yaml) or remove the directive;
    correct the table's filters, or give the SLAs meant the tag or section.
    """,
)
def empty_listings(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for directive in doc.directives:
            if directive.name == "sla-table":
                problem = _empty_sla_table(ctx, doc, directive)
                if problem:
                    yield Diagnostic(
                        "MK126", "error", problem, Location(doc.path, directive.line, directive.column)
                    )
                continue
            listed = _LISTING_DIRECTIVES.get(directive.name)
            if listed is None or getattr(ctx.data, listed[0]):
                continue
            _collection, file, what = listed
            state = "is missing" if not (ctx.root / file).exists() else f"has no {what}"
            yield Diagnostic(
                "MK126",
                "error",
                f"{{{directive.name}}} lists {file}, which {state}: expected at least one entry "
                "(the build stops on an empty list)",
                Location(doc.path, directive.line, directive.column),
            )


def _empty_sla_table(ctx: CheckContext, doc: Document, directive: DirectiveUse) -> str | None:
    """Why an {sla-table} lists nothing (``SlaTableDirective.build_context``: "no SLA matches");
    ``None`` when it lists an SLA, or when one of its filters names nothing (MK101, MK122 say so)."""
    table = SlaTableFilter.from_options(dict(directive.options))
    tags = {tag for sla in ctx.data.slas for tag in sla.tags}
    if table.tags - tags or (table.section and table.section not in ctx.section_documents):
        return None
    labels: set[str] | None = None
    if table.chapter is not None:
        name = table.chapter or doc.path.removeprefix("manual/").rsplit(".", 1)[0]
        chapter = next((d for d in ctx.documents if d.path == f"manual/{name}.md"), None)
        if chapter is None:
            return None
        labels = _chapter_section_labels(chapter.text)
    if any(table.selects(sla, labels) for sla in ctx.data.slas):
        return None
    return (
        f"{{sla-table}} lists no SLA: no SLA in data/slas.yaml has {table.describe()} (filters combine "
        f'with "and"); expected at least one, found none, and the build stops ("sla-table: no SLA '
        'matches …")'
    )


#: The build's reading of a chapter's labels for {sla-table} :chapter:
#: (``manualkit.sphinx.directives.section_labels``): ``(label)=`` lines outside code fences.
_CHAPTER_LABEL_LINE = re.compile(r"^\(([A-Za-z0-9_.:-]+)\)=\s*$", re.MULTILINE)
_CODE_FENCE_BLOCK = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.MULTILINE | re.DOTALL)


def _chapter_section_labels(text: str) -> set[str]:
    return set(_CHAPTER_LABEL_LINE.findall(_CODE_FENCE_BLOCK.sub("", text)))
