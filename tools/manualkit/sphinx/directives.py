"""Block directives: data → Jinja2 fragment (MyST) → ordinary docutils nodes.

Every directive renders ``templates/fragments/<name>.md.j2`` and parses the
result with the document's own MyST parser, so the output is plain tables,
paragraphs, definition lists and a ``graphviz`` node that every builder
(HTML, PDF, DOCX) already knows.  The parsed nodes are wrapped in a
``nodes.container`` classed ``mk-<kind>``; table rows that stand for an
object get an id (``sla-complaint-general-resolve``, ``ref-…``) or a class
(``mk-field``) afterwards, because MyST tables cannot carry row attributes.

The fragments write their tables as GFM pipe tables inside a ``{table}`` directive (caption,
class, widths), not as ``list-table``: every cell is one line of inline text, and a pipe row
parses about four times faster than the nested bullet list a list-table row is (the forms and
SLA tables were a third of reading the 10× manual).  Both give the same table nodes.

Node shapes other builders can rely on:

* ``container.mk-sla-table`` → table, one row per SLA; the row chosen as the SLA's home
  (see ``transforms.py``) gets the id ``sla-<id>``;
* ``container.mk-form`` (id ``form-<id>-inline`` in a chapter) → paragraphs, a
  table classed ``mk-fields`` whose body rows are classed ``mk-field`` and
  ``mk-field-<type>``, signature lines as paragraphs classed ``mk-signature``;
* ``container.mk-checklist`` → paragraphs; each item starts with ``☐ ``;
* ``container.mk-process`` → ``graphviz`` node + step table;
* ``form-appendices`` → one ``section`` per form, id ``form-<id>``, title
  ``附件N　F-04-01 title``, containing a ``container.mk-form``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from docutils import nodes
from docutils.nodes import Node
from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.tables import RSTTable
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.ext.graphviz import graphviz
from sphinx.util.docutils import SphinxDirective

from manualkit.held_errors import UNKNOWN_ID
from manualkit.models import DATA_FILES, Form, ManualData, Process, Sla
from manualkit.pinyin_order import pinyin_keys
from manualkit.review_draft import build_day, draft_state, review_draft
from manualkit.sla_selection import SlaTableFilter
from manualkit.sphinx.domain import (
    PRIORITY_PRIMARY,
    PRIORITY_SECONDARY,
    PRIORITY_TERTIARY,
    ManualkitRuntime,
    get_domain,
    get_runtime,
    report_error,
)
from manualkit.sphinx.formatting import anchor_for
from manualkit.sphinx.graphviz_safety import FROM_PROCESS_DATA
from manualkit.sphinx.helpers import SEAL_CLASS, MkHelpers, UnknownIdError, is_seal
from manualkit.sphinx.transforms import mark_anchor
from manualkit.templating import TemplateRenderError

ALL_COLLECTIONS: tuple[str, ...] = tuple(name for name in DATA_FILES if name != "meta")


class DirectiveInputError(Exception):
    """A problem with the directive's own arguments/options (reported at its line)."""


def claim_id(document: nodes.document, node: nodes.Element, anchor: str) -> bool:
    """Give ``node`` the id ``anchor`` now (sections need ids while reading, for the TOC)."""
    if anchor in document.ids:
        return False
    node["ids"].append(anchor)
    document.ids[anchor] = node
    return True


def find_table(container: nodes.Element, cls: str) -> nodes.table:
    for table in container.findall(nodes.table):
        if cls in table["classes"]:
            return table
    raise LookupError(f"fragment produced no table classed {cls!r}")


class GivenWidthsTable(RSTTable):  # type: ignore[misc]  # docutils' directive classes are untyped
    """``{table}``, whose ``:widths:`` are used, not overruled by automatic layout.

    MyST classes every pipe table ``colwidths-auto``; the directive around it adds
    ``colwidths-given`` for explicit widths, and with both classes the HTML writer drops the
    widths (a form's label column would no longer be the 25 % its template asks for).  Mended
    here, where the widths are given, for the fragments' tables and any a chapter writes.
    """

    def run(self) -> list[Node]:
        result: list[Node] = super().run()
        for node in result:
            classes = node["classes"] if isinstance(node, nodes.table) else []
            if "colwidths-given" in classes and "colwidths-auto" in classes:
                classes.remove("colwidths-auto")
        return result


