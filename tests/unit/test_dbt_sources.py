"""dbt's raw-layer sources are written from the registry, and any difference fails here."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from blocklake.registry import load_registry
from blocklake.settings import PROJECT_ROOT
from transform import sources

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
