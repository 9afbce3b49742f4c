"""Chinese for the theme's page furniture that Sphinx's zh_CN catalog does not cover.

furo's templates ask gettext for "On this page", "Next", "Back to top" …; those
message ids are furo's own and Sphinx's bundled zh_CN catalog has no entry for
them, so a Chinese manual showed English navigation.  Rather than writing a
compiled ``.mo`` into the source tree on every build, this module chains a small
table in front of the builder's translator, for this builder's template
environment only (no process-wide state).  Only Chinese builds are affected.

The same holds for a few of Sphinx's own messages that its zh_CN catalog leaves
untranslated — the "Link to this heading" tooltip of every heading's ¶ link.  Those
are looked up in Sphinx's process-wide catalog, so the table is added at its end
(consulted only for what the catalog lacks), once per process.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping

import jinja2
from sphinx import locale
from sphinx.application import Sphinx

#: furo message ids → the wording a Chinese bank's staff expect.
THEME_MESSAGES_ZH: Mapping[str, str] = {
    "On this page": "本页目录",
    "Next": "下一章",
    "Previous": "上一章",
    "Home": "首页",
    "Back to top": "返回顶部",
    "Skip to content": "跳到正文",
    "Copyright &#169; %(copyright)s": "&#169; %(copyright)s",
    "View this page": "查看本页源文件",
    "Edit this page": "编辑本页",
    "Error": "错误",
    "Please activate JavaScript to enable the search functionality.": "请启用 JavaScript 以使用搜索功能。",
}


#: Sphinx's own message ids that its zh_CN catalog (Sphinx 8.2) has without a translation.
SPHINX_MESSAGES_ZH: Mapping[str, str] = {
    "Link to this heading": "链接到此标题",
    "Link to this definition": "链接到此定义",
    "Link to this term": "链接到此术语",
    "Link to this table": "链接到此表格",
    "Link to this code": "链接到此代码",
    "Link to this image": "链接到此图片",
    "Link to this equation": "链接到此公式",
    "Link to this toctree": "链接到此目录",
}


class _MissingMessages(gettext.NullTranslations):
    """Translations for what the catalogs before it in the fallback chain lack."""

    def __init__(self, table: Mapping[str, str]) -> None:
        super().__init__()
        self.table = table

    def gettext(self, message: str) -> str:
        return self.table.get(message) or super().gettext(message)


def complete_sphinx_catalog(table: Mapping[str, str] = SPHINX_MESSAGES_ZH) -> None:
    """Put ``table`` at the end of Sphinx's message catalog chain (once)."""
    translator: gettext.NullTranslations | None = locale.get_translator()
    if not locale.is_translator_registered():
        return
    while translator is not None:
        if isinstance(translator, _MissingMessages):
            return
        translator = getattr(translator, "_fallback", None)  # where gettext keeps its chain
    locale.get_translator().add_fallback(_MissingMessages(table))


def _chained(
    table: Mapping[str, str], gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]
) -> tuple[Callable[[str], str], Callable[[str, str, int], str]]:
    def chained_gettext(message: str) -> str:
        return table.get(message) or gettext(message)

    def chained_ngettext(singular: str, plural: str, n: int) -> str:
        return table.get(singular if n == 1 else plural) or ngettext(singular, plural, n)

    return chained_gettext, chained_ngettext


def on_builder_inited(app: Sphinx) -> None:
    if not str(app.config.language or "").startswith("zh"):
        return
    complete_sphinx_catalog()
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    translator = app.translator  # what Sphinx installed into this environment
    if not isinstance(environment, jinja2.Environment) or translator is None:
        return
    if not hasattr(environment, "install_gettext_callables"):  # built without jinja2.ext.i18n
        return
    gettext, ngettext = _chained(THEME_MESSAGES_ZH, translator.gettext, translator.ngettext)
    environment.install_gettext_callables(gettext, ngettext)  # type: ignore[attr-defined]
