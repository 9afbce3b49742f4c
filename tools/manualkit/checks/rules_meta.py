"""MK0xx: the checker's own hygiene (inline suppressions, chapters it cannot read)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.registry import all_rules, expand, rule
from manualkit.checks.source import UNSUPPRESSIBLE, unreadable_chapters
from manualkit.diagnostics import Diagnostic, Location


@rule(
    "MK000",
    "error",
    "a rule module could not be loaded",
    """
    What: a module listed in manualkit.checks.RULE_MODULES failed to import; its rules did not run.
    Why: the other rules still run (one broken plug-in must not hide every finding), but the run
    is incomplete, so it fails.
    Fix: a toolkit bug — run `python -c "import <module>"` to see the traceback and fix it.
    """,
    needs_data=False,
)
@rule(
    "MK002",
    "warning",
    "inline suppression silences nothing",
    """
    What: a `% manualkit: ignore CODE -- reason` comment whose next block has no finding of CODE.
    Why: stale suppressions hide future real problems in that paragraph.
    Fix: delete the comment (or move it directly above the paragraph it is meant for).
    """,
    needs_data=False,
)
@rule(
    "MK001",
    "error",
    "inline suppression without rule id or reason",
    """
    What: a MyST comment `% manualkit: ignore MK103 -- reason text` suppresses the findings of
    the listed rule ids (or id prefixes) in the block that directly follows it; in data files a
    YAML comment `# manualkit: ignore MK112 -- reason` does the same for the YAML node below it
    (for `- id: …`, the whole entry). A suppression without rule ids, naming no rule family
    (`ignore MK`) or without a reason after `--` is an error (and silences nothing), as is one
    naming no rule (`MK1O3` with a letter O: the message suggests MK103), a `% manualkit …`
    comment meant as a suppression that is none (`ingore`, no colon; a note such as
    `% manualkit 生成的表格` that names no rule and says no `ignore` is left alone), and one of
    personal data (MK4xx), which can never
    be suppressed: a real customer's number must not be published.
    Why: every deviation from the rules must be justified in the source, next to the text, so a
    reviewer sees why the checker was overruled.
    Fix: write `% manualkit: ignore MK103 -- why this case is right` on the line before the
    paragraph, or fix the paragraph and remove the comment.
    """,
    needs_data=False,
)
def suppressions(ctx: CheckContext) -> Iterator[Diagnostic]:
    known = {r.code for r in all_rules()} | {"DATA"}
    for path, found in ctx.suppressions.items():
        for s in found:
            loc = Location(path, s.line, s.column)
            if s.malformed:
                yield Diagnostic(
                    "MK001",
                    "error",
                    f"found {s.malformed!r}, which suppresses nothing: expected "
                    "`% manualkit: ignore MK103 -- reason`",
                    loc,
                )
            elif not s.codes:
                yield Diagnostic("MK001", "error", "suppression names no rule id (e.g. MK103)", loc)
            elif s.too_broad:
                yield Diagnostic(
                    "MK001",
                    "error",
                    f"suppression of {', '.join(s.too_broad)} names no rule: it would silence every "
                    "rule (personal data and deadlines alike) and is not applied; name the rule "
                    "(MK103) or its family (MK1)",
                    loc,
                )
            elif unknown := [c for c in s.codes if not _names_rules(c, known)]:
                for code in unknown:
                    close = _closest_rule(code, known)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    yield Diagnostic(
                        "MK001", "error", f"suppression names no rule: found {code!r}{hint}", loc
                    )
            elif personal := [c for c in s.codes if any(k.startswith(UNSUPPRESSIBLE) for k in expand([c]))]:
                yield Diagnostic(
                    "MK001",
                    "error",
                    f"personal data ({', '.join(personal)}) cannot be suppressed: a real customer's "
                    "number must never be published; replace it with a masked placeholder (138****0000)",
                    loc,
                )
            elif not s.reason:
                yield Diagnostic(
                    "MK001",
                    "error",
                    f"suppression of {', '.join(s.codes)} has no reason: write `-- why this is right`",
                    loc,
                )


@rule(
    "MK003",
    "error",
    "a chapter file cannot be read",
    """
    What: a file under manual/ is not UTF-8 text (often a chapter saved as GBK/GB 18030 or
    UTF-16 by a Windows editor), holds a control character (a backspace or vertical tab pasted
    from another program, which the DOCX cannot hold), is larger than 2 MB, or cannot be opened.
    The finding points at the first byte that is not UTF-8, or at the control character.  A
    UTF-8 byte-order mark (Windows Notepad's "UTF-8 with BOM") is fine.
    Why: the build cannot read the chapter; the checker reads it in the encoding it was most
    likely saved in (when that gives a chapter) so that what it defines is not reported missing
    elsewhere, but that reading is a guess.
    Fix: save the file as UTF-8 (Notepad: 另存为 → 编码 UTF-8; VS Code: "Save with Encoding" → UTF-8),
    delete the control character, split an oversized file, or fix its permissions.
    """,
    needs_data=False,
)
def unreadable(ctx: CheckContext) -> Iterator[Diagnostic]:
    for path, problems in unreadable_chapters(ctx.root, ctx.documents):
        for problem in problems.each():
            yield Diagnostic("MK003", "error", problem.message, Location(path, problem.line, problem.column))


def _names_rules(code: str, known: set[str]) -> bool:
    """Whether a suppression's code is a rule id, an id prefix (MK1) or a family (style) —
    `MK1O3` (letter O) names none and silenced nothing without a word."""
    return any(k.startswith(p) for p in expand([code]) for k in known)


#: Letters typed for the digits they look like (MK1O3 → MK103, MK1l0 → MK110).
_LOOKALIKE_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})


def _closest_rule(code: str, known: set[str]) -> list[str]:
    """The rule id a mistyped code most likely meant: a look-alike letter first, then spelling."""
    fixed = code[:2] + code[2:].translate(_LOOKALIKE_DIGITS)
    if fixed in known:
        return [fixed]
    return difflib.get_close_matches(code, sorted(known), n=1, cutoff=0.6)
