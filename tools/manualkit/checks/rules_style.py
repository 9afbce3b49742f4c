"""MK601–MK605, MK610–MK614: house style (Vale rules evaluated in Python), CJK typography
(autocorrect), raw HTML, scripts in SVG drawings, broken roles and label look-alikes."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from manualkit.checks.context import CheckContext
from manualkit.checks.markup import close_names, known_markup
from manualkit.checks.registry import rule
from manualkit.checks.rules_markup import IMAGE_RE
from manualkit.checks.source import ROLE_OR_CODE_RE, Block, Document
from manualkit.diagnostics import Diagnostic, Location

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DIGIT_SPACE_RE = re.compile(rf"(?<=[{_CJK}]) +(?=\d)|(?<=\d) +(?=[{_CJK}])")
#: Neutral placeholder for generated text (roles, inline code) when linting typography.
_PLACEHOLDER = "〇"


def _style_text(block: Block) -> str:
    """The block source with roles and inline code replaced by same-length placeholders."""
    # Scanned as source.mask() does: `{name}` in inline code is code, not a role.
    return ROLE_OR_CODE_RE.sub(lambda m: _PLACEHOLDER * len(m.group(0)), block.source)


@rule(
    "MK604",
    "error",
    "Vale configuration or rule file cannot be used",
    """
    What: .vale.ini names a style that does not exist, or a rule file under StylesPath is not
    valid YAML / uses a rule type manualkit does not evaluate / has an invalid regex.
    Why: a broken style file silently disables the house style.
    Fix: correct the file named in the message.
    """,
    needs_data=False,
)
@rule(
    "MK602",
    "error",
    "house style: forbidden or vague wording (Vale existence rule)",
    """
    What: the house style's Vale `existence` rules (tools/vale/styles/House/*.yml): vague time
    words in a duty (应尽快, 须及时 …) where a hard deadline is required, and banned phrases
    (保本保息, 零风险 …). The message names the Vale rule; severity follows the rule's `level`.
    Why: a duty without a deadline cannot be audited; banned promises breach conduct rules.
    Fix: state the deadline with {sla}`id`; rephrase banned wording.
    """,
    needs_data=False,
)
@rule(
    "MK601",
    "error",
    "house style: use the house term (Vale substitution rule)",
    """
    What: the house style's Vale `substitution` rules: one term per concept (客户 not 顾客, 工作日
    not 工作天, 账户 not 帐户, current regulator names …). Severity follows the rule's `level`.
    Rules are evaluated with Vale's semantics (tokens are regexes, `nonword: true` for Chinese
    because Vale's \\b is ASCII-only, `ignorecase`, `level`), on prose (roles and code are not
    text) and on the data the outputs print (form notes and fields, checklist items, process
    steps, SLA names), reported at the data field.
    Why: a customer-facing manual that says 顾客 in one chapter and 客户 in another reads as two
    documents; auditors ask whether they are different things.
    Fix: use the suggested term.
    """,
    needs_data=False,
)
def vale_rules(ctx: CheckContext) -> Iterator[Diagnostic]:
    from manualkit.checks.vale import load_vale

    config = load_vale(ctx.root)
    if config is None:
        return
    for file, problem in config.problems:
        yield Diagnostic("MK604", "error", problem, Location(Location(file).relative_to(ctx.root).path))
    for doc, block in ctx.blocks():
        for vrule in config.rules:
            code = "MK601" if vrule.extends == "substitution" else "MK602"
            for m in vrule.find(block.masked):
                line, col = block.position(m.start)
                yield Diagnostic(
                    code, vrule.severity, f"[{vrule.name}] {m.message}", Location(doc.path, line, col)
                )
    # The data the outputs print (form notes, checklist items, process steps, SLA names) is read
    # as the manual's text: 须 in a form's note reads as the prose's 须 does.
    if config.rules:
        for printed in ctx.printed_texts:
            for vrule in config.rules:
                code = "MK601" if vrule.extends == "substitution" else "MK602"
                for m in vrule.find(printed.text):
                    yield Diagnostic(
                        code,
                        vrule.severity,
                        f"[{vrule.name}] {m.message} (printed by {printed.owner})",
                        printed.location,
                    )


#: autocorrect's rule names (2.x) and the severities .autocorrectrc may give them.
AUTOCORRECT_RULES = frozenset(
    {
        "space-word",
        "space-punctuation",
        "space-bracket",
        "space-backticks",
        "space-dash",
        "space-dollar",
        "fullwidth",
        "no-space-fullwidth",
        "no-space-fullwidth-quote",
        "halfwidth-word",
        "halfwidth-punctuation",
        "spellcheck",
    }
)
_AUTOCORRECT_LEVELS = {0, 1, 2, "off", "error", "warning"}


def autocorrect_config_problems(text: str) -> list[str]:
    """autocorrect-py accepts any config silently; validate the parts the house style relies on."""
    import yaml

    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [f"invalid YAML: {exc}".replace("\n", " ")]
    if config is None:
        return []
    if not isinstance(config, dict):
        return ["expected a mapping with `rules:`"]
    rules = config.get("rules") or {}
    if not isinstance(rules, dict):
        return ["`rules` must be a mapping of rule name to 0/1/2"]
    problems = [f"unknown autocorrect rule {name!r}" for name in rules if name not in AUTOCORRECT_RULES]
    problems += [
        f"rule {name!r}: level must be 0 (off), 1 (error) or 2 (warning), found {level!r}"
        for name, level in rules.items()
        if level not in _AUTOCORRECT_LEVELS
    ]
    return problems


@rule(
    "MK605",
    "error",
    ".autocorrectrc is invalid",
    """
    What: the project's .autocorrectrc is not valid YAML, names an unknown autocorrect rule or
    gives a rule a level other than 0/1/2.
    Why: autocorrect-py ignores a broken configuration silently and falls back to its defaults,
    which are not the house style.
    Fix: correct the file named in the message.
    """,
    needs_data=False,
)
@rule(
    "MK610",
    "warning",
    "CJK typography (autocorrect): spacing and punctuation width",
    """
    What: autocorrect-py lints each prose block with the project's .autocorrectrc: a space between
    Chinese and Latin words, full-width punctuation inside Chinese sentences (，。：；！？),
    half-width punctuation inside Latin text. House exception: no space between Chinese and
    digits (7个工作日, 2026年9月30日) — autocorrect's digit-spacing suggestions are discarded.
    Roles and inline code are replaced by placeholders first (they render generated text).
    The message shows the corrected line.
    Why: consistent typography is part of a controlled document's quality.
    Fix: apply the suggested text.
    """,
    needs_data=False,
)
@rule(
    "MK603",
    "warning",
    "space between a digit and a Chinese character",
    """
    What: house style writes numbers directly against Chinese characters: 7个工作日, 2026年,
    工作日9:00—18:00 — no space in between.
    Why: it matches how the {sla} role renders durations and how official Chinese documents write
    numbers, so prose and generated text look the same.
    Fix: remove the space.
    """,
    needs_data=False,
)
def typography(ctx: CheckContext) -> Iterator[Diagnostic]:
    import autocorrect_py

    rc = ctx.root / ".autocorrectrc"
    configured = rc.exists()
    if configured:
        rc_text = rc.read_text(encoding="utf-8")
        problems = autocorrect_config_problems(rc_text)
        for problem in problems:
            yield Diagnostic("MK605", "error", problem, Location(".autocorrectrc", 1, 1))
        if problems:
            return
        autocorrect_py.load_config(rc_text)  # type: ignore[attr-defined]
    for doc in ctx.documents:
        for block in doc.blocks:
            for m in _DIGIT_SPACE_RE.finditer(block.masked):
                line, col = block.position(m.start())
                yield Diagnostic(
                    "MK603",
                    "warning",
                    "no space between digits and Chinese (house style)",
                    Location(doc.path, line, col),
                )
        if configured:
            yield from _autocorrect(doc)


def _autocorrect(doc: Document) -> Iterator[Diagnostic]:
    """Lint a chapter's prose blocks in one autocorrect call (blank lines keep them apart).

    One call per chapter instead of one per block; each lint line is mapped back to its block
    through the first line each block has in the joined text.
    """
    import autocorrect_py

    blocks = doc.blocks
    if not blocks:
        return
    texts: list[str] = []
    firsts: list[int] = []  # 1-based line of each block in the joined text
    line = 1
    for block in blocks:
        text = _style_text(block)
        firsts.append(line)
        texts.append(text)
        line += text.count("\n") + 2
    for lint in autocorrect_py.lint_for("\n\n".join(texts), "md").lines:
        index = bisect.bisect_right(firsts, lint.line) - 1
        block = blocks[index]
        old_lines = lint.old.split("\n")
        new_lines = lint.new.split("\n")
        for k, (old, new) in enumerate(zip(old_lines, new_lines, strict=False)):
            wanted = _DIGIT_SPACE_RE.sub("", new)
            if wanted == _DIGIT_SPACE_RE.sub("", old):
                continue  # only digit spacing differs: house style keeps 7个工作日 (MK603)
            before, after, column = _changed(old, wanted)
            yield Diagnostic(
                "MK610",
                "warning",
                f"typography: {before!r} → {after!r}",
                # ``lint.col`` is where ``lint.old`` starts in its line (after a list marker …).
                Location(
                    doc.path,
                    block.start_line + lint.line - firsts[index] + k,
                    (lint.col if k == 0 else 1) + column,
                ),
            )


def _changed(old: str, new: str) -> tuple[str, str, int]:
    """The differing middle of two lines (with a little context) and its start index in ``old``."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    lo = max(0, prefix - 3)

    def cut(text: str) -> str:
        return re.sub(f"{_PLACEHOLDER}+", "…", text[lo : len(text) - max(0, suffix - 3)])

    return cut(old), cut(new), prefix


