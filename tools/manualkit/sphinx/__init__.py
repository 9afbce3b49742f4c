"""manualkit's Sphinx extension: roles, directives and the ``mk`` domain for the manual.

Only registration happens here; each concern lives in its own module.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

#: Bump when the doctree/domain data produced by this extension changes shape.
ENV_VERSION = 15


def setup(app: Sphinx) -> dict[str, Any]:
    from sphinx.ext.graphviz import graphviz

    from manualkit.sphinx import config, directives, domain, graphviz_safety, roles, theme_l10n, transforms

    app.setup_extension("sphinx.ext.graphviz")
    app.setup_extension("manualkit.sphinx.zhsearch_ext")  # zh index from a cached jieba dictionary
    app.setup_extension("manualkit.sphinx.templatecache")  # compiled HTML templates kept between builds
    app.setup_extension("manualkit.sphinx.navigation")  # furo's sidebar tree rendered once per build
    app.setup_extension("manualkit.sphinx.chapter_info")  # owner and review date under each chapter title
    app.setup_extension("manualkit.sphinx.index_order")  # genindex in pinyin order, grouped A–Z
    app.setup_extension("manualkit.sphinx.shared_reads")  # pages another build re-read are rewritten
    app.setup_extension("manualkit.sphinx.removed_pages")  # a removed chapter's page leaves the site
    app.setup_extension("manualkit.sphinx.source_copies")  # no empty _sources/ without html_copy_source
    app.setup_extension("manualkit.sphinx.content_hashes")  # a file restored with its old time is re-read
    app.setup_extension("manualkit.sphinx.search_index_entries")  # glossary terms stay searchable
    app.setup_extension("manualkit.sphinx.search_index_words")  # words no page holds leave the index
    app.setup_extension("manualkit.sphinx.stale_images")  # superseded charts leave the site
    app.setup_extension("manualkit.sphinx.outline_changes")  # renamed heading: every page's links follow
    app.setup_extension("manualkit.sphinx.unique_ids")  # furo's table wrappers copy the table's ids
    app.setup_extension("manualkit.sphinx.label_columns")  # short row labels stay on one line
    app.setup_extension("manualkit.sphinx.nesting_guard")  # directives nested too deep: file and line
    app.setup_extension("manualkit.sphinx.file_config_guard")  # no file-level MyST settings
    app.setup_extension("manualkit.sphinx.numbered_refs")  # "见“4.2.3 监管期限”" on the site too
    app.setup_extension("manualkit.sphinx.read_transforms")  # no idle read transforms per document
    app.setup_extension("manualkit.sphinx.translation_bookkeeping")  # i18n counts in one fast walk
    config.register(app)
    app.add_domain(domain.ManualkitDomain)
    app.connect("builder-inited", theme_l10n.on_builder_inited)
    app.add_post_transform(transforms.AssignAnchors)
    app.add_transform(transforms.RefuseOutsideFiles)
    app.add_transform(transforms.RefuseUnsafeLinks)
    app.add_transform(graphviz_safety.RefuseUnsafeGraphs)
    app.add_node(graphviz, override=True, html=(graphviz_safety.html_visit_graphviz, None))
    app.connect("source-read", transforms.refuse_source_outside_project)
    app.add_directive("graphviz", transforms.SafeGraphviz, override=True)
    app.add_directive("table", directives.GivenWidthsTable, override=True)
    for name, role_class in roles.ROLES.items():
        app.add_role(name, role_class())
    app.add_role("nowrap", roles.NowrapRole())
    app.add_role("history-section", roles.HistorySectionRole())
    for name, directive_class in directives.DIRECTIVES.items():
        app.add_directive(name, directive_class)
    app.add_css_file("manualkit.css")
    app.add_js_file("manualkit-search.js")
    app.add_js_file("manualkit-keyboard.js")
    # After translations.js (priority 500): it merges into the catalog that file loads.
    app.add_js_file("manualkit-l10n.js", priority=600)
    return {
        "version": "0.1",
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
