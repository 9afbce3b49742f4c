"""Content rules for the real manual (manual/ + data/) that the writers must keep.

Why these are tests and not only checker rules: they pin down *this* manual's
editorial decisions (every section of the source document is kept, no
duration is typed by hand, no Traditional characters, every defined fact is
cited).  A regex over the MyST *source* is the right tool here: we are checking
what the author typed, before any role expands it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from docutils import nodes
from opencc import OpenCC

from conftest import SphinxRun, run_sphinx

ROOT = Path(__file__).resolve().parents[1]
MANUAL = ROOT / "manual"
DATA = ROOT / "data"
SEED_HEADINGS = ROOT / "tests" / "fixtures" / "content" / "seed-headings.md"
SEED_COPY = Path("/work/shared/seed/manual-simplified-reading-copy.md")

CHAPTERS = [
    "01-service-basics.md",
    "02-customer-information.md",
    "03-service-process.md",
    "04-complaints.md",
    "05-technology.md",
    "06-marketing.md",
    "07-supervision.md",
    "08-appendix.md",
]

ROLE_RE = re.compile(r"\{[a-z][a-z-]*\}`[^`]*`")
LABEL_RE = re.compile(r"^\(([a-z][a-z0-9-]*)\)=\s*$")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
FENCE_RE = re.compile(r"^(:{3,}|`{3,})")

# Hand-typed durations, periods and frequencies.  Digits of four or more are years
# (2026年) and are allowed; so are ordinals (第一年) and words such as 统一日期.
_NUM = r"(?:(?<![\d.])\d{1,3}|(?<![第统单唯同])[一二两三四五六七八九十百]+)"
_UNIT = r"(?:个)?(?:工作日|小时|分钟|天|日|周|星期|个月|月|年)"
DURATION_PATTERNS = [
    re.compile(_NUM + r"\s*" + _UNIT),
    re.compile(r"每(?:个)?(?:工作日|日|天|周|星期|月|季度|季|半年|年)"),
    re.compile(r"半年|季度"),
    re.compile(r"(?<!\d)\d{1,2}[:：]\d{2}"),  # service hours belong in {window}
    re.compile(r"\d+(?:\.\d+)?\s*[%％]"),  # targets and shares belong in {target}/{share-table}
]
# Vague time words where a duty needs an SLA; 顾客 is not the house term (客户).
BANNED_WORDS = ["尽快", "第一时间", "适时", "及时", "顾客", "确??"]

# Real-looking personal data must never appear, only masked placeholders (138****0000).
PERSONAL_DATA_PATTERNS = {
    "mobile number": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    "ID number": re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    "card number": re.compile(r"(?<!\d)\d{16,19}(?!\d)"),
    "e-mail address": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
}


@dataclass(frozen=True)
class Section:
    """A heading in the MyST source with its label and the text it spans."""

    file: str
    level: int
    title: str
    label: str | None
    text: str


def _manual_files() -> list[Path]:
    return sorted(MANUAL.glob("*.md"))


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            # keep line count so reported line numbers stay right
            return "\n" * text[: end + 5].count("\n") + text[end + 5 :]
    return text


def _prose_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Lines an author typed as prose: no front matter, labels, fences, options or role contents."""
    in_code = False
    for number, line in enumerate(_strip_front_matter(path.read_text(encoding="utf-8")).splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code or LABEL_RE.match(stripped) or FENCE_RE.match(stripped):
            continue
        if re.match(r"^:[a-z-]+:", stripped):  # directive option
            continue
        yield number, ROLE_RE.sub("", line)


def _sections(path: Path) -> list[Section]:
    lines = _strip_front_matter(path.read_text(encoding="utf-8")).splitlines()
    heads: list[tuple[int, int, str, str | None]] = []
    pending_label: str | None = None
    for index, line in enumerate(lines):
        label = LABEL_RE.match(line.strip())
        if label:
            pending_label = label.group(1)
            continue
        heading = HEADING_RE.match(line)
        if heading:
            heads.append((index, len(heading.group(1)), heading.group(2), pending_label))
        if line.strip():
            pending_label = None
    sections = []
    for position, (start, level, title, label) in enumerate(heads):
        end = len(lines)
        for later_start, later_level, _, _ in heads[position + 1 :]:
            if later_level <= level:
                end = later_start
                break
        sections.append(Section(path.name, level, title, label, "\n".join(lines[start:end])))
    return sections


def _all_sections() -> list[Section]:
    return [section for path in _manual_files() for section in _sections(path)]


def _load(name: str) -> object:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def _seq(name: str) -> list[dict[str, object]]:
    value = _load(name)
    assert isinstance(value, list), f"data/{name} must be a top-level sequence"
    return value


def _seed_titles(path: Path) -> list[str]:
    titles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = HEADING_RE.match(line)
        if heading:
            title = re.sub(r"^第\d+章\s*", "", heading.group(2))
            titles.append(re.sub(r"^\d+(?:\.\d+)*\s*", "", title))
    return titles


def _numbered_seed_titles(path: Path) -> list[tuple[tuple[int, ...], str]]:
    """Seed headings with the number the source gave them: ``4.1 投诉受理与分类`` → ((4, 1), title)."""
    numbered = []
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = HEADING_RE.match(line)
        if not heading:
            continue
        text = heading.group(2)
        chapter = re.match(r"^第(\d+)章\s*(.+)$", text)
        if chapter:
            numbered.append(((int(chapter.group(1)),), chapter.group(2)))
            continue
        section = re.match(r"^(\d+(?:\.\d+)*)\s+(.+)$", text)
        if section:
            numbered.append((tuple(int(part) for part in section.group(1).split(".")), section.group(2)))
    return numbered


def _manual_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in _manual_files())


