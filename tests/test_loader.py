"""The data loader: every problem, all at once, each at its exact ``file:line:col``.

Each case starts from a small valid project (tests/fixtures/loader/valid), replaces one
data file with a few lines containing a mistake a writer could make, and checks the exact
line the writer will see.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manualkit.diagnostics import Diagnostic, SourceError
from manualkit.loader import DATA_CODES, load_data, load_or_raise, load_source
from manualkit.models import DATA_FILES, HOLIDAYS_FILE

VALID = Path(__file__).parent / "fixtures" / "loader" / "valid"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture project."""
    root = tmp_path / "project"
    shutil.copytree(VALID, root)
    return root


def write(project: Path, name: str, text: str) -> None:
    (project / "data" / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def lines(project: Path, name: str) -> list[str]:
    """Formatted diagnostics about ``data/<name>`` (replacing a file can orphan ids elsewhere)."""
    data, diagnostics = load_data(project / "data")
    assert data is None or not any(d.severity == "error" for d in diagnostics)
    return [d.format() for d in diagnostics if d.location.path == f"data/{name}"]


SLA_HEAD = """
- id: complaint.general.resolve
  name: 一般投诉办结
  start: 受理投诉
  end: 答复客户
  owner: complaint.handler
"""


def test_valid_fixture_loads_without_diagnostics() -> None:
    data, diagnostics = load_data(VALID / "data")
    assert diagnostics == []
    assert data is not None
    sla = data.sla("complaint.general.resolve")
    assert (sla.duration.value, sla.duration.unit) == (7, "working_days")
    # Dates may be written unquoted; times like 18:00 stay text (no YAML 1.1 sexagesimal 64800).
    assert data.revisions[0].approved_on.isoformat() == "2024-12-20"
    assert data.window("service.hours").closes == "18:00"


def test_yaml_syntax_error_points_at_the_parser_mark(project: Path) -> None:
    write(project, "roles.yaml", "- id: a\n  name: [x\n")
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:2:9: error DATA001 YAML syntax error: the bracket [ before 'x' is never closed "
        "(the file ends inside it): close it with ] on its line"
    ]


def test_control_character_and_second_document(project: Path) -> None:
    write(project, "roles.yaml", "- id: service.manager\n  name: 客服\x01经理\n")
    write(project, "glossary.yaml", "- {id: sla, term: 时限, definition: 定义}\n---\n- {id: b}\n")
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:2:11: error DATA001 YAML syntax error: character U+0001 is not allowed "
        "(control characters are not allowed)"
    ]
    assert lines(project, "glossary.yaml") == [
        "data/glossary.yaml:2:1: error DATA001 YAML syntax error: a data file holds one YAML document, "
        "but a second one starts here ('---')"
    ]


def test_wrong_type(project: Path) -> None:
    write(project, "slas.yaml", SLA_HEAD + "  duration:\n    value: seven\n    unit: working_days\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:7:12: error DATA002 slas[0].duration.value (complaint.general.resolve): "
        "expected an integer, found 'seven'"
    ]


def test_unknown_key_suggests_the_field(project: Path) -> None:
    write(project, "slas.yaml", SLA_HEAD + "  duration: {value: 7, unit: working_days}\n  sectoin: intro\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:7:3: error DATA003 slas[0].sectoin (complaint.general.resolve): "
        "unknown key 'sectoin' (did you mean 'section'?)"
    ]


def test_misspelt_required_key_is_one_error_not_two(project: Path) -> None:
    """'duraton' is unknown *and* 'duration' is missing: one mistake, reported once."""
    write(project, "slas.yaml", SLA_HEAD + "  duraton: {value: 7, unit: working_days}\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:6:3: error DATA003 slas[0].duraton (complaint.general.resolve): "
        "unknown key 'duraton' (did you mean 'duration'?)"
    ]
    # A key that resembles no missing one leaves both errors: they are two mistakes.
    write(project, "slas.yaml", SLA_HEAD + "  remark: 说明\n")
    assert [line.split(" error ")[1][:7] for line in lines(project, "slas.yaml")] == ["DATA004", "DATA003"]


