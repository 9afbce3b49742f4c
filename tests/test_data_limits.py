"""Limits on what the data loader reads: hostile data files give a located error, never a traceback
nor their contents in the (published) build log.

* a data file whose real path lies outside the project (a symbolic link to /etc/passwd) is not read;
* a message quotes at most an excerpt of a value (``'…'… (N characters)``);
* lists and mappings nest at most 50 levels (600 levels was a RecursionError);
* text holds no character XML 1.0 forbids (``"\\x01"`` passed ``data`` and broke ``build docx``);
* a data file is at most 4 MB and a text value at most 20 000 characters (a 31 MB definition made
  ``build all`` run for over ten minutes).
"""

from __future__ import annotations

import inspect
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from manualkit import yamlsource
from manualkit.diagnostics import Diagnostic
from manualkit.loader import load_data, load_holidays

VALID = Path(__file__).parent / "fixtures" / "loader" / "valid"
SECRET = "MK-OUTSIDE-SECRET"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture project (the root holds data/ only)."""
    root = tmp_path / "project"
    shutil.copytree(VALID, root)
    return root


def write(project: Path, name: str, text: str) -> None:
    (project / "data" / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def load(project: Path) -> list[Diagnostic]:
    data, diagnostics = load_data(project / "data", root=project)
    assert data is None or not any(d.severity == "error" for d in diagnostics)
    return diagnostics


def lines(project: Path, name: str) -> list[str]:
    """Formatted diagnostics about ``data/<name>``."""
    return [d.format() for d in load(project) if d.location.path == f"data/{name}"]


def outside_file(tmp_path: Path, text: str) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    path = outside / "leak.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- 1. files outside the project ------------------------------------------------------------------

PASSWD = f"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:{SECRET}:/usr/sbin:/usr/sbin/nologin\n"
#: A valid glossary: read "without complaint" through a link before.
OUTSIDE_GLOSSARY = f"- id: leak\n  term: 外部\n  definition: {SECRET}\n"


@pytest.mark.parametrize("text", [PASSWD, OUTSIDE_GLOSSARY], ids=["passwd", "valid-yaml"])
def test_a_data_file_linked_from_outside_the_project_is_not_read(
    project: Path, tmp_path: Path, text: str
) -> None:
    target = outside_file(tmp_path, text)
    (project / "data" / "glossary.yaml").unlink()
    os.symlink(target, project / "data" / "glossary.yaml")
    diagnostics = load(project)
    assert [d.format() for d in diagnostics] == [
        f"data/glossary.yaml:1:1: error DATA009 refusing to read this file: a symbolic link leads it "
        f"to {target.resolve()}, outside the data directory; expected a file in the data directory "
        "(copy it in instead of linking it)"
    ]
    assert not any(SECRET in d.message or "root:x" in d.message for d in diagnostics)


def test_holidays_linked_from_outside_the_project_are_not_read(project: Path, tmp_path: Path) -> None:
    target = outside_file(tmp_path, f"- year: 2099\n  source: {SECRET}\n  holidays: []\n  workdays: []\n")
    os.symlink(target, project / "data" / "holidays.yaml")
    schedules, diagnostics = load_holidays(project / "data", root=project)
    assert schedules == ()
    assert [(d.code, d.location.path, d.location.line) for d in diagnostics] == [
        ("DATA009", "data/holidays.yaml", 1)
    ]
    assert "outside the data directory" in diagnostics[0].message and SECRET not in diagnostics[0].message


def test_a_data_folder_linked_from_outside_the_project_is_one_error(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.move(project / "data", outside)
    os.symlink(outside, project / "data")
    diagnostics = load(project)
    assert len(diagnostics) == 1 and diagnostics[0].code == "DATA009"
    assert diagnostics[0].message.startswith(
        f"refusing to read the data directory: it is {outside.resolve()}, outside the project"
    )


def test_a_link_to_another_file_of_the_project_is_refused(project: Path) -> None:
    """``data/glossary.yaml -> ../.env`` printed the project's secrets in the check's log."""
    (project / ".env").write_text("DB_PASSWORD=hunter2SECRET\n", encoding="utf-8")
    (project / "data" / "glossary.yaml").unlink()
    os.symlink(Path("..") / ".env", project / "data" / "glossary.yaml")
    (found,) = lines(project, "glossary.yaml")
    assert "outside the data directory" in found and "hunter2SECRET" not in found


def test_a_link_inside_the_data_directory_is_still_read(project: Path) -> None:
    shared = project / "data" / "shared"
    shared.mkdir()
    shutil.move(project / "data" / "glossary.yaml", shared / "glossary.yaml")
    os.symlink(Path("shared") / "glossary.yaml", project / "data" / "glossary.yaml")
    data, diagnostics = load_data(project / "data", root=project)
    assert diagnostics == [] and data is not None and data.glossary


def test_a_symbolic_link_loop_is_an_error_not_a_traceback(project: Path) -> None:
    (project / "data" / "glossary.yaml").unlink()
    os.symlink("glossary.yaml", project / "data" / "glossary.yaml")
    assert lines(project, "glossary.yaml") == [
        "data/glossary.yaml:1:1: error DATA009 cannot read this file: a symbolic link loop"
    ]


# -- 1b. no message quotes a whole value -----------------------------------------------------------


def test_a_file_of_text_is_quoted_as_an_excerpt(project: Path) -> None:
    body = "root:x:0:0:root:/root:/bin/bash " * 100  # one plain scalar of 3 200 characters
    write(project, "glossary.yaml", body + "\n")
    assert lines(project, "glossary.yaml") == [
        "data/glossary.yaml:1:1: error DATA002 glossary: expected a list of glossary (each entry "
        "starting with '- '), found 'root:x:0:0:root:/root:/bin/bash root:x:0:0:root:/root:/bin/b'… "
        "(3199 characters)"
    ]


LONG = "长" * 19_000  # under the 20 000-character limit: read, then quoted in a message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("glossary.yaml", f"{LONG}\n"),  # a file of text where a list is expected
        ("roles.yaml", f"- id: {LONG}\n  name: 客服经理\n"),  # an id that does not match its pattern
        ("roles.yaml", f"- id: service.manager\n  name: 客服经理\n  ? {LONG}\n  : 1\n"),  # an unknown key
        ("roles.yaml", f"- id: service.manager\n  name: 客服经理\n  ? {LONG}\n  : 1\n  ? {LONG}\n  : 2\n"),
        ("slas.yaml", f"- id: a.b\n  name: x\n  duration: {{value: 1, unit: {LONG}}}\n"),  # not an option
        ("windows.yaml", f"- id: w\n  name: x\n  opens: '{LONG}'\n"),  # not a time
        ("manual.yaml", f"title: t\nversion: {'9' * 5000}.5\n"),  # a number written with 5 000 digits
        ("manual.yaml", f"title: t\neffective: 2025-01-01 00:00:00.{'1' * 10_000}\n"),  # a long timestamp
        ("manual.yaml", f"title: t\nsubtitle: 0{'1' * 10_000}\n"),  # a leading zero
        ("manual.yaml", f"title: t\nsubtitle: !{'t' * 10_000} x\n"),  # a tag
        ("glossary.yaml", f"- id: {'a' * 19_000}\n  term: 术语\n  definition: 定义\n" * 2),  # duplicate id
        (
            "slas.yaml",  # an unknown role
            f"- id: a.b\n  name: x\n  start: s\n  end: e\n  owner: complaint.{'x' * 19_000}\n"
            "  duration: {value: 7, unit: working_days}\n",
        ),
    ],
    ids=[
        "text",
        "pattern",
        "unknown-key",
        "duplicate-key",
        "literal",
        "time",
        "number",
        "timestamp",
        "leading-zero",
        "tag",
        "duplicate-id",
        "dangling-id",
    ],
)
def test_no_message_quotes_more_than_an_excerpt_of_a_value(project: Path, name: str, text: str) -> None:
    write(project, name, text)
    diagnostics = [d for d in load(project) if d.location.path == f"data/{name}"]
    assert diagnostics
    for diagnostic in diagnostics:
        assert len(diagnostic.message) < 400, diagnostic.message[:400]


# -- 2. nesting ------------------------------------------------------------------------------------


def nested(levels: int) -> str:
    return "x: " + "[" * levels + "]" * levels + "\n"


@pytest.mark.parametrize("levels", [51, 600, 999])
def test_deep_nesting_is_a_located_error_not_a_traceback(project: Path, levels: int) -> None:
    """``x: [[[…]]]`` in manual.yaml: the root mapping is level 1, the first list level 2."""
    head = (project / "data" / "manual.yaml").read_text(encoding="utf-8")
    row = head.count("\n") + 1
    write(project, "manual.yaml", head + nested(levels))
    assert lines(project, "manual.yaml") == [
        f"data/manual.yaml:{row}:1: error DATA003 x: unknown key 'x'",
        f"data/manual.yaml:{row}:53: error DATA001 x[0][0][0][0][0][0]…[0][0][0]: lists and mappings "
        f"nested {levels + 1} levels deep; at most 50 levels are allowed (level 51 starts here)",
    ]


def test_nesting_built_from_aliases_is_refused_too(project: Path) -> None:
    text = "title: t\na: &a [[[[[[[[[[1]]]]]]]]]]\n"
    for name, before in zip("bcdef", "abcde", strict=True):
        text += f"{name}: &{name} [[[[[[[[[[*{before}]]]]]]]]]]\n"
    write(project, "manual.yaml", text)
    # e is 1 + 5 × 10 levels deep, f 61: each is refused where its level 51 lies (in a's or b's list).
    assert [d.format() for d in load(project) if d.code == "DATA001"] == [
        f"data/manual.yaml:{line}:16: error DATA001 {key}[0][0][0][0][0][0]…[0][0][0]: lists and mappings "
        f"nested {levels} levels deep; at most 50 levels are allowed (level 51 starts here)"
        for line, key, levels in [(2, "e", 51), (3, "f", 61)]
    ]


def test_the_deepest_nesting_allowed_leaves_recursion_headroom(project: Path) -> None:
    """50 levels load well within Python's recursion limit: every recursive walk of a value
    (the YAML conversion, the leaves, pydantic) together needs less than 200 frames, so a load
    from deep inside Sphinx's stack cannot overflow."""
    head = (project / "data" / "manual.yaml").read_text(encoding="utf-8")
    block = "".join("  " * i + f"k{i}:\n" for i in range(48)) + "  " * 48 + "- [v]\n"
    write(project, "manual.yaml", head + nested(49) + block)  # 50 levels, flow and block style
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 200)
    try:
        diagnostics = load(project)
    finally:
        sys.setrecursionlimit(saved)
    assert [d.message for d in diagnostics] == ["x: unknown key 'x'", "k0: unknown key 'k0'"]


