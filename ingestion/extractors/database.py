"""PostgreSQL, MySQL and SQLite sources, read through DuckDB's scanner extensions.

The scanners stream the table (PostgreSQL by parallel binary ``COPY``) and push the incremental
filter down to the source, so only new rows cross the wire.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from blocklake.errors import SourceUnavailableError
from blocklake.lake import new_duckdb
from blocklake.sql import identifier
from ingestion.extractors.base import (
    Extraction,
    ExtractRequest,
    register,
)

log = logging.getLogger(__name__)
_ATTACH_TYPE = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


# The connections extractions share inside :func:`shared_connections`, by driver and target.
_SHARED: ContextVar[dict[tuple[str, str], duckdb.DuckDBPyConnection] | None] = ContextVar("shared_sources",
                                                                                          default=None)


@contextmanager
def shared_connections() -> Iterator[None]:
    """Inside, extractions from the same database share one DuckDB with it attached: a batch of a
    department's small tables pays for starting DuckDB, loading the scanner and attaching once, not per
    table. The extractions must run one after another (each stream read to its end before the next opens)."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        for con in (_SHARED.get() or {}).values():
            con.close()
        _SHARED.reset(token)


@dataclass
class DatabaseExtraction(Extraction):
    con: duckdb.DuckDBPyConnection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        shared, key = _SHARED.get(), (self.request.location.driver, self.request.location.target)
        self._shared = shared is not None
        if shared is not None and key in shared:
            self.con = shared[key]
            return
        self.con = connect(self.request)
        if shared is not None:
            shared[key] = self.con

    def reader(self) -> pa.RecordBatchReader:
        sql, params = self._select()
        try:  # the first rows are fetched here: a connection lost now fails like one lost mid-stream
            result = self.con.execute(sql, params)
            return result.fetch_record_batch(self.request.settings.batch_rows)
        except duckdb.IOException as exc:  # the connection, not the query: a retry may succeed
            raise SourceUnavailableError(
                f"{self.request.department}.{self.request.table.name}: the source failed as reading began ({exc}); "
                "nothing was loaded and readers keep the last published version") from exc

    def _select(self) -> tuple[str, list[object]]:
        location, table = self.request.location, self.request.table
        qualified = ".".join(identifier(part) for part in ("src", location.namespace, table.object) if part)
        if location.driver == "sqlite":
            qualified = f"src.{identifier(table.object)}"
        elif location.driver == "mysql":
            qualified = f"src.{identifier(table.object)}"  # the department database is attached
        if self.request.since is None:
            return f"SELECT * FROM {qualified}", []
        return f"SELECT * FROM {qualified} WHERE {identifier(table.load.cursor or '')} >= ?", [self.request.since]

    def close(self) -> None:
        if not self._shared:
            self.con.close()


def connect(request: ExtractRequest) -> duckdb.DuckDBPyConnection:
    con = new_duckdb(request.settings, _ATTACH_TYPE[request.location.driver])
    try:
        _attach_with_retries(con, request)
    except BaseException:
        con.close()
        raise
    return con


def _attach_with_retries(con: duckdb.DuckDBPyConnection, request: ExtractRequest) -> None:
    """Attach the source read-only; an unreachable database is retried with backoff, then fails."""
    location, settings = request.location, request.settings
    target = location.target.replace("'", "''")
    statement = f"ATTACH '{target}' AS src (TYPE {_ATTACH_TYPE[location.driver]}, READ_ONLY)"
    attempts = settings.connect_retries + 1
    for attempt in range(1, attempts + 1):
        try:
            con.execute(statement)
            return
        except duckdb.Error as exc:
            if attempt == attempts:
                raise SourceUnavailableError(
                    f"cannot reach {location.label} for {request.department}.{request.table.name} after "
                    f"{attempts} attempts: {_first_line(exc).replace(location.target, location.label)}"
                ) from exc
            delay = settings.connect_backoff_s * 2 ** (attempt - 1)
            log.warning("attempt %d/%d to reach %s failed; retrying in %.1fs", attempt, attempts,
                        location.label, delay)
            time.sleep(delay)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@register("postgres", "mysql", "sqlite")
def open_database(request: ExtractRequest) -> Extraction:
    return DatabaseExtraction(request)
