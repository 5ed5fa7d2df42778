"""Load one registry table into the lake: resolve, extract, write, record. The unit of work of a DAG task."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from blocklake import lake
from blocklake.errors import ConfigError
from blocklake.registry import Department, Registry, TableSpec, load_registry, raw_table_name
from blocklake.settings import Settings, get_settings
from blocklake.sql import identifier
from ingestion import lake_writer, loads, schema
from ingestion.connections import resolve
from ingestion.extractors import ExtractRequest, open_extraction, shared_connections
from ingestion.loads import LoadRecord

log = logging.getLogger(__name__)


def load_table(department: str, table: str, *, settings: Settings | None = None,
               registry: Registry | None = None, reconcile: bool = False) -> LoadRecord:
    """Extract ``department.table`` into ``lake.raw`` and return the load's record.

    An incremental table is read whole (mode ``reconcile``) on its first load, when
    ``load.reconcile_every`` has passed since its last reconciliation, or when ``reconcile`` is set:
    the table then becomes exactly the source, and rows deleted at the source are recorded as deleted.
    Failures are recorded in ``lake.meta.loads`` with their message and re-raised; the lake keeps
    the last good version of the table.
    """
    settings = settings or get_settings()
    registry = registry or load_registry(settings.registry_dir)
    con = lake.connect(settings)
    try:
        loads.ensure_ledger(con)
        return _load(con, registry.department(department), table, settings, reconcile=reconcile)
    finally:
        con.close()


@dataclass
class BatchOutcome:
    """What :func:`load_batch` did with each table of a batch."""

    loaded: list[LoadRecord] = field(default_factory=list)
    already_loaded: list[str] = field(default_factory=list)  # by an earlier try of the same run
    failed: dict[str, BaseException] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {"loaded": [record.summary() for record in self.loaded], "already_loaded": self.already_loaded,
                "failed": {table: f"{type(exc).__name__}: {exc}" for table, exc in self.failed.items()}}


def load_batch(department: str, tables: list[str], *, loaded_since: datetime | None = None,
               settings: Settings | None = None, registry: Registry | None = None) -> BatchOutcome:
    """Load several tables of one department through one lake connection and, per source database, one
    source connection, in one transaction (:func:`_load_together`).

    A table that fails does not stop the others (its failure is recorded and returned). Tables with a
    successful load since ``loaded_since`` (the start of the Airflow run, on a retry) are not loaded again.
    """
    settings = settings or get_settings()
    registry = registry or load_registry(settings.registry_dir)
    dept = registry.department(department)
    outcome = BatchOutcome()
    con = lake.connect(settings)
    try:
        loads.ensure_ledger(con)
        raw_tables = [raw_table_name(dept, table) for table in tables]
        done = loads.loaded_since(con, raw_tables, loaded_since) if loaded_since else set()
        outcome.already_loaded = [table for table in tables if raw_table_name(dept, table) in done]
        pending = [table for table in tables if table not in outcome.already_loaded]
        with shared_connections():
            _load_pending(con, dept, pending, settings, outcome)
    finally:
        con.close()
    return outcome


def _load_pending(con: duckdb.DuckDBPyConnection, dept: Department, pending: list[str], settings: Settings,
                  outcome: BatchOutcome) -> None:
    # A table whose last load failed is loaded alone: one that keeps failing would otherwise make its
    # whole batch load twice every run (together, then each alone).
    failed = loads.failed_last(con, [raw_table_name(dept, table) for table in pending])
    together = [table for table in pending if raw_table_name(dept, table) not in failed]
    outcome.loaded = _load_together(con, dept, together, settings) if len(together) > 1 else []
    done = {record.table_name for record in outcome.loaded}
    for number, table in enumerate([table for table in pending if table not in done], start=1):
        try:
            outcome.loaded.append(_load(con, dept, table, settings))
        except Exception as exc:  # recorded in the ledger by _load; the batch goes on
            log.error("%s.%s failed: %s", dept.code, table, exc)
            outcome.failed[table] = exc
        log.info("%s: %d of %d tables done", dept.code, len(done) + number, len(pending))


def loaded_tables(department: str, tables: list[str], since: datetime, *,
                  settings: Settings | None = None) -> list[str]:
    """Those of a department's ``tables`` with a successful load since ``since`` (an Airflow run's start:
    what the run's gate must audit), in the order given."""
    settings = settings or get_settings()
    dept = load_registry(settings.registry_dir).department(department)
    con = lake.connect(settings, read_only=True)
    try:
        fresh = loads.loaded_since(con, [raw_table_name(dept, table) for table in tables], since)
    finally:
        con.close()
    return [table for table in tables if raw_table_name(dept, table) in fresh]


