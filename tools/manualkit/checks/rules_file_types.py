"""Why the build would refuse to publish a file, said in the checker's words (for MK124).

The build refuses to publish a picture or a download whose type the site does not serve, or whose
content is not what its name says (a web page named .png would run in the site's name).  The
types and the test of a file's first bytes are the build's own (:mod:`manualkit.publishable_files`);
this module adds what the checker's message says the file holds instead.
"""

from __future__ import annotations

from pathlib import Path

from manualkit.publishable_files import signature_ok

PICTURE_RULE = "a PNG, JPEG, GIF, WebP or SVG picture"
DOWNLOAD_RULE = "a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV or text file, or a picture"


#: What a file's first bytes say it is, for the "found" half of a message.
_SIGNATURES = (
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office file)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls/.ppt)"),
)


def _describe_head(head: bytes) -> str:
    """What a file whose content is not what its name says holds, from its first bytes."""
    if not head:
        return "an empty file"
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            return what
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP picture"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "markup (a web page, SVG or XML: it begins with '<')"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes " + head[:8].hex(" ")
    first = " ".join(text.split())[:30]
    return f"text ({first!r})"


def content_problem(written: Path, resolved: Path, types: dict[str, str], what: str, rule: str) -> str | None:
    """Why the build refuses to publish the existing file ``resolved`` (``written``: the path as
    the chapter names it) for its type or content (``RefuseOutsideFiles._check``); ``None`` if it
    may. An SVG drawing is judged by its content elsewhere (MK612, and MK124 in
    :mod:`manualkit.checks.rules_local_files`)."""
    suffixes = {written.suffix.lower(), resolved.suffix.lower()}
    wrong = sorted(suffix for suffix in suffixes if suffix not in types)
    if wrong:
        found = f"a {wrong[-1]} file" if wrong[-1] else "a file without an extension"
        return (
            f"{what} is {found}: expected {rule} (the build refuses to publish it: a web page or script "
            "served from the site would run in its name)"
        )
    suffix = resolved.suffix.lower()
    if suffix == ".svg":
        return None
    try:
        with resolved.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        return None  # unreadable: Sphinx reports it, as the checker cannot say more
    if signature_ok(suffix, head):
        return None
    kind = types[suffix]
    if kind in ("CSV", "text"):
        return (
            f"{what} begins with '<': expected {kind} that a browser cannot take for a web page, found "
            f"{_describe_head(head)}; the build refuses to publish it"
        )
    return (
        f"{what} is not a {kind} file: expected content that begins as a {kind} file does, found "
        f'{_describe_head(head)}; the build refuses to publish it ("its content is not that of a {kind} '
        f'file") — save it again as {kind}'
    )
