"""Export the resource directory in the 编制指南's field names, as CSV (for Excel) or JSON (lossless):
``blocklake directory export FILE`` writes what the directory lists (:func:`export_directory`).

Importing a directory — ours exported back, or another platform's — is :mod:`catalog.directory_import`,
which reads these files' column names and cell syntax (``名称:类型;…``, ``代码;代码``, 是/否) as our own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from blocklake.csv_cells import formula_safe
from blocklake.errors import ConfigError
from catalog.models import Resource, listed
from catalog.schemas import DataItemEntry, DirectoryEntry

__all__ = ["entry_of", "export_csv", "export_directory", "export_json"]

FIELDS = DirectoryEntry.model_fields
ALIAS = {name: info.alias or name for name, info in FIELDS.items()}
LIST_SEP = ";"  # between data items and between related codes in a CSV cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        if value and isinstance(value[0], DataItemEntry):
            return formula_safe(LIST_SEP.join(f"{item.name}:{item.type_code}" for item in value))
        return formula_safe(LIST_SEP.join(value))
    return formula_safe(str(value))


def export_csv(entries: Iterable[DirectoryEntry], path: Path) -> int:
    """One row per resource under the guide's field names. UTF-8 with a BOM, because Excel in a Chinese
    office reads a BOM-less CSV as GBK. Data items keep only name and type (``名称:类型;…``); use JSON
    to carry 字段名 and 敏感类别 too."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ALIAS.values())
        for entry in entries:
            writer.writerow(_cell(getattr(entry, name)) for name in FIELDS)
            count += 1
    return count


def export_json(entries: Iterable[DirectoryEntry], path: Path) -> int:
    """A JSON list of objects keyed by the guide's field names; the lossless format."""
    rows = [entry.model_dump(by_alias=True, mode="json") for entry in entries]
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(rows)


def entry_of(resource: Resource) -> DirectoryEntry:
    """A catalog resource as the guide's directory entry; an item's column is its name where none was given."""
    items = [DataItemEntry(name=item.name, type_code=item.type_code, sensitive=item.sensitive,
                           column=None if item.column_name == item.name else item.column_name)
             for item in resource.items]
    return DirectoryEntry(
        classification=resource.classification, name=resource.name, code=resource.code,
        provider=resource.provider.name, provider_code=resource.provider.uscc or "", abstract=resource.abstract,
        format=resource.format, items=items, share_type=resource.share_type,
        share_conditions=resource.share_conditions, share_method=resource.share_method,
        open_to_public=resource.open_to_public, open_conditions=resource.open_conditions,
        update_cycle=resource.update_cycle, publish_date=resource.publish_date, related_codes=resource.related_codes)


EXPORTERS = {".csv": export_csv, ".json": export_json}


def export_directory(session: Session, path: Path) -> int:
    """Every resource the directory lists, to ``path`` (.csv or .json); returns how many."""
    exporter = EXPORTERS.get(path.suffix.lower())
    if exporter is None:
        raise ConfigError(f"cannot export the directory as {path.suffix or 'a file without a suffix'}; "
                          "name a .csv (for Excel) or .json (lossless) file", path=path)
    resources = session.scalars(select(Resource).where(listed()).order_by(Resource.code)
                                .options(selectinload(Resource.items), selectinload(Resource.provider)))
    return exporter((entry_of(resource) for resource in resources), path)
