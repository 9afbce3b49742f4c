"""Sphinx extension: "本节于 vX.Y 修订" markers from data/revisions.yaml, and the version switcher.

Why a transform on the doctree: the marker is an ordinary docutils paragraph
(class ``mk-revised``) inserted right after the section title, so the HTML
builder, the print-HTML PDF builder and the DOCX translator all show it
without knowing about revisions.  The sections come from the revision data
(``changes[].section`` labels), never from the text.

The HTML version switcher is a small static script (``manualkit-versions.js``)
that reads the published site's ``versions.json``; it also marks pages of an
old release as superseded, so old releases never need rebuilding.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from docutils import nodes
from pydantic import ValidationError
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from manualkit.models import DATA_FILES, ManualMeta, Revision
from manualkit.site_status import LATEST, VERSION_STATUS_CSS
from manualkit.sphinx.domain import get_runtime
from manualkit.sphinx.formatting import anchor_for

if TYPE_CHECKING:
    from manualkit.revisions import Introduced

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "revision_static"
JS_FILE = "manualkit-versions.js"
CSS_FILE = "manualkit-revisions.css"
MARKER_CLASS = "mk-revised"
#: Builders whose pages are published in a version folder of the site (not the PDF's print HTML).
SITE_BUILDERS = frozenset({"html", "dirhtml"})


def marker_text(version: str, description: str | None, subject: str = "本节", added: bool = False) -> str:
    """The words of the marker (one place, so every output reads the same).

    ``subject``: 本节 for a section, 本表 for a form's appendix.  ``added``: the item did not exist
    in the previous release, so it was 新增 (added), not 修订 (revised).
    """
    text = f"{subject}于 v{version} {'新增' if added else '修订'}"
    return f"{text}：{description}" if description else text


def data_dir(app_config: Config, confdir: Path) -> Path:
    return confdir / str(getattr(app_config, "manualkit_data_dir", "data"))


def latest_changes(
    revisions: tuple[Revision, ...],
    form_ids: frozenset[str] = frozenset(),
    introduced: Mapping[str, Introduced] | None = None,
) -> dict[str, tuple[str, str, str, bool]]:
    """Label → ``(version, description, subject, added)`` of the newest revision that changed it.

    ``introduced`` (:func:`manualkit.revisions.introduced_items`) tells which sections and forms a
    revision added rather than revised.

    A change's ``covers`` naming a form marks that form's appendix too (its section's label is
    ``form-<id>``): a reader of the form learns it was amended, as a reader of a section does.
    The oldest revision is the manual's first issue: everything in it is new, so
    marking every section "revised" would drown the real revisions.  Markers
    start with the second revision.
    """
    from manualkit.revisions import Introduced, version_key

    ordered = sorted(revisions, key=lambda r: version_key(r.version))
    result: dict[str, tuple[str, str, str, bool]] = {}
    for revision in ordered[1:]:
        new = (introduced or {}).get(revision.version, Introduced())
        for change in revision.changes:
            added = change.section in new.sections
            result[change.section] = (revision.version, change.description, "本节", added)
            for item in change.covers:
                if item in form_ids:
                    entry = (revision.version, change.description, "本表", item in new.forms)
                    result[anchor_for("form", item)] = entry
    return result


class RevisionMarkers(SphinxTransform):
    """Insert a ``mk-revised`` paragraph after the title of every section a revision changed."""

    # After docutils' PropagateTargets (260) moved ``(label)=`` ids onto their sections.
    default_priority = 700

    def apply(self, **kwargs: Any) -> None:
        path = data_dir(self.config, Path(self.app.confdir)) / DATA_FILES["revisions"]
        self.env.note_dependency(str(path))
        runtime = get_runtime(self.env)
        data = runtime.data
        introduced = runtime.introduced_items(Path(self.app.confdir)) if len(data.revisions) > 1 else {}
        changes = latest_changes(data.revisions, frozenset(form.id for form in data.forms), introduced)
        if not changes:
            return
        for section in list(self.document.findall(nodes.section)):
            names = [*section["ids"], *section["names"]]
            hit = next((changes[name] for name in names if name in changes), None)
            if hit is None or any(MARKER_CLASS in child.get("classes", ()) for child in section.children):
                continue
            version, description, subject, added = hit
            text = marker_text(version, description, subject, added)
            marker = nodes.paragraph("", text, classes=[MARKER_CLASS])
            marker.source, marker.line = section.source, section.line
            position = 1 if section.children and isinstance(section[0], nodes.title) else 0
            section.insert(position, marker)


def _page_version(config: Config, confdir: Path) -> str:
    """The version a page belongs to: Sphinx ``version`` if set, else data/manual.yaml."""
    if config.version:
        return str(config.version)
    path = data_dir(config, confdir) / DATA_FILES["meta"]
    try:
        return ManualMeta.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).version
    except (OSError, yaml.YAMLError, ValidationError):
        return ""


def _config_inited(app: Sphinx, config: Config) -> None:
    # Appending our own static dir is the documented way for an extension to ship assets.
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]
    app.add_css_file(CSS_FILE)
    version = _page_version(config, Path(app.confdir))
    attributes: dict[str, Any] = {"data-manualkit-version": version}
    app.add_js_file(JS_FILE, loading_method="defer", **attributes)


def _site_status_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A published page's no-JavaScript status notice (``mk_site_status`` in templates/html/page.html).

    Only pages ``manualkit release`` builds link the site's version-status.css: elsewhere
    (build/html, the live preview) there is no site around the page, and the browser would
    report the missing stylesheet on every page.
    """
    if not app.config.manualkit_site_status or app.builder.name not in SITE_BUILDERS:
        return
    pathto = context["pathto"]
    context["mk_site_status"] = {
        "version": _page_version(app.config, Path(app.confdir)),
        "stylesheet": pathto(f"../{VERSION_STATUS_CSS}", 1),
        "latest": pathto(f"../{LATEST}/{app.builder.get_target_uri(app.config.root_doc)}", 1),
    }


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the marker transform and the version switcher assets."""
    app.setup_extension("manualkit.sphinx")
    app.add_transform(RevisionMarkers)
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _site_status_context)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
