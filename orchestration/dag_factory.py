"""Build Airflow DAGs from the source registry: one ``ingest_<department>`` DAG per department,
``build_block_base``, which runs dbt once publications settle (one build per ingestion round, not one
per department: transform.builds), ``export_bundles``, which
delivers the bundles due whenever the directory is refreshed (and hourly, for new approvals),
``ops_report`` and ``lake_maintenance``.

Every write is followed by its quality gate (write-audit-publish): ``load_<table> >> gate_<table>``
and ``dbt_build >> gate_models``. Only the gate emits the Asset, so downstream runs on published data.

Imported by the thin files in ``dags/`` at parse time, so it imports only the registry (YAML and
pydantic) and Airflow's SDK; DuckDB and the extractors load inside the task when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from airflow.sdk import DAG, Asset, AssetAlias, AssetAny, get_parsing_context, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from blocklake.registry import Department, Registry, TableSpec, load_registry, raw_table_name
from blocklake.settings import get_settings
from orchestration.airflow_env import LAKE_WRITER_POOL, uses_single_writer

if TYPE_CHECKING:
    from transform.builds import Uncovered

START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_ARGS = {
    "owner": "blocklake",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}


def department_asset(department: Department) -> Asset:
    """The Asset announced when a gate publishes any of the department's tables: what the base-layer
    build is scheduled on. One per department, not per table: Airflow stores a DAG's schedule as one
    expression and reloads it once per referenced asset, so a schedule over a thousand tables costs the
    DAG processor minutes per pass."""
    return Asset(name=f"raw.{department.code}", uri=f"ducklake://lake/raw/{department.code}", group="raw",
                 extra={"department": department.code, "title": department.name})


def raw_asset(department: Department, table: TableSpec) -> Asset:
    """The Asset a table's gate emits when it publishes; the base-layer build is scheduled on these."""
    name = raw_table_name(department, table)
    return Asset(name=f"raw.{name}", uri=f"ducklake://lake/raw/{name}", group="raw",
                 extra={"department": department.code, "title": table.title})


@task
def load_tables(department: str, tables: list[str]) -> dict[str, object]:
    """Load a batch of one department's tables through one lake connection. Every table is tried; the
    task fails afterwards if any failed (at once for bad data, with retries for an unreachable source),
    and a retry loads only the tables this run has not loaded yet."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    from blocklake.errors import is_transient
    from ingestion.runner import load_batch
    from orchestration.lineage import report_loads
    from orchestration.metrics import stage

    context = get_current_context()
    retry = context["ti"].try_number > 1
    with stage("ingest", f"ingest_{department}.load_tables", department=department) as timing:
        outcome = load_batch(department, tables, loaded_since=context["dag_run"].start_date if retry else None)
        timing.rows = sum(record.rows_inserted for record in outcome.loaded)
    report_loads(outcome.loaded)
    if outcome.failed:
        message = "\n".join(f"{table}: {exc}" for table, exc in outcome.failed.items())
        if not any(map(is_transient, outcome.failed.values())):
            raise AirflowFailException(message)  # retrying cannot fix bad input
        raise RuntimeError(message)
    return outcome.summary()


@task(trigger_rule="all_done")
def gate_tables(department: str, tables: list[str], published_alias: str) -> dict[str, object]:
    """Audit the tables this run loaded (also after a partly failed batch) and publish those that pass.
    An Asset event goes out for each published table, and one for the department (which the base-layer
    build is scheduled on) if any was published; the blocked ones are reported by ``verdict``."""
    from airflow.sdk import AssetAlias, get_current_context
    from airflow.sdk.exceptions import AirflowSkipException

    from ingestion.runner import loaded_tables
    from orchestration.lineage import report_read
    from orchestration.metrics import stage
    from quality.gate import QualityGateFailed, gate_raw_batch

    context = get_current_context()
    with stage("gate", f"ingest_{department}.gate_tables", department=department) as timing:
        fresh = loaded_tables(department, tables, since=context["dag_run"].start_date)
        verdicts = gate_raw_batch(department, fresh, run_id=context["run_id"])
        timing.rows = sum(verdict.rows_audited for verdict in verdicts)
    report_read(verdict.suite.table for verdict in verdicts)
    published = [verdict for verdict in verdicts if verdict.published]
    dept = load_registry().department(department)
    specs = {f"raw.{raw_table_name(dept, table)}": table for table in dept.tables}
    events = context["outlet_events"][AssetAlias(published_alias)]
    for verdict in published:
        events.add(raw_asset(dept, specs[verdict.suite.table]))
    if published:
        events.add(department_asset(dept))
    blocked = [verdict for verdict in verdicts if not verdict.published]
    if not published and not blocked:
        raise AirflowSkipException("no table of this batch was loaded in this run")
    return {"verdicts": [verdict.summary() for verdict in verdicts],
            "blocked": str(QualityGateFailed(verdicts)) if blocked else None}


@task
def verdict(gated: dict[str, object] | None) -> None:
    """Fail the run with the gate's reasons when it kept a table's last good version."""
    from airflow.sdk.exceptions import AirflowFailException

    if gated and gated["blocked"]:
        raise AirflowFailException(gated["blocked"])


def batches(department: Department, size: int) -> list[list[TableSpec]]:
    """The department's tables in registry order, ``size`` to a task: small tables share a task (and a
    lake connection), so Airflow's per-task cost is paid per batch, not per table."""
    return [department.tables[index:index + size] for index in range(0, len(department.tables), size)]


