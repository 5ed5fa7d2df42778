"""Our own directory export read back by the importer into a catalog: a bureau moving between two
Blocklake installations, or editing an export in Excel and importing it again, gets every field back."""

from __future__ import annotations

import json
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
from catalog.directory_io import entry_of, export_csv, export_json
from catalog.models import Department, Resource
from catalog.schemas import DataItemEntry, DirectoryEntry
from orchestration.cli import main
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
            assert entry_of(resource) == expected
            if entry.code is None:
                assert resource.code.startswith(STABLE_CODE_PREFIX)
            assert not resource.pending and resource.missing_fields == []
    with db.session(store) as session:
        again = importing.import_directory(session, path.read_bytes(), name, platform="另一个平台")
    assert (again.created, again.updated) == (0, 3)


def test_the_directory_command_exports_what_the_directory_lists(store: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Imported, then exported by ``blocklake directory export``, then imported into a second catalog: the same
    entries; a 待补全 resource is not exported (it is not listed), a file of another kind is refused."""
    source = tmp_path / "ours.json"
    export_json(sample_entries(), source)
    pending = tmp_path / "pending.csv"
    pending.write_text("资源名称,提供部门\n没有分类的资源,某局\n", encoding="utf-8")
    with db.session(store) as session:
        importing.import_directory(session, source.read_bytes(), source.name)
        importing.import_directory(session, pending.read_bytes(), pending.name)
    exported = tmp_path / "exported.json"
    assert main(["directory", "export", str(exported)]) == 0
    assert "3 resources written" in capsys.readouterr().out
    written = {entry["信息资源名称"]: entry for entry in json.loads(exported.read_text(encoding="utf-8"))}
    assert set(written) == {entry.name for entry in sample_entries()}
    for entry in sample_entries():
        code = entry.code or written[entry.name]["信息资源代码"]
        assert DirectoryEntry.model_validate(written[entry.name]) == entry.model_copy(update={"code": code})
    assert main(["directory", "export", str(tmp_path / "exported.txt")]) == 2


def test_a_formula_like_name_is_text_in_excel_and_comes_back(store: str, tmp_path: Path) -> None:
    """CSV injection: a name an imported file gave as =HYPERLINK(…) is exported with a leading apostrophe,
    so a spreadsheet shows it as text, and imported back as it was."""
    name = '=HYPERLINK("http://127.0.0.1/x","点我")'
    entry = sample_entries()[0].model_copy(update={"name": name, "abstract": "@SUM(1+1)"})
    path = tmp_path / "directory.csv"
    export_csv([entry], path)
    assert "\"'=HYPERLINK(" in path.read_text(encoding="utf-8-sig") and "'@SUM(1+1)" in path.read_text(
        encoding="utf-8-sig")
    with db.session(store) as session:
        report = importing.import_directory(session, path.read_bytes(), path.name)
    assert [(row.status, row.name, row.values.get("abstract")) for row in report.rows] == [
        ("imported", name, "@SUM(1+1)")]