#: An HTML tag as a writer pastes it: <span style="…">, </div>, <br/>, <script>.  Not an autolink
#: (<https://…>: a colon follows the name) and not a comparison (< 5%, <5天: no letter after <).
_HTML_TAG_RE = re.compile(r"</?(?P<name>[A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>")
#: HTML's element names (HTML5 and the legacy ones writers paste, such as <font> and <center>):
#: "按 <Enter> 键" or "<客户姓名>" names a key or a placeholder, printed as the writer meant.
HTML_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "bdi",
        "bdo",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "map",
        "mark",
        "marquee",
        "menu",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "pre",
        "progress",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "script",
        "section",
        "select",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    ]
)
#: An HTML comment, closed in the same block or not (a blank line inside it splits the block).
_HTML_COMMENT_RE = re.compile(r"<!--(?:.*?-->)?", re.S)


@rule(
    "MK611",
    "warning",
    "raw HTML in a chapter is published as literal text",
    """
    What: an HTML tag in a chapter's prose (<span style="…">, <br>, <font>, <script> …) outside
    inline code (a warning; a name that is no HTML element, "按 <Enter> 键", is text), and an
    HTML comment <!-- … --> (an error: it is meant to be hidden,
    and a hidden note — "TODO 待核实" — must not reach readers).
    Why: raw HTML is disabled in every output (sources are untrusted), so the tag or comment is
    printed as text: readers of the site, the PDF and the Word document see "<span style=…>" or
    "<!-- TODO 待核实 -->".
    Fix: use Markdown (**bold**, lists, tables) or a manualkit directive; to show a tag as an
    example, put it in inline code (`<br>`). Write a note for editors as a MyST comment line,
    `% TODO 待核实` (a line starting with %), which no output prints.
    """,
    needs_data=False,
)
def raw_html(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for block in doc.blocks:
            yield from _html_comments(doc, block)
            for m in _HTML_TAG_RE.finditer(block.masked):
                if m.group("name").lower() not in HTML_ELEMENTS:
                    continue
                line, col = block.position(m.start())
                tag = m.group(0) if len(m.group(0)) <= 40 else m.group(0)[:37] + "…"
                yield Diagnostic(
                    "MK611",
                    "warning",
                    f"raw HTML {tag!r} is shown as literal text in every output; write Markdown instead",
                    Location(doc.path, line, col),
                )


def _html_comments(doc: Document, block: Block) -> Iterator[Diagnostic]:
    """HTML comments in a prose block: an error, since the writer meant the text to be hidden and
    every output shows it; the MyST comment line is the way to hide a note."""
    for m in _HTML_COMMENT_RE.finditer(block.masked):
        line, col = block.position(m.start())
        text = " ".join(block.source[m.start() : m.end()].split())
        shown = text if len(text) <= 40 else text[:39] + "…"
        yield Diagnostic(
            "MK611",
            "error",
            f"HTML comment {shown!r} is shown as literal text in every output; expected a MyST comment "
            "line starting with '%' (% TODO …), which no output prints",
            Location(doc.path, line, col),
        )


@rule(
    "MK612",
    "error",
    "an SVG drawing with a script is not published",
    """
    What: an image in a chapter (![…](x.svg), {image}, {figure}) is an SVG drawing containing a
    <script>, an event handler (onload=…), a javascript: link or embedded HTML (<foreignObject>).
    Why: opened at its own address on the site, the drawing's script runs in the site's name (the
    bank's intranet) with the reader's session; the build refuses to publish it.
    Fix: export the drawing again without scripts or interactivity (a plain SVG, or PNG).
    """,
    needs_data=False,
)
def svg_scripts(ctx: CheckContext) -> Iterator[Diagnostic]:
    from manualkit.svg_safety import find_active_content

    for doc in ctx.documents:
        chapter_dir = (ctx.root / doc.path).parent
        uses: list[tuple[str, int, int]] = []
        for block in doc.blocks:
            for m in IMAGE_RE.finditer(block.source):  # the Markdown images MK124 and MK617 read
                line, col = block.position(m.start())
                uses.append((m.group("angled") or m.group("target"), line, col))
        uses += [(d.argument, d.line, d.column) for d in doc.directives if d.name in ("image", "figure")]
        for target, line, col in uses:
            if "://" in target or not target.lower().endswith(".svg"):
                continue
            path = (
                (ctx.root / "manual" / target.lstrip("/")) if target.startswith("/") else chapter_dir / target
            )
            active = find_active_content(path)
            if active is not None:
                yield Diagnostic(
                    "MK612",
                    "error",
                    f"{target} contains {active.what} (line {active.line} of the SVG): the build refuses "
                    "to publish it; export the drawing again without scripts",
                    Location(doc.path, line, col),
                )


#: A role marker as MyST's role rule accepts it (``mdit_py_plugins.myst_role``: ``{name}`` with
#: letters, digits, ``_ - + :``), not escaped by an odd number of backslashes.
_ROLE_MARKER_RE = re.compile(r"(?<!\\)(?:\\\\)*\{(?P<name>[A-Za-z0-9_\-+:]+)\}")
#: What a writer most likely meant as the role's target right after a broken marker.
_GUESSED_TARGET_RE = re.compile(r"[\s｀`]*(?P<target>[A-Za-z0-9_.:\-]*[A-Za-z0-9_])")
_FULLWIDTH_BACKQUOTE = "｀"


#: Roles whose target is an id: an id typed right after such a marker ({sla}complaint.x) is an
#: attempted role, while an ASCII word after any other {name} is as likely a template placeholder.
_ID_ROLES = ("sla", "form", "checklist", "reg", "term", "ref", "doc", "target", "window", "download")
_ID_AFTER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*")
#: A bare URL in prose: URL templates ({id}, {keyword}) are no role markers.
_BARE_URL_RE = re.compile(r"(?:https?|ftp)://[^\s<>()（）]+|www\.[^\s<>()（）]+", re.IGNORECASE)


def _role_like(name: str) -> bool:
    """Whether ``name`` is a role (or a data role) or a likely typo of one: {name}, {1}, {x} in an
    SMS template or a formula are text the writer means, not markers to report."""
    known = known_markup()
    return known.has_role(name) or name.lower() in _ID_ROLES or bool(close_names(name, known.roles))


def _attempted_role(source: str, end: int, name: str) -> bool:
    """Whether the text after the marker ending at ``end`` shows the writer meant a role: a
    backtick (unclosed) or full-width backquote at once, a backtick after a space, or an id right
    after a data role's marker. ``{sla}为时限`` or ``{name}客户`` is ordinary text."""
    rest = source[end:]
    quotes = ("`", _FULLWIDTH_BACKQUOTE)
    if rest.startswith(quotes):
        return True
    stripped = rest.lstrip()
    if stripped != rest and stripped.startswith(quotes):
        return True
    return bool(_ID_AFTER_RE.match(rest)) and bool(name.lower() in _ID_ROLES or close_names(name, _ID_ROLES))


def _in_url(source: str, offset: int) -> bool:
    """Whether ``offset`` lies inside a bare URL (``https://…/{id}/orders``)."""
    return any(m.start() <= offset < m.end() for m in _BARE_URL_RE.finditer(source))


def _becomes_role(source: str, end: int) -> bool:
    """Whether MyST makes a role of the marker ending at ``end``: backticks follow at once and a
    run of as many backticks closes them later in the block (MyST searches across lines)."""
    ticks = len(source[end:]) - len(source[end:].lstrip("`"))
    return ticks > 0 and ("`" * ticks) in source[end + ticks + 1 :]


def _broken_role_reason(source: str, end: int) -> str:
    """Why the text after a role marker is not its backtick-quoted target, in the writer's terms."""
    rest = source[end:].split("\n", 1)[0]
    if rest.startswith("``"):
        return "its backticks are empty: the id is missing between them"
    if rest.startswith("`"):
        return "the backtick after it is never closed"
    if rest.startswith(_FULLWIDTH_BACKQUOTE):
        return "the target is quoted with full-width backquotes ｀…｀, which a Chinese input method types"
    if rest[:1].isspace() and rest.lstrip().startswith(("`", _FULLWIDTH_BACKQUOTE)):
        return "a space separates it from the backtick-quoted target"
    if not rest.strip():
        return "nothing follows it on its line"
    return "its target is not in backticks"


def _found_text(source: str, start: int, guess: re.Match[str] | None) -> str:
    """The marker and what the writer typed as its target (with a closing quote, if any), on one
    line and shortened: the part of the text to retype, not the whole sentence."""
    end = guess.end() if guess and guess.group("target") else source.find("}", start) + 1
    if source[end : end + 2] == "``":
        end += 2  # empty backticks: both are what was typed
    elif source[end : end + 1] in ("`", _FULLWIDTH_BACKQUOTE):
        end += 1
    text = source[start:end].split("\n", 1)[0].rstrip()
    return text if len(text) <= 40 else text[:39] + "…"


@rule(
    "MK613",
    "error",
    "role marker {name} that did not become a role is published as literal text",
    """
    What: a role marker such as {sla}, {form}, {checklist}, {ref}, {term}, {doc} or {nowrap} in a
    chapter's prose that is not immediately followed by its backtick-quoted target:
    {sla}complaint.general.resolve (no backticks), {sla} `complaint.general.resolve` (a space),
    {sla}`complaint.general.resolve (the backtick never closed), {form}｀F-04-01｀ (full-width
    backquotes from a Chinese input method). Only names that are roles, or close to one ({slas}),
    typed like an attempted role are reported; braces in templates and formulas ({name}客户, {1},
    {x}), in URLs, in inline code and escaped ones (\\{sla}) are text and are not reported.
    Why: MyST only makes a role of {name} followed at once by backticks; anything else is ordinary
    text, so the site, the PDF and the Word document print "{sla} complaint.general.resolve"
    instead of the deadline, and no link or check sees the id.
    Fix: write the role as {sla}`complaint.general.resolve`: ASCII backticks (`) right after the
    closing brace, around the id.
    """,
    needs_data=False,
)
def broken_roles(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for block in doc.blocks:
            yield from _broken_roles_in(doc, block)


def _broken_roles_in(doc: Document, block: Block) -> Iterator[Diagnostic]:
    """Markers left in ``block.masked``: roles and inline code are blanked there, so a marker that
    survives is either text or a role MyST accepts but the checker's pattern does not (one that
    spans lines), which :func:`_becomes_role` tells apart."""
    for m in _ROLE_MARKER_RE.finditer(block.masked):
        start = m.start("name") - 1
        name = m.group("name")
        if (
            _becomes_role(block.source, m.end())
            or not _role_like(name)
            or not _attempted_role(block.source, m.end(), name)
            or _in_url(block.source, start)
        ):
            continue
        guess = _GUESSED_TARGET_RE.match(block.source, m.end())
        target = guess.group("target") if guess and guess.group("target") else "id"
        line, col = block.position(start)
        reason = _broken_role_reason(block.source, m.end())
        yield Diagnostic(
            "MK613",
            "error",
            f"role marker {{{name}}} did not become a role ({reason}), so "
            f"every output prints it as text: found {_found_text(block.source, start, guess)!r}, expected "
            f"{{{name}}}`{target}` (ASCII backticks right after the brace)",
            Location(doc.path, line, col),
        )


#: A line that looks like a MyST target label but is not one: full-width parentheses or equals
#: sign (a Chinese input method types them), or spaces around the parts.
_LABEL_LIKE_RE = re.compile(r"^(?P<indent>\s*)[(（]\s*(?P<label>[^\s()（）=＝]+)\s*[)）]\s*[=＝]\s*$")


@rule(
    "MK614",
    "error",
    "a label line typed with full-width parentheses is published as text",
    """
    What: a line that looks like a section label but is not one, such as （service-goals）= typed
    with full-width parentheses （）or a full-width equals sign ＝ (a Chinese input method types
    them), or (service-goals) = with a space.
    Why: only (label)= with ASCII parentheses and equals sign, nothing between them, is a label;
    anything else is an ordinary paragraph, so every output prints "（service-goals）=" above the
    heading and the label is lost: links to it ({ref}`service-goals`, an SLA's or a form's
    section) have nothing to point at.
    Fix: retype the line as (service-goals)= with ASCII characters (switch the input method to
    English, or to half-width punctuation).
    """,
    needs_data=False,
)
def label_lookalikes(ctx: CheckContext) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for block in doc.blocks:
            if block.kind != "paragraph":
                continue
            for index, text in enumerate(block.source.split("\n")):
                m = _LABEL_LIKE_RE.match(text)
                if m is None:
                    continue
                yield Diagnostic(
                    "MK614",
                    "error",
                    f"this line looks like a section label but is printed as text: found "
                    f"{text.strip()!r}, expected ({m['label']})= with ASCII parentheses and "
                    "equals sign, nothing in between",
                    Location(doc.path, block.start_line + index, len(m["indent"]) + 1),
                )
