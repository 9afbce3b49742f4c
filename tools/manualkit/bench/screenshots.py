"""Refresh the README's screenshots from the current build: ``python -m manualkit.bench.screenshots``.

The README shows what writers get (``templates/screenshots/html.png`` and ``pdf-page.png``).  They
are taken from the real outputs — headless Chromium on a chapter page of ``build/html`` and
``pdftoppm`` on a page of the PDF — then reduced to a small palette so each stays well under 200 KB
in the repository.  Run ``make html pdf`` first.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

#: Longest a screenshot may be in the repository.
MAX_BYTES = 200_000


class ScreenshotError(Exception):
    pass


def _run(command: Sequence[str]) -> None:
    result = subprocess.run(list(command), capture_output=True, text=True, timeout=180, check=False)
    if result.returncode != 0:
        raise ScreenshotError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-400:]}")


def shrink(source: Path, dest: Path, colors: int) -> int:
    """Palette-reduce ``source`` into ``dest`` (text and flat UI survive 64–96 colours); return bytes."""
    from PIL import Image

    with Image.open(source) as image:
        reduced = image.convert("RGB").quantize(
            colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        dest.parent.mkdir(parents=True, exist_ok=True)
        reduced.save(dest, optimize=True)
    size = dest.stat().st_size
    if size > MAX_BYTES:
        raise ScreenshotError(f"{dest}: {size} bytes, more than {MAX_BYTES}; use a smaller page or window")
    return size


def html_screenshot(page: Path, dest: Path, *, browser: str = "chromium") -> int:
    exe = shutil.which(browser)
    if exe is None:
        raise ScreenshotError(f"{browser} not found (Debian package chromium)")
    if not page.is_file():
        raise ScreenshotError(f"{page} not found: run `make html` first")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "html.png"
        _run([exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--window-size=1280,860", f"--screenshot={raw}", page.resolve().as_uri()])  # fmt: skip
        return shrink(raw, dest, 96)


def pdf_screenshot(pdf: Path, page: int, dest: Path) -> int:
    if shutil.which("pdftoppm") is None:
        raise ScreenshotError("pdftoppm not found (Debian package poppler-utils)")
    if not pdf.is_file():
        raise ScreenshotError(f"{pdf} not found: run `make pdf` first")
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "page"
        _run(
            [
                "pdftoppm",
                "-f",
                str(page),
                "-l",
                str(page),
                "-png",
                "-r",
                "100",
                "-singlefile",
                str(pdf),
                str(prefix),
            ]
        )
        return shrink(prefix.with_suffix(".png"), dest, 64)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m manualkit.bench.screenshots", description=__doc__)
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--html-page", default="04-complaints.html", help="page of build/html to shoot")
    parser.add_argument(
        "--pdf-page", type=int, default=19, help="1-based page of the PDF (19: chapter 4 opens)"
    )
    args = parser.parse_args(argv)
    root: Path = args.project
    out = root / "templates" / "screenshots"
    pdfs = sorted((root / "build" / "pdf").glob("*.pdf"))
    try:
        size = html_screenshot(root / "build" / "html" / args.html_page, out / "html.png")
        print(f"{out / 'html.png'}: {size} bytes")
        if not pdfs:
            raise ScreenshotError(f"no PDF in {root / 'build' / 'pdf'}: run `make pdf` first")
        size = pdf_screenshot(pdfs[0], args.pdf_page, out / "pdf-page.png")
        print(f"{out / 'pdf-page.png'}: {size} bytes")
    except ScreenshotError as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