def ingest_dag(department: Department, *, pool: str | None, tables_per_task: int) -> DAG:
    with DAG(
        dag_id=f"ingest_{department.code}",
        description=f"{department.name}：源表入湖",
        schedule=department.schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["ingest", department.code],
        doc_md=_doc(department),
    ) as dag:
        writer = {"pool": pool} if pool else {}
        groups = batches(department, tables_per_task)
        for number, group in enumerate(groups, start=1):
            suffix = f"_{number}" if len(groups) > 1 else ""
            names = [table.name for table in group]
            listed = "、".join(f"**{table.title}**" for table in group)
            alias = f"raw_published__{department.code}{suffix}"
            loaded = load_tables.override(task_id=f"load_tables{suffix}", **writer,
                                          doc_md=f"入湖：{listed}")(department.code, names)
            # The tables are the gate's inlets (it reads them), which also registers their Assets, so the
            # events the alias emits for them at run time have an Asset to land on.
            gated = gate_tables.override(task_id=f"gate_tables{suffix}", outlets=[AssetAlias(alias)],
                                         inlets=[raw_asset(department, table) for table in group], **writer,
                                         doc_md=f"质量校验，通过后发布：{listed}")(department.code, names, alias)
            loaded >> gated
            verdict.override(task_id=f"verdict{suffix}")(gated)
    return dag


def _scheduled() -> bool:
    """Whether the run was queued by a publication (an Asset event), not started by hand or by ``make run``."""
    from airflow.sdk import get_current_context

    return str(get_current_context()["dag_run"].run_type) in ("asset_triggered", "DagRunType.ASSET_TRIGGERED")


def _uncovered() -> Uncovered:
    from contextlib import closing

    from blocklake import lake
    from transform.builds import uncovered

    with closing(lake.connect(read_only=True)) as con:
        return uncovered(con)


def settle() -> bool:
    """Wait until publications settle: no raw table published for ``build_quiet_s``, or ``build_max_wait_s``
    since the oldest one no build covers (transform.builds). A run started by hand builds at once."""
    import logging

    if not _scheduled():
        return True
    settings = get_settings()
    pending = _uncovered()
    logging.getLogger(__name__).info("%s", pending.describe())
    return pending.settled(datetime.now(UTC), quiet_s=settings.build_quiet_s, max_wait_s=settings.build_max_wait_s)


def worth_building() -> bool:
    """False (the rest of the run is skipped) when a scheduled run finds every publication already built:
    the run before it absorbed them. A run started by hand always builds."""
    import logging

    if not _scheduled():
        return True
    pending = _uncovered()
    logging.getLogger(__name__).info("%s", pending.describe())
    return pending.publications > 0


@task
def dbt_build() -> dict[str, object]:
    """``dbt build``: seeds, models and their tests in dependency order; a failed test skips its dependants.
    Models over a raw table never yet published wait for a later build. Recorded in ``lake.meta.builds``."""
    from airflow.sdk import get_current_context

    from orchestration.lineage import report_build
    from orchestration.metrics import stage
    from transform.builds import build
    from transform.lineage import record_build

    context = get_current_context()
    # Triggered with {"full_refresh": true} (the UI's "Trigger DAG w/ config", `blocklake build --full-refresh`):
    # the incremental models are rebuilt from nothing.
    full_refresh = bool((context["dag_run"].conf or {}).get("full_refresh"))
    started_at = datetime.now(UTC)
    try:
        with stage("dbt", "build_block_base.dbt_build"):
            result, waiting, covered = build(context["run_id"], full_refresh=full_refresh)
    finally:
        # Also after a failed build: what it did build was written.
        report_build(record_build(started_at))
    return {**result.counts(), "waiting_for_publication": waiting, "raw_publications_built": covered.publications,
            "full_refresh": full_refresh}


