"""The source registry: the shipped files are valid, and mistakes point at their file and line."""

from __future__ import annotations

import json
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


COLUMNS = """\
    columns:
      sfzh: {title: 身份证号, element: resident_id, person: self}
      xm: {title: 姓名, element: person_name, person: self}
      jzdz: {title: 居住地址, element: address, person: self}
      dwdz: {title: 单位地址, element: address}
      fwbm: {title: 房屋编码, element: block_code, person: self}
      xsbh: {title: 学籍号, element: identifier, sensitive: resident_id}
      csrq: {title: 出生日期, element: date, format: "%Y%m%d"}
"""


def test_data_elements_decide_what_is_personal(tmp_path: Path) -> None:
    """A person's address and unit code are personal, an organisation's address is not; a code that
    embeds an ID says so; the directory titles come with them."""
    write(tmp_path, VALID + COLUMNS)
    table = load_registry(tmp_path).department("demo").table("people")
    assert table.personal == {"sfzh": "resident_id", "xm": "person_name", "jzdz": "person_address",
                              "fwbm": "person_unit", "xsbh": "resident_id"}
    assert table.columns["csrq"].format == "%Y%m%d" and table.columns["xm"].person == ["self"]


def test_a_resident_id_column_gets_both_identifier_warnings(tmp_path: Path) -> None:
    """Valid, and its region code existed in its birth year: warnings by default, masked as resident IDs."""
    from quality.suites import raw_suite

    write(tmp_path, VALID + COLUMNS)
    department = load_registry(tmp_path).department("demo")
    suite = raw_suite(department, department.table("people"))
    derived = {check.name: check for check in suite.checks if check.column == "sfzh"}
    assert set(derived) == {"resident_id:sfzh", "resident_id_region_at_birth:sfzh"}
    assert all(check.severity == "warn" and suite.sensitivity(check) == "resident_id" for check in derived.values())


def test_a_column_declared_twice_differently_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, VALID + COLUMNS + "    sensitive: {xm: phone}\n")
    with pytest.raises(ConfigError, match="'xm' is declared person_name in columns and phone in sensitive"):
        load_registry(tmp_path)


def test_an_unknown_element_is_refused_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, VALID + COLUMNS.replace("element: date,", "element: birthday,"))
    with pytest.raises(ConfigError, match="element") as raised:
        load_registry(tmp_path)
    assert "demo.yaml:24: tables.0.columns.csrq.element" in str(raised.value)  # the csrq line


@pytest.mark.parametrize(("column", "spec"), [
    ("x'); drop table lake.raw.t; --", "{element: text}"), ("a}}{{ run_query('x') }}", "{element: text}"),
    ("csrq", "{element: date, format: \"%Y'}}{{ x }}\"}"),
], ids=["quote", "jinja", "format"])
def test_a_column_that_would_escape_the_generated_sql_is_refused(tmp_path: Path, column: str, spec: str) -> None:
    """Column names are the source system's to choose; generated staging and mention lists quote them, and
    names or formats that could close a quote or a Jinja block are refused at load, with their line."""
    write(tmp_path, VALID + f"    columns:\n      {json.dumps(column, ensure_ascii=False)}: {spec}\n")
    with pytest.raises(ConfigError, match=r"demo\.yaml:1[78]"):
        load_registry(tmp_path)