# ---------------------------------------------------------------------------


def _last_revised(name: str) -> dt.date:
    """When the latest revision changing a section of chapter ``name`` took effect (data/revisions.yaml)."""
    labels = {section.label for section in _sections(MANUAL / name)} - {None}
    dates = [
        revision["effective"]
        for revision in _seq("revisions.yaml")
        if any(change["section"] in labels for change in revision.get("changes") or [])
    ]
    assert dates, f"manual/{name}: no revision in data/revisions.yaml changes it"
    return max(dates)


def test_every_chapter_file_exists_with_front_matter() -> None:
    for name in CHAPTERS:
        text = (MANUAL / name).read_text(encoding="utf-8")
        assert text.startswith("---\n"), f"manual/{name}: front matter missing"
        meta = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
        roles = {role["id"] for role in _seq("roles.yaml")}
        assert meta.get("owner") in roles, f"manual/{name}: owner {meta.get('owner')!r} is not a role id"
        due, revised = meta.get("review_due"), _last_revised(name)
        assert isinstance(due, dt.date) and not isinstance(due, dt.datetime), (
            f"manual/{name}: review_due {due!r} is not a date YYYY-MM-DD"
        )
        assert due > revised, f"manual/{name}: review_due {due} is not after its last revision ({revised})"
        index = (MANUAL / "index.md").read_text(encoding="utf-8")
        assert name.removesuffix(".md") in index, f"manual/index.md: {name} not in the toctree"


def test_every_chapter_has_one_unnumbered_title() -> None:
    for name in CHAPTERS:
        titles = [s for s in _sections(MANUAL / name) if s.level == 1]
        assert len(titles) == 1, f"manual/{name}: expected one '#' title, found {len(titles)}"
        assert not re.match(r"^(第|\d)", titles[0].title), f"manual/{name}: hand-numbered title"


def test_every_heading_has_a_label() -> None:
    for section in _all_sections():
        if section.level <= 3 and section.file != "index.md":
            assert section.label, f"manual/{section.file}: heading {section.title!r} has no (label)= line"


def test_fixture_matches_seed_when_available() -> None:
    if not SEED_COPY.exists():
        pytest.skip("seed reading copy not available on this machine")
    fixture = _seed_titles(SEED_HEADINGS)
    seed = _seed_titles(SEED_COPY)
    assert fixture[: len(seed)] == seed


def test_every_seed_section_is_a_heading() -> None:
    headings = {section.title for section in _all_sections()}
    missing = [title for title in _seed_titles(SEED_HEADINGS) if title not in headings]
    assert not missing, f"seed sections without a heading in manual/: {missing}"


