"""Great Expectations on the lake: an ephemeral GX context whose SQL data source is DuckDB with the
lake attached read-only, and one call that validates a suite against a table at a snapshot.

Two things GX does not do for us, done here once per process:

- Each new duckdb-engine connection in GX's pool is a fresh in-memory DuckDB, so a connect hook
  loads the extensions and attaches the lake (read-only) to every one.
- GX 1.24 reads a query's rows after closing its connection, and duckdb-engine has already discarded
  them by then, so every metric fails with ``IndexError: list index out of range``. We buffer the
  rows before the connection closes (``SqlAlchemyExecutionEngine.execute_query``, patched below).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, TypeVar

from blocklake import extensions, lake
from blocklake.checks import Check, Suite
from blocklake.settings import Settings, get_settings

T = TypeVar("T")
R = TypeVar("R")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no usage reports leave a government network


@dataclass(frozen=True)
class CheckResult:
    check: Check
    success: bool
    unexpected: int | None
    judged: int | None  # rows the check looked at (all, or the non-null ones)
    observed: Any = None
    examples: tuple[str, ...] = ()
    error: str | None = None

    @property
    def pass_share(self) -> float:
        """1.0 when every judged row passed; table-level checks are all or nothing."""
        if self.error is not None:
            return 0.0
        if self.judged and self.unexpected is not None and self.check.check not in ("fresh", "row_count"):
            return 1.0 - self.unexpected / self.judged
        return 1.0 if self.success else 0.0


def warm_up(workers: int | None = None) -> float:
    """Import GX and start the context, data source and lake connection of each of the gate's worker
    threads; returns the seconds it took. Once per process: about 4 s of import and context start, and
    0.2 s a thread to open DuckDB and attach the lake, that no validation should be blamed for."""
    clock = time.monotonic()
    workers = workers or get_settings().gate_workers
    ready = threading.Barrier(workers)  # one task on each thread: none may take two
    list(_workers(workers).map(lambda _: (_connected_source(), ready.wait()), range(workers)))
    return time.monotonic() - clock


def _connected_source() -> Any:
    """This thread's data source, with its pooled lake connection open."""
    source = _data_source(get_settings())
    source.get_execution_engine().engine.connect().close()
    return source


@cache
def _workers(count: int) -> ThreadPoolExecutor:
    """The gate's worker threads, kept for the process: each holds its GX context and lake connection
    (thread-local), which a new thread would have to start again."""
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="gate")


def validate_many(suites: list[Suite], audit: Callable[[Suite], R], *, workers: int = 1,
                  then: Callable[[Any, Suite, R], T]) -> list[tuple[T, float]]:
    """``audit`` each suite (:func:`validate`, once or more), ``workers`` at a time (each thread has its own
    GX context): one table's Python bookkeeping overlaps another's query in DuckDB. ``then(connection,
    suite, audited)`` runs next on the DuckDB connection that validated the table, while the table's
    files are warm in it (the gate fetches failing examples and scans for personal data there). Returns
    what ``then`` returned and the audit's seconds, per suite."""
    def validated(suite: Suite) -> tuple[T, float]:
        clock = time.monotonic()
        audited = audit(suite)
        seconds = time.monotonic() - clock
        return _on_gx_connection(lambda connection: then(connection, suite, audited)), seconds

    return list(_workers(workers).map(validated, suites))


def materialize(name: str, query: str) -> str:
    """``query``'s rows as temporary table ``name`` on this thread's GX connection, where :func:`validate`
    can read them (``relation=name``): GX runs a query asset once per metric, and a change feed is cheaper
    read once."""
    _on_gx_connection(lambda connection: connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}"))
    return name


def small_copy(table: str, snapshot: int, *, max_rows: int) -> str | None:
    """``table`` as of ``snapshot`` copied into a temporary table on this thread's GX connection, for
    :func:`validate` to read (``relation=``), when it has at most ``max_rows`` rows; else None."""
    def copy(connection: Any) -> bool:
        relation = relation_at(table, snapshot)
        if connection.execute(f"SELECT count(*) FROM {relation}").fetchone()[0] > max_rows:
            return False
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {_AUDITED} AS SELECT * FROM {relation}")
        return True

    return _AUDITED if max_rows and _on_gx_connection(copy) else None


_AUDITED = "blocklake_audited"


def _on_gx_connection(work: Callable[[Any], T]) -> T:
    """``work(connection)`` on this thread's GX DuckDB connection (a DB-API wrapper that passes
    ``execute`` through to DuckDB)."""
    engine = _data_source(get_settings()).get_execution_engine().engine
    connection = engine.raw_connection()
    try:
        return work(connection.driver_connection)
    finally:
        connection.close()  # back to the pool, not closed