def test_an_invalid_list_item_is_not_also_a_too_short_list(project: Path) -> None:
    """pydantic counts valid items only: one bad item also read "at least 1 item(s), found 1"."""
    head = "- id: CL-04-01\n  title: 清单\n  owner: complaint.handler\n  section: intro\n"
    write(project, "checklists.yaml", head + "  items:\n    - text: 核对\n      idx: 3\n")
    assert lines(project, "checklists.yaml") == [
        "data/checklists.yaml:7:7: error DATA003 checklists[0].items[0].idx (CL-04-01): unknown key 'idx'"
    ]
    write(project, "checklists.yaml", head + "  items: []\n")
    assert lines(project, "checklists.yaml") == [
        "data/checklists.yaml:5:10: error DATA002 checklists[0].items (CL-04-01): "
        "expected at least 1 item(s), found 0"
    ]


def test_bad_unit_lists_the_units_and_suggests_one(project: Path) -> None:
    write(project, "slas.yaml", SLA_HEAD + "  duration:\n    value: 7\n    unit: workdays\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:8:11: error DATA002 slas[0].duration.unit (complaint.general.resolve): "
        "expected one of 'working_days', "
        "'calendar_days', 'hours', 'minutes', 'months', 'years', found 'workdays' "
        "(did you mean 'working_days'?)"
    ]


def test_missing_required_key(project: Path) -> None:
    write(project, "slas.yaml", SLA_HEAD + "  duration:\n    value: 7\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:7:5: error DATA004 slas[0].duration (complaint.general.resolve): "
        "missing required key 'unit'"
    ]


def test_dangling_id_names_known_ids_and_the_closest(project: Path) -> None:
    write(
        project,
        "slas.yaml",
        SLA_HEAD.replace("complaint.handler", "complaint.handlr") + "  duration: {value: 7, unit: hours}\n",
    )
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:5:10: error DATA008 slas[0].owner (complaint.general.resolve): "
        "unknown role 'complaint.handlr' "
        "(did you mean 'complaint.handler'?); roles in data/roles.yaml: "
        "service.manager, complaint.handler, quality.officer"
    ]


def test_dangling_sla_from_another_file(project: Path) -> None:
    text = (VALID / "data" / "checklists.yaml").read_text(encoding="utf-8")
    write(
        project,
        "checklists.yaml",
        text.replace("sla: complaint.general.resolve", "sla: complaint.generl.resolve"),
    )
    (message,) = lines(project, "checklists.yaml")
    assert message.startswith(
        "data/checklists.yaml:11:12: error DATA008 checklists[0].items[1].sla (CL-04-01): "
    )
    assert "unknown SLA 'complaint.generl.resolve' (did you mean 'complaint.general.resolve'?)" in message


def test_branch_to_must_name_a_step_of_the_same_process(project: Path) -> None:
    text = (VALID / "data" / "processes.yaml").read_text(encoding="utf-8")
    write(project, "processes.yaml", text.replace("{to: escalate,", "{to: escalte,"))
    assert lines(project, "processes.yaml") == [
        "data/processes.yaml:16:16: error DATA008 processes[0].steps[1].next[1].to (complaint.handling): "
        "unknown step 'escalte' "
        "(did you mean 'escalate'?); steps in this process: intake, assess, escalate, resolve"
    ]


def test_duplicate_key_is_an_error(project: Path) -> None:
    write(project, "roles.yaml", "- id: service.manager\n  name: 客服经理\n  name: 经理\n")
    (message,) = [m for m in lines(project, "roles.yaml") if "DATA005" in m]
    assert message == (
        "data/roles.yaml:3:3: error DATA005 roles[0].name (service.manager): "
        "duplicate key 'name' (first at line 2); "
        "YAML would keep only the last"
    )


def test_duplicate_id(project: Path) -> None:
    write(
        project,
        "roles.yaml",
        "- {id: service.manager, name: 客服经理}\n- {id: service.manager, name: 经理}\n",
    )
    assert [m for m in lines(project, "roles.yaml") if "DATA007" in m] == [
        "data/roles.yaml:2:8: error DATA007 roles[1].id (service.manager): "
        "duplicate id 'service.manager' in roles (first at line 1)"
    ]


