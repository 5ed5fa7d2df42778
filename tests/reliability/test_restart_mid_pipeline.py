"""Item 15 of the reliability suite: everything restarted mid-pipeline. The tiny district runs under the
real Airflow scheduler (``airflow standalone``) with the catalog server beside it; once some tables are
published, both are SIGKILLed with every process they started, then started again. The scheduler finds
the orphaned tasks and runs them again, and what consumers see at the end — every published table's
rows and content, the headline figures, the directory's statistics, the bundles delivered — equals a
clean run's (``blocklake run``) on the same district."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from pathlib import Path

import psutil
import pytest

from blocklake.settings import get_settings
from orchestration import ui
from tests.conftest import free_port
from tests.pipeline_following import (
    BLOCKLAKE,
    AirflowMetadata,
    figures,
    home_with,
    pipeline_done,
    wait_until,
)
from tests.reliability.tally import TALLY

pytestmark = pytest.mark.full
PIPELINE_TIMEOUT_S = 1800
# Fast detection of the killed scheduler's tasks; the defaults (minutes) suit production, not a test.
RECOVERY = {"AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "15",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "15",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False"}


class Stack:
    """Airflow standalone and the catalog server of one home, started and killed together."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.airflow_port, self.catalog_port = free_port(), free_port()
        self.airflow: ui.RunningAirflow | None = None
        self.catalog: subprocess.Popen[bytes] | None = None

    def start(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        self.airflow = ui.start(self.airflow_port, settings=get_settings())
        self.catalog = subprocess.Popen([BLOCKLAKE, "catalog", "--port", str(self.catalog_port)], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> int:
        """SIGKILL both and every process they started, as a power cut would; returns how many died."""
        roots = [p.pid for p in (self.airflow.process if self.airflow else None, self.catalog) if p]
        victims = [psutil.Process(pid) for pid in roots if psutil.pid_exists(pid)]
        victims += [child for parent in list(victims) for child in parent.children(recursive=True)]
        for process in victims:
            with contextlib.suppress(psutil.NoSuchProcess):  # already gone with its parent
                process.send_signal(signal.SIGKILL)
        psutil.wait_procs(victims, timeout=30)
        return len(victims)

    def stop(self) -> None:
        if self.airflow:
            self.airflow.stop()
        if self.catalog:
            self.catalog.terminate()
            self.catalog.wait(timeout=30)


def airflow_db(env: dict[str, str]) -> Path:
    return Path(env["BLOCKLAKE_HOME"]) / "airflow" / "airflow.db"


def states(env: dict[str, str], sql: str) -> list[tuple]:
    return AirflowMetadata.sqlite_read_only(airflow_db(env)).rows(sql)


def published_gates(env: dict[str, str]) -> int:
    return states(env, "SELECT count(*) FROM task_instance WHERE task_id LIKE 'gate_%' AND state = 'success'")[0][0]


def test_restarting_airflow_and_the_catalog_mid_pipeline_ends_with_a_clean_runs_figures(
        district: Path, clean_run: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**home_with(district, tmp_path / "restarted"), **RECOVERY}
    stack = Stack(env)
    stack.start(monkeypatch)
    try:
        wait_until(lambda: published_gates(env) >= 3, 900, "the first three tables to be published")
        killed = stack.kill()
        TALLY.add("faults_injected")
        assert killed >= 4, "standalone, its components and the catalog server"
        interrupted = states(env, "SELECT count(*) FROM task_instance WHERE state IN ('running', 'queued')")[0][0]
        stack.start(monkeypatch)
        quiet_since: list[float] = []
        metadata = AirflowMetadata.sqlite_read_only(airflow_db(env))
        wait_until(lambda: pipeline_done(metadata, quiet_since), PIPELINE_TIMEOUT_S, "the pipeline to finish")
        failed = states(env, "SELECT dag_id, run_id FROM dag_run WHERE state = 'failed'")
    finally:
        stack.stop()
    print(f"killed {killed} processes with {interrupted} task(s) running or queued")
    assert failed == []
    restarted = figures(env)
    expected = sum(count for count, _ in clean_run["published"].values())
    TALLY.rows(expected, sum(count for count, _ in restarted["published"].values()))
    assert restarted == clean_run
