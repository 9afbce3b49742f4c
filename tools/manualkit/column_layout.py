"""Column widths of a table from its content, shared by the DOCX writer and the print layout.

Word and WeasyPrint would both lay a table out automatically, each badly for Chinese text: a
break opportunity after every character lets the long columns take the row and cut the short
ones (序号, 版本, roles, dates) to a character a line.  These functions size the columns the way
a typesetter would: short content kept on one line, text that must not break ({nowrap}) kept
whole while it fits, the rest shared by how much text each column holds.  Widths are in twips;
text widths in half-ems (a Latin character; a Chinese one is two) of the table's text size.
"""

from __future__ import annotations

import re

from docutils import nodes

from manualkit.cjk_text import display_width
from manualkit.doctree_walk import walk
from manualkit.node_classes import NOWRAP_CLASS

#: Where Chinese meets Latin letters or digits ("2020年10月1日"): Word and LibreOffice add about
#: a quarter em there (autospacing: half a half-em), which a width holding the text on one line counts.
SCRIPT_BOUNDARY = re.compile(r"(?<=[0-9A-Za-z])(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])(?=[0-9A-Za-z])")

#: Punctuation that never starts a line: after {nowrap} text it goes on that text's line.
CLOSING_MARKS = frozenset("）】」』》〉，。、；：！？)")


def text_width(text: str) -> float:
    """Width of ``text`` on one line in half-ems, with a quarter em where scripts meet."""
    return display_width(text) + 0.5 * len(SCRIPT_BOUNDARY.findall(text))


def unbreakable_widths(tgroup: nodes.Element) -> dict[int, int]:
    """Per cell (``id`` of its entry): the widest text that stays on one line ({nowrap}), in
    half-ems with autospacing and a closing mark right after it ("2026年11月6日）": Word
    never starts a line with "）").  One walk over the table, not one per cell."""
    widths: dict[int, int] = {}
    for node in walk(tgroup):
        if node.__class__ is nodes.inline and NOWRAP_CLASS in node["classes"]:
            entry = node.parent
            while entry is not None and not isinstance(entry, nodes.entry):
                entry = entry.parent
            if entry is not None:
                text = node.astext() + closing_mark_after(node)
                width = int(text_width(text))
                widths[id(entry)] = max(widths.get(id(entry), 0), width)
    return widths


def closing_mark_after(node: nodes.Element) -> str:
    """The closing punctuation mark right after ``node`` in its paragraph, if any."""
    parent = node.parent
    if parent is None:
        return ""
    index = parent.index(node)
    following = parent.children[index + 1] if index + 1 < len(parent.children) else None
    if isinstance(following, nodes.Text) and following[:1] in CLOSING_MARKS:
        return str(following[:1])
    return ""


def column_texts(tgroup: nodes.tgroup, cols: int) -> tuple[list[int], list[int], list[list[int]]]:
    """Display width (half-ems) of each column's longest line, of its widest unbreakable text,
    and of every line of text in it (which cells end with one character alone depends on them).

    Cells spanning several columns are ignored; rows shortened by a vertical merge above are
    placed correctly by tracking the merge like the cell writer does.
    """
    if cols <= 0:
        return [], [], []
    unbreakable = [0] * cols
    texts: list[list[int]] = [[] for _ in range(cols)]
    held = unbreakable_widths(tgroup)
    pending: dict[int, int] = {}
    for row in tgroup.findall(nodes.row):
        col = 0
        for entry in row.children:
            while col in pending:
                pending[col] -= 1
                if pending[col] == 0:
                    del pending[col]
                col += 1
            span = int(entry.get("morecols", 0)) + 1
            if entry.get("morerows"):
                for offset in range(span):
                    pending[col + offset] = int(entry["morerows"])
            if span == 1 and col < cols:
                texts[col].extend(display_width(line) for line in entry.astext().splitlines() or [""])
                unbreakable[col] = max(unbreakable[col], held.get(id(entry), 0))
            col += span
        for rest in [c for c in pending if c >= col]:
            pending[rest] -= 1
            if pending[rest] == 0:
                del pending[rest]
    return [max(lines, default=0) for lines in texts], unbreakable, texts


