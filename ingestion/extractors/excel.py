"""Excel workbooks as departments really send them: title rows above the header, a total row below.

Cells are read typed (python-calamine) and written to the lake as text in a stable form: dates as
ISO dates, whole numbers without a trailing ``.0``. DuckDB's own reader returns date cells as serial
numbers once columns are read as text, which would silently corrupt every date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from blocklake.errors import SourceDataError
from blocklake.vocabulary import SOURCE_FILE_COLUMN
from blocklake.workbook_guard import check_workbook
from ingestion.extractors.base import Extraction, ExtractRequest, Reject, register


@dataclass
class ExcelExtraction(Extraction):
    path: Path = field(init=False)
    columns: list[str] = field(init=False)
    data_rows: int = field(init=False, default=0)
    footer_total: int | None = field(init=False, default=None)
    sheet: CalamineSheet = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.request.location.target)
        if not self.path.exists():
            raise SourceDataError(f"workbook {self.path} does not exist")
        if self.path.stat().st_size == 0:
            raise SourceDataError(f"workbook {self.path} is empty (0 bytes): the department's export did not "
                                  "complete; ask it to resend the file")
        check_workbook(self.path, self.request.settings)  # before calamine, which aborts on absurd sizes
        try:
            self.workbook = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine raises its own error types for damaged files
            raise SourceDataError(f"{self.path} is not a readable workbook (damaged or truncated?): {exc}; "
                                  "ask the department to re-save it from Excel and resend it") from None
        sheet = self.request.table.object
        if sheet not in self.workbook.sheet_names:
            raise SourceDataError(f"{self.path} has no sheet '{sheet}'; its sheets are {self.workbook.sheet_names}")
        self.sheet = self._load_sheet(sheet)

    def _load_sheet(self, name: str) -> CalamineSheet:
        """The whole sheet, read here so its XML errors surface as a refused file, not a crash mid-load."""
        try:
            return self.workbook.get_sheet_by_name(name)
        except CalamineError as exc:  # XmlError, ZipError…: a damaged or crafted sheet
            raise SourceDataError(f"{self.path} sheet '{name}' cannot be read ({exc}); ask the department to "
                                  "re-save the workbook from Excel and resend it") from None

    def reader(self) -> pa.RecordBatchReader:
        rows = self._rows()
        self.columns = _header(next(rows, None), self.path, self.request.table)
        schema = pa.schema([(name, pa.string()) for name in [*self.columns, SOURCE_FILE_COLUMN]])
        return pa.RecordBatchReader.from_batches(schema, self._batches(rows, schema))

    def _rows(self) -> Iterator[tuple[int, list[object]]]:
        first_row = (self.sheet.start or (0, 0))[0] + 1  # calamine starts at the first used row
        for number, row in enumerate(self.sheet.iter_rows(), start=first_row):
            if number >= self.request.table.header_row:
                yield number, row

    def _batches(self, rows: Iterator[tuple[int, list[object]]], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        width, batch_rows = len(self.columns), self.request.settings.batch_rows
        buffer: list[list[str | None]] = []
        for number, row in rows:
            cells = [_text(value) for value in row]
            if not any(cells):
                continue
            if self._is_footer(cells):
                break
            if any(cells[width:]):
                raw = "\t".join(cell or "" for cell in cells)
                self.rejects.append(Reject(str(self.path), number, "TOO MANY COLUMNS", raw))
                continue
            buffer.append([*(cells + [None] * width)[:width], self.path.name])
            self.data_rows += 1
            if len(buffer) == batch_rows:
                yield _to_batch(buffer, schema)
                buffer = []
        if buffer:
            yield _to_batch(buffer, schema)

    def _is_footer(self, cells: list[str | None]) -> bool:
        pattern = self.request.table.footer_pattern
        match = re.search(pattern, cells[0] or "") if pattern else None
        if match:
            self.footer_total = int(match[1]) if match.groups() else None
        return match is not None

    def finish(self) -> list[Reject]:
        pattern = self.request.table.footer_pattern
        if pattern and self.footer_total is None:
            raise SourceDataError(
                f"{self.path} sheet '{self.request.table.object}' has no total row matching {pattern!r}: "
                "the sheet looks truncated"
            )
        counted = self.data_rows + len(self.rejects)
        if self.footer_total is not None and self.footer_total != counted:
            raise SourceDataError(
                f"{self.path} sheet '{self.request.table.object}' says {self.footer_total} rows in its total "
                f"row but holds {counted}: the sheet is incomplete"
            )
        return self.rejects


def _header(first: tuple[int, list[object]] | None, path: Path, table) -> list[str]:
    if first is None:
        raise SourceDataError(f"{path} sheet '{table.object}' has no row {table.header_row} (the header)")
    names = [str(value).strip() for value in first[1]]
    while names and not names[-1]:
        names.pop()
    if not names or len(set(names)) != len(names) or not all(names):
        raise SourceDataError(f"{path} sheet '{table.object}' row {first[0]} is not a usable header: {names}")
    return names


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _to_batch(rows: list[list[str | None]], schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array(column, pa.string()) for column in zip(*rows, strict=True)],
                                      schema=schema)


@register("excel")
def open_excel(request: ExtractRequest) -> Extraction:
    return ExcelExtraction(request)
