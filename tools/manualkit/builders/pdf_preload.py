"""Imported once by the PDF workers' fork server: warms WeasyPrint up before any worker forks.

Why an import with a side effect: the fork server can only be told which modules to import.  The
first document a fresh process typesets costs about half a second more than the next (fontconfig
matching, loading the CJK faces into HarfBuzz, WeasyPrint's caches); typesetting one tiny page
here means every worker, forked afterwards, starts with that done.  Nothing here is ever imported
by the Sphinx process.
"""

from __future__ import annotations

from manualkit.builders.pdf_fonts import DEFAULT_FONT_STACKS


def _warm_up() -> None:
    import weasyprint

    faces = [
        (stack[0], weight)
        for stack, weight in (
            (DEFAULT_FONT_STACKS["body"], "normal"),
            (DEFAULT_FONT_STACKS["heading"], "bold"),
        )
    ]
    paragraphs = "".join(
        f"<p style=\"font-family: '{family}'; font-weight: {weight}\">客户服务 123</p>"
        for family, weight in faces
    )
    weasyprint.HTML(string=f'<html lang="zh-CN"><body>{paragraphs}</body></html>').render().write_pdf()


_warm_up()