def body_rows(table: nodes.table) -> list[nodes.row]:
    return [
        row for tbody in table.findall(nodes.tbody) for row in tbody.children if isinstance(row, nodes.row)
    ]


#: A MyST target line, ``(complaint-intake)=``: the labels a chapter defines.
_LABEL_LINE = re.compile(r"^\(([A-Za-z0-9_.:-]+)\)=\s*$", re.MULTILINE)


def section_labels(source: str) -> set[str]:
    """Labels a MyST chapter defines (``(label)=`` lines), code fences excluded."""
    without_code = re.sub(r"^(`{3,}|~{3,}).*?^\1\s*$", "", source, flags=re.MULTILINE | re.DOTALL)
    return set(_LABEL_LINE.findall(without_code))


class FragmentDirective(SphinxDirective):
    """Base: render ``template`` with a context, parse it, wrap it in ``container_class``."""

    template: ClassVar[str]
    container_class: ClassVar[str]
    #: Data collections the rendering reads (their files become dependencies of the page).
    collections: ClassVar[tuple[str, ...]] = ALL_COLLECTIONS
    has_content = False

    # -- hooks ---------------------------------------------------------------------------------
    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        return {}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        """Attach ids/classes to the parsed nodes (rows, anchors)."""

    # -- machinery -----------------------------------------------------------------------------
    def run(self) -> list[Node]:
        runtime = get_runtime(self.env)
        self.note_dependencies(runtime)
        mk = MkHelpers(runtime.index)
        try:
            context = self.build_context(runtime.data, mk)
            container = self.render_container(runtime, self.template, context, mk)
            self.decorate(container, context)
        except (UnknownIdError, DirectiveInputError, TemplateRenderError) as exc:
            unknown = exc.item_id if isinstance(exc, UnknownIdError) else None
            subtype = UNKNOWN_ID if unknown is not None else "data"
            report_error(
                self.env, f"{self.name}: {exc}", self.get_location(), subtype=subtype, item_id=unknown
            )
            return []
        return [container]

    def note_dependencies(self, runtime: ManualkitRuntime) -> None:
        for collection in self.collections:
            self.env.note_dependency(str(runtime.data_file(collection)))

    def render_container(
        self, runtime: ManualkitRuntime, template: str, context: dict[str, Any], mk: MkHelpers
    ) -> nodes.container:
        self.note_template(runtime, template)
        text = runtime.renderer.render(template, {**context, "mk": mk, "meta": runtime.data.meta})
        container = nodes.container(classes=[self.container_class])
        self.set_source_info(container)
        self.state.nested_parse(StringList(text.splitlines(), source=template), 0, container)
        return container

    def note_template(self, runtime: ManualkitRuntime, template: str) -> None:
        """Editing a fragment template rebuilds the pages that use it."""
        path = runtime.renderer.source_path(template)
        if path is not None:
            self.env.note_dependency(str(path))

    @property
    def domain(self) -> Any:
        return get_domain(self.env)

    def anchor(
        self, node: nodes.Element, kind: str, item_id: str, priority: int = PRIORITY_PRIMARY, suffix: str = ""
    ) -> None:
        """Offer ``node`` as the home of ``kind:item_id``; the id goes to one candidate only."""
        anchor = anchor_for(kind, item_id) + suffix
        mark_anchor(node, self.env.docname, kind, item_id, anchor)
        self.domain.note_object(kind, item_id, anchor, priority)