@pytest.mark.parametrize("word", ["no", "Yes", "ON", "off", "y", "N"])
def test_yaml11_booleans_are_errors(project: Path, word: str) -> None:
    text = (VALID / "data" / "forms.yaml").read_text(encoding="utf-8")
    write(project, "forms.yaml", text.replace("required: true", f"required: {word}"))
    assert lines(project, "forms.yaml") == [
        f"data/forms.yaml:11:17: error DATA006 forms[0].fields[0].required (F-04-01): "
        f"expected true/false or a "
        f"quoted string, found plain '{word}' (YAML 1.1 reads it as a boolean; write true/false, "
        f"or '{word}' for text)"
    ]


def test_quoted_yes_for_a_boolean_is_not_silently_true(project: Path) -> None:
    text = (VALID / "data" / "forms.yaml").read_text(encoding="utf-8")
    write(project, "forms.yaml", text.replace("required: true", 'required: "yes"'))
    assert lines(project, "forms.yaml") == [
        "data/forms.yaml:11:17: error DATA002 forms[0].fields[0].required (F-04-01): "
        "expected true or false, found 'yes'"
    ]


def test_integer_with_leading_zero(project: Path) -> None:
    write(project, "slas.yaml", SLA_HEAD + "  duration:\n    value: 010\n    unit: hours\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:7:12: error DATA006 slas[0].duration.value (complaint.general.resolve): "
        "integer with a leading zero '010' "
        "(YAML 1.1 reads it as octal): write 10, or quote it ('010') if it is text"
    ]


def test_float_where_an_integer_is_expected(project: Path) -> None:
    write(project, "slas.yaml", SLA_HEAD + "  duration: {value: 7.0, unit: hours}\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:6:21: error DATA002 slas[0].duration.value (complaint.general.resolve): "
        "expected an integer, found number 7.0"
    ]


def test_unquoted_version_must_be_quoted(project: Path) -> None:
    text = (VALID / "data" / "manual.yaml").read_text(encoding="utf-8")
    write(project, "manual.yaml", text.replace('version: "1.0"', "version: 1.10"))
    assert lines(project, "manual.yaml") == [
        "data/manual.yaml:7:10: error DATA002 version: "
        "expected a string, found number 1.10 (quote it: '1.10')"
    ]


def test_quoted_dates_are_fine_too(project: Path) -> None:
    text = (VALID / "data" / "manual.yaml").read_text(encoding="utf-8")
    write(project, "manual.yaml", text.replace("effective: 2025-01-01", 'effective: "2025-01-01"'))
    data, diagnostics = load_data(project / "data")
    assert diagnostics == []
    assert data is not None and data.meta.effective.year == 2025


