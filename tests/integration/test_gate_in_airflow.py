"""The gate inside Airflow: an ingest DAG run whose new data breaks a rule fails at the gate task
(the load task succeeded), with the readable summary in the log, and publishes nothing new."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import TEST_USCC, sqlite_execute

pytestmark = pytest.mark.airflow

RUN_DAG = """
import json, sys
from orchestration import airflow_env
from orchestration.pipeline import prepare_airflow
from blocklake.settings import get_settings
airflow_env.configure()
prepare_airflow(get_settings())
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=str(airflow_env.DAGS_FOLDER))
run = bag.dags["ingest_gated"].test()
states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
from airflow.models.asset import AssetEvent
from airflow.utils.session import create_session
with create_session() as session:  # the Asset events this run's tasks emitted
    events = [event.asset.uri for event in session.query(AssetEvent).filter_by(source_run_id=run.run_id)]
print("OUTCOME " + json.dumps({"run": str(run.state), "tasks": states, "events": events}))
"""


def run_ingest_dag(home: Path, registry: Path, connection: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLOCKLAKE"))}
    env.update(BLOCKLAKE_HOME=str(home), BLOCKLAKE_REGISTRY_DIR=str(registry), BLOCKLAKE_AS_OF="2026-10-31",
               BLOCKLAKE_CONN_PLACES_DB=f"sqlite://{connection}")
    result = subprocess.run([sys.executable, "-c", RUN_DAG], env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    # Airflow's providers log to stdout too (OpenLineage: each event emitted), after the probe's own line.
    line = next(line for line in reversed(result.stdout.splitlines()) if line.startswith("OUTCOME "))
    outcome = json.loads(line.removeprefix("OUTCOME "))
    outcome["log"] = result.stdout + result.stderr
    return outcome


def published_snapshots(home: Path) -> list[int]:
    import duckdb

    con = duckdb.connect()
    con.execute("LOAD ducklake; LOAD sqlite")
    con.execute(f"ATTACH 'ducklake:sqlite:{home}/lake/catalog.sqlite' AS lake (DATA_PATH '{home}/lake/data/', "
                "READ_ONLY)")
    try:
        return [row[0] for row in con.execute("SELECT snapshot_id FROM lake.meta.published ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_a_failing_gate_fails_its_task_and_keeps_the_published_version(tmp_path: Path) -> None:
    home, registry, source = tmp_path / "var", tmp_path / "registry", tmp_path / "places.sqlite"
    registry.mkdir()
    (registry / "gated.yaml").write_text(yaml.safe_dump({
        "code": "gated", "name": "测试单位", "uscc": TEST_USCC,
        "sources": [{"id": "places_db", "kind": "sqlite", "connection": "places_db"}],
        "tables": [{"name": "places", "title": "场所", "source": "places_db", "object": "places",
                    "primary_key": ["place_id"], "update_cycle": "每年",
                    "directory": {"classification": "3.99.001", "share_type": "无条件共享"},
                    "quality": [{"check": "uscc", "column": "uscc"}]}],
    }, allow_unicode=True), encoding="utf-8")
    sqlite_execute(source, "CREATE TABLE places (place_id INTEGER, uscc TEXT)")
    sqlite_execute(source, "INSERT INTO places VALUES (?, ?)", [(1, "91350100M000100Y43"), (2, "91110000600037341L")])

    first = run_ingest_dag(home, registry, source)
    assert first["run"] == "success" and first["tasks"] == {"load_tables": "success", "gate_tables": "success",
                                                    "verdict": "success"}
    # Published, so announced: the table, and its department (what the base-layer build waits for).
    assert sorted(first["events"]) == ["ducklake://lake/raw/gated", "ducklake://lake/raw/gated__places"]
    good = published_snapshots(home)
    assert len(good) == 1

    sqlite_execute(source, "INSERT INTO places VALUES (3, '91350100M000100Y42')")  # a wrong check character
    second = run_ingest_dag(home, registry, source)
    assert second["run"] == "failed"
    # The gate task itself succeeds (it announces what it published: nothing here); the verdict fails.
    assert second["tasks"] == {"load_tables": "success", "gate_tables": "success", "verdict": "failed"}
    assert second["events"] == []  # blocked: nothing announced, so no base-layer build
    assert "raw.gated__places: BLOCKED" in second["log"] and "uscc:uscc" in second["log"]
    assert published_snapshots(home) == good
