"""Column types of the server databases."""

from __future__ import annotations

from typing import Literal

from synthetic.schema import Column

Dialect = Literal["postgres", "mysql"]
_TIMESTAMP = {"postgres": "TIMESTAMP", "mysql": "DATETIME"}  # MySQL TIMESTAMP ends in 2038 and shifts zones


def column_type(column: Column, dialect: Dialect) -> str:
    if column.kind == "varchar":
        return f"VARCHAR({column.length})"
    if column.kind == "decimal":
        return f"{'NUMERIC' if dialect == 'postgres' else 'DECIMAL'}({column.precision},{column.scale})"
    if column.kind == "timestamp":
        return _TIMESTAMP[dialect]
    return {"text": "TEXT", "int": "INTEGER", "bigint": "BIGINT", "date": "DATE", "date_or_text": "TEXT"}[
        column.kind
    ]