def test_python_tags_are_refused_not_constructed(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write(project, "glossary.yaml", f'- !!python/object/apply:os.system ["touch {marker}"]\n')
    (message,) = lines(project, "glossary.yaml")
    assert message.startswith(
        "data/glossary.yaml:1:3: error DATA006 glossary[0]: unsupported YAML tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'"
    )
    assert not marker.exists()


def test_alias_bomb_is_stopped(project: Path) -> None:
    bomb = "- &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"- &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    write(project, "glossary.yaml", bomb)
    (message,) = lines(project, "glossary.yaml")
    assert "error DATA001 too many values (more than 50000)" in message


def test_misspelt_data_file_name_is_a_warning(project: Path) -> None:
    (project / "data" / "targets.yaml").rename(project / "data" / "target.yaml")
    data, diagnostics = load_data(project / "data")
    assert data is not None
    assert [d.format() for d in diagnostics] == [
        "data/target.yaml: warning DATA010 not a manualkit data file, ignored (did you mean 'targets.yaml'?)"
    ]


def test_missing_manual_yaml(project: Path) -> None:
    (project / "data" / "manual.yaml").unlink()
    assert [d.code for d in load_data(project / "data")[1]] == ["DATA009"]


def test_many_errors_across_files_in_one_run(project: Path) -> None:
    write(
        project,
        "slas.yaml",
        """
        - id: complaint.general.resolve
          name: 一般投诉办结
          duraton:
            value: 7
            unit: working_days
          start: 受理投诉
          end: 答复客户
          owner: complaint.handlr
        - id: complaint.callback
          name: 投诉回访
          duration: {value: 3.0, unit: workdays}
          start: 办结
          end: 回访
          owner: quality.officer
          note: no
          tags: [010]
        - id: complaint.callback
          name: 回访
          name: 回访二
          duration: {value: 5, unit: years, bound: at_least}
          start: 办结
          end: ""
          owner: service.manager
          source: cbirc
        """,
    )
    write(project, "manual.yaml", "title: 手册\nversion: 1.0\n")
    write(project, "glossary.yaml", "- id: sla\n  term: [x\n")
    data, diagnostics = load_data(project / "data")
    assert data is None
    found = {(d.location.path, d.location.line, d.code) for d in diagnostics}
    assert ("data/slas.yaml", 1, "DATA004") not in found  # 'duration' is the misspelt 'duraton'
    assert {
        ("data/slas.yaml", 3, "DATA003"),  # duraton (did you mean 'duration'?)
        ("data/slas.yaml", 8, "DATA008"),  # owner complaint.handlr
        ("data/slas.yaml", 11, "DATA002"),  # 3.0 and workdays
        ("data/slas.yaml", 15, "DATA006"),  # note: no
        ("data/slas.yaml", 16, "DATA006"),  # 010
        ("data/slas.yaml", 17, "DATA007"),  # duplicate id
        ("data/slas.yaml", 19, "DATA005"),  # duplicate key
        ("data/slas.yaml", 22, "DATA002"),  # empty end
        ("data/slas.yaml", 24, "DATA008"),  # unknown reference
        ("data/manual.yaml", 2, "DATA002"),  # version 1.0 unquoted
        ("data/manual.yaml", 1, "DATA004"),  # missing keys
        ("data/glossary.yaml", 2, "DATA001"),  # at the unclosed '['
        # forms.yaml still names records.retention, which no longer exists
        ("data/forms.yaml", 6, "DATA008"),
    } <= found
    assert sum(1 for d in diagnostics if d.location.line == 11 and d.location.path == "data/slas.yaml") == 2


def test_load_or_raise_carries_every_diagnostic(project: Path) -> None:
    write(project, "roles.yaml", "- {id: a, name: x, colour: red}\n- {id: b}\n")
    with pytest.raises(SourceError) as excinfo:
        load_or_raise(project / "data")
    codes = [d.code for d in excinfo.value.diagnostics]
    assert "DATA003" in codes and "DATA004" in codes
    assert "data/roles.yaml:1:20: error DATA003 roles[0].colour (a): unknown key 'colour'" in str(
        excinfo.value
    )


def test_paths_relative_to_a_given_root(project: Path) -> None:
    write(project, "glossary.yaml", "- {id: A, term: 术语, definition: 定义}\n")
    _, diagnostics = load_data(project / "data", root=project.parent)
    assert [d.location.path for d in diagnostics] == ["project/data/glossary.yaml"]


def test_load_source_locates_values_for_other_tools() -> None:
    source = load_source(VALID / "data")
    assert source.data is not None
    assert str(source.locate("slas", 0, "duration", "unit")) == "data/slas.yaml:5:11"
    assert str(source.locate("meta", "version")) == "data/manual.yaml:7:10"
    # An unknown key falls back to the nearest recorded value: the field mapping itself.
    assert str(source.locate("forms", 0, "fields", 1, "nonexistent")) == "data/forms.yaml:12:7"
    assert source.locate("nonexistent") is None


def test_every_code_is_documented() -> None:
    assert all(summary and explanation for summary, explanation in DATA_CODES.values())


# --------------------------------------------------------------------------- properties


def _check_locations(root: Path, diagnostics: list[Diagnostic]) -> None:
    known = {f"data/{name}" for name in (*DATA_FILES.values(), HOLIDAYS_FILE)}
    for diagnostic in diagnostics:
        assert diagnostic.code in DATA_CODES
        loc = diagnostic.location
        assert loc.path in known, diagnostic
        text = (root / loc.path).read_text(encoding="utf-8")
        assert 1 <= loc.line <= text.count("\n") + 2, diagnostic
        assert loc.column >= 1, diagnostic


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["slas.yaml", "manual.yaml", "processes.yaml", "holidays.yaml"]),
    text=st.text(alphabet=st.sampled_from([*"- :{}[]\n\t#&*!|>'\"%@`,?abyno01.\\投诉"]), max_size=80),
)
def test_arbitrary_yaml_text_never_raises(project: Path, name: str, text: str) -> None:
    (project / "data" / name).write_text(text, encoding="utf-8")
    data, diagnostics = load_data(project / "data")
    if data is None:
        assert diagnostics
    _check_locations(project, diagnostics)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 50),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.dates(),
)
_keys = st.sampled_from(["id", "name", "duration", "value", "unit", "owner", "tags", "kind", "start", "x"])
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_values)
def test_arbitrary_yaml_structures_never_raise(project: Path, value: object) -> None:
    import yaml

    (project / "data" / "slas.yaml").write_text(yaml.safe_dump([value], allow_unicode=True), encoding="utf-8")
    _, diagnostics = load_data(project / "data")
    _check_locations(project, diagnostics)