def test_the_pure_python_composer_stops_at_the_limit_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, PyYAML composes recursively (600 levels overflowed in yaml.compose)."""
    rules = getattr(yamlsource, "_Rules", None)  # the loader's own rules, on PyYAML's composer
    bases = (rules, yaml.SafeLoader) if rules is not None else (yaml.SafeLoader,)
    monkeypatch.setattr(yamlsource, "_Loader", type("PureLoader", bases, {}))
    assert yamlsource.read_yaml(nested(49)).problems == []
    document = yamlsource.read_yaml(nested(600))
    assert [(p.code, p.line, p.column, p.message) for p in document.problems] == [
        (
            "DATA001",
            1,
            53,
            "lists and mappings nested more than 50 levels deep; at most 50 levels are allowed "
            "(level 51 starts here)",
        )
    ]


# -- 3. characters XML cannot hold -----------------------------------------------------------------


def test_a_control_character_escape_is_refused_where_it_is(project: Path) -> None:
    text = (VALID / "data" / "forms.yaml").read_text(encoding="utf-8")
    assert "  title: 投诉受理登记表\n" in text
    write(project, "forms.yaml", text.replace("title: 投诉受理登记表", 'title: "客户信息变更\\x01登记表"', 1))
    assert lines(project, "forms.yaml") == [
        "data/forms.yaml:2:10: error DATA002 forms[0].title (F-04-01): expected text without control "
        "characters, found U+0001 (a control character) at character 7, after '客户信息变更': remove it "
        "(the DOCX and HTML outputs cannot hold it)"
    ]


@pytest.mark.parametrize(
    ("escape", "named"),
    [
        ("\\0", "U+0000 (a control character)"),
        ("\\b", "U+0008 (a control character)"),
        ("\\v", "U+000B (a control character)"),
        ("\\e", "U+001B (a control character)"),
        ("\\x1f", "U+001F (a control character)"),
        ("\\uFFFE", "U+FFFE (a noncharacter)"),
        ("\\uFFFF", "U+FFFF (a noncharacter)"),
    ],
)
def test_every_character_xml_forbids_is_refused(project: Path, escape: str, named: str) -> None:
    write(project, "roles.yaml", f'- id: service.manager\n  name: "{escape}客服经理{escape}"\n')
    assert lines(project, "roles.yaml") == [
        f"data/roles.yaml:2:9: error DATA002 roles[0].name (service.manager): expected text without "
        f"control characters, found {named} at character 1, at its start (and 1 more): remove it "
        "(the DOCX and HTML outputs cannot hold it)"
    ]


def test_tabs_and_line_breaks_in_text_are_fine(project: Path) -> None:
    write(project, "roles.yaml", '- id: service.manager\n  name: "客服\\t经理\\r\\n"\n')
    assert lines(project, "roles.yaml") == []


def test_a_key_with_a_control_character_is_named_safely(project: Path) -> None:
    write(project, "roles.yaml", '- id: service.manager\n  name: 客服经理\n  "\\e[31mred": x\n')
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:3:3: error DATA002 roles[0].'\\x1b[31mred' (service.manager): expected a key "
        "without control characters, found U+001B (a control character) at character 1, at its start: "
        "remove it (the DOCX and HTML outputs cannot hold it)"
    ]


def test_a_lone_surrogate_is_named() -> None:
    """libyaml refuses a surrogate escape itself; PyYAML's reader lets ``"\\ud800"`` through."""
    assert yamlsource.not_xml_text("ab\ud800") == (
        "U+D800 (half of a surrogate pair, not a character) at character 3, after 'ab'"
    )


