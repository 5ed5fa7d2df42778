"""Item 15 of the reliability suite: everything restarted mid-pipeline. The tiny district runs under the
real Airflow scheduler (``airflow standalone``) with the catalog server beside it; once some tables are
published, both are SIGKILLed with every process they started, then started again. The scheduler finds
the orphaned tasks and runs them again, and what consumers see at the end — every published table's
rows and content, the headline figures, the directory's statistics, the bundles delivered — equals a
clean run's (``blocklake run``) on the same district."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from blocklake import ui
from blocklake.settings import PROJECT_ROOT, get_settings
from ingestion.synthetic import GenerateConfig, generate
from tests.conftest import free_port
from tests.reliability.tally import TALLY

pytestmark = pytest.mark.full
BLOCKLAKE = str(Path(sys.executable).with_name("blocklake"))
QUIET_FOR_S = 45  # no DAG run queued or running for this long: the pipeline is done
PIPELINE_TIMEOUT_S = 1800
# Fast detection of the killed scheduler's tasks; the defaults (minutes) suit production, not a test.
RECOVERY = {"AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "15",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "15",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False"}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = tmp_path_factory.mktemp("district") / "sources"
    generate(GenerateConfig(out_dir=sources, scale="tiny", seed=440305), progress=lambda message: None)
    return sources


def home_with(district: Path, home: Path) -> dict[str, str]:
    shutil.copytree(district, home / "sources")
    as_of = json.loads((district / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    return {**os.environ, "BLOCKLAKE_HOME": str(home), "BLOCKLAKE_SCALE": "tiny", "BLOCKLAKE_AS_OF": as_of}


def figures(env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-m", "tests.reliability.pipeline_figures", "--deliver"], env=env,
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def clean_run(district: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    env = home_with(district, tmp_path_factory.mktemp("clean"))
    result = subprocess.run([BLOCKLAKE, "run", "--scale", "tiny", "--no-serve"], env=env, capture_output=True,
                            text=True, timeout=1800, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return figures(env)


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
    with sqlite3.connect(f"file:{airflow_db(env)}?mode=ro", uri=True, timeout=30) as con:
        return con.execute(sql).fetchall()


def published_gates(env: dict[str, str]) -> int:
    return states(env, "SELECT count(*) FROM task_instance WHERE task_id LIKE 'gate_%' AND state = 'success'")[0][0]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(3)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def pipeline_done(env: dict[str, str], quiet_since: list[float]) -> bool:
    """Every ingest run has finished, the base layer was built after the last publication, nothing is
    queued or running (assets included), and it has stayed so for QUIET_FOR_S."""
    busy = states(env, "SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')")[0][0] \
        + states(env, "SELECT count(*) FROM asset_dag_run_queue")[0][0]
    ingests = states(env, "SELECT count(*), sum(state = 'success') FROM dag_run WHERE dag_id LIKE 'ingest_%'")[0]
    builds = states(env, "SELECT count(*) FROM dag_run WHERE dag_id = 'build_block_base' AND state = 'success'")[0][0]
    if busy or not builds or not ingests[0]:
        quiet_since.clear()
        return False
    if not quiet_since:
        quiet_since.append(time.monotonic())
    return time.monotonic() - quiet_since[0] >= QUIET_FOR_S


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
        wait_until(lambda: pipeline_done(env, quiet_since), PIPELINE_TIMEOUT_S, "the pipeline to finish")
        failed = states(env, "SELECT dag_id, run_id FROM dag_run WHERE state = 'failed'")
    finally:
        stack.stop()
    print(f"killed {killed} processes with {interrupted} task(s) running or queued")
    assert failed == []
    restarted = figures(env)
    expected = sum(count for count, _ in clean_run["published"].values())
    TALLY.rows(expected, sum(count for count, _ in restarted["published"].values()))
    assert restarted == clean_run