def test_two_thousand_lines_load_cleanly(project: Path) -> None:
    """A manual's worth of data (2k+ lines, many similar entries) loads without a false finding.

    Its speed is measured by ``make bench`` (check time includes loading), not here.
    """
    template = (VALID / "data" / "slas.yaml").read_text(encoding="utf-8")
    copies = [template]
    for n in range(1, 70):
        copies.append(
            template.replace("id: complaint.general.resolve", f"id: complaint.general.resolve{n}")
            .replace("id: complaint.callback", f"id: complaint.callback{n}")
            .replace("id: records.retention", f"id: records.retention{n}")
            .replace("  name: ", f"  name: 第{n}组")  # names are unique too (DATA011)
        )
    write(project, "slas.yaml", "".join(copies))
    total = sum(p.read_text(encoding="utf-8").count("\n") for p in (project / "data").glob("*.yaml"))
    assert total >= 2000
    data, diagnostics = load_data(project / "data")
    assert diagnostics == []
    assert data is not None and len(data.slas) == 3 * len(copies)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The data folders the loader reads and validates from here on (a cached load is not one)."""
    from manualkit import loader

    seen: list[Path] = []
    original = loader._LoadRun.load

    def counting(run: Any) -> Any:
        seen.append(run.data_dir)
        return original(run)

    monkeypatch.setattr(loader._LoadRun, "load", counting)
    return seen


def test_a_second_load_of_unchanged_files_is_not_read_again(project: Path, reads: list[Path]) -> None:
    """``manualkit build`` validates, then Sphinx and the builders load: one read suffices."""
    first, _ = load_data(project / "data")
    second, _ = load_data(project / "data")
    assert len(reads) == 1 and first is second and first is not None

    slas = project / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    slas.write_text(text + "\n# 备注\n", encoding="utf-8")  # an edit: another size
    edited, _ = load_data(project / "data")
    assert len(reads) == 2 and edited is not None

    replacement = slas.with_name("slas.yaml.new")
    replacement.write_text(text + "\n# 另注\n", encoding="utf-8")
    replacement.replace(slas)  # same size as the last edit, a new file (as editors save)
    load_data(project / "data")
    assert len(reads) == 3

    (project / "data" / "slas.yaml").rename(project / "data" / "sla.yaml")
    _, diagnostics = load_data(project / "data")  # a renamed file is news too
    assert len(reads) == 4
    assert any("did you mean 'slas.yaml'" in d.format() for d in diagnostics)

    load_source(project / "data")  # the checker wants the position maps: always read
    assert len(reads) == 5


def test_a_kept_load_serves_the_next_load_source_until_forgotten_or_changed(
    project: Path, reads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``manualkit build`` keeps its validating load for the checker it forks next."""
    from manualkit import loader

    monkeypatch.setattr(loader, "_kept_source", None)
    kept = load_source(project / "data", keep=True)
    assert load_source(project / "data") is kept and len(reads) == 1
    assert kept.locate("slas", 0, "id") is not None  # with its position maps

    slas = project / "data" / "slas.yaml"
    slas.write_text(slas.read_text(encoding="utf-8") + "\n# 备注\n", encoding="utf-8")
    changed = load_source(project / "data")  # an edited file is read again
    assert changed is not kept and len(reads) == 2

    load_source(project / "data", keep=True)
    loader.forget_kept_source()
    load_source(project / "data")
    assert len(reads) == 4


