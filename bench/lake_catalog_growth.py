"""Lake catalog growth: what a table's first load costs as the lake gains tables, on each catalog kind.

A bureau's first day creates thousands of raw tables. Each creation is a DuckLake schema change, and the
1,000-table benchmark saw the per-table cost grow threefold from the first departments to the last. This
isolates that cost from Airflow and the sources: through :func:`blocklake.lake.connect` (our real lake
connection) it repeats what a first load does to the catalog — read the ledger, create a 200-row raw
table, append a ledger row, commit — on a fresh SQLite catalog and a fresh PostgreSQL database, and
reports the mean milliseconds of the first and the last window of tables. Writes
``bench/results/lake_catalog_growth.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.common import figure, write_results
from blocklake import lake
from blocklake.settings import Settings
from ingestion import loads

POSTGRES_SERVER = "host=127.0.0.1 port=5432 user=postgres"  # the machine's own server (trust auth)
ROWS = 200


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, uniquely named database on the loopback server, dropped afterwards."""
    name = f"blocklake_growth_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(f"{POSTGRES_SERVER} dbname=postgres", autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at 127.0.0.1:5432 is needed ({exc}); `make services` starts it") from exc
    try:
        yield f"postgres:dbname={name} {POSTGRES_SERVER}"
    finally:
        with psycopg.connect(f"{POSTGRES_SERVER} dbname=postgres", autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def first_loads(settings: Settings, tables: int) -> list[tuple[float, float]]:
    """(seconds of the load transaction, seconds of a ledger read after it) for each new table."""
    con = lake.connect(settings)
    timings = []
    try:
        loads.ensure_ledger(con)
        for number in range(tables):
            raw_table = f"bench__table{number:04d}"
            clock = time.perf_counter()
            con.execute("BEGIN TRANSACTION")
            loads.last_fingerprint(con, raw_table)
            con.execute(f"CREATE TABLE lake.raw.{raw_table} AS SELECT range AS id, 'label-' || range AS label, "
                        f"range * 1.5 AS amount FROM range({ROWS})")
            now = datetime.now(UTC)
            loads.write_record(con, loads.LoadRecord(
                load_id=uuid.uuid4().hex, department="bench", table_name=f"table{number:04d}", raw_table=raw_table,
                mode="full", source="bench", started_at=now, finished_at=now, rows_inserted=ROWS,
                outcome="succeeded"))
            con.execute("COMMIT")
            committed = time.perf_counter()
            loads.last_watermark(con, raw_table)
            timings.append((committed - clock, time.perf_counter() - committed))
    finally:
        con.close()
    return timings


def window_ms(timings: list[tuple[float, float]], part: int, window: int, *, last: bool) -> float:
    chosen = timings[-window:] if last else timings[:window]
    return sum(timing[part] for timing in chosen) / len(chosen) * 1000


def measure(kind: str, catalog: str, folder: Path, tables: int, window: int) -> list[dict[str, object]]:
    settings = Settings(home=folder, lake_catalog=catalog, lake_data_path=str(folder / "data"))
    timings = first_loads(settings, tables)
    figures = []
    for part, what in ((0, "load_tx"), (1, "ledger_read")):
        first, last = window_ms(timings, part, window, last=False), window_ms(timings, part, window, last=True)
        figures += [figure(f"{kind}_{what}_ms_first_{window}", first, "ms"),
                    figure(f"{kind}_{what}_ms_last_{window}", last, "ms"),
                    figure(f"{kind}_{what}_growth", last / first, "ratio")]
    print(f"{kind}: load transaction {figures[0]['value']:.0f} → {figures[1]['value']:.0f} ms, ledger read "
          f"{figures[3]['value']:.0f} → {figures[4]['value']:.0f} ms over {tables} new tables", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--window", type=int, default=50, help="tables averaged at the start and at the end")
    args = parser.parse_args()
    figures: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="blocklake-growth-") as folder:
        figures += measure("sqlite", f"sqlite:{folder}/sqlite/catalog.sqlite", Path(folder) / "sqlite",
                           args.tables, args.window)
        with postgres_database() as catalog:
            figures += measure("postgres", catalog, Path(folder) / "postgres", args.tables, args.window)
    path = write_results("lake_catalog_growth", f"{args.tables} new tables", figures, tables=args.tables,
                         rows_per_table=ROWS, definitions={
                             "load_tx": "one first load's transaction: a ledger read, CREATE TABLE AS of "
                                        f"{ROWS} rows, a ledger row, COMMIT",
                             "ledger_read": "reading a table's last watermark from lake.meta.loads after it",
                             "growth": f"mean of the last {args.window} tables ÷ mean of the first {args.window}"})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
