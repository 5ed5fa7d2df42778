"""The publication record: which snapshot of each lake table consumers read.

``meta.published`` is the contract between the quality gate, which appends a row when a table's new
version passes its checks, and every consumer (the dbt build, the catalog, exports, the data API,
analysts, lake maintenance), which reads the newest row per table and nothing newer. It lives in the
core because every stage reads it; only the gate writes it, inside the transaction of its decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from blocklake.lake import LAKE
from blocklake.sql import identifier

TABLE = f"{LAKE}.meta.published"
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    table_name VARCHAR, snapshot_id BIGINT, run_id VARCHAR, score DOUBLE, published_at TIMESTAMPTZ)"""


@dataclass(frozen=True)
class Publication:
    """One table (``schema.table``) published at one snapshot by one gate run."""

    table_name: str
    snapshot_id: int
    run_id: str
    score: float | None


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def record(con: duckdb.DuckDBPyConnection, publications: Sequence[Publication], at: datetime) -> None:
    """Append ``publications`` in one statement, inside the caller's transaction."""
    if not publications:
        return
    values = ", ".join("(?, ?, ?, ?, ?)" for _ in publications)
    parameters = [value for p in publications for value in (p.table_name, p.snapshot_id, p.run_id, p.score, at)]
    con.execute(f"INSERT INTO {TABLE} (table_name, snapshot_id, run_id, score, published_at) VALUES {values}",
                parameters)


def published_snapshot(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    """The snapshot id consumers read ``table`` (``schema.table``) at; None if never published."""
    return published_snapshots(con).get(table)


def published_snapshots(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every published table and its snapshot (none before the first gate ran)."""
    try:
        rows = con.execute(
            f"SELECT table_name, arg_max(snapshot_id, (published_at, snapshot_id)) FROM {TABLE} GROUP BY table_name"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {name: int(snapshot) for name, snapshot in rows}


def create_published_views(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """A temporary view per published table, named by the table (``base_person``, ``police__resident``),
    reading the published snapshot: how consumers see the lake. Returns table → snapshot."""
    published = published_snapshots(con)
    for table, snapshot in published.items():
        _schema, name = table.split(".", 1)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {identifier(name)} AS "
                    f"SELECT * FROM {LAKE}.{table} AT (VERSION => {int(snapshot)})")
    return published