def test_chinese_wrapped_over_lines_reads_as_one_sentence(project: Path) -> None:
    """YAML folds a line break into a space; between Chinese characters that is a visible gap."""
    write(
        project,
        "glossary.yaml",
        """
        - id: sla
          term: 服务时限
          abbr: SLA
          english: Service Level Agreement
          definition: >-
            服务承诺的时间要求，
            以工作日计。超过时限的
            SLA 事项 须上报。
        - id: folded.plain
          term: 未加引号
          definition: 第一行
            第二行（ 原有空格 ）
            依据 GB/T
            35273
        """,
    )
    data, diagnostics = load_data(project / "data")
    assert diagnostics == [] and data is not None
    definitions = [term.definition for term in data.glossary]
    # Folds between Chinese characters or at full-width punctuation vanish; a fold between
    # Chinese and Latin text stays a space, and so does every space the writer typed.
    assert definitions == [
        "服务承诺的时间要求，以工作日计。超过时限的 SLA 事项 须上报。",
        "第一行第二行（ 原有空格 ）依据 GB/T 35273",
    ]


def test_a_tab_used_for_indentation_is_named(project: Path) -> None:
    write(project, "roles.yaml", "- id: service.manager\n\tname: 客服经理\n")
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:2:1: error DATA001 YAML syntax error: found a tab in the indentation: "
        "YAML cannot be indented with tabs, indent with spaces"
    ]
    write(project, "roles.yaml", "roles:\n\t- id: service.manager\n")
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:2:1: error DATA001 YAML syntax error: found a tab in the indentation: "
        "YAML cannot be indented with tabs, indent with spaces"
    ]


def test_bad_indentation_gets_a_hint(project: Path) -> None:
    write(
        project, "roles.yaml", "- id: service.manager\n  name: 客服经理\n - id: cs.agent\n   name: 客服专员\n"
    )
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:3:2: error DATA001 YAML syntax error: did not find expected '-' indicator "
        "(while parsing a block collection); check the indentation: the items ('-') of the list "
        "starting at line 1 are in column 1"
    ]


def test_a_reserved_character_is_shown_and_quoting_suggested(project: Path) -> None:
    write(project, "roles.yaml", "- id: service.manager\n  name: @客服经理\n")
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:2:9: error DATA001 YAML syntax error: found character '@' that cannot start "
        "a value (@ is reserved in YAML: quote the text)"
    ]


def test_yaml_messages_never_quote_pyyaml_internals() -> None:
    """Front matter and data files share the messages; lines are the file's own (offset)."""
    import yaml

    from manualkit.yamlsource import describe_yaml_error

    text = "owner: a\nsee:\n  - a\n - b\n"
    with pytest.raises(yaml.YAMLError) as info:
        yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    message, line, column = describe_yaml_error(info.value, text, line_offset=1)
    assert (line, column) == (5, 2)
    assert message.endswith(
        "check the indentation: the keys of the mapping starting at line 2 are in column 1"
    )
    assert "<unicode string>" not in message


# --------------------------------------------------------------------------- syntax errors at their cause


def test_an_unclosed_quote_is_reported_at_the_opening_quote(project: Path) -> None:
    """YAML reads on to the end of the file (or to the next quote mark): the writer must see the
    line where the quote was opened, not the end of the file."""
    write(project, "slas.yaml", SLA_HEAD.replace("name: 一般投诉办结", 'name: "一般投诉办结') + "  x: 1\n")
    assert lines(project, "slas.yaml") == [
        "data/slas.yaml:2:9: error DATA001 YAML syntax error: the quote \" before '一般投诉办结' is never "
        "closed (the file ends inside it): close it at the end of the text"
    ]
    roles = '- id: a\n  name: "经理\n- id: b\n  name: 主管\n- id: c\n  name: "专员"\n'
    write(project, "roles.yaml", roles)
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:2:9: error DATA001 YAML syntax error: the quote \" before '经理' is not closed on "
        'its line: YAML read everything up to the next " (line 6) as one text; close the quote on this line'
    ]


