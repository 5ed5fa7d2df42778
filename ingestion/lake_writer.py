"""Write extractions into their ``lake.raw`` tables inside a DuckLake transaction (one per table, or one
for a batch: :func:`transaction`).

- full: the table becomes exactly the extract, by writing only the rows that changed; keys that vanished
  are recorded as deletions.
- incremental: rows at or after ``since`` replace the rows with the same key (late rows inside the
  overlap window arrive again and are de-duplicated, never doubled).
- reconcile: an incremental table read whole; replaced like a full load (so rows deleted at the source
  are found), and its watermark moves to the newest cursor value read.
Either the data, the ledger rows and the rejects all commit together, or nothing does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from blocklake import failpoints
from blocklake.errors import BlocklakeError, LakeError, SourceDataError, SourceUnavailableError
from blocklake.registry import TableSpec
from blocklake.sql import identifier
from blocklake.vocabulary import LINEAGE_COLUMNS
from ingestion import loads, schema
from ingestion.extractors import Extraction
from ingestion.extractors.base import Reject
from ingestion.loads import LoadRecord

log = logging.getLogger(__name__)
_PROGRESS_EVERY_ROWS = 1_000_000


class CountingStream:
    """Passes record batches through, counting rows and bytes and logging progress on long loads."""

    def __init__(self, reader: pa.RecordBatchReader, label: str):
        self.schema = reader.schema
        self.rows = 0
        self.bytes = 0
        self._label = label
        self._reader = reader
        self.error: BaseException | None = None  # what the source raised mid-stream (DuckDB only wraps it)

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())

    def _batches(self) -> Iterator[pa.RecordBatch]:
        next_report = _PROGRESS_EVERY_ROWS
        for batch in self._guarded(self._reader):
            self.rows += batch.num_rows
            self.bytes += batch.nbytes
            if self.rows >= next_report:
                log.info("%s: %s rows extracted", self._label, f"{self.rows:,}")
                next_report += _PROGRESS_EVERY_ROWS
            yield batch

    def _guarded(self, reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except Exception as exc:
            self.error = exc
            raise


def write(con: duckdb.DuckDBPyConnection, extraction: Extraction, record: LoadRecord) -> LoadRecord:
    """Run the whole load in one transaction; on any error roll back and re-raise."""
    with transaction(con, [record]):
        write_within(con, extraction, record)
    return record


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, records: list[LoadRecord]) -> Iterator[None]:
    """One DuckLake transaction for the loads of ``records`` (written inside it by :func:`write_within`):
    all of them commit, tagged with their load ids, or none does."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        loads.commit_message(con, records)
        failpoints.hit("lake_writer.before_commit")
        con.execute("COMMIT")
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.IOException):  # at COMMIT: the lake's storage, not a source
            raise _storage_failed(", ".join(f"{r.department}.{r.table_name}" for r in records), exc) from exc
        raise


def write_within(con: duckdb.DuckDBPyConnection, extraction: Extraction, record: LoadRecord) -> LoadRecord:
    """Write one extraction inside the caller's transaction (:func:`transaction`), with its ledger row and
    rejects; an error says whether the source or the lake's storage failed."""
    spec = extraction.request.table
    target = f"lake.raw.{identifier(record.raw_table)}"
    stream = CountingStream(extraction.reader(), f"{record.department}.{record.table_name}")
    incoming = schema.duckdb_types(con, stream.schema)
    record.schema_fingerprint = schema.fingerprint(incoming)
    try:
        existing = schema.table_types(con, target)
        if existing is None:
            schema.create_table(con, target, incoming)
        else:
            changes = schema.reconcile(con, target, existing, incoming)
            if loads.last_fingerprint(con, record.raw_table) == record.schema_fingerprint:
                # A column that vanished earlier is still absent: already recorded, not news.
                changes = [change for change in changes if change.change != "dropped"]
            record.schema_changes = changes
        con.register("incoming", stream.reader())
        if record.mode == "incremental":
            _upsert(con, target, spec, record, _cursor_type(spec, incoming))
        else:
            _replace(con, target, spec, record, had_rows=existing is not None, arriving=set(stream.schema.names))
        if record.mode == "reconcile":
            _advance_watermark(con, target, spec, record, _cursor_type(spec, incoming))
        record.rows_extracted, record.bytes = stream.rows, stream.bytes
        record.rejects = extraction.finish()
        record.rows_rejected = len(record.rejects)
        _check_outcome(con, target, spec, record, existing is not None)
        record.outcome, record.finished_at = "succeeded", datetime.now(UTC)
        loads.write_record(con, record)
        loads.write_rejects(con, record)
    except BaseException as exc:
        if isinstance(stream.error, BlocklakeError):  # the extractor's own diagnosis, not DuckDB's wrapper
            raise stream.error from exc
        if stream.error is not None:
            raise SourceUnavailableError(
                f"{record.department}.{record.table_name}: the source failed after {stream.rows:,} rows were "
                f"read ({stream.error}); nothing was loaded and readers keep the last published version") from exc
        if isinstance(exc, duckdb.IOException):  # not the source's (that sets stream.error): the lake's storage
            raise _storage_failed(f"{record.department}.{record.table_name}", exc) from exc
        raise
    finally:
        con.unregister("incoming")
    return record


