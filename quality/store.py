"""The gate's record in the lake: check results, table scores and quarantined rows, and — through
the core's :mod:`blocklake.published` — the publication of every table that passed.

A gate run's decisions — results, scores, and for each table either its publication or its
quarantine — are written in one DuckLake transaction, so the record never shows half a decision.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from blocklake import published
from blocklake.lake import LAKE
from blocklake.sql import identifier

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {LAKE}.quality.results (
        run_id VARCHAR, table_name VARCHAR, layer VARCHAR, department VARCHAR, snapshot_id BIGINT,
        check_name VARCHAR, check_kind VARCHAR, dimension VARCHAR, severity VARCHAR, success BOOLEAN,
        judged_rows BIGINT, unexpected_rows BIGINT, pass_share DOUBLE, examples VARCHAR, error VARCHAR,
        validated_at TIMESTAMPTZ)""",
    f"""CREATE TABLE IF NOT EXISTS {LAKE}.quality.scores (
        run_id VARCHAR, table_name VARCHAR, layer VARCHAR, department VARCHAR, snapshot_id BIGINT,
        score DOUBLE, completeness DOUBLE, validity DOUBLE, uniqueness DOUBLE, consistency DOUBLE,
        timeliness DOUBLE, checks INTEGER, failed_errors INTEGER, failed_warnings INTEGER, outcome VARCHAR,
        seconds DOUBLE, validated_at TIMESTAMPTZ)""",
    f"""CREATE TABLE IF NOT EXISTS {LAKE}.quality.quarantine (
        run_id VARCHAR, table_name VARCHAR, snapshot_id BIGINT, check_name VARCHAR, reason VARCHAR,
        row_json VARCHAR, quarantined_at TIMESTAMPTZ)""",
    # Personal data the values hold that no declaration named (quality.pii): the catalog masks these items.
    f"""CREATE TABLE IF NOT EXISTS {LAKE}.quality.pii_findings (
        run_id VARCHAR, table_name VARCHAR, snapshot_id BIGINT, column_name VARCHAR, kind VARCHAR, rule VARCHAR,
        sampled_values BIGINT, matched BIGINT, evidence VARCHAR, found_at TIMESTAMPTZ)""",
    # Every scan, found or not, with its cost (the gate's share spent on it is a benchmark figure).
    f"""CREATE TABLE IF NOT EXISTS {LAKE}.quality.pii_scans (
        run_id VARCHAR, table_name VARCHAR, snapshot_id BIGINT, findings INTEGER, seconds DOUBLE,
        scanned_at TIMESTAMPTZ)""",
    # The bureau's figure: each department's quality per day (the mean of its tables' latest scores that day).
    f"""CREATE VIEW IF NOT EXISTS {LAKE}.quality.department_scores AS
        SELECT coalesce(department, layer) AS department, day, round(avg(score), 2) AS score,
               count(*) AS tables, count(*) FILTER (WHERE outcome = 'blocked') AS blocked_tables
        FROM (SELECT *, CAST(validated_at AS DATE) AS day FROM {LAKE}.quality.scores
              QUALIFY row_number() OVER (PARTITION BY table_name, CAST(validated_at AS DATE)
                                         ORDER BY validated_at DESC) = 1)
        GROUP BY ALL""",
)


@dataclass(frozen=True)
class QuarantineBatch:
    check_name: str
    reason: str
    where: str  # the failing rows of the table at the snapshot


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    published.ensure_table(con)
    for statement in DDL:
        con.execute(statement)


@dataclass(frozen=True)
class Decision:
    """One table's audit: its result rows, its score row, and what to do about it."""

    results: Sequence[dict]
    score: dict
    publish: bool
    relation: str  # the table at the audited snapshot
    publication: published.Publication  # recorded when ``publish``
    quarantine: Sequence[QuarantineBatch] = ()
    pii: Sequence[dict] = ()  # quality.pii_findings rows
    pii_scan: dict | None = None  # the quality.pii_scans row


def record_decisions(con: duckdb.DuckDBPyConnection, decisions: Sequence[Decision], *, row_limit: int) -> None:
    """Write a gate run's decisions in one DuckLake transaction: all of them or none (a catalog commit
    per table would cost more than auditing a small table)."""
    now = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        _insert(con, "quality.results", [{**row, "validated_at": now} for d in decisions for row in d.results])
        _insert(con, "quality.scores", [{**d.score, "validated_at": now} for d in decisions])
        published.record(con, [d.publication for d in decisions if d.publish], now)
        _insert(con, "quality.pii_findings", [{**row, "found_at": now} for d in decisions for row in d.pii])
        _insert(con, "quality.pii_scans", [{**d.pii_scan, "scanned_at": now} for d in decisions if d.pii_scan])
        for decision in decisions:
            _quarantine(con, decision, now, row_limit)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _quarantine(con: duckdb.DuckDBPyConnection, decision: Decision, now: datetime, row_limit: int) -> None:
    score = decision.score
    for batch in decision.quarantine:
        con.execute(
            f"INSERT INTO {LAKE}.quality.quarantine SELECT ?, ?, ?, ?, ?, to_json(t)::VARCHAR, ? "
            f"FROM (SELECT * FROM {decision.relation} WHERE {batch.where} LIMIT {int(row_limit)}) AS t",
            [score["run_id"], score["table_name"], score["snapshot_id"], batch.check_name, batch.reason, now],
        )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict]) -> None:
    """One INSERT statement for all ``rows`` (a DuckLake write per row would cost a catalog round trip each)."""
    if not rows:
        return
    columns = list(rows[0])
    row_values = "(" + ", ".join("?" for _ in columns) + ")"
    names = ", ".join(identifier(column) for column in columns)
    parameters = [_plain(row[column]) for row in rows for column in columns]
    con.execute(f"INSERT INTO {LAKE}.{table} ({names}) VALUES {', '.join(row_values for _ in rows)}", parameters)


def _plain(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | tuple | dict) else value


def found_pii(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], dict[str, str]]:
    """(table, snapshot) -> column -> the sensitive kind its values were found to hold, for every audit."""
    try:
        rows = con.execute("SELECT DISTINCT table_name, snapshot_id, column_name, kind "
                           f"FROM {LAKE}.quality.pii_findings").fetchall()
    except duckdb.CatalogException:
        return {}
    found: dict[tuple[str, int], dict[str, str]] = {}
    for table, snapshot, column, kind in rows:
        found.setdefault((table, int(snapshot)), {})[column] = kind
    return found


def has_gate_record(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any gate has run on this lake (its tables exist)."""
    try:
        con.execute(f"SELECT 1 FROM {LAKE}.quality.scores LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True