@pytest.mark.parametrize(
    ("value", "column", "closer", "hint"),
    [
        ("[complaint", 9, "]", ""),
        ("[complaint］", 9, "]", " (the full-width ］ is text to YAML: type ])"),
        ("{unit: working_days", 9, "}", ""),
    ],
)
def test_an_unclosed_bracket_is_reported_at_the_bracket(
    project: Path, value: str, column: int, closer: str, hint: str
) -> None:
    """YAML only noticed at the next line's key, and named neither the bracket nor what it found."""
    write(project, "roles.yaml", f"- id: a\n  tags: {value}\n  description: 说明\n")
    bracket = value[0]
    opening = value[1:]
    assert lines(project, "roles.yaml") == [
        f"data/roles.yaml:2:{column}: error DATA001 YAML syntax error: the bracket {bracket} before "
        f"{opening!r} is never closed (YAML read on to line 3: found ':', expected ',' or {closer!r}): "
        f"close it with {closer} on its line{hint}"
    ]


@pytest.mark.parametrize(
    ("line", "column", "hint"),
    [
        ("  name：经理", 7, "a full-width colon '：' is not a YAML separator; use ': '"),
        ("  name:经理", 7, "YAML needs a space after ':'; use ': '"),
    ],
)
def test_a_key_without_its_separator_is_reported_on_its_own_line(
    project: Path, line: str, column: int, hint: str
) -> None:
    """YAML only notices on the next line; the line to fix is the one with the key."""
    write(project, "roles.yaml", f"- id: a\n{line}\n  description: 说明\n")
    assert lines(project, "roles.yaml") == [
        f"data/roles.yaml:2:{column}: error DATA001 YAML syntax error: no ': ' after the key 'name', "
        f"so YAML reads the line as text: {hint}"
    ]
    write(project, "roles.yaml", "- id：a\n  name: 经理\n")
    assert lines(project, "roles.yaml") == [
        "data/roles.yaml:1:5: error DATA001 YAML syntax error: no ': ' after the key 'id', so YAML reads "
        "the line as text: a full-width colon '：' is not a YAML separator; use ': '"
    ]


# --------------------------------------------------------------------------- holidays.yaml


def test_holidays_file_is_validated_with_positions(project: Path) -> None:
    """data/holidays.yaml is read like every data file: an impossible date, a misspelt key, a year
    chinesecalendar already has and a date outside its year are each an error at its position."""
    write(
        project,
        "holidays.yaml",
        """
        - year: 2027
          source: 国务院办公厅通知
          holidays: [2027-01-01, 2027-02-30]
          workdays: [2028-01-02]
        - year: 2028
          source: 通知
          holidys: [2028-01-01]
        - year: 2026
          source: 通知
        """,
    )
    assert lines(project, "holidays.yaml") == [
        "data/holidays.yaml:3:26: error DATA002 holidays[0].holidays[1] (2027): "
        "expected a valid date YYYY-MM-DD, found '2027-02-30'",
        # The impossible date beside it does not hide it (tests/test_data_validation_rules.py).
        "data/holidays.yaml:4:14: error DATA002 holidays[0].workdays[0] (2027): "
        "expected a date in 2027, found 2028-01-02",
        "data/holidays.yaml:7:3: error DATA003 holidays[1].holidys (2028): "
        "unknown key 'holidys' (did you mean 'holidays'?)",
        "data/holidays.yaml:8:9: error DATA002 holidays[2].year (2026): year 2026 is already covered by "
        "chinesecalendar (2004–2026); remove this entry",
    ]
    write(project, "holidays.yaml", "- {year: 2027, source: 通知, workdays: [2028-01-02]}\n")
    assert lines(project, "holidays.yaml") == [
        "data/holidays.yaml:1:39: error DATA002 holidays[0].workdays[0] (2027): "
        "expected a date in 2027, found 2028-01-02"
    ]
    write(project, "holidays.yaml", "- year: 2027\n  source: 通知\n- year: 2027\n  source: 通知\n")
    assert lines(project, "holidays.yaml") == [
        "data/holidays.yaml:3:9: error DATA007 holidays[1].year (2027): duplicate year 2027 (first at line 1)"
    ]


