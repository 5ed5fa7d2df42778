"""The recorded column lineage of the lake's models: for each column of a base or mart table, the columns of
the tables it is computed from.

The base-layer build derives it from the SQL dbt compiled (``transform.lineage``) and records it here, in
``<home>/lineage/columns.json``; the catalog reads it for the resource pages without importing the
transform stage. One JSON object: ``{"base.base_person": {"person_id": [["staging.stg_x", "id"], …]}}``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from blocklake.settings import Settings, get_settings

Origin = tuple[str, str]  # (schema.table, column)
ColumnSources = dict[str, list[Origin]]  # output column -> the columns it comes from


def lineage_file(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).lineage_path / "columns.json"


def read_all(settings: Settings | None = None) -> dict[str, ColumnSources]:
    """Every table's column lineage as last recorded; empty before the first build."""
    path = lineage_file(settings)
    if not path.is_file():
        return {}
    recorded = json.loads(path.read_text(encoding="utf-8"))
    return {table: {column: [(origin[0], origin[1]) for origin in origins] for column, origins in columns.items()}
            for table, columns in recorded.items()}


def read(table: str, settings: Settings | None = None) -> ColumnSources:
    """One table's column lineage (``schema.table``), empty if none was recorded."""
    return read_all(settings).get(table, {})


def record(tables: dict[str, ColumnSources], settings: Settings | None = None) -> Path:
    """Replace the lineage of ``tables`` and keep the others' (a model a build did not build keeps what its
    last build recorded). The file is replaced whole, so a reader never sees half of it."""
    path = lineage_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = {**read_all(settings), **tables}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".columns-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({table: merged[table] for table in sorted(merged)}, out, ensure_ascii=False, indent=1)
    os.replace(temporary, path)
    return path
