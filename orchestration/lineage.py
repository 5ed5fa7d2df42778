"""OpenLineage for the lake's tasks, through the official Airflow provider.

A lake task reports what it actually read and wrote (:func:`report`, from what its stage returned: the
loads' ledger records, the gate's verdicts, dbt's run results, the export's delivery); the provider asks
:class:`LakeTaskExtractor` for the task's lineage when the task ends, and emits the events through the
transport Blocklake configured (``orchestration.airflow_env.openlineage_environment``). The provider runs
the extractor in the task's own process (a fork of it), where the report is, under ``dag.test()`` as under
the scheduler.

Datasets are named as the OpenLineage naming conventions ask: the lake is the namespace
``ducklake://<BLOCKLAKE_OPENLINEAGE_NAMESPACE>`` and a table is ``schema.table`` (``raw.police__resident``,
``base.base_person``); a database source is ``postgres://host:port`` with ``database.schema.table`` or
``mysql://host:port`` with ``database.table``, a file source (CSV, workbook, SQLite file) ``file`` with its path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow.providers.openlineage.extractors.base import OperatorLineage
from airflow.providers.openlineage.extractors.python import PythonExtractor
from openlineage.client.event_v2 import Dataset, InputDataset, OutputDataset
from openlineage.client.facet_v2 import column_lineage_dataset

from blocklake.column_lineage import ColumnSources
from blocklake.registry import load_registry
from blocklake.settings import get_settings

if TYPE_CHECKING:
    from airflow.sdk.types import RuntimeTaskInstanceProtocol

    from ingestion.loads import LoadRecord
    from transform.lineage import BuiltModel

DATABASE_SCHEMES = ("postgres://", "mysql://")


@dataclass
class Touched:
    """The datasets a task read and wrote, in the order reported, each once."""

    inputs: dict[tuple[str, str], InputDataset] = field(default_factory=dict)
    outputs: dict[tuple[str, str], OutputDataset] = field(default_factory=dict)


TaskKey = tuple[str, str, str, int, int]  # dag_id, task_id, run_id, map_index, try_number

# What each task run in this process reported, by task. The provider runs the extractor in a fork of the
# task's process, so what it takes is not forgotten here: keyed by task, a later task in the same process
# (dag.test() runs them all in one) never sees an earlier one's.
_touched: dict[TaskKey, Touched] = {}


def lake_namespace() -> str:
    return f"ducklake://{get_settings().openlineage_namespace}"


def task_key(task_instance: RuntimeTaskInstanceProtocol) -> TaskKey:
    index = getattr(task_instance, "map_index", None)
    return (task_instance.dag_id, task_instance.task_id, task_instance.run_id, -1 if index is None else index,
            task_instance.try_number)


def report(inputs: Iterable[Dataset] = (), outputs: Iterable[Dataset] = ()) -> None:
    """Record datasets the running task read (``inputs``) and wrote (``outputs``)."""
    from airflow.sdk import get_current_context

    touched = _touched.setdefault(task_key(get_current_context()["ti"]), Touched())
    for dataset in inputs:
        touched.inputs.setdefault((dataset.namespace, dataset.name),
                                  InputDataset(dataset.namespace, dataset.name, facets=dataset.facets))
    for dataset in outputs:
        touched.outputs.setdefault((dataset.namespace, dataset.name),
                                   OutputDataset(dataset.namespace, dataset.name, facets=dataset.facets))


def reported(task_instance: RuntimeTaskInstanceProtocol) -> Touched:
    """What the task run ``task_instance`` reported."""
    return _touched.get(task_key(task_instance), Touched())


def lake_table(table: str, columns: ColumnSources | None = None) -> Dataset:
    """The lake table ``schema.table``; with ``columns``, its column lineage facet."""
    facets = {"columnLineage": column_lineage_facet(columns)} if columns else {}
    return Dataset(lake_namespace(), table, facets=facets)


def column_lineage_facet(columns: ColumnSources) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    namespace = lake_namespace()
    return column_lineage_dataset.ColumnLineageDatasetFacet(fields={
        column: column_lineage_dataset.Fields(
            inputFields=[column_lineage_dataset.InputField(namespace, table, source) for table, source in origins])
        for column, origins in columns.items()})


def source_dataset(label: str, namespace: str | None = None) -> Dataset:
    """A source as the load ledger names it (``LoadRecord.source``: ``postgres://host:5432/db/table``,
    ``sqlite:police.sqlite/resident``, ``excel:民政救助名册.xlsx/独居老人``); ``namespace``: the registry's
    PostgreSQL schema or MySQL database of the source, which the label leaves out."""
    if label.startswith(DATABASE_SCHEMES):
        scheme, rest = label.split("://", 1)
        authority, _, path = rest.partition("/")
        database, _, table = path.rpartition("/")
        if scheme == "postgres":
            return Dataset(f"{scheme}://{authority}", f"{database}.{namespace or 'public'}.{table}")
        return Dataset(f"{scheme}://{authority}", f"{namespace or database}.{table}")
    _kind, _, path = label.partition(":")
    return Dataset("file", path)


def report_loads(records: Iterable[LoadRecord]) -> None:
    """A load read its source and wrote ``raw.<table>``."""
    registry = load_registry()
    for record in records:
        department = registry.department(record.department)
        source = department.source(department.table(record.table_name).source)
        report([source_dataset(record.source, source.namespace)], [lake_table(f"raw.{record.raw_table}")])


def report_read(tables: Iterable[str]) -> None:
    """The task read these lake tables (``schema.table``): a gate the ones it audited, the directory refresh
    the ones whose publications it registered."""
    report([lake_table(table) for table in tables])


def report_build(models: Iterable[BuiltModel]) -> None:
    """A dbt build read each model's inputs and wrote the model, with its columns' lineage."""
    for model in models:
        report([lake_table(table) for table in model.inputs], [lake_table(model.table, model.columns)])


def report_export(table: str, location: str) -> None:
    """An export read its published table and, unless it failed, wrote a bundle to ``location``
    (a folder, or ``s3://bucket/…``)."""
    written = []
    if location:
        scheme, found, path = location.partition("://")
        bucket, _, key = path.partition("/")
        written = [Dataset(f"{scheme}://{bucket}", key) if found else Dataset("file", location)]
    report([lake_table(table)], written)


class LakeTaskExtractor(PythonExtractor):
    """The provider's Python extractor (the task's source code) plus the datasets the task reported.

    Registered for the ``@task`` operator in ``[openlineage] extractors``; a task that reported nothing
    (``verdict``, ``plan_exports``) gets what the provider's own extractor gives it. A failed task reports
    what it did before it failed (a batch's loaded tables, a build's built models)."""

    @classmethod
    def get_operator_classnames(cls) -> list[str]:
        return ["_PythonDecoratedOperator"]

    def extract_on_complete(self, task_instance: RuntimeTaskInstanceProtocol) -> OperatorLineage | None:
        return self._with_touched(super().extract_on_complete(task_instance), task_instance)

    def extract_on_failure(self, task_instance: RuntimeTaskInstanceProtocol) -> OperatorLineage | None:
        return self._with_touched(super().extract_on_failure(task_instance), task_instance)

    @staticmethod
    def _with_touched(base: OperatorLineage | None,
                      task_instance: RuntimeTaskInstanceProtocol) -> OperatorLineage | None:
        touched = reported(task_instance)
        if not touched.inputs and not touched.outputs:
            return base
        return OperatorLineage(inputs=list(touched.inputs.values()), outputs=list(touched.outputs.values()),
                               job_facets=base.job_facets if base else {})
