"""The publication record: which snapshot of each lake table consumers read.

``meta.published`` is the contract between the quality gate, which appends a row when a table's new
version passes its checks, and every consumer (the dbt build, the catalog, exports, the data API,
analysts, lake maintenance), which reads the newest row per table and nothing newer. It lives in the
core because every stage reads it; only the gate writes it, inside the transaction of its decisions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from blocklake.lake import LAKE
from blocklake.sql import identifier

TABLE = f"{LAKE}.meta.published"
# The schemas analysts see (`blocklake sql`, /api/sql, the published views script); staging and meta stay internal.
ANALYST_LAYERS = ("raw", "base", "marts")
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    table_name VARCHAR, snapshot_id BIGINT, run_id VARCHAR, score DOUBLE, published_at TIMESTAMPTZ,
    record_count BIGINT, columns_json VARCHAR, data_until TIMESTAMP)"""
# What the published version holds, as the gate measured it: so the catalog refresh reads every table's
# rows, columns and newest record in one query instead of asking each table (added in 0.2; older lakes
# get the columns on the gate's next run and have NULL there for earlier publications).
_ADDED = ("record_count BIGINT", "columns_json VARCHAR", "data_until TIMESTAMP")


@dataclass(frozen=True)
class Publication:
    """One table (``schema.table``) published at one snapshot by one gate run, with what it holds there."""

    table_name: str
    snapshot_id: int
    run_id: str
    score: float | None
    record_count: int | None = None
    columns: tuple[tuple[str, str], ...] = ()  # (name, DuckDB type) in order
    data_until: datetime | None = None  # the newest record by the table's own business time, if it has one


@dataclass(frozen=True)
class PublishedVersion:
    """The version of a table consumers read now, and what the gate measured of it (None where unmeasured)."""

    snapshot_id: int
    published_at: datetime
    score: float | None
    record_count: int | None
    columns: tuple[tuple[str, str], ...] | None
    data_until: datetime | None
    run_id: str | None = None  # the gate run that published it


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    existing = _columns(con)
    for column in _ADDED:
        if column.split()[0] not in existing:
            con.execute(f"ALTER TABLE {TABLE} ADD COLUMN {column}")


def record(con: duckdb.DuckDBPyConnection, publications: Sequence[Publication], at: datetime) -> None:
    """Append ``publications`` in one statement, inside the caller's transaction."""
    if not publications:
        return
    values = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?)" for _ in publications)
    parameters = [value for p in publications for value in (
        p.table_name, p.snapshot_id, p.run_id, p.score, at, p.record_count,
        json.dumps([list(column) for column in p.columns], ensure_ascii=False) if p.columns else None, p.data_until)]
    con.execute(f"INSERT INTO {TABLE} (table_name, snapshot_id, run_id, score, published_at, record_count, "
                f"columns_json, data_until) VALUES {values}", parameters)


def published_versions(con: duckdb.DuckDBPyConnection) -> dict[str, PublishedVersion]:
    """Every published table's current version with its measured facts, in one query."""
    latest = "(published_at, snapshot_id)"
    try:
        measured = _columns(con)
        # A lake from before the measured columns, not gated since, has none: NULL until its next gate.
        facts = ", ".join(f"arg_max({column}, {latest})" if column in measured else "NULL"
                          for column in ("record_count", "columns_json", "data_until"))
        rows = con.execute(
            f"SELECT table_name, arg_max(snapshot_id, {latest}), max(published_at), arg_max(score, {latest}), "
            f"{facts}, arg_max(run_id, {latest}) FROM {TABLE} GROUP BY table_name").fetchall()
    except duckdb.CatalogException:
        return {}
    return {table: PublishedVersion(int(snapshot), at, score, count,
                                    tuple(tuple(c) for c in json.loads(columns)) if columns else None, until, run_id)
            for table, snapshot, at, score, count, columns, until, run_id in rows}


def _columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'meta' "
        "AND table_name = 'published'", [LAKE]).fetchall()}


def published_snapshot(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    """The snapshot id consumers read ``table`` (``schema.table``) at; None if never published."""
    return published_snapshots(con).get(table)


def published_snapshots(con: duckdb.DuckDBPyConnection, at: int | None = None) -> dict[str, int]:
    """Every published table and its snapshot (none before the first gate ran); ``at``: as published at that
    lake snapshot."""
    record = TABLE if at is None else f"{TABLE} AT (VERSION => {int(at)})"
    try:
        rows = con.execute(
            f"SELECT table_name, arg_max(snapshot_id, (published_at, snapshot_id)) FROM {record} GROUP BY table_name"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {name: int(snapshot) for name, snapshot in rows}


def content_fingerprints(con: duckdb.DuckDBPyConnection,
                         layers: Sequence[str] = ("base", "marts")) -> dict[str, tuple[int, int]]:
    """Each published table of ``layers``: its rows and an order-independent sum of its rows' hashes, as a
    consumer reads it. Two builds of the same inputs publish the same fingerprints."""
    fingerprints = {}
    for table, snapshot in sorted(published_snapshots(con).items()):
        if table.split(".", 1)[0] in layers:
            rows, digest = con.execute(f"SELECT count(*), coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0) "
                                       f"FROM {LAKE}.{table} AT (VERSION => {int(snapshot)})").fetchone()
            fingerprints[table] = (int(rows), int(digest))
    return fingerprints


def create_published_views(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """A temporary view per published table, named by the table (``base_person``, ``police__resident``),
    reading the published snapshot: how consumers see the lake. Returns table → snapshot."""
    published = published_snapshots(con)
    for table, snapshot in published.items():
        _schema, name = table.split(".", 1)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {identifier(name)} AS "
                    f"SELECT * FROM {LAKE}.{table} AT (VERSION => {int(snapshot)})")
    return published
