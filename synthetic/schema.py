"""The one table-spec mechanism: departments, their tables, columns and how each table is built.

Every sink (SQLite, PostgreSQL, MySQL, CSV, Excel) derives what it writes from these specs, and
every table generator yields chunks that :class:`synthetic.chunks.ChunkBuilder` checks
against them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

if TYPE_CHECKING:
    from synthetic.chunks import Chunk
    from synthetic.world import TableContext

ColumnKind = Literal["varchar", "text", "int", "bigint", "decimal", "date", "timestamp", "date_or_text"]
SourceKind = Literal["postgres", "mysql", "sqlite", "csv", "excel"]
DATABASE_KINDS: tuple[SourceKind, ...] = ("postgres", "mysql", "sqlite")


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    length: int = 0  # varchar
    precision: int = 0  # decimal
    scale: int = 0

    @property
    def arrow_type(self) -> pa.DataType:
        if self.kind == "decimal":
            return pa.decimal128(self.precision, self.scale)
        return _ARROW_TYPES[self.kind]


_ARROW_TYPES: dict[str, pa.DataType] = {
    "varchar": pa.string(),
    "text": pa.string(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "date_or_text": pa.string(),  # Excel only: ISO dates become date cells, anything else stays text
}


def varchar(name: str, length: int) -> Column:
    return Column(name, "varchar", length=length)


def text(name: str) -> Column:
    return Column(name, "text")


def integer(name: str) -> Column:
    return Column(name, "int")


def bigint(name: str) -> Column:
    return Column(name, "bigint")


def decimal(name: str, precision: int, scale: int) -> Column:
    return Column(name, "decimal", precision=precision, scale=scale)


def date(name: str) -> Column:
    return Column(name, "date")


def timestamp(name: str) -> Column:
    return Column(name, "timestamp")


def date_or_text(name: str) -> Column:
    return Column(name, "date_or_text")


TableBuilder = Callable[["TableContext"], Iterator["Chunk"]]


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str  # Chinese name; the sheet name of Excel tables
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    build: TableBuilder
    # How the table changes after day one (synthetic.days): an event table's time of the event (set when
    # a row arrives, never changed), and whether other tables point at its rows (the plate, schools,
    # meters…), so none of them arrives late or disappears. ``updated_at`` is stamped on every change.
    event_time: str | None = None
    referenced: bool = False

    @property
    def modified_at(self) -> str | None:
        """The column the source system stamps on each insert and update, if the table has one."""
        return "updated_at" if "updated_at" in self.column_names else None

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Department:
    code: str
    title: str
    kind: SourceKind
    tables: tuple[TableSpec, ...]
    encoding: str = "utf-8-sig"  # CSV departments
    workbook: str = ""  # Excel departments: the workbook's file name

    @property
    def is_database(self) -> bool:
        return self.kind in DATABASE_KINDS
