"""Active content in an SVG drawing: what a published site must not serve from its own address.

The sources are untrusted and Markdown's raw HTML is off, but an SVG image is a file Sphinx
copies into the site as it is.  Shown through ``<img>`` a drawing's script does not run; opened
at its own address (a link, a bookmark, "open image in new tab") it runs with the site's origin
— the bank's intranet — and can read what the reader's session can.  So a drawing with a
script, an event handler, a ``javascript:`` link, an animation that sets a link or a handler,
embedded HTML (``foreignObject`` or any element of the XHTML namespace) or a style sheet
instruction (``<?xml-stylesheet?>``, which may name an XSLT that writes a page) is refused
before anything is published; the fix is to export the drawing again without them.

The check fails closed: it judges the drawing the way a browser reads it, and what it cannot
read it does not let through.

* A file the parser cannot read (too deeply nested for it, malformed) is refused: a browser may
  well read it, script and all.
* A ``DOCTYPE`` with an internal subset (``<!DOCTYPE svg [<!ENTITY x "<script>…">]>``) is refused:
  the browser expands entities (and applies ``<!ATTLIST>`` defaults) the check would not see.
* A link's scheme is read as a browser reads it (WHATWG URL parsing): after the parser decoded
  character references, leading and trailing C0 controls and spaces are dropped and ASCII tab,
  newline and carriage return removed anywhere, so ``java&#x9;script:`` is ``javascript:``.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from lxml import etree

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
#: Schemes that run code when followed; ``data:`` is judged by its media type (see ``_script_scheme``).
_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript"})
#: Attributes (local names, lower case) holding a URL a browser follows or loads.
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "base"})
#: Elements that run code (``handler``/``listener``: SVG Tiny's event handlers).
_SCRIPT_ELEMENTS = frozenset({"script", "handler", "listener"})
#: What WHATWG URL parsing drops: C0 controls and space at either end, tab/newline/CR anywhere.
_URL_ENDS = "".join(chr(c) for c in range(0x21))
_URL_INSIDE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
#: A serialised DOCTYPE that has an internal subset (libxml2 writes it back with its declarations).
_INTERNAL_SUBSET = re.compile(
    r"""<!DOCTYPE\s+[^\s\[>]+(?:\s+(?:PUBLIC\s+(?:"[^"]*"|'[^']*')\s*|SYSTEM\s+)(?:"[^"]*"|'[^']*'))?\s*\["""
)


@dataclasses.dataclass(frozen=True)
class ActiveContent:
    """The first piece of active content found: what it is and its line in the SVG file.

    ``unreadable``: the parser's reason when the file could not be read as SVG at all (``what``
    says so too); it is refused all the same, since a browser may read what the check cannot.
    """

    what: str
    line: int
    unreadable: str | None = None


class UnreadableSvg(Exception):
    """The drawing cannot be read as SVG: ``reason`` (the parser's message) at ``line``."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def read_svg(source: Path | bytes) -> etree._ElementTree:
    """The parsed drawing (a file, or the bytes of one); raises :class:`UnreadableSvg`.

    Parsed without resolving entities, loading DTDs or network access, and with libxml2's
    default limits (``huge_tree=False``): a drawing beyond them is unreadable, hence refused.
    ``OSError`` (a missing file) is left to the caller.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        if isinstance(source, bytes):
            return etree.ElementTree(etree.fromstring(source, parser))
        return etree.parse(str(source), parser)
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg or exc).split(", line ")[0]
        raise UnreadableSvg(message, int(exc.lineno or 0)) from None


def _local(name: str) -> str:
    return name.rpartition("}")[2] if "}" in name else name.rpartition(":")[2]


def _namespace(name: str) -> str:
    return name[1:].partition("}")[0] if name.startswith("{") else ""


def url_scheme(value: str) -> str | None:
    """The scheme of the URL ``value`` as a browser reads it, in lower case (``None``: relative)."""
    text = _URL_INSIDE.sub("", value.strip(_URL_ENDS)).lower()
    match = _SCHEME.match(text)
    return match.group(1) if match else None


def _script_scheme(value: str) -> str | None:
    """How ``value`` begins (``javascript:``, ``data:text/html,``) if following or loading it runs
    code or opens a page it wrote; ``None`` otherwise.  A ``data:`` URL may hold a picture only."""
    scheme = url_scheme(value)
    if scheme in _SCRIPT_SCHEMES:
        return f"{scheme}:"
    if scheme == "data":
        text = _URL_INSIDE.sub("", value.strip(_URL_ENDS)).lower()
        media_type = re.split(r"[;,]", text[len("data:") :], maxsplit=1)[0].strip(_URL_ENDS)
        if not media_type.startswith("image/"):
            return f"data:{media_type or 'text/plain'},"
    return None


def _doctype_problem(tree: etree._ElementTree) -> ActiveContent | None:
    if not tree.docinfo.doctype:
        return None
    dtd = tree.docinfo.internalDTD
    entities = dtd is not None and any(True for _ in dtd.iterentities())
    # lxml lists no <!ATTLIST> nor <!NOTATION>: libxml2 writes the subset back with them.
    if entities or _INTERNAL_SUBSET.search(etree.tostring(tree, encoding="unicode")):
        return ActiveContent("a DOCTYPE with declarations of its own (<!DOCTYPE svg [ … ]>)", 1)
    return None


def _instructions(tree: etree._ElementTree) -> list[etree._Element]:
    root = tree.getroot()
    around = [*root.itersiblings(preceding=True), *root.itersiblings()]
    return [node for node in [*around, *root.iter()] if isinstance(node, etree._ProcessingInstruction)]


def active_content(tree: etree._ElementTree) -> ActiveContent | None:
    """The first script, handler, script link, link-setting animation, embedded HTML, entity or
    style sheet instruction in the parsed drawing ``tree`` (``None``: there is none)."""
    doctype = _doctype_problem(tree)
    if doctype is not None:
        return doctype
    for instruction in _instructions(tree):
        if str(instruction.target).lower() == "xml-stylesheet":
            line = instruction.sourceline or 0
            return ActiveContent("a style sheet instruction (<?xml-stylesheet …?>)", line)
    for element in tree.getroot().iter():
        line = element.sourceline or 0
        if isinstance(element, etree._Entity):
            return ActiveContent(f"an entity reference ({element.text})", line)
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = _local(element.tag)
        if tag.lower() in _SCRIPT_ELEMENTS:
            return ActiveContent(f"a <{tag}> element", line)
        if tag.lower() == "foreignobject":
            return ActiveContent("embedded HTML (<foreignObject>)", line)
        if _namespace(element.tag) == XHTML_NAMESPACE:
            return ActiveContent(f"embedded HTML (<{tag}> of the XHTML namespace)", line)
        for name, value in element.attrib.items():
            attribute = _local(str(name))
            lowered = attribute.lower()
            if lowered.startswith("on"):
                return ActiveContent(f"an event handler ({attribute}=…)", line)
            if lowered == "attributename":
                target = _local(str(value).strip(_URL_ENDS)).lower()
                if target in _URL_ATTRIBUTES or target.startswith("on"):
                    named = f'<{tag} attributeName="{str(value).strip()}">'
                    return ActiveContent(f"an animation that sets {target} ({named})", line)
            if lowered in _URL_ATTRIBUTES and (scheme := _script_scheme(str(value))) is not None:
                return ActiveContent(f"a script link ({attribute}={scheme}…)", line)
    return None


def find_active_content(path: Path | bytes) -> ActiveContent | None:
    """The first piece of active content in the drawing at ``path`` (see :func:`active_content`);
    ``path`` may be the drawing's bytes too (a ``data:`` URL's).

    A file that cannot be read as SVG is active content too (``unreadable`` gives the parser's
    reason).  ``None`` when there is none, or when the file cannot be opened (a missing image
    is reported by what shows it; nothing is published).
    """
    try:
        tree = read_svg(path)
    except OSError:
        return None
    except UnreadableSvg as exc:
        return ActiveContent(f"XML that cannot be read as SVG ({exc.reason})", exc.line, exc.reason)
    return active_content(tree)
