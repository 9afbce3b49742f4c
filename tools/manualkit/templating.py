"""Jinja2 fragments → MyST text, rendered in a sandbox.

Presentation (which columns a form has, how a checklist item reads) lives in
``templates/fragments/*.md.j2`` so an editor can change it without touching
Python.  Templates are project files and data values are untrusted text, so:

* the environment is an ``ImmutableSandboxedEnvironment``: a template cannot
  reach Python internals (``''.__class__.__mro__``) or mutate data; such an
  expression raises ``SecurityError``, reported as a :class:`TemplateRenderError`
  naming the template file and line;
* ``StrictUndefined``: a misspelt variable is an error, never an empty cell;
* every ``{{ value }}`` is *MyST-escaped* by ``finalize`` (ASCII punctuation
  gets a backslash, line breaks collapse), so a data value can never inject a
  role, a directive, a link or a table cell break.  Helpers that deliberately
  produce markup return :class:`Myst`, which is passed through unchanged.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "BUILTIN_TEMPLATES",
    "Myst",
    "SecurityError",
    "TemplateRenderError",
    "TemplateRenderer",
    "dot_string",
    "escape_myst",
    "role",
]

#: The templates shipped next to manualkit's sources: the fallback for a project without its own.
BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

_ASCII_PUNCTUATION = frozenset(string.punctuation)
_WHITESPACE_RUN = re.compile(r"\s+")
#: Line breaks and ASCII blanks (not U+00A0: a no-break space is meant).
LINE_SPACE = re.compile(r"[ \t\r\n]+")
#: Role targets are ids, labels or form numbers: nothing that could close the backticks.
_SAFE_TARGET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


class Myst(str):
    """Text that already is MyST markup: ``finalize`` leaves it alone."""

    __slots__ = ()


class TemplateRenderError(Exception):
    """A fragment failed to render; ``where`` is ``templates/fragments/x.md.j2:LINE`` when known."""

    def __init__(self, message: str, where: str | None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


def escape_myst(value: object) -> Myst:
    """Make ``value`` literal text in MyST: backslash every ASCII punctuation mark.

    CommonMark allows a backslash before any ASCII punctuation and then shows the
    character itself, so this is lossless for readers and closes every door to
    markup (``{role}``, ``<script>``, ``[link](…)``, ``|``, ``*``).  Whitespace
    runs (including newlines) become one space so a value stays in its table cell.
    """
    text = _WHITESPACE_RUN.sub(" ", str(value)).strip()
    return Myst("".join("\\" + ch if ch in _ASCII_PUNCTUATION else ch for ch in text))


def role(name: str, target: str) -> Myst:
    """MyST for a role call, e.g. ``{sla}`complaint.general.resolve```."""
    if not _SAFE_TARGET.match(name) or not _SAFE_TARGET.match(target):
        raise ValueError(f"refusing to build a role call from {name!r} / {target!r}")
    return Myst(f"{{{name}}}`{target}`")


#: Backslash escapes inside a role's text: ``\\`` and ``\|`` (see :func:`role_text`).
ROLE_TEXT_ESCAPE = re.compile(r"\\([\\|])")


def role_text(value: object) -> str:
    r"""Text for inside a role's backticks, on one line: it cannot end the role nor the table cell.

    A role's content is literal text, so a backtick (which would end it) becomes ``'``.  But a
    pipe table splits its rows at every ``|`` before any inline markup is read, even inside a
    role: ``{nowrap}`a | [x](https://…) | b``` in a cell would end the cell and turn the rest of a
    data value into markup.  So ``|`` is written ``\|`` (the table reads it as a literal pipe)
    and ``\`` as ``\\``; roles undo both with :func:`unescape_role_text`.
    """
    text = LINE_SPACE.sub(" ", str(value)).strip(" ").replace("`", "'")  # U+00A0 stays
    return text.replace("\\", "\\\\").replace("|", "\\|")


def unescape_role_text(text: str) -> str:
    r"""The text :func:`role_text` encoded (``\\`` → ``\``, ``\|`` → ``|``)."""
    return ROLE_TEXT_ESCAPE.sub(r"\1", text)


def unbroken(value: object) -> Myst:
    """MyST for text kept on one line (the ``{nowrap}`` role); empty text stays empty."""
    text = role_text(value)
    return Myst(f"{{nowrap}}`{text}`") if text else Myst("")


def dot_string(value: object) -> Myst:
    """A Graphviz double-quoted string literal (quotes included); a list becomes lines."""
    parts = value if isinstance(value, list | tuple) else [value]
    lines = [_WHITESPACE_RUN.sub(" ", str(part)).strip() for part in parts]
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    return Myst('"' + "\\n".join(escaped) + '"')


#: Space (points) kept clear around an edge label: Graphviz routes connectors around a label's
#: box but draws them flush with its text, so a curved connector touched "…的业务" on p. 15.
EDGE_LABEL_PADDING = 4


def dot_edge_label(value: object) -> Myst:
    """A Graphviz HTML-like label with a clear margin (a list becomes lines).

    Graphviz has no margin attribute for edge labels; a borderless one-cell table with
    ``cellpadding`` is its own way to give one.
    """
    parts = value if isinstance(value, list | tuple) else [value]
    lines = [html.escape(_WHITESPACE_RUN.sub(" ", str(part)).strip(), quote=False) for part in parts]
    cell = "<br/>".join(lines)
    return Myst(
        f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="{EDGE_LABEL_PADDING}">'
        f"<tr><td>{cell}</td></tr></table>>"
    )


def _finalize(value: object) -> object:
    if isinstance(value, Myst):
        return value
    return escape_myst(value)


def template_search_path(project_templates: Path) -> list[Path]:
    """The project's templates first (a file there overrides the shipped one), then the shipped ones."""
    paths = [project_templates.resolve()]
    if BUILTIN_TEMPLATES.is_dir() and BUILTIN_TEMPLATES.resolve() != paths[0]:
        paths.append(BUILTIN_TEMPLATES.resolve())
    return paths


