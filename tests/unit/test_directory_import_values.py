"""Reading another platform's directory: cell values as they are meant, the column mapping guessed from
headers and values, providers found among the catalog's departments by name."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from blocklake.errors import BlocklakeError
from catalog.directory_import.guessing import guess_mapping, mapping_of
from catalog.directory_import.providers import Department, ProviderMatcher
from catalog.directory_import.reading import DirectoryImportError, SourceRow, SourceTable, read_table
from catalog.directory_import.values import (
    UnreadableValue,
    is_nothing,
    parse_classification,
    parse_date,
    parse_formats,
    parse_items,
    parse_open_type,
    parse_share_type,
    prose,
    text,
)
from catalog.schemas import DataItemEntry


@pytest.mark.parametrize(("value", "expected"), [
    ("2020-07-20", date(2020, 7, 20)), ("2021/3/6", date(2021, 3, 6)), ("2025年3月6日", date(2025, 3, 6)),
    ("2025.03.06", date(2025, 3, 6)), ("20250306", date(2025, 3, 6)), ("2024-01-02 10:00:00", date(2024, 1, 2)),
    (45722, date(2025, 3, 6)), (45722.0, date(2025, 3, 6)), ("45722", date(2025, 3, 6)),
    (datetime(2025, 3, 6, 8, 0), date(2025, 3, 6)), ("2025年3月", date(2025, 3, 1)),
])
def test_dates_in_any_form(value: object, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["", "明年", "2025-13-01", "12"])
def test_what_is_not_a_date_says_so(value: str) -> None:
    with pytest.raises(UnreadableValue):
        parse_date(value)


@pytest.mark.parametrize(("value", "expected"), [
    ("['xml', 'json']", ["xml", "json"]), ("[csv,json,rdf,xlsx,xml]", ["csv", "json", "rdf", "xlsx", "xml"]),
    ("xlsx", ["xlsx"]), ("file", ["文件"]), ("API", ["接口"]),
    ("数据库", ["数据库"]), ("database", ["数据库"]), ("csv，json", ["csv", "json"]),
    ("csv、xls;json|xml/rdf", ["csv", "xls", "json", "xml", "rdf"]), ("文件、接口", ["文件", "接口"]),
    (["CSV", "json"], ["csv", "json"]), (".xlsx", ["xlsx"]),
])
def test_formats_in_any_list_syntax(value: object, expected: list[str]) -> None:
    assert parse_formats(value) == expected


@pytest.mark.parametrize(("value", "label", "open_to_public"), [
    ("无条件开放", "无条件开放", True), ("有条件开放", "有条件开放", True), ("依申请开放", "依申请开放", True),
    ("不予开放", "不予开放", False), ("无条件开方", "无条件开放", True), ("有条开放", "有条件开放", True),
    ("依申清开放", "依申请开放", True), ("不开放", "不予开放", False), ("普遍开放", "无条件开放", True),
    ("受限开放", "有条件开放", True), ("是", "无条件开放", True), ("否", "不予开放", False),
    ("非开放", "不予开放", False),
])
def test_open_types_and_their_misspellings(value: str, label: str, open_to_public: bool) -> None:
    assert parse_open_type(value).label == label
    assert parse_open_type(value).open_to_public is open_to_public


def test_share_types_and_classification_codes() -> None:
    assert parse_share_type("有条件") == "有条件共享"
    assert parse_share_type("无条件共亨") == "无条件共享"
    assert parse_share_type("不予共享") == "不予共享"
    assert parse_classification("1-01-001") == "1.01.001"
    with pytest.raises(UnreadableValue, match="不是资源分类代码"):
        parse_classification("民生服务")


def test_mojibake_from_an_exporting_system_is_repaired() -> None:
    assert text("每半年".encode().decode("latin-1")) == "每半年"
    assert text("ｘｌｓｘ") == "xlsx"


def _table(columns: dict[str, list[object]]) -> SourceTable:
    length = len(next(iter(columns.values())))
    return SourceTable(list(columns), [SourceRow(number, {column: values[number - 2]
                                                          for column, values in columns.items()})
                                       for number in range(2, length + 2)])


def test_values_decide_the_mapping_whatever_the_headers_say() -> None:
    table = _table({"标题": ["甲", "乙", "丙"], "备注": ["无条件开放", "依申请", "依申请开放"],
                    "时间": ["2020-07-20", "2021/3/6", "2025年3月6日"], "X": ["每月", "每半年", "不定期"],
                    "col5": ["[csv,json]", "xlsx", "api"], "所属部门": ["民政局", "教育局", "民政局"]})
    mapping = mapping_of(guess_mapping(table))
    assert mapping == {"标题": "name", "备注": "open_type", "时间": "publish_date", "X": "update_cycle",
                       "col5": "format", "所属部门": "provider"}


def test_a_saved_mapping_wins_and_one_field_comes_from_one_column() -> None:
    table = _table({"名称": ["甲"], "资源名称": ["乙"], "频率": ["每月"]})
    guesses = guess_mapping(table, {"资源名称": "name", "频率": ""})
    assert mapping_of(guesses) == {"资源名称": "name"}
    assert next(guess for guess in guesses if guess.column == "名称").field is None


def test_providers_found_by_full_name_without_upper_levels_abbreviated_or_mistyped() -> None:
    matcher = ProviderMatcher([
        Department("mz", "深圳市南山区民政局", None), Department("wj", "深圳市南山区卫生健康局", None),
        Department("cg", "深圳市南山区城市管理和综合执法局", None),
        Department("sj", "深圳市南山区市场监督管理局", None),
        Department("mz2", "深圳市福田区民政局", None),
        Department("fg", "深圳市南山区发展和改革委员会", None), Department("zb", "深圳市南山区人民政府办公室", None),
    ])
    found = {name: (matcher.match(name).department or Department("", "", None)).code for name in [
        "深圳市南山区民政局", "南山区卫生健康局", "区卫健局", "卫健局", "城管执法局", "南山区市场监管局",
        "深圳市南山区市场监督管理居", "民政局", "财政局", "", "区发改委", "南山区政府办"]}
    assert found == {"深圳市南山区民政局": "mz", "南山区卫生健康局": "wj", "区卫健局": "wj", "卫健局": "wj",
                     "城管执法局": "cg", "南山区市场监管局": "sj", "深圳市南山区市场监督管理居": "sj",
                     "民政局": "", "财政局": "", "": "",  # two districts' 民政局: ambiguous, not guessed
                     "区发改委": "fg", "南山区政府办": "zb"}  # 委员会 abbreviated 委, 办公室 办
    assert matcher.match("民政局").how.startswith("不唯一")


def test_unreadable_files_say_why() -> None:
    with pytest.raises(DirectoryImportError, match="a PDF, not a table"):
        read_table(b"%PDF-1.7\n%\xe2\xe3\n", "catalog.pdf")
    with pytest.raises(DirectoryImportError, match="binary data"):
        read_table("资源名称\x00\x00".encode(), "catalog.csv")
    with pytest.raises(DirectoryImportError, match="not a readable Excel"):
        read_table(b"PK\x03\x04 broken", "catalog.xlsx")
    with pytest.raises(DirectoryImportError, match="JSON"):
        read_table(b"{", "catalog.json")
    gb = "资源名称,更新周期\n人口,每月\n".encode("gb18030")
    assert read_table(gb, "a.csv").rows[0].cells == {"资源名称": "人口", "更新周期": "每月"}


@pytest.mark.parametrize(("name", "content"), [
    ("directory.xlsx", b"PK\x03\x04"), ("directory.json", b'{"not": "a list"}'), ("directory.json", b"[{"),
    ("directory.csv", b""), ("directory.csv", b"\xff\xfe\x00\xd8\x00"), ("directory.pdf", b"%PDF"),
])
def test_an_unreadable_file_is_named_in_its_error(name: str, content: bytes) -> None:
    with pytest.raises(DirectoryImportError) as caught:
        read_table(content, name)
    assert isinstance(caught.value, BlocklakeError)
    assert caught.value.path == Path(name) and str(caught.value).startswith(f"{name}: ")


def test_names_and_providers_found_by_their_values_when_headers_say_nothing() -> None:
    table = _table({"A": ["实有人口", "法人信息", "出租屋"], "B": ["南山区民政局", "区教育局", "市场监管局"],
                    "C": ["每月", "每年", "实时"]})
    assert mapping_of(guess_mapping(table)) == {"A": "name", "B": "provider", "C": "update_cycle"}


def test_a_title_row_above_the_header_and_other_delimiters() -> None:
    text = "某市政务数据开放目录,,\n资源名称,更新周期,开放类型\n人口,每月,无条件开放\n".encode()
    table = read_table(text, "a.csv")
    assert table.columns == ["资源名称", "更新周期", "开放类型"] and table.rows[0].number == 3
    tabbed = read_table("资源名称\t更新周期\n人口\t每月\n".encode(), "b.csv")
    assert tabbed.rows[0].cells == {"资源名称": "人口", "更新周期": "每月"}


def test_a_workbook_with_a_cover_sheet_and_a_title_row(tmp_path) -> None:
    import xlsxwriter

    path = tmp_path / "目录.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("填报说明").write(0, 0, "请按模板填写")
    sheet = book.add_worksheet("目录")
    sheet.write(0, 0, "南山区政务数据资源目录")
    for column, title in enumerate(["资源名称", "发布日期"]):
        sheet.write(1, column, title)
    sheet.write(2, 0, "实有人口")
    sheet.write_datetime(2, 1, datetime(2025, 3, 6), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    table = read_table(path.read_bytes(), path.name)
    assert table.columns == ["资源名称", "发布日期"]
    assert table.rows[0].number == 3 and parse_date(table.rows[0].cells["发布日期"]) == date(2025, 3, 6)


def test_counts_and_row_numbers_are_not_dates_and_an_updated_column_is_not_the_publish_date() -> None:
    table = _table({"序号": ["1", "2", "3"], "数据目录名称": ["养老机构名录", "中小学名录", "停车场信息"],
                    "数据量": ["12345", "23456", "34567"], "发布时间": ["2021-05-06"] * 3,
                    "更新时间": ["2024/1/2", "2024/1/3", "2024/1/4"]})
    assert mapping_of(guess_mapping(table)) == {"数据目录名称": "name", "发布时间": "publish_date",
                                                "更新时间": "updated_date"}


@pytest.mark.parametrize("cell", [None, "", " ", "-", "--", "—", "——", "/", "……", "暂无", "NULL", "未填写"])
def test_cells_that_say_nothing(cell: str | None) -> None:
    assert is_nothing(cell)


@pytest.mark.parametrize("cell", ["0", "无条件开放", "2.01", "-1", "a/b"])
def test_cells_that_say_something(cell: str) -> None:
    assert not is_nothing(cell)


def test_data_items_with_their_types_in_any_spelling() -> None:
    assert parse_items("姓名:C;出生日期：日期型、金额:y，备注") == [
        DataItemEntry(name="姓名", type_code="C"), DataItemEntry(name="出生日期", type_code="D"),
        DataItemEntry(name="金额", type_code="Y"), DataItemEntry(name="备注", type_code="C")]
    assert parse_items("时间:12|（预留）") == [DataItemEntry(name="时间:12"), DataItemEntry(name="（预留）")]
    assert parse_items([{"信息项名称": "身份证号", "数据类型": "字符型", "字段名": "sfzh", "敏感类别": "身份证号"},
                        "姓名"]) == [DataItemEntry(name="身份证号", column="sfzh", sensitive="resident_id"),
                                   DataItemEntry(name="姓名")]
    with pytest.raises(UnreadableValue, match="不是敏感类别"):
        parse_items([{"信息项名称": "电话", "敏感类别": "保密"}])
    with pytest.raises(UnreadableValue, match="信息项名称"):
        parse_items([{"数据类型": "C"}])


def test_free_text_keeps_its_punctuation_values_are_read_folded() -> None:
    assert prose(" 用于政务服务办理，须经提供方审核（试行）\ufeff") == "用于政务服务办理，须经提供方审核（试行）"
    assert text("１．０１．００１，") == "1.01.001,"
    assert prose("实有人口，".encode().decode("latin-1")) == "实有人口，"  # mojibake is repaired in both


EXPECTED_CELLS = {"资源名称": "实有人口", "提供部门": "区民政局", "更新周期": "每月"}


def _legacy_xls() -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("目录")
    for row, cells in enumerate([list(EXPECTED_CELLS), list(EXPECTED_CELLS.values())]):
        for column, value in enumerate(cells):
            sheet.write(row, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HTML_EXPORT = """<html><head><meta charset="utf-8"></head><body>
