"""Quoting for the SQL Blocklake writes itself: one definition, used by every stage."""

from __future__ import annotations


def identifier(name: str) -> str:
    """A table or column name quoted for DuckDB (``"学籍号"``, ``"a""b"``)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A string literal for DuckDB (``'it''s'``)."""
    return "'" + value.replace("'", "''") + "'"
