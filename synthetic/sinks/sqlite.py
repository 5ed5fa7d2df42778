"""The embedded default for database departments: one SQLite file per department."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from synthetic.schema import Column, TableSpec

# SQLite stores dates as text either way; declaring DATE/TIMESTAMP lets DuckDB's scanner type them as the
# PostgreSQL and MySQL systems do, so the lake sees the same schema whichever system a department runs.
_TYPES = {"int": "INTEGER", "bigint": "INTEGER", "decimal": "NUMERIC", "date": "DATE", "timestamp": "TIMESTAMP"}


class SqliteSink:
    def __init__(self, path: Path):
        path.unlink(missing_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        # A fresh file written once: no journal needed, and a crash just means regenerating.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")

    def table(self, spec: TableSpec) -> SqliteTable:
        columns = ", ".join(f'"{c.name}" {_TYPES.get(c.kind, "TEXT")}' for c in spec.columns)
        key = ", ".join(f'"{k}"' for k in spec.key)
        self._db.execute(f'CREATE TABLE "{spec.name}" ({columns}, PRIMARY KEY ({key}))')
        return SqliteTable(self._db, spec)

    def close(self) -> None:
        self._db.commit()
        self._db.close()


class SqliteTable:
    def __init__(self, db: sqlite3.Connection, spec: TableSpec):
        self._db = db
        self._spec = spec
        marks = ", ".join("?" for _ in spec.columns)
        self._insert = f'INSERT INTO "{spec.name}" VALUES ({marks})'

    def write(self, data: pa.Table) -> None:
        columns = [_python_values(column, data.column(column.name)) for column in self._spec.columns]
        self._db.executemany(self._insert, zip(*columns, strict=True))

    def close(self) -> None:
        self._db.commit()


def _python_values(column: Column, values: pa.ChunkedArray) -> list[object]:
    # SQLite has no date, timestamp or decimal types: ISO text and floats are what readers expect.
    if column.kind in ("date", "timestamp"):
        return pc.cast(values, pa.string()).to_pylist()
    if column.kind == "decimal":
        return pc.cast(values, pa.float64()).to_pylist()
    return values.to_pylist()