def _storage_failed(tables: str, exc: duckdb.IOException) -> LakeError:
    return LakeError(
        f"{tables}: the lake's storage failed while the load was writing ({str(exc).splitlines()[0]}); nothing "
        "was committed and readers keep the last published version. Retry the load; the lake_maintenance DAG "
        "deletes the files the failed write left")


def _insert_with_lineage(con: duckdb.DuckDBPyConnection, target: str, relation: str, record: LoadRecord) -> None:
    con.execute(
        f"INSERT INTO {target} BY NAME "
        f"SELECT *, ? AS _batch_id, ?::TIMESTAMPTZ AS _extracted_at, ? AS _source FROM {relation}",
        [record.load_id, record.started_at, record.source],
    )


def _replace(con: duckdb.DuckDBPyConnection, target: str, spec: TableSpec, record: LoadRecord,
             *, had_rows: bool, arriving: set[str]) -> None:
    """Make the table exactly the extract by writing only the difference: rows whose content (every data
    column, not the lineage) is unchanged stay as they are, with their lineage; changed and vanished rows
    are deleted and the new versions inserted. On a day that changed 1% of a table the snapshot holds 1%
    of it, and DuckLake's change feed shows what changed rather than a whole table deleted and inserted."""
    if not had_rows:
        _insert_with_lineage(con, target, "incoming", record)
        record.rows_inserted = _count(con, target)
        return
    keys = ", ".join(identifier(k) for k in spec.primary_key)
    types = {name: kind for name, kind in schema.table_types(con, target).items() if name not in LINEAGE_COLUMNS}
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming_rows AS SELECT *, {_row_hash(types, arriving)} AS _row_hash "
                "FROM incoming")
    con.execute(f"CREATE OR REPLACE TEMP TABLE lake_rows AS SELECT rowid AS _rid, {keys}, "
                f"{_row_hash(types, set(types))} AS _row_hash FROM {target}")
    # A content the extract holds as many times as the lake is unchanged; any other is rewritten whole
    # (new, changed, vanished, or a duplicated row whose copies differ in number).
    con.execute("CREATE OR REPLACE TEMP TABLE differing AS SELECT _row_hash FROM ("
                "SELECT _row_hash, 1 AS extract, 0 AS lake FROM incoming_rows "
                "UNION ALL SELECT _row_hash, 0, 1 FROM lake_rows) GROUP BY _row_hash HAVING sum(extract) <> sum(lake)")
    con.execute("CREATE OR REPLACE TEMP TABLE replaced AS SELECT * FROM lake_rows "
                "WHERE _row_hash IN (SELECT _row_hash FROM differing)")
    con.execute(f"DELETE FROM {target} WHERE rowid IN (SELECT _rid FROM replaced)")
    con.execute("CREATE OR REPLACE TEMP TABLE changed_rows AS SELECT * EXCLUDE (_row_hash) FROM incoming_rows "
                "WHERE _row_hash IN (SELECT _row_hash FROM differing)")
    _insert_with_lineage(con, target, "changed_rows", record)
    record.rows_inserted = _count(con, "changed_rows")
    if spec.load.detect_deletions:
        vanished = f"SELECT {keys} FROM replaced EXCEPT SELECT {keys} FROM incoming_rows"
        con.execute(
            "INSERT INTO lake.meta.deleted_keys "
            f"SELECT ?, ?, to_json(struct_pack({keys}))::VARCHAR, now() FROM ({vanished})",
            [record.load_id, record.raw_table],
        )
        record.rows_deleted = con.execute(
            "SELECT count(*) FROM lake.meta.deleted_keys WHERE load_id = ?", [record.load_id]
        ).fetchone()[0]
    for temp in ("incoming_rows", "lake_rows", "differing", "replaced", "changed_rows"):
        con.execute(f"DROP TABLE {temp}")


