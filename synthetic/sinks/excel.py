"""Excel departments: one workbook, one sheet per table, laid out like a hand-made report:
a merged title, a line naming who filled it in and when, headers, data, and a 合计 footer."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from synthetic.config import AS_OF
from synthetic.schema import Column, Department, TableSpec

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILED_ON = AS_OF + dt.timedelta(days=3)


class ExcelSink:
    def __init__(self, folder: Path, department: Department):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / department.workbook
        # constant_memory streams each row to disk; rows must then be written strictly in order.
        self._book = xlsxwriter.Workbook(str(self.path), {"constant_memory": True})
        self._book.set_properties(
            {"created": dt.datetime.combine(FILED_ON, dt.time(9))}
        )  # reproducible bytes
        self._department = department
        self._formats = {
            "title": self._book.add_format({"bold": True, "font_size": 16, "align": "center"}),
            "date": self._book.add_format({"num_format": "yyyy-mm-dd"}),
            "header": self._book.add_format({"bold": True, "border": 1}),
        }

    def table(self, spec: TableSpec) -> ExcelSheet:
        return ExcelSheet(self._book.add_worksheet(spec.title), spec, self._department, self._formats)

    def close(self) -> None:
        self._book.close()


class ExcelSheet:
    def __init__(self, sheet: Worksheet, spec: TableSpec, department: Department, formats: dict):
        self._sheet = sheet
        self._spec = spec
        self._formats = formats
        width = len(spec.columns) - 1
        sheet.merge_range(
            0, 0, 0, width, f"南山区{AS_OF.year}年{AS_OF.month}月{spec.title}名册", formats["title"]
        )
        filed = f"{FILED_ON.year}年{FILED_ON.month}月{FILED_ON.day}日"
        sheet.write_string(
            1, 0, f"填报单位：南山区{department.title.removeprefix('南山区')}    填报日期：{filed}"
        )
        sheet.write_row(2, 0, spec.column_names, formats["header"])
        self._row = 3
        self._count = 0

    def write(self, data: pa.Table) -> None:
        columns = [column.to_pylist() for column in data.columns]
        for values in zip(*columns, strict=True):
            for index, (column, value) in enumerate(zip(self._spec.columns, values, strict=True)):
                self._cell(index, column, value)
            self._row += 1
        self._count += data.num_rows

    def _cell(self, index: int, column: Column, value: object) -> None:
        if value is None:
            return
        if column.kind in ("int", "bigint", "decimal"):
            self._sheet.write_number(self._row, index, float(value))
        elif column.kind == "date_or_text" and _ISO_DATE.match(str(value)):
            self._sheet.write_datetime(
                self._row, index, dt.datetime.fromisoformat(str(value)), self._formats["date"]
            )
        else:
            self._sheet.write_string(self._row, index, str(value))

    def close(self) -> None:
        self._sheet.write_string(self._row, 0, f"合计：{self._count} 人")
