"""The cluster launcher's checks, without starting anything: the profile it refuses, the environment it gives
every component, the workers it plans. Fast; part of `make test` (the stack itself is `make test-cluster`)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from blocklake.errors import ConfigError
from blocklake.settings import Settings, get_settings
from orchestration import cluster

AIRFLOW_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/airflow"


@pytest.fixture(autouse=True)
def no_airflow_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that ran Airflow in this process leave its variables in the environment (airflow_env.configure)."""
    for name in [name for name in os.environ if name.startswith("AIRFLOW")]:
        monkeypatch.delenv(name)


@pytest.fixture
def profile(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in {"LAKE_CATALOG": "postgres:dbname=lake host=127.0.0.1 user=postgres",
                        "LAKE_DATA_PATH": "s3://blocklake/lake/", "S3_ENDPOINT": "127.0.0.1:9000",
                        "CATALOG_DB": "postgresql+psycopg://postgres@127.0.0.1:5432/catalog"}.items():
        monkeypatch.setenv(f"BLOCKLAKE_{name}", value)
    get_settings.cache_clear()
    return get_settings()


def test_the_embedded_settings_are_refused_with_every_setting_to_change(settings: Settings) -> None:
    with pytest.raises(ConfigError) as refused:
        cluster.check_profile(settings, cluster.ClusterSettings())
    for setting in ("BLOCKLAKE_LAKE_CATALOG", "BLOCKLAKE_LAKE_DATA_PATH", "BLOCKLAKE_CATALOG_DB",
                    "BLOCKLAKE_CLUSTER_AIRFLOW_DB"):
        assert setting in str(refused.value)


def test_the_environment_makes_airflow_a_celery_cluster_with_shared_secrets(profile: Settings) -> None:
    settings = cluster.ClusterSettings(airflow_db=AIRFLOW_DB, api_port=8099, workers=3, worker_concurrency=4)
    cluster.check_profile(profile, settings)
    env = cluster.environment(profile, settings)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == AIRFLOW_DB
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == f"db+{AIRFLOW_DB}"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8099/execution/"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "12"
    secrets_file = Path(env["AIRFLOW_HOME"]) / "cluster-secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert json.loads(secrets_file.read_text()) == {name: env[name] for name in (
        "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY")}
    assert cluster.environment(profile, settings)["AIRFLOW__API_AUTH__JWT_SECRET"] == \
        env["AIRFLOW__API_AUTH__JWT_SECRET"], "a restart keeps the secrets"


def test_an_environment_contradicting_the_profile_is_refused(profile: Settings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    with pytest.raises(ConfigError, match="AIRFLOW__CORE__EXECUTOR"):
        cluster.environment(profile, cluster.ClusterSettings(airflow_db=AIRFLOW_DB))


def test_workers_sharing_a_machine_are_told_apart_and_serve_no_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    planned = cluster.plan(cluster.COMPONENTS, cluster.ClusterSettings(workers=2, queue="q1"))
    assert [c.name for c in planned] == ["api-server", "scheduler", "dag-processor", "worker1", "worker2", "catalog"]
    workers = [c for c in planned if c.node]
    assert len({c.node for c in workers}) == 2
    for worker in workers:
        assert "--skip-serve-logs" in worker.argv and worker.argv[worker.argv.index("--queues") + 1] == "q1"
        monkeypatch.setenv(cluster.WORKER_NAME_VARIABLE, worker.env[cluster.WORKER_NAME_VARIABLE])
        assert cluster.task_hostname() == worker.node
    alone = cluster.plan(["worker"], cluster.ClusterSettings(workers=1))
    assert alone[0].env == {} and "--skip-serve-logs" not in alone[0].argv, "one worker keeps Airflow's defaults"
