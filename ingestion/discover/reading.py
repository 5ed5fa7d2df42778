"""Samples of a department's source, whatever it is: per table its rows, columns, types, comments,
declared key, and up to :data:`SAMPLE_ROWS` rows of values as text."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import duckdb

from blocklake.errors import SourceDataError, SourceUnavailableError
from blocklake.lake import new_duckdb
from blocklake.settings import Settings
from blocklake.sql import identifier, literal
from blocklake.workbook_guard import check_workbook
from ingestion.connections import Location, from_uri

SAMPLE_ROWS = 2_000
TEXT_ENCODINGS = ("utf-8", "gb18030")  # a BOM says UTF-8 outright; GBK is read as its superset GB 18030
FOOTER = re.compile(r"^\s*(?:合计|总计|共计)")


@dataclass
class ColumnSample:
    name: str
    source_type: str  # as DuckDB reads it (files: VARCHAR)
    comment: str | None
    values: list[str]  # the sampled non-null values, as text
    nulls: int  # sampled rows where it is empty


@dataclass
class TableSample:
    object: str  # table name, file name or sheet name
    rows: int
    columns: list[ColumnSample]
    declared_key: list[str] = field(default_factory=list)
    unique: list[str] = field(default_factory=list)  # columns unique and never empty over the whole table
    header_row: int = 1  # Excel: the row holding the column names
    footer: str | None = None  # Excel: the total row as written (合计：284)


@dataclass
class SourceSample:
    kind: str  # postgres | mysql | sqlite | csv | excel
    label: str  # where it is, without secrets
    namespace: str | None
    tables: list[TableSample]
    encoding: str | None = None  # CSV: what the files are written in
    files: str | None = None  # files: the folder or workbook, as the registry's path names it


def read_source(where: str, settings: Settings, *, namespace: str | None = None) -> SourceSample:
    """A database URI (``postgresql://…``, ``mysql://…``, ``sqlite:///…``), an SQLite file, or a folder of
    CSV and Excel files (an Excel workbook alone is a folder of one)."""
    path = Path(where)
    if "://" not in where and path.is_dir():
        return _read_folder(path, settings)
    if "://" not in where and path.suffix.lower() in (".xlsx", ".xls"):
        return _read_workbooks([path], path.parent, settings)
    if "://" not in where:
        if not path.is_file():
            raise SourceUnavailableError(f"{where}: no such file or folder (give a database URI, an SQLite file, "
                                         "or a folder of CSV and Excel files)")
        where = f"sqlite:///{path.resolve()}"
    return _read_database(from_uri(where, namespace, name="discover"), settings)


def _read_database(location: Location, settings: Settings) -> SourceSample:
    con = new_duckdb(settings, location.driver)
    try:
        con.execute(f"ATTACH {literal(location.target)} AS src (TYPE {location.driver}, READ_ONLY)")
    except duckdb.Error as exc:
        con.close()
        reason = str(exc).splitlines()[0].replace(location.target, location.label)  # a URI may hold a password
        raise SourceUnavailableError(f"cannot open {location.label}: {reason}") from None
    try:
        schema = _schema(con, location)
        tables = [_database_table(con, location, schema, name) for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = ? "
            "ORDER BY table_name", [schema]).fetchall()]
    finally:
        con.close()
    return SourceSample(location.driver, location.label, location.namespace, tables)


def _schema(con: duckdb.DuckDBPyConnection, location: Location) -> str:
    if location.driver == "postgres":
        return location.namespace or "public"
    if location.driver == "mysql":
        return location.namespace or location.target.split("database=")[-1].split()[0]
    return con.execute("SELECT schema_name FROM duckdb_tables() WHERE database_name = 'src' LIMIT 1").fetchone()[0]


def _database_table(con: duckdb.DuckDBPyConnection, location: Location, schema: str, name: str) -> TableSample:
    qualified = f"src.{identifier(schema)}.{identifier(name)}"
    described = con.execute("SELECT column_name, data_type, comment FROM duckdb_columns() WHERE database_name = 'src' "
                            "AND schema_name = ? AND table_name = ? ORDER BY column_index", [schema, name]).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {qualified}").fetchone()[0]
    listed = ", ".join(f"CAST({identifier(column)} AS VARCHAR)" for column, *_ in described)
    # The first rows, not a random sample: a sample of a remote table reads all of it through the wire.
    sample = con.execute(f"SELECT {listed} FROM {qualified} LIMIT {SAMPLE_ROWS}").fetchall()
    columns = [ColumnSample(column, kind, comment or None, *_values(sample, index))
               for index, (column, kind, comment) in enumerate(described)]
    table = TableSample(name, rows, columns, _declared_key(con, location, schema, name))
    table.unique = _unique(con, qualified, [c for c in columns if c.nulls == 0 and len(set(c.values)) == len(c.values)],
                           rows)
    return table


def _declared_key(con: duckdb.DuckDBPyConnection, location: Location, schema: str, name: str) -> list[str]:
    if location.driver == "mysql":  # DuckDB's MySQL scanner does not list key constraints
        query = ("SELECT column_name FROM information_schema.key_column_usage WHERE constraint_name = 'PRIMARY' "
                 f"AND table_schema = {literal(schema)} AND table_name = {literal(name)} ORDER BY ordinal_position")
        return [column for (column,) in con.execute(f"SELECT * FROM mysql_query('src', {literal(query)})").fetchall()]
    found = con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE database_name = 'src' AND "
                        "schema_name = ? AND table_name = ? AND constraint_type = 'PRIMARY KEY'",
                        [schema, name]).fetchone()
    return list(found[0]) if found else []


def _unique(con: duckdb.DuckDBPyConnection, relation: str, candidates: list[ColumnSample], rows: int) -> list[str]:
    """Candidate keys: columns unique and never empty in the sample, confirmed over the whole table."""
    if not candidates or rows == 0:
        return []
    counted = ", ".join(f"count(DISTINCT {identifier(c.name)}) = {rows} AND count({identifier(c.name)}) = {rows}"
                        for c in candidates)
    confirmed = con.execute(f"SELECT {counted} FROM {relation}").fetchone()
    return [c.name for c, unique in zip(candidates, confirmed, strict=True) if unique]


def _values(sample: list[tuple], index: int) -> tuple[list[str], int]:
    values = [row[index] for row in sample if row[index] is not None and str(row[index]).strip()]
    return [str(value) for value in values], len(sample) - len(values)


def _read_folder(folder: Path, settings: Settings) -> SourceSample:
    files = sorted(path for path in folder.iterdir() if path.suffix.lower() in (".csv", ".txt"))
    books = sorted(path for path in folder.iterdir() if path.suffix.lower() in (".xlsx", ".xls"))
    if books and not files:
        return _read_workbooks(books, folder.parent, settings)
    if not files:
        raise SourceDataError(f"{folder} holds no CSV or Excel files")
    encoding = _encoding(files[0])
    tables = [_csv_table(path, encoding) for path in files]
    return SourceSample("csv", f"csv:{folder.name}", None, tables, encoding=encoding, files=folder.name)


def _encoding(path: Path) -> str:
    head = path.read_bytes()[:1 << 20]
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    for encoding in TEXT_ENCODINGS:
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not merely a character cut at the end of the head
                continue
        return encoding
    raise SourceDataError(f"{path.name} is neither UTF-8 nor GB 18030 text: ask the department for a CSV export")


def _csv_table(path: Path, encoding: str) -> TableSample:
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        sample = _padded([tuple(row) for row in islice(reader, SAMPLE_ROWS)], len(header))
        columns = [ColumnSample(name, "VARCHAR", None, *_values(sample, index)) for index, name in enumerate(header)]
        unique, rows = _unique_throughout(columns, sample, (tuple(row) for row in reader))
    return TableSample(path.name, rows, columns, unique=unique)


def _read_workbooks(books: list[Path], base: Path, settings: Settings) -> SourceSample:
    from python_calamine import CalamineWorkbook

    tables = []
    for book in books:
        check_workbook(book, settings)  # the ingest's limits: a crafted workbook is refused before it is opened
        workbook = CalamineWorkbook.from_path(str(book))
        for sheet in workbook.sheet_names:
            cells = [[_cell(value) for value in row] for row in workbook.get_sheet_by_name(sheet).iter_rows()]
            if any(any(row) for row in cells):
                tables.append(_sheet_table(sheet, cells))
    label = books[0].relative_to(base).as_posix() if len(books) == 1 else books[0].parent.name
    return SourceSample("excel", f"excel:{label}", None, tables, files=label)


def _sheet_table(sheet: str, cells: list[list[str | None]]) -> TableSample:
    """The header is the first row filled at least half as wide as the widest; a last row that begins
    with 合计 / 总计 is the sheet's total, not data."""
    width = max(sum(1 for cell in row if cell) for row in cells)
    header_index = next(index for index, row in enumerate(cells) if sum(1 for cell in row if cell) * 2 >= width)
    header = [cell or f"column_{number}" for number, cell in enumerate(cells[header_index], 1)]
    body = [row for row in cells[header_index + 1:] if any(row)]
    footer = None
    if body and body[-1][0] and FOOTER.match(body[-1][0]):
        footer = " ".join(cell for cell in body.pop() if cell)
    sample = _padded([tuple(row) for row in body[:SAMPLE_ROWS]], len(header))
    columns = [ColumnSample(name, "VARCHAR", None, *_values(sample, index)) for index, name in enumerate(header)]
    unique, rows = _unique_throughout(columns, sample, (tuple(row) for row in body[SAMPLE_ROWS:]))
    return TableSample(sheet, rows, columns, header_row=header_index + 1, footer=footer, unique=unique)


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13800138000 as a float
    return str(value).strip() or None


def _padded(rows: list[tuple], width: int) -> list[tuple]:
    return [tuple((list(row) + [None] * width)[:width]) for row in rows]


def _unique_throughout(columns: list[ColumnSample], sample: list[tuple],
                       rest: Iterable[tuple]) -> tuple[list[str], int]:
    """Candidate keys of a file read to its end: the columns full and unique in the sample that stay
    so in every later row (their values are kept as hashes). Returns them and the rows counted."""
    candidates = {index: {hash(value) for value in column.values} for index, column in enumerate(columns)
                  if column.nulls == 0 and len(set(column.values)) == len(column.values) == len(sample)}
    rows = len(sample)
    for row in rest:
        rows += 1
        for index in list(candidates):
            value = row[index] if index < len(row) else None
            key = hash(value.strip()) if value and value.strip() else None
            if key is None or key in candidates[index]:
                del candidates[index]
            else:
                candidates[index].add(key)
    return [columns[index].name for index in candidates], rows
