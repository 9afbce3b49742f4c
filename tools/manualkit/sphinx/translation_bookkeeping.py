"""Sphinx's translation bookkeeping done with one fast walk when the manual is not translated.

Two of Sphinx's i18n read transforms walk every document whatever its language: one counts the
nodes the message catalogs translated (``TranslationProgressTotaliser``, priority 25), the
other unwraps the placeholder inlines of translatable field bodies and version notes
(``RemoveTranslatableInline``, 999).  Both test each node with a ``NodeMatcher`` (a Python call
per node, attributes looked up one by one), and this manual has no catalogs and no such inlines:
together they were 7 % of the read (py-spy, the 10× manual's form appendices read: 26 of 349
samples; the real manual: 30 of 439).

Here each is replaced, in each document's own queue of transforms, by a subclass that does the
same with :func:`manualkit.doctree_walk.walk` (an explicit stack, about five times faster):

* the count is the same count (elements carrying ``translated``, as the matcher selects them),
  stored as ``document['translation_progress']`` exactly as before;
* the inlines are looked for first; a document that has one gets Sphinx's own transform.

The substitution runs at priority 21: after ``Locale`` (20), before the count (25).  Like
:class:`~manualkit.sphinx.read_transforms.DropIdleTransforms`, it edits the queue of its own
document's transformer (``document.transformer.transforms``), so nothing global is patched and
forked parallel readers need nothing more.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.transforms import Transform
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.transforms.i18n import RemoveTranslatableInline, TranslationProgressTotaliser

from manualkit.doctree_walk import walk


def _message_catalog_build(transform: SphinxTransform) -> bool:
    """``make gettext``: the two transforms leave the documents alone (as Sphinx's own do)."""
    from sphinx.builders.gettext import MessageCatalogBuilder

    return isinstance(transform.app.builder, MessageCatalogBuilder)


class QuickTranslationProgress(TranslationProgressTotaliser):
    """``TranslationProgressTotaliser``'s count, taken with a fast walk."""

    def apply(self, **kwargs: Any) -> None:
        if _message_catalog_build(self):
            return
        total = translated = 0
        for node in walk(self.document):
            if isinstance(node, nodes.Element) and "translated" in node.attributes:
                total += 1
                if node["translated"]:
                    translated += 1
        self.document["translation_progress"] = {"total": total, "translated": translated}


class QuickRemoveTranslatableInline(RemoveTranslatableInline):
    """``RemoveTranslatableInline``, run only where a translatable inline is to be unwrapped."""

    def apply(self, **kwargs: Any) -> None:
        for node in walk(self.document):
            if isinstance(node, nodes.inline) and "translatable" in node.attributes:
                super().apply(**kwargs)
                return


#: Sphinx's transform -> the one put in its place.
QUICKER: dict[type[Transform], type[Transform]] = {
    TranslationProgressTotaliser: QuickTranslationProgress,
    RemoveTranslatableInline: QuickRemoveTranslatableInline,
}


class UseQuickTranslationBookkeeping(SphinxTransform):
    """Swap the two i18n transforms in this document's queue for their quick equivalents."""

    default_priority = 21  # after Locale (20), before TranslationProgressTotaliser (25)

    def apply(self, **kwargs: Any) -> None:
        queue = self.document.transformer.transforms
        for index, (priority, transform, pending, options) in enumerate(queue):
            quicker = QUICKER.get(transform)
            if quicker is not None:
                queue[index] = (priority, quicker, pending, options)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_transform(UseQuickTranslationBookkeeping)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