@task(trigger_rule="all_done")
def gate_models() -> list[dict[str, object]]:
    """Audit the base and mart models this build produced (also after a partly failed build), publish
    those that pass; fail with the reasons if any is blocked."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    from orchestration.lineage import report_read
    from orchestration.metrics import stage
    from quality.gate import QualityGateFailed, gate_built_models
    from transform.dbt import target_path

    try:
        with stage("gate", "build_block_base.gate_models") as timing:
            verdicts = gate_built_models(target_path(), run_id=get_current_context()["run_id"])
            timing.rows = sum(verdict.rows_audited for verdict in verdicts)
    except QualityGateFailed as exc:
        report_read(verdict.suite.table for verdict in exc.verdicts)
        raise AirflowFailException(str(exc)) from exc
    report_read(verdict.suite.table for verdict in verdicts)
    return [verdict.summary() for verdict in verdicts]


DIRECTORY_ASSET = Asset(name="directory", uri="catalog://directory", group="catalog")


@task(trigger_rule="all_done", outlets=[DIRECTORY_ASSET])
def refresh_catalog() -> dict[str, object]:
    """Register what is published now in the resource directory and record today's sharing figures."""
    from catalog.register import refresh
    from catalog.stats import record_today
    from orchestration.lineage import report_read
    from orchestration.metrics import stage

    with stage("catalog", "build_block_base.refresh_catalog") as timing:
        summary = refresh()
        daily_stat_rows = record_today()
        timing.rows = summary.resources
    report_read(summary.read)
    return {"resources": summary.resources, "new_codes": summary.new_codes, "published": summary.published,
            "daily_stat_rows": daily_stat_rows}


PUBLISHED_LAYER_ASSETS = tuple(
    Asset(name=f"{layer}", uri=f"ducklake://lake/{layer}", group="block_base") for layer in ("base", "marts")
)


@task
def build_outcome() -> None:
    """The run's outcome: failed (upstream failed) when the dbt build, the model gate or the refresh failed.

    The gate and the refresh run on ``all_done`` (the gate audits what a partly failed build made, the
    directory shows what is published), so without this last task a failed build ended in a successful run
    and ``make run`` exited 0 (seen at city scale).
    """


def block_base_dag(registry: Registry, *, pool: str | None) -> DAG:
    with DAG(
        dag_id="build_block_base",
        description="块数据底板：dbt build（staging → intermediate → base → marts）",
        # Queued when any department publishes; the run waits for publications to settle (``settle``), and
        # the runs queued behind a build that covered their publications are skipped (``worth_building``).
        schedule=AssetAny(*(department_asset(dept) for dept in registry.departments.values())),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args={**DEFAULT_ARGS, "retries": 0},  # a failed dbt build needs a person, not a retry
        tags=["transform", "dbt"],
    ) as dag:
        writer = {"pool": pool} if pool else {}
        settings = get_settings()
        # Rescheduled, not poked: a waiting run holds no worker slot.
        settled = task.sensor(settle, task_id="settle", mode="reschedule",
                              poke_interval=max(5.0, min(30.0, settings.build_quiet_s / 4)),
                              timeout=settings.build_max_wait_s + 3600)()
        wanted = task.short_circuit(worth_building, task_id="worth_building")()
        built = dbt_build.override(**writer)()
        gated = gate_models.override(outlets=list(PUBLISHED_LAYER_ASSETS), **writer)()
        refreshed = refresh_catalog()
        settled >> wanted >> built >> gated >> refreshed
        [built, gated, refreshed] >> build_outcome()
    return dag


@task
def plan_exports() -> list[int]:
    """The applications with a bundle due: approved, their resource published since the last bundle."""
    from catalog import db
    from exports.plan import due
    from orchestration.metrics import stage

    with stage("export", "export_bundles.plan_exports"):
        db.upgrade()
        with db.session() as session:
            return sorted({delivery.application_id for delivery in due(session)})