#: Table text is 10.5 pt (五号): one half-em (a Latin character) is 105 twips.
TWIPS_PER_HALF_EM = 105
#: Word's default cell margins and a little slack for rounding in layout.
CELL_PADDING = 280
#: A column's share of spare width grows with its content up to 60 Chinese characters (a cell
#: longer than that wraps anyway).  Capped at 24, a process's 步骤 column (a name and a
#: sentence, 65 characters) got no more room than 下一步 (27) and ran to seven lines a row.
WEIGHT_CAP = 120
#: Text up to this many half-ems (6, then 4, 3, 2 Chinese characters: a date, a role, a deadline)
#: should not wrap — the first limit whose minimums fit the page applies.
NOWRAP_LIMITS = (12, 8, 6, 4)
#: A column whose longest line misses its width by at most this many half-ems (two Chinese
#: characters) is widened to hold it (see ``_close_small_gaps``).
ORPHAN_GAP = 4


#: A column of long text (more than 12 Chinese characters on a line) given room for fewer
#: than 6 a line reads as a strip of characters: its table is too dense for its text size.
LONG_TEXT, LEAST_ROOM = 24, 12


def cramped(natural: list[int], widths: list[int], half_em: int) -> bool:
    """Whether a column of long text got room for fewer than ``LEAST_ROOM`` half-ems a line."""
    return any(
        n > LONG_TEXT and (width - CELL_PADDING) // half_em < LEAST_ROOM
        for n, width in zip(natural, widths, strict=True)
    )


def fit_column_widths(
    natural: list[int],
    total: int,
    unbreakable: list[int] | None = None,
    half_em: int = TWIPS_PER_HALF_EM,
    texts: list[list[int]] | None = None,
) -> list[int]:
    """Column widths in twips from each column's longest line (``natural``, in half-ems of
    ``half_em`` twips: the table text's size).

    Like a browser's automatic table layout: spare width goes to the columns with the most
    text, but no column is squeezed below a minimum that keeps short content on one line —
    short columns (序号, 版本, dates, roles) used to be cut to a character per line because
    the long columns took the width in proportion to their text.  Text that must not break
    (``unbreakable``, in half-ems: "35273-2020") sets a minimum of its own while it fits; when
    such minimums alone would fill the row they are given up (Word breaks that text then)
    rather than pressing every other column to a few characters.  With ``texts`` (each
    column's lines of text, in half-ems), a cell that would end with one character alone on its
    last line gets that character's room where another column can spare it.
    """
    if not natural:
        return []
    weight = [min(n, WEIGHT_CAP) * half_em + CELL_PADDING for n in natural]
    none_held = [0] * len(natural)
    held = unbreakable if unbreakable and len(unbreakable) == len(natural) else none_held
    lines = texts if texts and len(texts) == len(natural) else [[n] for n in natural]
    floor = _floors(natural, held, total, half_em, lines)
    if floor is None:
        floor = _floors(natural, none_held, total, half_em, lines)
    if floor is None:
        return _proportional(_floor(natural, none_held, NOWRAP_LIMITS[-1], half_em), total)
    widths = _proportional(weight, total)
    fixed: set[int] = set()
    while True:
        short = {i for i in range(len(widths)) if i not in fixed and widths[i] < floor[i]}
        if not short:
            widths = _close_small_gaps(widths, natural, floor, half_em)
            return _avoid_orphans(widths, texts, floor, half_em) if texts else widths
        fixed |= short
        free = [i for i in range(len(widths)) if i not in fixed]
        rest = total - sum(floor[i] for i in fixed)
        for i in fixed:
            widths[i] = floor[i]
        for i, share in zip(free, _proportional([weight[i] for i in free], rest), strict=True):
            widths[i] = share


