"""A WeasyPrint URL fetcher confined to the project.

Why: manual sources are untrusted (see docutils.conf).  WeasyPrint's default fetcher follows any
URL — ``http://`` (the build would depend on the network and leak who builds) and ``file://``
anywhere on disk (``/etc/passwd`` would end up inside a PDF that is sent to customers).  This
fetcher serves only files below a few allowed folders (the build output, the templates) and
``data:`` URLs; anything else stops the rendering with an error naming the URL.

It also gives the part's own folder a URL that is the same wherever the project is checked out
(:data:`PRINT_BASE_URL`): WeasyPrint names each raster image in the PDF after the MD5 of the URL
it was fetched from, so with the folder's real ``file:`` URL as the base the PDF's bytes
changed with the checkout's path (a CI runner's workspace, a writer's clone) once a chapter held
a screenshot.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

#: The base URL of a part's print HTML: :class:`ConfinedURLFetcher` maps it to the part's folder.
#: A ``file:`` URL, so that WeasyPrint treats what it names as local files (no network fetch).
PRINT_BASE_URL = "file:///manualkit-print/"
_PRINT_BASE_PATH = "/manualkit-print/"


class RefusedURLError(FatalURLFetchingError):  # type: ignore[misc]
    """WeasyPrint asked for a URL outside the project.  Stops the rendering (BaseException)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"refused to fetch {url}: {reason}")


class ConfinedURLFetcher(URLFetcher):  # type: ignore[misc]
    """Serve ``file:`` URLs below ``roots`` and ``data:`` URLs; refuse everything else.

    With ``base_dir``, URLs below :data:`PRINT_BASE_URL` name files below that folder (and must
    still lie below a root).
    """

    def __init__(self, roots: Iterable[Path], base_dir: Path | None = None) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)
        self.base_dir = base_dir.resolve() if base_dir is not None else None

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURLError(url, "the PDF may only embed files of the project, not network resources")
        path = self.local_path(url)
        if path is None:
            allowed = ", ".join(str(root) for root in self.roots)
            reason = f"only files inside the project may be embedded ({allowed})"
            raise RefusedURLError(self.shown(url), reason)
        if not path.is_file():
            raise RefusedURLError(self.shown(url), "no such file")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # The URL asked for, not the file's: what the file refers to resolves against it, and
        # stays independent of the checkout's path too.
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

    def local_path(self, url: str) -> Path | None:
        """The file a ``file:`` URL names, if it lies (after resolving symlinks) below a root."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(self._real_path(unquote(parts.path))).resolve()
        if any(path.is_relative_to(root) for root in self.roots):
            return path
        return None

    def shown(self, text: str) -> str:
        """``text`` (a URL, a WeasyPrint message) with the part folder's real URL for the base's."""
        if self.base_dir is None:
            return text
        return text.replace(PRINT_BASE_URL, self.base_dir.as_uri() + "/")

    def _real_path(self, path: str) -> str:
        if self.base_dir is not None and path.startswith(_PRINT_BASE_PATH):
            return str(self.base_dir / path[len(_PRINT_BASE_PATH) :])
        return path