def validate(suite: Suite, snapshot: int, *, today: date | None = None,
             relation: str | None = None) -> list[CheckResult]:
    """Run ``suite`` with GX on ``suite.table`` as of lake ``snapshot`` (or on ``relation``, rows of it such
    as a change: quality.delta); one result per check."""
    import great_expectations as gx

    from quality.expectations import to_expectation

    settings = get_settings()
    today = today or settings.today
    source = _data_source(settings)
    name = f"{suite.table}@{snapshot}"
    gx_suite = gx.ExpectationSuite(name=name)
    for check in suite.checks:
        gx_suite.add_expectation(to_expectation(check, today=today, relation_at=lambda t: relation_at(t, snapshot)))
    # No failing values from GX: for a passing check it would scan the table a second time to find
    # none. The gate fetches examples for the checks that failed (quality.gate).
    result_format = {"result_format": "BASIC", "partial_unexpected_count": 0}
    batch_definition = _batch_definition(source, suite.table)
    batch_definition.data_asset.query = f"SELECT * FROM {relation or relation_at(suite.table, snapshot)}"
    outcome = batch_definition.get_batch().validate(gx_suite, result_format=result_format)
    by_name = {check.name: check for check in suite.checks}
    return [_check_result(by_name[result.expectation_config.meta["check"]], result) for result in outcome.results]


def _batch_definition(source: Any, table: str) -> Any:
    """One query asset per table, re-pointed at each snapshot: adding and deleting assets makes the
    context re-serialise its whole configuration every time."""
    try:
        asset = source.get_asset(table)
    except LookupError:
        asset = source.add_query_asset(table, query="SELECT 1")
    try:
        return asset.get_batch_definition("whole_table")
    except KeyError:
        return asset.add_batch_definition_whole_table("whole_table")


def relation_at(table: str, snapshot: int) -> str:
    """``schema.table`` of the lake as it was at ``snapshot``."""
    return f"{lake.LAKE}.{table} AT (VERSION => {int(snapshot)})"


def _check_result(check: Check, result: Any) -> CheckResult:
    details = result.result or {}
    if result.exception_info and result.exception_info.get("raised_exception"):
        message = str(result.exception_info.get("exception_message"))
        return CheckResult(check, success=False, unexpected=None, judged=None, error=message)
    for info in (result.exception_info or {}).values():  # metric errors come keyed by metric id
        if isinstance(info, dict) and info.get("raised_exception"):
            return CheckResult(check, False, None, None, error=str(info.get("exception_message")))
    if check.check in ("fresh", "row_count"):  # table-level: one verdict, no rows to count
        return CheckResult(check, bool(result.success), int(not result.success), 1, details.get("observed_value"))
    if check.check == "unique" and len(check.key) == 1:  # ExpectColumnValuesToBeDistinct
        return CheckResult(check, bool(result.success), details.get("unexpected_count"), details.get("element_count"))
    judged = details.get("element_count")
    if check.check not in ("not_null", "unique") and judged is not None:
        judged -= details.get("missing_count") or 0
    return CheckResult(check, bool(result.success), details.get("unexpected_count"), judged)


_THREAD = threading.local()


def _data_source(settings: Settings) -> Any:
    """One GX context and data source per thread, for the lake of ``settings``: GX's execution engine
    holds the active batch, so threads must not share one. The worker threads live as long as the
    process, so a thread keeps only its current lake's: tests open many lakes in one process, and each
    source holds a DuckDB instance."""
    key = (settings.lake_catalog_uri, settings.lake_data_uri, settings.memory_limit)
    current = getattr(_THREAD, "source", None)
    if current is None or current[0] != key:
        if current is not None:
            current[1].get_execution_engine().engine.dispose()
        _THREAD.source = (key, _new_data_source(settings))
    return _THREAD.source[1]


def _new_data_source(settings: Settings) -> Any:
    import great_expectations as gx
    import sqlalchemy as sa

    _buffer_rows_before_closing()
    # GX sets some of its loggers to INFO itself ("Created temporary directory … for ephemeral docs site").
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # a bar per validation floods task logs
    source = context.data_sources.add_sql(
        "lake", connection_string="duckdb:///:memory:",
        kwargs={"connect_args": {"config": lake.duckdb_config(settings)}},
    )
    engine = source.get_execution_engine().engine

    @sa.event.listens_for(engine, "connect")
    def _attach_lake(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("SET enable_progress_bar = false")
        extensions.load(dbapi_connection, *lake.lake_extensions(settings))
        lake.attach_lake(dbapi_connection, settings, read_only=True)

    return source


@cache
def _buffer_rows_before_closing() -> None:
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    def execute_query(self: SqlAlchemyExecutionEngine, query: Any) -> Any:
        with self.get_connection() as connection:
            return self._execute_query_with_recovery(connection, query).freeze()()

    SqlAlchemyExecutionEngine.execute_query = execute_query
