"""PostgreSQL: one schema per department, dropped and recreated, loaded with ``COPY``."""

from __future__ import annotations

import psycopg
import pyarrow as pa
from psycopg import sql

from synthetic.schema import Department, TableSpec
from synthetic.sinks.copy_text import copy_text
from synthetic.sinks.ddl import column_type


class PostgresSink:
    def __init__(self, connection: psycopg.Connection, department: Department):
        self._db = connection
        self._schema = department.code
        with self._db.transaction():
            self._db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self._schema)))
            self._db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self._schema)))

    def table(self, spec: TableSpec) -> PostgresTable:
        return PostgresTable(self._db, self._schema, spec)

    def close(self) -> None:
        """Nothing to release: the connection belongs to the run."""


class PostgresTable:
    def __init__(self, connection: psycopg.Connection, schema: str, spec: TableSpec):
        self._db = connection
        self._spec = spec
        self._name = sql.Identifier(schema, spec.name)
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(column_type(c, "postgres")))
            for c in spec.columns
        )
        self._db.execute(sql.SQL("CREATE TABLE {} ({})").format(self._name, columns))
        self._db.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(self._name, sql.Literal(spec.title)))
        self._copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
            self._name, sql.SQL(", ").join(sql.Identifier(c) for c in spec.column_names)
        )

    def write(self, data: pa.Table) -> None:
        with self._db.cursor() as cursor, cursor.copy(self._copy) as copy:
            copy.write(copy_text(data))

    def close(self) -> None:
        # The key is added after the load: building the index once is much faster than row by row.
        key = sql.SQL(", ").join(sql.Identifier(k) for k in self._spec.key)
        self._db.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(self._name, key))
        self._db.commit()