def _close_small_gaps(widths: list[int], natural: list[int], floor: list[int], half_em: int) -> list[int]:
    """Widen a column whose longest line misses by at most ``ORPHAN_GAP`` half-ems, taking the
    room from the widest column whose longest line takes no more lines without it.

    Why: proportional shares left "信息科技运维人" / "员" in a 责任岗位 column, a line for one
    character, while the 要求 column beside it had room to spare on its last line.
    """
    need = [n * half_em + CELL_PADDING for n in natural]
    for i in sorted(range(len(widths)), key=lambda k: need[k] - widths[k]):
        gap = need[i] - widths[i]
        if gap <= 0 or gap > ORPHAN_GAP * half_em:
            continue
        donors = [
            j
            for j in range(len(widths))
            if j != i
            and widths[j] - gap >= floor[j]
            and _lines(natural[j], widths[j] - gap, half_em) == _lines(natural[j], widths[j], half_em)
        ]
        if donors:
            donor = max(donors, key=lambda j: widths[j])
            widths[donor] -= gap
            widths[i] += gap
    return widths


def _avoid_orphans(widths: list[int], texts: list[list[int]], floor: list[int], half_em: int) -> list[int]:
    """Widen a column whose cells end with one character on a line of its own ("…并形成处理结"
    / "论"), by at most ``ORPHAN_GAP`` half-ems, taken from the widest columns that keep their
    line counts and gain no such cell themselves.  Each column is looked at once, left to right."""
    if len(texts) != len(widths):
        return widths
    for i in range(len(widths)):
        extra = max((_orphan_room(width, widths[i], half_em) for width in texts[i]), default=0)
        if not 0 < extra <= ORPHAN_GAP * half_em:
            continue
        others = [j for j in range(len(widths)) if j != i]
        spare = {j: _spare(texts[j], widths[j], extra, floor[j], half_em) for j in others}
        if sum(spare.values()) < extra:
            continue
        needed = extra
        for j in sorted(spare, key=lambda k: widths[k], reverse=True):
            taken = min(spare[j], needed)
            widths[j] -= taken
            needed -= taken
        widths[i] += extra
    return widths


def _spare(texts: list[int], width: int, most: int, floor: int, half_em: int) -> int:
    """The most twips (up to ``most``, in steps of a half-em) a column of ``texts`` can give up."""
    for giving in range(most, 0, -half_em):
        if width - giving >= floor and _can_spare(texts, width, giving, half_em):
            return giving
    return 0


def _can_spare(texts: list[int], width: int, extra: int, half_em: int) -> bool:
    """Whether a column of ``texts`` takes no more lines, nor more lone last characters, when
    ``extra`` twips narrower."""
    narrower = width - extra
    lines_now = sum(_lines(text, width, half_em) for text in texts)
    lines_then = sum(_lines(text, narrower, half_em) for text in texts)
    return lines_then == lines_now and _orphans(texts, narrower, half_em) <= _orphans(texts, width, half_em)


