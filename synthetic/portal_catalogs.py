"""Directories as other platforms export them, for testing and benchmarking the directory import
(issue 21): five column layouts (provincial CSV in GB18030, a city portal's JSON, an Excel workbook, a
CSV with a BOM and English headers, a portal API's nested JSON), each with the kinds of values real
portals write — update cycles as guide labels, short forms, intervals, Chinese numerals, variants of
不定期, empty or garbled; open types with typing errors; format lists in several syntaxes; dates in
several forms — and providers named in full, without their upper levels, or abbreviated.

Made up here, not copied from any portal. :func:`write_catalogs` returns each row's truth: what the
import should read from it.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter
from stdnum.cn import uscc

CITY, DISTRICT = "深圳市", "南山区"
# (own name, abbreviation) of the departments the catalog knows
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("民政局", "民政局"), ("卫生健康局", "卫健局"), ("市场监督管理局", "市场监管局"), ("教育局", "教育局"),
    ("人力资源局", "人资局"), ("住房和建设局", "住建局"), ("城市管理和综合执法局", "城管执法局"),
    ("文化广电旅游体育局", "文广旅体局"), ("退役军人事务局", "退役军人局"), ("应急管理局", "应急局"),
    ("工业和信息化局", "工信局"), ("发展和改革局", "发改局"),
)
# classification text -> the code it is ("" for a theme's name, which is not one)
CLASSIFICATIONS: dict[str, str] = {"1.01.001": "1.01.001", "2.05": "2.05", "3-02-004": "3.02.004", "1.03": "1.03",
                                   "民生服务": "", "城市建设": "", "": ""}
SHARE_TYPES: dict[str, str] = {"无条件共享": "无条件共享", "有条件共享": "有条件共享", "不予共享": "不予共享",
                               "无条件": "无条件共享", "有条件": "有条件共享", "依申请": "有条件共享", "": ""}
# update cycle text -> the interval code it means
CYCLES: dict[str, str] = {
    "每日": "P1D", "每周": "P1W", "每月": "P1M", "每季度": "P3M", "每年": "P1Y", "实时": "realtime",
    "不定期": "irregular", "每天": "P1D", "年": "P1Y", "季度": "P3M", "月": "P1M", "按月更新": "P1M", "每半年": "P6M",
    "每两年": "P2Y", "每 3 日": "P3D", "每3个月": "P3M", "每六个月": "P6M", "每十五天": "P15D", "每2周": "P2W",
    "一年两次": "P6M", "不定时": "irregular", "按需": "irregular", "随时": "irregular", "按需更新": "irregular",
    "实时更新": "realtime", "年度": "P1Y", "月度": "P1M", "每年一次": "P1Y", "三年一次": "P3Y", "每月更新一次": "P1M",
    "其他": "irregular", "": "unknown", "锟斤拷锟斤拷": "unknown", "ÿþ": "unknown", "待定": "unknown",
}
OPEN_TYPES: dict[str, str] = {
    "无条件开放": "无条件开放", "有条件开放": "有条件开放", "依申请开放": "依申请开放", "不予开放": "不予开放",
    "无条件开方": "无条件开放", "有条开放": "有条件开放", "依申清开放": "依申请开放", "不开放": "不予开放",
    "普遍开放": "无条件开放", "受限开放": "有条件开放", "": "",
}
FORMAT_LISTS: tuple[list[str], ...] = (["xml", "json"], ["csv", "json", "rdf", "xlsx", "xml"], ["xlsx"], ["file"],
                                       ["api"], ["csv", "xls"], ["json"], ["数据库"], ["API", "XLS"])
# What a format word means in the directory: file types in lower case, the guide's words for the rest.
FORMAT_MEANT = {"file": "文件", "api": "接口", "API": "接口", "XLS": "xls"}
TOPICS = ("人口", "法人", "教育", "医疗", "社保", "住房", "交通", "文化", "应急", "环境")
THINGS = ("基本信息", "名录", "统计", "台账", "登记信息", "许可信息", "办件信息", "设施分布", "服务网点", "年度报表")


@dataclass
class RowTruth:
    layout: str
    number: int  # as the import numbers it (CSV/Excel line, JSON index)
    name: str
    refused: bool = False
    provider: str = ""  # the department's own name, "" when the row names none we know
    cycle: str = "unknown"
    open_type: str = ""
    formats: list[str] = field(default_factory=list)
    published: date | None = None
    classification: str = ""
    share_type: str = ""


def departments() -> list[tuple[str, str, str | None]]:
    """(code, full name, uscc) of each department the catalog is to know."""
    return [(f"dept{index:02d}", f"{CITY}{DISTRICT}{own}", _uscc(index)) for index, (own, _) in enumerate(DEPARTMENTS)]


def _uscc(index: int) -> str:
    body = f"11440305MB2C{index:05d}"
    return body + uscc.calc_check_digit(body)


def complete(truth: RowTruth) -> bool:
    """Whether the row has every field the guide requires (its provider is always a known department)."""
    return bool(truth.classification and truth.share_type and truth.cycle != "unknown")


@dataclass
class _Row:
    truth: RowTruth
    provider_text: str
    cycle_text: str
    open_text: str
    published_value: object
    classification_text: str
    share_type_text: str
    formats_text: list[str]


def _rows(layout: str, count: int, rng: random.Random, first: int, serial: int) -> list[_Row]:
    """``serial`` numbers the names across files: one resource is in one file only."""
    rows = []
    for number in range(first, first + count):
        own, abbreviation = rng.choice(DEPARTMENTS)
        name = f"{rng.choice(TOPICS)}{rng.choice(THINGS)}（{serial + number}）"
        provider_text = rng.choice([f"{CITY}{DISTRICT}{own}", f"{DISTRICT}{own}", own, f"区{own}", abbreviation])
        cycle_text = rng.choice(list(CYCLES) + [""] * 8)  # empty: a large share of rows
        open_text = rng.choice(list(OPEN_TYPES))
        formats = rng.choice(FORMAT_LISTS)
        published = date(2018, 1, 1) + timedelta(days=rng.randrange(2900)) if rng.random() < 0.85 else None
        refused = rng.random() < 0.02
        if refused:
            name = rng.choice(["", "  ", "锟斤拷锟斤拷锟斤拷"])
        classification, share_type = rng.choice(list(CLASSIFICATIONS)), rng.choice(list(SHARE_TYPES))
        truth = RowTruth(layout, number, name.strip(), refused, own, CYCLES[cycle_text], OPEN_TYPES[open_text],
                         [FORMAT_MEANT.get(word, word) for word in formats], published)
        if layout == "provincial_csv":  # the one layout that has the guide's classification and share type
            truth.classification, truth.share_type = CLASSIFICATIONS[classification], SHARE_TYPES[share_type]
        rows.append(_Row(truth, provider_text, cycle_text, open_text, published, classification, share_type, formats))
    return rows


def _date_text(value: date | None, style: int) -> str:
    if value is None:
        return ""
    return [value.isoformat(), f"{value.year}/{value.month}/{value.day}", f"{value.year}年{value.month}月{value.day}日",
            f"{value.isoformat()} 09:30:00"][style % 4]


def _provincial_csv(rows: list[_Row], path: Path) -> None:
    """GB18030, as Excel saves on a Chinese Windows; formats as Python list text."""
    lines = [["目录名称", "数源单位", "更新周期", "开放属性", "资源格式", "发布时间", "摘要", "资源分类", "共享属性"]]
    lines += [[r.truth.name, r.provider_text, r.cycle_text, r.open_text, str(r.formats_text),
               _date_text(r.published_value, index), f"{r.truth.name}的数据", r.classification_text,
               r.share_type_text] for index, r in enumerate(rows)]
    path.write_bytes(_csv_text(lines).encode("gb18030"))


def _city_json(rows: list[_Row], path: Path) -> None:
    """A list of objects; formats as [a,b] without quotes; an extra theme column the directory lacks."""
    records = [{"数据集名称": r.truth.name, "提供部门": r.provider_text, "更新频率": r.cycle_text,
                "开放类型": r.open_text, "数据格式": "[" + ",".join(r.formats_text) + "]",
                "上线日期": _date_text(r.published_value, 1), "所属领域": TOPICS[index % len(TOPICS)]}
               for index, r in enumerate(rows)]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def _workbook(rows: list[_Row], path: Path) -> None:
    """Excel: real date cells, formats separated by 、, codes given for some rows, an ambiguous header."""
    book = xlsxwriter.Workbook(str(path))
    sheet, dated = book.add_worksheet("目录"), book.add_format({"num_format": "yyyy-mm-dd"})
    for column, title in enumerate(["资源名称", "来源单位", "频率", "开放方式", "文件格式", "发布日期"]):
        sheet.write(0, column, title)
    for line, r in enumerate(rows, 1):
        for column, value in enumerate([r.truth.name, r.provider_text, r.cycle_text, r.open_text,
                                        "、".join(r.formats_text)]):
            sheet.write_string(line, column, value)
        if r.published_value is not None:
            sheet.write_datetime(line, 5, r.published_value, dated)
    book.close()


def _english_csv(rows: list[_Row], path: Path) -> None:
    """UTF-8 with a BOM, English headers, and the open type in a column headed 备注 (remarks)."""
    lines = [["title", "publisher", "frequency", "备注", "format", "issued"]]
    lines += [[r.truth.name, r.provider_text, r.cycle_text, r.open_text or "无条件开放", "；".join(r.formats_text),
               _date_text(r.published_value, 2)] for r in rows]
    for r in rows:
        r.truth.open_type = r.truth.open_type or "无条件开放"
    path.write_bytes(_csv_text(lines).encode("utf-8-sig"))


def _api_json(rows: list[_Row], path: Path) -> None:
    """A portal API's answer: records nested under result, camelCase keys, datetimes."""
    records = [{"name": r.truth.name, "orgName": r.provider_text, "updateCycle": r.cycle_text,
                "openType": r.open_text, "fileFormat": " | ".join(r.formats_text),
                "createTime": _date_text(r.published_value, 3)} for r in rows]
    path.write_text(json.dumps({"success": True, "result": {"total": len(records), "records": records}},
                               ensure_ascii=False), encoding="utf-8")


def _csv_text(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue()


LAYOUTS: dict[str, tuple[str, Callable[[list[_Row], Path], None], int]] = {
    # layout -> (file name, writer, number of its first data row)
    "provincial_csv": ("provincial.csv", _provincial_csv, 2),
    "city_json": ("city.json", _city_json, 1),
    "workbook": ("catalog.xlsx", _workbook, 2),
    "english_csv": ("english.csv", _english_csv, 2),
    "api_json": ("api.json", _api_json, 1),
}


def write_catalogs(folder: Path, rows_per_layout: int = 1000, seed: int = 21) -> dict[Path, list[RowTruth]]:
    """One file per layout in ``folder``; each file's rows' truth."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for index, (layout, (name, write, first)) in enumerate(LAYOUTS.items()):
        rows = _rows(layout, rows_per_layout, rng, first, index * rows_per_layout)
        write(rows, folder / name)
        written[folder / name] = [row.truth for row in rows]
    return written
