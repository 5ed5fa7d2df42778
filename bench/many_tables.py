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
from dataclasses import dataclass
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


def run_dags(env: dict[str, str]) -> float:
    """Every DAG once, as ``make run`` runs them (``dag.test()``), in a child whose progress lines pass
    through; returns the wall seconds."""
    clock = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", RUN_DAGS], env=env, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, bufsize=1)
    for line in child.stdout or ():
        print(line, end="", flush=True)
    if child.wait() != 0:
        raise RuntimeError(f"running the DAGs failed (exit {child.returncode}); the output is above")
    return time.perf_counter() - clock


@dataclass(frozen=True)
class Day:
    """One pass of every DAG: its wall seconds, each DAG run's seconds and our stages' (seconds, rows)."""

    wall_s: float
    per_dag: dict[str, float]
    totals: dict[str, tuple[float, int]]

    def seconds(self, stage: str) -> float:
        return self.totals.get(stage, (0.0, 0))[0]

    @property
    def ingest_dags_s(self) -> float:
        return sum(seconds for dag, seconds in self.per_dag.items() if dag.startswith("ingest_"))

    @property
    def overhead_s(self) -> float:
        return sum(self.per_dag.values()) - sum(seconds for seconds, _ in self.totals.values())

    def figures(self, tables: int, prefix: str = "") -> list[dict[str, object]]:
        return [
            figure(f"{prefix}wall_s", self.wall_s, "s"),
            figure(f"{prefix}s_per_table", self.ingest_dags_s / tables, "s"),
            figure(f"{prefix}load_s_per_table", self.seconds("ingest") / tables, "s"),
            figure(f"{prefix}gate_s_per_table", self.seconds("gate") / tables, "s"),
            figure(f"{prefix}catalog_refresh_s", self.seconds("catalog"), "s", "<= 30"),
            figure(f"{prefix}airflow_overhead_s", self.overhead_s, "s"),
            figure(f"{prefix}airflow_overhead_share", self.overhead_s / self.wall_s, "ratio", "<= 0.10"),
        ]


def run_day(env: dict[str, str], home: Path) -> Day:
    started = datetime.now(UTC)
    wall_s = run_dags(env)
    return Day(wall_s, dag_seconds(home / "var", since=started),
               stage_totals(read_stages(since=started, path=home / "var" / "metrics" / "stages.jsonl")))


def change_a_day(home: Path, departments: int) -> int:
    """About 1% of every table changes at its source, as on a bureau's ordinary day: one row updated, one
    deleted, one inserted per 200. Returns the rows changed."""
    changed = 0
    for number in range(departments):
        with sqlite3.connect(home / "var" / "sources" / f"dept{number:03d}.sqlite") as con:
            tables = [name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for name in tables:
                con.execute(f"UPDATE {name} SET label = label || '（更正）', updated_at = '2026-11-01 08:00:00' "
                            "WHERE id = 7")
                con.execute(f"DELETE FROM {name} WHERE id = 11")
                con.execute(f"INSERT INTO {name} VALUES ({ROWS}, '{name}-{ROWS}', 0.5, '2026-11-01 09:00:00')")
                changed += 3
    return changed


def measure(departments: int, tables: int, *, lake_catalog: str | None, day_two: bool,
            area: str) -> Path:
    """Write the departments into a fresh home, run every DAG once (and again after a day of changes), and
    write ``bench/results/<area>.json``."""
    with tempfile.TemporaryDirectory(prefix="blocklake-many-") as folder:
        home = Path(folder)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "BLOCKLAKE_"))}
        env.update(BLOCKLAKE_HOME=str(home / "var"), BLOCKLAKE_REGISTRY_DIR=str(home / "registry"),
                   BLOCKLAKE_AS_OF="2026-10-31", **({"BLOCKLAKE_LAKE_CATALOG": lake_catalog} if lake_catalog else {}))
        env.update({f"BLOCKLAKE_CONN_DEPT{n:03d}_DB": f"sqlite://{home / 'var' / 'sources'}/dept{n:03d}.sqlite"
                    for n in range(departments)})
        os.environ.update(env)
        get_settings.cache_clear()
        write_departments(home, departments, tables)
        dags, tasks, parse_s = parse_dags()
        day1 = run_day(env, home)
        facts = {"departments": departments, "tables": tables, "rows": day1.totals.get("ingest", (0.0, 0))[1],
                 "dags": dags, "tasks": tasks, "resources": registered_resources(),
                 "lake_catalog": "postgres" if lake_catalog else "sqlite", "definitions": DEFINITIONS}
        figures = [*day1.figures(tables), figure("dag_parse_s", parse_s, "s"),
                   figure("dag_parse_ms_per_task", parse_s / tasks * 1000, "ms")]
        path = write_results(area, f"{tables} tables", figures, **facts)  # day 1 kept if day 2 is cut short
        print(f"{tables} tables of {departments} departments: {day1.ingest_dags_s / tables:.2f}s per table (load "
              f"{day1.seconds('ingest') / tables:.2f}s, gate {day1.seconds('gate') / tables:.2f}s), Airflow "
              f"{day1.overhead_s:.0f}s of {day1.wall_s:.0f}s; catalog refresh {day1.seconds('catalog'):.1f}s, "
              f"{facts['resources']} resources; {dags} DAGs with {tasks} tasks parse in {parse_s:.1f}s; wrote {path}")
        if day_two:
            changed = change_a_day(home, departments)
            day2 = run_day(env, home)
            figures += [*day2.figures(tables, prefix="day2_"), figure("day2_rows_changed", changed, "rows"),
                        figure("day2_vs_day1_ratio", day2.wall_s / day1.wall_s, "ratio")]
            path = write_results(area, f"{tables} tables", figures, **facts)
            print(f"day 2: {day2.wall_s:.0f}s ({day2.wall_s / day1.wall_s:.2f} of day 1); wrote {path}")
    return path


DEFINITIONS = {
    "s_per_table": "the ingest DAG runs' seconds (load, gate and Airflow's part) ÷ tables",
    "airflow_overhead_s": "every DAG run's seconds − the seconds our tasks spent in their own work",
    "airflow_overhead_share": "airflow_overhead_s ÷ wall_s",
    "wall_s": "every DAG run once (dag.test(), as make run does), with Airflow's database ready",
    "catalog_refresh_s": "the base-layer build's catalog refresh: every published table registered in the "
                         "resource directory",
    "day2_*": "the same again after a day changed about 1% of every table at its source (one row updated, "
              "one deleted, one inserted per 200)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=80)
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--day-two", action="store_true", help="run again after a day of changes")
    args = parser.parse_args()
    measure(args.departments, args.tables, lake_catalog=None, day_two=args.day_two, area="many_tables")


def registered_resources() -> int:
    from sqlalchemy import func, select

    from catalog import db
    from catalog.models import Resource

    with db.session() as session:
        return session.execute(select(func.count()).select_from(Resource)).scalar_one()


if __name__ == "__main__":
    main()
