"""Following a pipeline that the real Airflow scheduler runs, and comparing what it left with a clean run's.

Used by the tests that run the tiny district under a scheduler (``airflow standalone`` in the restart test,
the Celery cluster in ``tests/cluster``): they generate the district once, run it cleanly with ``blocklake
run`` for the reference figures, read Airflow's metadata DB (SQLite or PostgreSQL) until the pipeline is
done, and compare ``tests.reliability.pipeline_figures --deliver`` of both homes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from blocklake.settings import PROJECT_ROOT
from synthetic import GenerateConfig, generate

BLOCKLAKE = str(Path(sys.executable).with_name("blocklake"))
QUIET_FOR_S = 45  # no DAG run queued or running for this long: the pipeline is done
# A scheduled base-layer build waits for this much quiet after the last publication (60 s by default);
# shorter here to keep the tests' wall time, long enough that one ingestion round coalesces.
BUILD_QUIET_S = "30"
CLEAN_RUN_TIMEOUT_S = 1800


def generate_district(root: Path) -> Path:
    """The tiny synthetic district's source systems under ``root/sources``."""
    sources = root / "sources"
    generate(GenerateConfig(out_dir=sources, scale="tiny", seed=440305), progress=lambda message: None)
    return sources


def home_with(district: Path, home: Path) -> dict[str, str]:
    """The environment of a fresh home holding a copy of ``district``, judged at the district's own date."""
    shutil.copytree(district, home / "sources")
    as_of = json.loads((district / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    return {**os.environ, "BLOCKLAKE_HOME": str(home), "BLOCKLAKE_SCALE": "tiny", "BLOCKLAKE_AS_OF": as_of,
            "BLOCKLAKE_BUILD_QUIET_S": BUILD_QUIET_S}


def figures(env: dict[str, str]) -> dict[str, object]:
    """What the finished pipeline of ``env``'s home shows consumers (tests.reliability.pipeline_figures)."""
    result = subprocess.run([sys.executable, "-m", "tests.reliability.pipeline_figures", "--deliver"], env=env,
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def clean_run_figures(district: Path, home: Path) -> dict[str, object]:
    """The reference: ``blocklake run`` (embedded, one DAG at a time) on a copy of ``district``."""
    env = home_with(district, home)
    result = subprocess.run([BLOCKLAKE, "run", "--scale", "tiny", "--no-serve"], env=env, capture_output=True,
                            text=True, timeout=CLEAN_RUN_TIMEOUT_S, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return figures(env)


class AirflowMetadata:
    """Queries on Airflow's metadata DB by its SQLAlchemy URL; a connection per query, so that nothing of
    ours holds the database open when the test drops it."""

    def __init__(self, url: str, **connect_args: Any):
        self.engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)

    @classmethod
    def sqlite_read_only(cls, path: Path) -> AirflowMetadata:
        # A scheduler writing at the same moment locks the file: wait for it rather than fail the poll.
        return cls(f"sqlite:///file:{path}?mode=ro&uri=true", timeout=30)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as con:
            return [tuple(row) for row in con.execute(text(sql)).fetchall()]

    def value(self, sql: str) -> Any:
        return self.rows(sql)[0][0]


def base_layer_builds(metadata: AirflowMetadata) -> tuple[int, int]:
    """(builds that ran, build_block_base runs): a run whose publications an earlier build covered skips
    its ``dbt_build``."""
    ran = metadata.value("SELECT count(*) FROM task_instance WHERE dag_id = 'build_block_base' "
                         "AND task_id = 'dbt_build' AND state <> 'skipped' AND start_date IS NOT NULL")
    runs = metadata.value("SELECT count(*) FROM dag_run WHERE dag_id = 'build_block_base'")
    return ran, runs


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(3)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def pipeline_done(metadata: AirflowMetadata, quiet_since: list[float]) -> bool:
    """Every ingest run has finished, the base layer was built after the last publication, nothing is
    queued or running (assets included), and it has stayed so for QUIET_FOR_S."""
    busy = metadata.value("SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')") \
        + metadata.value("SELECT count(*) FROM asset_dag_run_queue")
    ingests = metadata.rows("SELECT count(*), count(*) FILTER (WHERE state = 'success') FROM dag_run "
                            "WHERE dag_id LIKE 'ingest_%'")[0]
    builds = metadata.value("SELECT count(*) FROM dag_run WHERE dag_id = 'build_block_base' AND state = 'success'")
    if busy or not builds or not ingests[0]:
        quiet_since.clear()
        return False
    if not quiet_since:
        quiet_since.append(time.monotonic())
    return time.monotonic() - quiet_since[0] >= QUIET_FOR_S
