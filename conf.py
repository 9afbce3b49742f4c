"""Sphinx configuration of the Customer Service Operations Manual.

Thin on purpose: title, version, document number and dates come from
data/manual.yaml; roles, directives, templates and search settings come from
the manualkit extensions.
"""

extensions = [
    "myst_parser",
    "sphinx.ext.graphviz",
    "manualkit.sphinx",
    "manualkit.sphinx.revision_markers",
    "manualkit.builders.pdf",
    "manualkit.builders.docx",
]

language = "zh_CN"
root_doc = "index"
exclude_patterns = ["_build"]

# Sources are untrusted: no raw HTML (docutils.conf also disables raw/include).
myst_enable_extensions = ["colon_fence"]
myst_disable_syntax = ["html_block", "html_inline"]

html_theme = "furo"
# "4.2 投诉处理流程与时限" as in the PDF and DOCX (Sphinx defaults to "4.2. ").
html_secnumber_suffix = " "
html_search_language = "zh"
# The site publishes the rendered manual only: a chapter's MyST source (its `%` comments, internal
# notes) is not copied to _sources/ nor linked from every page ("查看本页源文件").
html_copy_source = False
html_show_sourcelink = False
graphviz_output_format = "svg"

manualkit_data_dir = "data"
manualkit_templates_dir = "templates"
manualkit_output_dir = "build"
