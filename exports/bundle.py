"""Write one bundle into a staging folder: ``<table>.parquet`` (zstd), ``postgres.sql``, ``mysql.sql``,
``<table>.csv`` for large tables, and ``manifest.json`` with the SHA-256 of every file.

The Parquet is written first, straight from the lake by DuckDB (masking and row scope in the same
query); the SQL and CSV are derived from it, so the three formats cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from blocklake import lake
from blocklake.sql import identifier, literal
from exports import sqlfiles
from exports.columns import OutputColumn, project, row_filter
from exports.plan import Delivery

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Bundle:
    folder: Path
    rows: int
    bytes: int
    fingerprint: str  # order-independent digest of the delivered rows: unchanged data is not re-sent
    manifest: dict

    @property
    def manifest_sha256(self) -> str:
        return sha256(self.folder / MANIFEST)


def write_bundle(con: duckdb.DuckDBPyConnection, delivery: Delivery, folder: Path, *, key: bytes,
                 inline_rows: int) -> Bundle:
    parquet = folder / f"{delivery.table}.parquet"
    columns = write_parquet(con, delivery, parquet, key=key)
    source = f"read_parquet({literal(str(parquet))})"
    described = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})").fetchall()
    portable = [sqlfiles.portable(name, kind) for name, kind in described]
    row_hash = f"hash({', '.join(identifier(name) for name, _ in described)})"
    rows, fingerprint = con.execute(
        f"SELECT count(*), CAST(coalesce(sum({row_hash}), 0) AS VARCHAR) FROM {source}").fetchone()
    write_sql(con, delivery, folder, source, portable, large=rows > inline_rows)
    manifest = _manifest(delivery, columns, folder, int(rows), fingerprint)
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    size = sum(path.stat().st_size for path in folder.iterdir())
    return Bundle(folder, int(rows), size, fingerprint, manifest)


def write_parquet(con: duckdb.DuckDBPyConnection, delivery: Delivery, path: Path, *, key: bytes) -> list[OutputColumn]:
    """The delivery's rows — approved items, masked and pseudonymised, in its block — straight from the
    lake to zstd Parquet; returns the columns written."""
    columns = project(delivery, key)
    relation = f"{lake.LAKE}.{delivery.source_key} AT (VERSION => {delivery.snapshot_id})"
    select = ", ".join(f"{c.expression} AS {identifier(c.name)}" for c in columns)
    con.execute(f"COPY (SELECT {select} FROM {relation} {row_filter(delivery)}) TO {literal(str(path))} "
                "(FORMAT parquet, COMPRESSION zstd)")
    return columns


def write_sql(con: duckdb.DuckDBPyConnection, delivery: Delivery, folder: Path, source: str,
               columns: list[sqlfiles.PortableColumn], *, large: bool) -> None:
    csv_name = f"{delivery.table}.csv"
    if large:
        quoted = ", ".join(identifier(c.name) for c in columns if c.quoted)
        select = ", ".join(f"{c.select} AS {identifier(c.name)}" for c in columns)
        options = f", FORCE_QUOTE ({quoted})" if quoted else ""
        con.execute(f"COPY (SELECT {select} FROM {source}) TO {literal(str(folder / csv_name))} "
                    f"(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', "
                    f"NULLSTR '{sqlfiles.NULL_WORD}'{options})")
    for dialect, file_name in sqlfiles.DIALECTS.items():
        with (folder / file_name).open("w", encoding="utf-8", newline="\n") as out:
            out.write(sqlfiles.header(dialect, delivery.resource_code, delivery.snapshot_id))
            out.write(sqlfiles.create_table(delivery.table, columns, dialect))
            if large:
                out.write(sqlfiles.load_csv(delivery.table, csv_name, columns, dialect))
                continue
            select = ", ".join(c.literal_select for c in columns)
            rows = con.execute(f"SELECT {select} FROM {source}").fetchall()
            out.writelines(sqlfiles.inserts(delivery.table, columns, rows, dialect))


def _manifest(delivery: Delivery, columns: list[OutputColumn], folder: Path, rows: int, fingerprint: str) -> dict:
    return {
        "resource_code": delivery.resource_code,
        "resource_name": delivery.resource_name,
        "table": delivery.table,
        "snapshot_id": delivery.snapshot_id,
        "application_id": delivery.application_id,
        "consumer": delivery.consumer_code,
        "items": list(delivery.items),
        "columns": [c.name for c in columns],
        "masking": {c.name: c.treatment for c in columns if c.treatment},
        "block_scope": delivery.block_scope,
        "row_count": rows,
        "fingerprint": fingerprint,
        "timestamps": "TIMESTAMP WITH TIME ZONE values are given in UTC in the SQL and CSV files",
        "files": {path.name: {"sha256": sha256(path), "bytes": path.stat().st_size}
                  for path in sorted(folder.iterdir()) if path.name != MANIFEST},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()

