"""A department nobody wrote a registry line, a staging model or a mention for: veterans affairs
(退役军人事务局). Its system names columns in upper-case pinyin initials and writes dates as 19850312 and
2005年3月, phones as +86 138-0013-8000, addresses without province and city or with Chinese numerals; its
roster comes as an Excel workbook with a title row and a 合计 row. What each column truly is comes with
it (:data:`TRUTH`), to measure ``blocklake discover`` against — the tests and ``bench.discover`` use it."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter
from stdnum.cn import ric

TABLE, SHEET = "YFDX", "花名册"
COLUMNS = ("TYRYBH", "XM", "GMSFHM", "CSRQ", "RWNY", "LXDH", "XZZ", "FXJE", "GXSJ")
TRUTH = {  # (table or sheet, column) -> element
    **{(TABLE, column): element for column, element in zip(COLUMNS, (
        "identifier", "person_name", "resident_id", "date", "date", "phone", "address", "amount", "datetime"),
        strict=True)},
    **{(SHEET, column): element for column, element in (
        ("序号", "number"), ("姓名", "person_name"), ("身份证号", "resident_id"), ("联系电话", "phone"),
        ("家庭住址", "address"))},
}
ROADS = ("南山大道十号", "科苑路15号3栋1203室", "桃源村十二栋六零二", "学府路六十九号", "南新路一百零八号2栋501")


def people(rng: random.Random, count: int, *, ids: list[str] | None = None) -> list[tuple]:
    """``count`` veterans, rows in :data:`COLUMNS` order; ``ids``: resident IDs to use (people the
    district already knows), else new ones."""
    rows = []
    for number in range(1, count + 1):
        if ids and number <= len(ids):
            resident_id = ids[number - 1]
            born = date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
        else:
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(20_000))
            body = f"440305{born:%Y%m%d}{rng.randrange(1000):03d}"
            resident_id = body + ric.calc_check_digit(body + "?")
        mobile = f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"
        rows.append((f"TY{number:06d}", rng.choice("王李张刘陈杨黄赵") + rng.choice(["伟", "秀英", "建国", "娜"]),
                     resident_id, f"{born:%Y%m%d}", f"{born.year + 18}年{rng.randint(1, 12)}月",
                     f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
                     f"{rng.choice(['南头街道', '粤海街道'])}{rng.choice(ROADS)}",
                     f"{rng.randrange(100, 5000)}.{rng.randrange(100):02d}",
                     f"2026-10-{rng.randint(1, 30):02d} {rng.randint(0, 23):02d}:15:00"))
    return rows


def write_department(folder: Path, count: int = 300, *, seed: int = 11, ids: list[str] | None = None) -> list[tuple]:
    """``veterans.sqlite`` (table YFDX) and ``roster/优抚对象花名册.xlsx`` under ``folder``; returns the rows."""
    rows = people(random.Random(seed), count, ids=ids)
    folder.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(folder / "veterans.sqlite") as con:
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")
        con.execute(f"CREATE TABLE {TABLE} (TYRYBH TEXT PRIMARY KEY, XM TEXT, GMSFHM TEXT, CSRQ TEXT, RWNY TEXT, "
                    "LXDH TEXT, XZZ TEXT, FXJE TEXT, GXSJ TEXT)")
        con.executemany(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    (folder / "roster").mkdir(exist_ok=True)
    book = xlsxwriter.Workbook(str(folder / "roster" / "优抚对象花名册.xlsx"))
    sheet = book.add_worksheet(SHEET)
    sheet.write_row(0, 0, ["南山区退役军人事务局优抚对象花名册（2026年10月）"])
    sheet.write_row(2, 0, ["序号", "姓名", "身份证号", "联系电话", "家庭住址"])
    for number, row in enumerate(rows, 1):
        sheet.write_row(2 + number, 0, [number, row[1], row[2], row[5], row[6]])
    sheet.write_row(3 + count, 0, [f"合计：{count} 人"])
    book.close()
    return rows
