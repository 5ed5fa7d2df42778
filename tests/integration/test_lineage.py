"""Lineage out of one ``blocklake run`` of the tiny district: the OpenLineage events the provider wrote to the
file transport, read back into the openlineage-python client's model and held against the lake's own record
of what was written; the base and mart models' column lineage on the real compiled models; the resource
page that shows it."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset
from sqlalchemy import select

from bench.common import open_lake
from blocklake import column_lineage
from blocklake.settings import get_settings
from catalog import db
from catalog.models import Export, Resource
from orchestration.airflow_env import events_file
from orchestration.lineage import source_dataset

pytestmark = pytest.mark.airflow

LAKE_NAMESPACE = "ducklake://blocklake"
DATA_SCHEMAS = ("raw", "staging", "intermediate", "base", "marts", "reference")


@pytest.fixture(scope="module")
def run_home(tiny_district_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Iterator[Path]:
    home, result = tiny_district_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BLOCKLAKE_HOME", str(home))
        get_settings.cache_clear()
        yield home
    get_settings.cache_clear()


def parse_event(document: dict) -> RunEvent:
    """An event as the openlineage-python client models it (its attrs classes validate each field)."""
    def datasets(kind: type, listed: list[dict]) -> list:
        return [kind(item["namespace"], item["name"], facets=parse_facets(item.get("facets", {}))) for item in listed]

    return RunEvent(eventType=RunState[document["eventType"]], eventTime=document["eventTime"],
                    run=Run(document["run"]["runId"]), job=Job(document["job"]["namespace"], document["job"]["name"]),
                    producer=document["producer"], inputs=datasets(InputDataset, document.get("inputs", [])),
                    outputs=datasets(OutputDataset, document.get("outputs", [])))


def parse_facets(facets: dict) -> dict:
    if "columnLineage" not in facets:
        return {}
    fields = {column: column_lineage_dataset.Fields(
        inputFields=[column_lineage_dataset.InputField(origin["namespace"], origin["name"], origin["field"])
                     for origin in entry["inputFields"]])
        for column, entry in facets["columnLineage"]["fields"].items()}
    return {"columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields)}


@pytest.fixture(scope="module")
def completed(run_home: Path) -> list[RunEvent]:
    """The COMPLETE events of the run's tasks, parsed."""
    lines = events_file(get_settings()).read_text(encoding="utf-8").splitlines()
    events = [parse_event(json.loads(line)) for line in lines]
    assert {event.eventType for event in events} >= {RunState.START, RunState.COMPLETE}
    return [event for event in events if event.eventType == RunState.COMPLETE and "." in event.job.name]


def of_task(event: RunEvent, task: str) -> bool:
    """Whether ``event`` is of a run of ``task`` (``load_tables`` also names ``load_tables_2`` of a batch)."""
    task_id = event.job.name.split(".", 1)[1]
    return task_id == task or task_id.startswith(f"{task}_")


def by_task(events: list[RunEvent], task: str, side: str) -> dict[str, set[str]]:
    """Job name of ``task`` → the lake tables of its runs' inputs or outputs."""
    found: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if of_task(event, task):
            found[event.job.name] |= {d.name for d in getattr(event, side) if d.namespace == LAKE_NAMESPACE}
    return found


def lake_rows(home: Path, sql: str) -> list[tuple]:
    con = open_lake(home)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def lake_tables(home: Path) -> set[str]:
    """The data tables in the DuckLake catalog: what the run wrote."""
    listed = ", ".join(f"'{schema}'" for schema in DATA_SCHEMAS)
    return {f"{schema}.{table}" for schema, table in lake_rows(
        home, f"SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'lake' "
              f"AND table_schema IN ({listed})")}


def test_the_outputs_of_loads_and_the_build_are_every_table_in_the_lake(run_home: Path,
                                                                         completed: list[RunEvent]) -> None:
    loads = by_task(completed, "load_tables", "outputs")
    built = by_task(completed, "dbt_build", "outputs")
    written = set().union(*loads.values(), *built.values())
    assert written == lake_tables(run_home)
    assert set().union(*loads.values()) == {table for table in written if table.startswith("raw.")}
    for job, tables in loads.items():  # each department's load wrote its own tables only
        department = job.removeprefix("ingest_").split(".")[0]
        assert tables and all(table.startswith(f"raw.{department}__") for table in tables), job


def test_each_load_names_the_source_the_ledger_says_it_read(run_home: Path, completed: list[RunEvent]) -> None:
    ledger = dict(lake_rows(run_home, "SELECT 'raw.' || raw_table, source FROM lake.meta.loads "
                                      "WHERE outcome = 'succeeded'"))
    pairs = 0
    for event in completed:
        if not of_task(event, "load_tables"):
            continue
        sources = {(d.namespace, d.name) for d in event.inputs}
        assert len(sources) == len(event.outputs) and all(namespace == "file" for namespace, _ in sources)
        for output in event.outputs:
            read = source_dataset(ledger[output.name])  # e.g. sqlite:police.sqlite/resident
            assert (read.namespace, read.name) in sources, (output.name, sources)
            pairs += 1
    assert pairs == len(ledger)


