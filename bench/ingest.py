"""Ingest benchmark: our extraction of one large PostgreSQL table into the lake vs. a raw binary COPY.

Both read the same table on the same machine in the same run:
- reference: ``COPY bench.meter_reading TO STDOUT (FORMAT binary)``, bytes read and discarded;
- ours: ``ingestion.runner.load_table`` (scan → Arrow batches → DuckLake Parquet + commit), in a
  child process so its peak RSS is measured on its own.
Writes ``bench/results/ingest.json`` with ``extract_vs_copy_ratio`` and ``extract_peak_rss_gib``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import yaml

from bench.common import figure, write_results

DSN = os.environ.get("BLOCKLAKE_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA, TABLE = "blocklake_bench", "meter_reading"


def prepare_table(rows: int) -> None:
    """A meter-reading table shaped like the water utility's, built once and reused if the size matches."""
    with psycopg.connect(DSN, autocommit=True) as con:
        exists = con.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.{TABLE}"]).fetchone()[0]
        if exists and con.execute(f"SELECT count(*) FROM {SCHEMA}.{TABLE}").fetchone()[0] == rows:
            return
        print(f"building {SCHEMA}.{TABLE} with {rows:,} rows ...", flush=True)
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        con.execute(f"CREATE SCHEMA {SCHEMA}")
        con.execute(f"""CREATE TABLE {SCHEMA}.{TABLE} (
            reading_id BIGINT PRIMARY KEY, meter_no VARCHAR(16) NOT NULL, reading_month CHAR(7) NOT NULL,
            reading NUMERIC(12, 2), usage_m3 NUMERIC(10, 2), read_at TIMESTAMP NOT NULL)""")
        con.execute(f"""INSERT INTO {SCHEMA}.{TABLE}
            SELECT g, 'SW' || lpad((g % 400000)::text, 10, '0'),
                   to_char(DATE '2024-01-01' + (g / 400000) * 31, 'YYYY-MM'),
                   (g % 100000) / 7.0, (g % 97) / 3.0, TIMESTAMP '2024-01-01' + g * INTERVAL '3 seconds'
            FROM generate_series(1, {rows}) g""")
        con.execute(f"VACUUM ANALYZE {SCHEMA}.{TABLE}")


def time_copy() -> tuple[float, int]:
    clock = time.perf_counter()
    size = 0
    with (psycopg.connect(DSN) as con, con.cursor() as cur,
          cur.copy(f"COPY {SCHEMA}.{TABLE} TO STDOUT (FORMAT binary)") as copy):
        for block in copy:
            size += len(block)
    return time.perf_counter() - clock, size


def time_extract(work: Path) -> tuple[float, float, str]:
    """Run our load in a child process; returns (seconds, peak RSS GiB, child output)."""
    registry = work / "registry"
    registry.mkdir(parents=True, exist_ok=True)
    department = {
        "code": "bench", "name": "基准测试", "uscc": "11440305523213232M",
        "sources": [{"id": "bench_pg", "kind": "postgres", "connection": "bench_pg", "namespace": SCHEMA}],
        "tables": [{"name": TABLE, "title": "抄表", "source": "bench_pg", "object": TABLE,
                    "primary_key": ["reading_id"], "update_cycle": "每月",
                    "directory": {"classification": "3.07.002", "share_type": "无条件共享"}}],
    }
    (registry / "bench.yaml").write_text(yaml.safe_dump(department, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "BLOCKLAKE_HOME": str(work / "var"), "BLOCKLAKE_REGISTRY_DIR": str(registry),
           "BLOCKLAKE_CONN_BENCH_PG": DSN}
    code = "from ingestion.runner import load_table; r = load_table('bench', 'meter_reading'); print(r.rows_inserted)"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    clock = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - clock
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        raise RuntimeError("could not measure the child's peak RSS (an earlier child was larger)")
    return seconds, peak_kib / 2**20, result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BLOCKLAKE_BENCH_ROWS", 5_000_000)))
    args = parser.parse_args()
    prepare_table(args.rows)
    time_copy()  # warm PostgreSQL's buffers so neither side pays for the first read from disk
    copy_s, copy_bytes = time_copy()
    with tempfile.TemporaryDirectory(prefix="blocklake-bench-") as work:
        extract_s, peak_gib, loaded = time_extract(Path(work))
    if int(loaded) != args.rows:
        raise RuntimeError(f"the load wrote {loaded} rows, expected {args.rows}")
    copy_rate, extract_rate = args.rows / copy_s, args.rows / extract_s
    path = write_results("ingest", "district", [
        figure("extract_vs_copy_ratio", extract_rate / copy_rate, "ratio", ">= 0.6"),
        figure("extract_peak_rss_gib", peak_gib, "GiB", "<= 2"),
        figure("extract_rows_per_s", extract_rate, "rows/s"),
        figure("copy_binary_rows_per_s", copy_rate, "rows/s"),
    ], rows=args.rows, copy_bytes=copy_bytes, copy_s=round(copy_s, 2), extract_s=round(extract_s, 2))
    print(f"COPY binary: {copy_rate:,.0f} rows/s ({copy_s:.1f}s); ours: {extract_rate:,.0f} rows/s "
          f"({extract_s:.1f}s, peak RSS {peak_gib:.2f} GiB) -> ratio {extract_rate / copy_rate:.2f}; wrote {path}")


if __name__ == "__main__":
    main()