@task(max_active_tis_per_dagrun=2)
def deliver_bundle(application_id: int) -> dict[str, object]:
    """Write, deliver and record one application's bundle; bad input fails this bundle only."""
    from airflow.sdk.exceptions import AirflowFailException

    from blocklake.errors import BlocklakeError, is_transient
    from exports.service import export_application
    from orchestration.lineage import report_export
    from orchestration.metrics import stage

    try:
        with stage("export", "export_bundles.deliver_bundle", application=str(application_id)) as timing:
            result = export_application(application_id)
            timing.rows = result.rows if result is not None else 0
        if result is not None:
            report_export(result.delivery.source_key, result.location)
    except BlocklakeError as exc:
        if is_transient(exc):
            raise
        raise AirflowFailException(str(exc)) from exc
    if result is None:
        return {"application": application_id, "status": "not due"}
    return {"application": application_id, "status": result.status, "rows": result.rows, "location": result.location}


def export_dag() -> DAG:
    with DAG(dag_id="export_bundles", description="共享交付：按已批准的申请导出数据包（Parquet、SQL）",
             schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("@hourly", timezone="UTC"),
                                          assets=DIRECTORY_ASSET),
             start_date=START_DATE, catchup=False, max_active_runs=1, default_args=DEFAULT_ARGS,
             tags=["export"]) as dag:
        deliver_bundle.expand(application_id=plan_exports())
    return dag


@task
def write_ops_report() -> str:
    """The data operations report (数据运维报告): volumes, freshness, quality, sharing, match rates, overdue."""
    from catalog.ops_report import write_ops_report as write
    from orchestration.metrics import stage

    with stage("report", "ops_report.write_ops_report"):
        return str(write())


def ops_report_dag() -> DAG:
    with DAG(dag_id="ops_report", description="数据运维报告（每日）", schedule="@daily", start_date=START_DATE,
             catchup=False, max_active_runs=1, default_args=DEFAULT_ARGS, tags=["report"]) as dag:
        write_ops_report()
    return dag


@task
def maintain_lake() -> dict[str, int]:
    """Expire old snapshots (never a published one) and delete unreferenced and orphaned files."""
    from blocklake.maintenance import maintain
    from orchestration.metrics import stage

    with stage("maintenance", "lake_maintenance.maintain_lake"):
        return maintain().summary()


def maintenance_dag(*, pool: str | None) -> DAG:
    with DAG(dag_id="lake_maintenance", description="湖维护：过期快照、清理旧文件与孤儿文件（每日）",
             schedule="@daily", start_date=START_DATE, catchup=False, max_active_runs=1,
             default_args=DEFAULT_ARGS, tags=["maintenance"]) as dag:
        maintain_lake.override(**({"pool": pool} if pool else {}))()
    return dag


def build_dags(registry: Registry | None = None) -> dict[str, DAG]:
    """Every DAG keyed by dag_id, ready for ``globals().update(...)`` in a DAG file.

    When Airflow parses the file to run one DAG's task, its parsing context names that DAG, and only it is
    built: every task start parses the file, and building a bureau's hundred DAGs there would cost each
    task seconds (Airflow's "optimizing DAG parsing delays during execution"). The DAG processor parses
    without a context and gets them all."""
    settings = get_settings()
    registry = registry or load_registry(settings.registry_dir)
    pool = LAKE_WRITER_POOL if uses_single_writer(settings) else None
    makers: dict[str, Callable[[], DAG]] = {
        f"ingest_{dept.code}": partial(ingest_dag, dept, pool=pool, tables_per_task=settings.tables_per_task)
        for dept in registry.departments.values()}
    makers.update({"build_block_base": partial(block_base_dag, registry, pool=pool), "export_bundles": export_dag,
                   "ops_report": ops_report_dag, "lake_maintenance": partial(maintenance_dag, pool=pool)})
    wanted = get_parsing_context().dag_id
    if wanted in makers:
        return {wanted: makers[wanted]()}
    return {dag_id: make() for dag_id, make in makers.items()}


def _doc(department: Department) -> str:
    rows = "\n".join(f"| `{t.name}` | {t.title} | {t.load.mode} | {t.update_cycle} | {t.directory.share_type} |"
                     for t in department.tables)
    return (f"### {department.name}\n\n| 表 | 名称 | 加载方式 | 更新周期 | 共享类型 |\n|---|---|---|---|---|\n{rows}\n")
