"""The stages the bench times: manualkit's own, and the plain reference pipelines beside them.

manualkit stages run the real CLI (``manualkit check``, ``manualkit build html|pdf|docx|all``) in
a throw-away copy of a manual, so the incremental stage can edit a paragraph without touching the
writer's sources.  Reference stages build the *same* manual with stock tools:

* Sphinx's own builders on the project's own ``conf.py`` — ``html``, ``singlehtml`` handed to the
  ``weasyprint`` command, and ``sphinx_simplepdf`` (builder ``simplepdf``, from
  ``tools/bench-requirements.txt``, added with ``-D extensions=…``).  They read the same doctree as
  manualkit (its roles and directives render the SLA tables, forms and chapter 8 from data/), so
  a ratio compares the cost of producing the same document, not of a document without the
  generated half (a Sphinx without manualkit's extension printed 40 % of the real manual's text);
* pandoc (``-f markdown``) to HTML and DOCX: it cannot run manualkit's directives, so its output
  holds less text, and the targets against it say so beside their verdict.

Ratios against those, measured in the same run, are what the targets are stated in.

Most stages are timed from outside (the whole command).  ``docx-write`` is the exception: the
issue's target is the DOCX *write phase* (doctree → ``.docx``), so the stage runs the real
``manualkit build docx`` and takes its seconds from the record the builder writes about that
phase (``manualkit.builders.docx.WRITE_PHASE_FILE``); the whole command's time is kept as well.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from manualkit.bench.content import Content, output_content
from manualkit.bench.measure import Measurement, output_size, run_measured
from manualkit.bench.synth import edit_one_paragraph
from manualkit.builders.docx import WRITE_PHASE_FILE
from manualkit.toctree_text import toctree_entries

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)

#: The reference pipelines' output folders (under the workspace's reference directory).
SIMPLEPDF_DIR = "simplepdf"
#: Where the reference Sphinx builds would put manualkit's own outputs (never used by their
#: builders; kept out of the manual's build/ so that a reference never touches manualkit's files).
REFERENCE_OUTPUT_DIR = "manualkit-output"
#: The extension the sphinx-simplepdf reference adds to the project's own list.
SIMPLEPDF_EXTENSION = "sphinx_simplepdf"


@dataclasses.dataclass(frozen=True)
class Workspace:
    """One manual under test: its copy, where reference outputs go, and how to call manualkit."""

    name: str
    project: Path
    reference_dir: Path
    cli: tuple[str, ...]
    env: dict[str, str]

    @property
    def build_dir(self) -> Path:
        return self.project / "build"


Prepare = Callable[["Workspace", int], None]
Output = Callable[["Workspace"], "Path | None"]


@dataclasses.dataclass(frozen=True)
class Stage:
    """A timed unit: ``prepare`` (untimed) then ``commands`` (timed, summed; peak memory is the max)."""

    name: str
    label: str
    reference: bool
    prepare: Prepare
    commands: Callable[[Workspace], list[list[str]]]
    output: Output
    #: A JSON record (``seconds``, ``peak_kib``) the command writes about the phase it times
    #: itself; when given, the stage's figures are that phase's, not the whole command's.
    phase_record: Callable[[Workspace], Path] | None = None
    #: The largest manual (size factor) the stage runs on unless asked for by name: a reference
    #: no target compares with beyond that size only lengthens the bench.
    largest_factor: int | None = None


@dataclasses.dataclass(frozen=True)
class StageRun:
    measurement: Measurement
    output_bytes: int | None
    #: Wall time of the whole command(s) when the measurement is a phase inside them.
    command_seconds: float | None = None
    #: Pages and characters of text of a PDF or DOCX output (see ``bench.content``).
    content: Content | None = None


def cli_command() -> tuple[str, ...]:
    """The ``manualkit`` console script of this venv, or ``python -m manualkit`` before install."""
    script = Path(sys.executable).parent / "manualkit"
    if script.exists():
        return (str(script),)
    return (sys.executable, "-m", "manualkit")


def child_env() -> dict[str, str]:
    """The environment of every child: manualkit importable even when not installed."""
    env = dict(os.environ)
    tools = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (tools, env.get("PYTHONPATH", "")) if p)
    # Tools a reference pipeline calls by name (sphinx-simplepdf runs ``weasyprint``) are this
    # venv's, the very versions manualkit uses, even when the venv is not activated.
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in (venv_bin, env.get("PATH", "")) if p)
    env.setdefault("SOURCE_DATE_EPOCH", "0")
    return env


# --------------------------------------------------------------------------- preparation helpers


def _nothing(ws: Workspace, run: int) -> None:
    return None


def _clean(ws: Workspace, run: int) -> None:
    """Remove every output and cache, so the stage measures a build from scratch."""
    shutil.rmtree(ws.build_dir, ignore_errors=True)


def _edit(ws: Workspace, run: int) -> None:
    """One edited paragraph, different on every run so the rebuild always has work to do."""
    edit_one_paragraph(ws.project, marker=f"（修订{run + 1}）")


def _clean_reference(sub: str) -> Callable[[Workspace, int], None]:
    def prepare(ws: Workspace, run: int) -> None:
        shutil.rmtree(ws.reference_dir / sub, ignore_errors=True)

    return prepare


def _simplepdf_ready(ws: Workspace, run: int) -> None:
    """Fresh output, and a clear failure when the extension is missing (never a silent skip)."""
    if importlib.util.find_spec("sphinx_simplepdf") is None:
        raise ValueError(
            "sphinx-simplepdf is not installed (make bench installs tools/bench-requirements.txt)"
        )
    shutil.rmtree(ws.reference_dir / SIMPLEPDF_DIR, ignore_errors=True)


def _docx_write_record(ws: Workspace) -> Path:
    """Where the DOCX builder records its write phase (its Sphinx output directory)."""
    return ws.build_dir / ".work" / "docx" / WRITE_PHASE_FILE


def _forget_docx_write(ws: Workspace, run: int) -> None:
    """No previous record may stand in for this run's (the builder also removes it first)."""
    _docx_write_record(ws).unlink(missing_ok=True)