def test_holidays_syntax_error_is_one_line_and_an_empty_file_is_fine(project: Path) -> None:
    write(project, "holidays.yaml", "- year: 2027\n  source: [通知\n")
    assert lines(project, "holidays.yaml") == [
        "data/holidays.yaml:2:11: error DATA001 YAML syntax error: the bracket [ before '通知' is never "
        "closed (the file ends inside it): close it with ] on its line"
    ]
    for empty in ("", "# nothing announced yet\n", "[]\n"):
        write(project, "holidays.yaml", empty)
        assert load_data(project / "data") == load_data(VALID / "data")


def test_duplicate_names_and_titles_are_errors_at_both_entries(project: Path) -> None:
    """Two SLAs named alike contradict each other; forms, checklists, processes and terms are
    found by title."""
    data = project / "data"
    for name, old, new in [
        (
            "slas.yaml",
            "- id: complaint.callback\n  name: 投诉回访",
            "- id: complaint.callback\n  name: 一般投诉办结",
        ),
        ("glossary.yaml", "", "- {id: sla.again, term: 服务时限, definition: 又一条。}\n"),
    ]:
        path = data / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, new) if old else text + new, encoding="utf-8")
    for name, old_id, new_id in [
        ("forms.yaml", "F-04-01", "F-04-02"),
        ("checklists.yaml", "CL-04-01", "CL-04-02"),
        ("processes.yaml", "complaint.handling", "complaint.again"),
    ]:
        path = data / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text + text.replace(f"- id: {old_id}", f"- id: {new_id}"), encoding="utf-8")
    _, diagnostics = load_data(data)
    assert [d.format() for d in diagnostics if d.code == "DATA011"] == [
        "data/checklists.yaml:13:10: error DATA011 checklists[1].title (CL-04-02): duplicate checklist title "
        "'投诉受理检查表' (first at line 2, CL-04-01): expected a title no other entry of "
        "data/checklists.yaml has",
        "data/forms.yaml:17:10: error DATA011 forms[1].title (F-04-02): duplicate form title "
        "'投诉受理登记表' (first at line 2, F-04-01): expected a title no other entry of data/forms.yaml has",
        "data/glossary.yaml:6:25: error DATA011 glossary[1].term (sla.again): duplicate glossary term "
        "'服务时限' (first at line 2, sla): expected a term no other entry of data/glossary.yaml has",
        "data/processes.yaml:26:10: error DATA011 processes[1].title (complaint.again): duplicate process "
        "title '投诉处理流程' (first at line 2, complaint.handling): expected a title no other entry of "
        "data/processes.yaml has",
        "data/slas.yaml:19:9: error DATA011 slas[1].name (complaint.callback): duplicate SLA name "
        "'一般投诉办结' (first at line 2, complaint.general.resolve): expected a name no other entry of "
        "data/slas.yaml has",
    ]
    assert "DATA011" in DATA_CODES


@pytest.mark.parametrize("state", ["missing", "empty", "directory"])
def test_a_missing_empty_or_directory_slas_file_is_one_error_at_that_file(project: Path, state: str) -> None:
    """Deleting data/slas.yaml gave dozens of DATA008 in the files citing SLAs and none at slas.yaml."""
    path = project / "data" / "slas.yaml"
    path.unlink()
    if state == "empty":
        path.write_text("# 时限\n", encoding="utf-8")
    elif state == "directory":
        path.mkdir()
    data, diagnostics = load_data(project / "data", root=project)
    assert data is None
    found = [d.format() for d in diagnostics]
    assert len(found) == 1, found
    assert found[0].startswith(
        {
            "missing": "data/slas.yaml: error DATA009 missing, but ",
            "empty": "data/slas.yaml:1:1: error DATA009 empty (no entries), but ",
            "directory": "data/slas.yaml: error DATA009 expected a YAML file, found a directory",
        }[state]
    )
    if state != "directory":
        assert "reference(s) in data/" in found[0] and "name SLAs (first: data/" in found[0]
