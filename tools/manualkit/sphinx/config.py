"""Configuration values and build-lifecycle hooks of the manualkit extension.

* ``config-inited``: resolve the project's ``templates/`` (HTML overrides and
  static files), pin the security settings MyST needs (no raw HTML), point
  the Chinese search at the generated jieba dictionary.
* ``builder-inited``: load and validate ``data/`` once for the whole build;
  any data error is reported at its data file line and stops the build.
* ``doctree-read`` / ``html-page-context``: every page shows the document
  number, version and effective date, so every page depends on manual.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import markupsafe
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.util import logging

from manualkit.diagnostics import Diagnostic, SourceError, has_errors
from manualkit.loader import load_data
from manualkit.models import DATA_FILES
from manualkit.review_draft import DRAFT_MARK, build_day, draft_state, review_draft
from manualkit.sphinx import search, templatecache
from manualkit.sphinx.domain import ManualkitRuntime, get_domain
from manualkit.sphinx.formatting import render_date
from manualkit.templating import TemplateRenderer, template_search_path

logger = logging.getLogger(__name__)

#: MyST syntax that would let a chapter emit raw HTML.
_FORBIDDEN_MYST_SYNTAX = ("html_block", "html_inline")


_CONFIG_VALUES: tuple[tuple[str, str, Literal["", "env"]], ...] = (
    ("manualkit_data_dir", "data", "env"),
    ("manualkit_templates_dir", "templates", "env"),
    ("manualkit_output_dir", "build", ""),
)


class ManualDataError(SphinxError):
    """The data files have errors: each one has been reported at its file:line:col."""

    category = "manualkit data error"


def register(app: Sphinx) -> None:
    # Sibling extensions (revision markers, builders) may have registered some already.
    for name, default, rebuild in _CONFIG_VALUES:
        if name not in app.config.values:
            app.add_config_value(name, default, rebuild, types=frozenset({str}))
    # Set by `manualkit release` for every build: known to any manualkit project, so that one
    # without the version switcher (manualkit.sphinx.revision_markers, which shows the notice)
    # is not refused for an unknown setting.
    if "manualkit_site_status" not in app.config.values:
        app.add_config_value("manualkit_site_status", False, "html", types=frozenset({bool}))
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
    app.connect("doctree-read", on_doctree_read)
    app.connect("html-page-context", on_html_page_context)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("build-finished", on_build_finished)


#: The site's icon, looked up like the other static files (a project's own wins).
FAVICON = "favicon.svg"


def project_path(app: Sphinx, value: str) -> Path:
    """A path from ``conf.py`` relative to the confdir (the project root)."""
    root = Path(app.confdir)
    return (root / value).resolve()


def templates_dir(app: Sphinx) -> Path:
    return project_path(app, app.config.manualkit_templates_dir)


def on_config_inited(app: Sphinx, config: Config) -> None:
    search_path = template_search_path(templates_dir(app))
    html_dirs = [str(d / "html") for d in search_path if (d / "html").is_dir()]
    config.templates_path = [*html_dirs, *(p for p in config.templates_path if p not in html_dirs)]
    # Later static paths win: the shipped files first, the project's own after them.
    static_dirs = [
        str(d / "html" / "static") for d in reversed(search_path) if (d / "html" / "static").is_dir()
    ]
    config.html_static_path = [*(p for p in config.html_static_path if p not in static_dirs), *static_dirs]
    # A page without an icon makes every browser ask for /favicon.ico, which the site lacks.
    icons = [
        d / "html" / "static" / FAVICON for d in search_path if (d / "html" / "static" / FAVICON).is_file()
    ]
    if not config.html_favicon and icons:
        config.html_favicon = str(icons[0])
    # Chapters are MyST only: a .rst file in manual/ escaped every chapter check (control
    # characters, MyST settings, the house rules) while Sphinx published it.
    config.source_suffix = {".md": "markdown"}
    # Sources are untrusted: raw HTML stays disabled whatever conf.py says.
    if hasattr(config, "myst_disable_syntax"):
        disabled = list(config.myst_disable_syntax)
        config.myst_disable_syntax = disabled + [s for s in _FORBIDDEN_MYST_SYNTAX if s not in disabled]
    if "dict" not in config.html_search_options:
        options = dict(config.html_search_options)
        options["dict"] = str(search.dictionary_path(app.doctreedir))
        config.html_search_options = options


def _report(diagnostic: Diagnostic, root: Path) -> None:
    loc = str(diagnostic.location.relative_to(root))
    if diagnostic.severity == "error":
        logger.error("%s %s", diagnostic.code, diagnostic.message, location=loc)
    elif diagnostic.severity == "warning":
        logger.warning("%s %s", diagnostic.code, diagnostic.message, location=loc)
    else:
        logger.info("%s: %s %s", loc, diagnostic.code, diagnostic.message)


def on_builder_inited(app: Sphinx) -> None:
    root = Path(app.confdir)
    data_dir = project_path(app, app.config.manualkit_data_dir)
    try:
        data, diagnostics = load_data(data_dir, root=root)  # a data folder linked outside is refused
    except SourceError as exc:
        data, diagnostics = None, exc.diagnostics
    for diagnostic in diagnostics:
        _report(diagnostic, root)
    if data is None or has_errors(diagnostics):
        count = sum(1 for d in diagnostics if d.severity == "error")
        shown = data_dir.relative_to(root) if data_dir.is_relative_to(root) else data_dir
        raise ManualDataError(f"{count} error(s) in {shown}/; fix them and rebuild")

    renderer = TemplateRenderer(template_search_path(templates_dir(app)))
    # Compiled once per template version, not in every build (see ``templatecache``).
    renderer.environment.bytecode_cache = templatecache.bytecode_cache(renderer.environment, app.doctreedir)
    reindex = False

    # Defence in depth for projects without a docutils.conf.
    app.env.settings["raw_enabled"] = False
    app.env.settings["file_insertion_enabled"] = False

    builder = app.builder
    if builder.name in search.SEARCH_BUILDERS:
        changed = search.write_dictionary(search.dictionary_path(app.doctreedir), data)
        # Pages already written were indexed with the old segmentation: index them all again.
        # Without a written page (a first HTML build, maybe after a PDF build wrote the doctrees)
        # every page is written and indexed anyway: reading the sources again would be waste.
        reindex = changed and _has_written_pages(builder)
        search.quiet_jieba()
    elif isinstance(builder, StandaloneHTMLBuilder):
        # Single-page HTML for the PDF has no search page: skip the index (and jieba).
        builder.search = False
    get_domain(app.env).runtime = ManualkitRuntime(
        data=data, data_dir=data_dir, renderer=renderer, reindex_all=reindex
    )


def _has_written_pages(builder: Any) -> bool:
    """Whether the HTML builder's output folder holds the root page of an earlier build."""
    root_doc = builder.config.root_doc
    try:
        return bool((Path(builder.outdir) / builder.get_outfilename(root_doc)).is_file())
    except (AttributeError, TypeError):
        return True  # not a standalone HTML builder: index everything again, to be safe