class TemplateRenderer:
    """One sandboxed Jinja2 environment over a project's template directories."""

    def __init__(self, search_path: Sequence[Path], helpers: Mapping[str, Any] | None = None) -> None:
        self.search_path = [p for p in search_path if p.is_dir()]
        self.environment = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader([str(p) for p in self.search_path]),
            undefined=StrictUndefined,
            finalize=_finalize,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.filters["myst"] = escape_myst
        self.environment.filters["dot"] = dot_string
        self.environment.filters["dot_edge_label"] = dot_edge_label
        self.environment.globals["role"] = role
        if helpers:
            self.environment.globals.update(helpers)

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Render ``name`` (e.g. ``fragments/form.md.j2``); errors become TemplateRenderError."""
        try:
            template = self.environment.get_template(name)
            return template.render(**context)
        except TemplateSyntaxError as exc:
            where = f"{self._display(exc.filename or name)}:{exc.lineno}"
            raise TemplateRenderError(f"template syntax error: {exc.message}", where) from exc
        except SecurityError as exc:
            where = self._where(exc.__traceback__, name)
            raise TemplateRenderError(
                f"unsafe template expression refused by the sandbox: {exc}", where
            ) from exc
        except TemplateError as exc:
            where = self._where(exc.__traceback__, name)
            raise TemplateRenderError(f"template error: {exc}", where) from exc

    def source_path(self, name: str) -> Path | None:
        """The file ``name`` resolves to (the project's override or the shipped one).

        Callers register it as a build dependency: editing a fragment must rebuild the
        pages that render it, or the site keeps showing the old layout.
        """
        for root in self.search_path:
            candidate = root / name
            if candidate.is_file():
                return candidate
        return None

    def _display(self, filename: str) -> str:
        path = Path(filename)
        for root in self.search_path:
            try:
                return (root.name / path.resolve().relative_to(root.resolve())).as_posix()
            except ValueError:
                continue
        return filename

    def _where(self, tb: TracebackType | None, name: str) -> str:
        """The innermost template frame of a render traceback (Jinja maps it to template lines)."""
        found: str | None = None
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith(".j2"):
                found = f"{self._display(filename)}:{tb.tb_lineno}"
            tb = tb.tb_next
        return found or name
