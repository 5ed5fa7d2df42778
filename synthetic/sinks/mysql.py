"""MySQL/MariaDB: one database per department, dropped and recreated, loaded with
``LOAD DATA LOCAL INFILE`` from a temporary file per chunk."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyarrow as pa
import pymysql

from synthetic.schema import Department, TableSpec
from synthetic.sinks.copy_text import copy_text
from synthetic.sinks.ddl import column_type


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class MysqlSink:
    def __init__(self, connection: pymysql.connections.Connection, department: Department):
        self._db = connection
        self._database = _quoted(department.code)
        with self._db.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {self._database}")
            cursor.execute(f"CREATE DATABASE {self._database} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")

    def table(self, spec: TableSpec) -> MysqlTable:
        return MysqlTable(self._db, f"{self._database}.{_quoted(spec.name)}", spec)

    def close(self) -> None:
        """Nothing to release: the connection belongs to the run."""


class MysqlTable:
    def __init__(self, connection: pymysql.connections.Connection, name: str, spec: TableSpec):
        self._db = connection
        names = ", ".join(_quoted(c) for c in spec.column_names)
        self._load = f"LOAD DATA LOCAL INFILE %s INTO TABLE {name} CHARACTER SET utf8mb4 ({names})"
        columns = ", ".join(f"{_quoted(c.name)} {column_type(c, 'mysql')}" for c in spec.columns)
        key = ", ".join(_quoted(k) for k in spec.key)
        with self._db.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {name} ({columns}, PRIMARY KEY ({key})) ENGINE=InnoDB COMMENT=%s",
                (spec.title,),
            )

    def write(self, data: pa.Table) -> None:
        with tempfile.TemporaryDirectory(prefix="blocklake-load-") as folder:
            path = Path(folder) / "chunk.tsv"
            path.write_bytes(copy_text(data))
            with self._db.cursor() as cursor:
                cursor.execute(self._load, (str(path),))

    def close(self) -> None:
        self._db.commit()