# -- 4. sizes --------------------------------------------------------------------------------------


def test_a_data_file_over_the_size_limit_is_not_parsed(project: Path) -> None:
    size = 4 * 2**20 + 1
    write(project, "glossary.yaml", "- [" + "x" * (size - 4) + "\n")  # not even valid YAML
    assert lines(project, "glossary.yaml") == [
        "data/glossary.yaml:1:1: error DATA009 file too large: expected at most 4 MB (4194304 bytes), "
        f"found 4.0 MB ({size} bytes); not read (a manual's data files are a few tens of KB: "
        "is this the right file?)"
    ]


def test_a_data_file_at_the_size_limit_is_read(project: Path) -> None:
    text = (VALID / "data" / "glossary.yaml").read_text(encoding="utf-8")
    padding = 4 * 2**20 - len(text.encode("utf-8")) - 1
    write(project, "glossary.yaml", text + "#" + "x" * (padding - 1) + "\n")
    assert (project / "data" / "glossary.yaml").stat().st_size == 4 * 2**20
    assert lines(project, "glossary.yaml") == []


def test_a_text_over_the_length_limit_is_refused(project: Path) -> None:
    write(project, "glossary.yaml", "- id: big\n  term: 巨大\n  definition: " + "定" * 20_001 + "\n")
    assert lines(project, "glossary.yaml") == [
        "data/glossary.yaml:3:15: error DATA002 glossary[0].definition (big): expected text of at most "
        "20000 characters, found 20001 characters"
    ]
    write(project, "glossary.yaml", "- id: big\n  term: 巨大\n  definition: " + "定" * 20_000 + "\n")
    assert lines(project, "glossary.yaml") == []