def _load_together(con: duckdb.DuckDBPyConnection, dept: Department, tables: list[str],
                   settings: Settings) -> list[LoadRecord]:
    """Load ``tables`` in one transaction: one snapshot per batch, not per table. Creating a table changes
    the lake's schema, after which DuckLake reads its whole catalog again (every table and column), so a
    registry of thousands created one table per commit costs time quadratic in its size; and each commit
    has its fixed cost and leaves a snapshot for maintenance. If any table fails, nothing is kept and an
    empty list returned: the caller loads each on its own, so one bad table blocks no other."""
    records = [_record(dept, table) for table in tables]
    try:
        with lake_writer.transaction(con, records):
            for record in records:
                with open_extraction(_request(con, dept, record, settings, reconcile=False)) as extraction:
                    lake_writer.write_within(con, extraction, record)
    except Exception as exc:
        log.warning("%s: loading %d tables in one transaction failed (%s); loading each on its own",
                    dept.code, len(tables), str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return []
    for record in records:
        _log_loaded(record)
    return records


def _load(con: duckdb.DuckDBPyConnection, dept: Department, table: str, settings: Settings, *,
          reconcile: bool = False) -> LoadRecord:
    record = _record(dept, table)
    try:
        with open_extraction(_request(con, dept, record, settings, reconcile=reconcile)) as extraction:
            lake_writer.write(con, extraction, record)
        _log_loaded(record)
        return record
    except BaseException as exc:
        _record_failure(con, record, exc)
        raise


def _record(dept: Department, table: str) -> LoadRecord:
    spec = dept.table(table)
    return LoadRecord(load_id=uuid.uuid4().hex, department=dept.code, table_name=spec.name,
                      raw_table=raw_table_name(dept, spec), mode=spec.load.mode,
                      source=dept.source(spec.source).kind, started_at=datetime.now(UTC))


def _request(con: duckdb.DuckDBPyConnection, dept: Department, record: LoadRecord, settings: Settings, *,
             reconcile: bool) -> ExtractRequest:
    """Where the table is read from and since when; names the source in ``record``."""
    spec = dept.table(record.table_name)
    source = dept.source(spec.source)
    location = resolve(dept, source, settings)
    record.source = f"{location.label}/{spec.object}"
    return ExtractRequest(dept.code, source, spec, location, settings, _since(con, spec, record, reconcile=reconcile))


def _log_loaded(record: LoadRecord) -> None:
    log.info("%s.%s: %s rows in %.1fs (%s deleted, %s rejected)", record.department, record.table_name,
             f"{record.rows_inserted:,}", record.duration_s, record.rows_deleted, record.rows_rejected)


def _since(con: duckdb.DuckDBPyConnection, spec: TableSpec, record: LoadRecord, *, reconcile: bool) -> object | None:
    """Incremental lower bound: the last watermark minus the overlap window (None = read everything)."""
    if spec.load.mode != "incremental":
        return None
    record.watermark = loads.last_watermark(con, record.raw_table)
    types = schema.table_types(con, f"lake.raw.{identifier(record.raw_table)}")
    if record.watermark is None or types is None or reconcile or _reconciliation_due(con, spec, record):
        record.mode = "reconcile"
        return None
    cursor_type = types[spec.load.cursor or ""]
    overlap = spec.load.overlap
    expression = f"CAST(? AS {cursor_type})"
    if overlap and not cursor_type.startswith(("TIMESTAMP", "DATE")):
        # Ignoring the overlap would silently lose every row committed late: refuse instead.
        raise ConfigError(f"{record.department}.{record.table_name}: load.overlap needs a date or time cursor, but "
                          f"{spec.load.cursor} is {cursor_type} in the lake; remove the overlap, or have the source "
                          "give the column a date/time type")
    if overlap:
        expression = f"CAST({expression} - INTERVAL '{int(overlap.total_seconds())} seconds' AS {cursor_type})"
    since = con.execute(f"SELECT {expression}", [record.watermark]).fetchone()[0]
    record.since = str(since)
    return since


def _reconciliation_due(con: duckdb.DuckDBPyConnection, spec: TableSpec, record: LoadRecord) -> bool:
    every = spec.load.reconcile_every
    if every is None:
        return False
    last = loads.last_reconciled(con, record.raw_table)
    return last is None or record.started_at - last >= every


def _record_failure(con: duckdb.DuckDBPyConnection, record: LoadRecord, exc: BaseException) -> None:
    record.outcome = "failed"
    record.schema_changes = []  # they were rolled back with the load
    record.error = f"{type(exc).__name__}: {exc}"[:4000]
    record.finished_at = datetime.now(UTC)
    try:
        loads.ensure_ledger(con)
        con.execute("BEGIN TRANSACTION")
        loads.write_record(con, record)
        loads.write_rejects(con, record)  # a refused file's bad rows are kept, never lost
        con.execute("COMMIT")
    except duckdb.Error:
        log.exception("could not record the failed load %s", record.load_id)
