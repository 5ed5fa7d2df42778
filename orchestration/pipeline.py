"""``blocklake run`` / ``make run``: the whole embedded pipeline, through the real Airflow DAGs.

Installs the DuckDB extensions, generates the synthetic district if it is missing, prepares Airflow's
metadata database, runs every ``ingest_<department>`` DAG (load, then quality gate, per table) and
then ``build_block_base`` (dbt, then the gate of its models) with ``dag.test()``, and prints a summary
read back from the lake's own load ledger and the gate's record, with the HTML quality report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from blocklake import extensions, lake, published_script
from blocklake.errors import BlocklakeError
from blocklake.settings import Settings, get_settings
from catalog.keys import admin_key_notice, ensure_admin_key
from catalog.server import url as catalog_url
from orchestration import airflow_env
from orchestration.headlines import headline_figures
from quality.report import write_report
from quality.store import has_gate_record

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DAG


@dataclass(frozen=True)
class RunSummary:
    departments: int
    tables: int
    records: int
    failed: list[str]
    seconds: float
    headlines: dict[str, float | int | None]
    published: int
    blocked: list[str]
    mean_score: float | None
    report: Path
    directory: dict[str, float | int | None]
    exports: dict[str, int]
    ops_report: Path | None


def run_pipeline(scale: str | None = None, regenerate: bool = False) -> int:
    settings = get_settings()
    scale = scale or settings.scale
    started_at, clock = datetime.now(UTC), time.monotonic()
    _step("DuckDB extensions", lambda: extensions.install_all())
    _step(f"synthetic district ({scale})", lambda: ensure_sources(settings, scale, regenerate=regenerate))
    _step("as-of date", lambda: pin_as_of(settings))
    settings = get_settings()
    _step("dbt project from the registry", lambda: write_generated(settings))
    _step("Airflow metadata database", lambda: prepare_airflow(settings))
    failed_dags = run_dags()
    summary = summarize(settings, started_at, time.monotonic() - clock)
    _print_summary(settings, summary)
    print("\n".join(admin_key_notice(ensure_admin_key(settings), catalog_url())))
    return 1 if failed_dags or summary.failed or summary.blocked else 0


def ensure_sources(settings: Settings, scale: str, *, regenerate: bool) -> str:
    manifest = settings.sources_path / "manifest.json"
    if manifest.exists() and not regenerate:
        existing = json.loads(manifest.read_text(encoding="utf-8"))
        if existing.get("scale") == scale and existing.get("seed") == settings.seed:
            return f"present ({existing.get('total_rows', 0):,} records)"
    from synthetic import GenerateConfig, generate

    report = generate(GenerateConfig(out_dir=settings.sources_path, scale=scale, seed=settings.seed),
                      progress=lambda message: print(f"      {message}", flush=True))
    return f"generated {report.total_rows:,} records in {report.seconds:.0f}s"


def write_generated(settings: Settings) -> str:
    """The dbt files the registry decides (sources, staging models of tables nobody wrote one for, the
    mention lists), so a department just added to the registry is built with the rest."""
    from blocklake.registry import load_registry
    from transform import generated

    written = generated.write_all(load_registry(settings.registry_dir))
    return f"{len(written)} files rewritten in {settings.dbt_project_path}" if written else "up to date"


def pin_as_of(settings: Settings) -> str:
    """Ages, deadlines and freshness are judged at the synthetic district's own date unless
    BLOCKLAKE_AS_OF says otherwise: its records stop on the day it was generated for."""
    if settings.as_of is not None:
        return f"{settings.as_of} (BLOCKLAKE_AS_OF)"
    manifest = json.loads((settings.sources_path / "manifest.json").read_text(encoding="utf-8"))
    os.environ["BLOCKLAKE_AS_OF"] = manifest["as_of"]
    get_settings.cache_clear()
    return f"{manifest['as_of']} (the synthetic district's date)"


def prepare_airflow(settings: Settings) -> str:
    """Migrate Airflow's metadata DB and create the lake writers' pool (idempotent)."""
    env = {**os.environ, **airflow_env.configure(settings), "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}
    airflow = str(Path(sys.executable).with_name("airflow"))
    for command in (["db", "migrate"],
                    ["pools", "set", airflow_env.LAKE_WRITER_POOL, "1", "SQLite 目录的湖一次只允许一个写入者"]):
        result = subprocess.run([airflow, *command], env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BlocklakeError(f"`airflow {' '.join(command)}` failed:\n{result.stderr[-2000:]}")
    return f"ready under {env['AIRFLOW_HOME']}"


def dag_bag() -> DagBag:
    """Blocklake's DAGs, parsed in this process (for ``dag.test()``)."""
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    from airflow.dag_processing.dagbag import DagBag

    # Airflow's in-process test client warns about its own dependencies; not ours to act on, and it
    # would break the progress lines. Set after the import: Airflow resets warning filters on start.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    # The standard provider's sensor (build_block_base.settle) imports a helper Airflow 3.3 moved.
    warnings.filterwarnings("ignore", message="The `airflow.utils.operator_helpers.determine_kwargs`")
    bag = DagBag(dag_folder=str(airflow_env.DAGS_FOLDER))
    if bag.import_errors:
        raise BlocklakeError(f"DAG import errors: {bag.import_errors}")
    return bag


