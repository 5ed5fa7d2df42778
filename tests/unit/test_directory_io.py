"""Resource directory export in the guide's field names; the new importer knows its columns for certain.
Reading an export back into a catalog, field by field: tests/integration/test_directory_round_trip.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from catalog.directory_import.guessing import OWN_EXPORT, guess_mapping, mapping_of
from catalog.directory_import.reading import read_table
from catalog.directory_io import export_csv, export_json
from catalog.schemas import DataItemEntry, DirectoryEntry

POLICE_USCC = "11440305349262775H"


def sample_entries() -> list[DirectoryEntry]:
    population = DirectoryEntry(
        classification="1.01.001", name="实有人口", code="1.01.001/000001", provider="深圳市公安局南山分局",
        provider_code=POLICE_USCC, abstract="辖区内实有人口基本信息，含户籍与流动人口。",
        items=[DataItemEntry(name="姓名", type_code="C"),
               DataItemEntry(name="身份证号", type_code="C", column="sfzh", sensitive="resident_id"),
               DataItemEntry(name="出生日期", type_code="D")],
        share_type="有条件共享", share_conditions="用于政务服务办理，须经提供方审核", share_method="接口",
        open_to_public=False, update_cycle="每日", publish_date=date(2025, 3, 6),
        related_codes=["1.02.001/000003", "2.05.002/000011"],
    )
    legal_entities = DirectoryEntry(
        classification="1.02.001", name="法人基本信息", code="1.02.001/000003", provider="深圳市南山区市场监督管理局",
        provider_code="11440305MB2C543219", items=[DataItemEntry(name="统一社会信用代码", type_code="C"),
                                                 DataItemEntry(name="注册资本", type_code="Y")],
        share_type="无条件共享", share_method="文件", format="xlsx,csv", open_to_public=True,
        open_conditions="脱敏后开放", update_cycle="实时", publish_date=date(2024, 12, 31),
    )
    cases = DirectoryEntry(
        classification="3.12.004", name="在办案件信息", provider="深圳市南山区人民检察院",
        provider_code="11440305007506113J", share_type="不予共享",
        share_conditions="《中华人民共和国刑事诉讼法》第五十四条", share_method="数据库", update_cycle="不定期",
    )
    return [population, legal_entities, cases]


def test_csv_export_is_excel_friendly(tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    export_csv(sample_entries(), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, first, second = raw.decode("utf-8-sig").splitlines()[:3]
    assert header.split(",")[:3] == ["信息资源分类", "信息资源名称", "信息资源代码"]
    assert "姓名:C;身份证号:C;出生日期:D" in first
    assert "1.02.001/000003;2.05.002/000011" in first
    assert ",否," in first and ",是," in second


def test_json_export_uses_guide_names(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    export_json(sample_entries(), path)
    text = path.read_text(encoding="utf-8")
    assert "实有人口" in text  # ensure_ascii=False
    first = json.loads(text)[0]
    assert first["信息资源提供方代码"] == POLICE_USCC
    assert first["信息项信息"][2] == {"信息项名称": "出生日期", "数据类型": "D", "字段名": None, "敏感类别": None}


def test_our_own_export_columns_map_for_certain_before_any_guess(tmp_path: Path) -> None:
    """Every column of our export maps onto its field as our own format, whatever its values would suggest."""
    for export, name in ((export_csv, "directory.csv"), (export_json, "directory.json")):
        path = tmp_path / name
        export(sample_entries(), path)
        guesses = guess_mapping(read_table(path.read_bytes(), name))
        assert {guess.reason for guess in guesses} == {OWN_EXPORT}, name
        fields = {name: "open_type" if name == "open_to_public" else name for name in DirectoryEntry.model_fields}
        assert mapping_of(guesses) == {info.alias: fields[name] for name, info in DirectoryEntry.model_fields.items()}
