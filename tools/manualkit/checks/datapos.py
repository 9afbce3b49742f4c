"""Source positions of entries in data/*.yaml, so data findings point at ``file:line:col``.

The loader already records where every value sits while it reads the files
(:func:`manualkit.loader.load_source`); the checker reuses that position map instead of
composing the YAML a second time.  Entries are found by id through an index built once per
collection, so locating thousands of findings stays linear in their number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from manualkit.diagnostics import Location
from manualkit.models import DATA_FILES

if TYPE_CHECKING:
    from manualkit.loader import DataSource
    from manualkit.yamlsource import YamlDocument

PathPart = str | int


@dataclasses.dataclass(frozen=True)
class DataPositions:
    """Position maps of the data files (from the loader), keyed by collection name."""

    root: Path
    data_dir: Path
    documents: Mapping[str, YamlDocument]
    #: collection → file path relative to the root, as the loader displays it.
    files: Mapping[str, str]

    @classmethod
    def from_source(cls, root: Path, data_dir: Path, source: DataSource) -> DataPositions:
        files = dict(source.displays)
        for key, name in DATA_FILES.items():
            files.setdefault(key, _display(root, data_dir / name))
        return cls(root, data_dir, dict(source.documents), files)

    def file(self, collection: str) -> str:
        return self.files[collection]

    @cached_property
    def _indexes(self) -> dict[str, dict[str, int]]:
        """collection → entry id → index of the entry in the file's top-level sequence."""
        result: dict[str, dict[str, int]] = {}
        for key, doc in self.documents.items():
            index: dict[str, int] = {}
            if isinstance(doc.value, list):
                for i, entry in enumerate(doc.value):
                    if isinstance(entry, dict) and "id" in entry:
                        index.setdefault(str(entry["id"]), i)
            result[key] = index
        return result

    def locate(self, collection: str, item_id: str | None = None, *path: PathPart) -> Location:
        """Location of ``collection[id=item_id].path...``; falls back to the nearest known node."""
        file = self.file(collection)
        doc = self.documents.get(collection)
        if doc is None or doc.value is None:
            return Location(file)
        parts: list[PathPart] = []
        value: object = doc.value
        if item_id is not None and isinstance(value, list):
            found = self._indexes.get(collection, {}).get(item_id)
            if found is None:
                return Location(file, 1, 1)
            parts.append(found)
            value = value[found]
        for part in path:
            mapping_key = isinstance(value, dict) and isinstance(part, str) and part in value
            list_index = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
            if mapping_key or list_index:
                value = value[part]  # type: ignore[index]
            elif isinstance(value, list) and isinstance(part, str):
                hit = next(
                    (i for i, e in enumerate(value) if isinstance(e, dict) and str(e.get("id")) == part), None
                )
                if hit is None:
                    break
                part, value = hit, value[hit]
            else:
                break
            parts.append(part)
        _, info = doc.nearest(tuple(parts))
        if info is None:
            return Location(file, 1, 1)
        return Location(file, info.line, info.column)


def _display(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
