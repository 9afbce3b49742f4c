"""``manualkit release``: refusals, publication of build/site/X.Y/, versions.json, atomicity."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import tinycss2

from manualkit import cli
from manualkit.checks import run_checks
from manualkit.diagnostics import Diagnostic
from manualkit.release import BuildRequest, InvalidReleaseInput, ReleaseError, release, sphinx_build
from manualkit.revisions import version_problem
from release_helpers import IDENTITY, REVISION_1_1, commit_all, git, make_project, make_v1_1, replace_in, tag


def document_control_checks(root: Path) -> Sequence[Diagnostic]:
    """The MK7xx rules only: the fixture is not meant to satisfy every editorial rule."""
    return run_checks(root, select=["MK7"]).diagnostics


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)  # `git tag -a` inside release() needs a committer
    return make_project(tmp_path)


def tree_state(directory: Path) -> dict[str, str]:
    """Every path under ``directory`` (symlinks as their target) → content hash."""
    state: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if path.is_symlink():
            state[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def html_only(request: BuildRequest) -> None:
    """A stand-in for the Sphinx build: one page, in a moment (for tests of the publication)."""
    request.outdir.mkdir(parents=True, exist_ok=True)
    (request.outdir / "index.html").write_text(
        f"<html>{request.overrides['version']}</html>", encoding="utf-8"
    )


def epoch(day: str) -> str:
    """``SOURCE_DATE_EPOCH`` for noon UTC of ``day`` (YYYY-MM-DD): the day a release is dated."""
    return str(int(dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()))


def site_listing(project: Path) -> dict[str, dict[str, object]]:
    """build/site/versions.json's entries by version."""
    versions = json.loads((project / "build" / "site" / "versions.json").read_text(encoding="utf-8"))
    return {str(v["version"]): v for v in versions["versions"]}


def status_notices(project: Path) -> dict[str, str]:
    """What build/site/version-status.css makes each version's pages say without JavaScript."""
    css = (project / "build" / "site" / "version-status.css").read_text(encoding="utf-8")
    parsed = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    notices: dict[str, str] = {}
    for rule in parsed:
        assert rule.type == "qualified-rule", rule
        selector = tinycss2.serialize(rule.prelude).strip()
        content = [d for d in tinycss2.parse_blocks_contents(rule.content) if d.type == "declaration"]
        if selector.endswith("::before"):
            version = selector.split('data-version="', 1)[1].split('"', 1)[0]
            (value,) = [t for d in content if d.name == "content" for t in d.value if t.type == "string"]
            notices[version] = value.value
    return notices


# --------------------------------------------------------------------------- refusals (fast)


def test_refuses_dirty_tree(project: Path) -> None:
    replace_in(project / "manual" / "01-overview.md", "热情", "热忱")
    with pytest.raises(ReleaseError, match="uncommitted changes") as info:
        release(project, "1.0", check=document_control_checks)
    assert "manual/01-overview.md" in str(info.value)
    assert not (project / "build" / "site").exists()
    assert git(project, "tag", "--list") == ""


@pytest.mark.parametrize("version", ["v1.0", "1", "1.x", "1.0 ", "01.0", "1.01", "v01.0"])
def test_refuses_malformed_version(project: Path, version: str) -> None:
    with pytest.raises(ReleaseError, match="numbers separated by dots") as info:
        release(project, version, check=document_control_checks)
    assert ("drop the leading 'v' (1.0)" in str(info.value)) == (version == "v1.0")
    assert git(project, "tag", "--list") == ""


def test_versions_may_have_several_digits_but_no_leading_zeros() -> None:
    assert version_problem("1.10") is None and version_problem("10.0") is None
    assert version_problem("1.0") is None and version_problem("0.9") is None
    assert "numbers separated by dots" in str(version_problem("01.0"))


