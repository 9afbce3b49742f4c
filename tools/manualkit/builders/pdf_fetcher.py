"""A WeasyPrint URL fetcher confined to the project.

Why: manual sources are untrusted (see docutils.conf).  WeasyPrint's default fetcher follows any
URL — ``http://`` (the build would depend on the network and leak who builds) and ``file://``
anywhere on disk (``/etc/passwd`` would end up inside a PDF that is sent to customers).  This
fetcher serves only files below a few allowed folders (the build output, the templates) and
``data:`` URLs; anything else stops the rendering with an error naming the URL.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class RefusedURLError(FatalURLFetchingError):  # type: ignore[misc]
    """WeasyPrint asked for a URL outside the project.  Stops the rendering (BaseException)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"refused to fetch {url}: {reason}")


class ConfinedURLFetcher(URLFetcher):  # type: ignore[misc]
    """Serve ``file:`` URLs below ``roots`` and ``data:`` URLs; refuse everything else."""

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURLError(url, "the PDF may only embed files of the project, not network resources")
        path = self.local_path(url)
        if path is None:
            allowed = ", ".join(str(root) for root in self.roots)
            raise RefusedURLError(url, f"only files inside the project may be embedded ({allowed})")
        if not path.is_file():
            raise RefusedURLError(url, "no such file")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": media_type})

    def local_path(self, url: str) -> Path | None:
        """The file a ``file:`` URL names, if it lies (after resolving symlinks) below a root."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if any(path.is_relative_to(root) for root in self.roots):
            return path
        return None