def on_doctree_read(app: Sphinx, doctree: Any) -> None:
    """Every page prints the document number, version and effective date from manual.yaml."""
    data_dir = project_path(app, app.config.manualkit_data_dir)
    app.env.note_dependency(str(data_dir / DATA_FILES["meta"]))


def on_html_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    runtime = get_domain(app.env).runtime
    if runtime is None:
        return
    meta = runtime.data.meta
    revision = runtime.data.current_revision
    # The theme prints ``docstitle``/``project`` as HTML (furo: ``{{ docstitle }}`` in the brand, as
    # Sphinx's ``html_title`` may hold markup); manual.yaml's title is text, so it goes in escaped.
    title = markupsafe.escape(meta.title)
    context["project"] = title
    context["docstitle"] = title
    context["version"] = meta.version
    context["release"] = meta.version
    # The theme's footer otherwise reads "Copyright ©" followed by nothing.
    context["copyright"] = meta.organisation
    context["mk_meta"] = {
        "title": meta.title,
        "organisation": meta.organisation,
        "document_number": meta.document_number,
        "version": meta.version,
        "effective": render_date(meta.effective),
        "classification": meta.classification,
        "approved": render_date(revision.approved_on) if revision else "",
        # A build before the version's approval: every page says so (manualkit.review_draft).
        "draft_mark": DRAFT_MARK if review_draft(runtime.data, build_day()) else "",
    }


def on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages with manualkit errors are read again (errors are never silently cached), and pages
    that printed another review-draft state; after a change of the search dictionary, every page
    is (so the index is segmented consistently)."""
    domain = get_domain(env)
    if domain.runtime is not None and domain.runtime.reindex_all:
        return sorted(env.found_docs - removed)
    again = {doc for doc in domain.errors if doc not in removed}
    if domain.runtime is not None and domain.drafts:
        state = draft_state(review_draft(domain.runtime.data, build_day()))
        again |= {doc for doc, printed in domain.drafts.items() if printed != state and doc not in removed}
    return sorted(again)


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    """Unknown ids and template errors fail the build even without ``-W``."""
    if exception is None and get_domain(app.env).errors:
        errors = get_domain(app.env).errors
        logger.info(
            "build failed: %d manualkit error(s) in %s", sum(errors.values()), ", ".join(sorted(errors))
        )
        app.statuscode = 1
