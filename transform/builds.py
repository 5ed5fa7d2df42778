"""Builds that coalesce: when the base layer is built, and which publications each build covered.

``build_block_base`` is scheduled on every department's publication Asset, so one ingestion round queues
a run per department that publishes (seven runs for the tiny district under the scheduler, each a full
``dbt build``). Instead, a scheduled run first waits until publications *settle*: no raw table published
for ``build_quiet_s``, or ``build_max_wait_s`` since the oldest publication no build has covered yet, so
a steady trickle still builds at that rate. It then builds only if something is still uncovered; the
runs queued behind it find their publications covered and are skipped.

A build covers exactly the raw publications committed before it started: it reads the publications in
force at the lake snapshot it started at (dbt's ``publication_snapshot`` variable), and
``lake.meta.builds`` keeps that snapshot for each build; the publications since are read from
DuckLake's change feed of ``meta.published`` (work proportional to what was published, not to the
publication history). A publication that lands while a build runs is left to the next build.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from blocklake import lake, published
from blocklake.lake import LAKE, current_snapshot
from blocklake.settings import Settings, get_settings
from transform.dbt import DbtResult, build_published

BUILDS = f"{LAKE}.meta.builds"
DDL = f"""CREATE TABLE IF NOT EXISTS {BUILDS} (
    run_id VARCHAR, started_snapshot BIGINT, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
    raw_publications BIGINT, outcome VARCHAR, full_refresh BOOLEAN)"""
# The raw snapshot each staging model was last built from (dbt_project/macros/published_source.sql).
STAGED_INPUTS_DDL = f"""CREATE TABLE IF NOT EXISTS {LAKE}.meta.staged_inputs (
    model_name VARCHAR, source_table VARCHAR, snapshot_id BIGINT, recorded_at TIMESTAMPTZ)"""


@dataclass(frozen=True)
class Uncovered:
    """The raw-table publications no successful build has covered yet."""

    publications: int
    tables: int
    first_at: datetime | None
    last_at: datetime | None
    since_snapshot: int | None  # the snapshot the last successful build started at; None: never built

    def settled(self, now: datetime, *, quiet_s: float, max_wait_s: float) -> bool:
        """Whether a build should start now: nothing to wait for, quiet long enough, or waited long enough."""
        if self.first_at is None or self.last_at is None:
            return True
        return now - self.last_at >= timedelta(seconds=quiet_s) or now - self.first_at >= timedelta(seconds=max_wait_s)

    def describe(self) -> str:
        if not self.publications:
            return "every raw publication is covered by a build"
        return (f"{self.publications} raw publications of {self.tables} tables not yet built, "
                f"the first at {self.first_at:%H:%M:%S}, the last at {self.last_at:%H:%M:%S}")


def uncovered(con: duckdb.DuckDBPyConnection) -> Uncovered:
    """What has been published to ``raw`` since the last successful build started."""
    last = _last_build(con)
    since = last[0] if last else None
    rows = _raw_publications(con, last)
    times = [row[1] for row in rows]
    return Uncovered(len(rows), len({row[0] for row in rows}), min(times, default=None), max(times, default=None),
                     since)


def _last_build(con: duckdb.DuckDBPyConnection) -> tuple[int, datetime] | None:
    """The snapshot and time the last successful build started at."""
    try:
        row = con.execute(f"SELECT started_snapshot, started_at FROM {BUILDS} WHERE outcome = 'succeeded' "
                          "ORDER BY started_snapshot DESC LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return None
    return (int(row[0]), row[1]) if row else None


def start(con: duckdb.DuckDBPyConnection) -> tuple[int, Uncovered]:
    """The snapshot a build starting now covers, and what it covers beyond the last build."""
    return current_snapshot(con), uncovered(con)


def record(con: duckdb.DuckDBPyConnection, run_id: str, started_snapshot: int, covered: Uncovered,
           started_at: datetime, outcome: str, *, full_refresh: bool = False) -> None:
    """Add the build to ``lake.meta.builds`` (in its own lake transaction)."""
    con.execute(DDL)
    con.execute(f"INSERT INTO {BUILDS} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [run_id, started_snapshot, started_at, datetime.now(UTC), covered.publications, outcome, full_refresh])


def _raw_publications(con: duckdb.DuckDBPyConnection,
                      last: tuple[int, datetime] | None) -> list[tuple[str, datetime]]:
    where = "table_name LIKE 'raw.%'"
    try:
        if last is None:
            return con.execute(f"SELECT table_name, published_at FROM {published.TABLE} WHERE {where}").fetchall()
        since, started_at = last
        now = current_snapshot(con)
        if now <= since:
            return []
        _, schema, table = published.TABLE.split(".")
        try:
            return con.execute(
                f"SELECT table_name, published_at FROM ducklake_table_insertions(?, ?, ?, ?, ?) WHERE {where}",
                [LAKE, schema, table, since + 1, now]).fetchall()
        except duckdb.InvalidInputException:
            # Lake maintenance has expired the snapshots after the build's: go by the gate's clock instead.
            return con.execute(f"SELECT table_name, published_at FROM {published.TABLE} WHERE {where} "
                               "AND published_at >= ?", [started_at]).fetchall()
    except duckdb.CatalogException:
        return []  # no gate has run yet


def build(run_id: str, settings: Settings | None = None, *,
          full_refresh: bool = False) -> tuple[DbtResult, list[str], Uncovered]:
    """``dbt build`` of what is published (:func:`transform.dbt.build_published`), recorded in
    ``lake.meta.builds`` with the snapshot it started at, succeeded or failed."""
    settings = settings or get_settings()
    started_at = datetime.now(UTC)
    with closing(lake.connect(settings)) as con:
        # The tables dbt's macros read and write, so no model asks the lake's information_schema for them.
        published.ensure_table(con)
        con.execute(STAGED_INPUTS_DDL)
        snapshot, covered = start(con)
    outcome = "failed"
    try:
        result, waiting = build_published(settings, full_refresh=full_refresh, publication_snapshot=snapshot)
        outcome = "succeeded"
    finally:
        with closing(lake.connect(settings)) as con:
            record(con, run_id, snapshot, covered, started_at, outcome, full_refresh=full_refresh)
    return result, waiting, covered