def _orphan_room(half_ems: int, width: int, half_em: int) -> int:
    """Twips a column ``width`` wide needs so a text of ``half_ems`` does not end with one
    character alone on its last line (0 when it does not).  A line holds whole Chinese
    characters: an even number of half-ems."""
    room = max(2, (width - CELL_PADDING) // half_em // 2 * 2)
    lines = -(-half_ems // room)
    if lines < 2 or half_ems - (lines - 1) * room > 2:
        return 0
    need = -(-half_ems // (lines - 1))
    return (need + need % 2) * half_em + CELL_PADDING - width


def _orphans(texts: list[int], width: int, half_em: int) -> int:
    return sum(1 for half_ems in texts if _orphan_room(half_ems, width, half_em))


def _lines(half_ems: int, width: int, half_em: int) -> int:
    """Lines a text of ``half_ems`` takes in a column ``width`` twips wide."""
    room = max(1, width - CELL_PADDING)
    return max(1, -(-half_ems * half_em // room))


def _floors(
    natural: list[int], held: list[int], total: int, half_em: int, texts: list[list[int]]
) -> list[int] | None:
    """Each column's least width under the first of ``NOWRAP_LIMITS`` whose minimums fit ``total``.

    The limit is chosen by the minimums of :func:`_floor` without ``texts``: a column that
    wraps anyway counts ``limit`` half-ems there, so the lower limits, which give the longest
    text more room, still apply where a higher one would leave it almost none.
    """
    for limit in NOWRAP_LIMITS:
        if sum(_floor(natural, held, limit, half_em)) <= total:
            return _floor(natural, held, limit, half_em, texts)
    return None


def _floor(
    natural: list[int], held: list[int], limit: int, half_em: int, texts: list[list[int]] | None = None
) -> list[int]:
    """Each column's least width (twips) keeping text up to ``limit`` half-ems and ``held`` whole.

    With ``texts``, a column whose text is longer than ``limit`` and marked where it may break
    (its pieces kept whole: "2026年" / "11月20日") gets the narrowest width that takes no more
    lines for any of its texts, its widest piece at least.  Why: the revision history's dates
    (14 half-ems) were held at 12, where they break after the year as they do at 9, and with
    the names' columns so held the summary was left six characters a line, its one row nine
    lines high in Word.  Text without such marks keeps ``limit``: from there a label a little
    longer ("信息安全管理员") is widened to one line, not broken inside a word.
    """
    floors: list[int] = []
    for index, (n, m) in enumerate(zip(natural, held, strict=True)):
        least = max(min(n, limit), m)
        if texts is not None and n > limit and m > 0:
            least = max(m, _narrowest_keeping_lines(texts[index], least))
        floors.append(least * half_em + CELL_PADDING)
    return floors


def _narrowest_keeping_lines(texts: list[int], width: int) -> int:
    """The least width (half-ems, at most ``width``) at which no text of ``texts`` (each in
    half-ems) takes more lines than it does at ``width``, rounded up to whole Chinese
    characters (an even number of half-ems)."""
    least = 0
    for text in texts:
        if text > 0:
            lines = -(-text // width)  # ceiling divisions: lines at ``width``, then the
            least = max(least, -(-text // lines))  # width that fits the text in as many
    if least == 0:
        return width
    return min(width, least + least % 2)


def _proportional(weights: list[int], total: int) -> list[int]:
    """``total`` split in proportion to ``weights`` (never below 300 twips, about 5 mm)."""
    whole = sum(weights) or 1
    return [max(300, total * w // whole) for w in weights]


#: Tables the directives generate from data whose printed columns are fitted to their content.
#: The reference list and the revision history (seven columns of titles, numbers, names and
#: dates) keep the widths print.css sets for them by hand: no fit of them read better.  (The
#: site leaves all of them to Chromium's automatic layout: given these widths, its generated
#: tables came out 2.5 % taller at 1280 px.)
FITTED_TABLE_CLASSES = frozenset({"mk-sla-rows", "mk-process-steps", "mk-share-rows", "mk-attachment-rows"})


def fit_generated_tables(tree: nodes.Element, total: int, half_em: int) -> None:
    """Column widths fitted to their content for the generated tables in ``tree``.

    ``total`` is the row's width and ``half_em`` half an em of the table text, in twips.  The
    widths go to the tables' colspecs, and the ``colwidths-given`` class makes the HTML writer
    put them in a ``<colgroup>``.  A table too dense for its text keeps its style sheet's widths.
    """
    for table in tree.findall(nodes.table):
        if FITTED_TABLE_CLASSES.isdisjoint(table["classes"]):
            continue
        groups = [child for child in table.children if isinstance(child, nodes.tgroup)]
        if len(groups) != 1:
            continue
        specs = [child for child in groups[0].children if isinstance(child, nodes.colspec)]
        natural, held, texts = column_texts(groups[0], len(specs))
        if not specs or len(natural) != len(specs):
            continue
        widths = fit_column_widths(natural, total, held, half_em, texts)
        if cramped(natural, widths, half_em):
            continue
        for spec, width in zip(specs, widths, strict=True):
            spec["colwidth"] = width
        classes = table["classes"]
        if "colwidths-auto" in classes:
            classes.remove("colwidths-auto")
        if "colwidths-given" not in classes:
            classes.append("colwidths-given")