def _row_hash(types: dict[str, str], present: set[str]) -> str:
    """A row's content as one hash, each column cast to the lake's type (so an extract typed INTEGER and a
    lake column widened to BIGINT compare equal); a column the extract lacks is NULL there, as it will be."""
    values = [f"CAST({identifier(name) if name in present else 'NULL'} AS {kind})" for name, kind in types.items()]
    return f"hash({', '.join(values)})"


def _upsert(con: duckdb.DuckDBPyConnection, target: str, spec: TableSpec, record: LoadRecord,
            cursor_type: str) -> None:
    keys = [identifier(k) for k in spec.primary_key]
    cursor = identifier(spec.load.cursor or "")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE incoming_rows AS SELECT * FROM incoming "
        f"QUALIFY row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY {cursor} DESC NULLS LAST) = 1"
    )
    match = " AND ".join(f"s.{k} = t.{k}" for k in keys)
    con.execute(f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM incoming_rows s WHERE {match})")
    _insert_with_lineage(con, target, "incoming_rows", record)
    record.rows_inserted = _count(con, "incoming_rows")
    _advance_watermark(con, "incoming_rows", spec, record, cursor_type)
    con.execute("DROP TABLE incoming_rows")


def _advance_watermark(con: duckdb.DuckDBPyConnection, relation: str, spec: TableSpec, record: LoadRecord,
                       cursor_type: str) -> None:
    # Late rows may all sit below the old watermark: it only ever moves forward.
    cursor = identifier(spec.load.cursor or "")
    record.watermark = con.execute(
        f"SELECT greatest(max({cursor}), max(TRY_CAST(? AS {cursor_type})))::VARCHAR FROM {relation}",
        [record.watermark],
    ).fetchone()[0]


def _cursor_type(spec: TableSpec, incoming: dict[str, str]) -> str:
    cursor = spec.load.cursor or ""
    if cursor not in incoming:
        raise SourceDataError(f"the incremental cursor column '{cursor}' is not in the extract of {spec.name}; "
                              f"its columns are {sorted(incoming)}")
    return incoming[cursor]


def _check_outcome(con: duckdb.DuckDBPyConnection, target: str, spec: TableSpec, record: LoadRecord,
                   had_table: bool) -> None:
    """Refuse loads that would quietly lose data: an empty full extract or a flood of bad rows."""
    seen = record.rows_extracted + record.rows_rejected
    if record.rows_rejected and record.rows_rejected > spec.load.max_reject_ratio * seen:
        raise SourceDataError(
            f"{record.rows_rejected} of {seen} rows of {record.department}.{record.table_name} could not be read "
            f"(limit {spec.load.max_reject_ratio:.0%}): {_rejects_by_file(record.rejects)}. The load stopped and "
            f"the lake keeps its last good version; every bad line is in lake.meta.rejects (load_id "
            f"'{record.load_id}'). Ask the department to fix and resend the file, or raise 'load: "
            "{max_reject_ratio: ...}' for this table in the registry if such rows are expected"
        )
    if record.mode != "incremental" and had_table and record.rows_extracted == 0 and not spec.load.allow_empty:
        raise SourceDataError(
            f"the extract of {record.department}.{record.table_name} is empty; refusing to empty {target}. "
            "If the source really is empty now, set 'load: {allow_empty: true}' for this table"
        )


def _rejects_by_file(rejects: list[Reject]) -> str:
    """Where the bad rows are: per file, how many and the first one with its error."""
    by_file: dict[str, list[Reject]] = {}
    for reject in rejects:
        by_file.setdefault(reject.file, []).append(reject)
    worst = sorted(by_file.items(), key=lambda item: -len(item[1]))
    parts = [f"{len(bad)} in {file} (first: line {bad[0].line}, {bad[0].error})" for file, bad in worst[:3]]
    return "; ".join(parts) + (f"; and {len(worst) - 3} more files" if len(worst) > 3 else "")


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0])
