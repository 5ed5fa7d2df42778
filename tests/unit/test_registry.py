"""The source registry: the shipped files are valid, and mistakes point at their file and line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from blocklake.errors import ConfigError
from blocklake.registry import load_registry

VALID = """\
code: demo
name: 测试单位
uscc: "11440305523213232M"
sources:
  - id: demo_db
    kind: postgres
    connection: demo_db
tables:
  - name: people
    title: 人员
    source: demo_db
    object: people
    primary_key: [id]
    load: {mode: incremental, cursor: updated_at, overlap: 2h}
    update_cycle: 每日
    directory: {classification: "3.01.001", share_type: 无条件共享}
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_registry_is_valid_and_big_enough() -> None:
    registry = load_registry()
    assert len(registry.departments) >= 10 and registry.table_count >= 25
    kinds = {source.kind for dept in registry.departments.values() for source in dept.sources}
    assert kinds == {"postgres", "mysql", "sqlite", "csv", "excel"}
    for dept in registry.departments.values():
        for table in dept.tables:
            assert table.directory.share_type != "不予共享" or table.directory.legal_basis


def test_a_valid_department_parses_into_typed_objects(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    table = load_registry(tmp_path).department("demo").table("people")
    assert table.load.overlap == timedelta(hours=2) and table.primary_key == ["id"]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("share_type: 无条件共享", "share_type: 随便共享"), 16, "directory.share_type"),
        (("kind: postgres", "kind: oracle"), 6, "sources.0.kind"),
        (("overlap: 2h", "overlap: two hours"), 14, "use a duration such as"),
        (("{mode: incremental, cursor: updated_at, overlap: 2h}", "{mode: incremental}"), 14, "needs 'cursor"),
        (("share_type: 无条件共享", "share_type: 不予共享"), 16, "不予共享 needs legal_basis"),
        (("source: demo_db\n", "source: nowhere\n"), 1, "unknown source 'nowhere'"),
        (('uscc: "11440305523213232M"', "uscc: 12345"), 3, "uscc"),
    ],
    ids=["share-type", "kind", "duration", "cursor", "legal-basis", "source-ref", "uscc"],
)
def test_errors_name_the_file_and_line(tmp_path: Path, change: tuple[str, str], line: int, message: str) -> None:
    path = write(tmp_path, VALID.replace(*change))
    with pytest.raises(ConfigError, match=message) as caught:
        load_registry(tmp_path)
    assert caught.value.path == path and caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("title: 人员", "title: [人员"))
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_registry(tmp_path)
    assert caught.value.line is not None and caught.value.line >= 10


def test_an_empty_registry_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no department files"):
        load_registry(tmp_path)
