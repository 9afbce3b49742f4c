"""Sources compared by content, not only by modification time.

Sphinx re-reads a document when its file, or a file it depends on (data/*.yaml, templates),
is newer than the document's last reading.  A file put back with its old time — ``cp -p``,
``mv file.bak file``, ``git stash``, ``rsync -a``, unpacking an archive — is not newer, so the
text read before stays: a chapter that once held a customer's phone number (refused by the
checker, then restored from a backup) kept the number in the HTML site, its search index, the
PDF and the DOCX of every later build.

So each reading records a SHA-256 of the document's source and of every dependency Sphinx
noted for it; before the next reading (``env-get-outdated``), a document whose recorded files
no longer hash the same is read again, whatever their times say.

Every chapter depends on the same data files and templates, so a read hashes each file once
(:data:`_READ_DIGESTS`, emptied as each read begins), not once per chapter: at 10× the data
files were hashed 72 times over, 2 % of the read.  A file changed in the middle of a read is
no concern of this cache: the build then publishes nothing (``manualkit.source_snapshot``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Set
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

#: Environment attribute: docname → {absolute path: SHA-256 hex digest, or "" for a missing file}.
ATTRIBUTE = "manualkit_content_hashes"

Hashes = dict[str, dict[str, str]]

#: Digests taken during the current read (see the module's docstring); each forked reader
#: fills its own copy.
_READ_DIGESTS: dict[str, str] = {}


def _store(env: BuildEnvironment) -> Hashes:
    store: Hashes | None = getattr(env, ATTRIBUTE, None)
    if store is None:
        store = {}
        setattr(env, ATTRIBUTE, store)
    return store


def _digest(path: str, cache: dict[str, str]) -> str:
    if path not in cache:
        try:
            cache[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            cache[path] = ""
    return cache[path]


def _files_of(env: BuildEnvironment, docname: str) -> list[str]:
    files = [str(env.doc2path(docname))]
    files += [str(Path(env.srcdir, dependency)) for dependency in env.dependencies.get(docname, ())]
    return files


def record(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: the digests of what this reading used (its dependencies are noted now)."""
    env = app.env
    _store(env)[env.docname] = {path: _digest(path, _READ_DIGESTS) for path in _files_of(env, env.docname)}


def forget_read_digests(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: a new read hashes the files as they are now."""
    _READ_DIGESTS.clear()


def changed_by_content(
    app: Sphinx, env: BuildEnvironment, added: Set[str], changed: Set[str], removed: Set[str]
) -> list[str]:
    """``env-get-outdated``: documents whose recorded files now hash differently."""
    cache: dict[str, str] = {}
    pending = added | changed | removed
    return [
        docname
        for docname, hashes in _store(env).items()
        if docname not in pending
        and docname in env.found_docs
        and any(_digest(path, cache) != digest for path, digest in hashes.items())
    ]


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _store(env).pop(docname, None)


def merge(app: Sphinx, env: BuildEnvironment, docnames: Set[str], other: BuildEnvironment) -> None:
    """Parallel reading: the reader processes' digests join the main environment's."""
    theirs = _store(other)
    mine = _store(env)
    for docname in docnames:
        if docname in theirs:
            mine[docname] = theirs[docname]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-before-read-docs", forget_read_digests)
    app.connect("doctree-read", record)
    app.connect("env-get-outdated", changed_by_content)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
