"""Source positions of entries in data/*.yaml, so data findings point at ``file:line:col``.

The loader validates and builds models; the checker also needs to say *where*
an SLA or a form field lives.  Composing the YAML (no construction) is cheap
and gives every node its start mark.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from manualkit.diagnostics import Location
from manualkit.models import DATA_FILES

PathPart = str | int


@dataclasses.dataclass(frozen=True)
class DataPositions:
    """Composed YAML node trees of the data files, keyed by collection name."""

    root: Path
    data_dir: Path
    trees: dict[str, yaml.Node | None]
    #: collection → file path relative to the root (computed once: resolve() is slow).
    files: dict[str, str]

    @classmethod
    def load(cls, root: Path, data_dir: Path) -> DataPositions:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        trees: dict[str, yaml.Node | None] = {}
        for key, name in DATA_FILES.items():
            path = data_dir / name
            try:
                trees[key] = yaml.compose(path.read_text(encoding="utf-8"), Loader=loader)
            except (OSError, yaml.YAMLError):
                trees[key] = None
        files: dict[str, str] = {}
        for key, name in DATA_FILES.items():
            path = data_dir / name
            try:
                files[key] = path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                files[key] = path.as_posix()
        return cls(root, data_dir, trees, files)

    def file(self, collection: str) -> str:
        return self.files[collection]

    def locate(self, collection: str, item_id: str | None = None, *path: PathPart) -> Location:
        """Location of ``collection[id=item_id].path...``; falls back to the nearest known node."""
        node = self.trees.get(collection)
        file = self.file(collection)
        if node is None:
            return Location(file)
        if item_id is not None and isinstance(node, yaml.SequenceNode):
            found = next((n for n in node.value if _scalar(n, "id") == item_id), None)
            if found is None:
                return Location(file, 1, 1)
            node = found
        for part in path:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                pair = next(((k, v) for k, v in node.value if k.value == part), None)
                if pair is None:
                    break
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, str):
                found = next((n for n in node.value if _scalar(n, "id") == part), None)
                if found is None:
                    break
                node = found
            else:
                break
        mark = node.start_mark
        return Location(file, mark.line + 1, mark.column + 1)


def _scalar(node: yaml.Node, key: str) -> str | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if k.value == key and isinstance(v, yaml.ScalarNode):
            return str(v.value)
    return None