def run_dags() -> list[str]:
    """Run every ingest DAG, then the base-layer build, once each with dag.test(); returns the failed ids."""
    bag = dag_bag()
    # dag.test() does not follow Asset schedules: run the consumer explicitly after its producers.
    dag_ids = [*sorted(dag_id for dag_id in bag.dags if dag_id.startswith("ingest_")), "build_block_base",
               "export_bundles", "ops_report"]
    failed = []
    for number, dag_id in enumerate(dag_ids, start=1):
        if dag_id == "export_bundles":
            _step("demo sharing applications", _demo_applications)
            _step("demo verification: civil affairs' annual review (低保年审)", _demo_review)
        clock = time.monotonic()
        print(f"[{number:>2}/{len(dag_ids)}] {dag_id:<20} ", end="", flush=True)
        run = _test(bag.dags[dag_id], alone=number > 1)
        state = str(getattr(run, "state", "unknown"))
        print(f"{state:<8} {time.monotonic() - clock:6.1f}s", flush=True)
        if state != "success":
            failed.append(dag_id)
    return failed


def _test(dag: DAG, *, alone: bool, **arguments: object) -> object:
    """``dag.test()``; ``alone``: with Airflow's parsing context naming the DAG. dag.test() parses the DAG
    folder again and writes what it found to Airflow's database on every call; with the context our DAG
    file builds only this DAG (dag_factory.build_dags), not all of a bureau's hundred. The first call of
    a run must write them all: the department Assets the ingest DAGs announce exist in the database only
    as the base-layer build's schedule."""
    from airflow.sdk.definitions.context import _AIRFLOW_PARSING_CONTEXT_DAG_ID as CONTEXT

    previous = os.environ.get(CONTEXT)
    if alone:
        os.environ[CONTEXT] = dag.dag_id
    try:
        return dag.test(**arguments)
    finally:
        if previous is None:
            os.environ.pop(CONTEXT, None)
        else:
            os.environ[CONTEXT] = previous


def run_build(*, full_refresh: bool) -> int:
    """``blocklake build``: the base-layer build DAG once, now (dbt, the gate of its models, the directory)."""
    _step("as-of date", lambda: pin_as_of(get_settings()))  # as `blocklake run` judges ages and deadlines
    settings = get_settings()
    _step("dbt project from the registry", lambda: write_generated(settings))
    _step("Airflow metadata database", lambda: prepare_airflow(settings))
    clock = time.monotonic()
    run = _test(dag_bag().dags["build_block_base"], alone=False, run_conf={"full_refresh": full_refresh})
    state = str(getattr(run, "state", "unknown"))
    print(f"build_block_base ({'full refresh' if full_refresh else 'incremental'}): {state} in "
          f"{time.monotonic() - clock:.1f}s")
    return 0 if state == "success" else 1


def _demo_applications() -> str:
    from catalog.demo import subscribe_now

    return f"{subscribe_now()} filed"


def _demo_review() -> str:
    from catalog.demo import civil_review

    return civil_review(get_settings())


def summarize(settings: Settings, since: datetime, seconds: float) -> RunSummary:
    con = lake.connect(settings, read_only=True)
    try:
        rows = con.execute(
            "SELECT department, table_name, outcome, rows_inserted FROM lake.meta.loads WHERE started_at >= ?",
            [since],
        ).fetchall()
        headlines = headline_figures(con)
        verdicts = con.execute(
            "SELECT table_name, arg_max(outcome, validated_at), arg_max(score, validated_at) "
            "FROM lake.quality.scores WHERE validated_at >= ? GROUP BY table_name", [since]
        ).fetchall() if has_gate_record(con) else []
        report = write_report(con, settings.home / "reports" / "quality.html")
    finally:
        con.close()
    succeeded = [row for row in rows if row[2] == "succeeded"]
    failed = sorted({f"{d}.{t}" for d, t, outcome, _ in rows if outcome == "failed"}
                    - {f"{d}.{t}" for d, t, _, _ in succeeded})
    return RunSummary(
        departments=len({row[0] for row in succeeded}),
        tables=len({(row[0], row[1]) for row in succeeded}),
        records=sum(row[3] or 0 for row in succeeded),
        failed=failed,
        seconds=seconds,
        headlines=headlines,
        published=sum(outcome == "published" for _, outcome, _ in verdicts),
        blocked=sorted(table for table, outcome, _ in verdicts if outcome == "blocked"),
        mean_score=sum(score for *_, score in verdicts) / len(verdicts) if verdicts else None,
        report=report,
        directory=directory_figures(),
        exports=export_figures(),
        ops_report=_ops_report(),
    )


