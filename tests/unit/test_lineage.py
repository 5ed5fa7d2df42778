"""Column lineage from SQL (``transform.lineage.column_sources``) on the shapes the base and mart models are
written in, the recorded lineage the catalog reads, and the OpenLineage transports from the settings.
The real compiled models are checked against a real lake in tests/integration/test_lineage.py."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from uuid import uuid4

import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.transport.http import HttpConfig, HttpTransport

from blocklake import column_lineage
from blocklake.errors import ConfigError
from blocklake.settings import Settings
from orchestration.airflow_env import openlineage_environment
from orchestration.lineage import source_dataset
from transform.lineage import LineageError, built_models, column_sources

SCHEMA = {"lake": {
    "intermediate": {"int_person_identity": {"person_key": "VARCHAR", "person_name": "VARCHAR", "source": "VARCHAR",
                                             "observed_at": "TIMESTAMP", "role": "VARCHAR"},
                     "int_address_matches": {"address_text": "VARCHAR", "unit_code": "VARCHAR"}},
    "base": {"base_grid": {"grid_code": "VARCHAR", "grid_name": "VARCHAR"},
             "base_street": {"street_code": "VARCHAR", "street_name": "VARCHAR"}},
}}


def test_select_star_through_ctes_and_an_aggregate() -> None:
    # base_person's shape: a CTE that is `select *`, a grouped CTE, a join under an alias
    sql = """
        with identity as (select * from "lake"."intermediate"."int_person_identity"),
        survived as (
            select person_key, arg_min(person_name, (case source when 'police.resident' then 1 else 2 end,
                                                     - epoch(observed_at))) as person_name,
                   count(*) as mention_count
            from identity group by person_key),
        located as (select address_text, unit_code from "lake"."intermediate"."int_address_matches")
        select s.*, l.unit_code as residence_unit_code
        from survived as s left join located as l on l.address_text = s.person_name"""
    found = column_sources(sql, SCHEMA)
    identity = "intermediate.int_person_identity"
    assert set(found) == {"person_key", "person_name", "mention_count", "residence_unit_code"}
    assert found["person_key"] == [(identity, "person_key")]
    assert found["person_name"] == [(identity, "observed_at"), (identity, "person_name"), (identity, "source")]
    assert found["mention_count"] == []
    assert found["residence_unit_code"] == [("intermediate.int_address_matches", "unit_code")]


def test_union_branches_each_add_their_sources() -> None:
    # mart_block_stats' `names`: one union branch per level
    sql = """
        with names as (
            select 'grid' as level, grid_code as code, grid_name as name from lake.base.base_grid
            union all
            select 'street', street_code, street_name from lake.base.base_street)
        select level, code, name from names"""
    found = column_sources(sql, SCHEMA)
    assert found["level"] == []
    assert found["code"] == [("base.base_grid", "grid_code"), ("base.base_street", "street_code")]
    assert found["name"] == [("base.base_grid", "grid_name"), ("base.base_street", "street_name")]


def test_a_window_function_depends_on_its_partition_and_order() -> None:
    sql = """
        select person_key,
               row_number() over (partition by person_key order by observed_at desc) as recency,
               first_value(role) over (partition by person_key order by observed_at) as first_role
        from lake.intermediate.int_person_identity"""
    found = column_sources(sql, SCHEMA)
    identity = "intermediate.int_person_identity"
    assert found["recency"] == [(identity, "observed_at"), (identity, "person_key")]
    assert found["first_role"] == [(identity, "observed_at"), (identity, "person_key"), (identity, "role")]


def test_quoted_source_columns_are_named_unquoted() -> None:
    schema = {"lake": {"raw": {"education__school": {"学校代码": "VARCHAR"}}}}
    found = column_sources('select "学校代码" as school_code from "lake"."raw"."education__school"', schema)
    assert found == {"school_code": [("raw.education__school", "学校代码")]}


def test_unreadable_sql_is_a_lineage_error() -> None:
    with pytest.raises(LineageError, match="sqlglot cannot follow"):
        column_sources("select from where (", SCHEMA)


def test_built_models_come_from_run_results_and_the_manifest(tmp_path: Path) -> None:
    nodes = {
        "model.p.base_grid": {"resource_type": "model", "schema": "base", "name": "base_grid", "alias": "base_grid",
                              "depends_on": {"nodes": ["seed.p.ref_grid"]}, "language": "sql",
                              "compiled_code": "select code as grid_code, label as grid_name "
                                               'from "lake"."reference"."ref_grid"'},
        "seed.p.ref_grid": {"resource_type": "seed", "schema": "reference", "name": "ref_grid", "alias": "ref_grid"},
        "test.p.not_null": {"resource_type": "test", "schema": "base", "name": "not_null", "alias": "not_null"},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes, "sources": {}}))
    results = [{"unique_id": "seed.p.ref_grid", "status": "success"},
               {"unique_id": "model.p.base_grid", "status": "success"},
               {"unique_id": "test.p.not_null", "status": "pass"}]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    schema = {"lake": {"reference": {"ref_grid": {"code": "VARCHAR", "label": "VARCHAR"}}}}
    seed, grid = built_models(tmp_path, schema)
    assert (seed.table, seed.inputs, seed.columns) == ("reference.ref_grid", [], {})
    assert (grid.table, grid.inputs) == ("base.base_grid", ["reference.ref_grid"])
    assert grid.columns == {"grid_code": [("reference.ref_grid", "code")],
                            "grid_name": [("reference.ref_grid", "label")]}
    nodes["model.p.base_grid"]["compiled_code"] = "select from where ("  # sqlglot cannot follow it
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes, "sources": {}}))
    _, unfollowed = built_models(tmp_path, schema)
    assert (unfollowed.table, unfollowed.inputs, unfollowed.columns) == ("base.base_grid", ["reference.ref_grid"], {})
    results[1]["status"] = "error"
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    assert [model.table for model in built_models(tmp_path, schema)] == ["reference.ref_grid"]


def test_recorded_lineage_keeps_what_a_later_build_did_not_rebuild(settings: Settings) -> None:
    assert column_lineage.read("base.base_grid", settings) == {}
    column_lineage.record({"base.base_grid": {"grid_code": [("staging.stg_grid", "code")]},
                           "base.base_unit": {"unit_code": [("staging.stg_unit", "code")]}}, settings)
    column_lineage.record({"base.base_grid": {"grid_code": [("staging.stg_grid_v2", "code")]}}, settings)
    assert column_lineage.read_all(settings) == {"base.base_grid": {"grid_code": [("staging.stg_grid_v2", "code")]},
                                                 "base.base_unit": {"unit_code": [("staging.stg_unit", "code")]}}


def test_openlineage_goes_to_a_file_under_home_unless_told_otherwise(settings: Settings,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    env = openlineage_environment(settings)
    transport = json.loads(env["AIRFLOW__OPENLINEAGE__TRANSPORT"])
    assert transport == {"type": "file", "log_file_path": str(settings.home / "lineage" / "openlineage.jsonl"),
                         "append": True}
    assert env["AIRFLOW__OPENLINEAGE__NAMESPACE"] == "blocklake"
    assert env["AIRFLOW__OPENLINEAGE__EXTRACTORS"] == "orchestration.lineage.LakeTaskExtractor"

    marquez = Settings(openlineage_url="http://127.0.0.1:5000")
    assert json.loads(openlineage_environment(marquez)["AIRFLOW__OPENLINEAGE__TRANSPORT"]) == {
        "type": "http", "url": "http://127.0.0.1:5000", "endpoint": "api/v1/lineage"}
    console = Settings(openlineage_url="http://127.0.0.1:5000", openlineage_transport="console")
    assert json.loads(openlineage_environment(console)["AIRFLOW__OPENLINEAGE__TRANSPORT"]) == {"type": "console"}
    assert openlineage_environment(Settings(openlineage_transport="off")) == {"AIRFLOW__OPENLINEAGE__DISABLED": "True"}
    with pytest.raises(ConfigError, match="needs BLOCKLAKE_OPENLINEAGE_URL"):
        openlineage_environment(Settings(openlineage_transport="http"))


def test_sources_are_named_as_the_openlineage_conventions_ask() -> None:
    # as ingestion.connections labels a source; the schema or MySQL database comes from the registry
    postgres = source_dataset("postgres://10.0.0.5:5432/health/signing", "family_doctor")
    assert (postgres.namespace, postgres.name) == ("postgres://10.0.0.5:5432", "health.family_doctor.signing")
    assert source_dataset("postgres://10.0.0.5:5432/health/signing").name == "health.public.signing"
    mysql = source_dataset("mysql://10.0.0.6:3306/test/rental", "police")
    assert (mysql.namespace, mysql.name) == ("mysql://10.0.0.6:3306", "police.rental")
    workbook = source_dataset("excel:民政救助名册.xlsx/独居老人")
    assert (workbook.namespace, workbook.name) == ("file", "民政救助名册.xlsx/独居老人")


def test_the_http_transport_posts_to_the_configured_endpoint_with_the_key() -> None:
    """What Marquez would receive: the client's HTTP transport built from our configuration, on loopback."""
    received: list[tuple[str, str, dict]] = []

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Authorization"], json.loads(body)))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.handle_request, daemon=True).start()
    settings = Settings(openlineage_url=f"http://127.0.0.1:{server.server_port}", openlineage_api_key="secret")
    config = json.loads(openlineage_environment(settings)["AIRFLOW__OPENLINEAGE__TRANSPORT"])
    client = OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict(config)))
    client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime="2026-10-31T00:00:00+00:00", run=Run(str(uuid4())),
                         job=Job("blocklake", "ingest_police.load_tables"), producer="test",
                         outputs=[OutputDataset("ducklake://blocklake", "raw.police__resident")]))
    server.server_close()
    [(path, authorization, event)] = received
    assert path == "/api/v1/lineage" and authorization == "Bearer secret"
    assert event["outputs"][0]["name"] == "raw.police__resident"
