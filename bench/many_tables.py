"""Many tables: a registry of 1,000 small tables across 80 departments, loaded, gated and registered
in the catalog, as a bureau's long tail of departments looks.

Writes the departments' SQLite sources and registry into a fresh home, times parsing every DAG (what
the scheduler's DAG processor does on each pass), then runs every DAG once as ``make run`` does
(``dag.test()``, in a child): 80 ingest DAGs, each loading and gating its tables in batches, then the
base-layer build and its catalog refresh. Our tasks time their own work (:mod:`orchestration.metrics`);
the rest of each DAG run is Airflow's. Writes ``bench/results/many_tables.json``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import yaml

from bench.common import figure, write_results
from bench.pipeline import dag_seconds, stage_totals
from blocklake.settings import get_settings
from orchestration.metrics import read_stages

ROWS = 200
RUN_DAGS = """
from orchestration import airflow_env
from orchestration.pipeline import prepare_airflow, run_dags
from blocklake.settings import get_settings
airflow_env.configure()
prepare_airflow(get_settings())
failed = run_dags()
raise SystemExit(1 if [dag for dag in failed if dag.startswith("ingest_")] else 0)
"""
PARSE_DAGS = """
import time
clock = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder="{dags}")
assert not bag.import_errors, bag.import_errors
print(len(bag.dags), sum(len(d.tasks) for d in bag.dags.values()), time.perf_counter() - clock)
"""


def write_departments(home: Path, departments: int, tables: int) -> None:
    from synthetic.identity import uscc_texts

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
    from orchestration import airflow_env

    env = {**os.environ, **airflow_env.environment()}
    result = subprocess.run([sys.executable, "-c", PARSE_DAGS.format(dags=airflow_env.DAGS_FOLDER)], env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"parsing the DAGs failed:\n{result.stderr[-3000:]}")
    dags, tasks, seconds = result.stdout.split()[-3:]
    return int(dags), int(tasks), float(seconds)


def run_dags(env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """Every DAG once, as ``make run`` runs them (``dag.test()``), in a child; returns the wall seconds and
    each DAG run's seconds."""
    clock = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", RUN_DAGS], env=env, text=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - clock
    print(child.stdout[-6000:], flush=True)
    if child.returncode != 0:
        raise RuntimeError(f"running the DAGs failed (exit {child.returncode}); the output is above")
    return seconds, dag_seconds(Path(env['BLOCKLAKE_HOME']))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=80)
    parser.add_argument("--tables", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blocklake-many-") as folder:
        home = Path(folder)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "BLOCKLAKE_"))}
        env.update(BLOCKLAKE_HOME=str(home / "var"), BLOCKLAKE_REGISTRY_DIR=str(home / "registry"),
                   BLOCKLAKE_AS_OF="2026-10-31")
        env.update({f"BLOCKLAKE_CONN_DEPT{n:03d}_DB": f"sqlite://{home / 'var' / 'sources'}/dept{n:03d}.sqlite"
                    for n in range(args.departments)})
        os.environ.update(env)
        get_settings.cache_clear()
        write_departments(home, args.departments, args.tables)
        dags, tasks, parse_s = parse_dags()
        started = datetime.now(UTC)
        wall_s, per_dag = run_dags(env)
        totals = stage_totals(read_stages(since=started, path=home / "var" / "metrics" / "stages.jsonl"))
        resources = registered_resources()
    ingest_s, rows = totals.get("ingest", (0.0, 0))
    gate_s = totals.get("gate", (0.0, 0))[0]
    refresh_s = totals.get("catalog", (0.0, 0))[0]
    ingest_dags = sum(seconds for dag, seconds in per_dag.items() if dag.startswith("ingest_"))
    overhead_s = sum(per_dag.values()) - sum(seconds for seconds, _ in totals.values())
    count = args.tables
    path = write_results("many_tables", f"{args.tables} tables", [
        figure("s_per_table", ingest_dags / count, "s"),
        figure("load_s_per_table", ingest_s / count, "s"),
        figure("gate_s_per_table", gate_s / count, "s"),
        figure("catalog_refresh_s", refresh_s, "s"),
        figure("airflow_overhead_s", overhead_s, "s"),
        figure("airflow_overhead_s_per_table", overhead_s / count, "s"),
        figure("airflow_overhead_share", overhead_s / wall_s, "ratio"),
        figure("wall_s", wall_s, "s"),
        figure("dag_parse_s", parse_s, "s"),
        figure("dag_parse_ms_per_task", parse_s / tasks * 1000, "ms"),
    ], departments=args.departments, tables=count, rows=rows, dags=dags, tasks=tasks, resources=resources,
        definitions={"s_per_table": "the ingest DAG runs' seconds (load, gate and Airflow's part) ÷ tables",
                     "airflow_overhead_s": "every DAG run's seconds − the seconds our tasks spent in their own work",
                     "wall_s": "every DAG run once (dag.test(), as make run does), with Airflow's database ready"})
    print(f"{count} tables of {args.departments} departments: {ingest_dags / count:.2f}s per table (load "
          f"{ingest_s / count:.2f}s, gate {gate_s / count:.2f}s), Airflow {overhead_s:.0f}s of {wall_s:.0f}s; "
          f"catalog refresh {refresh_s:.1f}s, {resources} resources; {dags} DAGs with {tasks} tasks parse in "
          f"{parse_s:.1f}s; wrote {path}")


def registered_resources() -> int:
    from sqlalchemy import func, select

    from catalog import db
    from catalog.models import Resource

    with db.session() as session:
        return session.execute(select(func.count()).select_from(Resource)).scalar_one()


if __name__ == "__main__":
    main()