class SlaTableDirective(FragmentDirective):
    """``:::{sla-table}`` with optional filters, combined with "and":

    * ``:tags:`` — SLAs carrying any of these tags;
    * ``:section:`` — SLAs whose home section is this label;
    * ``:chapter:`` — SLAs whose home section is in this chapter (a document name such as
      ``04-complaints``; empty: the chapter the table is in).
    """

    template = "fragments/sla-table.md.j2"
    container_class = "mk-sla-table"
    collections = ("slas", "roles", "references")
    option_spec: ClassVar[dict[str, Any]] = {
        "tags": directives.unchanged,
        "section": directives.unchanged,
        "chapter": directives.unchanged,
    }

    def chapter_labels(self, docname: str) -> set[str]:
        """Section labels of chapter ``docname``, read from its MyST source.

        Other chapters may not be parsed yet when this table is built, so their labels come
        from the source text; the table's page then depends on that source file.
        """
        if docname not in self.env.found_docs:
            raise UnknownIdError("chapter", docname, sorted(self.env.found_docs))
        path = self.env.doc2path(docname)
        if docname != self.env.docname:
            self.env.note_dependency(str(path))
        return section_labels(path.read_text(encoding="utf-8"))

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        table = SlaTableFilter.from_options(self.options)
        chapter = table.chapter
        labels = None if chapter is None else self.chapter_labels(chapter or self.env.docname)
        index = get_runtime(self.env).index
        for tag in sorted(table.tags - index.sla_tags):
            raise UnknownIdError("tag", tag, sorted(index.sla_tags))
        slas: list[Sla] = index.slas_matching(table.tags, table.section, labels)
        if not slas:
            raise DirectiveInputError(
                f"no SLA matches tags={sorted(table.tags)} section={table.section!r}"
                + ("" if chapter is None else f" chapter={chapter or self.env.docname!r}")
            )
        # Links prefer the SLA's home-section table, then a selection in a chapter, then a
        # complete table (the overview).
        filtered = bool(table.tags) or labels is not None
        priority = (
            PRIORITY_PRIMARY if table.section else PRIORITY_SECONDARY if filtered else PRIORITY_TERTIARY
        )
        return {"slas": slas, "priority": priority}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        rows = body_rows(find_table(container, "mk-sla-rows"))
        for row, sla in zip(rows, context["slas"], strict=True):
            self.anchor(row, "sla", sla.id, context["priority"])


def decorate_form(container: nodes.container, form: Form) -> None:
    table = find_table(container, "mk-fields")
    for row, field in zip(body_rows(table), form.fields, strict=True):
        row["classes"].extend(["mk-field", f"mk-field-{field.type}"])
        if is_seal(field):
            row["classes"].append(SEAL_CLASS)


class FormDirective(FragmentDirective):
    """``:::{form} F-04-01`` — the printable form inside a chapter."""

    template = "fragments/form.md.j2"
    container_class = "mk-form"
    collections = ("forms", "slas", "roles")
    required_arguments = 1

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        return {"form": mk.form_item(self.arguments[0].strip()), "in_appendix": False}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        form: Form = context["form"]
        decorate_form(container, form)
        self.anchor(container, "form", form.id, PRIORITY_SECONDARY, suffix="-inline")


class FormAppendicesDirective(FragmentDirective):
    """``:::{form-appendices}`` — every form as its own numbered appendix section."""

    template = "fragments/form.md.j2"
    container_class = "mk-form"
    collections = ("forms", "slas", "roles")

    def run(self) -> list[Node]:
        runtime = get_runtime(self.env)
        self.note_dependencies(runtime)
        mk = MkHelpers(runtime.index)
        sections: list[Node] = []
        for number, form in enumerate(runtime.data.forms, start=1):
            anchor = anchor_for("form", form.id)
            # The class lets every builder start each appendix on a page of its own.
            section = nodes.section(classes=["mk-form-appendix"])
            self.set_source_info(section)
            section["names"].append(anchor)
            title_text = f"附件{number}\u3000{form.id} {form.title}"
            section += nodes.title(title_text, title_text)
            try:
                context = {"form": form, "in_appendix": True, "number": number}
                container = self.render_container(runtime, self.template, context, mk)
                decorate_form(container, form)
            except (UnknownIdError, TemplateRenderError) as exc:
                report_error(self.env, f"{self.name}: {form.id}: {exc}", self.get_location())
                continue
            section += container
            if claim_id(self.state.document, section, anchor):
                self.state.document.note_explicit_target(section, section)
                self.domain.note_object("form", form.id, anchor, PRIORITY_PRIMARY)
            sections.append(section)
        return sections


