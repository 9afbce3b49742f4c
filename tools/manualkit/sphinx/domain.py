"""The ``mk`` domain: where each SLA row, form and reference lives, per document.

Roles such as ``{sla}`` are resolved at write time (a ``pending_xref`` with
``refdomain="mk"``), because the table that carries the anchor may be in
another chapter.  The domain records, per document, which anchors it
defines; ``clear_doc`` / ``merge_domaindata`` keep that correct for
incremental and parallel builds.

The loaded data (:class:`ManualkitRuntime`) is attached to the domain
*instance* for the current run only: it is reloaded in ``builder-inited`` on
every build, so it is never pickled and never stale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Set
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from docutils import nodes
from sphinx.domains import Domain, ObjType
from sphinx.errors import SphinxError
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

from manualkit.held_errors import ITEM_ID, LOG_TYPE
from manualkit.models import DATA_FILES, ManualData
from manualkit.sphinx import formatting
from manualkit.sphinx.helpers import COLLECTIONS, DataIndex
from manualkit.templating import TemplateRenderer

if TYPE_CHECKING:
    from sphinx.addnodes import pending_xref
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

    from manualkit.revisions import Introduced

logger = logging.getLogger(__name__)

#: ``"sla:complaint.general.resolve"`` → (docname, anchor, priority); lower priority wins.
ObjectMap = dict[str, tuple[str, str, int]]

#: Priorities: a form's own appendix beats the printable copy inside a chapter; an SLA's
#: home-section table beats a selection in a chapter (tags, chapter), which beats a complete
#: table: a complete table is the overview (8.4 服务时限一览), while a link should take the reader
#: to the chapter whose text explains the deadline.
PRIORITY_PRIMARY = 0
PRIORITY_SECONDARY = 1
PRIORITY_TERTIARY = 2


class ManualkitNotReadyError(SphinxError):
    category = "manualkit error"


@dataclasses.dataclass(frozen=True)
class ManualkitRuntime:
    """What roles and directives need during one build: the data and the template renderer."""

    data: ManualData
    data_dir: Path
    renderer: TemplateRenderer
    #: The jieba dictionary changed this build: every page must be indexed again.
    reindex_all: bool = False
    #: The data by id (built from ``data``), for constant-time lookups by roles and directives.
    index: DataIndex = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", DataIndex(self.data))

    #: ``introduced_items`` of this build, once asked (it reads the release tags' sources).
    _introduced: dict[Path, dict[str, Introduced]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def data_file(self, collection: str) -> Path:
        return self.data_dir / DATA_FILES[collection]

    def introduced_items(self, root: Path) -> dict[str, Introduced]:
        """:func:`manualkit.revisions.introduced_items`, read from git once per build.

        Once per build, not once per process: a release tag may be made, moved or deleted
        (``release`` deletes the one it made when publishing fails) between two builds of one
        process, as ``serve`` runs them.
        """
        if root not in self._introduced:
            from manualkit.revisions import introduced_items

            self._introduced[root] = introduced_items(root, self.data)
        return self._introduced[root]


class ManualkitDomain(Domain):
    """Anchors of manual objects and the run's loaded data."""

    name = "mk"
    label = "manualkit"
    #: Objects a reader looks up by number in the site search (``F-04-01``, ``CL-04-01``).
    object_types: ClassVar[dict[str, ObjType]] = {  # type: ignore[misc]
        "form": ObjType("表单", "form"),
        "checklist": ObjType("检查清单", "checklist"),
    }
    data_version = 4
    initial_data: dict[str, Any] = {  # noqa: RUF012 - Sphinx API shape
        "objects": {},
        "candidates": {},
        "errors": {},
        "noted": {},
        "drafts": {},
    }

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        self.runtime: ManualkitRuntime | None = None

    def get_type_name(self, type: ObjType, primary: bool = False) -> str:
        """Readers see "表单", not the domain's internal label ("manualkit 表单"), in search results."""
        return str(type.lname)

    @property
    def objects(self) -> ObjectMap:
        return cast(ObjectMap, self.data.setdefault("objects", {}))

    @property
    def candidates(self) -> dict[str, dict[str, tuple[str, int]]]:
        """``"sla:x"`` → every document that offers an anchor for it: docname → (anchor, priority).

        Every offer is kept, not only the winner: when the winning page is read again without the
        object (its home table deleted), the next best page still carries the anchor — with only
        the winner kept, an incremental build lost every link to it until a fresh build.
        """
        return cast(dict[str, dict[str, tuple[str, int]]], self.data.setdefault("candidates", {}))

    @property
    def noted(self) -> dict[str, set[str]]:
        """docname → keys it offered an anchor for, so clearing a page touches only its own keys
        (a scan of every object per page made reading a large manual quadratic)."""
        return cast(dict[str, set[str]], self.data.setdefault("noted", {}))

    @property
    def errors(self) -> dict[str, int]:
        """docname → number of manualkit errors reported while reading it."""
        return cast(dict[str, int], self.data.setdefault("errors", {}))

    @property
    def drafts(self) -> dict[str, str]:
        """docname → the review-draft state it printed (``manualkit.review_draft``; "" approved).

        A page that prints it (the revision table's approval dates) is read again once the state
        changed: the approval day came, or a later version is drafted, without any file changed.
        """
        return cast(dict[str, str], self.data.setdefault("drafts", {}))

    def note_draft(self, state: str) -> None:
        self.drafts[self.env.docname] = state

    def note_error(self) -> None:
        self.errors[self.env.docname] = self.errors.get(self.env.docname, 0) + 1

    def note_object(self, kind: str, item_id: str, anchor: str, priority: int = PRIORITY_PRIMARY) -> None:
        """Record that the current document carries ``anchor`` for ``kind:item_id``."""
        key = f"{kind}:{item_id}"
        docname = self.env.docname
        self.noted.setdefault(docname, set()).add(key)
        offers = self.candidates.setdefault(key, {})
        offered = offers.get(docname)
        if offered is None or priority < offered[1]:  # a page's first offer wins among equals
            offers[docname] = (anchor, priority)
        self._elect(key)

    def _elect(self, key: str) -> None:
        """Make the best offer for ``key`` the object's place: lowest priority, then docname."""
        offers = self.candidates.get(key)
        if not offers:
            self.candidates.pop(key, None)
            self.objects.pop(key, None)
            return
        docname, (anchor, priority) = min(offers.items(), key=lambda offer: (offer[1][1], offer[0]))
        self.objects[key] = (docname, anchor, priority)

    def location_of(self, kind: str, item_id: str) -> tuple[str, str] | None:
        found = self.objects.get(f"{kind}:{item_id}")
        return (found[0], found[1]) if found else None

    def clear_doc(self, docname: str) -> None:
        self.errors.pop(docname, None)
        self.drafts.pop(docname, None)
        candidates = self.candidates
        for key in self.noted.pop(docname, ()):
            candidates.get(key, {}).pop(docname, None)
            self._elect(key)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for docname, count in cast(dict[str, int], otherdata.get("errors", {})).items():
            if docname in docnames:
                self.errors[docname] = count
        for docname, state in cast(dict[str, str], otherdata.get("drafts", {})).items():
            if docname in docnames:
                self.drafts[docname] = state
        for docname, keys in cast(dict[str, set[str]], otherdata.get("noted", {})).items():
            if docname in docnames:
                self.noted[docname] = set(keys)
        offered = cast(dict[str, dict[str, tuple[str, int]]], otherdata.get("candidates", {}))
        for key, offers in offered.items():
            mine = {doc: offer for doc, offer in offers.items() if doc in docnames}
            if not mine:
                continue
            for doc in mine:
                self.noted.setdefault(doc, set()).add(key)
            self.candidates.setdefault(key, {}).update(mine)
            self._elect(key)

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> nodes.reference | None:
        found = self.location_of(typ, target)
        if found is None:
            # No table/appendix lists this object: the text stays, unlinked (the checker reports it).
            return None
        docname, anchor = found
        return make_refnode(builder, fromdocname, docname, anchor, contnode, self.tooltip(typ, target))

    def tooltip(self, kind: str, item_id: str) -> str:
        """What a reader sees on hovering a link: the item's name, never its internal data id.

        ``complaint.major.resolve`` means nothing to front-line staff; 重大投诉办结 does.
        """
        known = self.runtime is not None and kind in COLLECTIONS
        item = self.runtime.index.get(kind, item_id) if known and self.runtime is not None else None
        if item is None:
            return item_id
        if kind == "reg":
            return formatting.render_reference(item)
        if kind in ("form", "checklist"):
            return f"{item_id} {item.title}"
        name = getattr(item, "name", None) or getattr(item, "title", None)
        return str(name) if name else item_id

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        return []

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        """Forms and checklists for the search index, named ``F-04-01 投诉受理登记表``."""
        if self.runtime is None:
            return
        titles = {
            **{("form", f.id): f.title for f in self.runtime.data.forms},
            **{("checklist", c.id): c.title for c in self.runtime.data.checklists},
        }
        for key, (docname, anchor, _prio) in sorted(self.objects.items()):
            kind, _, item_id = key.partition(":")
            title = titles.get((kind, item_id))
            if title is not None:
                name = f"{item_id} {title}"
                yield name, name, kind, docname, anchor, 1