def test_no_hand_typed_durations_in_prose() -> None:
    problems = []
    for path in _manual_files():
        for number, line in _prose_lines(path):
            for pattern in DURATION_PATTERNS:
                for match in pattern.finditer(line):
                    problems.append(f"manual/{path.name}:{number}: {match.group(0)!r} — use a role")
    assert not problems, "\n".join(problems)


def test_no_banned_words() -> None:
    problems = [
        f"manual/{path.name}:{number}: {word!r}"
        for path in _manual_files()
        for number, line in _prose_lines(path)
        for word in BANNED_WORDS
        if word in line
    ]
    assert not problems, "\n".join(problems)


def test_no_regulation_titles_typed_by_hand() -> None:
    problems = [
        f"manual/{path.name}:{number}: {line.strip()[:40]}"
        for path in _manual_files()
        for number, line in _prose_lines(path)
        if "《" in line
    ]
    assert not problems, "cite regulations with {reg}`id`:\n" + "\n".join(problems)


@pytest.mark.parametrize("folder", ["manual", "data"])
def test_no_traditional_characters(folder: str) -> None:
    converter = OpenCC("t2s")
    problems = []
    for path in sorted((ROOT / folder).glob("*.*")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            converted = converter.convert(line)
            if converted != line:
                diff = "".join(a for a, b in zip(line, converted, strict=False) if a != b)
                problems.append(f"{folder}/{path.name}:{number}: {diff}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("folder", ["manual", "data"])
def test_no_real_looking_personal_data(folder: str) -> None:
    problems = [
        f"{folder}/{path.name}:{number}: {kind} {match.group(0)!r}"
        for path in sorted((ROOT / folder).glob("*.*"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for kind, pattern in PERSONAL_DATA_PATTERNS.items()
        for match in pattern.finditer(line)
    ]
    assert not problems, "\n".join(problems)


def test_section_labels_named_in_data_exist() -> None:
    labels = {section.label for section in _all_sections() if section.label}
    problems = []
    for name in ["slas.yaml", "targets.yaml", "windows.yaml", "shares.yaml", "forms.yaml"]:
        for entry in _seq(name):
            if entry.get("section") and entry["section"] not in labels:
                problems.append(f"data/{name}: {entry['id']}: section {entry['section']!r} has no label")
    for name in ["checklists.yaml", "processes.yaml"]:
        for entry in _seq(name):
            if entry["section"] not in labels:
                problems.append(f"data/{name}: {entry['id']}: section {entry['section']!r} has no label")
    for revision in _seq("revisions.yaml"):
        for change in revision.get("changes", []):
            if change["section"] not in labels:
                problems.append(f"data/revisions.yaml: change names unknown section {change['section']!r}")
    assert not problems, "\n".join(problems)


def _scalars(value: object) -> Iterator[str]:
    """Every string value in a YAML tree (ids used as values, not as keys or comments)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif isinstance(value, str):
        yield value


def _values_in_other_data(name: str) -> set[str]:
    values: set[str] = set()
    for path in sorted(DATA.glob("*.yaml")):
        if path.name != name:
            values.update(_scalars(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return values


FACT_ROLES = [
    ("slas.yaml", "sla"),
    ("references.yaml", "reg"),
    ("targets.yaml", "target"),
    ("windows.yaml", "window"),
]


@pytest.mark.parametrize(("data_file", "role"), FACT_ROLES)
def test_every_fact_is_cited(data_file: str, role: str) -> None:
    source = _manual_source()
    used_in_data = _values_in_other_data(data_file)
    unused = [
        str(entry["id"])
        for entry in _seq(data_file)
        if f"{{{role}}}`{entry['id']}`" not in source and entry["id"] not in used_in_data
    ]
    assert not unused, f"{data_file}: defined but never cited: {unused}"


def _directive_or_role_in(section_text: str, kind: str, ident: str) -> bool:
    return (
        f"{{{kind}}}`{ident}`" in section_text
        or re.search(rf"^:{{3,}}\{{{kind}\}}\s+{re.escape(ident)}\s*$", section_text, re.MULTILINE)
        is not None
    )


@pytest.mark.parametrize(
    ("data_file", "kind"),
    [("forms.yaml", "form"), ("processes.yaml", "process"), ("checklists.yaml", "checklist")],
)
def test_each_form_process_checklist_appears_in_its_own_section(data_file: str, kind: str) -> None:
    by_label = {section.label: section for section in _all_sections() if section.label}
    problems = []
    for entry in _seq(data_file):
        section = by_label.get(str(entry["section"]))
        if section is None or not _directive_or_role_in(section.text, kind, str(entry["id"])):
            problems.append(f"{entry['id']} not used in section {entry['section']!r}")
    assert not problems, "\n".join(problems)


def test_share_groups_add_up_and_are_shown() -> None:
    source = _manual_source()
    for group in _seq("shares.yaml"):
        total = sum(float(part["percent"]) for part in group["parts"])
        assert abs(total - 100) < 1e-6, f"{group['id']}: parts add up to {total}%"
        assert re.search(rf":::\{{share-table\}}\s+{re.escape(group['id'])}", source), group["id"]


def test_revision_records_the_seed_decisions() -> None:
    """The first release (1.0), made from the seed document, records what was done with its conflicts."""
    revision = next(entry for entry in _seq("revisions.yaml") if str(entry["version"]) == "1.0")
    decisions = " ".join(revision["decisions"])
    for topic in ["110%", "系统操作问题", "70%", "未核实"]:
        assert topic in decisions, f"no recorded decision about {topic}"


# -- the built doctree -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_manual(tmp_path_factory: pytest.TempPathFactory) -> SphinxRun:
    """The real manual read by Sphinx (dummy builder: full doctrees and section numbers, no output)."""
    run = run_sphinx(ROOT, "dummy", outdir=tmp_path_factory.mktemp("real-manual") / "dummy")
    assert run.error is None, run.warnings
    return run


def _built_sections(run: SphinxRun) -> dict[str, tuple[int, ...] | None]:
    """Every section title in the built doctrees with the number Sphinx gave it."""
    env = run.app.env
    titles: dict[str, tuple[int, ...] | None] = {}
    for docname in sorted(env.found_docs):
        numbers = env.toc_secnumbers.get(docname, {})
        for section in env.get_doctree(docname).findall(nodes.section):
            is_top = section.parent is not None and isinstance(section.parent, nodes.document)
            anchor = "" if is_top else "#" + section["ids"][0]
            number = numbers.get(anchor)
            titles[section[0].astext()] = tuple(number) if number else None
    return titles


@pytest.mark.slow
def test_every_seed_section_is_in_the_built_doctree_with_the_seed_number(built_manual: SphinxRun) -> None:
    """Headings can exist in the source yet vanish from the build (toctree, a broken fence);
    the reader sees the doctree, numbered by Sphinx, so that is where each seed section must be."""
    built = _built_sections(built_manual)
    problems = []
    for number, title in _numbered_seed_titles(SEED_HEADINGS):
        if title not in built:
            problems.append(f"{'.'.join(map(str, number))} {title}: not a section of the built manual")
        elif built[title] != number:
            problems.append(f"{'.'.join(map(str, number))} {title}: Sphinx numbered it {built[title]}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_built_titles_carry_no_hand_typed_numbers(built_manual: SphinxRun) -> None:
    numbered_by_hand = [
        title
        for title in _built_sections(built_manual)
        if re.match(r"^(第\s*\d+\s*[章节]|\d+(\.\d+)*\s)", title)
    ]
    assert not numbered_by_hand, f"section numbers must come from Sphinx: {numbered_by_hand}"


@pytest.mark.slow
def test_revision_notes_show_every_recorded_decision(built_manual: SphinxRun) -> None:
    """8.2 is generated: each editorial decision in data/revisions.yaml reaches the reader."""
    env = built_manual.app.env
    shown = [
        re.sub(r"\s+", "", box.astext())
        for docname in sorted(env.found_docs)
        for box in env.get_doctree(docname).findall(nodes.container)
        if "mk-revisions" in box["classes"]
    ]
    assert shown, "no revision history in the manual"
    missing = [
        decision[:30]
        for revision in _seq("revisions.yaml")
        for decision in revision.get("decisions", [])
        if not any(re.sub(r"\s+", "", str(decision)) in text for text in shown)
    ]
    assert not missing, f"decisions not shown in 8.2: {missing}"
