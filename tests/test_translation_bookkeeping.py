"""Sphinx's i18n bookkeeping, done by manualkit's quick equivalents, leaves the same doctrees."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
import sphinx.locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from docutils import nodes

from conftest import copy_fixture, run_sphinx
from manualkit.sphinx import translation_bookkeeping
from manualkit.sphinx.translation_bookkeeping import QuickRemoveTranslatableInline, QuickTranslationProgress

#: A version note: Sphinx wraps its text in an inline marked translatable, to be unwrapped.
VERSION_NOTE = """\
(version-note)=
# 版本说明

本章记录制度的版本变化。

:::{versionadded} 1.1
本节自1.1版起施行，适用于全部营业网点。
:::
"""
TRANSLATED_MESSAGE = "投诉按性质分为以下两类："


def _translate(project: Path) -> None:
    """A zh_CN message catalog for the complaints chapter that translates one paragraph."""
    catalog = Catalog(locale="zh_CN", domain="01-complaints")
    catalog.add(TRANSLATED_MESSAGE, "投诉按性质分为以下两种类别：")
    folder = project / "manual" / "locales" / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "01-complaints.mo").open("wb") as out:
        write_mo(out, catalog)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_fixture("basic", tmp_path_factory.mktemp("translation-bookkeeping"))
    (root / "manual" / "03-version.md").write_text(VERSION_NOTE, encoding="utf-8")
    index = root / "manual" / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("02-appendix", "02-appendix\n03-version"), encoding="utf-8"
    )
    _translate(root)
    return root


def _doctrees(project: Path, outdir: Path) -> dict[str, bytes]:
    run = run_sphinx(project, "dummy", outdir=outdir)
    assert run.error is None, run.warnings
    return {path.stem: path.read_bytes() for path in sorted((outdir / ".doctrees").glob("*.doctree"))}


def _load(doctree: bytes) -> nodes.document:
    document = pickle.loads(doctree)
    assert isinstance(document, nodes.document)
    return document


def test_the_quick_bookkeeping_reads_every_document_to_sphinx_s_own_doctree(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sphinx keeps the catalogs it found in a global: the fixture's ones must not translate the
    # "01-complaints" of the tests that follow.
    monkeypatch.setattr(sphinx.locale, "translators", dict(sphinx.locale.translators))
    ran: list[str] = []
    for quick in (QuickTranslationProgress, QuickRemoveTranslatableInline):
        apply = quick.apply

        def spying(self: Any, _apply: Any = apply, _name: str = quick.__name__, **kwargs: Any) -> None:
            ran.append(_name)
            _apply(self, **kwargs)

        monkeypatch.setattr(quick, "apply", spying)
    quick_doctrees = _doctrees(project, tmp_path / "quick")
    with monkeypatch.context() as patch:
        patch.setattr(translation_bookkeeping, "QUICKER", {})  # Sphinx's own transforms
        own_doctrees = _doctrees(project, tmp_path / "own")

    documents = len(quick_doctrees)
    assert ran.count("QuickTranslationProgress") == documents
    assert ran.count("QuickRemoveTranslatableInline") == documents
    # Node by node and attribute by attribute (not pickled bytes: two readings of a translated
    # document in one process pickle its shared strings differently, whichever transforms ran).
    assert quick_doctrees.keys() == own_doctrees.keys()
    for docname, doctree in quick_doctrees.items():
        quick, own = _load(doctree), _load(own_doctrees[docname])
        assert quick.pformat() == own.pformat(), docname
        assert quick.attributes == own.attributes, docname

    # What the two transforms did, the same either way: one translated paragraph counted ...
    progress = _load(quick_doctrees["01-complaints"])["translation_progress"]
    assert progress["translated"] == 1 and progress["total"] >= 1
    assert _load(quick_doctrees["02-appendix"])["translation_progress"] == {"total": 0, "translated": 0}
    # ... and the version note's text unwrapped from its placeholder, still there.
    version = _load(quick_doctrees["03-version"])
    assert "适用于全部营业网点" in version.astext()
    assert not [node for node in version.findall(nodes.inline) if "translatable" in node.attributes]
