"""furo's sidebar navigation, rendered once per build instead of once per page.

furo asks Sphinx for the whole navigation tree on every page (``toctree(collapse=False,
titles_only=True, maxdepth=-1, includehidden=True)``): Sphinx deep-copies every document's
table of contents for it, and furo then re-parses the HTML with BeautifulSoup to add the
expand/collapse checkboxes.  Both are proportional to the size of the manual, on every page,
so a manual five times larger built 25 times slower in this step.

Here the tree is resolved once per build (per writer process) for the root document's
directory.  Pages differ only in the branch that leads to them (``current`` classes, the
``#`` link, checked checkboxes, ``current-page``), so every top-level entry is rendered once
as the reader sees it from elsewhere, and a page re-renders only its own top-level entries
(marked the way Sphinx marks them) and takes the others as they are.  furo's additions are
made on the doctree (a ``nav_toggle`` node per entry with children) instead of on the HTML.

Pages written outside the root document's directory (``sub/page.html``; every page of
``dirhtml``) have other relative links, and ``singlehtml`` resolves its toctree differently:
those get furo's own computation, unchanged.
"""

from __future__ import annotations

import dataclasses
import posixpath
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment.adapters.toctree import global_toctree_for_doc
from sphinx.writers.html5 import HTML5Translator

#: The arguments furo passes to ``toctree()`` for its sidebar.
FURO_TOCTREE_ARGS: dict[str, Any] = {
    "collapse": False,
    "titles_only": True,
    "maxdepth": -1,
    "includehidden": True,
}
#: Context key holding the page's ``toctree`` callable while furo's handler runs.
_HELD_TOCTREE = "mk_held_toctree"
#: Before furo's ``html-page-context`` handler (default priority 500) and after it.
PRIORITY_BEFORE_FURO = 450
PRIORITY_AFTER_FURO = 550


class nav_toggle(nodes.Inline, nodes.Element):  # type: ignore[misc]  # docutils is untyped
    """furo's checkbox and label that expand or collapse an entry with children."""


def visit_nav_toggle(translator: HTML5Translator, node: nav_toggle) -> None:
    """The markup furo's ``get_navigation_tree`` inserts, attribute for attribute."""
    checkbox_id = f"toctree-checkbox-{node['number']}"
    checked = ' checked=""' if node["checked"] else ""
    # The link's text as the reader sees it, section number included (as HTML5Translator adds it).
    number = node["secnumber"]
    shown = ("%s" + translator.secnumber_suffix) % ".".join(map(str, number)) if number else ""
    label = translator.attval(f"Toggle navigation of {shown}{node['title']}")
    translator.body.append(
        f'<input aria-label="{label}"{checked} class="toctree-checkbox" id="{checkbox_id}" '
        f'name="{checkbox_id}" role="switch" type="checkbox"/>'
        f'<label for="{checkbox_id}"><span class="icon"><svg><use href="#svg-arrow-right"></use>'
        "</svg></span></label>"
    )
    raise nodes.SkipNode


@dataclasses.dataclass(frozen=True)
class _Entry:
    """A top-level entry of the navigation (one chapter and what it lists)."""

    #: The entry as Sphinx resolved it, without any page's marks or furo's additions.
    item: nodes.list_item
    #: Number of its first checkbox: furo numbers them in document order over the whole tree.
    first_toggle: int
    #: The entry as every page outside it shows it.
    html: str


@dataclasses.dataclass(frozen=True)
class _Navigation:
    """The resolved navigation of one build, split into top-level entries."""

    #: Sphinx's ``compact_paragraph``: captions and one bullet list per toctree.
    tree: nodes.Element
    #: Index of a bullet list in ``tree`` → its entries.
    entries: dict[int, list[_Entry]]
    #: Relative URI of a listed document → (list index, entry position) of the entries listing it.
    listed_in: dict[str, list[tuple[int, int]]]
    #: The navigation of a page it does not list (the root document, the index, the search page).
    common_html: str


def _has_children(item: nodes.list_item) -> bool:
    return any(True for _ in item.findall(nodes.bullet_list, include_self=False))


def _decorate(item: nodes.list_item, first_toggle: int) -> int:
    """furo's changes, made on a (copied) entry: ``has-children`` and a checkbox per entry
    with children, numbered from ``first_toggle``.  Returns the next free number."""
    number = first_toggle
    for li in list(item.findall(nodes.list_item)):
        if not _has_children(li):
            continue
        li["classes"].append("has-children")
        reference = next(iter(li.findall(nodes.reference)), None)
        title = reference.astext() if reference is not None else ""
        secnumber = reference.get("secnumber") if reference is not None else None
        checked = "current" in li["classes"]
        li.insert(1, nav_toggle("", number=number, title=title, secnumber=secnumber, checked=checked))
        number += 1
    return number


def _mark_current(item: nodes.list_item, uri: str) -> None:
    """Sphinx's ``_toctree_add_classes`` for one page: each link to the page (without an anchor)
    and all its ancestors up to the navigation's root get ``current``; the link becomes ``#``."""
    for reference in list(item.findall(nodes.reference)):
        if reference["refuri"] != uri or reference.get("anchorname"):
            continue
        reference["refuri"] = ""
        branch: nodes.Element | None = reference
        while branch is not None:
            branch["classes"].append("current")
            branch = branch.parent


