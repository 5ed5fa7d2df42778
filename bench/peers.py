"""Peers benchmark: our PostgreSQL → lake extraction against dlt's ``sql_database`` source (Arrow
backend) writing Parquet, on the same table and machine in the same run.

- ours: ``ingestion.runner.load_table`` (scan → Arrow batches → DuckLake Parquet + commit);
- dlt: ``sql_table(..., backend="pyarrow")`` → the ``filesystem`` destination as Parquet
  (extract, normalize, load), telemetry off.

Each runs in a child process, timed end to end, after one warm-up read of the table. Writes
``bench/results/peers.json`` with ``extract_vs_dlt_time_ratio`` (our time ÷ dlt's, target ≤ 1.0).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import figure, write_results
from bench.ingest import DSN, SCHEMA, TABLE, prepare_table, time_copy, time_extract

DLT_RUN = """
import sys
import dlt
from dlt.sources.sql_database import sql_table

dsn, schema, table, out = sys.argv[1:5]
source = sql_table(credentials=dsn, schema=schema, table=table, backend="pyarrow", chunk_size=100_000)
pipeline = dlt.pipeline(pipeline_name="blocklake_peer", dataset_name="peer",
                        destination=dlt.destinations.filesystem(bucket_url=out))
pipeline.run(source, loader_file_format="parquet")
print(pipeline.last_trace.last_normalize_info.row_counts[table])
"""


def time_dlt(work: Path) -> tuple[float, int]:
    env = {**os.environ, "DLT_DATA_DIR": str(work / "dlt"), "RUNTIME__DLTHUB_TELEMETRY": "false",
           "RUNTIME__LOG_LEVEL": "WARNING", "DLT_PROJECT_DIR": str(work)}
    dsn = DSN.replace("postgresql://", "postgresql+psycopg://", 1)
    clock = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", DLT_RUN, dsn, SCHEMA, TABLE, str(work / "parquet")], env=env,
                            capture_output=True, text=True, check=False, cwd=work)
    seconds = time.perf_counter() - clock
    if result.returncode != 0:
        raise RuntimeError(f"dlt failed:\n{result.stderr[-3000:]}")
    return seconds, int(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BLOCKLAKE_BENCH_ROWS", 5_000_000)))
    args = parser.parse_args()
    prepare_table(args.rows)
    time_copy()  # warm PostgreSQL's buffers so neither side pays for the first read from disk
    with tempfile.TemporaryDirectory(prefix="blocklake-peers-") as ours, \
            tempfile.TemporaryDirectory(prefix="blocklake-peers-dlt-") as theirs:
        extract_s, _, loaded = time_extract(Path(ours))
        dlt_s, dlt_rows = time_dlt(Path(theirs))
    if int(loaded) != args.rows or dlt_rows != args.rows:
        raise RuntimeError(f"rows: ours {loaded}, dlt {dlt_rows}, expected {args.rows}")
    path = write_results("peers", "district", [
        figure("extract_vs_dlt_time_ratio", extract_s / dlt_s, "ratio", "<= 1.0"),
        figure("extract_s", extract_s, "s"),
        figure("dlt_sql_database_arrow_s", dlt_s, "s"),
        figure("extract_rows_per_s", args.rows / extract_s, "rows/s"),
        figure("dlt_rows_per_s", args.rows / dlt_s, "rows/s"),
    ], rows=args.rows, table=f"{SCHEMA}.{TABLE}")
    print(f"{args.rows:,} rows: ours {extract_s:.1f}s, dlt {dlt_s:.1f}s -> ratio {extract_s / dlt_s:.2f}; wrote {path}")


if __name__ == "__main__":
    main()