def _first(directory: Path, pattern: str) -> Path | None:
    found = sorted(directory.glob(pattern)) if directory.is_dir() else []
    return found[0] if found else None


def prepare_reference_sources(ws: Workspace) -> None:
    """Untimed set-up of the reference pipelines: an empty output folder and pandoc's input file.

    The Sphinx references read the manual in place with its own ``conf.py``; pandoc gets the
    chapters in toctree order as one file (front matter removed).
    """
    ref = ws.reference_dir
    shutil.rmtree(ref, ignore_errors=True)
    ref.mkdir(parents=True)
    src = ws.project / "manual"
    index = (src / "index.md").read_text(encoding="utf-8")
    parts: list[str] = []
    for doc in ["index", *toctree_entries(index)]:
        path = src / f"{doc}.md"
        if path.exists():
            text = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
            parts.append(text)
    (ref / "pandoc-input.md").write_text("\n\n".join(parts), encoding="utf-8")


def project_extensions(project: Path) -> list[str]:
    """The Sphinx extensions the project's ``conf.py`` loads (read the way Sphinx reads it)."""
    from sphinx.config import Config
    from sphinx.errors import ConfigError

    try:
        return [str(name) for name in Config.read(project).extensions]
    except ConfigError as exc:  # reported as the stage's failed preparation, not a crash
        raise ValueError(f"cannot read {project / 'conf.py'}: {exc}") from None


# --------------------------------------------------------------------------- stages


def _mk(ws: Workspace, *args: str) -> list[str]:
    return [*ws.cli, "--project", str(ws.project), *args]


def _sphinx(ws: Workspace, builder: str, out: str, *extra: str) -> list[str]:
    """A stock Sphinx builder on the manual with the project's own ``conf.py``."""
    ref = ws.reference_dir
    output = ref / REFERENCE_OUTPUT_DIR
    return [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        builder,
        "-q",
        "-c",
        str(ws.project),
        "-D",
        f"manualkit_output_dir={output}",
        *extra,
        str(ws.project / "manual"),
        str(ref / out),
    ]


def _simplepdf(ws: Workspace) -> list[str]:
    extensions = ",".join([*project_extensions(ws.project), SIMPLEPDF_EXTENSION])
    return _sphinx(ws, "simplepdf", SIMPLEPDF_DIR, "-D", f"extensions={extensions}")


def _pandoc(ws: Workspace, to: str, out: str) -> list[str]:
    ref = ws.reference_dir
    return ["pandoc", "-f", "markdown", "-t", to, "-s", "--metadata", "title=reference",
            str(ref / "pandoc-input.md"), "-o", str(ref / out)]  # fmt: skip


def _weasyprint(ws: Workspace) -> list[str]:
    ref = ws.reference_dir
    return [
        sys.executable,
        "-m",
        "weasyprint",
        str(ref / "singlehtml" / "index.html"),
        str(ref / "plain.pdf"),
    ]


def _build(name: str, label: str, args: Sequence[str], prepare: Prepare, output: Output) -> Stage:
    return Stage(name, label, False, prepare, lambda ws: [_mk(ws, *args)], output)


def _html(ws: Workspace) -> Path:
    return ws.build_dir / "html"


def _pdf(ws: Workspace) -> Path | None:
    return _first(ws.build_dir / "pdf", "*.pdf")


def _docx(ws: Workspace) -> Path | None:
    return _first(ws.build_dir / "docx", "*.docx")


