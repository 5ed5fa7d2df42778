"""Item 12 of the reliability suite: names that try to leave the export root. Consumer codes, resource
codes and lake table names like ``../../x`` or absolute paths (as a tampered catalog would hold them),
symlinks planted in the export folder, and locations handed to withdrawal: each delivery is refused
naming the cause, and nothing is written, read or deleted outside the export root."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from blocklake.errors import ExportError
from blocklake.settings import get_settings
from catalog import db, sharing
from catalog.models import Department, Export, Resource
from exports import service
from exports.targets import FolderTarget, S3Target
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability.tally import TALLY


@pytest.fixture
def lake_home(tmp_path: Path) -> Iterator[Path]:
    """One department's table in a fresh catalog; ``tmp_path/outside`` holds a file that must survive."""
    source = tmp_path / "alpha.sqlite"
    sqlite_execute(source, "CREATE TABLE places (id INTEGER, place TEXT)")
    sqlite_execute(source, "INSERT INTO places VALUES (?, ?)", [(i, f"场所{i}") for i in range(1, 21)])
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keep.txt").write_text("not the exporter's")
    tables = [{"name": "places", "title": "场所", "object": "places", "primary_key": ["id"],
               "directory": {"classification": "2.01.001", "share_type": "无条件共享"}}]
    with registered_lake(tmp_path, {"alpha": SourceDepartment(TEST_USCC, source, tables)}):
        with db.session() as session:
            session.add(Department(code="beta", name="测试beta局", uscc="91350100M000100Y43", kind="department"))
        yield tmp_path


def outside_tree(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in (home / "outside").rglob("*") if p.is_file()}


def apply_for_places(consumer: str = "beta") -> int:
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.source_key == "raw.alpha__places"))
        department = session.scalar(select(Department).where(Department.code == consumer))
        application = sharing.apply(session, resource, department,
                                    sharing.ApplicationRequest(items=["id", "place"], purpose="测试用途"))
        session.flush()
        return application.id


def tamper(model: type, match: dict[str, str], **values: str) -> None:
    with db.session() as session:
        row = session.scalar(select(model).filter_by(**match))
        for name, value in values.items():
            setattr(row, name, value)


ESCAPE = "../../../outside"  # from <home>/var/exports to <home>/outside

HOSTILE_CATALOG: dict[str, Callable[[], None]] = {
    "consumer ../": lambda: tamper(Department, {"code": "beta"}, code=f"{ESCAPE}/x"),
    "consumer absolute": lambda: tamper(Department, {"code": "beta"}, code="/tmp/x"),
    "consumer ..": lambda: tamper(Department, {"code": "beta"}, code=".."),
    "resource code ../": lambda: tamper(Resource, {"source_key": "raw.alpha__places"}, code=f"{ESCAPE}/000001"),
    "resource code inner ..": lambda: tamper(Resource, {"source_key": "raw.alpha__places"},
                                             code="2.01/../../../../outside/000001"),
    "table name ../": lambda: tamper(Resource, {"source_key": "raw.alpha__places"},
                                     source_key=f"raw.{ESCAPE}/places"),
    "table name absolute": lambda: tamper(Resource, {"source_key": "raw.alpha__places"},
                                          source_key="raw./tmp/places"),
}


@pytest.mark.parametrize("attack", HOSTILE_CATALOG, ids=list(HOSTILE_CATALOG))
def test_hostile_names_in_the_catalog_deliver_nothing_anywhere(lake_home: Path, attack: str) -> None:
    apply_for_places()
    HOSTILE_CATALOG[attack]()
    TALLY.add("bad_inputs_tried")
    before = outside_tree(lake_home)
    results = service.export_due()
    assert [r.status for r in results] == ["failed"] and "refusing" in (results[0].error or "")
    assert outside_tree(lake_home) == before
    assert not list((lake_home / "outside").glob("**/*.parquet"))
    with db.session() as session:
        assert session.scalar(select(Export)) is None


def plant(home: Path, link: str) -> None:
    path = get_settings().exports_path / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(home / "outside", target_is_directory=True)


@pytest.mark.parametrize("link", [".staging", "beta", "beta/2.01.001_000001"])
def test_symlinks_planted_in_the_export_folder_are_never_followed(lake_home: Path, link: str) -> None:
    apply_for_places()
    plant(lake_home, link)
    TALLY.add("bad_inputs_tried")
    before = outside_tree(lake_home)
    results = service.export_due()
    assert [r.status for r in results] == ["failed"] and "symlink" in (results[0].error or "")
    assert outside_tree(lake_home) == before


def test_withdrawal_deletes_nothing_outside_the_root(lake_home: Path) -> None:
    root = get_settings().exports_path
    root.mkdir(parents=True, exist_ok=True)
    (root / "beta").symlink_to(lake_home / "outside", target_is_directory=True)
    target = FolderTarget(root)
    for location in (f"{root}/{ESCAPE}", str(lake_home / "outside"), f"{root}/beta", "/"):
        TALLY.add("bad_inputs_tried")
        with pytest.raises(ExportError, match=r"outside|symlink"):
            target.withdraw(location)
    assert outside_tree(lake_home) == {"outside/keep.txt": b"not the exporter's"}


def test_after_refusals_a_sound_delivery_still_goes_through(lake_home: Path) -> None:
    apply_for_places()
    results = service.export_due()
    assert [r.status for r in results] == ["delivered"]
    location = Path(results[0].location or "")
    assert location.is_relative_to(get_settings().exports_path.resolve())
    assert {p.name for p in location.iterdir()} >= {"alpha__places.parquet", "manifest.json"}


@pytest.mark.parametrize("location", ["s3://exports-beta/", "s3://exports-beta/bundles",
                                      "s3://exports-beta/bundles/beta/2.01.001_000001/application-1/../"])
def test_withdrawal_from_a_bucket_deletes_only_one_bundles_objects(location: str, tmp_path: Path) -> None:
    TALLY.add("bad_inputs_tried")
    target = S3Target("s3://exports-{consumer}/bundles/", get_settings(), tmp_path)
    with pytest.raises(ExportError, match="not a bundle's location"):
        target.withdraw(location)  # refused before any request: a whole bucket is never listed for deletion
