"""``.pre-commit-config.yaml``: every manualkit hook is a real command and fires on its inputs.

A hook whose ``files`` pattern misses a file its command reads lets a commit that breaks the
checks through (a mobile number typed into templates/ passed every hook).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from manualkit.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
ENTRY = ".venv/bin/manualkit"

#: Files the checker reads, by rule: chapters, data, templates (MK4xx), the house style (MK6xx).
STYLE_INPUTS = (
    "manual/04-complaints.md",
    "manual/sub/page.md",
    ".vale.ini",
    ".autocorrectrc",
    "tools/vale/styles/House/Terms.yml",
)
DATA_INPUTS = ("data/slas.yaml", "data/forms.yml")
CHECK_INPUTS = (
    *STYLE_INPUTS,
    *DATA_INPUTS,
    "data/holidays.yaml",
    "templates/fragments/form.md.j2",
    "templates/page.html",
)
#: Files no manualkit hook reads: committing them stays fast.
UNRELATED = ("README.md", "tools/manualkit/cli.py", "tests/test_cli.py", "Makefile", "build/html/index.html")


def manualkit_hooks() -> list[dict[str, Any]]:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    found = [hook for hook in hooks if str(hook["entry"]).startswith(ENTRY)]
    assert {hook["id"] for hook in found} == {"manualkit-check", "manualkit-style", "manualkit-data"}
    return found


def inputs_of(argv: list[str]) -> tuple[str, ...]:
    """What the command reads: ``check`` all inputs (``--select MK6``: the style ones), ``data`` data/."""
    if argv[0] == "data":
        return DATA_INPUTS
    assert argv[0] == "check"
    return STYLE_INPUTS if "--select" in argv else CHECK_INPUTS


@pytest.mark.parametrize("hook", manualkit_hooks(), ids=lambda hook: str(hook["id"]))
def test_hook_is_a_manualkit_command_that_fires_on_its_inputs(hook: dict[str, Any]) -> None:
    argv = shlex.split(hook["entry"])[1:]
    args = build_parser(argv[0]).parse_args(argv)  # SystemExit on an unknown command or option
    assert args.command == argv[0] and callable(args.handler)
    assert hook["language"] == "system" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for path in inputs_of(argv):
        assert files.search(path), f"{hook['id']}: a staged {path} would not run the hook"
    for path in UNRELATED:
        assert not files.search(path), f"{hook['id']}: {path} would run the hook for nothing"


def test_check_hook_runs_on_templates_and_checks_what_git_tracks() -> None:
    """The audit's case: a template change must run ``manualkit check`` (MK402 in a template)."""
    (hook,) = [hook for hook in manualkit_hooks() if hook["id"] == "manualkit-check"]
    assert re.search(hook["files"], "templates/fragments/form.md.j2")
    assert shlex.split(hook["entry"])[1:] == ["check", "--tracked-only"]
