"""The load ledger in ``lake.meta``: every load, schema change, rejected row and deleted key.

Rows are written inside the load's own DuckLake transaction, so the ledger never claims a load the
lake does not hold. A failed load is recorded afterwards in a transaction of its own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import duckdb

from ingestion.extractors import Reject

LEDGER_DDL = (
    """CREATE TABLE IF NOT EXISTS lake.meta.loads (
        load_id VARCHAR, department VARCHAR, table_name VARCHAR, raw_table VARCHAR, mode VARCHAR,
        source VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, duration_s DOUBLE,
        rows_extracted BIGINT, rows_inserted BIGINT, rows_deleted BIGINT, rows_rejected BIGINT,
        bytes BIGINT, schema_fingerprint VARCHAR, since VARCHAR, watermark VARCHAR,
        outcome VARCHAR, error VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS lake.meta.schema_changes (
        load_id VARCHAR, raw_table VARCHAR, change VARCHAR, column_name VARCHAR,
        old_type VARCHAR, new_type VARCHAR, detected_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS lake.meta.rejects (
        load_id VARCHAR, raw_table VARCHAR, file VARCHAR, line BIGINT, error VARCHAR, raw_line VARCHAR,
        rejected_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS lake.meta.deleted_keys (
        load_id VARCHAR, raw_table VARCHAR, key_json VARCHAR, detected_at TIMESTAMPTZ)""",
)


@dataclass(frozen=True)
class SchemaChange:
    change: str  # added | dropped | widened
    column: str
    old_type: str | None
    new_type: str | None


@dataclass
class LoadRecord:
    load_id: str
    department: str
    table_name: str
    raw_table: str
    mode: str
    source: str
    started_at: datetime
    finished_at: datetime | None = None
    rows_extracted: int = 0
    rows_inserted: int = 0
    rows_deleted: int = 0
    rows_rejected: int = 0
    bytes: int = 0
    schema_fingerprint: str | None = None
    since: str | None = None
    watermark: str | None = None
    outcome: str = "running"
    error: str | None = None
    schema_changes: list[SchemaChange] = field(default_factory=list)
    # Kept on the record so a load refused for its bad rows still leaves them in lake.meta.rejects.
    rejects: list[Reject] = field(default_factory=list, repr=False)

    @property
    def duration_s(self) -> float:
        end = self.finished_at or datetime.now(UTC)
        return (end - self.started_at).total_seconds()

    def summary(self) -> dict[str, object]:
        data = asdict(self)
        del data["rejects"]  # the rows themselves live in lake.meta.rejects; the count is rows_rejected
        data["duration_s"] = round(self.duration_s, 3)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in LEDGER_DDL:
        con.execute(ddl)


def write_record(con: duckdb.DuckDBPyConnection, record: LoadRecord) -> None:
    con.execute(
        "INSERT INTO lake.meta.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record.load_id, record.department, record.table_name, record.raw_table, record.mode, record.source,
         record.started_at, record.finished_at, record.duration_s, record.rows_extracted, record.rows_inserted,
         record.rows_deleted, record.rows_rejected, record.bytes, record.schema_fingerprint, record.since,
         record.watermark, record.outcome, record.error],
    )
    now = record.finished_at or datetime.now(UTC)
    for change in record.schema_changes:
        con.execute(
            "INSERT INTO lake.meta.schema_changes VALUES (?, ?, ?, ?, ?, ?, ?)",
            [record.load_id, record.raw_table, change.change, change.column, change.old_type, change.new_type, now],
        )


def write_rejects(con: duckdb.DuckDBPyConnection, record: LoadRecord) -> None:
    if record.rejects:
        con.executemany(
            "INSERT INTO lake.meta.rejects VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[record.load_id, record.raw_table, r.file, r.line, r.error, r.raw, record.finished_at]
             for r in record.rejects],
        )


def last_watermark(con: duckdb.DuckDBPyConnection, raw_table: str) -> str | None:
    return _last_succeeded(con, raw_table, "watermark")


def last_fingerprint(con: duckdb.DuckDBPyConnection, raw_table: str) -> str | None:
    return _last_succeeded(con, raw_table, "schema_fingerprint")


def _last_succeeded(con: duckdb.DuckDBPyConnection, raw_table: str, column: str) -> str | None:
    """``column`` of the table's latest successful load that set it."""
    row = con.execute(
        f"SELECT {column} FROM lake.meta.loads WHERE raw_table = ? AND outcome = 'succeeded' "
        f"AND {column} IS NOT NULL ORDER BY finished_at DESC LIMIT 1",
        [raw_table],
    ).fetchone()
    return row[0] if row else None


def last_reconciled(con: duckdb.DuckDBPyConnection, raw_table: str) -> datetime | None:
    """When the table was last read whole: a full load of an incremental table (mode ``reconcile``)."""
    row = con.execute(
        "SELECT max(finished_at) FROM lake.meta.loads WHERE raw_table = ? AND outcome = 'succeeded' "
        "AND mode = 'reconcile'", [raw_table],
    ).fetchone()
    return row[0] if row else None


def loaded_since(con: duckdb.DuckDBPyConnection, raw_tables: list[str], since: datetime) -> set[str]:
    """Those of ``raw_tables`` with a successful load that started at or after ``since``."""
    if not raw_tables:
        return set()
    rows = con.execute(
        "SELECT DISTINCT raw_table FROM lake.meta.loads WHERE outcome = 'succeeded' AND started_at >= ? "
        "AND list_contains(?, raw_table)", [since, raw_tables],
    ).fetchall()
    return {row[0] for row in rows}


def failed_last(con: duckdb.DuckDBPyConnection, raw_tables: list[str]) -> set[str]:
    """Those of ``raw_tables`` whose latest load failed."""
    rows = con.execute(
        "SELECT raw_table FROM lake.meta.loads WHERE list_contains(?, raw_table) GROUP BY raw_table "
        "HAVING arg_max(outcome, started_at) = 'failed'", [raw_tables]).fetchall()
    return {row[0] for row in rows}


def commit_message(con: duckdb.DuckDBPyConnection, records: list[LoadRecord]) -> None:
    """Tag the DuckLake snapshot with its loads, so a snapshot can be traced back to them."""
    tables = ", ".join(f"{record.department}.{record.table_name}" for record in records)
    ids = [record.load_id for record in records]
    con.execute("CALL lake.set_commit_message('blocklake', ?, extra_info => ?)",
                [f"load {tables}", json.dumps({"load_id": ids[0]} if len(ids) == 1 else {"load_ids": ids})])
