"""Many tables: a registry of 1,000 small tables across 80 departments, loaded, gated and registered
in the catalog, as a bureau's long tail of departments looks.

Writes the departments' SQLite sources and registry into a fresh home, then times, in one process:
parsing every DAG (what the scheduler's DAG processor does on each pass), loading and gating every
table (without Airflow), and the catalog refresh. Writes ``bench/results/many_tables.json`` with the
seconds per table of each stage.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from bench.common import figure, write_results
from blocklake.settings import get_settings

ROWS = 200
PARSE_DAGS = """
import time
clock = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder="{dags}")
assert not bag.import_errors, bag.import_errors
print(len(bag.dags), sum(len(d.tasks) for d in bag.dags.values()), time.perf_counter() - clock)
"""


def write_departments(home: Path, departments: int, tables: int) -> None:
    from ingestion.synthetic.identity import uscc_texts

    rng = np.random.default_rng(440305)
    usccs = uscc_texts(np.full(departments, 1), np.full(departments, 440305), np.zeros(departments, bool),
                       np.zeros(departments, bool), rng).to_pylist()
    (home / "registry").mkdir(parents=True)
    (home / "var" / "sources").mkdir(parents=True)
    for number in range(departments):
        code = f"dept{number:03d}"
        names = [f"table{t:02d}" for t in range(number, tables, departments)]
        with sqlite3.connect(home / "var" / "sources" / f"{code}.sqlite") as con:
            for name in names:
                con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, label TEXT, amount REAL, updated_at TEXT)")
                rows = [(i, f"{name}-{i}", i * 1.5, f"2026-10-{1 + i % 28:02d} 08:00:00") for i in range(ROWS)]
                con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?)", rows)
        document = {"code": code, "name": f"基准部门{number:03d}", "uscc": usccs[number],
                    "sources": [{"id": f"{code}_db", "kind": "sqlite", "connection": f"{code}_db"}],
                    "tables": [{"name": name, "title": f"业务表{name[5:]}", "source": f"{code}_db", "object": name,
                                "primary_key": ["id"], "update_cycle": "每日",
                                "directory": {"classification": "3.99.001", "share_type": "无条件共享"}}
                               for name in names]}
        (home / "registry" / f"{code}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True),
                                                          encoding="utf-8")


def parse_dags() -> tuple[int, int, float]:
    from blocklake import airflow_env

    env = {**os.environ, **airflow_env.environment()}
    result = subprocess.run([sys.executable, "-c", PARSE_DAGS.format(dags=airflow_env.DAGS_FOLDER)], env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"parsing the DAGs failed:\n{result.stderr[-3000:]}")
    dags, tasks, seconds = result.stdout.split()[-3:]
    return int(dags), int(tasks), float(seconds)


def load_all() -> tuple[int, float, float]:
    from blocklake.quality.gate import gate_raw_table
    from ingestion.registry import load_registry
    from ingestion.runner import load_table

    registry = load_registry()
    load_s = gate_s = 0.0
    count = 0
    for code, department in registry.departments.items():
        os.environ[f"BLOCKLAKE_CONN_{code.upper()}_DB"] = f"sqlite://{get_settings().sources_path / code}.sqlite"
        for table in department.tables:
            clock = time.perf_counter()
            load_table(code, table.name, registry=registry)
            load_s += time.perf_counter() - clock
            clock = time.perf_counter()
            gate_raw_table(code, table.name)
            gate_s += time.perf_counter() - clock
            count += 1
            if count % 100 == 0:
                print(f"{count} tables loaded and gated", flush=True)
    return count, load_s, gate_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=80)
    parser.add_argument("--tables", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blocklake-many-") as folder:
        home = Path(folder)
        os.environ.update({"BLOCKLAKE_HOME": str(home / "var"), "BLOCKLAKE_REGISTRY_DIR": str(home / "registry"),
                           "BLOCKLAKE_AS_OF": "2026-10-31"})
        get_settings.cache_clear()
        write_departments(home, args.departments, args.tables)
        dags, tasks, parse_s = parse_dags()
        count, load_s, gate_s = load_all()
        from catalog.register import refresh

        clock = time.perf_counter()
        summary = refresh(manifest=home / "no-dbt-manifest.json")
        refresh_s = time.perf_counter() - clock
    path = write_results("many_tables", f"{args.tables} tables", [
        figure("load_s_per_table", load_s / count, "s"),
        figure("gate_s_per_table", gate_s / count, "s"),
        figure("catalog_refresh_s", refresh_s, "s"),
        figure("catalog_refresh_s_per_table", refresh_s / count, "s"),
        figure("dag_parse_s", parse_s, "s"),
        figure("dag_parse_ms_per_task", parse_s / tasks * 1000, "ms"),
    ], departments=args.departments, tables=count, dags=dags, tasks=tasks, resources=summary.resources)
    print(f"{count} tables of {args.departments} departments: load {load_s / count:.2f}s, gate {gate_s / count:.2f}s "
          f"per table; refresh {refresh_s:.1f}s; {dags} DAGs with {tasks} tasks parse in {parse_s:.1f}s; wrote {path}")


if __name__ == "__main__":
    main()
