"""Write the HTML redline through the project's Jinja2 template (autoescaping on).

The template (``templates/redline/redline.html.j2``) decides the look; this module
only hands it the :class:`~manualkit.redline.compare.Redline` and a few
precomputed lookups.  Autoescape is on because every string is manual or data text.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from manualkit.redline.compare import Redline
from manualkit.redline.datadiff import OTHER_COLLECTIONS

TEMPLATE = "redline.html.j2"
STATUS_WORDS = {"added": "新增", "removed": "删除", "changed": "修改", "moved": "移动", "unchanged": "未修改"}


class TemplateMissing(FileNotFoundError):
    """The project has no templates/redline/redline.html.j2."""


def render_html(redline: Redline, template_dir: Path) -> str:
    if not (template_dir / TEMPLATE).is_file():
        raise TemplateMissing(
            f"{template_dir / TEMPLATE}: redline template not found (copy templates/redline/)"
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    counts = redline.status_counts()
    notes = redline.change_notes()
    return env.get_template(TEMPLATE).render(
        redline=redline,
        counts=counts,
        status_words=STATUS_WORDS,
        change_notes=notes,
        collection_words=OTHER_COLLECTIONS,
    )
