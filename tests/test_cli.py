"""The ``manualkit`` command line: help, data validation, builds and atomic publication."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from manualkit import cli
from manualkit.diagnostics import Diagnostic, Location, Reporter, log_to_sphinx

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    """A writable copy of the minimal project (plain MyST, no manualkit extension)."""
    root = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", root)
    return root


def run_manualkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m manualkit …`` in a real process (what a writer runs)."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "tools"))
    return subprocess.run(
        [sys.executable, "-m", "manualkit", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
        timeout=300,
    )


def test_help_lists_the_subcommands() -> None:
    result = run_manualkit("--help")
    assert result.returncode == 0
    for command in ("build", "data", "serve"):
        assert command in result.stdout
    assert "--project DIR" in result.stdout


def test_build_help_names_the_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["build", "--help"])
    assert excinfo.value.code == 0
    assert "{html,pdf,docx,all}" in capsys.readouterr().out


def test_not_a_project_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--project", str(tmp_path), "data"]) == 2
    err = capsys.readouterr().err
    assert "not a manualkit project (no conf.py and no manual)" in err


def test_data_on_broken_fixture_prints_one_precise_line() -> None:
    result = run_manualkit("--project", str(FIXTURES / "broken-data"), "data")
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "data/slas.yaml:5:11: error DATA002 slas[0].duration.unit (complaint.general.resolve): "
        "expected one of 'working_days', "
        "'calendar_days', 'hours', 'minutes', 'months', 'years', found 'workdays' "
        "(did you mean 'working_days'?)",
        "1 error(s), 0 warning(s), 0 info",
    ]


def test_data_project_option_after_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["data", "--project", str(FIXTURES / "basic")]) == 0
    assert capsys.readouterr().out.startswith("data OK: 3 roles, 3 slas")


def test_data_json_and_github_formats(capsys: pytest.CaptureFixture[str]) -> None:
    project = str(FIXTURES / "broken-data")
    assert cli.main(["--project", project, "data", "--format", "json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["errors"] == 1
    (finding,) = document["findings"]
    assert (finding["path"], finding["line"], finding["column"], finding["code"]) == (
        "data/slas.yaml",
        5,
        11,
        "DATA002",
    )

    assert cli.main(["--project", project, "data", "--format", "github"]) == 2
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(
        "::error file=data/slas.yaml,line=5,col=11,title=DATA002::DATA002 slas[0].duration.unit"
    )


def test_data_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--project", str(FIXTURES / "basic"), "data", "--explain", "data005"]) == 0
    assert capsys.readouterr().out.startswith("DATA005: duplicate key\n")
    assert cli.main(["--project", str(FIXTURES / "basic"), "data", "--explain", "DATA999"]) == 2


def test_reporter_relativises_paths_and_summarises(tmp_path: Path) -> None:
    stream = io.StringIO()
    reporter = Reporter(stream, "text", root=tmp_path)
    far = Diagnostic("MK601", "warning", "全角标点", Location(str(tmp_path / "manual" / "01.md"), 3, 7))
    near = Diagnostic("DATA002", "error", "x: expected …", Location("data/slas.yaml", 2, 1))
    reporter.report([far, near])
    reporter.close()
    assert stream.getvalue().splitlines() == [
        "data/slas.yaml:2:1: error DATA002 x: expected …",
        "manual/01.md:3:7: warning MK601 全角标点",
        "1 error(s), 1 warning(s), 0 info",
    ]
    assert reporter.has_errors


def test_log_to_sphinx_passes_location_and_subtype() -> None:
    calls: list[tuple[str, dict[str, object]]] = []

    class FakeLogger:
        def warning(self, msg: str, *args: object, **kwargs: object) -> None:
            calls.append((msg, kwargs))

        def info(self, msg: str, *args: object, **kwargs: object) -> None:
            calls.append((msg, kwargs))

    log_to_sphinx([Diagnostic("MK103", "error", "期限不一致", Location("manual/04.md", 12, 3))], FakeLogger())
    assert calls == [
        ("MK103 期限不一致", {"location": "manual/04.md:12:3", "type": "manualkit", "subtype": "MK103"})
    ]


def test_bad_source_date_epoch_is_refused(basic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert cli.main(["--project", str(basic), "build", "html", "--no-check"]) == 2
    assert not (basic / "build" / "html").exists()


def test_build_stops_on_invalid_data_before_sphinx(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / "data" / "roles.yaml").write_text("- id: service.manager\n  name: [经理\n", encoding="utf-8")
    assert cli.main(["--project", str(basic), "build", "html"]) == 2
    err = capsys.readouterr().err
    assert "data/roles.yaml:2:9: error DATA001 YAML syntax error: the bracket [ before" in err
    assert "Traceback" not in err
    assert not (basic / "build").exists()


def test_build_refuses_a_chapter_not_saved_as_utf8_with_one_line(
    basic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chapter saved as GBK printed one Sphinx warning per undecodable byte (2.5 MB for one
    chapter), burying the checker's one MK003 line."""
    chapter = next(p for p in sorted((basic / "manual").glob("*.md")) if p.name != "index.md")
    chapter.write_bytes(chapter.read_text(encoding="utf-8").encode("gb18030"))
    assert cli.main(["--project", str(basic), "build", "docx"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) <= 3, err[:2000]
    assert f"manual/{chapter.name}:" in err and "error MK003" in err and "GB" in err
    assert "undecodable" not in err
    assert not (basic / "build" / "docx").exists()


@pytest.mark.slow
def test_the_published_site_does_not_depend_on_where_the_project_is_checked_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sphinx's ``.buildinfo`` hashes config values holding absolute paths (templates, static
    files, the search dictionary): two clones published different bytes in build/html."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    sites = []
    for where in (tmp_path / "a", tmp_path / "b" / "deeper" / "clone"):
        shutil.copytree(FIXTURES.parent / "writer" / "mini", where)
        assert cli.main(["--project", str(where), "build", "html", "--no-check"]) == 0
        html = where / "build" / "html"
        assert (html / "index.html").is_file()
        sites.append({p.relative_to(html): p.read_bytes() for p in html.rglob("*") if p.is_file()})
    assert sites[0].keys() == sites[1].keys()
    assert [name for name in sites[0] if sites[0][name] != sites[1][name]] == []
    assert Path(".buildinfo") not in sites[0], "Sphinx's build info stays in the work folder"


