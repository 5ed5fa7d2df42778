"""Limits checked on an .xlsx before python-calamine opens it.

calamine reads a whole sheet into one dense cell range in memory and, when a crafted file asks for
billions of cells, aborts the process (a Rust allocation failure, not an exception Python can catch).
So the archive is inspected first, streamed in bounded memory:

- the XML it unzips to: declared sizes first (cheap), then the bytes actually inflated (a header can lie);
- the cell range each sheet spans: from the cell references (``r="XFD1048576"``), or from counted rows
  and cells where a writer left the references out;
- no DTD: Excel and WPS never write one, and entity declarations are how billion-laughs files blow up.

Only zip workbooks are inspected; legacy .xls (OLE) goes to calamine unchecked. Every workbook that
arrives from outside goes through here: a department's source file (ingestion) and a list uploaded for
verification (the catalog).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from blocklake.errors import SourceDataError
from blocklake.settings import Settings

_CHUNK_BYTES = 1 << 22
# Patterns start with a literal so the regex engine can skip ahead (three times faster than \b...).
_REF_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,7})"')
_REF_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]')
_PREFIX = re.compile(rb"<(\w+:)?(?:worksheet|sheetData)[\s>]")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_BYTES_PER_CELL = 32  # calamine's dense range holds one 32-byte value per cell, empty or not


@dataclass
class SheetShape:
    """What a streamed sheet XML spans, accumulated chunk by chunk."""

    prefix: bytes | None = None  # the namespace prefix of its tags (b"x:" from some .NET writers), once seen
    rows: int = 0
    cells: int = 0
    referenced: int = 0  # cells carrying an r="A1" reference
    max_row: int = 0
    max_column: int = 0
    widest_row: int = 0  # most cells in one row element, counted where some lack a reference
    open_row: int = 0  # cells so far in the row the previous chunk ended in

    def add(self, xml: bytes) -> None:
        if self.prefix is None and (match := _PREFIX.search(xml)):
            self.prefix = match[1] or b""
        ref_rows = _REF_ROW.findall(xml)
        cells = self._count(xml, b"c")
        self.cells += cells
        self.referenced += len(ref_rows)
        if ref_rows:
            self.max_row = max(self.max_row, *map(int, ref_rows))
            self.max_column = max(self.max_column, *map(_column_number, set(_REF_COLUMN.findall(xml))))
        if cells == len(ref_rows):
            # Every cell has its place: widths are bounded by max_column, only rows need counting.
            self.rows += self._count(xml, b"row")
            self.open_row = 0
            return
        # A chunk starts inside the row the previous one ended in; every row tag starts a new row.
        row_tag = b"<" + (self.prefix or b"") + b"row"
        continued, *started = (self._count(part, b"c") for part in xml.split(row_tag))
        self.rows += len(started)
        self.widest_row = max(self.widest_row, self.open_row + continued, *started)
        self.open_row = started[-1] if started else self.open_row + continued

    def _count(self, xml: bytes, tag: bytes) -> int:
        """Start tags ``<tag ...>``, ``<tag>`` and ``<tag/>`` (bytes.count: no regex, no list)."""
        opening = b"<" + (self.prefix or b"") + tag
        return sum(xml.count(opening + end) for end in (b" ", b">", b"/>"))

    @property
    def cell_bound(self) -> int:
        """An upper bound of the cells calamine will allocate for this sheet."""
        if self.cells == self.referenced:
            return self.max_row * self.max_column
        # Unreferenced rows and cells continue from their predecessor: at most one step each past the
        # farthest reference.
        return (self.max_row + self.rows) * (self.max_column + self.widest_row)


class UnreadableWorkbook(SourceDataError):
    """A workbook that passed the checks but that calamine cannot read (damaged, or not a workbook at all)."""


def uploaded_sheets(data: bytes, label: str, settings: Settings) -> list[list[list[Any]]]:
    """Every sheet's rows (cells as calamine types them) of an uploaded workbook (.xlsx, .xls, .ods), opened
    only after :func:`check_workbook`: :class:`SourceDataError` if opening it could exhaust memory,
    :class:`UnreadableWorkbook` if calamine cannot read it. ``label`` names the upload in messages."""
    from python_calamine import CalamineWorkbook

    upload = io.BytesIO(data)
    upload.name = label
    check_workbook(upload, settings)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names]
    except Exception as exc:  # calamine raises its own error types for unreadable workbooks
        raise UnreadableWorkbook(str(exc)) from exc


def check_workbook(path: Path | IO[bytes], settings: Settings) -> None:
    """Raise :class:`SourceDataError` if opening ``path`` (a file, or an upload's bytes) could exhaust
    memory; return quietly otherwise."""
    if not zipfile.is_zipfile(path):
        return
    if not isinstance(path, Path):
        path.seek(0)  # is_zipfile read the end of the stream
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if info.filename.endswith((".xml", ".rels"))]
            declared = sum(info.file_size for info in members)
            _check_unzipped_size(path, declared, settings)
            inflated = 0
            for info in members:
                with archive.open(info) as stream:
                    inflated = _check_member(path, info.filename, stream, inflated, settings)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SourceDataError(f"{_label(path)} is not a readable workbook (damaged, truncated or not really .xlsx: "
                              f"{exc}); ask the department to re-save it from Excel and resend it") from None


def _check_member(path: Path | IO[bytes], name: str, stream: IO[bytes], inflated: int, settings: Settings) -> int:
    shape = SheetShape()
    for xml in _whole_tags(stream):
        inflated += len(xml)
        _check_unzipped_size(path, inflated, settings)
        if any(marker in xml for marker in _DTD_MARKERS):
            raise SourceDataError(
                f"{_label(path)} member {name} declares XML entities (<!DOCTYPE/<!ENTITY), which Excel never "
                "writes: "
                "a crafted file (entity expansion, 'billion laughs'). Ask the department to re-save it from "
                "Excel or WPS and resend it")
        shape.add(xml)
    if shape.cell_bound > settings.excel_max_cells:
        raise SourceDataError(
            f"{_label(path)} member {name} spans about {shape.cell_bound:,} cells (rows x columns of its used "
            "range), "
            f"over BLOCKLAKE_EXCEL_MAX_CELLS={settings.excel_max_cells:,}; reading it would need "
            f"{shape.cell_bound * _BYTES_PER_CELL / 2**30:,.1f} GiB. A stray cell far from the data (such as "
            "XFD1048576) does this: ask the department to clear it and resend, or to send the table as CSV")
    return inflated


def _check_unzipped_size(path: Path | IO[bytes], size: int, settings: Settings) -> None:
    limit = settings.excel_max_unzipped_bytes
    if size > limit:
        raise SourceDataError(
            f"{_label(path)} unzips to more than {limit:,} bytes of XML (at least {size:,}): too large for a "
            "workbook, "
            "or a zip bomb. Ask the department to send the table as CSV, or raise "
            "BLOCKLAKE_EXCEL_MAX_UNZIPPED_BYTES if the workbook is genuine")


def _label(path: Path | IO[bytes]) -> str:
    return str(path) if isinstance(path, Path) else getattr(path, "name", None) or "the uploaded workbook"


def _whole_tags(stream: IO[bytes]) -> Iterator[bytes]:
    """Inflated XML in chunks cut before a '<', so no tag or reference is split between two chunks."""
    carry = b""
    while chunk := stream.read(_CHUNK_BYTES):
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut <= 0:  # no tag start to cut at: a run of text, yield it whole
            cut = len(data)
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number