def test_gates_report_the_tables_they_audited(run_home: Path, completed: list[RunEvent]) -> None:
    audited = {table for (table,) in lake_rows(run_home, "SELECT DISTINCT table_name FROM lake.quality.scores")}
    checked = set().union(*by_task(completed, "gate_tables", "inputs").values(),
                          *by_task(completed, "gate_models", "inputs").values())
    assert checked == audited
    assert all(not event.outputs for event in completed if ".gate_" in event.job.name)


def test_the_directory_refresh_reports_the_publications_it_registered(run_home: Path,
                                                                      completed: list[RunEvent]) -> None:
    with db.session() as session:
        registered = set(session.scalars(select(Resource.source_key).where(Resource.published_snapshot.is_not(None))))
    [read] = by_task(completed, "refresh_catalog", "inputs").values()
    assert read == registered  # the run's one refresh registered every publication


def test_the_build_reports_each_models_inputs_from_the_lake(run_home: Path, completed: list[RunEvent]) -> None:
    [build] = [event for event in completed if event.job.name == "build_block_base.dbt_build"]
    tables = lake_tables(run_home)
    assert {d.name for d in build.inputs} <= tables
    assert {"raw.police__resident", "staging.stg_police__resident", "intermediate.int_person_identity"} <= {
        d.name for d in build.inputs}
    columns = {(f"{schema}.{table}", column) for schema, table, column in lake_rows(
        run_home, "SELECT table_schema, table_name, column_name FROM information_schema.columns "
                  "WHERE table_catalog = 'lake'")}
    faceted = [d for d in build.outputs if "columnLineage" in d.facets]
    assert {d.name for d in faceted} == {table for table in tables if table.startswith(("base.", "marts."))}
    for dataset in faceted:
        fields = dataset.facets["columnLineage"].fields
        assert {column for table, column in columns if table == dataset.name} == set(fields), dataset.name
        for entry in fields.values():
            for origin in entry.inputFields:
                assert origin.namespace == LAKE_NAMESPACE and (origin.name, origin.field) in columns
        assert column_lineage.read(dataset.name) == {
            column: sorted((o.name, o.field) for o in entry.inputFields) for column, entry in fields.items()}


def test_exports_report_the_published_table_they_read(run_home: Path, completed: list[RunEvent]) -> None:
    with db.session() as session:
        exported = set(session.scalars(select(Resource.source_key).join(Export, Export.resource_id == Resource.id)))
    read = set().union(*by_task(completed, "deliver_bundle", "inputs").values())
    assert exported and read == exported
    for event in completed:
        if event.job.name.endswith(".deliver_bundle"):
            assert [d.namespace for d in event.outputs] == ["file"] and Path(event.outputs[0].name).is_dir()


# --- column lineage of the real models, as the build recorded it ------------------------------------------


def test_a_column_through_a_cte_select_star_and_an_aggregate(run_home: Path) -> None:
    person = column_lineage.read("base.base_person")
    # identity: select * from int_person_identity; survived: arg_min(person_name, <source rank, observed_at>)
    assert ("intermediate.int_person_identity", "person_name") in person["person_name"]
    assert {table for table, _ in person["person_name"]} == {"intermediate.int_person_identity"}
    # located: a CTE over the match cache, joined under the alias l
    assert person["residence_unit_code"] == [("intermediate.int_address_matches", "unit_code")]
    assert person["mention_count"] == []  # count(*): from no column


def test_a_column_through_a_union(run_home: Path) -> None:
    tags = column_lineage.read("base.base_person_tag")
    assert set(tags["person_key"]) == {("base.base_person", "person_key"),
                                       ("intermediate.int_person_identity", "person_key")}
    assert tags["tag"] == []  # constants in every branch
    stats = column_lineage.read("marts.mart_block_stats")
    assert {table for table, _ in stats["name"]} == {"base.base_grid", "base.base_community", "base.base_street",
                                                      "base.base_district"}


def test_the_resource_page_shows_where_each_column_comes_from(run_home: Path) -> None:
    from catalog.api import create_app

    with db.session() as session:
        tag_code, person_code = (session.scalar(select(Resource.code).where(Resource.source_key == key))
                                 for key in ("base.base_person_tag", "base.base_person"))
    with TestClient(create_app()) as client:
        page = client.get(f"/resources/{tag_code}")
    assert page.status_code == 200
    html = page.text
    assert "来源字段（字段级血缘）" in html
    row = html[html.index('<td class="code">person_key</td>'):]
    row = row[:row.index("</tr>")]
    assert f'href="/resources/{person_code}"' in row and "base.base_person</a>.person_key" in row
    assert "intermediate.int_person_identity.person_key" in row
