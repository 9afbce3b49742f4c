"""Active content in an SVG drawing: what a published site must not serve from its own address.

The sources are untrusted and Markdown's raw HTML is off, but an SVG image is a file Sphinx
copies into the site as it is.  Shown through ``<img>`` a drawing's script does not run; opened
at its own address (a link, a bookmark, "open image in new tab") it runs with the site's origin
— the bank's intranet — and can read what the reader's session can.  So a drawing with a
script, an event handler, a ``javascript:`` link or embedded HTML (``foreignObject``) is refused
before anything is published; the fix is to export the drawing again without them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lxml import etree

_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


@dataclasses.dataclass(frozen=True)
class ActiveContent:
    """The first piece of active content found: what it is and its line in the SVG file."""

    what: str
    line: int


def _local(name: str) -> str:
    return name.rpartition("}")[2] if "}" in name else name.rpartition(":")[2]


def find_active_content(path: Path) -> ActiveContent | None:
    """The first script, event handler, script link or embedded HTML in the drawing at ``path``.

    ``None`` when there is none, or when the file is not a readable XML drawing (the outputs
    that draw it report that themselves).  Parsed without entities, DTDs or network access.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = _local(element.tag)
        if tag == "script":
            return ActiveContent("a <script> element", element.sourceline or 0)
        if tag == "foreignObject":
            return ActiveContent("embedded HTML (<foreignObject>)", element.sourceline or 0)
        for name, value in element.attrib.items():
            attribute = _local(str(name))
            if attribute.lower().startswith("on"):
                return ActiveContent(f"an event handler ({attribute}=…)", element.sourceline or 0)
            text = str(value).strip().lower()
            if attribute in ("href", "src") and text.startswith(_SCRIPT_SCHEMES):
                return ActiveContent(
                    f"a script link ({attribute}={text.split(':')[0]}:…)", element.sourceline or 0
                )
    return None
