"""Bad files from departments (issue 7, item 8): each is refused with a message naming the file and what
to do, within bounded time and memory, without touching the table's previous version or its siblings.

Each bad load runs in its own process, as an Airflow task would, so a crash (a Rust abort on an
impossible allocation) fails the test instead of the test run, and its peak RSS is its own: the child
reads its VmHWM (``ru_maxrss`` of a forked child would include the test process it was forked from).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter
import yaml

from blocklake.errors import SourceDataError
from blocklake.settings import Settings, get_settings
from blocklake.workbook_guard import check_workbook
from ingestion.runner import load_table
from quality.gate import gate_raw_table
from tests.conftest import TEST_USCC, query
from tests.reliability.tally import TALLY

DEPT = "badfiles"
TABLES = ("residents", "events", "subsidy")
SHEET = "救助对象"
MAX_SECONDS = 60
MAX_RSS_BYTES = int(1.5 * 2**30)
RESIDENTS = "编号,姓名,住址,登记日期\n" + "".join(
    f'{i},居民{i},"南山区南头街道{i}号,201室",2025/3/{i % 28 + 1}\n' for i in range(1, 101))
EVENTS = "编号,类别\n" + "".join(f"E{i},占道经营\n" for i in range(1, 51))

# The child: one table load, as the load task of an Airflow DAG runs it. Anything but a BlocklakeError
# escapes as a traceback and a non-zero exit, which the test reports.
CHILD = """
import json, re, sys, time
from pathlib import Path
from blocklake.errors import BlocklakeError
from ingestion.runner import load_table
started = time.monotonic()
try:
    load_table(sys.argv[1], sys.argv[2])
    result = {"refused": False}
except BlocklakeError as exc:
    result = {"refused": True, "type": type(exc).__name__, "message": str(exc)}