class ChecklistDirective(FragmentDirective):
    template = "fragments/checklist.md.j2"
    container_class = "mk-checklist"
    collections = ("checklists", "slas", "forms", "roles")
    required_arguments = 1

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        return {"checklist": mk.checklist(self.arguments[0].strip())}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        self.anchor(container, "checklist", context["checklist"].id)


#: A branch label longer than this many characters is set on two or more lines in the flowchart.
LABEL_LINE_CHARS = 10


def flowchart_label_lines(text: str) -> list[str]:
    """A branch condition as the lines of its flowchart label.

    One long line beside a curved connector ends up crossed by it ("需要后续跟踪的业务（理财、
    贷款等）" on p. 15): the label is set in lines of about ten characters, broken before an
    opening bracket or after a comma where possible.
    """
    lines: list[str] = []
    rest = text.strip()
    while len(rest) > LABEL_LINE_CHARS:
        window = rest[: LABEL_LINE_CHARS + 1]
        cut = max(window.rfind("（"), window.rfind("("))
        if cut <= 0:
            cut = max(window.rfind(mark) for mark in "，、；,;") + 1
        if cut <= 0:  # no natural break: even halves rather than an orphan character
            cut = LABEL_LINE_CHARS if len(rest) >= 2 * LABEL_LINE_CHARS else (len(rest) + 1) // 2
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(rest)
    return lines


def process_graph(process: Process, mk: MkHelpers) -> dict[str, Any]:
    """Steps with their successors: explicit branches, else the next step, else the end."""
    index = {step.id: number for number, step in enumerate(process.steps, start=1)}
    known = list(index)
    steps: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for number, step in enumerate(process.steps, start=1):
        node = f"s{number}"
        successors: list[dict[str, Any]] = []
        if step.next:
            for branch in step.next:
                if branch.to not in index:
                    raise UnknownIdError("step", branch.to, known)
                successors.append({"number": index[branch.to], "when": branch.when})
                label = flowchart_label_lines(branch.when)
                edges.append({"source": node, "target": f"s{index[branch.to]}", "label": label})
        elif step.end or number == len(process.steps):
            edges.append({"source": node, "target": "end", "label": ""})
        else:
            successors.append({"number": number + 1, "when": ""})
            edges.append({"source": node, "target": f"s{number + 1}", "label": ""})
        steps.append(
            {
                "number": number,
                "node": node,
                "step": step,
                "owner": mk.role_name(step.owner),
                "successors": successors,
                "is_end": not successors,
            }
        )
        if step.sla:
            mk.sla_item(step.sla)
        if step.form:
            mk.form_item(step.form)
    return {"steps": steps, "edges": edges}


class ProcessDirective(FragmentDirective):
    """``:::{process} complaint.handling`` — Graphviz flowchart plus the step table."""

    template = "fragments/process.md.j2"
    dot_template = "fragments/process.dot.j2"
    container_class = "mk-process"
    collections = ("processes", "roles", "slas", "forms")
    required_arguments = 1

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        process: Process = mk.process(self.arguments[0].strip())
        return {"process": process, **process_graph(process, mk)}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        process: Process = context["process"]
        runtime = get_runtime(self.env)
        self.note_template(runtime, self.dot_template)
        code = runtime.renderer.render(self.dot_template, {**context, "meta": runtime.data.meta})
        chart = graphviz()
        chart["code"] = code
        chart["options"] = {"docname": self.env.docname}
        chart["alt"] = flowchart_alt(process.title)
        chart["align"] = "center"
        chart["classes"] = ["mk-flowchart"]
        # Drawn from data through the escaping template (process.dot.j2), not typed by a writer:
        # GraphvizSafety's source check runs on it, the (costly) second reading by Graphviz not.
        chart[FROM_PROCESS_DATA] = process.id
        self.set_source_info(chart)
        container.insert(0, chart)
        self.anchor(container, "process", process.id)


def flowchart_alt(title: str) -> str:
    """The flowchart's text alternative: "投诉处理流程图" for 投诉处理流程, "开户流程图" for 开户."""
    return f"{title.removesuffix('流程')}流程图"


