"""A build that is stopped — SIGTERM (a CI job cancelled), SIGKILL, Ctrl-C — leaves nothing running.

The builds run as a writer or CI runs them (``python -m manualkit``, in a session of their own)
on a copy of the real manual, large enough that the PDF's Sphinx child hands over a job bigger
than a pipe holds (the child that got stuck writing it) and that the parts take a while to
typeset.  Every process of the build's tree is noted while it runs; afterwards none may be
alive.  Whatever is left despite that is killed by its pid, so that a failing test leaves no
process behind either.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
#: How long a stopped build may take to end: seconds normally, but the suite's other tests load
#: both cores (a build's clean-up waits for its children to end).
ENDS_WITHIN = 120.0
FORK_SERVER = "multiprocessing.forkserver"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; PDEATHSIG is Linux"
)


# --------------------------------------------------------------------------- processes


def _process_table() -> dict[int, tuple[int, str]]:
    """Every live process: pid -> (parent pid, command line).  Zombies are dead: left out."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(encoding="utf-8", errors="replace")
            command = (
                Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            table[int(entry)] = (int(parent), command)
    return table


def _tree(root: int) -> dict[int, tuple[int, str]]:
    """``root`` and its live descendants."""
    table = _process_table()
    found = {root}
    grown = True
    while grown:
        grown = False
        for pid, (parent, _) in table.items():
            if parent in found and pid not in found:
                found.add(pid)
                grown = True
    return {pid: table[pid] for pid in found if pid in table}


@dataclasses.dataclass
class Build:
    """``python -m manualkit build …`` running in its own session; its tree is noted as it grows."""

    process: subprocess.Popen[bytes]
    stderr_path: Path
    seen: dict[int, tuple[int, str]] = dataclasses.field(default_factory=dict)

    def look(self) -> dict[int, tuple[int, str]]:
        tree = _tree(self.process.pid)
        self.seen.update(tree)
        return tree

    def wait_for(self, what: str, condition: Callable[[dict[int, tuple[int, str]]], bool]) -> None:
        """Note the tree until ``condition`` holds for it (the build must not end before)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if condition(self.look()):
                return
            assert self.process.poll() is None, f"the build ended before {what}: {self.stderr()}"
            time.sleep(0.01)
        raise AssertionError(f"no {what} within 120 s")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def ended(self, within: float = ENDS_WITHIN) -> int:
        """The build's status once it ends; if it does not end ``within`` seconds, fail with
        where every process of its tree was stuck (the builds run with ``-X faulthandler``: a
        SIGABRT prints each one's Python stack into the build's stderr)."""
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            stuck = self.look()
            for pid in stuck:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            tree = "\n".join(
                f"{pid} (parent {parent}): {command}" for pid, (parent, command) in stuck.items()
            )
            raise AssertionError(
                f"the build did not end within {within} s; its processes:\n{tree}\n"
                f"their stacks and the build's messages:\n{self.stderr()}"
            ) from None

    def survivors(self, within: float) -> dict[int, tuple[int, str]]:
        """The processes of the tree still alive ``within`` seconds after the build ended."""
        deadline = time.monotonic() + within
        while True:
            table = _process_table()
            alive = {
                pid: table[pid]
                for pid, (_, command) in self.seen.items()
                if pid in table and table[pid][1] == command
            }
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.05)


@pytest.fixture
def start_build(tmp_path: Path) -> Iterator[Callable[..., Build]]:
    builds: list[Build] = []

    def start(project: Path, *arguments: str) -> Build:
        stderr_path = tmp_path / f"stderr-{len(builds)}.txt"
        with open(stderr_path, "wb") as stderr:
            # Files, not pipes: a process left behind would hold a pipe open and hang the test.
            process = subprocess.Popen(
                [sys.executable, "-X", "faulthandler", "-m", "manualkit", "build", *arguments],
                cwd=project,
                env=dict(os.environ, PYTHONPATH=str(REPO / "tools")),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        build = Build(process, stderr_path)
        builds.append(build)
        return build

    yield start
    for build in builds:
        if build.process.poll() is None:
            build.process.kill()
            build.process.wait()
        for pid in build.survivors(within=0):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _fork_server(tree: dict[int, tuple[int, str]]) -> int | None:
    return next((pid for pid, (_, command) in tree.items() if FORK_SERVER in command), None)


def _has_fork_server(tree: dict[int, tuple[int, str]]) -> bool:
    return _fork_server(tree) is not None


def _typesetting(tree: dict[int, tuple[int, str]]) -> bool:
    """A PDF worker is running: a child of the fork server."""
    server = _fork_server(tree)
    return server is not None and any(parent == server for parent, _ in tree.values())


def _reading(build: Build) -> Callable[[dict[int, tuple[int, str]]], bool]:
    """The PDF's Sphinx build runs in its child (a fork of the build: the same command line)."""
    main = build.process.pid

    def condition(tree: dict[int, tuple[int, str]]) -> bool:
        command = tree.get(main, (0, ""))[1]
        return _has_fork_server(tree) and any(
            parent == main and child_command == command for parent, child_command in tree.values()
        )

    return condition


@pytest.fixture(scope="module")
def real_manual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real manual's sources, built once (its outputs: what must stay intact)."""
    project = tmp_path_factory.mktemp("lifetime") / "manual"
    for folder in ("manual", "data", "templates"):
        shutil.copytree(REPO / folder, project / folder)
    for name in ("conf.py", "docutils.conf"):
        shutil.copy2(REPO / name, project / name)
    env = dict(os.environ, PYTHONPATH=str(REPO / "tools"))
    result = subprocess.run(
        [sys.executable, "-m", "manualkit", "build", "pdf", "--no-check"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return project


def _outputs(project: Path) -> dict[str, str]:
    """The published files and their hashes.

    Not Sphinx's cache (``build/.doctrees``): Sphinx saves its environment once the sources are
    read, so a build stopped while it writes or typesets leaves a newer one, and that is right (a
    build that warned deletes it; see test_cli's interrupted-after-a-warning test).
    """
    return {
        str(path.relative_to(project)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((project / "build").glob("*/*"))
        if path.is_file() and path.parent.name != ".doctrees"
    }


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# --------------------------------------------------------------------------- the CLI


@pytest.mark.slow
@pytest.mark.parametrize(
    "phase",
    [pytest.param("reading", id="while-sphinx-reads"), pytest.param("typesetting", id="while-typesetting")],
)
def test_sigterm_ends_a_build_as_ctrl_c_does(
    real_manual: Path, start_build: Callable[..., Build], phase: str
) -> None:
    """A cancelled CI job: its build used to die mid-way and leave ~450 MB of processes running."""
    before = _outputs(real_manual)
    assert any(name.startswith("build/pdf/") for name in before)
    build = start_build(real_manual, "pdf", "--fresh", "--no-check")
    build.wait_for(phase, _reading(build) if phase == "reading" else _typesetting)

    build.process.send_signal(signal.SIGTERM)
    status = build.ended()

    stderr = build.stderr()
    assert status == 143, stderr
    assert _last_line(stderr) == "manualkit: terminated"
    assert "Traceback" not in stderr
    assert build.survivors(within=10) == {}
    assert _outputs(real_manual) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    "phase",
    [pytest.param("reading", id="while-sphinx-reads"), pytest.param("typesetting", id="while-typesetting")],
)
def test_a_killed_build_leaves_no_process_running(
    real_manual: Path, start_build: Callable[..., Build], phase: str
) -> None:
    """SIGKILL cannot be handled: the children must end by themselves, promptly.

    While Sphinx reads, the PDF's child used to be left writing its job into a pipe nobody
    would read, keeping the fork server alive; while typesetting, the workers and the server.
    """
    build = start_build(real_manual, "pdf", "--fresh", "--no-check")
    build.wait_for(phase, _reading(build) if phase == "reading" else _typesetting)

    build.process.kill()
    build.ended()

    assert build.survivors(within=5) == {}


@pytest.mark.slow
def test_ctrl_c_while_the_pdf_workers_load_prints_no_traceback(
    real_manual: Path, start_build: Callable[..., Build]
) -> None:
    """The fork server imports WeasyPrint for its first seconds: a Ctrl-C then printed its traceback."""
    build = start_build(real_manual, "pdf", "--no-check")
    build.wait_for("the fork server", _has_fork_server)
    time.sleep(0.3)  # the server is importing WeasyPrint now (it takes over a second)

    os.killpg(build.process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    status = build.ended()

    stderr = build.stderr()
    assert status == 130, stderr
    assert "Traceback" not in stderr
    assert _last_line(stderr) == "manualkit: interrupted"
    assert build.survivors(within=10) == {}


# --------------------------------------------------------------------------- the mechanisms
# (Imported here, not at the top: the tests above run the CLI and need nothing from these.)


_FORKING_SCRIPT = """
import os, sys, time
from manualkit.process_lifetime import children_end_with_this_process

with children_end_with_this_process():
    child = os.fork()
    if child == 0:
        time.sleep(120)
        os._exit(0)
    print(child, flush=True)
    time.sleep(120)
"""


def test_a_child_forked_under_the_cli_ends_when_the_cli_is_killed() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _FORKING_SCRIPT],
        env=dict(os.environ, PYTHONPATH=str(REPO / "tools")),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    child = int(process.stdout.readline())
    try:
        process.kill()
        process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while child in _process_table() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert child not in _process_table()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        process.stdout.close()


def test_sigterm_unwinds_the_cli_and_its_handler_is_put_back() -> None:
    from manualkit import process_lifetime

    previous = signal.getsignal(signal.SIGTERM)
    unwound: list[str] = []
    with pytest.raises(process_lifetime.Terminated), process_lifetime.children_end_with_this_process():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # interrupted by the handler
        finally:
            unwound.append("finally")
    assert unwound == ["finally"]
    assert signal.getsignal(signal.SIGTERM) is previous


def test_a_sigterm_that_arrives_while_the_build_forks_is_not_lost() -> None:
    """Python drops an exception raised in an at-fork hook, where such a signal is handled: the
    build went on and published (seen with a SIGTERM sent as the PDF's Sphinx child started)."""
    from manualkit import process_lifetime

    reached: list[str] = []
    with pytest.raises(process_lifetime.Terminated), process_lifetime.children_end_with_this_process():
        process_lifetime._before_fork()  # as os.fork() runs the hooks: a fork is under way
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(1000))  # the handler has run by now, and only noted the signal
        reached.append("fork done")
        process_lifetime._after_fork_in_parent()  # the fork is done: the signal comes again
        time.sleep(5)  # interrupted by the handler
        reached.append("not interrupted")
    assert reached == ["fork done"]


def test_the_pdf_workers_leave_ctrl_c_to_the_build() -> None:
    """A Ctrl-C reaching the workers made them die or send back a KeyboardInterrupt (which could
    hang the pool and the exit); the build stops them itself."""
    from concurrent.futures import ProcessPoolExecutor

    from manualkit.builders import pdf_pool

    with ProcessPoolExecutor(max_workers=1, mp_context=pdf_pool._context()) as pool:
        disposition = pool.submit(signal.getsignal, signal.SIGINT).result(timeout=120)
    assert disposition == signal.SIG_IGN


@pytest.mark.slow
def test_cancelled_typesetting_stops_its_workers_at_once() -> None:
    """A failed or interrupted build waited for the parts being typeset (seconds each at 10×)."""
    from concurrent.futures import ProcessPoolExecutor

    from manualkit.builders import pdf_pool
    from manualkit.builders.pdf_worker import PartJob

    with ProcessPoolExecutor(max_workers=1, mp_context=pdf_pool._context()) as pool:
        pool.submit(os.getpid).result(timeout=120)  # the fork server is warm: parts start at once
    page = "<p>客户服务 customer service 123</p>" * 400
    html = f'<html lang="zh-CN"><body><h1>章</h1>{page * 30}</body></html>'  # ~6 s a part
    job = PartJob(0, html, str(REPO), (str(REPO),), {}, frozenset())
    cancelled = threading.Event()
    timer = threading.Timer(1.0, cancelled.set)

    started = time.monotonic()
    with pdf_pool.cancelled_by(cancelled), pytest.raises(pdf_pool.TypesettingCancelled):
        timer.start()
        list(pdf_pool.render_parts([job, job], 2))
    took = time.monotonic() - started
    timer.join()

    assert took < 2.5, f"stopped {took:.1f} s after starting, 1 s after the cancel"
    workers = [child for child in multiprocessing.active_children() if "ForkServer" in type(child).__name__]
    assert workers == []
