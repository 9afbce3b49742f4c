"""``manualkit`` — the one command behind ``make``: build, check, due, serve, data.

Thin by design: each subcommand parses its options and calls the module that
does the work (loader, checker, build runner).  Exit statuses are part of the
interface so scripts and CI can tell failures apart:

* 0 — success;
* 1 — the manual is inconsistent (checker errors) or a build failed;
* 2 — invalid input: bad data files, not a project, bad command line.

Bad input never ends in a traceback: every problem is a ``file:line:col`` line.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import os
import shlex
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from manualkit.diagnostics import EXIT_FAILED, EXIT_INVALID, EXIT_OK, FORMATS, Diagnostic, Reporter
from manualkit.sphinx_jobs import AUTO, forks, parse_jobs

if TYPE_CHECKING:
    from manualkit.buildrunner import BuiltOutput
    from manualkit.held_errors import HeldError
    from manualkit.project import Project
    from manualkit.source_snapshot import SourceSnapshot


Handler = Callable[[argparse.Namespace], int]


@dataclasses.dataclass(frozen=True)
class Plugin:
    """A subcommand another module mounts: ``function(subparsers)`` in ``module``.

    The function adds its parser and sets ``handler`` (``args -> exit status``) with
    ``set_defaults``; ``args.project`` holds the project root.  ``help`` is repeated here so
    ``manualkit --help`` can list the command without importing its module: importing every
    plugin up front cost ~0.5 s of each ``build`` and ``check`` (release alone ~0.3 s).
    """

    command: str
    module: str
    function: str
    help: str


PLUGINS: tuple[Plugin, ...] = (
    Plugin(
        "check",
        "manualkit.checks.cli",
        "add_check_parser",
        "check the manual's consistency (references, deadlines, forms, style …)",
    ),
    Plugin(
        "due",
        "manualkit.checks.cli",
        "add_due_parser",
        "compute an SLA's due date on the official working-day calendar",
    ),
    Plugin(
        "release",
        "manualkit.release",
        "add_release_parser",
        "check, build HTML/PDF/DOCX, publish build/site/X.Y/ and tag vX.Y",
    ),
    Plugin(
        "refresh-site",
        "manualkit.site_refresh",
        "add_refresh_parser",
        "decide again which published version is in force today (latest/, index.html, the "
        "no-JavaScript notices)",
    ),
    Plugin(
        "redline",
        "manualkit.redline.cli",
        "add_redline_parser",
        "compare two releases (tags vOLD, vNEW): HTML, tracked-changes DOCX, changes.json",
    ),
    Plugin(
        "new",
        "manualkit.scaffold",
        "add_new_parser",
        "start a new form, SLA, checklist or chapter with the next free id",
    ),
    Plugin(
        "import-docx",
        "manualkit.importdocx",
        "add_import_docx_parser",
        "convert an existing Word manual into MyST chapters and list its durations",
    ),
)


#: Commands whose process may end without the interpreter's teardown (see :func:`main`).
FAST_EXIT_COMMANDS = frozenset({"build", "check"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``manualkit`` console script; returns the exit status.

    Run as the console script (``argv`` is ``None``), ``build`` and ``check`` end the process
    as soon as their output is flushed: the interpreter's teardown would free the doctrees,
    the Sphinx environment and jieba's dictionary object by object, ~0.25 s of a 1.4 s
    incremental ``build html``, for a process about to vanish anyway.  By then every output is
    published, every file closed and the checker process joined; nothing registered with
    ``atexit`` is left to do.  Called with arguments (tests, other Python code), it returns.
    For the same reason ``build`` keeps the collector's relaxed threshold for its whole life.
    SIGTERM (a CI job cancelled) is handled as Ctrl-C is, ending with status 143, and no helper
    process outlives this one, however it ends (see ``manualkit.process_lifetime``).
    """
    from manualkit.process_lifetime import (
        EXIT_TERMINATED,
        Terminated,
        children_end_with_this_process,
        end_at_once_on_signal,
    )

    command = _command_of(sys.argv[1:]) if argv is None else None
    if command == "build":
        from manualkit.buildrunner import relax_collector_for_good

        relax_collector_for_good()
    with children_end_with_this_process():
        try:
            status = _main(argv)
        except Terminated:
            print("manualkit: terminated", file=sys.stderr)
            status = EXIT_TERMINATED
        if command in FAST_EXIT_COMMANDS:
            end_at_once_on_signal(status)  # a second Ctrl-C while exiting: no traceback
    if command in FAST_EXIT_COMMANDS:
        _exit_now(status)
    return status