class ShareTableDirective(FragmentDirective):
    template = "fragments/share-table.md.j2"
    container_class = "mk-share-table"
    collections = ("shares",)
    required_arguments = 1

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        return {"share": mk.share_item(self.arguments[0].strip())}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        self.anchor(container, "share", context["share"].id)


class GlossaryListDirective(FragmentDirective):
    template = "fragments/glossary-list.md.j2"
    container_class = "mk-glossary"
    collections = ("glossary",)

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        if not data.glossary:
            raise DirectiveInputError("data/glossary.yaml has no terms")
        keys = pinyin_keys(term.term for term in data.glossary)
        return {"terms": sorted(data.glossary, key=lambda term: keys[term.term])}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        """Each term's anchor is made from its data id: ``#term-working-day``, not ``#term-5``.

        Sphinx numbers the anchors of terms it cannot spell in ASCII in page order, so adding
        one term renumbered every term after it and broke bookmarks, links from other versions
        and search results saved by staff.  The term's node, the page's id map, its index entry
        and the standard domain's record of it (what ``{term}`` resolves to) move together.
        """
        std = self.env.domains.standard_domain
        for node, term in zip(container.findall(nodes.term), context["terms"], strict=True):
            old, new = node["ids"][0], anchor_for("term", term.id.removeprefix("term."))
            node["ids"] = [new, *node["ids"][1:]]
            document = self.state.document
            if document.ids.get(old) is node:
                del document.ids[old]
            document.ids[new] = node
            for index in node.findall(addnodes.index):
                index["entries"] = [
                    (*entry[:2], new if entry[2] == old else entry[2], *entry[3:])
                    for entry in index["entries"]
                ]
            text = node.astext()
            if std.objects.get(("term", text), ("", ""))[1] == old:
                std.objects["term", text] = (self.env.docname, new)
            if std._terms.get(text.lower(), ("", ""))[1] == old:
                std._terms[text.lower()] = (self.env.docname, new)


class ReferenceListDirective(FragmentDirective):
    template = "fragments/reference-list.md.j2"
    container_class = "mk-references"
    collections = ("references",)

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        if not data.references:
            raise DirectiveInputError("data/references.yaml has no references")
        return {"references": list(data.references)}

    def decorate(self, container: nodes.container, context: dict[str, Any]) -> None:
        rows = body_rows(find_table(container, "mk-reference-rows"))
        for row, reference in zip(rows, context["references"], strict=True):
            self.anchor(row, "reg", reference.id)


class RevisionHistoryDirective(FragmentDirective):
    template = "fragments/revision-history.md.j2"
    container_class = "mk-revisions"
    collections = ("revisions", "roles")

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        if not data.revisions:
            raise DirectiveInputError("data/revisions.yaml has no revisions")
        for revision in data.revisions:
            for signoff in (revision.drafted, revision.reviewed, revision.approved):
                mk.role_item(signoff.role)
        # A review draft's approval day is planned, as its cover says (拟于…批准): so says the table.
        draft = review_draft(data, build_day())
        self.domain.note_draft(draft_state(draft))
        return {"revisions": list(data.revisions), "draft_version": draft.version if draft else None}


class AttachmentListDirective(FragmentDirective):
    template = "fragments/attachment-list.md.j2"
    container_class = "mk-attachments"
    collections = ("forms",)

    def build_context(self, data: ManualData, mk: MkHelpers) -> dict[str, Any]:
        if not data.forms:
            raise DirectiveInputError("data/forms.yaml has no forms")
        return {"forms": list(data.forms)}


DIRECTIVES: dict[str, type[SphinxDirective]] = {
    "sla-table": SlaTableDirective,
    "form": FormDirective,
    "checklist": ChecklistDirective,
    "process": ProcessDirective,
    "share-table": ShareTableDirective,
    "glossary-list": GlossaryListDirective,
    "reference-list": ReferenceListDirective,
    "revision-history": RevisionHistoryDirective,
    "attachment-list": AttachmentListDirective,
    "form-appendices": FormAppendicesDirective,
}