<table><tr><td>某市政务数据资源目录（导出）</td></tr></table>
<table border="1"><tr><th>资源名称</th><th>提供部门</th><th>更新周期</th></tr>
<tr><td>实有人口</td><td>区民政局</td><td>每月</td></tr>
<tr><td>法人信息</td><td colspan="2">区市场监督管理局</td></tr></table></body></html>"""


@pytest.mark.parametrize(("name", "content"), [
    ("目录.xls", _legacy_xls()),  # a legacy Excel workbook (OLE2)
    ("目录.csv", _legacy_xls()),  # … under a wrong name
    ("目录.xls", HTML_EXPORT.encode()),  # a portal's 导出Excel: an HTML table named .xls
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    ("目录.txt", "资源名称\t提供部门\t更新周期\r\n实有人口\t区民政局\t每月\r\n".encode("utf-16")),
    ("目录.json", "\n".join(json.dumps(EXPECTED_CELLS | extra, ensure_ascii=False)
                            for extra in ({}, {"资源名称": "法人信息"})).encode()),  # JSON lines
])
def test_the_format_is_read_from_the_bytes_not_the_name(name: str, content: bytes) -> None:
    table = read_table(content, name)
    assert table.rows[0].cells == EXPECTED_CELLS
    assert table.columns == list(EXPECTED_CELLS)


def test_an_html_table_keeps_its_columns_under_a_colspan() -> None:
    rows = read_table(HTML_EXPORT.encode("gb18030"), "目录.htm").rows
    assert rows[1].cells == {"资源名称": "法人信息", "提供部门": "区市场监督管理局", "更新周期": "区市场监督管理局"}
    assert [row.number for row in rows] == [2, 3]