def _exit_now(status: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing can reach the reader
            stream.flush()
    if "multiprocessing.forkserver" in sys.modules:
        # The PDF workers' fork server left a socket folder that only the normal exit removes.
        sys.exit(status)
    os._exit(status)


def _main(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Without a command (usage, --help) the plugins' help lines suffice: import none of them.
    parser = build_parser(_command_of(arguments) or "")
    args = parser.parse_args(arguments)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_INVALID
    if not getattr(args, "no_project", False):
        from manualkit.project import ProjectError, locate_project

        try:
            project = locate_project(getattr(args, "project", None))
        except ProjectError as exc:
            print(f"manualkit: {exc}", file=sys.stderr)
            return EXIT_INVALID
        args.project = str(project.root)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("manualkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`manualkit check | head`): stop quietly, as Unix tools do.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


def _command_of(arguments: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not a global option)."""
    words = iter(arguments)
    for word in words:
        if word == "--project":
            next(words, None)
        elif word == "--":
            return next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; only ``command``'s plugin module is imported (all of them for ``None``).

    The other plugin commands get a stand-in parser carrying their help line, enough for
    ``manualkit --help`` and for argparse to accept the name; it is never the one that runs.
    """
    parser = argparse.ArgumentParser(
        prog="manualkit",
        description="Build, check and serve the Customer Service Operations Manual (HTML, PDF, DOCX).",
        epilog="Exit status: 0 ok, 1 checks failed or build failed, 2 invalid sources or usage.",
    )
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=None,
        help="project root with conf.py and manual/ (default: the current directory)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_build_parser(subparsers)
    _add_data_parser(subparsers)
    _add_serve_parser(subparsers)
    for plugin in PLUGINS:
        if command not in (None, plugin.command):
            subparsers.add_parser(plugin.command, help=plugin.help)
            continue
        add = _plugin(plugin.module, plugin.function)
        if add is not None:
            add(subparsers)
    return parser


def _plugin(module_name: str, function_name: str) -> Callable[[Any], Any] | None:
    """The parser-adding function of a plugin module, or ``None`` while the module does not exist."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return None
        print(f"manualkit: {module_name} cannot be loaded ({exc}); its commands are missing", file=sys.stderr)
        return None
    except Exception as exc:  # a broken plugin must not take down `manualkit build` and `data`
        print(
            f"manualkit: {module_name} cannot be loaded ({exc!r}); its commands are missing", file=sys.stderr
        )
        return None
    function = getattr(module, function_name, None)
    return function if callable(function) else None


def _project_option(parser: argparse.ArgumentParser) -> None:
    # Also accepted after the subcommand; SUPPRESS keeps a global --project when not repeated.
    parser.add_argument("--project", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


# --------------------------------------------------------------------------- data


def _add_data_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "data",
        help="validate data/*.yaml only (exit 2 on errors)",
        description="Load and validate the data files; print every problem as file:line:col.",
    )
    _project_option(p)
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--explain", metavar="CODE", help="explain a data diagnostic code (DATA001 …) and exit")
    p.set_defaults(handler=run_data_command)


def run_data_command(args: argparse.Namespace) -> int:
    from manualkit.loader import DATA_CODES, load_data
    from manualkit.project import locate_project

    if args.explain:
        code = args.explain.strip().upper()
        if code not in DATA_CODES:
            print(f"manualkit data: unknown code {code!r}; known: {', '.join(DATA_CODES)}", file=sys.stderr)
            return EXIT_INVALID
        summary, explanation = DATA_CODES[code]
        print(f"{code}: {summary}\n\n{explanation}")
        return EXIT_OK

    project = locate_project(args.project)
    data, diagnostics = load_data(project.data_dir, root=project.root)
    reporter = Reporter(sys.stdout, args.format, root=project.root)
    reporter.report(diagnostics)
    reporter.close()
    if data is None:
        return EXIT_INVALID
    if args.format != "json":
        counts = ", ".join(
            f"{len(getattr(data, name))} {name}"
            for name in ("roles", "slas", "forms", "checklists", "processes", "references")
        )
        print(f"data OK: {counts}")
    return EXIT_OK


# --------------------------------------------------------------------------- build


def _add_build_parser(subparsers: Any) -> None:
    from manualkit.buildrunner import OUTPUTS

    p: argparse.ArgumentParser = subparsers.add_parser(
        "build",
        help="build the HTML site, the PDF, the DOCX or all three",
        description=(
            "Validate the data, run the checker (errors refuse publication), then build with Sphinx. "
            "HTML is published to build/html only when the build succeeds; PDF and DOCX go to "
            "build/pdf/ and build/docx/. Sphinx warnings are errors."
        ),
    )
    _project_option(p)
    p.add_argument("output", choices=(*OUTPUTS, "all"), help="what to build")
    p.add_argument("-v", "--verbose", action="count", default=0, help="show Sphinx's progress (-vv: more)")
    p.add_argument("--no-check", action="store_true", help="skip the consistency checks (not for releases)")
    p.add_argument("--fresh", action="store_true", help="ignore the doctree cache and re-read everything")
    p.add_argument(
        "-j",
        "--jobs",
        type=parse_jobs,
        default=AUTO,
        metavar="N",
        help="Sphinx processes: a number, or 'auto' to read large manuals in parallel (default: auto)",
    )
    p.set_defaults(handler=run_build_command)


def run_build_command(args: argparse.Namespace) -> int:
    from manualkit.project import locate_project

    project = locate_project(args.project)
    problem = _source_date_epoch_problem()
    if problem:
        print(f"manualkit: {problem}", file=sys.stderr)
        return EXIT_INVALID
    from manualkit.loader import forget_kept_source
    from manualkit.source_snapshot import SourceSnapshot

    snapshot = SourceSnapshot.take(project)  # before anything reads them (see _publication_gate)
    try:
        status = validate_data(
            project.root, report_findings=args.no_check, verbose=args.verbose, stderr=sys.stderr
        )
        if status != EXIT_OK:
            return status
        checks = None
        if not args.no_check:
            checks = start_checks(project.root, verbose=args.verbose, stderr=sys.stderr)
    finally:
        forget_kept_source()  # the checker has it now (see validate_data); the build needs the data only
    try:
        return _build_outputs(args, project, checks, snapshot)
    finally:
        if checks is not None:
            checks.close()


def _publication_gate(checks: CheckRun | None, snapshot: SourceSnapshot) -> Callable[[], bool]:
    """Whether the outputs may be published: the checker approved (unless ``--no-check``) the
    sources the build started from, and they are still what every output was built from.

    A source saved during the build is reported once, naming the files; nothing is published.
    """
    from manualkit.source_snapshot import changed_message

    said: list[str] = []

    def approve() -> bool:
        if checks is not None and not checks.approved():
            return False
        changed = snapshot.changed()
        if changed and not said:
            said.append(changed_message(changed))
            print(f"manualkit: {said[0]}", file=sys.stderr)
        return not changed

    return approve


def _build_outputs(
    args: argparse.Namespace, project: Project, checks: CheckRun | None, snapshot: SourceSnapshot
) -> int:
    """Build each output in turn; nothing is published before the checker approved it.

    Every output is built while the checker runs and published once it approved.  ``all``
    builds the PDF first: once its print HTML is written, its typesetting goes on in worker
    processes while the HTML site and the DOCX build, and it is collected last.  ``all``
    publishes its three outputs together, once every one is finished: one that fails leaves all
    three as they were, never a site that disagrees with the PDF and the DOCX.
    """
    from manualkit.buildrunner import (
        BUILD_ORDER,
        OUTPUTS,
        BuildFailure,
        BuiltOutput,
        PendingOutput,
        PendingSite,
        build_output,
        build_pdf_in_child,
        signals_held,
    )

    # Sphinx's parallel build forks: no typesetting thread may be running then.
    overlap = not forks(args.jobs)
    names = (BUILD_ORDER if overlap else OUTPUTS) if args.output == "all" else (args.output,)
    together = len(names) > 1
    if "pdf" in names:
        from manualkit.builders.pdf_pool import warm_up

        warm_up()  # WeasyPrint loads in the PDF workers' fork server while Sphinx reads the sources
    built: list[BuiltOutput] = []
    waiting: list[PendingOutput | PendingSite] = []
    approved = _publication_gate(checks, snapshot)
    try:
        for name in names:
            if checks is not None and checks.finished() and not checks.approved():
                return _failed(project, built)
            if name == "pdf" and not together:
                # Sphinx in a child process: its memory is returned before the typesetting starts.
                # Not under `all`: the HTML and DOCX builds that follow need Sphinx in this process,
                # and importing it again here cost more (0.5 s of 10 s) than the memory is worth.
                result: BuiltOutput | PendingOutput | PendingSite = build_pdf_in_child(
                    project,
                    stderr=sys.stderr,
                    verbose=args.verbose,
                    parallel=args.jobs,
                    fresh=args.fresh,
                    hold_unknown_ids=checks is not None,
                )
            else:
                result = build_output(
                    project,
                    name,
                    stderr=sys.stderr,
                    verbose=args.verbose,
                    parallel=args.jobs,
                    fresh=args.fresh,
                    approve=approved,
                    hold_unknown_ids=checks is not None,
                    defer_site=together,
                )
            args.fresh = False  # the first build refreshed the shared doctree cache
            if isinstance(result, BuiltOutput):
                built.append(result)
            elif together:
                if not overlap:
                    result.finish()  # the typesetting ends before the next Sphinx build forks
                waiting.append(result)
            elif isinstance(result, PendingOutput):
                built.append(result.publish(approved))
        if waiting:
            if not approved():
                raise BuildFailure("outputs built but not published: the checks failed", refused=True)
            for pending in waiting:
                pending.finish()
            for pending in waiting:  # every destination usable before the first is replaced
                pending.check_destination()
            with signals_held():  # all three in place, or none: never a mix left by Ctrl-C
                while waiting:
                    built.append(waiting.pop(0).write())
    except BuildFailure as exc:
        if checks is not None:
            checks.approved()  # the checker's findings first: they may explain the failure
        _print_held(exc.held, checks, project)
        _print_outputs(project, built)
        if exc.source_error is not None:
            _report(exc.source_error.diagnostics, project.root, sys.stderr)
        if not exc.refused:
            print(f"manualkit: {exc}", file=sys.stderr)
        return exc.status
    finally:
        for pending in waiting:
            pending.cancel()
    _print_outputs(project, built)
    return EXIT_OK


def _print_held(held: Sequence[HeldError], checks: CheckRun | None, project: Project) -> None:
    """Sphinx's unknown-id errors the checker did not report itself (see ``manualkit.held_errors``)."""
    from manualkit.held_errors import not_reported

    reported = checks.diagnostics() if checks is not None else []
    for error in not_reported(held, reported, project.root):
        print(error.text, file=sys.stderr)


def _failed(project: Project, built: Sequence[BuiltOutput]) -> int:
    _print_outputs(project, built)
    return EXIT_FAILED


def _print_outputs(project: Project, built: Sequence[BuiltOutput]) -> None:
    from manualkit.buildrunner import OUTPUTS

    for output in sorted(built, key=lambda output: OUTPUTS.index(output.name)):
        details = f" ({output.summary})" if output.summary else ""
        print(f"{output.name}: {project.relative(output.path)}{details}", flush=True)


def validate_data(root: Path, *, report_findings: bool, verbose: int, stderr: TextIO) -> int:
    """Load and validate the data, and read every chapter, before anything is built (exit 2 on errors).

    Its warnings are printed only when ``report_findings`` (the checker reports them otherwise).
    """
    from manualkit.loader import load_source
    from manualkit.project import locate_project

    project = locate_project(root)
    # Kept for the checker, forked next, to use as it is (see load_source).
    source = load_source(project.data_dir, root=project.root, keep=True)
    data, diagnostics = source.data, source.diagnostics
    shown = [d for d in diagnostics if verbose or d.severity != "info"]
    if data is None:
        _report(shown, project.root, stderr)
        print("manualkit: invalid data; nothing built", file=stderr)
        return EXIT_INVALID
    # A chapter saved as GBK made Sphinx print one "undecodable source characters" warning per
    # byte (2.5 MB for one chapter) around the checker's one MK003 line: refused here, once.
    unreadable = _unreadable_chapters(project.root)
    if unreadable:
        _report(unreadable, project.root, stderr)
        print("manualkit: a chapter cannot be read as text (above); nothing built", file=stderr)
        return EXIT_INVALID
    if report_findings or _checker() is None:
        _report(shown, project.root, stderr, summary=False)
    return EXIT_OK


def start_checks(root: Path, *, verbose: int, stderr: TextIO) -> CheckRun | None:
    """The checker's run on the project, started now; ``None`` when the checker is not installed."""
    run_checks = _checker()
    if run_checks is None:
        print("manualkit: checker not available; building without checks", file=stderr)
        return None
    return CheckRun(root, run_checks, verbose=verbose, stderr=stderr)


#: What a checker run ends with: ``("report", report)`` or ``("crash", "Type: message", traceback)``.
Outcome = tuple[Any, ...]


def _run_checker(run_checks: Callable[..., Any], root: Path) -> Outcome:
    try:
        return ("report", run_checks(root))
    except Exception as exc:  # the checker's own bug: reported by the parent, never a traceback
        return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())


#: How much the checker beside a build yields to it (``nice`` increment; see :func:`_checker_child`).
CHECKER_NICENESS = 10


def _checker_child(run_checks: Callable[..., Any], root: Path, connection: Any, parents_end: Any) -> None:
    """The checker, forked beside a build, at a lower priority than the build.

    Why: publication waits for both, and the build is the longer.  On two cores, a large
    manual's build reads with two processes; a checker at equal priority took a third of a
    core from them, and the sources were read later.  Yielding, it runs on what the build leaves
    idle (the single-process write phase, the waits for ``dot``): at 10×, ``build docx`` 7.07 →
    6.90 s and ``build html`` 9.92 → 9.68 s (medians of 3–4 interleaved runs); ``build all`` of
    the real manual unchanged.
    """
    # The parent's reading end, which the fork copied: open here, a report larger than the pipe
    # would block for ever once the parent stopped reading (see buildrunner._pdf_child).
    parents_end.close()
    # Ctrl-C is the parent's to handle: it stops this process (no second traceback from here).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(CHECKER_NICENESS)
    outcome = _run_checker(run_checks, root)
    try:
        connection.send(outcome)
    except BrokenPipeError:
        pass  # the parent stopped listening (the build was interrupted): nobody to report to
    except Exception as exc:  # a report that cannot be pickled is a checker bug too
        connection.send(("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    connection.close()


class CheckRun:
    """The checker's verdict on a project, computed beside the Sphinx build.

    Why a child process: the checker (~0.4 s on the real manual) and Sphinx need nothing from
    each other, and publication waits for both, so on a machine with two cores an incremental
    ``build html`` takes the longer of the two instead of their sum.  The child is forked (it
    inherits the loaded modules and the checker function as is); where ``fork`` does not exist,
    the checker runs in this process at once.
    """

    def __init__(self, root: Path, run_checks: Callable[..., Any], *, verbose: int, stderr: TextIO) -> None:
        self.root = root
        self.verbose = verbose
        self.stderr = stderr
        self._status: int | None = None
        self._outcome: Outcome | None = None
        self._process: Any = None
        self._connection: Any = None
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            self._outcome = _run_checker(run_checks, root)
            return
        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # the child must not write our pending output again
            stream.flush()
        receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_checker_child,
            args=(run_checks, root, sender, receiver),
            name="manualkit-check",
            daemon=True,
        )
        self._process.start()
        sender.close()  # ours: the child holds the only writer, so its death ends recv() with EOF
        self._connection = receiver

    def approved(self) -> bool:
        """Wait for the checker, print its findings (once) and say whether publication may go on."""
        if self._status is None:
            self._status = self._report(self._wait())
        return self._status == EXIT_OK

    def diagnostics(self) -> list[Diagnostic]:
        """The checker's findings once its verdict is in (none when it failed or is still running)."""
        outcome = self._outcome
        if outcome is None or outcome[0] != "report":
            return []
        return list(outcome[1].diagnostics)

    def finished(self) -> bool:
        """Whether the checker's verdict is in (asking :meth:`approved` would not wait)."""
        if self._status is not None or self._outcome is not None or self._connection is None:
            return True
        try:
            return bool(self._connection.poll())
        except (EOFError, OSError):
            return True

    def close(self) -> None:
        """Stop a checker still running (the build was interrupted or failed before asking)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
        if self._process is not None:
            self._process.join()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _wait(self) -> Outcome:
        if self._outcome is None:
            try:
                self._outcome = self._connection.recv()
                self._process.join(timeout=10)
            except (EOFError, OSError):
                self._process.join()
                self._outcome = (
                    "crash",
                    f"the checker process ended with status {self._process.exitcode}",
                    "",
                )
            self.close()
        return self._outcome

    def _report(self, outcome: Outcome) -> int:
        stderr = self.stderr
        if outcome[0] == "crash":
            if self.verbose and outcome[2]:
                stderr.write(outcome[2])
            print(f"manualkit: the checker failed: {outcome[1]} (--no-check builds without it)", file=stderr)
            return EXIT_FAILED
        report = outcome[1]
        found = [d for d in report.diagnostics if self.verbose or d.severity != "info"]
        _report(found, self.root, stderr, summary=False)
        if report.has_errors:
            print(f"manualkit: checks failed ({report.summary()}); refusing to publish", file=stderr)
            return EXIT_FAILED
        return EXIT_OK


def _checker() -> Callable[..., Any] | None:
    """``manualkit.checks.run_checks`` when the checker is installed (imported lazily: it is big)."""
    try:
        module = importlib.import_module("manualkit.checks")
    except ModuleNotFoundError as exc:
        if exc.name in ("manualkit.checks", "manualkit"):
            return None
        raise
    function = getattr(module, "run_checks", None)
    return function if callable(function) else None


def _report(diagnostics: Sequence[Diagnostic], root: Path, stream: TextIO, *, summary: bool = True) -> None:
    reporter = Reporter(stream, "text", root=root)
    reporter.report(diagnostics)
    reporter.close(summary=summary)


def _source_date_epoch_problem() -> str | None:
    """Reproducible builds: Sphinx reads SOURCE_DATE_EPOCH as an integer; check it before it does."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value.strip().lstrip("-").isdigit():
        return None
    return f"SOURCE_DATE_EPOCH must be whole seconds since 1970, found {value!r}"


# --------------------------------------------------------------------------- serve


def _add_serve_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="live-reloading HTML preview (sphinx-autobuild), checks printed on every rebuild",
        description="Serve the HTML build and rebuild on changes to manual/, data/ and templates/.",
    )
    _project_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--no-check", action="store_true", help="do not run the checker before each rebuild")
    p.add_argument("--open-browser", action="store_true", help="open a browser tab")
    p.set_defaults(handler=run_serve_command)


def serve_arguments(args: argparse.Namespace) -> list[str]:
    """sphinx-autobuild's command line for the project (separate so tests can inspect it)."""
    from manualkit.project import locate_project

    project = locate_project(args.project)
    argv = [
        str(project.manual_dir),
        str(project.work_dir / "serve" / "html"),
        "-c",
        str(project.root),
        "-d",
        str(project.work_dir / "serve" / "doctrees"),
        "-q",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    for watched in (project.data_dir, project.templates_dir):
        if watched.is_dir():
            argv += ["--watch", str(watched)]
    argv += ["--ignore", str(project.build_dir)]
    if not args.no_check and _checker() is not None:
        # Findings are printed in the terminal, but never stop the preview from rebuilding.
        code = "import sys; from manualkit.cli import main; main(sys.argv[1:]); sys.exit(0)"
        command = [sys.executable, "-c", code, "--project", str(project.root), "check"]
        argv += ["--pre-build", shlex.join(command)]
    if args.open_browser:
        argv.append("--open-browser")
    return argv


def run_serve_command(args: argparse.Namespace) -> int:
    try:
        import sphinx_autobuild.__main__ as autobuild
        from sphinx_autobuild.build import Builder
    except ModuleNotFoundError:
        print("manualkit: serve needs sphinx-autobuild (pip install -e '.[dev]')", file=sys.stderr)
        return EXIT_INVALID
    from manualkit.project import locate_project

    argv = serve_arguments(args)
    project = locate_project(args.project)
    html_dir = project.work_dir / "serve" / "html"
    taken = _serve_address_problem(args.host, args.port)
    if taken:
        print(f"manualkit serve: {taken}", file=sys.stderr)
        return EXIT_INVALID

    def make_builder(*arguments: Any, **options: Any) -> ServeBuild:
        return ServeBuild(Builder(*arguments, **options), project.root, html_dir)

    # sphinx-autobuild makes its builder from the name in its __main__ module: ours checks the data
    # before each build (see ServeBuild).
    saved = autobuild.Builder
    autobuild.Builder = make_builder
    try:
        autobuild.main(argv)
    finally:
        autobuild.Builder = saved
    return EXIT_OK


def _serve_address_problem(host: str, port: int) -> str | None:
    """Why the preview cannot listen on ``host:port``, checked before the first build.

    sphinx-autobuild builds the whole manual first and only then fails to listen, with uvicorn's
    "ERROR: [Errno 98] …" and exit status 3 — after the second preview had rebuilt into the same
    folder the running one serves.  The socket is opened as uvicorn opens it (SO_REUSEADDR), so a
    port that only lingers after a stopped preview is not refused.
    """
    import socket

    if port == 0:
        return None
    if not 0 < port < 65536:
        return f"--port: expected a port from 1 to 65535 (or 0 for a free one), found {port}"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return f"--host: cannot listen on {host!r}: {getattr(exc, 'strerror', None) or exc}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            import errno

            if exc.errno == errno.EADDRINUSE:
                return (
                    f"{host}:{port} is already in use (another `make serve`?); stop it, or pass "
                    "--port N (--port 0 picks a free one)"
                )
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


@dataclasses.dataclass(frozen=True)
class ServeBuild:
    """sphinx-autobuild's builder (``build``), run only when the data is valid and the chapters readable.

    On invalid data Sphinx stops with its crash report (a traceback and "please open an issue"),
    after the pre-build checker printed the same errors: the writer saw the errors twice and a
    crash.  A chapter saved as GBK (as Windows editors do) made Sphinx print one "undecodable
    source characters" warning per byte — thousands of lines above the checker's one MK003 line —
    and serve the page as question marks.  This checks both first; on errors it prints them once
    (see :func:`serve_data_ok`) and runs neither the checker nor Sphinx, so the preview keeps
    serving the last good build — or, before there is one, a page listing the errors.  A
    module-level class: sphinx-autobuild pickles its builder into a worker process for every rebuild.
    """

    build: Callable[..., Any]
    root: Path
    html_dir: Path

    def __call__(self, *, changed_paths: Sequence[Path]) -> None:
        url = str(getattr(self.build, "uri", ""))
        if serve_data_ok(self.root, sys.stdout, url=url, html_dir=self.html_dir):
            self.build(changed_paths=changed_paths)


#: Marks the page ``serve`` shows while no build succeeded (so a real build replaces it).
_SERVE_ERROR_MARK = "<!-- manualkit serve: invalid data -->"


def serve_data_ok(root: Path, stream: TextIO, *, url: str = "", html_dir: Path | None = None) -> bool:
    """Whether the data is valid and every chapter is UTF-8 text, so a preview rebuild can run; if
    not, the errors are printed on ``stream``.

    With ``html_dir`` (the preview's folder) and no earlier build in it, the errors are also
    written to its ``index.html``, removed again once the sources are fine.
    """
    from manualkit.loader import load_source
    from manualkit.project import locate_project

    project = locate_project(root)
    # Kept for the checker, forked next, to use as it is (see load_source).
    source = load_source(project.data_dir, root=project.root, keep=True)
    data, diagnostics = source.data, source.diagnostics
    unreadable = _unreadable_chapters(project.root) if data is not None else []
    page = html_dir / "index.html" if html_dir is not None else None
    ours = page is not None and page.is_file() and _SERVE_ERROR_MARK in page.read_text(encoding="utf-8")
    if data is not None and not unreadable:
        if page is not None and ours:
            page.unlink()
        return True
    if data is None:
        shown = [d for d in diagnostics if d.severity != "info"]
        what, fix, title = "invalid data", "fix the errors above and save", "the data files have errors"
    else:
        shown = unreadable
        what, fix = "a chapter cannot be read as text", "fix it as said above and save"
        title = "a chapter cannot be read as text"
    _report(shown, project.root, stream)
    where = f" at {url}" if url else ""
    no_build_yet = page is not None and (ours or not page.exists())
    shows = "lists these errors until they are fixed" if no_build_yet else "still shows the last good build"
    print(f"manualkit: {what}, not rebuilt: the preview{where} {shows}; {fix}", file=stream, flush=True)
    if page is not None and no_build_yet:
        _write_serve_error_page(page, shown, project.root, title)
    return False


def _unreadable_chapters(root: Path) -> list[Diagnostic]:
    """MK003 for every chapter under ``manual/`` that cannot be read as text: not UTF-8, a control
    character, too large (the checker's reading, :func:`manualkit.checks.source.read_chapter`)."""
    from manualkit.checks.source import ChapterReadError, chapter_paths, read_chapter
    from manualkit.diagnostics import Location

    found: list[Diagnostic] = []
    for path in chapter_paths(root / "manual"):
        try:
            read_chapter(path)
        except ChapterReadError as exc:
            for problem in exc.problem.each():
                location = Location(str(path), problem.line, problem.column).relative_to(root)
                found.append(Diagnostic("MK003", "error", problem.message, location))
    return found


def _write_serve_error_page(
    page: Path, diagnostics: Sequence[Diagnostic], root: Path, title: str = "the data files have errors"
) -> None:
    import html

    items = "".join(
        f"<li><code>{html.escape(dataclasses.replace(d, location=d.location.relative_to(root)).format())}"
        "</code></li>\n"
        for d in diagnostics
    )
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        f'<!DOCTYPE html>\n{_SERVE_ERROR_MARK}\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>manualkit: {html.escape(title)}</title></head><body>\n"
        f"<h1>The manual cannot be built: {html.escape(title)}</h1>\n"
        f"<ul>\n{items}</ul>\n<p>Fix them and save: this page reloads with the manual.</p>\n</body></html>\n",
        encoding="utf-8",
    )
