"""Imported once by the PDF workers' fork server: warms WeasyPrint up before any worker forks.

Why an import with a side effect: the fork server can only be told which modules to import.  The
first document a fresh process typesets costs about half a second more than the next (fontconfig
matching, loading the CJK faces into HarfBuzz, WeasyPrint's caches); typesetting one tiny page
here means every worker, forked afterwards, starts with that done.  Nothing here is ever imported
by the Sphinx process.

Then the garbage collector is set up for the workers (they inherit it):

* what the server holds (WeasyPrint's modules and font caches: about 65,000 objects) is
  *frozen* — left out of every collection.  Otherwise each worker's full collections walk all of
  it again, and touching those objects copies the server's memory pages into the worker
  (copy-on-write) for nothing;
* collections start later (generation-0 threshold :data:`WORKER_GC_THRESHOLD`): a layout builds
  boxes by the hundred thousand that all stay alive until the part is written, and the default
  threshold (700) rescans them again and again.  A worker typesets one part and exits.

Measured (``build pdf``, six runs each, interleaved): the real manual 7.42 s (median) before, 6.98 s
after; the 10× synthetic manual 51.4 → 47.6 s, its peak memory 486 → 439 MB (PSS, all processes).
"""

from __future__ import annotations

import gc

from manualkit.builders.pdf_fonts import DEFAULT_FONT_STACKS

#: Generation-0 threshold of the PDF workers (Python's default: 700); see the module docstring.
WORKER_GC_THRESHOLD = 100_000


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


def _prepare_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, 50, 50)


_warm_up()
_prepare_collector()
