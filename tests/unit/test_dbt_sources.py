"""dbt's raw-layer sources are written from the registry, and any difference fails here."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import yaml

from blocklake.registry import ColumnSpec, load_registry
from blocklake.settings import PROJECT_ROOT
from transform import mentions, sources, staging

REGISTRY = PROJECT_ROOT / "ingestion" / "registry"


def test_the_projects_sources_agree_with_the_registry() -> None:
    assert sources.mismatches(load_registry(REGISTRY)) == []


def test_a_registry_table_missing_from_dbt_is_named_and_written_back_with_the_notes_kept(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    shutil.copytree(sources.STAGING, staging, ignore=shutil.ignore_patterns("*.sql", "_*__models.yml"))
    path = sources.sources_path("water", staging)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    note = document["sources"][0]["description"]
    document["sources"][0]["tables"] = [t for t in document["sources"][0]["tables"] if t["name"] != "meter_reading"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    registry = load_registry(REGISTRY)

    assert sources.mismatches(registry, staging) == [
        f"{path}: differs from ingestion/registry/water.yaml (missing ['water__meter_reading']); "
        "`blocklake dbt-sources` rewrites it"]
    assert sources.write(registry, staging) == [path]
    assert sources.mismatches(registry, staging) == []
    rewritten = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"][0]
    assert rewritten["description"] == note
    assert [t["identifier"] for t in rewritten["tables"]] == ["water__water_meter", "water__meter_reading"]


def test_a_renamed_title_a_missing_file_and_an_unknown_department_are_each_named(tmp_path: Path) -> None:
    registry_dir = tmp_path / "registry"
    shutil.copytree(REGISTRY, registry_dir)
    police = registry_dir / "police.yaml"
    police.write_text(police.read_text(encoding="utf-8").replace("title: 实有人口", "title: 实有人口信息"),
                      encoding="utf-8")
    staging = tmp_path / "staging"
    shutil.copytree(sources.STAGING, staging, ignore=shutil.ignore_patterns("*.sql", "_*__models.yml"))
    sources.sources_path("tax", staging).unlink()
    (staging / "retired").mkdir()
    (staging / "retired" / "_retired__sources.yml").write_text("version: 2\nsources: []\n", encoding="utf-8")

    problems = sources.mismatches(load_registry(registry_dir), staging)

    assert len(problems) == 3
    assert "police__sources.yml: differs" in problems[0] and "name, title or order" in problems[0]
    assert problems[1].endswith("_tax__sources.yml: missing; `blocklake dbt-sources` writes it from the registry")
    assert problems[2].endswith("_retired__sources.yml: no department 'retired' in the registry")


def test_the_mention_lists_agree_with_the_registry() -> None:
    assert mentions.mismatch(load_registry(REGISTRY)) is None


def test_a_new_tables_resident_ids_and_addresses_become_mentions_with_no_sql_written(tmp_path: Path) -> None:
    """A department's table whose registry entry says which columns are whose ID, name and home address
    joins the persons line and the address matching; the plate's own addresses are not mentions."""
    folder = tmp_path / "registry"
    shutil.copytree(REGISTRY, folder)
    (folder / "veterans.yaml").write_text(VETERANS, encoding="utf-8")
    registry = load_registry(folder)
    persons = [m for m in mentions.person_mentions(registry) if m["source"] == "veterans.special_care"]
    assert persons == [
        {"model": "stg_veterans__special_care", "source": "veterans.special_care", "key": '"TYRYBH"',
         "column": "GMSFHM", "role": "self", "id": '"GMSFHM"', "name": '"XM"', "phone": '"LXDH"',
         "address": '"XZZ"', "at": '"GXSJ"'},
        {"model": "stg_veterans__special_care", "source": "veterans.special_care", "key": '"TYRYBH"',
         "column": "JHRSFZH", "role": "监护人", "id": '"JHRSFZH"', "address": '"XZZ"', "at": '"GXSJ"'}]
    addresses = [(m["source"], m["column"]) for m in mentions.address_mentions(registry)]
    assert ("veterans.special_care", "XZZ") in addresses and ("veterans.special_care", "GZDW") not in addresses
    assert not any(source.startswith("natres.") for source, _ in addresses)
    assert mentions.mismatch(registry, mentions.MACROS) is not None  # the project's file is now stale


