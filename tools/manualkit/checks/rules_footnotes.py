"""MK141: footnotes the build cannot resolve — a reference with no definition, a label defined
twice or named like a chapter's label, a definition nobody cites.

Footnotes resolve per chapter, as docutils resolves them; each of these makes docutils, MyST or
Sphinx warn, and builds treat warnings as errors. References are read in prose only (not in inline
code, roles or after a backslash: :func:`manualkit.checks.rules_markup.in_prose`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import rule
from manualkit.checks.rules_internal_links import TARGET_LINE_RE
from manualkit.checks.rules_markup import did_you_mean, in_prose
from manualkit.checks.source import Document
from manualkit.diagnostics import Diagnostic, Location

#: A footnote reference ``[^label]`` (markdown-it's ``footnote_ref``: no space in the label).
_FOOTNOTE_REF_RE = re.compile(r"\[\^(?P<label>[^ \n\]]+)\]")


@rule(
    "MK141",
    "error",
    "footnote with no definition, defined twice, or never referenced: the build stops",
    """
    What: a footnote reference [^label] needs one definition `[^label]: text` in the same
    chapter (footnotes do not cross chapters); a label defined twice, or defined with the name of
    a section label or a directive's :name: in the chapter, keeps only the first; a definition no
    [^label] in the chapter refers to is reported too.
    Why: docutils reports 'Unknown target name: "label"' (and "Too many autonumbered footnote
    references") for a reference with no definition; MyST warns "Duplicate footnote definition
    found for label" and drops the second definition, and Sphinx warns "Footnote [#] is not
    referenced." for one nobody cites. Builds treat each as an error.
    Fix: add the definition (or correct the label, the message suggests the closest one), give
    the second definition a label of its own, cite the footnote, or delete it.
    """,
    needs_data=False,
)
def footnotes(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        refs = list(_footnote_refs(doc))
        if not refs and not doc.footnotes:
            continue
        targets = _document_targets(doc)
        defined: dict[str, tuple[int, int]] = {}
        dropped: set[str] = set()
        for fn in doc.footnotes:
            where = Location(doc.path, fn.line, fn.column)
            if fn.label in defined:
                first = defined[fn.label][0]
                yield Diagnostic(
                    "MK141",
                    "error",
                    f"footnote [^{fn.label}] is defined a second time (first on line {first}): "
                    f'MyST drops this definition ("Duplicate footnote definition found for label: '
                    f"'{fn.label}'\") and the build stops; expected one definition per label",
                    where,
                )
                continue
            if fn.label in targets:
                dropped.add(fn.label)
                yield Diagnostic(
                    "MK141",
                    "error",
                    f"footnote [^{fn.label}] has the name of the label on line {targets[fn.label]}: MyST "
                    'drops the footnote ("Duplicate footnote definition found for label: '
                    f"'{fn.label}'\"), its references find nothing and the build stops; expected a "
                    "footnote label of its own",
                    where,
                )
                continue
            defined[fn.label] = (fn.line, fn.column)
        cited: set[str] = set()
        for label, line, column in refs:
            cited.add(label)
            if label in defined or label in dropped:
                continue
            hint = did_you_mean(label, sorted(defined), "[^{}]")
            yield Diagnostic(
                "MK141",
                "error",
                f"footnote reference [^{label}] has no definition in this chapter: expected a line "
                f"`[^{label}]: …` (docutils: 'Unknown target name: \"{label}\"', the build stops){hint}",
                Location(doc.path, line, column),
            )
        for label, (line, column) in defined.items():
            if label not in cited:
                yield Diagnostic(
                    "MK141",
                    "error",
                    f"footnote [^{label}] is defined but never referenced in this chapter: expected "
                    f'[^{label}] in the text, found none ("Footnote [#] is not referenced.", the build '
                    "stops); cite it or delete the definition",
                    Location(doc.path, line, column),
                )


def _footnote_refs(doc: Document) -> Iterator[tuple[str, int, int]]:
    """(label, line, column) of every footnote reference in the chapter's prose."""
    definitions = {(fn.line, fn.column) for fn in doc.footnotes}
    for block in doc.blocks:
        if "[^" not in block.source:
            continue
        for m in _FOOTNOTE_REF_RE.finditer(block.source):
            if not in_prose(block, m.start()) or block.source[m.end() : m.end() + 1] == "(":
                continue  # in code or a role, escaped, or the text of a link [^x](url)
            line, column = block.position(m.start())
            if (line, column) in definitions:
                continue  # the definition's own "[^label]:"
            yield m["label"], line, column


def _document_targets(doc: Document) -> dict[str, int]:
    """Explicit target names of one chapter (``(label)=`` lines, directive ``:name:``) → line: a
    footnote labelled the same is dropped by MyST."""
    found: dict[str, int] = {}
    for m in TARGET_LINE_RE.finditer(doc.text):
        found.setdefault(m["label"].lower(), doc.text.count("\n", 0, m.start("label")) + 1)
    for directive in doc.directives:
        name = directive.option("name")
        if name:
            found.setdefault(name.strip().lower(), directive.line)
    return found
