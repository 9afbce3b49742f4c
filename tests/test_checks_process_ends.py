"""manualkit check MK204: from every step of a process some way leads to an end step.

A step whose only `next` led back to itself passed data, check and build: general complaints
never reached the end, and the process budget (MK203) took the loop for the end of a path.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from manualkit.checks import run_checks
from manualkit.checks.rules_processes import paths
from manualkit.models import Process

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "checks"
TODAY = dt.date(2025, 12, 1)
PROCESSES = "data/processes.yaml"


def make_project(tmp_path: Path) -> Path:
    """The clean fixture project in a temp dir (its Vale styles pointed at the repository's)."""
    root = tmp_path / "clean"
    shutil.copytree(FIXTURES / "clean", root)
    ini = root / ".vale.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "../../../../tools/vale/styles", (REPO / "tools" / "vale" / "styles").as_posix()
        ),
        encoding="utf-8",
    )
    return root


def set_steps(root: Path, steps: str) -> int:
    """Replace the fixture process's steps; return the line of the first step."""
    file = root / PROCESSES
    text = file.read_text(encoding="utf-8")
    head = text[: text.index("  steps:\n") + len("  steps:\n")]
    file.write_text(head + steps, encoding="utf-8")
    return head.count("\n") + 1


def found(root: Path) -> list[str]:
    return [d.format() for d in run_checks(root, today=TODAY, select=["MK203", "MK204"]).diagnostics]


def process(*steps: dict[str, object]) -> Process:
    return Process.model_validate(
        {"id": "p", "title": "流程", "owner": "cs.manager", "section": "s", "steps": list(steps)}
    )


def step(sid: str, *to: str, end: bool = False) -> dict[str, object]:
    return {
        "id": sid,
        "name": sid,
        "owner": "cs.agent",
        "next": [{"to": t, "when": "条件"} for t in to],
        "end": end,
    }


def test_a_step_whose_only_branch_leads_back_to_itself_never_ends(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    first = set_steps(
        root,
        "    - {id: receive, name: 受理登记, owner: cs.agent, sla: complaint.general.respond}\n"
        "    - id: resolve\n"
        "      name: 调查处理\n"
        "      owner: complaint.handler\n"
        "      sla: complaint.general.resolve\n"
        "      next:\n"
        "        - {to: resolve, when: 处理完毕}\n"
        "    - {id: close, name: 办结归档, owner: cs.manager, end: true}\n",
    )
    assert found(root) == [
        f"{PROCESSES}:{first + 1}:7: error MK204 step complaint.handling/resolve (“调查处理”) never reaches "
        "an end step: its only way on leads back to itself (and 'receive' leads only there), so a case "
        "there never closes; expected a branch out of the loop to a step that leads to an end step "
        "('close'), found only resolve: next → resolve (“处理完毕”)",
        f"{PROCESSES}:{first + 7}:7: error MK204 step complaint.handling/close cannot be reached from the "
        "first step 'receive'",
    ]


def test_a_loop_with_no_way_out_names_the_loop_at_each_step_caught_in_it(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    first = set_steps(
        root,
        "    - {id: receive, name: 受理登记, owner: cs.agent}\n"
        "    - {id: assess, name: 分类定级, owner: complaint.handler, next: [{to: resolve, when: 一般投诉}, "
        "{to: close, when: 不予受理}]}\n"
        "    - {id: resolve, name: 调查处理, owner: complaint.handler,\n"
        "       next: [{to: review, when: 处理完毕}]}\n"
        "    - {id: review, name: 复核, owner: cs.manager, next: [{to: resolve, when: 退回}]}\n"
        "    - {id: close, name: 办结归档, owner: cs.manager, end: true}\n",
    )
    assert found(root) == [
        f"{PROCESSES}:{first + 2}:7: error MK204 step complaint.handling/resolve (“调查处理”) never reaches "
        "an end step: it is caught in the loop resolve → review → resolve, so a case there never closes; "
        "expected a branch out of the loop to a step that leads to an end step ('close'), found only "
        "resolve: next → review (“处理完毕”); review: next → resolve (“退回”)"
    ]


def test_loops_with_a_way_out_are_fine_and_paths_end_only_at_end_steps() -> None:
    from manualkit.checks.rules_processes import trapped_steps

    looped = process(step("a"), step("b", "c", "d"), step("c", "b"), step("d", "b", "e"), step("e", end=True))
    assert trapped_steps(looped) == {}
    assert paths(looped) == [["a", "b", "d", "e"]]  # a → b → c loops back: no path, not an end


def test_a_step_leading_only_into_a_loop_is_trapped_too() -> None:
    from manualkit.checks.rules_processes import trapped_steps

    trap = process(step("a", "b", "x"), step("x", "y"), step("y", "x"), step("b", end=True))
    assert trapped_steps(trap) == {"x": ["x", "y", "x"], "y": ["y", "x", "y"]}
    feeding = process(
        step("a", "b", "w"), step("w", "x"), step("x", "y"), step("y", "x"), step("b", end=True)
    )
    assert trapped_steps(feeding)["w"] == ["x", "y", "x"]
    assert paths(feeding) == [["a", "b"]]


def test_the_budget_no_longer_counts_a_loop_as_the_end_of_a_path(tmp_path: Path) -> None:
    """receive → resolve, looping on itself, was summed as a whole path (7 + 7 working days
    against 10: MK203) while the real defect, a case that never closes, went unreported."""
    root = make_project(tmp_path)
    steps = (
        "    - {id: receive, name: 受理登记, owner: cs.agent, sla: complaint.general.resolve}\n"
        "    - {id: resolve, name: 调查处理, owner: complaint.handler, sla: complaint.major.resolve, "
        "next: [{to: resolve, when: 处理完毕}]}\n"
        "    - {id: close, name: 办结归档, owner: cs.manager, end: true}\n"
    )
    set_steps(root, steps)
    assert [m.split(" error ")[1][:5] for m in found(root)] == ["MK204", "MK204"]  # the loop; close unreached
    # With a way out the path through the loop is a path again, and over budget.
    set_steps(
        root,
        steps.replace("{to: resolve, when: 处理完毕}", "{to: resolve, when: 退回}, {to: close, when: 办结}"),
    )
    (budget,) = found(root)
    assert "error MK203 path receive → resolve → close takes 7个工作日 + 7个工作日" in budget


def test_the_real_processes_all_end() -> None:
    from manualkit.checks.rules_processes import trapped_steps
    from manualkit.loader import load_data

    data, problems = load_data(REPO / "data", root=REPO)
    assert data is not None, problems
    assert {p.id: trapped_steps(p) for p in data.processes} == {p.id: {} for p in data.processes}