@dataclasses.dataclass(frozen=True)
class _FakeReport:
    diagnostics: tuple[Diagnostic, ...]

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def summary(self) -> str:
        return f"{len(self.diagnostics)} error(s)"


def test_build_refuses_to_publish_when_the_checker_reports_errors(
    basic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    finding = Diagnostic(
        "MK103", "error", "7个工作日 contradicts the SLA (15天)", Location("manual/02-complaints.md", 9, 1)
    )
    calls = basic.parent / "checker-calls.txt"

    def fake_run_checks(root: Path, **_: Any) -> _FakeReport:
        # The checker may run in a child process (beside the build): record the call in a file.
        with calls.open("a", encoding="utf-8") as log:
            log.write(f"{root}\n")
        return _FakeReport((finding,))

    monkeypatch.setattr(cli, "_checker", lambda: fake_run_checks)
    assert cli.main(["--project", str(basic), "build", "html"]) == 1
    err = capsys.readouterr().err
    assert "manual/02-complaints.md:9:1: error MK103 7个工作日 contradicts the SLA (15天)" in err
    assert "refusing to publish" in err
    assert calls.read_text(encoding="utf-8").splitlines() == [str(basic.resolve())]
    assert not (basic / "build" / "html").exists()


def test_a_crashing_checker_stops_the_build_without_a_traceback(
    basic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_run_checks(root: Path, **_: Any) -> _FakeReport:
        raise KeyError("complaint.general.resolve")

    monkeypatch.setattr(cli, "_checker", lambda: broken_run_checks)
    assert cli.main(["--project", str(basic), "build", "html"]) == 1
    err = capsys.readouterr().err
    assert "manualkit: the checker failed: KeyError: 'complaint.general.resolve'" in err
    assert "Traceback" not in err
    assert not (basic / "build" / "html").exists()


@pytest.mark.parametrize("output", ["pdf", "docx"])
def test_pdf_and_docx_are_not_published_when_the_checker_reports_errors(
    basic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    # They build while the checker runs (as HTML does); the verdict decides publication.
    finding = Diagnostic("MK103", "error", "contradiction", Location("manual/02-complaints.md", 9, 1))
    monkeypatch.setattr(cli, "_checker", lambda: lambda root, **_: _FakeReport((finding,)))
    assert cli.main(["--project", str(basic), "build", output]) == 1
    out, err = capsys.readouterr()
    assert "refusing to publish" in err
    assert out == ""
    assert not (basic / "build" / output).exists()


def test_the_checker_beside_a_build_yields_the_cpu_to_it(
    basic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """At equal priority the checker took a third of a core from a large manual's two readers."""

    def reporting_niceness(root: Path, **_: Any) -> _FakeReport:
        niceness = os.nice(0)
        return _FakeReport((Diagnostic("MK999", "warning", f"niceness {niceness}", Location("data/x.yaml")),))

    monkeypatch.setattr(cli, "_checker", lambda: reporting_niceness)
    assert cli.main(["--project", str(basic), "build", "html"]) == 0
    found = re.search(r"niceness (\d+)", capsys.readouterr().err)
    assert found, "the checker's finding was not printed"
    # The checker runs CHECKER_NICENESS below the build (which keeps its own priority).
    assert int(found.group(1)) == min(19, os.nice(0) + cli.CHECKER_NICENESS) and cli.CHECKER_NICENESS > 0


def test_the_checker_beside_a_build_uses_the_data_the_build_validated(
    basic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not read and validated a second time: 0.11 s of CPU at 10×, on cores the build keeps busy."""
    from manualkit import loader

    def reporting_reads(root: Path, **_: Any) -> _FakeReport:
        reads: list[object] = []
        original = loader._LoadRun.load

        def counting(run: Any) -> Any:
            reads.append(run)
            return original(run)

        loader._LoadRun.load = counting  # type: ignore[method-assign]  # the checker's process only
        source = loader.load_source(root / "data", root=root)
        message = f"reads {len(reads)} located {source.locate('slas', 0, 'id') is not None}"
        return _FakeReport((Diagnostic("MK999", "warning", message, Location("data/x.yaml")),))

    monkeypatch.setattr(cli, "_checker", lambda: reporting_reads)
    assert cli.main(["--project", str(basic), "build", "html"]) == 0
    assert "reads 0 located True" in capsys.readouterr().err
    assert loader._kept_source is None  # not kept through the build


def test_a_checker_process_that_dies_stops_publication(
    basic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def dying_run_checks(root: Path, **_: Any) -> _FakeReport:
        os._exit(3)

    monkeypatch.setattr(cli, "_checker", lambda: dying_run_checks)
    assert cli.main(["--project", str(basic), "build", "html"]) == 1
    err = capsys.readouterr().err
    assert "manualkit: the checker failed: the checker process ended with status 3" in err
    assert not (basic / "build" / "html").exists()


def test_serve_watches_data_and_templates(basic: Path) -> None:
    (basic / "templates").mkdir()
    args = argparse.Namespace(project=str(basic), host="127.0.0.1", port=0, no_check=True, open_browser=False)
    argv = cli.serve_arguments(args)
    assert argv[0] == str(basic.resolve() / "manual")
    watched = [argv[i + 1] for i, a in enumerate(argv) if a == "--watch"]
    assert watched == [str(basic.resolve() / "data"), str(basic.resolve() / "templates")]
    assert "--pre-build" not in argv


BAD_HOLIDAYS = "- year: 2027\n  source: x\n  holidays: [2027-01-01, 2027-02-30]\n  workdays: []\n"
BAD_HOLIDAYS_LINE = (
    "data/holidays.yaml:3:26: error DATA002 holidays[0].holidays[1] (2027): "
    "expected a valid date YYYY-MM-DD, found '2027-02-30'"
)


def test_data_and_build_report_a_bad_holidays_file(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """holidays.yaml is a data file like the others: `data` and `build` stop on it (exit 2)."""
    (basic / "data" / "holidays.yaml").write_text(BAD_HOLIDAYS, encoding="utf-8")
    result = run_manualkit("--project", str(basic), "data")
    assert result.returncode == 2
    assert result.stdout.splitlines() == [BAD_HOLIDAYS_LINE, "1 error(s), 0 warning(s), 0 info"]
    assert cli.main(["--project", str(basic), "build", "html"]) == 2
    err = capsys.readouterr().err
    assert BAD_HOLIDAYS_LINE in err.splitlines()
    assert "Traceback" not in err and "checker failed" not in err
    assert not (basic / "build").exists()


class _FakeAutobuild:
    """Stands in for sphinx-autobuild's builder: records each build it is asked for."""

    uri = "http://127.0.0.1:8765"

    def __init__(self) -> None:
        self.calls: list[list[Path]] = []

    def __call__(self, *, changed_paths: list[Path]) -> None:
        self.calls.append(list(changed_paths))


def test_serve_rebuilds_only_valid_data_and_prints_its_errors_once(basic: Path) -> None:
    """Invalid data: its errors once, no Sphinx run (whose crash report had a traceback), an error
    page while no build exists yet; valid again: the page goes and the build runs."""
    import pickle

    html_dir = basic / "build" / ".work" / "serve" / "html"
    fake = _FakeAutobuild()
    build = cli.ServeBuild(fake, basic, html_dir)
    # sphinx-autobuild pickles the builder into a worker process for every rebuild.
    assert pickle.loads(pickle.dumps(build)).root == basic
    slas = basic / "data" / "slas.yaml"
    good = slas.read_text(encoding="utf-8")
    slas.write_text(good.replace("working_days", "workdays", 1), encoding="utf-8")
    out = io.StringIO()
    assert not cli.serve_data_ok(basic, out, url=fake.uri, html_dir=html_dir)
    printed = out.getvalue().splitlines()
    assert [line for line in printed if "error DATA002" in line] == [
        next(line for line in printed if line.startswith("data/slas.yaml:"))
    ]
    assert printed[-1].startswith(
        "manualkit: invalid data, not rebuilt: the preview at http://127.0.0.1:8765 lists these errors"
    ), "no build exists yet: the preview shows the error page, not a last good build"
    assert "Traceback" not in out.getvalue()
    page = (html_dir / "index.html").read_text(encoding="utf-8")
    assert "found &#x27;workdays&#x27;" in page
    build(changed_paths=[slas])
    assert fake.calls == []
    # Once a good build exists, the preview keeps showing it.
    (html_dir / "index.html").write_text("<p>good build</p>", encoding="utf-8")
    out = io.StringIO()
    assert not cli.serve_data_ok(basic, out, url=fake.uri, html_dir=html_dir)
    assert "still shows the last good build" in out.getvalue().splitlines()[-1]
    assert (html_dir / "index.html").read_text(encoding="utf-8") == "<p>good build</p>"
    (html_dir / "index.html").unlink()
    slas.write_text(good, encoding="utf-8")
    build(changed_paths=[slas])
    assert fake.calls == [[slas]]
    assert not (html_dir / "index.html").exists()


def test_serve_runs_sphinx_autobuild_with_the_checking_builder(
    basic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    autobuild = pytest.importorskip("sphinx_autobuild.__main__")
    made: list[Any] = []

    def fake_main(argv: list[str]) -> None:
        made.append(autobuild.Builder(["-q"], url_host="h:1", pre_build_commands=[], post_build_commands=[]))

    monkeypatch.setattr(autobuild, "main", fake_main)
    args = argparse.Namespace(project=str(basic), host="127.0.0.1", port=0, no_check=True, open_browser=False)
    assert cli.run_serve_command(args) == 0
    assert isinstance(made[0], cli.ServeBuild)
    assert made[0].root == basic.resolve()
    from sphinx_autobuild.build import Builder

    assert isinstance(made[0].build, Builder)
    assert autobuild.Builder is Builder  # restored afterwards


_SAVED_DURING_THE_BUILD = """

def setup(app):  # added by the test: a writer saves a chapter while the build runs
    from pathlib import Path

    def save(app, env):
        chapter = Path(app.srcdir) / "02-complaints.md"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\\n补充一段。\\n", encoding="utf-8")

    app.connect("env-updated", save)
"""


def test_a_source_saved_during_the_build_publishes_nothing(
    basic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The checker and the PDF read the sources at the start, the other outputs re-read what
    changed: a chapter saved meanwhile went out in some outputs, unchecked.  Now nothing does."""
    assert cli.main(["--project", str(basic), "build", "html", "--no-check"]) == 0
    published = (basic / "build" / "html" / "02-complaints.html").read_bytes()
    conf = basic / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + _SAVED_DURING_THE_BUILD, encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["--project", str(basic), "build", "html", "--no-check"]) == 1
    err = capsys.readouterr().err
    assert "manualkit: sources changed while building (manual/02-complaints.md)" in err
    assert "nothing published" in err
    assert (basic / "build" / "html" / "02-complaints.html").read_bytes() == published


_INTERRUPTED_ONCE_THE_ENVIRONMENT_IS_SAVED = """

def setup(app):  # added by the test: Ctrl-C right after Sphinx saved its environment
    def interrupt(app, env):
        raise KeyboardInterrupt

    app.connect("env-check-consistency", interrupt)
"""


def test_a_build_interrupted_after_a_warning_reports_it_again_next_time(
    basic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sphinx saves its environment once the sources are read: a build that warned and was then
    interrupted left it behind, and the next build skipped the chapter and succeeded silently."""
    chapter = basic / "manual" / "02-complaints.md"
    unknown = "\n```{no-such-directive}\n```\n"
    chapter.write_text(chapter.read_text(encoding="utf-8") + unknown, encoding="utf-8")
    conf = basic / "conf.py"
    original = conf.read_text(encoding="utf-8")
    conf.write_text(original + _INTERRUPTED_ONCE_THE_ENVIRONMENT_IS_SAVED, encoding="utf-8")
    assert cli.main(["--project", str(basic), "build", "html", "--no-check"]) == 130
    assert "no-such-directive" in capsys.readouterr().err

    conf.write_text(original, encoding="utf-8")
    assert cli.main(["--project", str(basic), "build", "html", "--no-check"]) == 1
    err = capsys.readouterr().err
    assert "02-complaints.md" in err and "no-such-directive" in err
    assert not (basic / "build" / "html").exists()


@pytest.mark.slow
def test_build_html_publishes_the_site(basic: Path) -> None:
    result = run_manualkit("--project", str(basic), "build", "html", "--no-check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["html: build/html/index.html"]
    page = (basic / "build" / "html" / "02-complaints.html").read_text(encoding="utf-8")
    assert "投诉处理" in page
    assert (basic / "build" / ".doctrees" / "environment.pickle").is_file()
    # Only the published tree and the caches: no staging directories left behind.
    assert sorted(p.name for p in (basic / "build").iterdir()) == [".doctrees", ".work", "html"]


def build_in_process(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["--project", str(project), "build", "html", "--no-check"])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow
@pytest.mark.parametrize("output", ["docx", "pdf"])
def test_a_failed_print_build_counts_only_the_problems_it_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    """The count quoted was one more than the problems shown: it took in the builder's own
    "DOCX not written" line."""
    project = three_output_project(tmp_path)
    with (project / "manual" / "01-complaints.md").open("a", encoding="utf-8") as handle:
        handle.write("\n另见{ref}`no-such-label`。\n")
    status = cli.main(["--project", str(project), "build", output, "--no-check"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("WARNING: undefined label: 'no-such-label'") == 1
    assert f"{output} build failed: 1 problem(s) in the sources, reported above" in err
    assert not list((project / "build").glob(f"{output}/*.{output}"))  # nothing published


@pytest.mark.slow
def test_failed_build_leaves_the_published_site_untouched(
    basic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build_in_process(basic, capsys)[0] == 0
    published = basic / "build" / "html"
    before = {p.name: p.read_bytes() for p in published.glob("*.html")}

    chapter = basic / "manual" / "02-complaints.md"
    good = chapter.read_text(encoding="utf-8")
    chapter.write_text(good.replace("详见{ref}`intro`", "详见{ref}`no-such-label`"), encoding="utf-8")
    (basic / "manual" / "01-intro.md").write_text(
        (basic / "manual" / "01-intro.md").read_text(encoding="utf-8").replace("总则", "总则（修订）"),
        encoding="utf-8",
    )

    status, out, err = build_in_process(basic, capsys)
    assert status == 1
    assert "manual/02-complaints.md:9: WARNING: undefined label: 'no-such-label'" in err
    assert "html build failed: 1 problem(s) in the sources, reported above" in err
    assert "Traceback" not in err
    assert out == ""
    assert {p.name: p.read_bytes() for p in published.glob("*.html")} == before

    # Building again without a fix must fail again (no "success" from a stale incremental state).
    status, _, err = build_in_process(basic, capsys)
    assert status == 1
    assert "no-such-label" in err

    chapter.write_text(good, encoding="utf-8")
    status, out, err = build_in_process(basic, capsys)
    assert status == 0, err
    assert out == "html: build/html/index.html\n"
    assert "总则（修订）" in (published / "01-intro.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_build_all_reports_the_missing_builder_clearly(basic: Path) -> None:
    # The minimal fixture registers no pdf builder; `all` builds the PDF first: a one-line
    # failure, and nothing half-published.
    result = run_manualkit("--project", str(basic), "build", "all", "--no-check")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "pdf build failed" in result.stderr
    assert not (basic / "build" / "html").exists()
    assert "Traceback" not in result.stderr


def three_output_project(tmp_path: Path) -> Path:
    """The basic fixture with the templates and the PDF and DOCX builders."""
    project = tmp_path / "manual-project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "basic", project)
    shutil.copytree(REPO / "templates", project / "templates")
    conf = project / "conf.py"
    text = conf.read_text(encoding="utf-8")
    text = text.replace(
        'manualkit_templates_dir = "../../../templates"', 'manualkit_templates_dir = "templates"'
    )
    text = text.replace(
        '"manualkit.sphinx"]', '"manualkit.sphinx", "manualkit.builders.pdf", "manualkit.builders.docx"]'
    )
    conf.write_text(text, encoding="utf-8")
    return project


@pytest.mark.slow
def test_pdf_sphinx_build_runs_in_a_child_whose_memory_is_gone_before_typesetting(tmp_path: Path) -> None:
    project = three_output_project(tmp_path)
    script = (
        "import sys\n"
        "from manualkit import cli\n"
        "status = cli.main(['--project', sys.argv[1], 'build', 'pdf', '--no-check', '-v'])\n"
        "print('sphinx in this process:', 'sphinx.application' in sys.modules)\n"
        "sys.exit(status)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "tools"), SOURCE_DATE_EPOCH="0")
    result = subprocess.run(
        [sys.executable, "-c", script, str(project)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("pdf: build/pdf/") and lines[0].endswith("KiB)")
    assert lines[1] == "sphinx in this process: False"
    # The child's messages reach the terminal through the parent, in order.
    err = result.stderr
    assert "reading sources..." in err and "build succeeded" in err
    assert err.index("build succeeded") < err.index("manualkit pdf: typeset parts 1/")


@pytest.mark.slow
def test_a_pdf_build_that_fails_in_its_child_reports_like_any_build(tmp_path: Path) -> None:
    project = three_output_project(tmp_path)
    chapter = next((project / "manual").glob("0*.md"))
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write("\n办结时限为{sla}`complaint.no.such.sla`。\n")
    previous = project / "build" / "pdf" / "previous.pdf"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"%PDF-1.7 previous")
    result = run_manualkit("--project", str(project), "build", "pdf", "--no-check")
    assert result.returncode == 1
    assert result.stdout == ""
    # Sphinx's own format for a directive's error, relayed from the child unchanged.
    located = rf"manual/{chapter.name}:\d+: ERROR: unknown SLA id 'complaint\.no\.such\.sla'"
    assert re.search(located, result.stderr), result.stderr
    assert "manualkit: pdf build failed" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in previous.parent.iterdir()) == ["previous.pdf"]


@pytest.mark.slow
def test_build_all_reads_the_sources_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """HTML, PDF and DOCX from one doctree cache: only the first build reads the chapters."""
    project = three_output_project(tmp_path)

    status = cli.main(["--project", str(project), "build", "all", "--no-check", "-v"])
    out, err = capsys.readouterr()
    assert status == 0, err
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["html", "pdf", "docx"]
    assert lines[0] == "html: build/html/index.html"
    paths = [line.split(": ", 1)[1].split(" (")[0] for line in lines]
    for path in paths:
        assert (project / path).is_file()
    assert paths[1].startswith("build/pdf/") and paths[1].endswith(".pdf")
    assert re.search(r"\(\d+ pages, [\d.]+ KiB\)$", lines[1])
    assert paths[2].startswith("build/docx/") and paths[2].endswith(".docx")
    assert re.search(r"\(\d+ headings, \d+ tables, \d+ forms, [\d.]+ KiB", lines[2])
    reads = [
        line for line in err.splitlines() if line.startswith("reading sources...") and "01-complaints" in line
    ]
    assert len(reads) == 1, reads


def _builds(project: Path, *outputs: str) -> list[int]:
    """Exit statuses of ``build OUTPUT --no-check`` for each output in turn (one process)."""
    return [cli.main(["--project", str(project), "build", output, "--no-check"]) for output in outputs]


@pytest.mark.slow
def test_a_data_change_read_by_another_build_still_reaches_the_html_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The DOCX build re-reads the pages the edited data feeds; the HTML build must rewrite them."""
    project = three_output_project(tmp_path)
    assert _builds(project, "html") == [0]
    page = project / "build" / "html" / "01-complaints.html"
    assert "7个工作日" in page.read_text(encoding="utf-8")
    slas = project / "data" / "slas.yaml"
    text = slas.read_text(encoding="utf-8")
    slas.write_text(
        text.replace(
            "duration: {value: 7, unit: working_days}", "duration: {value: 6, unit: working_days}", 1
        ),
        encoding="utf-8",
    )

    assert _builds(project, "docx", "html") == [0, 0]  # the DOCX build reads the changed pages
    capsys.readouterr()

    html = page.read_text(encoding="utf-8")
    assert "6个工作日" in html and "7个工作日" not in html


@pytest.mark.slow
def test_a_file_restored_with_its_old_time_is_read_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``cp -p backup chapter`` keeps the old time: Sphinx saw no change and kept the text it had
    read last (a refused customer's phone number stayed in the site, PDF and DOCX)."""
    project = three_output_project(tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    slas = project / "data" / "slas.yaml"
    backups = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in (chapter, slas)}
    assert _builds(project, "html") == [0]
    page = project / "build" / "html" / "01-complaints.html"

    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n客户张三的手机号为13812345678。\n", encoding="utf-8"
    )
    slas.write_text(slas.read_text(encoding="utf-8").replace("value: 7,", "value: 6,", 1), encoding="utf-8")
    assert _builds(project, "html") == [0]
    assert "13812345678" in page.read_text(encoding="utf-8")
    for path, (content, mtime) in backups.items():  # restored as `cp -p` does
        path.write_bytes(content)
        os.utime(path, ns=(mtime, mtime))
    assert _builds(project, "docx", "html") == [0, 0]
    capsys.readouterr()

    html = page.read_text(encoding="utf-8")
    assert "13812345678" not in html and "7个工作日" in html and "6个工作日" not in html
    import docx

    word = docx.Document(str(next((project / "build" / "docx").glob("*.docx"))))
    docx_text = "\n".join(paragraph.text for paragraph in word.paragraphs)
    assert "13812345678" not in docx_text


@pytest.mark.slow
def test_every_page_follows_a_renamed_heading_and_a_new_chapter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Other pages kept the old title in their sidebar and links (Sphinx rewrites re-read pages only)."""
    project = three_output_project(tmp_path)
    assert _builds(project, "html") == [0]
    other_page = project / "build" / "html" / "02-appendix.html"
    assert "投诉受理" in other_page.read_text(encoding="utf-8")
    replace_in_file(project / "manual" / "01-complaints.md", "## 投诉受理\n", "## 投诉登记与受理\n")
    (project / "manual" / "03-new.md").write_text("# 新增章节\n\n正文。\n", encoding="utf-8")
    replace_in_file(project / "manual" / "index.md", "02-appendix\n", "02-appendix\n03-new\n")

    assert _builds(project, "docx", "html") == [0, 0]  # the DOCX build reads the changes
    capsys.readouterr()

    html = other_page.read_text(encoding="utf-8")
    assert "投诉登记与受理" in html and "新增章节" in html and "03-new.html" in html


@pytest.mark.slow
def test_glossary_terms_stay_in_the_search_index_after_a_rebuild(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sphinx kept only the rewritten pages' index entries: any rebuild dropped the glossary."""
    project = three_output_project(tmp_path)

    def index_entries() -> set[str]:
        text = (project / "build" / "html" / "searchindex.js").read_text(encoding="utf-8")
        frozen = json.loads(text[text.index("(") + 1 : text.rindex(")")])
        return set(frozen["indexentries"])

    assert _builds(project, "html") == [0]
    terms = index_entries()
    assert {"工作日", "客户投诉"} <= terms
    glossary = project / "data" / "glossary.yaml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + "- id: trial\n  term: 试行期\n  definition: 新规定试行的期间。\n",
        encoding="utf-8",
    )
    assert _builds(project, "html") == [0]
    assert index_entries() == {*terms, "试行期"}
    replace_in_file(
        project / "manual" / "01-complaints.md", "## 投诉受理\n\n", "## 投诉受理\n\n本节有修改。\n\n"
    )
    assert _builds(project, "html") == [0]  # writes one page: the others keep their entries
    capsys.readouterr()

    assert index_entries() == {*terms, "试行期"}


@pytest.mark.slow
def test_build_all_publishes_its_outputs_together_or_not_at_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The site was published before the DOCX failed: it said 6个工作日, the PDF and DOCX 7."""
    project = three_output_project(tmp_path)
    assert _builds(project, "all") == [0]
    outputs = [p for name in ("html", "pdf", "docx") for p in (project / "build" / name).glob("*.*")]
    published = {p: p.read_bytes() for p in outputs if p.suffix != ".json"}
    replace_in_file(project / "data" / "slas.yaml", "value: 7,", "value: 6,")
    # A picture the site shows but Word does not take (an unreadable SVG is refused by every build).
    (project / "manual" / "broken.webp").write_bytes(b"RIFF\0\0\0\0WEBPVP8 ")
    with (project / "manual" / "01-complaints.md").open("a", encoding="utf-8") as handle:
        handle.write("\n![损坏的图](broken.webp)\n")

    assert _builds(project, "all") == [1]

    err = capsys.readouterr().err
    assert "cannot put image broken.webp into the DOCX" in err
    assert {p: p.read_bytes() for p in published} == published  # the site, the PDF and the DOCX
    assert "7个工作日" in (project / "build" / "html" / "01-complaints.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_an_output_folder_that_takes_no_file_leaves_all_three_outputs_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """build/docx immutable (``chattr +i``; root ignores permission bits, so the test makes the
    folder refuse new files): the site and the PDF were replaced before the DOCX failed."""
    import tempfile

    project = three_output_project(tmp_path)
    assert _builds(project, "all") == [0]
    outputs = [p for name in ("html", "pdf", "docx") for p in (project / "build" / name).glob("*.*")]
    published = {p: p.read_bytes() for p in outputs if p.suffix != ".json"}
    replace_in_file(project / "data" / "slas.yaml", "value: 7,", "value: 6,")
    refusing = (project / "build" / "docx").resolve()

    def immutable(make: Any) -> Any:
        def refuse_in_docx(*args: Any, **kwargs: Any) -> Any:
            if Path(kwargs.get("dir", "")).resolve() == refusing:
                raise PermissionError(1, "Operation not permitted", str(refusing / ".probe"))
            return make(*args, **kwargs)

        return refuse_in_docx

    # Every new file in build/docx is refused, as in an immutable folder (the probe's and the DOCX's).
    for name in ("NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, immutable(getattr(tempfile, name)))
    capsys.readouterr()
    assert _builds(project, "all") == [1]
    err = capsys.readouterr().err
    assert {p: p.read_bytes() for p in published} == published  # the site and the PDF too
    assert "docx built but not published: Operation not permitted: build/docx/.probe" in err


def test_an_interrupt_while_the_outputs_go_into_place_waits_for_them() -> None:
    from manualkit.buildrunner import signals_held

    done = []
    with pytest.raises(KeyboardInterrupt), signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler would have run by now
        done.append("all three published")
    assert done == ["all three published"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_file_problem_names_the_file_in_the_system_s_words(tmp_path: Path) -> None:
    from manualkit.buildrunner import file_problem

    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "build" / "html" / "index.html"))
    assert file_problem(full, tmp_path) == (
        "No space left on device: build/html/index.html (free some space on that disk; "
        "the previous outputs are kept)"
    )
    not_a_folder = NotADirectoryError(errno.ENOTDIR, "Not a directory", str(tmp_path / "build" / ".work"))
    assert file_problem(not_a_folder, tmp_path) == "Not a directory: build/.work"


@pytest.mark.slow
def test_a_new_version_replaces_the_previous_versions_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """build/docx/ is the current manual: v1.0 left beside v1.1 is a superseded copy."""
    project = three_output_project(tmp_path)
    assert _builds(project, "docx") == [0]
    folder = project / "build" / "docx"
    (old,) = folder.glob("*.docx")
    (folder / "审阅意见.docx").write_bytes(b"a reviewer's own file")
    version = old.stem.rpartition("-v")[2]
    replace_in_file(project / "data" / "manual.yaml", f'version: "{version}"', 'version: "9.9"')

    assert _builds(project, "docx") == [0]
    capsys.readouterr()

    assert sorted(p.name for p in folder.glob("*.docx")) == sorted(
        [old.name.replace(f"-v{version}.", "-v9.9."), "审阅意见.docx"]
    )


@pytest.mark.slow
def test_a_superseded_flowchart_leaves_the_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The site kept serving the old chart (old step names) after a process step was renamed."""
    project = three_output_project(tmp_path)
    assert _builds(project, "html") == [0]
    images = project / "build" / "html" / "_images"
    (before,) = [p.name for p in images.glob("graphviz-*.svg") if "受理登记" in p.read_text(encoding="utf-8")]
    replace_in_file(project / "data" / "processes.yaml", "name: 受理登记", "name: 受理与登记")

    assert _builds(project, "docx", "html") == [0, 0]
    capsys.readouterr()

    charts = {p.name: p.read_text(encoding="utf-8") for p in images.glob("graphviz-*.svg")}
    assert before not in charts
    assert any("受理与登记" in text for text in charts.values())
    assert not any("受理登记" in text for text in charts.values())


@pytest.mark.slow
def test_a_build_interrupted_while_writing_is_made_whole_by_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after writing some pages, a build left the others with the old chapter title for good."""
    from sphinx.builders.html import StandaloneHTMLBuilder

    project = three_output_project(tmp_path)
    assert _builds(project, "html") == [0]
    replace_in_file(project / "manual" / "01-complaints.md", "# 投诉处理\n", "# 投诉处理与回访\n")
    write_doc = StandaloneHTMLBuilder.write_doc
    written: list[str] = []

    def killed_after_the_first_page(self: Any, docname: str, doctree: Any) -> None:
        if written:
            raise KeyboardInterrupt
        written.append(docname)
        write_doc(self, docname, doctree)

    with monkeypatch.context() as patch:
        patch.setattr(StandaloneHTMLBuilder, "write_doc", killed_after_the_first_page)
        # Ctrl-C: the CLI stops with an interrupted status, no traceback.
        assert cli.main(["--project", str(project), "build", "html", "--no-check"]) != 0
    assert _builds(project, "html") == [0]
    capsys.readouterr()

    for page in (project / "build" / "html").glob("0*.html"):
        assert "投诉处理与回访" in page.read_text(encoding="utf-8"), page.name


@pytest.mark.slow
def test_a_page_template_restored_with_its_old_time_is_noticed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = three_output_project(tmp_path)
    template = project / "templates" / "html" / "page.html"
    before = (template.read_bytes(), template.stat().st_mtime_ns)
    assert _builds(project, "html") == [0]
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("密级：", "MK-TEMPLATE-EDIT 密级：", 1), encoding="utf-8")
    assert _builds(project, "html") == [0]
    page = project / "build" / "html" / "02-appendix.html"
    assert "MK-TEMPLATE-EDIT" in page.read_text(encoding="utf-8")
    template.write_bytes(before[0])
    os.utime(template, ns=(before[1], before[1]))  # put back as `cp -p` does

    assert _builds(project, "html") == [0]
    capsys.readouterr()

    assert "MK-TEMPLATE-EDIT" not in page.read_text(encoding="utf-8")


def replace_in_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_a_chapter_removed_from_the_manual_leaves_the_published_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sphinx never deletes a page; a repealed chapter must not stay readable at its old address."""
    project = three_output_project(tmp_path)
    index = project / "manual" / "index.md"
    original = index.read_text(encoding="utf-8")
    index.write_text(original.replace("02-appendix\n", "02-appendix\n03-withdrawn\n"), encoding="utf-8")
    (project / "manual" / "03-withdrawn.md").write_text(
        "# 已废止的规定\n\n本章内容已废止。\n", encoding="utf-8"
    )
    assert _builds(project, "html") == [0]
    site = project / "build" / "html"
    assert (site / "03-withdrawn.html").is_file() and (site / "_sources" / "03-withdrawn.md.txt").is_file()

    index.write_text(original, encoding="utf-8")
    (project / "manual" / "03-withdrawn.md").unlink()
    assert _builds(project, "docx", "html") == [0, 0]  # the DOCX build reads (and sees) the removal
    capsys.readouterr()

    assert not (site / "03-withdrawn.html").exists()
    assert not list(site.glob(".manualkit-*"))  # the notes on the pages stay in the work folder
    assert not (site / "_sources" / "03-withdrawn.md.txt").exists()
    assert (site / "01-complaints.html").is_file() and (site / "_sources" / "01-complaints.md.txt").is_file()


def test_publish_tree_swaps_whole_trees_and_cleans_stale_leftovers(tmp_path: Path) -> None:
    from manualkit.buildrunner import publish_tree

    work, published = tmp_path / "work", tmp_path / "build" / "html"
    work.mkdir()
    (work / "index.html").write_text("v1", encoding="utf-8")
    (work / "old-page.html").write_text("gone in v2", encoding="utf-8")
    publish_tree(work, published)
    assert (published / "index.html").read_text(encoding="utf-8") == "v1"

    (work / "old-page.html").unlink()
    (work / "index.html").write_text("v2", encoding="utf-8")
    stale = tmp_path / "build" / ".html.new-crashed"
    stale.mkdir()
    os.utime(stale, (0, 0))
    publish_tree(work, published)
    assert sorted(p.name for p in published.iterdir()) == ["index.html"]
    assert (published / "index.html").read_text(encoding="utf-8") == "v2"
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["html"]


def test_sphinx_s_work_files_are_not_published(tmp_path: Path) -> None:
    """Sphinx sets the old ``.buildinfo`` aside as ``.buildinfo.bak`` when conf.py changed: it
    was published in build/html and stayed there, though a fresh build has no such file."""
    from manualkit.buildrunner import publish_tree

    work, published = tmp_path / "work", tmp_path / "build" / "html"
    (work / ".doctrees").mkdir(parents=True)
    for name in ("index.html", ".buildinfo", ".buildinfo.bak", ".manualkit-outline"):
        (work / name).write_text(name, encoding="utf-8")
    publish_tree(work, published)
    assert sorted(p.name for p in published.iterdir()) == ["index.html"]


def _subcommand_helps(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {choice.dest: choice.help for choice in actions[0]._choices_actions}


def test_plugin_table_repeats_each_plugins_own_help_line() -> None:
    helps = _subcommand_helps(cli.build_parser())  # no command: every plugin module is imported
    for plugin in cli.PLUGINS:
        assert helps[plugin.command] == plugin.help, plugin.command


def test_only_the_chosen_plugin_module_is_imported() -> None:
    code = (
        "import sys\n"
        "from manualkit import cli\n"
        "parser = cli.build_parser(sys.argv[1])\n"
        "print(sorted({p.module for p in cli.PLUGINS if p.module in sys.modules}))\n"
        "print(parser.parse_args(sys.argv[2:]).handler.__module__)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "tools"))

    def run(*args: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
        )
        return result.stdout.splitlines()

    assert run("build", "build", "html") == ["[]", "manualkit.cli"]
    assert run("due", "due", "complaint.general.resolve", "--from", "2026-01-05") == [
        "['manualkit.checks.cli']",
        "manualkit.checks.cli",
    ]


def test_command_of_skips_global_options() -> None:
    assert cli._command_of(["--project", "build", "check"]) == "check"
    assert cli._command_of(["--project=x", "-h"]) is None
    assert cli._command_of(["build", "html"]) == "build"


@pytest.mark.parametrize("unbuffered", [False, True], ids=["block-buffered", "unbuffered"])
def test_a_reader_that_stops_early_gets_no_traceback(unbuffered: bool) -> None:
    # `manualkit check --list-rules | head -1`: the pipe closes before the listing ends.  Here it is
    # closed before the listing starts, so that writing fails whatever the timing: in the command
    # (unbuffered output) or in the final flush (a block-buffered pipe may hold the whole listing).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(REPO / "tools")
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "manualkit", "check", "--list-rules"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            cwd=REPO,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.stderr.decode("utf-8") == ""  # stops quietly, as Unix tools do


def test_a_command_ending_without_teardown_still_delivers_all_its_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `build` and `check` end the process with os._exit: buffered output must be flushed first.
    assert cli.main(["check", "--list-rules"]) == 0
    expected = capsys.readouterr().out
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe: block-buffered
    env["PYTHONPATH"] = str(REPO / "tools")
    result = subprocess.run(
        [sys.executable, "-m", "manualkit", "check", "--list-rules"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    assert len(expected.splitlines()) > 20


def checks_project(tmp_path: Path) -> Path:
    """A writable copy of the checker's clean fixture project (its Vale styles path made absolute),
    with the conf.py that makes it a project for ``manualkit``."""
    root = tmp_path / "checks-clean"
    shutil.copytree(REPO / "tests" / "fixtures" / "checks" / "clean", root)
    (root / "conf.py").write_text("# the checker's fixture project\n", encoding="utf-8")
    (root / ".vale.ini").write_text(
        (root / ".vale.ini")
        .read_text(encoding="utf-8")
        .replace("../../../../tools/vale/styles", (REPO / "tools" / "vale" / "styles").as_posix()),
        encoding="utf-8",
    )
    return root


def test_check_of_a_chapter_saved_as_gbk_reports_it_without_a_traceback(tmp_path: Path) -> None:
    root = checks_project(tmp_path)
    chapter = root / "manual" / "04-complaints.md"
    chapter.write_bytes(chapter.read_text(encoding="utf-8").encode("gbk"))
    result = run_manualkit("--project", str(root), "check", "--today", "2025-12-01")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    assert result.stderr == ""
    findings = result.stdout.splitlines()
    assert len(findings) == 2, findings
    assert re.fullmatch(
        r"manual/04-complaints\.md:7:\d+: error MK003 not UTF-8 text: expected UTF-8, "
        r"found byte 0x[0-9A-F]{2} \(the file seems to be saved as GBK/GB 18030\); save the file as UTF-8 .*",
        findings[0],
    )
    assert findings[1].startswith("1 error(s)")


def test_check_exits_2_on_invalid_data_like_build_and_data(tmp_path: Path) -> None:
    """README, Exit status: 2 for invalid sources, whichever command meets them."""
    root = checks_project(tmp_path)
    (root / "data" / "roles.yaml").write_text("- id: cs.manager\n\tname: 客服经理\n", encoding="utf-8")
    line = (
        "data/roles.yaml:2:1: error DATA001 YAML syntax error: found a tab in the indentation: "
        "YAML cannot be indented with tabs, indent with spaces"
    )
    for command in (["check"], ["data"], ["check", "--select", "MK1"]):
        result = run_manualkit("--project", str(root), *command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert line in (result.stdout + result.stderr).splitlines(), command
        assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("output", ["html", "pdf"])
def test_an_unknown_id_is_reported_once_by_the_checker_with_its_column(tmp_path: Path, output: str) -> None:
    """Sphinx's error for the same id is held back while the checker runs (the build still fails).

    In a paragraph wrapped over two lines: Sphinx places the error on the paragraph's first line,
    the checker on the role's, and both were printed.
    """
    project = three_output_project(tmp_path)
    chapter = next((project / "manual").glob("0*.md"))
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write("\n一般投诉的办结时限\n为{sla}`complaint.no.such.sla`。\n")
    line = len(chapter.read_text(encoding="utf-8").splitlines())

    result = run_manualkit("--project", str(project), "build", output)

    assert result.returncode == 1 and result.stdout == ""
    mentions = [text for text in result.stderr.splitlines() if "complaint.no.such.sla" in text]
    assert len(mentions) == 1, result.stderr
    assert re.match(
        rf"manual/{chapter.name}:{line}:\d+: error MK101 unknown SLA 'complaint\.no\.such\.sla'", mentions[0]
    )
    assert f"manualkit: {output} build failed" in result.stderr
    assert not (project / "build" / output).exists()


@pytest.mark.slow
def test_each_markup_mistake_is_reported_once_in_the_checkers_words(tmp_path: Path) -> None:
    """Sphinx's own report of an unknown role or directive, a toctree entry naming no document and
    a reference to no label came beside the checker's (no column, no did-you-mean)."""
    project = three_output_project(tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n一般投诉应\n按{slas}`complaint.general.resolve`办结。\n"
            "\n:::{proces} 投诉流程\n:::\n"
            "\n详见\n{ref}`complaint-intak`。\n"
            "\n```python\nprint(1)\n\n后续正文见`附件`。\n"  # never closed: Pygments quoted the rest
        )
    index = project / "manual" / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("02-appendix\n", "02-appendix\n03-missing\n"))
    appendix = project / "manual" / "02-appendix.md"  # a label chapter 1 defines already
    appendix.write_text(appendix.read_text(encoding="utf-8") + "\n(complaint-handling)=\n## 重复\n\n正文。\n")

    result = run_manualkit("--project", str(project), "build", "html")

    assert result.returncode == 1, result.stderr
    assert "Lexing literal_block" not in result.stderr
    for mistake, code in (
        ("```python", "MK129"),
        ("slas", "MK120"),
        ("proces", "MK121"),
        ("03-missing", "MK109"),
        ("complaint-intak", "MK101"),
        ("complaint-handling", "MK108"),
    ):
        said = [line for line in result.stderr.splitlines() if line.startswith("manual/") and mistake in line]
        assert len(said) == 1, (mistake, result.stderr)
        assert re.match(rf"manual/[\w-]+\.md:\d+:\d+: error {code} ", said[0]), said
    assert not (project / "build" / "html").exists()


@pytest.mark.slow
def test_a_character_the_pdf_fonts_lack_is_reported_once_by_build_pdf(tmp_path: Path) -> None:
    """The checker (MK619) and the PDF builder both refused it: each printed its own line."""
    project = three_output_project(tmp_path)
    chapter = project / "manual" / "01-complaints.md"
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write("\n投诉受理后请转交上级处理👉。\n")
    line = len(chapter.read_text(encoding="utf-8").splitlines())

    result = run_manualkit("--project", str(project), "build", "pdf")

    assert result.returncode == 1, result.stderr
    said = [text for text in result.stderr.splitlines() if "👉" in text]
    assert len(said) == 1, result.stderr
    assert said[0].startswith(f"manual/01-complaints.md:{line}:") and " error MK619 " in said[0]
    assert not (project / "build" / "pdf").exists()


@pytest.mark.slow
def test_an_unknown_id_the_checker_missed_is_still_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = three_output_project(tmp_path)
    chapter = next((project / "manual").glob("0*.md"))
    with chapter.open("a", encoding="utf-8") as handle:
        handle.write("\n办结时限为{sla}`complaint.no.such.sla`。\n")
    # A checker that approves (so the build runs whenever its verdict comes) and reports MK101 at
    # another line only: Sphinx's held error is the one report of this id.
    elsewhere = Diagnostic("MK101", "warning", "unknown SLA 'x'", Location(f"manual/{chapter.name}", 1, 1))
    monkeypatch.setattr(cli, "_checker", lambda: lambda root, **_: _FakeReport((elsewhere,)))

    assert cli.main(["--project", str(project), "build", "html"]) == 1

    err = capsys.readouterr().err
    mentions = [line for line in err.splitlines() if "complaint.no.such.sla" in line]
    located = rf"manual/{chapter.name}:\d+: ERROR: unknown SLA id 'complaint\.no\.such\.sla'"
    assert len(mentions) == 1 and re.match(located, mentions[0]), err
    assert mentions[0].count("ERROR:") == 1 and str(project) not in mentions[0]  # said once, relative
