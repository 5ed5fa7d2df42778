"""Reading a directory file another platform exported: delimited text (CSV, TSV; UTF-8 with or without a
BOM, GB18030 as Excel writes it on a Chinese Windows, UTF-16 as its "Unicode text" does), JSON (a list of
objects, an API answer with the list inside, or JSON lines), a workbook's largest sheet (.xlsx, legacy .xls,
.ods), or an HTML table (what many portals' 导出Excel buttons send under an .xls name).

The format is read from the bytes, not from the file's name: the name is only a hint, and wrong as often as
a portal's export button is.

Every reader gives the same :class:`SourceTable`: the header, then each data row numbered as the user
sees it (CSV and Excel: the line / sheet row, header = 1; JSON: the object's 1-based index), so a
report can name the row to fix. Cells keep their type where the file has one (Excel dates and numbers).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blocklake.errors import BlocklakeError, SourceDataError
from blocklake.settings import get_settings
from blocklake.workbook_guard import UnreadableWorkbook, uploaded_sheets
from catalog.directory_import.html_table import html_rows, looks_like_html

# The names a directory file may come under (an upload is kept under its suffix); the format is sniffed.
SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".jsonl", ".xlsx", ".xlsm", ".xls", ".ods", ".et", ".html", ".htm")
_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # xlsx/ods; legacy xls/et


class DirectoryImportError(BlocklakeError):
    """A directory file could not be read at all (missing, undecodable, malformed, of an unknown format)."""

    def __init__(self, message: str, *, path: Path | str):
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


@dataclass(frozen=True)
class SourceRow:
    number: int  # as the user finds it in the file
    cells: dict[str, Any]
    unreadable: str | None = None  # why its cells cannot be trusted (a shifted CSV row, not a JSON object)


@dataclass(frozen=True)
class SourceTable:
    columns: list[str]
    rows: list[SourceRow] = field(default_factory=list)


def read_text(data: bytes, name: str | Path) -> str:
    """UTF-16 when it starts with its BOM, else UTF-8 (a BOM is dropped), else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DirectoryImportError(f"broken UTF-16 text (byte {exc.start})", path=name) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DirectoryImportError(f"neither UTF-8 nor GB18030 text (byte {exc.start}); save it as CSV UTF-8",
                                   path=name) from exc


def read_table(data: bytes, name: str) -> SourceTable:
    """The rows of a directory file, whatever its format; ``name`` is used in messages only."""
    if not data.strip():
        raise DirectoryImportError("the file is empty; expected a header row and one row per resource", path=name)
    if data.startswith((_ZIP, _OLE2)):
        return _workbook_table(data, name)
    if data.startswith(b"%PDF"):
        raise DirectoryImportError("a PDF, not a table; export the directory as Excel, CSV or JSON", path=name)
    text = read_text(data, name)
    if "\x00" in text:
        raise DirectoryImportError("binary data, not a table; export the directory as Excel, CSV or JSON",
                                   path=name)
    if looks_like_html(text):
        return _grid_table(html_rows(text), name)
    if text.lstrip().startswith(("[", "{")):
        return _json_table(text, name)
    return _csv_table(text, name)


def _csv_table(text: str, name: str) -> SourceTable:
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise DirectoryImportError(f"not a readable CSV file: {exc}", path=name) from exc
    return _grid_table(lines, name)


def _delimiter(text: str) -> str:
    """Comma, unless the first line has more tabs, semicolons or bars (some portals export those)."""
    first = text.split("\n", 1)[0]
    return max(DELIMITERS, key=first.count) if any(first.count(d) for d in DELIMITERS) else ","


DELIMITERS = (",", "\t", ";", "|")
HEADER_SEARCH = 10  # rows looked at for the header: a workbook may have a title row or two above it


def _header_row(lines: list[list[Any]]) -> int:
    """The first row at least half as full as the fullest of the first rows: a title above it has one cell."""
    filled = [sum(1 for cell in cells if _filled(cell)) for cells in lines[:HEADER_SEARCH]]
    widest = max(filled, default=0)
    return next((index for index, count in enumerate(filled) if count >= max(2, widest / 2)), 0)


def _grid_table(lines: list[list[Any]], name: str) -> SourceTable:
    """A header row and data rows; blank rows (Excel leaves some at the end) are skipped."""
    if not lines:
        raise DirectoryImportError("the file is empty; expected a header row and one row per resource", path=name)
    first = _header_row(lines)
    header = [str(cell).strip().lstrip("\ufeff") if cell is not None else "" for cell in lines[first]]
    rows = []
    for number, cells in enumerate(lines[first + 1:], first + 2):
        if not any(_filled(cell) for cell in cells):
            continue
        extra = [cell for cell in cells[len(header):] if _filled(cell)]
        reason = f"{len(header) + len(extra)} cells but the header has {len(header)} columns" if extra else None
        rows.append(SourceRow(number, {column: cell for column, cell in zip(header, cells, strict=False) if column},
                              reason))
    return SourceTable([column for column in header if column], rows)


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def _json_table(text: str, name: str) -> SourceTable:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        payload = _json_lines(text) if exc.msg == "Extra data" else None
        if payload is None:
            raise DirectoryImportError(f"invalid JSON at line {exc.lineno}: {exc.msg}", path=name) from exc
    if isinstance(payload, dict):  # {"data": [...]} or {"result": {"records": [...]}}, as portals' APIs answer
        payload = _records_in(payload)
    if not isinstance(payload, list):
        raise DirectoryImportError("expected a JSON list of resource objects", path=name)
    columns = list(dict.fromkeys(key for row in payload if isinstance(row, dict) for key in row))
    rows = [SourceRow(number, row) if isinstance(row, dict) else SourceRow(number, {}, "not an object of fields")
            for number, row in enumerate(payload, 1)]
    return SourceTable(columns, rows)


def _json_lines(text: str) -> list[Any] | None:
    """One JSON object a line (JSON lines, as log-style exports write), or None if it is not that."""
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError:
        return None


def _records_in(payload: dict[str, Any]) -> Any:
    """The largest list of objects inside a JSON object, one or two levels down."""
    lists = [value for value in payload.values() if isinstance(value, list)]
    lists += [inner for value in payload.values() if isinstance(value, dict)
              for inner in value.values() if isinstance(inner, list)]
    return max(lists, key=len, default=payload)


def _workbook_table(data: bytes, name: str) -> SourceTable:
    try:
        sheets = uploaded_sheets(data, name, get_settings())
    except UnreadableWorkbook as exc:
        raise DirectoryImportError(f"not a readable Excel/WPS/ODS workbook: {exc}", path=name) from exc
    except SourceDataError as exc:
        raise DirectoryImportError(str(exc), path=name) from None
    # the sheet with the most rows: a first sheet may be a cover or notes (填报说明)
    return _grid_table(max(sheets, key=len, default=[]), name)
