"""The cluster profile on this machine: ``blocklake cluster`` (what an operator runs) starts the Airflow API
server, scheduler and DAG processor, two Celery workers on Redis and the catalog server, with Airflow's
metadata, the lake catalog and the catalog store in fresh PostgreSQL databases and the lake's data in a fresh
bucket of the loopback S3 server. The scheduler runs the tiny district's pipeline; at the end what consumers
see equals a clean single-machine run (``blocklake run``, SQLite catalog, local disk), both workers ran tasks,
lake writers ran at the same time on both workers, and nothing failed or was retried."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path

import psutil
import psycopg
import pytest
import redis
from minio import Minio
from psycopg.conninfo import conninfo_to_dict

from orchestration.cluster import ClusterSettings, plan
from tests.conftest import POSTGRES_DSN, S3Server, free_port, require_service
from tests.pipeline_following import (
    BLOCKLAKE,
    QUIET_FOR_S,
    AirflowMetadata,
    base_layer_builds,
    figures,
    home_with,
    pipeline_done,
    wait_until,
)

pytestmark = pytest.mark.cluster
WORKERS = 2
BROKER_URL = "redis://127.0.0.1:6379/0"
STARTUP_TIMEOUT_S = 420  # the launcher itself allows each component 240 s
PIPELINE_TIMEOUT_S = 900
STOP_TIMEOUT_S = 240
# Tasks that commit to the lake (DuckLake transactions): loads, gates (publication records), dbt, maintenance.
LAKE_WRITERS = ("load_tables", "gate_tables", "dbt_build", "gate_models", "maintain_lake")


def _pinged_redis() -> redis.Redis:
    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3)
    client.ping()
    return client


@pytest.fixture
def databases() -> Iterator[dict[str, str]]:
    """Fresh, uniquely named PostgreSQL databases for Airflow, the lake catalog and the catalog store."""
    require_service("PostgreSQL (127.0.0.1:5432)", lambda: psycopg.connect(POSTGRES_DSN))
    suffix = uuid.uuid4().hex[:8]
    names = {role: f"blocklake_{role}_{suffix}" for role in ("airflow", "lake", "catalog")}
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        for name in names.values():
            con.execute(f"CREATE DATABASE {name}")
    try:
        yield names
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
            for name in names.values():
                con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def queue() -> Iterator[str]:
    """A Celery queue of this run alone, so that no message left in Redis by another run reaches its workers."""
    require_service("Redis (127.0.0.1:6379)", _pinged_redis)
    name = f"blocklake-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = _pinged_redis()
    try:
        left = list(client.scan_iter(match=f"*{name}*"))  # the queue and kombu's bindings of it
        if left:
            client.delete(*left)
    finally:
        client.close()


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    name = f"cluster-lake-{uuid.uuid4().hex[:8]}"
    Minio(s3_server.endpoint, access_key=s3_server.access_key, secret_key=s3_server.secret_key,
          secure=False).make_bucket(name)
    return name


def cluster_environment(home: dict[str, str], databases: dict[str, str], queue: str, bucket: str,
                        s3: S3Server) -> dict[str, str]:
    """The profile's settings, over a home's; no AIRFLOW__* inherited from this process (Airflow tests that ran
    in it may have left theirs), so the launcher alone decides Airflow's configuration."""
    server = conninfo_to_dict(POSTGRES_DSN)
    host, port, user = server.get("host", "127.0.0.1"), server.get("port", "5432"), server.get("user", "postgres")
    url = f"postgresql+psycopg://{user}@{host}:{port}/"
    return {**{name: value for name, value in home.items() if not name.startswith("AIRFLOW")},
            "BLOCKLAKE_LAKE_CATALOG": f"postgres:dbname={databases['lake']} host={host} port={port} user={user}",
            "BLOCKLAKE_LAKE_DATA_PATH": f"s3://{bucket}/lake/",
            "BLOCKLAKE_S3_ENDPOINT": s3.endpoint,
            "BLOCKLAKE_S3_ACCESS_KEY": s3.access_key,
            "BLOCKLAKE_S3_SECRET_KEY": s3.secret_key,
            "BLOCKLAKE_CATALOG_DB": url + databases["catalog"],
            "BLOCKLAKE_CATALOG_PORT": str(free_port()),
            "BLOCKLAKE_CLUSTER_AIRFLOW_DB": url + databases["airflow"],
            "BLOCKLAKE_CLUSTER_BROKER_URL": BROKER_URL,
            "BLOCKLAKE_CLUSTER_API_PORT": str(free_port()),
            "BLOCKLAKE_CLUSTER_QUEUE": queue,
            "BLOCKLAKE_CLUSTER_WORKERS": str(WORKERS),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False"}


class Launcher:
    """``blocklake cluster`` in the background, as an operator runs it in a terminal; SIGTERM is its Ctrl-C."""

    def __init__(self, env: dict[str, str], output: Path):
        self.output = output
        with output.open("wb") as out:
            self.process = subprocess.Popen([BLOCKLAKE, "cluster"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_until_up(self) -> None:
        wait_until(self._up, STARTUP_TIMEOUT_S, "`blocklake cluster` to report the cluster up")

    def _up(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"`blocklake cluster` exited with {self.process.returncode}:\n{self.text()[-4000:]}")
        return "Blocklake cluster is up" in self.text()

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> list[str]:
        """Ctrl-C the launcher and wait; kill and return whatever it left running (nothing, if it works)."""
        family = _descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        left = [process for process in family if _alive(process)]
        described = [_describe(process) for process in left]
        for process in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(left, timeout=30)
        return described


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _describe(process: psutil.Process) -> str:
    try:
        return f"{process.pid} {' '.join(process.cmdline())[:200]}"
    except psutil.Error:
        return str(process.pid)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@dataclass(frozen=True)
class TaskRun:
    dag_id: str
    task_id: str
    hostname: str
    state: str
    try_number: int
    start: datetime
    end: datetime

    @property
    def writes_lake(self) -> bool:
        return self.task_id.startswith(LAKE_WRITERS)


def task_runs(metadata: AirflowMetadata) -> list[TaskRun]:
    rows = metadata.rows("SELECT dag_id, task_id, hostname, state, try_number, start_date, end_date "
                         "FROM task_instance WHERE start_date IS NOT NULL")
    return [TaskRun(*row) for row in rows]


def overlapping_writers(runs: list[TaskRun]) -> list[tuple[TaskRun, TaskRun]]:
    """Pairs of lake-writing tasks that ran at the same time on different workers."""
    writers = [run for run in runs if run.writes_lake and run.end is not None]
    return [(a, b) for a, b in combinations(writers, 2)
            if a.hostname != b.hostname and a.start < b.end and b.start < a.end]


def test_the_cluster_profile_runs_the_tiny_district_like_one_machine(
        district: Path, clean_run: dict[str, object], databases: dict[str, str], queue: str, bucket: str,
        s3_server: S3Server, tmp_path: Path) -> None:
    env = cluster_environment(home_with(district, tmp_path / "home"), databases, queue, bucket, s3_server)
    workers = {component.node for component in plan(["worker"], ClusterSettings(workers=WORKERS))}
    metadata = AirflowMetadata(env["BLOCKLAKE_CLUSTER_AIRFLOW_DB"])
    clock = time.monotonic()
    launcher = Launcher(env, tmp_path / "blocklake-cluster.out")
    try:
        launcher.wait_until_up()
        started_s = time.monotonic() - clock
        quiet_since: list[float] = []
        wait_until(lambda: pipeline_done(metadata, quiet_since), PIPELINE_TIMEOUT_S, "the pipeline to finish")
        pipeline_s = time.monotonic() - clock - started_s
        runs = task_runs(metadata)
        builds, build_runs = base_layer_builds(metadata)
        failed_runs = metadata.rows("SELECT dag_id, run_id FROM dag_run WHERE state = 'failed'")
        with urllib.request.urlopen(f"http://127.0.0.1:{env['BLOCKLAKE_CATALOG_PORT']}/", timeout=30) as page:
            catalog_status = page.status
    finally:
        left_running = launcher.stop()
    ran = [run for run in runs if run.hostname]  # skipped by a trigger rule: never sent to a worker
    per_worker = {host: sum(run.hostname == host for run in ran) for host in sorted({run.hostname for run in ran})}
    overlaps = overlapping_writers(ran)
    print(f"\nstarted in {started_s:.0f} s, pipeline done in {pipeline_s:.0f} s (incl. {QUIET_FOR_S} s quiet); "
          f"tasks per worker {per_worker}; {len(overlaps)} pairs of lake writers overlapped across workers, e.g. "
          + "; ".join(f"{a.dag_id}.{a.task_id} ∥ {b.dag_id}.{b.task_id}" for a, b in overlaps[:3])
          + f"; {builds} base-layer builds from {build_runs} build_block_base runs")
    assert launcher.process.returncode == 0, launcher.text()[-4000:]
    assert left_running == [], "the launcher must stop every process it started"
    assert failed_runs == []
    logs = f"task logs under {env['BLOCKLAKE_HOME']}/airflow/logs"  # a failed dbt_build fails no run: gates follow
    assert [(r.dag_id, r.task_id, r.state) for r in runs if r.state not in ("success", "skipped")] == [], logs
    assert [(r.dag_id, r.task_id, r.try_number) for r in runs if r.try_number > 1] == [], f"no retry; {logs}"
    assert set(per_worker) == workers, "every task ran on a Celery worker, and both workers ran tasks"
    assert {run.hostname for run in runs if run.state == "success"} == workers
    assert overlaps, "lake writers ran at the same time on both workers"
    assert catalog_status == 200
    assert 1 <= builds <= 2, f"one ingestion round coalesces into at most two builds, not {builds}"
    assert figures(env) == clean_run