STAGES: tuple[Stage, ...] = (
    _build("check", "manualkit check", ["check"], _nothing, lambda ws: None),
    _build("html", "build html (full)", ["build", "html"], _clean, _html),
    _build("html-edit", "build html (1 paragraph edited)", ["build", "html"], _edit, _html),
    _build("pdf", "build pdf (full)", ["build", "pdf"], _clean, _pdf),
    _build("docx", "build docx (full)", ["build", "docx"], _clean, _docx),
    Stage(
        "docx-write",
        "docx write phase (doctree → .docx, builder-timed)",
        False,
        _forget_docx_write,
        lambda ws: [_mk(ws, "build", "docx", "--no-check")],
        _docx,
        _docx_write_record,
    ),
    _build("all", "build all (check+html+pdf+docx)", ["build", "all"], _clean, lambda ws: None),
    Stage(
        "pandoc-html",
        "reference: pandoc → HTML",
        True,
        _nothing,
        lambda ws: [_pandoc(ws, "html", "pandoc.html")],
        lambda ws: ws.reference_dir / "pandoc.html",
    ),
    Stage(
        "pandoc-docx",
        "reference: pandoc → DOCX",
        True,
        _nothing,
        lambda ws: [_pandoc(ws, "docx", "pandoc.docx")],
        lambda ws: ws.reference_dir / "pandoc.docx",
    ),
    Stage(
        "plain-html",
        "reference: plain Sphinx html",
        True,
        _clean_reference("html"),
        lambda ws: [_sphinx(ws, "html", "html")],
        lambda ws: ws.reference_dir / "html",
    ),
    Stage(
        "plain-pdf",
        "reference: plain Sphinx singlehtml + WeasyPrint",
        True,
        _clean_reference("singlehtml"),
        lambda ws: [_sphinx(ws, "singlehtml", "singlehtml"), _weasyprint(ws)],
        lambda ws: ws.reference_dir / "plain.pdf",
    ),
    Stage(
        "simplepdf",
        "reference: sphinx-simplepdf",
        True,
        _simplepdf_ready,
        lambda ws: [_simplepdf(ws)],
        lambda ws: _first(ws.reference_dir / SIMPLEPDF_DIR, "*.pdf"),
        # The PDF targets compare with it on the real and the 10× manual (one 10× run: 144 s);
        # no target reads a 50× figure.
        largest_factor=10,
    ),
)

STAGE_NAMES: tuple[str, ...] = tuple(s.name for s in STAGES)


def run_stage(stage: Stage, ws: Workspace, run: int, *, timeout: float) -> StageRun:
    """Prepare, then time every command of the stage; the first failure ends the stage."""
    try:
        stage.prepare(ws, run)
        commands = stage.commands(ws)  # untimed too: a command line may need the project read
    except (OSError, ValueError) as exc:
        return StageRun(Measurement(0.0, 0, -1, f"preparation failed: {exc}"), None)
    total, peak, pss = 0.0, 0, 0
    for command in commands:
        # A reference Sphinx runs without -W (its warnings are its own); manualkit's exit codes count.
        m = run_measured(command, cwd=ws.project, env=ws.env, timeout=timeout)
        total += m.seconds
        peak = max(peak, m.peak_kib)
        pss = max(pss, m.peak_pss_kib)
        if not m.ok:
            return StageRun(Measurement(total, peak, m.returncode, m.error, peak_pss_kib=pss), None)
    output = stage.output(ws)
    size = output_size(output) if output else None
    content = output_content(output)  # read after the timing: never part of it
    if stage.phase_record is None:
        return StageRun(Measurement(total, peak, 0, peak_pss_kib=pss), size, content=content)
    record = stage.phase_record(ws)
    try:
        phase = read_phase_record(record)
    except (OSError, ValueError) as exc:
        error = f"no write-phase record ({exc})"
        return StageRun(Measurement(total, peak, 0, error), size, total, content)
    return StageRun(Measurement(phase[0], phase[1], 0), size, total, content)


def read_phase_record(path: Path) -> tuple[float, int]:
    """``(seconds, peak_kib)`` from a phase record; ``ValueError`` when it is malformed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    seconds, peak = data.get("seconds"), data.get("peak_kib")
    if not isinstance(seconds, int | float) or not isinstance(peak, int) or seconds <= 0:
        raise ValueError(f"{path.name} has no positive seconds and peak_kib")
    return float(seconds), peak


def stages_for_factor(stages: Sequence[Stage], factor: int, named: Sequence[str] | None) -> tuple[Stage, ...]:
    """The ``stages`` to run on the manual ``factor`` times the real one's size.

    A stage with a ``largest_factor`` below ``factor`` is left out unless ``named`` (the
    ``--stages`` the user gave) asks for it.
    """
    asked = set(named or ())
    return tuple(
        s for s in stages if s.largest_factor is None or factor <= s.largest_factor or s.name in asked
    )


def select_stages(names: Sequence[str] | None) -> tuple[Stage, ...]:
    if not names:
        return STAGES
    unknown = sorted(set(names) - set(STAGE_NAMES))
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGE_NAMES)}")
    return tuple(s for s in STAGES if s.name in names)