def _mark_current_page(items: list[nodes.list_item]) -> None:
    """furo's ``current-page``: the last entry (in document order) marked ``current``."""
    last: nodes.list_item | None = None
    for item in items:
        for li in item.findall(nodes.list_item):
            if "current" in li["classes"]:
                last = li
    if last is not None:
        last["classes"].append("current-page")


class NavigationCache:
    """The navigation of the current build, computed at the first page written."""

    def __init__(self) -> None:
        self._resolved = False
        self._navigation: _Navigation | None = None

    def reset(self, *_args: Any) -> None:
        """Reading finished (``env-updated``): the toctrees may have changed."""
        self._resolved = False
        self._navigation = None

    def before_furo(
        self, app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        """Hide ``toctree`` from furo so it skips its per-page navigation (put back afterwards)."""
        if self._applies(app, pagename) and "toctree" in context:
            context[_HELD_TOCTREE] = context.pop("toctree")

    def after_furo(
        self, app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        if _HELD_TOCTREE not in context:
            return
        context["toctree"] = context.pop(_HELD_TOCTREE)
        builder = app.builder
        assert isinstance(builder, StandaloneHTMLBuilder)
        context["furo_navigation_tree"] = self.page_html(builder, pagename)

    @staticmethod
    def _applies(app: Sphinx, pagename: str) -> bool:
        """furo's sidebar, Sphinx's standard page toctree (not singlehtml's), and a page whose
        links are relative to the same directory as the root document's."""
        builder = app.builder
        if not isinstance(builder, StandaloneHTMLBuilder) or "furo" not in app.extensions:
            return False
        if type(builder)._get_local_toctree is not StandaloneHTMLBuilder._get_local_toctree:
            return False
        page_dir = posixpath.dirname(builder.get_target_uri(pagename))
        return page_dir == posixpath.dirname(builder.get_target_uri(app.config.root_doc))

    def page_html(self, builder: StandaloneHTMLBuilder, pagename: str) -> str:
        """The sidebar navigation of ``pagename``, as furo renders it."""
        if not self._resolved:
            self._navigation, self._resolved = _resolve(builder), True
        navigation = self._navigation
        if navigation is None:
            return ""  # furo's value for a project without a toctree
        uri = builder.get_relative_uri(builder.config.root_doc, pagename)
        affected = set(navigation.listed_in.get(uri, ()))
        if not affected:
            return navigation.common_html
        # Only the entries leading to the page are rendered again; the others are reused as HTML.
        page_tree = navigation.tree.copy()
        marked: list[tuple[nodes.list_item, int]] = []
        for index, child in enumerate(navigation.tree.children):
            if index not in navigation.entries:
                page_tree.append(child.deepcopy())
                continue
            page_list = child.copy()
            page_tree.append(page_list)
            unchanged: list[str] = []  # consecutive entries reused as one piece of HTML
            for position, entry in enumerate(navigation.entries[index]):
                if (index, position) not in affected:
                    unchanged.append(entry.html)
                    continue
                if unchanged:
                    page_list.append(nodes.raw("", "".join(unchanged), format="html"))
                    unchanged = []
                item = entry.item.deepcopy()
                page_list.append(item)
                _mark_current(item, uri)
                marked.append((item, entry.first_toggle))
            if unchanged:
                page_list.append(nodes.raw("", "".join(unchanged), format="html"))
        for item, first_toggle in marked:
            _decorate(item, first_toggle)
        _mark_current_page([item for item, _ in marked])
        return str(builder.render_partial(page_tree)["fragment"])


def _resolve(builder: StandaloneHTMLBuilder) -> _Navigation | None:
    """Sphinx's global toctree seen from the root document, split into top-level entries and
    rendered once; None when the manual has no toctree.

    An entry rendered on its own gives the same HTML as inside its list (list items carry no
    state from their siblings); ``tests/test_html_nav.py`` compares every page with furo's.
    """
    env = builder.env
    tree = global_toctree_for_doc(env, env.config.root_doc, builder, **FURO_TOCTREE_ARGS)
    if tree is None:
        return None
    entries: dict[int, list[_Entry]] = {}
    listed_in: dict[str, list[tuple[int, int]]] = {}
    common = tree.copy()
    toggle = 1
    for index, child in enumerate(tree.children):
        if not isinstance(child, nodes.bullet_list):
            common.append(child.deepcopy())  # a caption
            continue
        common_list = child.copy()
        common.append(common_list)
        entries[index] = []
        for position, item in enumerate(child.children):
            assert isinstance(item, nodes.list_item)
            decorated = item.deepcopy()
            first_toggle, toggle = toggle, _decorate(decorated, toggle)
            common_list.append(decorated)
            html = str(builder.render_partial(decorated.deepcopy())["fragment"])
            entries[index].append(_Entry(item, first_toggle, html))
            for reference in item.findall(nodes.reference):
                if not reference.get("anchorname"):
                    listed_in.setdefault(str(reference["refuri"]), []).append((index, position))
    return _Navigation(tree, entries, listed_in, str(builder.render_partial(common)["fragment"]))


def setup(app: Sphinx) -> dict[str, Any]:
    cache = NavigationCache()
    app.add_node(nav_toggle, html=(visit_nav_toggle, None))
    app.connect("env-updated", cache.reset)
    app.connect("html-page-context", cache.before_furo, priority=PRIORITY_BEFORE_FURO)
    app.connect("html-page-context", cache.after_furo, priority=PRIORITY_AFTER_FURO)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
