"""The DAG files: every department's DAG imports cleanly, fast, and without heavy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from blocklake.registry import load_registry

pytestmark = pytest.mark.airflow

PARSE_PROBE = """
import json, sys, time
from orchestration.airflow_env import configure
configure()
started = time.monotonic()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
def outlet(value):  # an asset by its URI, an alias by its name
    return getattr(value, "uri", None) or f"alias:{value.name}"
def schedule(value):  # an asset-or-time schedule shows its assets and its cron
    if hasattr(value, "asset_condition"):
        return f"{value.asset_condition} or {value.timetable.summary}"
    return str(value)
heavy = sorted(m for m in ("duckdb", "pyarrow", "polars", "great_expectations", "dbt") if m in sys.modules)
print(json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "seconds": time.monotonic() - started,
    "heavy": heavy,
    "dags": {dag_id: {"tasks": sorted(t.task_id for t in dag.tasks), "schedule": schedule(dag.schedule),
                      "outlets": sorted(outlet(o) for t in dag.tasks for o in t.outlets),
                      "emitters": sorted({t.task_id.split("_")[0] for t in dag.tasks if t.outlets}),
                      "upstream": {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks},
                      "trigger_rules": {t.task_id: getattr(t.trigger_rule, "value", t.trigger_rule) for t in dag.tasks},
                      "pools": sorted({t.pool for t in dag.tasks}),
                      "modes": {t.task_id: t.mode for t in dag.tasks if hasattr(t, "mode")},
                      "task_pools": {t.task_id: t.pool for t in dag.tasks}}
             for dag_id, dag in bag.dags.items()},
}))
"""


def parse_dags(home: Path, **settings: str) -> dict:
    env = {**os.environ, "BLOCKLAKE_HOME": str(home), **settings}
    env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW")}
    dags = Path(__file__).resolve().parents[2] / "dags"
    result = subprocess.run([sys.executable, "-c", PARSE_PROBE, str(dags)], env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return parse_dags(tmp_path_factory.mktemp("airflow-parse"))


def test_every_department_has_a_dag_and_no_import_errors(parsed: dict) -> None:
    registry = load_registry()
    assert parsed["errors"] == {}
    expected = [f"ingest_{code}" for code in registry.departments] + ["build_block_base", "export_bundles",
                                                                        "ops_report", "lake_maintenance"]
    assert sorted(parsed["dags"]) == sorted(expected)


def test_a_department_is_loaded_then_gated_as_one_batch_and_only_published_tables_are_announced(
        parsed: dict) -> None:
    for code, dept in load_registry().departments.items():
        dag = parsed["dags"][f"ingest_{code}"]
        assert dag["tasks"] == ["gate_tables", "load_tables", "verdict"]
        assert dag["upstream"]["gate_tables"] == ["load_tables"]
        assert dag["upstream"]["verdict"] == ["gate_tables"]
        # The gate also audits what a partly failed batch did load.
        assert dag["trigger_rules"]["gate_tables"] == "all_done"
        # Events go out through an alias, for each table the gate published and no other.
        assert dag["outlets"] == [f"alias:raw_published__{code}"]
        assert dag["emitters"] == ["gate"]
        assert dag["pools"] == ["default_pool", "lake_writer"]  # the embedded lake has a SQLite catalog
        assert dag["task_pools"]["load_tables"] == dag["task_pools"]["gate_tables"] == "lake_writer"
        assert dag["schedule"] == dept.schedule


def test_a_department_with_more_tables_than_a_batch_gets_one_chain_per_batch(tmp_path: Path) -> None:
    parsed = parse_dags(tmp_path, BLOCKLAKE_TABLES_PER_TASK="3")
    for code, dept in load_registry().departments.items():
        dag = parsed["dags"][f"ingest_{code}"]
        batches = -(-len(dept.tables) // 3)
        if batches == 1:
            assert dag["tasks"] == ["gate_tables", "load_tables", "verdict"]
            continue
        numbers = range(1, batches + 1)
        assert dag["tasks"] == sorted([f"{kind}_{n}" for kind in ("gate_tables", "load_tables", "verdict")
                                       for n in numbers])
        for n in numbers:
            assert dag["upstream"][f"gate_tables_{n}"] == [f"load_tables_{n}"]
        assert dag["outlets"] == [f"alias:raw_published__{code}_{n}" for n in numbers]
    assert any(len(dept.tables) > 3 for dept in load_registry().departments.values())


def test_the_base_layer_build_runs_when_any_department_publishes_and_is_gated(parsed: dict) -> None:
    dag = parsed["dags"]["build_block_base"]
    assert dag["tasks"] == ["build_outcome", "dbt_build", "gate_models", "refresh_catalog", "settle", "worth_building"]
    # Publications settle first, and a run whose publications an earlier build covered builds nothing.
    assert dag["upstream"]["worth_building"] == ["settle"]
    assert dag["upstream"]["dbt_build"] == ["worth_building"]
    assert dag["modes"] == {"settle": "reschedule"}  # waiting holds no worker slot
    assert dag["upstream"]["gate_models"] == ["dbt_build"]
    assert dag["upstream"]["refresh_catalog"] == ["gate_models"]
    # A failed build, gate or refresh fails the run, though the steps after it ran on all_done.
    assert dag["upstream"]["build_outcome"] == ["dbt_build", "gate_models", "refresh_catalog"]
    assert dag["trigger_rules"]["build_outcome"] == "all_success"
    assert dag["trigger_rules"]["refresh_catalog"] == "all_done"  # the directory shows what is published
    # The gate also runs after a partly failed build, for the models that did build.
    assert dag["trigger_rules"]["gate_models"] == "all_done"
    assert dag["schedule"].startswith("AssetAny(")
    # One asset per department, not per table: the schedule stays small at a thousand tables.
    for code in load_registry().departments:
        assert f"uri='ducklake://lake/raw/{code}'" in dag["schedule"]
    assert "__" not in dag["schedule"]
    assert dag["outlets"] == ["catalog://directory/", "ducklake://lake/base", "ducklake://lake/marts"]
    assert dag["emitters"] == ["gate", "refresh"]  # the layers once gated, the directory once refreshed


def test_exports_run_when_the_directory_is_refreshed_and_hourly(parsed: dict) -> None:
    dag = parsed["dags"]["export_bundles"]
    assert dag["tasks"] == ["deliver_bundle", "plan_exports"]
    assert dag["upstream"]["deliver_bundle"] == ["plan_exports"]
    assert "catalog://directory/" in dag["schedule"] and dag["schedule"].endswith(" or 0 * * * *")


def test_dag_files_import_nothing_heavy_at_parse_time(parsed: dict) -> None:
    assert parsed["heavy"] == []


def test_a_task_start_builds_only_its_own_dag(tmp_path: Path, parsed: dict) -> None:
    """Airflow names the DAG in its parsing context when a task parses the file; the DAG processor does not."""
    for dag_id in ("ingest_police", "build_block_base"):
        alone = parse_dags(tmp_path, _AIRFLOW_PARSING_CONTEXT_DAG_ID=dag_id)
        assert list(alone["dags"]) == [dag_id] and not alone["errors"]
        assert alone["dags"][dag_id] == parsed["dags"][dag_id], "the same DAG as the full parse builds"
    unknown = parse_dags(tmp_path, _AIRFLOW_PARSING_CONTEXT_DAG_ID="no_such_dag")
    assert sorted(unknown["dags"]) == sorted(parsed["dags"])