def report_error(
    env: BuildEnvironment,
    message: str,
    location: str | nodes.Node,
    *,
    subtype: str = "data",
    item_id: str | None = None,
) -> None:
    """Log an ERROR at ``location`` and remember the page, so the build fails and the page is
    re-read (and the error shown again) on the next incremental build until it is fixed.

    The record's type is ``manualkit``; ``subtype`` ``unknown_id`` marks what the checker also
    reports, and ``item_id`` the id it names (see :mod:`manualkit.held_errors`).
    """
    extra = {ITEM_ID: item_id} if item_id is not None else {}
    logger.error("%s", message, location=location, type=LOG_TYPE, subtype=subtype, extra=extra)
    get_domain(env).note_error()


def get_domain(env: BuildEnvironment) -> ManualkitDomain:
    return cast(ManualkitDomain, env.get_domain(ManualkitDomain.name))


def get_runtime(env: BuildEnvironment) -> ManualkitRuntime:
    """The data loaded for this build (for roles, directives and other builders)."""
    runtime = get_domain(env).runtime
    if runtime is None:
        raise ManualkitNotReadyError("manualkit data is not loaded (is manualkit.sphinx in extensions?)")
    return runtime


def get_manual_data(env: BuildEnvironment) -> ManualData:
    """Convenience for builders and checks: the validated data of this build."""
    return get_runtime(env).data