@pytest.mark.parametrize("version", ["v1.0", "01.0", "1.01"])
def test_a_leading_zero_is_refused_like_a_leading_v(
    project: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    from manualkit import cli

    assert cli.main(["--project", str(project), "release", version]) == 2
    assert "version must be numbers separated by dots" in capsys.readouterr().err
    assert git(project, "tag", "--list") == ""


def test_a_release_writes_no_pikepdf_log_line_to_stderr(project: Path) -> None:
    """pikepdf logs "logger bridge initialized" at INFO on import; the HTML theme's a11y_pygments
    turns on INFO logging to stderr (``logging.basicConfig``): every release printed that line."""
    script = textwrap.dedent(
        """
        import logging, sys
        from pathlib import Path
        from manualkit.release import release

        logging.basicConfig(level=logging.INFO)  # what a11y_pygments does on import

        def build(request):
            import manualkit.builders.pdf_merge  # the PDF builder imports pikepdf
            request.outdir.mkdir(parents=True, exist_ok=True)
            (request.outdir / "index.html").write_text("<html></html>", encoding="utf-8")

        release(Path(sys.argv[1]), "1.0", formats=("html",), check=None, build=build, create_tag=False)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(project)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "pikepdf" not in proc.stderr


def test_a_malformed_version_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from manualkit import cli

    assert cli.main(["--project", str(project), "release", "v1.0"]) == 2  # as README says for usage
    assert "drop the leading 'v'" in capsys.readouterr().err


def test_invalid_data_is_an_invalid_source(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README: exit 2 for invalid sources, as check and build say for the same data (release said 1)."""
    from manualkit import cli

    replace_in(project / "data" / "manual.yaml", 'version: "1.0"', 'versoin: "1.0"')
    commit_all(project, "a typo in manual.yaml")
    assert cli.main(["--project", str(project), "release", "1.0"]) == 2
    assert "data/ is invalid; fix these first" in capsys.readouterr().err


def test_a_site_path_that_is_a_file_is_refused_plainly(project: Path, tmp_path: Path) -> None:
    occupied = tmp_path / "afile"
    occupied.write_text("x", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"--site .*afile: not a directory"):
        release(project, "1.0", formats=("html",), check=document_control_checks, site=occupied)
    assert git(project, "tag", "--list") == ""


def test_builds_are_dated_by_the_released_commit_however_the_release_is_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make release` exports the commit time; a plain `manualkit release` must use the same."""
    seen: list[str | None] = []

    def recording_build(request: BuildRequest) -> None:
        seen.append(os.environ.get("SOURCE_DATE_EPOCH"))
        request.outdir.mkdir(parents=True, exist_ok=True)
        (request.outdir / "index.html").write_text("<html></html>", encoding="utf-8")

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    release(project, "1.0", formats=("html",), check=None, build=recording_build, create_tag=False)
    commit_time = git(project, "log", "-1", "--format=%ct").strip()
    assert seen == [commit_time] and "SOURCE_DATE_EPOCH" not in os.environ
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")  # the caller's choice stands
    release(project, "1.0", formats=("html",), check=None, build=recording_build, create_tag=False)
    assert seen[-1] == "1750000000"


def test_refuses_when_previous_release_tag_is_missing(project: Path) -> None:
    # v1.0 was never tagged (or the clone has no tags): nothing proves 1.1's changes are recorded.
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    with pytest.raises(ReleaseError, match=r"cannot verify the changes .* tag v1\.0 not found") as info:
        release(project, "1.1", check=document_control_checks)
    assert "git fetch --tags" in str(info.value)
    assert git(project, "tag", "--list") == ""
    assert not (project / "build" / "site").exists()


def test_refuses_version_without_revision(project: Path) -> None:
    make_v1_1(project, record=False)
    commit_all(project, "1.1 without a revision")
    with pytest.raises(ReleaseError) as info:
        release(project, "1.1", check=document_control_checks)
    message = str(info.value)
    assert "data/revisions.yaml has no entry for version 1.1" in message
    assert '- version: "1.1"' in message and "approved_on:" in message  # what to add


def test_refuses_version_that_is_not_the_manual_version(project: Path) -> None:
    with pytest.raises(ReleaseError, match=r"no entry for version 2\.0"):
        release(project, "2.0", check=document_control_checks)


def test_refuses_an_effective_date_the_revision_contradicts(project: Path) -> None:
    """manual.yaml's date is printed on the cover and every page; check only warns (MK703)."""
    git(project, "tag", "-a", "v1.0", "-m", "v1.0")
    make_v1_1(project)
    replace_in(project / "data" / "manual.yaml", "effective: 2025-03-01", "effective: 2025-01-01")
    commit_all(project, "1.1 with the old effective date left in manual.yaml")
    with pytest.raises(
        ReleaseError,
        match="data/manual.yaml says effective 2025-01-01, but revision 1.1 takes "
        r"effect on 2025-03-01; set `effective: 2025-03-01`",
    ):
        release(project, "1.1", check=document_control_checks)
    assert "v1.1" not in git(project, "tag", "--list")


def test_refuses_failing_check(project: Path) -> None:
    git(project, "tag", "-a", "v1.0", "-m", "v1.0")
    make_v1_1(project)
    replace_in(project / "manual" / "01-overview.md", "热情、专业、高效", "热情、专业、高效、规范")
    commit_all(project, "1.1 with an unrecorded change")
    with pytest.raises(ReleaseError, match="MK705") as info:
        release(project, "1.1", check=document_control_checks)
    assert "manual/01-overview.md:17" in str(info.value)
    assert "v1.1" not in git(project, "tag", "--list")


# --------------------------------------------------------------------------- dates (fast)


def test_refuses_a_release_dated_after_today(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SOURCE_DATE_EPOCH in the future dated the site ahead (as_of never moves back) and let an
    approval still to come pass as given."""
    ahead = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=21)).isoformat()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(ahead))
    with pytest.raises(InvalidReleaseInput, match=rf"dated {ahead} \(SOURCE_DATE_EPOCH\), after today"):
        release(project, "1.0", formats=("html",), check=None, build=html_only)
    assert not (project / "build" / "site").exists()
    assert "v1.0" not in git(project, "tag", "--list")


def test_refuses_to_publish_before_the_recorded_approval(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Released 2025-02-10 with approved_on 2025-02-20: the cover would print an approval to come."""
    from manualkit import cli

    tag(project, "1.0")
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-02-10"))
    assert cli.main(["--project", str(project), "release", "1.1"]) == 2  # invalid input (README)
    err = capsys.readouterr().err
    assert "approved_on: 2025-02-20, later than the release date 2025-02-10 (SOURCE_DATE_EPOCH)" in err
    assert not (project / "build" / "site").exists()
    assert "v1.1" not in git(project, "tag", "--list")


def test_without_source_date_epoch_the_commit_dates_the_release(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    make_v1_1(project)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2025-02-19T12:00:00+00:00")
    commit_all(project, "手册 v1.1, committed the day before its approval")
    with pytest.raises(InvalidReleaseInput, match=r"approved_on: 2025-02-20, later than .* 2025-02-19"):
        release(project, "1.1", formats=("html",), check=None, build=html_only)
    assert not (project / "build" / "site").exists()
    assert "v1.1" not in git(project, "tag", "--list")


@pytest.mark.parametrize("field", ["drafted", "reviewed"])
def test_refuses_to_publish_before_a_recorded_sign_off(
    project: Path, monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    make_v1_1(project, record=False)
    signoff = {
        "drafted": "{role: service.agent, name: 陈静",
        "reviewed": "{role: compliance.officer, name: 刘洋",
    }
    record = REVISION_1_1.replace(signoff[field] + "}", signoff[field] + ", date: 2025-03-05}")
    with (project / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(record)
    commit_all(project, "手册 v1.1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-02-25"))
    with pytest.raises(
        InvalidReleaseInput, match=rf"{field}: 2025-03-05, later than the release date 2025-02-25"
    ):
        release(project, "1.1", formats=("html",), check=None, build=html_only)
    assert not (project / "build" / "site").exists()


def test_a_version_published_before_it_takes_effect_leaves_its_predecessor_in_force(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1.1 (effective 2025-03-01) released on 2025-02-25: until March, 1.0 is the version in force."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-02-25"))
    release(project, "1.0", formats=("html",), check=None, build=html_only)
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    release(project, "1.1", formats=("html",), check=None, build=html_only)

    site = project / "build" / "site"
    listing = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    assert (listing["latest"], listing["newest"], listing["as_of"]) == ("1.0", "1.1", "2025-02-25")
    entries = site_listing(project)
    assert list(entries) == ["1.1", "1.0"]
    assert entries["1.1"]["effective"] == "2025-03-01" and entries["1.0"]["effective"] == "2025-01-01"
    # Pages published before the date logic read only these flags: 1.0 is not superseded yet.
    assert (entries["1.1"]["latest"], entries["1.1"]["superseded"]) == (False, False)
    assert (entries["1.0"]["latest"], entries["1.0"]["superseded"]) == (True, False)
    assert os.readlink(site / "latest") == "1.0"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=1.0/index.html">' in index  # without JavaScript
    assert 'fetch("versions.json"' in index  # with it: chosen on the reader's date
    # Without JavaScript, 1.1's pages say it is not in force yet; 1.0's say nothing.
    pending = "本版本（v1.1）批准待施行（自2025年3月1日起施行），现行版本为 v1.0。"
    assert status_notices(project) == {"1.1": pending}

    # Published again on its effective day, 1.1 is in force and 1.0 superseded.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-03-01"))
    again = release(project, "1.1", formats=("html",), check=None, build=html_only)
    assert again.tag == "v1.1" and not again.tag_created  # reused, not made (the CLI says so)
    entries = site_listing(project)
    assert (entries["1.1"]["latest"], entries["1.0"]["superseded"]) == (True, True)
    assert status_notices(project) == {"1.0": "本版本（v1.0）已被 v1.1 取代，仅供查阅。"}
    assert os.readlink(site / "latest") == "1.1"
    assert 'content="0; url=1.1/index.html"' in (site / "index.html").read_text(encoding="utf-8")

    # CI republishes every earlier tag with its own date: that must not move the site back in time.
    git(project, "checkout", "-q", "v1.0")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-02-25"))
    release(project, "1.0", formats=("html",), check=None, build=html_only, republish=True, site=site)
    listing = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    assert (listing["latest"], listing["as_of"]) == ("1.1", "2025-03-01")
    assert os.readlink(site / "latest") == "1.1"


def test_refresh_site_puts_a_version_in_force_once_its_day_has_come(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """latest/, index.html and versions.json were written at the release: without JavaScript (or
    fetching latest/…pdf from another system) a reader kept getting 1.0 after 1.1 took effect,
    until the next release.  CI now refreshes the site every day."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-02-25"))
    release(project, "1.0", formats=("html",), check=None, build=html_only)
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    release(project, "1.1", formats=("html",), check=None, build=html_only)  # effective 2025-03-01
    site = project / "build" / "site"
    pages = {p: p.read_bytes() for p in (site / "1.1").rglob("*") if p.is_file()}

    def refresh(day: str) -> tuple[int, str]:
        status = cli.main(["--project", str(project), "refresh-site", "--on", day])
        return status, capsys.readouterr().out

    assert refresh("2025-02-28") == (0, "site as of 2025-02-28: version in force v1.0 (unchanged)\n")
    assert os.readlink(site / "latest") == "1.0"
    assert list(status_notices(project)) == ["1.1"]  # 批准待施行

    assert refresh("2025-03-01") == (0, "site as of 2025-03-01: version in force v1.1 (was v1.0)\n")
    listing = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    assert (listing["latest"], listing["as_of"]) == ("1.1", "2025-03-01")
    entries = site_listing(project)
    assert (entries["1.1"]["latest"], entries["1.0"]["superseded"]) == (True, True)
    assert os.readlink(site / "latest") == "1.1"
    assert 'content="0; url=1.1/index.html"' in (site / "index.html").read_text(encoding="utf-8")
    # Old pages say "superseded" without JavaScript from today, with no page rewritten.
    assert status_notices(project) == {"1.0": "本版本（v1.0）已被 v1.1 取代，仅供查阅。"}
    assert {p: p.read_bytes() for p in (site / "1.1").rglob("*") if p.is_file()} == pages  # only the listing

    # A run dated earlier (a runner's clock, another time zone) never moves the site back.
    assert refresh("2025-02-26") == (0, "site as of 2025-03-01: version in force v1.1 (unchanged)\n")
    assert os.readlink(site / "latest") == "1.1"


def test_refresh_site_without_a_published_site_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--project", str(project), "refresh-site"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("manualkit refresh-site: ") and "no published version to decide between" in err
    assert not (project / "build" / "site" / "latest").exists()


# --------------------------------------------------------------------------- publication (fast)


def test_a_latest_that_is_no_symlink_is_refused_before_anything_changes(project: Path) -> None:
    release(project, "1.0", formats=("html",), check=None, build=html_only)
    site = project / "build" / "site"
    (site / "latest").unlink()
    (site / "latest").mkdir()
    (site / "latest" / "index.html").write_text("a copy someone made", encoding="utf-8")
    before = tree_state(site)
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    built: list[str] = []

    def recording(request: BuildRequest) -> None:
        built.append(request.builder)
        html_only(request)

    with pytest.raises(ReleaseError, match="latest exists and is not a symlink; remove it"):
        release(project, "1.1", formats=("html",), check=None, build=recording)
    assert built == []  # refused before the build, not after it
    assert tree_state(site) == before  # no 1.1/, versions.json as it was, no .latest.tmp
    assert "v1.1" not in git(project, "tag", "--list")
    assert [p.name for p in (project / "build").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("failing", ["versions.json", "version-status.css", "latest", "index.html"])
def test_a_failure_while_publishing_puts_the_previous_site_back(
    project: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    release(project, "1.0", formats=("html",), check=None, build=html_only)
    site = project / "build" / "site"
    before = tree_state(site)
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    real_replace = os.replace
    armed = [True]

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if armed[0] and Path(dst).name == failing and Path(src).name.endswith(".tmp"):
            raise OSError(28, "No space left on device (injected)")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ReleaseError, match=r"publishing to .* failed: .*injected.*left as it was"):
        release(project, "1.1", formats=("html",), check=None, build=html_only)
    assert tree_state(site) == before
    assert "v1.1" not in git(project, "tag", "--list")
    assert [p.name for p in (project / "build").iterdir() if p.name.startswith(".")] == []

    # Publishing again a version the site already has: its previous folder is put back too.
    armed[0] = False
    release(project, "1.1", formats=("html",), check=None, build=html_only, create_tag=False)
    before = tree_state(site)

    def rebuilt(request: BuildRequest) -> None:
        html_only(request)
        (request.outdir / "index.html").write_text("<html>rebuilt</html>", encoding="utf-8")

    armed[0] = True
    with pytest.raises(ReleaseError, match="injected"):
        release(project, "1.1", formats=("html",), check=None, build=rebuilt, create_tag=False)
    assert tree_state(site) == before


# --------------------------------------------------------------------------- whole releases (slow)


@pytest.mark.slow
def test_release_publishes_versions(project: Path) -> None:
    first = release(project, "1.0", check=document_control_checks)
    assert first.tag == "v1.0" and first.tag_created
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    second = release(project, "1.1", check=document_control_checks)

    site = project / "build" / "site"
    versions = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    assert versions["latest"] == "1.1"
    by_version = {v["version"]: v for v in versions["versions"]}
    assert [v["version"] for v in versions["versions"]] == ["1.1", "1.0"]
    assert by_version["1.1"]["latest"] and not by_version["1.1"]["superseded"]
    assert by_version["1.0"]["superseded"] and not by_version["1.0"]["latest"]
    assert by_version["1.1"]["effective"] == "2025-03-01"
    assert by_version["1.1"]["path"] == "1.1/"
    assert by_version["1.1"]["pdf"] == "1.1/MK-TEST-REL-001-v1.1.pdf"
    assert by_version["1.1"]["docx"] == "1.1/MK-TEST-REL-001-v1.1.docx"

    # Both versions stay published; latest points at 1.1.
    for version in ("1.0", "1.1"):
        vdir = site / version
        assert (vdir / "index.html").is_file()
        assert (vdir / f"MK-TEST-REL-001-v{version}.pdf").is_file()
        assert (vdir / f"MK-TEST-REL-001-v{version}.docx").is_file()
    assert os.readlink(site / "latest") == "1.1"
    assert "1.1/index.html" in (site / "index.html").read_text(encoding="utf-8")

    # Checksums cover every published file and match.
    sums = (site / "1.1" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    assert set(listed) == set(second.files)
    assert "MK-TEST-REL-001-v1.1.pdf" in listed and "02-complaints.html" in listed
    for name, digest in listed.items():
        assert hashlib.sha256((site / "1.1" / name).read_bytes()).hexdigest() == digest

    # The tag is annotated and on the released commit.
    assert git(project, "cat-file", "-t", "v1.1").strip() == "tag"
    assert git(project, "rev-list", "-n", "1", "v1.1") == git(project, "rev-parse", "HEAD")

    # Pages carry the version switcher (reading ../versions.json), the no-JavaScript status notice
    # (shown by the site's ../version-status.css) and the revision marker.
    page = (site / "1.1" / "02-complaints.html").read_text(encoding="utf-8")
    assert 'data-manualkit-version="1.1"' in page and "manualkit-versions.js" in page
    assert '<link rel="stylesheet" href="../version-status.css" />' in page
    assert '<div class="mk-static-status" data-version="1.1"' in page
    assert status_notices(project) == {"1.0": "本版本（v1.0）已被 v1.1 取代，仅供查阅。"}
    assert "本节于 v1.1 修订：一般投诉办结时限由7个工作日缩短为5个工作日。" in page
    old_page = (site / "1.0" / "02-complaints.html").read_text(encoding="utf-8")
    assert "本节于 v1.1 修订" not in old_page and 'data-manualkit-version="1.0"' in old_page

    # The marker reaches the PDF and the DOCX too.
    import docx
    from pypdf import PdfReader

    pdf_text = "".join(
        p.extract_text() or "" for p in PdfReader(site / "1.1" / "MK-TEST-REL-001-v1.1.pdf").pages
    )
    assert "本节于 v1.1 修订" in pdf_text.replace("\n", "")
    # The release sets manualkit_site_status for every builder: the print HTML takes no notice.
    assert "查看现行版本" not in pdf_text and "版本状态" not in pdf_text
    paragraphs = [p.text for p in docx.Document(str(site / "1.1" / "MK-TEST-REL-001-v1.1.docx")).paragraphs]
    assert any(p.startswith("本节于 v1.1 修订") for p in paragraphs)

    # No scratch directories left behind.
    assert [p.name for p in (project / "build").iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_failed_release_leaves_previous_site_untouched(project: Path) -> None:
    release(project, "1.0", formats=("html",), check=document_control_checks)
    site = project / "build" / "site"
    before = tree_state(site)
    make_v1_1(project)
    commit_all(project, "手册 v1.1")

    def html_then_broken_pdf(request: BuildRequest) -> None:
        if request.builder == "html":
            sphinx_build(request)  # a real, complete HTML build of 1.1 ...
            return
        raise ReleaseError("pdf build failed: injected failure")  # ... then the PDF fails

    with pytest.raises(ReleaseError, match="injected failure"):
        release(project, "1.1", check=document_control_checks, build=html_then_broken_pdf)
    assert tree_state(site) == before
    assert "v1.1" not in git(project, "tag", "--list")
    assert [p.name for p in (project / "build").iterdir() if p.name.startswith(".")] == []

    # A real build failure: a chapter Sphinx cannot build (an unknown directive).
    with (project / "manual" / "02-complaints.md").open("a", encoding="utf-8") as handle:
        handle.write("\n:::{no-such-directive}\n内容\n:::\n")
    commit_all(project, "broken chapter")
    with pytest.raises(ReleaseError, match="html build failed"):
        release(project, "1.1", formats=("html",), check=document_control_checks)
    assert tree_state(site) == before
    assert "v1.1" not in git(project, "tag", "--list")


@pytest.mark.slow
def test_broken_template_fails_the_release_naming_file_and_line(project: Path) -> None:
    release(project, "1.0", formats=("html",), check=document_control_checks)
    site = project / "build" / "site"
    before = tree_state(site)
    make_v1_1(project)
    template = project / "templates" / "pdf" / "print.html"
    lines = template.read_text(encoding="utf-8").split("\n")
    broken = lines.index("</body>")
    lines.insert(broken, "{% if %}")  # a Jinja syntax error just before </body>
    template.write_text("\n".join(lines), encoding="utf-8")
    commit_all(project, "手册 v1.1, broken print template")
    with pytest.raises(ReleaseError) as info:
        release(project, "1.1", formats=("html", "pdf"), check=document_control_checks)
    assert f"pdf build crashed: templates/pdf/print.html:{broken + 1}: template error" in str(info.value)
    assert tree_state(site) == before
    assert "v1.1" not in git(project, "tag", "--list")


@pytest.mark.slow
def test_republish_rebuilds_a_tagged_version_into_another_site(project: Path, tmp_path: Path) -> None:
    git(project, "tag", "-a", "v1.0", "-m", "v1.0")
    site = tmp_path / "pages" / "site"
    result = release(project, "1.0", formats=("html",), republish=True, site=site)
    assert result.version_dir == site / "1.0" and (site / "1.0" / "index.html").is_file()
    assert json.loads((site / "versions.json").read_text(encoding="utf-8"))["latest"] == "1.0"
    assert not (project / "build" / "site").exists()
    # Republishing needs the version's own tagged commit.
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    with pytest.raises(ReleaseError, match="does not point at the checked-out commit"):
        release(project, "1.1", formats=("html",), republish=True, site=site)


@pytest.mark.slow
def test_sections_and_forms_new_in_a_revision_are_marked_added(project: Path) -> None:
    """A section or form that the previous release did not have was 新增 (added), not 修订."""
    from lxml import etree

    from conftest import run_sphinx

    tag(project, "1.0")
    make_v1_1(project, record=False)
    with (project / "manual" / "02-complaints.md").open("a", encoding="utf-8") as handle:
        handle.write("\n(complaint-forms)=\n## 投诉表单\n\n:::{form-appendices}\n:::\n")
    with (project / "data" / "forms.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "- id: F-02-02\n  title: 投诉回访记录表\n  purpose: 记录投诉回访结果\n"
            "  section: complaint-resolution\n  owner: service.supervisor\n"
            "  fields:\n    - {id: customer.name, label: 客户姓名, required: true}\n"
        )
    record = REVISION_1_1 + (
        "    - {section: complaint-forms, description: 收录投诉表单。, covers: [F-02-01, F-02-02]}\n"
    )
    with (project / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(record)
    commit_all(project, "手册 v1.1：新增投诉表单一节和回访记录表")

    run = run_sphinx(project, "html")
    assert run.error is None, run.warnings
    page = etree.parse(str(run.outdir / "02-complaints.html"), etree.HTMLParser())
    markers = {p.getparent().get("id"): p.text for p in page.xpath("//p[contains(@class, 'mk-revised')]")}
    assert markers == {
        "complaint-resolution": "本节于 v1.1 修订：一般投诉办结时限由7个工作日缩短为5个工作日。",
        "complaint-forms": "本节于 v1.1 新增：收录投诉表单。",
        "form-f-02-01": "本表于 v1.1 修订：收录投诉表单。",
        "form-f-02-02": "本表于 v1.1 新增：收录投诉表单。",
    }


@pytest.mark.slow
def test_a_release_tag_made_between_two_builds_of_one_process_is_seen(project: Path) -> None:
    """``serve`` builds again and again in one process: a tag made meanwhile changes the markers."""
    from lxml import etree

    from conftest import run_sphinx

    make_v1_1(project, record=False)
    with (project / "manual" / "02-complaints.md").open("a", encoding="utf-8") as handle:
        handle.write("\n(complaint-forms)=\n## 投诉表单\n\n:::{form-appendices}\n:::\n")
    record = REVISION_1_1 + "    - {section: complaint-forms, description: 收录投诉表单。}\n"
    with (project / "data" / "revisions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(record)
    commit_all(project, "手册 v1.1：新增投诉表单一节")

    def marker() -> str:
        run = run_sphinx(project, "html")
        assert run.error is None, run.warnings
        page = etree.parse(str(run.outdir / "02-complaints.html"), etree.HTMLParser())
        (text,) = page.xpath("//section[@id='complaint-forms']/p[contains(@class, 'mk-revised')]/text()")
        return str(text)

    assert marker() == "本节于 v1.1 修订：收录投诉表单。"  # no v1.0 tag: whether it is new is unknown
    git(project, "tag", "-a", "v1.0", "-m", "v1.0", "HEAD~1")
    assert marker() == "本节于 v1.1 新增：收录投诉表单。"


@contextlib.contextmanager
def served(site: Path) -> Iterator[str]:
    """``site`` over HTTP on a free local port (the version switcher needs http://, not file://)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
@pytest.mark.slow
def test_pages_tell_the_version_in_force_on_the_readers_date(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1.1 (effective 2025-03-01) published on 2025-02-25: 1.0 stays in force until March 1st, and
    the same static pages say so in February and say otherwise in March."""
    from playwright.sync_api import Page, sync_playwright

    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2025-02-25"))
    release(project, "1.0", formats=("html",), check=document_control_checks)
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    release(project, "1.1", formats=("html",), check=document_control_checks)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")

    def open_on(browser: object, day: dt.datetime, url: str) -> Page:
        page: Page = browser.new_page()  # type: ignore[attr-defined]
        page.clock.set_fixed_time(day)
        page.goto(url)
        page.wait_for_selector(".mk-version-bar", timeout=10_000)
        return page

    def options(page: Page) -> list[str]:
        return list(page.eval_on_selector_all(".mk-version-bar option", "els => els.map(e => e.textContent)"))

    february, march = dt.datetime(2025, 2, 26, 10), dt.datetime(2025, 3, 1, 10)
    with served(project / "build" / "site") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        # February: 1.0 is in force; it names the approved 1.1 but is not superseded.
        page = open_on(browser, february, f"{base}/1.0/02-complaints.html")
        assert page.query_selector(".mk-superseded") is None and page.query_selector(".mk-pending") is None
        assert options(page) == [
            "v1.1 · 批准待施行（自2025年3月1日起施行）",
            "v1.0（2025年1月1日起施行） · 现行",
        ]
        upcoming = page.inner_text(".mk-version-bar .mk-upcoming")
        assert "v1.1 已批准，自2025年3月1日起施行。" in upcoming
        # ... and 1.1's pages say it is not in force yet, pointing to the version that is.
        page = open_on(browser, february, f"{base}/1.1/02-complaints.html")
        assert page.query_selector(".mk-superseded") is None
        notice = page.inner_text(".mk-pending")
        assert "本版本（v1.1）批准待施行（自2025年3月1日起施行），现行版本为 v1.0。查看现行版本" in notice
        assert page.get_attribute(".mk-pending a", "href") == f"{base}/1.0/02-complaints.html"
        # The site's address leads to the version in force.
        page = browser.new_page()
        page.clock.set_fixed_time(february)
        page.goto(f"{base}/")
        page.wait_for_url(f"{base}/1.0/index.html", timeout=10_000)

        # March 1st: the same pages, unchanged on the server, now say 1.1 is in force.
        page = open_on(browser, march, f"{base}/1.0/02-complaints.html")
        assert "本版本（v1.0）已被 v1.1 取代，仅供查阅。查看现行版本" in page.inner_text(".mk-superseded")
        assert page.get_attribute(".mk-superseded a", "href") == f"{base}/1.1/02-complaints.html"
        assert options(page) == [
            "v1.1（2025年3月1日起施行） · 现行",
            "v1.0（2025年1月1日起施行） · 已被 v1.1 取代",
        ]
        page = open_on(browser, march, f"{base}/1.1/02-complaints.html")
        assert page.query_selector(".mk-pending") is None and page.query_selector(".mk-superseded") is None
        assert page.query_selector(".mk-upcoming") is None
        page = browser.new_page()
        page.clock.set_fixed_time(march)
        page.goto(f"{base}/")
        page.wait_for_url(f"{base}/1.1/index.html", timeout=10_000)
        # latest/ still names 1.0 (published in February): its pages go on to 1.1's.
        page = browser.new_page()
        page.clock.set_fixed_time(march)
        page.goto(f"{base}/latest/02-complaints.html")
        page.wait_for_url(f"{base}/1.1/02-complaints.html", timeout=10_000)
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_old_pages_show_superseded_banner(project: Path) -> None:
    import functools
    import http.server
    import shutil
    import threading

    from playwright.sync_api import sync_playwright

    release(project, "1.0", formats=("html",), check=document_control_checks)
    make_v1_1(project)
    commit_all(project, "手册 v1.1")
    release(project, "1.1", formats=("html",), check=document_control_checks)
    site = project / "build" / "site"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"{base}/1.0/02-complaints.html")
            banner = page.wait_for_selector(".mk-superseded", timeout=10_000)
            assert banner is not None
            assert "已被 v1.1 取代" in banner.inner_text()
            link = banner.query_selector("a")
            assert link is not None and link.get_attribute("href") == f"{base}/1.1/02-complaints.html"
            options = page.eval_on_selector_all(
                ".mk-version-bar option", "els => els.map(e => e.textContent)"
            )
            assert len(options) == 2 and "现行" in options[0]

            # The site's no-JavaScript notice stands down for the script's banner: one notice.
            assert not page.is_visible(".mk-static-status")

            # Scripts blocked (a bank's locked-down browser): the page still says it is superseded.
            static = browser.new_context(java_script_enabled=False).new_page()
            static.goto(f"{base}/1.0/02-complaints.html", wait_until="networkidle")
            assert static.is_visible(".mk-static-status") and static.query_selector(".mk-superseded") is None
            words = static.eval_on_selector(
                ".mk-static-status", "e => getComputedStyle(e, '::before').content"
            )
            assert words == '"本版本（v1.0）已被 v1.1 取代，仅供查阅。"'
            assert static.get_attribute(".mk-static-status a", "href") == "../latest/index.html"
            # The notice passes the accessibility audit (contrast, role, link name) where it shows:
            # here, in the scripted page, with the switcher's banner taken away.
            from axe_playwright_python.sync_playwright import Axe

            page.evaluate(
                "() => { document.documentElement.classList.remove('mk-versions-live');"
                " document.querySelector('.mk-superseded').remove(); }"
            )
            assert page.is_visible(".mk-static-status")
            audit = Axe().run(page, context={"include": [[".mk-static-status"]]}).response
            assert [v["id"] for v in audit["violations"]] == []
            assert {"color-contrast", "link-name"} <= {v["id"] for v in audit["passes"]}
            page.goto(f"{base}/1.0/02-complaints.html")
            banner = page.wait_for_selector(".mk-superseded", timeout=10_000)
            assert banner is not None
            link = banner.query_selector("a")
            assert link is not None

            with static.expect_navigation():
                static.click(".mk-static-status a")
            assert static.url == f"{base}/latest/index.html"
            assert not static.is_visible(".mk-static-status")  # latest/ is 1.1, the version in force

            with page.expect_navigation():
                link.click()
            assert page.url == f"{base}/1.1/02-complaints.html"
            page.wait_for_selector(".mk-version-bar", timeout=10_000)
            assert page.query_selector(".mk-superseded") is None

            # The switcher goes to the same page in the chosen version ...
            with page.expect_navigation():
                page.select_option(".mk-version-bar select", index=1)
            assert page.url == f"{base}/1.0/02-complaints.html"
            # ... or to that version's start page when the page does not exist there.
            (site / "1.1" / "01-overview.html").unlink()
            page.goto(f"{base}/1.0/01-overview.html")
            banner = page.wait_for_selector(".mk-superseded a", timeout=10_000)
            assert banner is not None
            with page.expect_navigation():
                banner.click()
            assert page.url.rstrip("/") in (f"{base}/1.1", f"{base}/1.1/index.html")

            # A page outside <site>/<version>/ (build/html, a preview) has no version list to read:
            # asking for one logged a 404 on every page.
            shutil.copytree(site / "1.0", site / "preview")
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{base}/preview/02-complaints.html", wait_until="networkidle")
            assert any("manualkit-versions.js" in url for url in requested)
            assert [url for url in requested if "versions.json" in url] == []
            assert page.query_selector(".mk-version-bar") is None
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