VETERANS = """\
code: veterans
name: 南山区退役军人事务局
uscc: "11440305MB2C5570X4"
sources:
  - {id: veterans_db, kind: sqlite, connection: veterans_db}
tables:
  - name: special_care
    title: 优抚对象
    source: veterans_db
    object: YFDX
    primary_key: [TYRYBH]
    update_cycle: 每月
    observed_at: GXSJ
    directory: {classification: "3.09.001", share_type: 有条件共享, share_conditions: 限优待抚恤核查}
    columns:
      TYRYBH: {title: 退役人员编号, element: identifier}
      XM: {title: 姓名, element: person_name, person: self}
      GMSFHM: {title: 公民身份号码, element: resident_id, person: self}
      LXDH: {title: 联系电话, element: phone, person: self}
      XZZ: {title: 现住址, element: address, person: [self, 监护人]}
      GZDW: {title: 工作单位, element: org_name}
      JHRSFZH: {title: 监护人身份证号, element: resident_id, person: 监护人}
      GXSJ: {title: 更新时间, element: datetime}
"""


def test_hand_written_staging_models_name_their_columns_as_the_registry_says() -> None:
    """A hand-written staging model outputs each column under its registry name (staged_as): the derived
    mention lists refer to those names, and a model that renamed a column differently would break them."""
    registry = load_registry(REGISTRY)
    missing = []
    for code, department in registry.departments.items():
        for table in department.tables:
            path = staging.model_path(sources.STAGING, code, table)
            if staging.is_generated(path):
                continue
            sql = path.read_text(encoding="utf-8")
            missing += [f"{path.name}: {column} as {spec.staged_as}" for column, spec in table.columns.items()
                        if spec.staged_as and not re.search(rf"\bas {spec.staged_as}\b", sql)]
    assert missing == []


def test_every_staging_model_is_incremental_by_the_staged_form_of_its_raw_primary_key() -> None:
    """A staging model takes only what a publication changed and replaces the rows of those keys: its
    unique_key must be what the raw primary key becomes in it, or changed rows would be doubled."""
    registry = load_registry(REGISTRY)
    wrong = []
    for code, department in registry.departments.items():
        for table in department.tables:
            sql = staging.model_path(sources.STAGING, code, table).read_text(encoding="utf-8")
            declared = re.search(r"\{\{ config\(unique_key=(.+?)\) \}\}", sql)
            keys = ast.literal_eval(declared[1]) if declared else None
            keys = [keys] if isinstance(keys, str) else keys
            staged = [_alias_of(sql, column) for column in table.primary_key]
            if keys != staged:
                wrong.append(f"stg_{code}__{table.name}: unique_key {keys}, the primary key is staged as {staged}")
    assert wrong == []


def _alias_of(sql: str, column: str) -> str | None:
    """The name a staging model's select gives the expression over raw ``column`` (not its validity flag)."""
    word = rf"(?<![\w\u4e00-\u9fff]){re.escape(column)}(?![\w\u4e00-\u9fff])"
    found = [line.strip().rstrip(",").rsplit(" as ", 1)[1] for line in sql.splitlines()
             if re.search(word, line) and " as " in line and "is_valid" not in line]
    return found[0] if len(found) == 1 else None


def test_a_generated_staging_model_is_incremental_when_its_key_is_described() -> None:
    registry = load_registry(REGISTRY)
    table = registry.department("police").table("resident")
    described = table.model_copy(update={"columns": {key: ColumnSpec(staged_as="record_no")
                                                     for key in table.primary_key}})
    assert "{{ config(unique_key=[\"record_no\"]) }}" in staging.render("police", described)
    undescribed = table.model_copy(update={"columns": {"xm": ColumnSpec(element="person_name")}})
    assert "{{ config(materialized='table') }}" in staging.render("police", undescribed)