def _ops_report() -> Path | None:
    """Written by the ``ops_report`` DAG, the run's last."""
    path = get_settings().home / "reports" / "ops.html"
    return path if path.is_file() else None


def directory_figures() -> dict[str, float | int | None]:
    """The catalog's headline: resources, source units, record sharing rate (empty before a refresh)."""
    from catalog import db, stats

    with db.session() as session:
        total = stats.current(session)["all"].get("*")
    if total is None:
        return {}
    return {"resources": total.resources, "source_units": total.source_units, "sharing_rate": total.sharing_rate}


def export_figures() -> dict[str, int]:
    """Bundles delivered so far, to how many consumers, with how many rows."""
    from sqlalchemy import func, select

    from catalog import db
    from catalog.models import Export

    with db.session() as session:
        bundles, consumers, rows = session.execute(
            select(func.count(), func.count(func.distinct(Export.consumer_id)), func.coalesce(func.sum(Export.rows), 0))
            .where(Export.unchanged.is_(False))).one()
    # PostgreSQL sums a BIGINT column as NUMERIC (a Decimal in Python); SQLite as an integer.
    return {"bundles": bundles, "consumers": consumers, "rows": int(rows)}


def _step(title: str, action) -> None:
    print(f"==> {title} ... ", end="", flush=True)
    clock = time.monotonic()
    status = action()
    if isinstance(status, list):
        status = ", ".join(status) or "already installed"
    print(f"{status} ({time.monotonic() - clock:.1f}s)", flush=True)


def _print_summary(settings: Settings, summary: RunSummary) -> None:
    catalog, data = settings.lake_catalog_uri, settings.lake_data_uri
    print()
    print(f"Blocklake: {summary.departments} departments, {summary.tables} tables, "
          f"{summary.records:,} records loaded into the lake in {summary.seconds:.0f}s")
    if summary.failed:
        print(f"FAILED loads: {', '.join(summary.failed)} (see lake.meta.loads and the Airflow logs)")
    if summary.mean_score is not None:
        print(f"Quality gate: {summary.published} tables published, {len(summary.blocked)} blocked "
              f"(previous version kept), mean score {summary.mean_score:.1f}")
    if summary.blocked:
        print(f"BLOCKED by the quality gate: {', '.join(summary.blocked)} (see the report and lake.quality.results)")
    if summary.directory:
        rate = summary.directory["sharing_rate"]
        print(f"Directory: {summary.directory['resources']} resources from {summary.directory['source_units']} "
              f"source units, record sharing rate {rate:.4f}" if rate is not None else "")
    if summary.exports.get("bundles"):
        print(f"Exports: {summary.exports['bundles']} bundles to {summary.exports['consumers']} consumers, "
              f"{summary.exports['rows']:,} rows (masked; street offices get their own street's rows)")
    built = {name: value for name, value in summary.headlines.items() if value is not None}
    if built:
        print("Block base: " + ", ".join(f"{name} {value:,}" for name, value in built.items()))
    print(f"  lake catalog : {catalog}")
    print(f"  lake data    : {data}")
    print("  load ledger  : SELECT * FROM lake.meta.loads ORDER BY started_at DESC")
    print("  query it     : .venv/bin/blocklake sql \"SELECT raw_table, rows_inserted FROM lake.meta.loads\"")
    if (views := published_script.script_path(settings)).exists():
        print(f"  any DuckDB   : {views} (the published tables, read-only: `duckdb -init` it, or run it in "
              "Python's duckdb — README, Querying the lake)")
    if settings.lineage_transport == "file":
        print(f"  lineage      : {airflow_env.events_file(settings)} (OpenLineage events)")
    print(f"  quality      : {summary.report}")
    if summary.exports.get("bundles"):
        print(f"  exports      : {settings.exports_path}")
    if summary.ops_report:
        print(f"  operations   : {summary.ops_report}")
    print(f"  catalog      : {catalog_url()} (API docs: {catalog_url()}docs)")
    print("  Airflow UI   : make ui")
