"""Resource directory export/import: round trips, and another platform's file mapped onto the guide's fields."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from blocklake.errors import BlocklakeError, ConfigError
from catalog.directory_io import DirectoryImportError, export_csv, export_json, import_directory
from catalog.schemas import DataItemEntry, DirectoryEntry

POLICE_USCC = "11440305349262775H"


def _entries() -> list[DirectoryEntry]:
    population = DirectoryEntry(
        classification="1.01.001", name="实有人口", code="1.01.001/000001", provider="深圳市公安局南山分局",
        provider_code=POLICE_USCC, abstract="辖区内实有人口基本信息，含户籍与流动人口。",
        items=[DataItemEntry(name="姓名", type_code="C"), DataItemEntry(name="身份证号", type_code="C"),
               DataItemEntry(name="出生日期", type_code="D")],
        share_type="有条件共享", share_conditions="用于政务服务办理，须经提供方审核", share_method="接口",
        open_to_public=False, update_cycle="每日", publish_date=date(2025, 3, 6),
        related_codes=["1.02.001/000003", "2.05.002/000011"],
    )
    legal_entities = DirectoryEntry(
        classification="1.02.001", name="法人基本信息", code="1.02.001/000003", provider="深圳市南山区市场监督管理局",
        provider_code="11440305MB2C543219", items=[DataItemEntry(name="统一社会信用代码", type_code="C"),
                                                 DataItemEntry(name="注册资本", type_code="Y")],
        share_type="无条件共享", share_method="文件", open_to_public=True, open_conditions="脱敏后开放",
        update_cycle="实时", publish_date=date(2024, 12, 31),
    )
    cases = DirectoryEntry(
        classification="3.12.004", name="在办案件信息", provider="深圳市南山区人民检察院",
        provider_code="11440305007506113J", share_type="不予共享",
        share_conditions="《中华人民共和国刑事诉讼法》第五十四条", share_method="数据库", update_cycle="不定期",
    )
    return [population, legal_entities, cases]


@pytest.mark.parametrize(("export", "suffix"), [(export_csv, ".csv"), (export_json, ".json")])
def test_round_trip(tmp_path: Path, export, suffix: str) -> None:
    path = tmp_path / f"directory{suffix}"
    assert export(_entries(), path) == 3
    result = import_directory(path)
    assert result.problems == []
    assert result.entries == _entries()


def test_csv_export_is_excel_friendly(tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    export_csv(_entries(), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, first, second = raw.decode("utf-8-sig").splitlines()[:3]
    assert header.split(",")[:3] == ["信息资源分类", "信息资源名称", "信息资源代码"]
    assert "姓名:C;身份证号:C;出生日期:D" in first
    assert "1.02.001/000003;2.05.002/000011" in first
    assert ",否," in first and ",是," in second


def test_json_export_uses_guide_names(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    export_json(_entries(), path)
    text = path.read_text(encoding="utf-8")
    assert "实有人口" in text  # ensure_ascii=False
    first = json.loads(text)[0]
    assert first["信息资源提供方代码"] == POLICE_USCC
    assert first["信息项信息"][2] == {"信息项名称": "出生日期", "数据类型": "D", "字段名": None, "敏感类别": None}


OTHER_HEADER = "资源名称,资源代码,提供单位,统一社会信用代码,更新频率,共享属性,是否开放,发布时间,资源分类"


def _other_platform_csv(path: Path, *rows: str, header: str = OTHER_HEADER) -> Path:
    path.write_bytes("\r\n".join([header, *rows, ""]).encode("gb18030"))
    return path


def test_other_platform_gb18030_csv_maps_without_mapping(tmp_path: Path) -> None:
    path = _other_platform_csv(
        tmp_path / "other.csv",
        f"实有人口,1.01.001/000001,深圳市公安局南山分局,{POLICE_USCC},按月,依申请,开放,2025年3月6日,1.01.001",
        f"法人基本信息,,南山区市场监督管理局,{POLICE_USCC},每日更新,无条件,否,2025/3/6,1.02.001",
        f"出租屋信息,,南山区住房和建设局,{POLICE_USCC},季度,不予,N,20250306,3.07.002",
        f"网格事件,,南山区政务服务数据管理局,{POLICE_USCC},即时,有条件共享,向社会开放,2025-03-06 00:00:00,2.01.003",
    )
    result = import_directory(path)
    assert result.problems == []
    first, second, third, fourth = result.entries
    assert (first.name, first.code, first.provider, first.provider_code, first.classification) == (
        "实有人口", "1.01.001/000001", "深圳市公安局南山分局", POLICE_USCC, "1.01.001")
    assert (first.update_cycle, first.share_type, first.open_to_public) == ("每月", "有条件共享", True)
    assert (second.update_cycle, second.share_type, second.open_to_public, second.code) == (
        "每日", "无条件共享", False, None)
    assert (third.update_cycle, third.share_type, third.open_to_public) == ("每季度", "不予共享", False)
    assert (fourth.update_cycle, fourth.share_type, fourth.open_to_public) == ("实时", "有条件共享", True)
    assert {entry.publish_date for entry in result.entries} == {date(2025, 3, 6)}
    assert first.format == "数据库" and first.share_method == "接口"  # defaults for columns the file lacks


def test_bad_rows_are_reported_with_row_numbers_and_others_imported(tmp_path: Path) -> None:
    path = _other_platform_csv(
        tmp_path / "other.csv",
        f"实有人口,,深圳市公安局南山分局,{POLICE_USCC},按月,依申请,开放,2025年3月6日,1.01.001",
        f"法人基本信息,,南山区市场监督管理局,{POLICE_USCC},每月,部分共享,否,2025/3/6,1.02.001",
        f",,南山区住房和建设局,{POLICE_USCC},每年,无条件,否,20250306,3.07.002",
        f"网格事件,,南山区政务服务数据管理局,{POLICE_USCC},每周,有条件,是,,2.01.003",
        f"楼栋信息,,南山区住房和建设局,{POLICE_USCC},每周,无条件,是,2025年2月30日,1.03.001",
    )
    result = import_directory(path)
    assert [entry.name for entry in result.entries] == ["实有人口", "网格事件"]
    assert [(p.row, p.field, p.value) for p in result.problems] == [
        (2, "共享类型", "部分共享"), (3, "信息资源名称", ""), (5, "发布日期", "2025年2月30日")]
    assert "无条件共享/有条件共享/不予共享" in result.problems[0].reason


def test_every_problem_of_a_row_is_reported_at_once(tmp_path: Path) -> None:
    path = _other_platform_csv(tmp_path / "other.csv", f",,南山区住房和建设局,{POLICE_USCC},半月,无条件,也许,,3.07.002")
    result = import_directory(path)
    assert result.entries == []
    assert sorted(p.field for p in result.problems) == sorted(["信息资源名称", "更新周期", "是否向社会开放"])
    assert {p.row for p in result.problems} == {1}


def test_explicit_mapping_for_a_weird_header(tmp_path: Path) -> None:
    header = "目录名,资源代码,责任部门,信用代码,频度,共享属性,资源分类"
    path = _other_platform_csv(
        tmp_path / "weird.csv", f"实有人口,,深圳市公安局南山分局,{POLICE_USCC},月度,无条件共享,1.01.001", header=header)
    mapping = {"目录名": "name", "责任部门": "信息资源提供方", "信用代码": "provider_code", "频度": "更新周期"}
    result = import_directory(path, mapping)
    assert result.problems == []
    [entry] = result.entries
    assert (entry.name, entry.provider, entry.provider_code, entry.update_cycle) == (
        "实有人口", "深圳市公安局南山分局", POLICE_USCC, "每月")


def test_mapping_to_an_unknown_field_is_a_config_error(tmp_path: Path) -> None:
    path = _other_platform_csv(tmp_path / "other.csv")
    with pytest.raises(ConfigError, match="no_such_field"):
        import_directory(path, {"资源名称": "no_such_field"})


def test_unknown_column_is_reported_once(tmp_path: Path) -> None:
    path = _other_platform_csv(
        tmp_path / "other.csv",
        f"实有人口,,深圳市公安局南山分局,{POLICE_USCC},按月,依申请,开放,2025年3月6日,1.01.001,张三",
        f"法人基本信息,,南山区市场监督管理局,{POLICE_USCC},每月,无条件,否,2025/3/6,1.02.001,李四",
        header=OTHER_HEADER + ",联系人",
    )
    result = import_directory(path)
    assert len(result.entries) == 2
    assert [(p.row, p.field, p.reason) for p in result.problems] == [(0, "联系人", "not mapped")]


def test_json_from_another_platform(tmp_path: Path) -> None:
    rows = [
        {"资源名称": "实有人口", "提供部门": "深圳市公安局南山分局", "统一社会信用代码": POLICE_USCC,
         "更新周期": "按日", "共享类型": "有条件", "开放属性": "false", "分类": "1.01.001",
         "数据项": "姓名：字符型；出生日期:d"},
        {"资源名称": "法人基本信息", "提供部门": "南山区市场监督管理局", "统一社会信用代码": POLICE_USCC,
         "更新周期": "每小时", "共享类型": "无条件", "分类": "1.02.001", "备注": "x"},
        "not an object",
    ]
    path = tmp_path / "other.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    result = import_directory(path)
    [entry] = result.entries
    assert entry.items == [DataItemEntry(name="姓名", type_code="C"), DataItemEntry(name="出生日期", type_code="D")]
    assert (entry.update_cycle, entry.share_type, entry.open_to_public) == ("每日", "有条件共享", False)
    assert [(p.row, p.field) for p in result.problems] == [(0, "备注"), (2, "更新周期"), (3, "")]


@pytest.mark.parametrize(("name", "content"), [
    ("directory.xlsx", b"PK\x03\x04"), ("directory.json", b'{"not": "a list"}'), ("directory.json", b"[{"),
    ("directory.csv", b""), ("directory.csv", b"\xff\xfe\x00\xd8\x00"),
])
def test_unreadable_file_raises_with_its_path(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DirectoryImportError) as caught:
        import_directory(path)
    assert isinstance(caught.value, BlocklakeError)
    assert caught.value.path == path and str(path) in str(caught.value)


def test_missing_file_raises_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(DirectoryImportError, match=r"missing\.csv"):
        import_directory(tmp_path / "missing.csv")
