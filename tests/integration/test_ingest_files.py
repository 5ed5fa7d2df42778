"""CSV (UTF-8 and GBK) and Excel sources, and every way a delivered file goes wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from blocklake.errors import SourceDataError
from blocklake.settings import Settings
from ingestion.runner import load_table
from tests.conftest import declare, query

HEADER = "编号,姓名,住址,登记日期\n"
GOOD_ROWS = "".join(f'{i},居民{i},"南山区南头街道{i}号,201室",2025/3/{i % 28 + 1}\n' for i in range(1, 101))


def declare_csv(settings: Settings, folder: Path, encoding: str = "utf-8", **load: object) -> None:
    source = {"id": "files", "kind": "csv", "path": str(folder), "encoding": encoding}
    table = {"name": "residents", "title": "居民", "object": "residents*.csv", "primary_key": ["编号"]}
    declare(settings, "filedept", source, {**table, **({"load": load} if load else {})})


def test_utf8_csv_loads_and_keeps_malformed_rows_with_file_and_line(settings: Settings, tmp_path: Path) -> None:
    bad = "101,缺列\n102,多列,地址,2025/1/1,多余\n"
    (tmp_path / "residents.csv").write_text(HEADER + GOOD_ROWS + bad, encoding="utf-8-sig")
    declare_csv(settings, tmp_path)
    record = load_table("filedept", "residents")
    assert (record.rows_inserted, record.rows_rejected) == (100, 2)
    address = query(settings, "SELECT 住址 FROM lake.raw.filedept__residents WHERE 编号 = '7'")
    assert address == [("南山区南头街道7号,201室",)]  # the quoted comma survived
    rejects = query(settings, "SELECT file, line, raw_line FROM lake.meta.rejects ORDER BY line")
    assert [(Path(f).name, line, raw) for f, line, raw in rejects] == [
        ("residents.csv", 102, "101,缺列"), ("residents.csv", 103, "102,多列,地址,2025/1/1,多余")]


def test_gbk_csv_is_decoded(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "residents.csv").write_bytes((HEADER + GOOD_ROWS).encode("gbk"))
    declare_csv(settings, tmp_path, encoding="gbk")
    assert load_table("filedept", "residents").rows_inserted == 100
    assert query(settings, "SELECT 姓名 FROM lake.raw.filedept__residents WHERE 编号 = '9'") == [("居民9",)]


def test_a_gbk_file_past_duckdbs_read_buffer_loads_every_row_intact(settings: Settings, tmp_path: Path) -> None:
    """DuckDB's own GBK decoding breaks rows at its 32 MB buffer edge: it refused this valid file at line
    421,358, and garbled rows (a comma inside a name, bytes of another row) in others like it. The file is
    re-encoded to UTF-8 before DuckDB reads it."""
    rows = 450_000  # 34 MB of GBK
    body = "".join(f"{i},居民{i},南山区桃花园社区望海路{i}号705室,南山区南头街道{i}号\n" for i in range(rows))
    (tmp_path / "residents.csv").write_bytes((HEADER + body).encode("gbk"))
    declare_csv(settings, tmp_path, encoding="gbk")
    record = load_table("filedept", "residents")
    assert (record.rows_inserted, record.rows_rejected) == (rows, 0)
    assert query(settings, "SELECT count(*) FROM lake.raw.filedept__residents WHERE 姓名 <> '居民' || 编号 "
                           "OR 住址 <> '南山区桃花园社区望海路' || 编号 || '号705室'") == [(0,)]
    assert query(settings, "SELECT DISTINCT _source_file FROM lake.raw.filedept__residents") == [
        (str(tmp_path / "residents.csv"),)], "lineage names the delivered file, not the UTF-8 copy"
    assert list((settings.home / "tmp").glob("csv-utf8-*")) == [], "the UTF-8 copy is removed"


def test_a_gbk_file_with_a_foreign_line_past_the_head_names_the_line(settings: Settings, tmp_path: Path) -> None:
    filler = "".join(f"{i},居民{i},南山区南头街道{i}号,2025/3/1\n" for i in range(40_000))  # > 1 MiB
    foreign = b"40000,\x80\x80,nowhere,2025/3/1\n"  # a lone 0x80 is no GBK (nor GB18030) character
    (tmp_path / "residents.csv").write_bytes((HEADER + filler).encode("gbk") + foreign)
    declare_csv(settings, tmp_path, encoding="gbk")
    with pytest.raises(SourceDataError, match=r"line 40002 is not valid gbk.*mixed encodings"):
        load_table("filedept", "residents")
    assert list((settings.home / "tmp").glob("csv-utf8-*")) == []


def test_wrong_encoding_is_a_clear_error_and_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "residents.csv").write_bytes((HEADER + GOOD_ROWS).encode("gbk"))
    declare_csv(settings, tmp_path, encoding="utf-8")
    with pytest.raises(SourceDataError, match=r"is not utf-8.*set 'encoding: gbk'"):
        load_table("filedept", "residents")
    assert query(settings, "SELECT outcome, error LIKE '%encoding: gbk%' FROM lake.meta.loads") == [("failed", True)]
    assert query(settings, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw'") == [(0,)]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: "", "is empty"),
        (lambda text: text[: text.rindex("南山区南头街道97号") + 4], "looks truncated"),
    ],
    ids=["empty", "truncated"],
)
def test_empty_or_truncated_file_fails_and_keeps_the_last_good_version(
        settings: Settings, tmp_path: Path, damage, message: str) -> None:
    path = tmp_path / "residents.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    declare_csv(settings, tmp_path)
    load_table("filedept", "residents")
    path.write_text(damage(HEADER + GOOD_ROWS), encoding="utf-8")
    with pytest.raises(SourceDataError, match=message):
        load_table("filedept", "residents")
    assert query(settings, "SELECT count(*) FROM lake.raw.filedept__residents") == [(100,)]


def test_too_many_bad_rows_fail_the_load(settings: Settings, tmp_path: Path) -> None:
    bad = "".join(f"{i},缺列\n" for i in range(200, 220))
    (tmp_path / "residents.csv").write_text(HEADER + GOOD_ROWS + bad, encoding="utf-8")
    declare_csv(settings, tmp_path, max_reject_ratio=0.1)
    with pytest.raises(SourceDataError, match="20 of 120 rows"):
        load_table("filedept", "residents")
    # Nothing reached the raw table, but every bad row is kept with its line for the department to fix.
    assert query(settings, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw'") == [(0,)]
    assert query(settings, "SELECT count(*), min(line), max(line) FROM lake.meta.rejects") == [(20, 102, 121)]


def write_workbook(path: Path, rows: int, footer_total: int | None) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("救助对象")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, 4, "南山区2026年10月救助对象名册")
    sheet.write_row(1, 0, ["填报单位：南山区民政局    填报日期：2026年11月3日"])
    sheet.write_row(2, 0, ["序号", "姓名", "身份证号码", "月救助金额(元)", "起始日期"])
    for i in range(rows):
        sheet.write_row(3 + i, 0, [i + 1, f"对象{i}", f"44030519800101{i:04d}", 1200.5])
        sheet.write_datetime(3 + i, 4, dt.datetime(2025, 3, 1) + dt.timedelta(days=i), date_format)
    if footer_total is not None:
        sheet.write_row(3 + rows, 0, [f"合计：{footer_total} 人"])
    book.add_worksheet("独居老人")
    book.close()


def declare_excel(settings: Settings, path: Path, sheet: str = "救助对象") -> None:
    source = {"id": "book", "kind": "excel", "path": str(path)}
    table = {"name": "subsidy", "title": "救助对象", "object": sheet, "primary_key": ["序号"], "header_row": 3,
             "footer_pattern": "合计[:：]\\s*(\\d+)"}
    declare(settings, "civiltest", source, table)


def test_excel_with_title_rows_dates_and_total_row(settings: Settings, tmp_path: Path) -> None:
    write_workbook(tmp_path / "book.xlsx", rows=50, footer_total=50)
    declare_excel(settings, tmp_path / "book.xlsx")
    assert load_table("civiltest", "subsidy").rows_inserted == 50
    sql = 'SELECT 序号, 身份证号码, "月救助金额(元)", 起始日期 FROM lake.raw.civiltest__subsidy WHERE 序号 = \'3\''
    assert query(settings, sql) == [("3", "440305198001010002", "1200.5", "2025-03-03")]


def test_excel_total_row_disagreeing_with_the_rows_means_an_incomplete_sheet(
        settings: Settings, tmp_path: Path) -> None:
    write_workbook(tmp_path / "book.xlsx", rows=40, footer_total=50)
    declare_excel(settings, tmp_path / "book.xlsx")
    with pytest.raises(SourceDataError, match="says 50 rows in its total row but holds 40"):
        load_table("civiltest", "subsidy")


def test_missing_sheet_names_the_sheets_that_exist(settings: Settings, tmp_path: Path) -> None:
    write_workbook(tmp_path / "book.xlsx", rows=5, footer_total=5)
    declare_excel(settings, tmp_path / "book.xlsx", sheet="低保对象")
    with pytest.raises(SourceDataError, match=r"no sheet '低保对象'; its sheets are \['救助对象', '独居老人'\]"):
        load_table("civiltest", "subsidy")