result["seconds"] = time.monotonic() - started
result["peak_rss_kib"] = int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1])
print(json.dumps(result))
"""


@dataclass(frozen=True)
class Department:
    files: Path  # the CSV folder: residents*.csv and events.csv
    workbook: Path  # the Excel source: sheet 救助对象


@dataclass(frozen=True)
class ChildRun:
    result: dict[str, object]
    seconds: float
    peak_rss_bytes: int


def write_registry(settings: Settings, dept: Department) -> None:
    """One department, two sources (a CSV folder and a workbook), three tables."""
    directory = {"classification": "3.99.001", "share_type": "无条件共享"}
    common = {"update_cycle": "每日", "directory": directory}
    document = {
        "code": DEPT, "name": "坏文件测试单位", "uscc": TEST_USCC,
        "sources": [{"id": "files", "kind": "csv", "path": str(dept.files), "encoding": "utf-8"},
                    {"id": "book", "kind": "excel", "path": str(dept.workbook)}],
        "tables": [
            {"name": "residents", "title": "居民", "source": "files", "object": "residents*.csv",
             "primary_key": ["编号"], **common},
            {"name": "events", "title": "事件", "source": "files", "object": "events.csv",
             "primary_key": ["编号"], **common},
            {"name": "subsidy", "title": "救助对象", "source": "book", "object": SHEET,
             "primary_key": ["序号"], **common},
        ],
    }
    path = settings.registry_dir / f"{DEPT}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_good_workbook(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(SHEET)
    sheet.write_row(0, 0, ["序号", "姓名", "月救助金额(元)"])
    for i in range(1, 21):
        sheet.write_row(i, 0, [i, f"对象{i}", 1200.5])
    book.close()


def write_good_files(dept: Department) -> None:
    (dept.files / "residents.csv").write_text(RESIDENTS, encoding="utf-8")
    (dept.files / "events.csv").write_text(EVENTS, encoding="utf-8")
    write_good_workbook(dept.workbook)


@pytest.fixture
def department(settings: Settings, tmp_path: Path) -> Department:
    """The department with every table loaded and published once: the 'last good version'."""
    dept = Department(files=tmp_path / "files", workbook=tmp_path / "book.xlsx")
    dept.files.mkdir()
    write_registry(settings, dept)
    write_good_files(dept)
    for table in TABLES:
        load_table(DEPT, table)
        gate_raw_table(DEPT, table)
    return dept


# --- the bad inputs -------------------------------------------------------------------------------------

def gbk_labelled_utf8(dept: Department) -> Path:
    path = dept.files / "residents.csv"
    path.write_bytes(RESIDENTS.encode("gbk"))
    return path


def gbk_after_the_first_megabyte(dept: Department) -> Path:
    """UTF-8 (all ASCII) for 2 MiB, then GBK rows: past the head that an encoding check samples."""
    path = dept.files / "residents.csv"
    ascii_rows = "".join(f"{i},resident{i},street {i},2025/3/1\n" for i in range(1, 60_001))
    gbk_rows = "".join(f"{i},居民{i},南山区南头街道{i}号,2025/3/1\n" for i in range(60_001, 60_011))
    path.write_bytes(RESIDENTS.splitlines(keepends=True)[0].encode() + ascii_rows.encode() + gbk_rows.encode("gbk"))
    return path


def ragged_rows(dept: Department) -> Path:
    """Every third row is missing columns or has extra ones: a file cut and pasted by hand."""
    lines = [RESIDENTS.splitlines()[0]]
    for i in range(1, 301):
        lines.append(f"{i},居民{i}" if i % 6 == 0 else f"{i},居民{i},地址,2025/1/1,多余" if i % 3 == 0
                     else f"{i},居民{i},地址{i},2025/1/1")
    path = dept.files / "residents.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def empty_csv(dept: Department) -> Path:
    path = dept.files / "residents.csv"
    path.write_bytes(b"")
    return path


def empty_workbook(dept: Department) -> Path:
    dept.workbook.write_bytes(b"")
    return dept.workbook


def single_line_2gb(dept: Department) -> Path:
    """2 GiB with no line end, written sparse (a few bytes, then a hole): nothing held in memory."""
    path = dept.files / "residents.csv"
    with path.open("wb") as handle:
        handle.write("编号,姓名,住址,登记日期".encode())
        handle.truncate(2 * 2**30)
    return path


def csv_with_a_50mb_line(dept: Department) -> Path:
    """A good file with one 50 MiB line in the middle (a binary blob pasted into a cell)."""
    path = dept.files / "residents.csv"
    lines = RESIDENTS.splitlines(keepends=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(lines[:50])
        handle.write("50," + "x" * (50 * 2**20) + ",地址,2025/1/1\n")
        handle.writelines(lines[51:])
    return path


def xlsx_zip_bomb(dept: Department) -> Path:
    """A 1.5 MB workbook whose sheet XML inflates to 512 MiB (about 25 million cells)."""
    row = b"<row><c><v>1</v></c><c><v>2</v></c></row>"
    block = row * ((1 << 20) // len(row))
    head = sheet_row(1, ["序号", "姓名"])
    write_raw_workbook(dept.workbook, [SHEET_OPEN, head, *(block for _ in range(512)), SHEET_CLOSE])
    return dept.workbook


def xlsx_bomb_with_lying_sizes(dept: Department) -> Path:
    """The same bomb, its central directory (what readers trust) claiming the sheet unzips to 1 KB."""
    xlsx_zip_bomb(dept)
    data = bytearray(dept.workbook.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")  # central directory entries: sizes at +20/+24, file name at +46
    while entry >= 0:
        if data[entry + 46:entry + 46 + len(name)] == name:
            data[entry + 24:entry + 28] = (1024).to_bytes(4, "little")
        entry = data.find(b"PK\x01\x02", entry + 4)
    dept.workbook.write_bytes(data)
    return dept.workbook


def xlsx_far_cell(dept: Department) -> Path:
    """Two cells, A1 and XFD1048576: a 2 KB file whose dense cell range is 17 billion cells."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    write_raw_workbook(dept.workbook, [SHEET_OPEN, sheet_row(1, ["序号", "姓名"]), far, SHEET_CLOSE])
    return dept.workbook