# -- 5. a flowchart Graphviz lays out in a moment ---------------------------------------------------


def _process(steps: int, branches: int) -> str:
    """A process of ``steps`` steps, each branching ``branches`` ways and to its end step."""
    rows = []
    for i in range(steps):
        nexts = [f"{{to: s{(i + k) % steps}, when: 条件{k}}}" for k in range(1, branches + 1)]
        nexts.append("{to: done, when: 完成}")
        rows.append(
            f"    - {{id: s{i}, name: 步骤{i}, owner: complaint.handler, next: [{', '.join(nexts)}]}}"
        )
    rows.append("    - {id: done, name: 结束, owner: complaint.handler, end: true}")
    head = "- id: dense.chart\n  title: 稠密流程\n  owner: service.manager\n  section: complaint-handling\n"
    return head + "  steps:\n" + "\n".join(rows) + "\n"


def test_a_process_too_dense_to_lay_out_is_refused(project: Path) -> None:
    """80 steps branching 30 ways kept dot busy for six minutes: the flowchart has no time limit."""
    write(project, "processes.yaml", _process(20, 6))  # 20 × 7 = 140 transitions
    (found,) = lines(project, "processes.yaml")
    assert "error DATA002 processes[0].steps (dense.chart): expected at most 120 transitions" in found
    assert "found 140" in found
    write(project, "processes.yaml", _process(2, 9))  # 10 branches on a step
    assert any("expected at most 8 item(s), found 10" in line for line in lines(project, "processes.yaml"))
    write(project, "processes.yaml", _process(15, 6))  # 105 transitions: drawn
    assert lines(project, "processes.yaml") == []
