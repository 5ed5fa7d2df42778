"""Schema drift between a source extract and its lake table: absorb what is safe, stop what is not.

New columns are added, vanished columns are kept (NULL from now on), widened types are promoted.
Anything else (a text column turning numeric, a number shrinking into text…) would lose or corrupt
data, so the load stops with a :class:`SchemaDriftError` and the lake keeps its last good version.
"""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

from blocklake.errors import SchemaDriftError
from blocklake.sql import identifier
from blocklake.vocabulary import LOAD_LINEAGE_COLUMNS
from ingestion.loads import SchemaChange

# Promotions DuckLake can apply in place (each type to any type later in its chain).
_WIDENING_CHAINS = (
    ("TINYINT", "SMALLINT", "INTEGER", "BIGINT"),
    ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"),
    ("FLOAT", "DOUBLE"),
)


def duckdb_types(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> dict[str, str]:
    """The DuckDB type of each Arrow column, as DuckDB itself maps them."""
    relation = con.from_arrow(schema.empty_table())
    return {name: str(dtype) for name, dtype in zip(relation.columns, relation.types, strict=True)}


def fingerprint(types: dict[str, str]) -> str:
    text = "\n".join(f"{name}:{dtype}" for name, dtype in types.items())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def table_types(con: duckdb.DuckDBPyConnection, qualified: str) -> dict[str, str] | None:
    try:
        rows = con.execute(f"DESCRIBE {qualified}").fetchall()
    except duckdb.CatalogException:
        return None
    return {row[0]: row[1] for row in rows}


def create_table(con: duckdb.DuckDBPyConnection, qualified: str, incoming: dict[str, str]) -> None:
    columns = {**incoming, **LOAD_LINEAGE_COLUMNS}
    body = ", ".join(f"{identifier(name)} {dtype}" for name, dtype in columns.items())
    con.execute(f"CREATE TABLE {qualified} ({body})")


def reconcile(con: duckdb.DuckDBPyConnection, qualified: str, existing: dict[str, str],
              incoming: dict[str, str]) -> list[SchemaChange]:
    """Bring the lake table's schema up to the incoming one, or raise if that would lose data."""
    changes = plan_changes(qualified, existing, incoming)
    for change in changes:
        if change.change == "added":
            con.execute(f"ALTER TABLE {qualified} ADD COLUMN {identifier(change.column)} {change.new_type}")
        elif change.change == "widened":
            con.execute(
                f"ALTER TABLE {qualified} ALTER COLUMN {identifier(change.column)} SET DATA TYPE {change.new_type}"
            )
    return changes


def plan_changes(qualified: str, existing: dict[str, str], incoming: dict[str, str]) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    for name, new_type in incoming.items():
        old_type = existing.get(name)
        if old_type is None:
            changes.append(SchemaChange("added", name, None, new_type))
        elif old_type != new_type and _widens(old_type, new_type):
            changes.append(SchemaChange("widened", name, old_type, new_type))
        elif old_type != new_type and not _widens(new_type, old_type):
            raise SchemaDriftError(
                f"{qualified}.{name} changed type from {old_type} to {new_type}, which cannot be stored without "
                "losing data; the load stopped and the lake keeps its last good version. Rename the column "
                "in the source, or drop and reload the raw table after agreeing the change with the department."
            )
    for name, old_type in existing.items():
        if name not in incoming and name not in LOAD_LINEAGE_COLUMNS:
            changes.append(SchemaChange("dropped", name, old_type, None))
    return changes


def _widens(old: str, new: str) -> bool:
    """True if every ``old`` value fits ``new`` (also used the other way round to accept narrower input)."""
    for chain in _WIDENING_CHAINS:
        if old in chain and new in chain:
            return chain.index(new) >= chain.index(old)
    return False
