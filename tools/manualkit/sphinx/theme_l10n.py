"""Chinese for the theme's page furniture that Sphinx's zh_CN catalog does not cover.

furo's templates ask gettext for "On this page", "Next", "Back to top" …; those
message ids are furo's own and Sphinx's bundled zh_CN catalog has no entry for
them, so a Chinese manual showed English navigation.  Rather than writing a
compiled ``.mo`` into the source tree on every build, this module chains a small
table in front of the builder's translator, for this builder's template
environment only (no process-wide state).  Only Chinese builds are affected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import jinja2
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
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    translator = app.translator  # what Sphinx installed into this environment
    if not isinstance(environment, jinja2.Environment) or translator is None:
        return
    if not hasattr(environment, "install_gettext_callables"):  # built without jinja2.ext.i18n
        return
    gettext, ngettext = _chained(THEME_MESSAGES_ZH, translator.gettext, translator.ngettext)
    environment.install_gettext_callables(gettext, ngettext)  # type: ignore[attr-defined]
