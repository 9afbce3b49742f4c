"""CSS string literals from untrusted text: for stylesheets and <style> elements manualkit writes.

Why one function: the print HTML's running headers (the PDF) and the site's version-status.css both
put data (chapter titles, versions, notices) into CSS ``content``; a quote, backslash or line end
left as it is would end the string, and ``<`` would end a <style> element.
"""

from __future__ import annotations


def css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string or the <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>\n\r' or ord(char) < 0x20 else char for char in text
    )
    return f'"{escaped}"'