def xlsx_billion_laughs(dept: Department) -> Path:
    """Sheet XML declaring nested entities that would expand to 10^9 'lol's."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    doctype = f"<!DOCTYPE worksheet [{entities}]>".encode()
    cells = b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    write_raw_workbook(dept.workbook, [XML_DECLARATION, doctype, SHEET_OPEN.removeprefix(XML_DECLARATION),
                                       sheet_row(1, ["序号"]), cells, SHEET_CLOSE])
    return dept.workbook


@dataclass(frozen=True)
class BadInput:
    make: Callable[[Department], Path]
    table: str
    message: str  # a regex the refusal must match, besides naming the file


BAD_INPUTS = {
    "gbk_labelled_utf8": BadInput(gbk_labelled_utf8, "residents", r"is not utf-8.*set 'encoding: gbk'"),
    "gbk_after_1mib": BadInput(gbk_after_the_first_megabyte, "residents", r"is not utf-8.*set 'encoding: gbk'"),
    "ragged_rows": BadInput(ragged_rows, "residents", r"could not be read.*residents\.csv.*lake\.meta\.rejects"),
    "empty_csv": BadInput(empty_csv, "residents", r"is empty \(0 bytes\).*resend"),
    "empty_xlsx": BadInput(empty_workbook, "subsidy", r"is empty \(0 bytes\).*resend"),
    "single_line_2gib": BadInput(single_line_2gb, "residents", r"line 1 is longer than .*BLOCKLAKE_CSV_MAX_LINE_BYTES"),
    "line_of_50mib": BadInput(csv_with_a_50mb_line, "residents", r"line 51 is longer than .*"),
    "xlsx_zip_bomb": BadInput(xlsx_zip_bomb, "subsidy", r"unzips to more than .*BLOCKLAKE_EXCEL_MAX_UNZIPPED_BYTES"),
    "xlsx_lying_sizes": BadInput(xlsx_bomb_with_lying_sizes, "subsidy", r"is not a readable workbook"),
    "xlsx_far_cell": BadInput(xlsx_far_cell, "subsidy", r"spans .* cells.*BLOCKLAKE_EXCEL_MAX_CELLS"),
    "xlsx_billion_laughs": BadInput(xlsx_billion_laughs, "subsidy", r"declares XML entities"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_file_is_refused_in_bounded_time_and_memory(settings: Settings, department: Department,
                                                         name: str) -> None:
    bad = BAD_INPUTS[name]
    TALLY.add("bad_inputs_tried")
    raw_table = f"raw.{DEPT}__{bad.table}"
    before = table_state(settings, raw_table)
    path = bad.make(department)
    try:
        run = run_child_load(bad.table)
        assert_siblings_still_load(bad.table)  # with the bad file still in the folder
    finally:
        path.unlink()  # the 2 GiB file (sparse, but still) must not outlive the test
    assert run.result.get("refused"), f"{name} was loaded, not refused: {run.result}"
    message = str(run.result["message"])
    assert run.result["type"] == "SourceDataError", message
    assert path.name in message, f"the message does not name the file: {message}"
    assert re.search(bad.message, message, re.S), message
    assert run.seconds < MAX_SECONDS, f"{name} took {run.seconds:.1f}s"
    assert run.peak_rss_bytes < MAX_RSS_BYTES, f"{name} peaked at {run.peak_rss_bytes / 2**30:.2f} GiB"
    print(f"{name}: refused in {run.seconds:.1f} s, peak RSS {run.peak_rss_bytes / 2**20:,.0f} MiB: {message}")
    # The table keeps its previous version, published and unpublished alike; the ledger says why.
    assert table_state(settings, raw_table) == before
    outcome, error = query(settings, "SELECT outcome, error FROM lake.meta.loads WHERE raw_table = ? "
                                     "ORDER BY started_at DESC LIMIT 1", [raw_table.removeprefix("raw.")])[0]
    assert outcome == "failed" and path.name in error


def table_state(settings: Settings, raw_table: str) -> tuple[object, ...]:
    """Everything a consumer could see of a table: its rows, their load and its published snapshot."""
    rows = query(settings, f"SELECT * FROM lake.{raw_table} ORDER BY ALL")
    published = query(settings, "SELECT count(*), max(snapshot_id) FROM lake.meta.published WHERE table_name = ?",
                      [raw_table])
    return rows, published


def assert_siblings_still_load(bad_table: str) -> None:
    expected = {"residents": 100, "events": 50, "subsidy": 20}
    for table in TABLES:
        if table != bad_table:
            record = load_table(DEPT, table)  # read whole again; only what changed is written
            assert (record.outcome, record.rows_extracted) == ("succeeded", expected[table])


def run_child_load(table: str) -> ChildRun:
    """Run one load in a child process, killed past the time bound; its outcome and peak RSS."""
    started = time.monotonic()
    try:
        child = subprocess.run([sys.executable, "-c", CHILD, DEPT, table], capture_output=True, text=True,
                               timeout=MAX_SECONDS + 30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the load of {table} still ran after {MAX_SECONDS + 30} s")
    seconds = time.monotonic() - started
    assert child.returncode == 0, f"the load crashed (exit {child.returncode}): {child.stderr[-3000:]}"
    result = json.loads(child.stdout.strip().splitlines()[-1])
    return ChildRun(result, seconds, result["peak_rss_kib"] * 1024)


# --- a workbook written by hand, to say exactly what its XML holds --------------------------------------

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_OPEN = XML_DECLARATION + b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData>'
SHEET_CLOSE = b"</sheetData></worksheet>"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)


def sheet_row(number: int, values: list[str]) -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
                    for i, value in enumerate(values))
    return f'<row r="{number}">{cells}</row>'.encode()


def write_raw_workbook(path: Path, sheet_xml: Iterable[bytes]) -> None:
    """A minimal valid .xlsx with one sheet named SHEET whose XML is streamed from ``sheet_xml``."""
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS.decode()}" '
                f'xmlns:r="{REL_NS}"><sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", relationships("officeDocument", "xl/workbook.xml"))
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", relationships("worksheet", "worksheets/sheet1.xml"))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for chunk in sheet_xml:
                member.write(chunk)


def relationships(kind: str, target: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}"><Relationship '
            f'Id="rId1" Type="{REL_NS}/{kind}" Target="{target}"/></Relationships>')


# --- the limits are exact, so they refuse bad files without refusing good ones ---------------------------

@pytest.mark.parametrize("extra", [0, 1], ids=["at_the_limit", "one_byte_over"])
def test_csv_line_limit_is_exact(settings: Settings, department: Department, monkeypatch: pytest.MonkeyPatch,
                                 extra: int) -> None:
    monkeypatch.setenv("BLOCKLAKE_CSV_MAX_LINE_BYTES", "1024")
    get_settings.cache_clear()
    fill = 1024 + extra - len("101,,地址,2025/1/1".encode())
    long_line = "101," + "长" * (fill // 3) + "x" * (fill % 3) + ",地址,2025/1/1"  # 长 is 3 bytes in UTF-8
    assert len(long_line.encode()) == 1024 + extra
    (department.files / "residents.csv").write_text(RESIDENTS + long_line + "\n", encoding="utf-8")
    if extra:
        with pytest.raises(SourceDataError, match=r"line 102 is longer than 1,024 bytes"):
            load_table(DEPT, "residents")
        return
    assert load_table(DEPT, "residents").rows_extracted == 101
    assert query(settings, "SELECT 姓名 FROM lake.raw.badfiles__residents WHERE 编号 = '101'") == [
        (long_line.split(",")[1],)]


def test_workbook_cell_bound_is_exact_with_and_without_references(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    referenced, unreferenced = tmp_path / "referenced.xlsx", tmp_path / "unreferenced.xlsx"
    book = xlsxwriter.Workbook(str(referenced))
    sheet = book.add_worksheet(SHEET)
    for row in range(2000):
        sheet.write_row(row, 0, [f"{row}-{column}" for column in range(8)])
    book.close()
    row_xml = b"<row>" + b"<c><v>1</v></c>" * 8 + b"</row>"
    write_raw_workbook(unreferenced, [SHEET_OPEN, *(row_xml for _ in range(2000)), SHEET_CLOSE])
    for path in (referenced, unreferenced):
        monkeypatch.setenv("BLOCKLAKE_EXCEL_MAX_CELLS", str(2000 * 8))
        check_workbook(path, Settings())
        monkeypatch.setenv("BLOCKLAKE_EXCEL_MAX_CELLS", str(2000 * 8 - 1))
        with pytest.raises(SourceDataError, match="spans about 16,000 cells"):
            check_workbook(path, Settings())
