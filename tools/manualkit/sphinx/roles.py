"""Inline roles: ``{sla}``, ``{form}``, ``{reg}``, ``{target}``, ``{window}``, ``{nowrap}``.

Each role turns an id into the text the data gives it (``7个工作日``,
``F-04-01 投诉受理登记表``, ``《title》（number）``, ``100%``,
``工作日9:00—18:00``).  Linked kinds return a ``pending_xref`` for the ``mk``
domain, resolved at write time to the table row / appendix that carries the
anchor.  ``{form}`` and ``{reg}`` accept an explicit title: ``{form}`登记表 <F-04-01>```.

An unknown id is an ERROR at the chapter's file and line, with close ids.

``{nowrap}`2026年12月1日``` keeps its text on one line (class ``mk-nowrap``): Chinese text
may break between any two characters, which tears a date, a document number or a form's
``☐ 其他`` apart in a narrow table column.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.nodes import Node, system_message
from sphinx import addnodes
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import split_explicit_title

from manualkit.durations import render_sla
from manualkit.held_errors import UNKNOWN_ID
from manualkit.node_classes import NOWRAP_CLASS
from manualkit.sphinx import formatting
from manualkit.sphinx.domain import get_runtime, report_error
from manualkit.sphinx.helpers import DEPENDENCIES, UnknownIdError, lookup, number_parts
from manualkit.templating import LINE_SPACE, unescape_role_text


class DataRole(SphinxRole):
    """Base: look the id up, render its text, link it when the kind has an anchor."""

    kind: ClassVar[str]
    linked: ClassVar[bool] = True
    allow_title: ClassVar[bool] = False

    def render(self, item: Any) -> str:
        raise NotImplementedError

    def render_nodes(self, item: Any, text: str) -> list[Node]:
        """The nodes showing ``text`` (the rendered item): plain text unless a kind says more."""
        return [nodes.Text(text)]

    def run(self) -> tuple[list[Node], list[system_message]]:
        runtime = get_runtime(self.env)
        for collection in DEPENDENCIES[self.kind]:
            self.env.note_dependency(str(runtime.data_file(collection)))
        has_title, title, item_id = split_explicit_title(self.text)
        item_id = item_id.strip()
        if has_title and not self.allow_title:
            has_title, item_id = False, self.text.strip()
        try:
            item = lookup(runtime.index, self.kind, item_id)
        except UnknownIdError as exc:
            report_error(self.env, str(exc), self.get_location(), subtype=UNKNOWN_ID, item_id=exc.item_id)
            return [nodes.inline(self.rawtext, self.text, classes=["mk-unknown"])], []
        text = unescape_role_text(title) if has_title else self.render(item)
        content = [nodes.Text(text)] if has_title else self.render_nodes(item, text)
        inline = nodes.inline(text, "", *content, classes=[f"mk-role-{self.kind}"])
        if not self.linked:
            self.set_source_info(inline)
            return [inline], []
        xref = addnodes.pending_xref(
            self.rawtext,
            inline,
            refdomain="mk",
            reftype=self.kind,
            reftarget=item_id,
            refexplicit=True,
            refwarn=False,
        )
        self.set_source_info(xref)
        return [xref], []


class SlaRole(DataRole):
    kind = "sla"

    def render(self, item: Any) -> str:
        return render_sla(item)

    def render_nodes(self, item: Any, text: str) -> list[Node]:
        """The duration on one line: "每7" / "天" or "15个工作" / "日" misreads a deadline."""
        return [nodes.inline(text, text, classes=[NOWRAP_CLASS])]


class FormRole(DataRole):
    kind = "form"
    allow_title = True

    def render(self, item: Any) -> str:
        return f"{item.id} {item.title}"


class RegRole(DataRole):
    kind = "reg"
    allow_title = True

    def render(self, item: Any) -> str:
        return formatting.render_reference(item)

    def render_nodes(self, item: Any, text: str) -> list[Node]:
        """``《title》（number）`` with the number's year and serial kept on one line, as in the
        reference list ("中国银保监会令" / "2020年第3号", never "…令2020" / "年第3号")."""
        if not item.number or not text.endswith(f"（{item.number}）"):
            return [nodes.Text(text)]
        out: list[Node] = [nodes.Text(text[: -len(item.number) - 1])]
        for part, whole in number_parts(item.number):
            out.append(nodes.inline(part, part, classes=[NOWRAP_CLASS]) if whole else nodes.Text(part))
        out.append(nodes.Text("）"))
        return out


class TargetRole(DataRole):
    kind = "target"
    linked = False

    def render(self, item: Any) -> str:
        return formatting.render_target(item)


class WindowRole(DataRole):
    kind = "window"
    linked = False

    def render(self, item: Any) -> str:
        return formatting.render_window(item)


class NowrapRole(SphinxRole):
    """Text that must not be broken over lines (the print and HTML styles say ``nowrap``)."""

    def run(self) -> tuple[list[Node], list[system_message]]:
        # No-break spaces (U+00A0) stay; ``\|`` and ``\\`` are how data writes | and \ (role_text).
        text = unescape_role_text(LINE_SPACE.sub(" ", self.text).strip(" "))
        inline = nodes.inline(text, text, classes=[NOWRAP_CLASS])
        self.set_source_info(inline)
        return [inline], []


class HistorySectionRole(SphinxRole):
    """``{history-section}`label``` — the section a revision changed, linked by its title.

    A released revision keeps the sections it changed even after one is removed or merged: its
    record is history (MK707) and must still build.  So where ``{ref}`` fails the build on a
    label no chapter defines, this reference names the section as removed: by the title it had,
    ``{history-section}`适用范围 <overview-scope>``` (the change entry's ``title``), else by its
    label, followed by "（本节已删除）".  A section that exists is linked and shows its current
    title either way.  An unreleased revision naming a missing section is the checker's concern
    (MK704), not silently passed.
    """

    def run(self) -> tuple[list[Node], list[system_message]]:
        has_title, title, label = split_explicit_title(self.text)
        label = label.strip()
        name = unescape_role_text(LINE_SPACE.sub(" ", title).strip(" ")) if has_title else label
        text = f"{name}（本节已删除）"
        xref = addnodes.pending_xref(
            self.rawtext,
            nodes.inline(text, text),
            refdomain="std",
            reftype="ref",
            reftarget=label.lower(),
            refexplicit=False,
            refwarn=False,
            refdoc=self.env.docname,
        )
        self.set_source_info(xref)
        return [xref], []


ROLES: dict[str, type[DataRole]] = {
    "sla": SlaRole,
    "form": FormRole,
    "reg": RegRole,
    "target": TargetRole,
    "window": WindowRole,
}
