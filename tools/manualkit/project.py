"""Locate a manual project and the directories every command works with.

A project is a directory with ``conf.py`` (the Sphinx confdir) and ``manual/``
(the Sphinx srcdir); data, templates and outputs default to ``data/``,
``templates/`` and ``build/`` and follow ``manualkit_data_dir`` /
``manualkit_templates_dir`` / ``manualkit_output_dir`` when conf.py sets them
to plain strings.  conf.py is *read* (parsed with ``ast``), not executed, so
``manualkit data`` and ``manualkit serve`` can find their directories without
running project code; the Sphinx build itself executes conf.py as usual.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

CONF_FILE = "conf.py"
SOURCE_DIR = "manual"

_SETTINGS = {
    "manualkit_data_dir": "data",
    "manualkit_templates_dir": "templates",
    "manualkit_output_dir": "build",
}


class ProjectError(Exception):
    """The directory is not a manual project; the message says what is missing."""


@dataclasses.dataclass(frozen=True)
class Project:
    """Absolute paths of one manual project."""

    root: Path
    manual_dir: Path
    data_dir: Path
    templates_dir: Path
    build_dir: Path

    @property
    def doctree_dir(self) -> Path:
        """One doctree cache for every output, so ``build all`` reads the sources once."""
        return self.build_dir / ".doctrees"

    @property
    def work_dir(self) -> Path:
        """Persistent builder output dirs (incremental rebuilds); published copies live beside."""
        return self.build_dir / ".work"

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root when inside it (for messages)."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def locate_project(directory: Path | str | None = None) -> Project:
    """The project at ``directory`` (default: the current directory); raise :class:`ProjectError`."""
    root = Path(directory if directory is not None else Path.cwd()).resolve()
    if not root.is_dir():
        raise ProjectError(f"{root}: no such directory")
    missing = [name for name in (CONF_FILE, SOURCE_DIR) if not (root / name).exists()]
    if missing:
        raise ProjectError(
            f"{root}: not a manualkit project (no {' and no '.join(missing)}); "
            "run from the project root or pass --project DIR"
        )
    settings = read_conf_settings(root / CONF_FILE)
    return Project(
        root=root,
        manual_dir=root / SOURCE_DIR,
        data_dir=(root / settings["manualkit_data_dir"]).resolve(),
        templates_dir=(root / settings["manualkit_templates_dir"]).resolve(),
        build_dir=(root / settings["manualkit_output_dir"]).resolve(),
    )


def read_conf_settings(conf: Path) -> dict[str, str]:
    """manualkit's directory settings from conf.py, where given as plain string literals."""
    settings = dict(_SETTINGS)
    try:
        tree = ast.parse(conf.read_text(encoding="utf-8"), filename=str(conf))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return settings  # the Sphinx build will report a broken conf.py properly
    for statement in tree.body:
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            continue
        target = statement.targets[0]
        value = statement.value
        if (
            isinstance(target, ast.Name)
            and target.id in settings
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            settings[target.id] = value.value
    return settings
