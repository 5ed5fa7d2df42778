"""Our own directory export read back by the importer into a catalog: a bureau moving between two
Blocklake installations, or editing an export in Excel and importing it again, gets every field back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blocklake.settings import Settings
from catalog import db
from catalog.directory_import import importing
from catalog.directory_import.guessing import OWN_EXPORT
from catalog.directory_import.rows import STABLE_CODE_PREFIX
from catalog.directory_io import export_csv, export_json
from catalog.models import Department, Resource
from catalog.schemas import DataItemEntry, DirectoryEntry
from tests.unit.test_directory_io import sample_entries


@pytest.fixture
def store(settings: Settings) -> str:
    """A catalog whose departments are the sample entries' providers."""
    url = db.database_url(settings)
    db.upgrade(url)
    with db.session(url) as session:
        session.add_all(Department(code=f"dept{number}", name=entry.provider, uscc=entry.provider_code)
                        for number, entry in enumerate(sample_entries()))
    return url


def _as_excel_saves_it(path: Path) -> None:
    """Opened in Excel and saved again as CSV: GB18030 without a BOM, dates as Excel shows them."""
    text = path.read_text(encoding="utf-8-sig").replace("2025-03-06", "2025/3/6").replace("2024-12-31", "2024/12/31")
    path.write_bytes(text.encode("gb18030"))


def _exported(resource: Resource) -> DirectoryEntry:
    """The resource as the export writes it; an item's column is its name where the file gave none."""
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


def _without_columns(entry: DirectoryEntry) -> DirectoryEntry:
    """What a CSV export keeps of the data items: name and type."""
    items = [DataItemEntry(name=item.name, type_code=item.type_code) for item in entry.items]
    return entry.model_copy(update={"items": items})


def _nothing(path: Path) -> None:
    pass


@pytest.mark.parametrize(("export", "name", "edit", "lossless"), [
    (export_csv, "directory.csv", _nothing, False), (export_csv, "directory.csv", _as_excel_saves_it, False),
    (export_json, "directory.json", _nothing, True),
], ids=["csv", "csv-saved-by-excel", "json"])
def test_our_export_imports_back_field_by_field(store: str, tmp_path: Path, export: Callable[..., int], name: str,
                                                edit: Callable[[Path], None], lossless: bool) -> None:
    path = tmp_path / name
    assert export(sample_entries(), path) == 3
    edit(path)
    with db.session(store) as session:
        report = importing.import_directory(session, path.read_bytes(), name, platform="另一个平台")
    assert {guess.reason for guess in report.guesses} == {OWN_EXPORT}
    assert [(row.status, row.notes) for row in report.rows] == [("imported", [])] * 3
    with db.session(store) as session:
        resources = {resource.name: resource for resource in session.scalars(
            select(Resource).options(selectinload(Resource.items), selectinload(Resource.provider)))}
        assert len(resources) == 3
        for entry in sample_entries():
            resource = resources[entry.name]
            expected = entry if lossless else _without_columns(entry)
            # a file without a code gets a stable one
            expected = expected.model_copy(update={"code": entry.code or resource.code})
            assert _exported(resource) == expected
            if entry.code is None:
                assert resource.code.startswith(STABLE_CODE_PREFIX)
            assert not resource.pending and resource.missing_fields == []
    with db.session(store) as session:
        again = importing.import_directory(session, path.read_bytes(), name, platform="另一个平台")
    assert (again.created, again.updated) == (0, 3)
