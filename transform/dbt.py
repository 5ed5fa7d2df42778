"""Run dbt (dbt-duckdb) against the lake as a subprocess: the transform stage of the pipeline.

dbt runs in its own process so a model's memory and a dbt crash stay out of the Airflow worker, and
so its CLI output is what the task log shows. The profile reads the lake's location from variables
exported here, derived from Blocklake's settings — one source of truth for where the lake is.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from blocklake.errors import BlocklakeError
from blocklake.settings import Settings, get_settings

log = logging.getLogger(__name__)


class TransformError(BlocklakeError):
    """``dbt`` ended with a failure; the message carries the tail of its output."""


@dataclass(frozen=True)
class DbtResult:
    command: list[str]
    output: str
    target_path: Path

    def counts(self) -> dict[str, int]:
        """Node results by status (pass, success, error, fail, skipped, warn) from run_results.json."""
        results = json.loads((self.target_path / "run_results.json").read_text(encoding="utf-8"))["results"]
        return dict(Counter(str(result["status"]) for result in results))


def dbt_environment(settings: Settings) -> dict[str, str]:
    work = settings.dbt_work_path
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    catalog = settings.lake_catalog_uri
    if catalog.startswith("sqlite:"):
        catalog = f"sqlite:{Path(catalog.removeprefix('sqlite:')).resolve()}"
    data_path = settings.lake_data_uri if settings.lake_on_s3 else f"{Path(settings.lake_data_uri).resolve()}/"
    return {
        "DBT_PROFILES_DIR": str(settings.dbt_project_path),
        "DBT_PROJECT_DIR": str(settings.dbt_project_path),
        "DBT_TARGET_PATH": str(target_path(settings)),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        "BLOCKLAKE_DBT_LAKE_CATALOG": catalog,
        "BLOCKLAKE_DBT_LAKE_DATA_PATH": data_path,
        "BLOCKLAKE_DBT_TEMP_DIR": str(work / "tmp"),
        "BLOCKLAKE_DBT_MEMORY_LIMIT": settings.dbt_memory_limit,
        "BLOCKLAKE_AS_OF": settings.as_of.isoformat() if settings.as_of else "",
    }


def target_path(settings: Settings | None = None) -> Path:
    """Where dbt writes manifest.json and run_results.json for this lake."""
    return (settings or get_settings()).dbt_target_path


def run_dbt(arguments: Sequence[str], *, settings: Settings | None = None) -> DbtResult:
    """Run ``dbt <arguments>``; raise :class:`TransformError` with the tail of the output on failure.

    Each output line is logged as it comes (in an Airflow task: the task log), so a long build shows progress.
    """
    settings = settings or get_settings()
    command = [str(Path(sys.executable).with_name("dbt")), *arguments]
    env = {**os.environ, **dbt_environment(settings)}
    process = subprocess.Popen(command, cwd=settings.dbt_project_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        log.info("dbt: %s", line.rstrip())
    output = "".join(lines)
    if process.wait() != 0:
        raise TransformError(f"`dbt {' '.join(arguments)}` failed:\n{''.join(lines[-40:])}")
    return DbtResult(command=command, output=output, target_path=Path(env["DBT_TARGET_PATH"]))


def build_published(settings: Settings | None = None, *, full_refresh: bool = False,
                    publication_snapshot: int | None = None) -> tuple[DbtResult, list[str]]:
    """``dbt build`` of every model whose raw sources have each been published at least once; returns
    the result and the raw tables still waiting for a first publication. ``full_refresh`` rebuilds the
    incremental models (the staging models, the address match cache) from nothing.

    ``publication_snapshot`` pins what the build reads: the publications in force at that lake snapshot,
    for every model (published_source), so a publication landing mid-build waits for the next build.

    The build runs whenever any table is published. On a district's first day most tables are not yet,
    and a model over a table that never passed its gate cannot be built: those models and their
    dependants wait for a later build (named in the log) instead of failing this one.
    """
    settings = settings or get_settings()
    waiting = never_published(settings, publication_snapshot)
    arguments = ["build", *(["--full-refresh"] if full_refresh else [])]
    if publication_snapshot is not None:
        arguments += ["--vars", json.dumps({"publication_snapshot": publication_snapshot})]
    names = [f"{department}__{table}" for department, table in waiting]
    if waiting:
        log.info("waiting for a first publication (their models are not built yet): %s", ", ".join(names))
        # dbt's source for a registry table is named <department>.<table> (models/staging/<department>/).
        arguments += ["--exclude", *(f"source:{department}.{table}+" for department, table in waiting),
                      # dbt's graph selection leaves a model's unit tests in, and they need the source
                      # table to exist; they run with the next build that has every source.
                      "test_type:unit"]
    return run_dbt(arguments, settings=settings), names


def never_published(settings: Settings, at: int | None = None) -> list[tuple[str, str]]:
    """Registry tables (department, table) the quality gate has never published (by lake snapshot ``at``)."""
    from blocklake import lake
    from blocklake.published import published_snapshots
    from blocklake.registry import load_registry, raw_table_name

    con = lake.connect(settings, read_only=True)
    try:
        published = set(published_snapshots(con, at))
    finally:
        con.close()
    registry = load_registry(settings.registry_dir)
    return [(dept.code, table.name) for dept in registry.departments.values() for table in dept.tables
            if f"raw.{raw_table_name(dept, table)}" not in published]
