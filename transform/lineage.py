"""What a dbt build read and wrote, found in dbt's own record of it: the models it built
(``run_results.json``), each with the relations it selects from (``manifest.json``: ``depends_on``) and,
for the base and mart models, where each column comes from, derived from the SQL dbt compiled with
sqlglot's column lineage.

The orchestration turns this into OpenLineage datasets; the column lineage is also recorded for the
catalog (``blocklake.column_lineage``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node, lineage

from blocklake import column_lineage, lake
from blocklake.column_lineage import ColumnSources, Origin
from blocklake.errors import BlocklakeError
from blocklake.lake import LAKE
from blocklake.settings import Settings, get_settings
from blocklake.sql import literal

log = logging.getLogger(__name__)

COLUMN_LINEAGE_LAYERS = ("base", "marts")
UPSTREAM_LAYERS = ("staging", "intermediate", "reference")  # what base and mart models select from
BUILT_KINDS = ("model", "seed", "snapshot")
Schema = dict[str, dict[str, dict[str, dict[str, str]]]]  # catalog -> schema -> table -> column -> type


@dataclass(frozen=True)
class BuiltModel:
    """One relation a build wrote: ``schema.name``, the relations it read, its columns' sources."""

    table: str
    inputs: list[str]
    columns: ColumnSources = field(default_factory=dict)


def record_build(since: datetime, settings: Settings | None = None) -> list[BuiltModel]:
    """What the dbt build that ended after ``since`` wrote (nothing if dbt wrote no results since, having
    failed before it ran), with the base and mart models' column lineage, which is recorded for the catalog
    (``blocklake.column_lineage``)."""
    settings = settings or get_settings()
    target = settings.dbt_target_path
    results = target / "run_results.json"
    if not results.is_file() or datetime.fromtimestamp(results.stat().st_mtime, UTC) < since:
        return []
    with closing(lake.connect(settings, read_only=True)) as con:
        schema = lake_schema(con, COLUMN_LINEAGE_LAYERS + UPSTREAM_LAYERS)
    models = built_models(target, schema)
    column_lineage.record({model.table: model.columns for model in models if model.columns}, settings)
    return models


def built_models(target: Path, schema: Schema | None = None) -> list[BuiltModel]:
    """The relations the last dbt invocation in ``target`` wrote successfully, with their inputs; with
    ``schema`` (the lake's, :func:`lake_schema`), the base and mart models' column lineage too."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = {**manifest["nodes"], **manifest["sources"]}
    built = []
    for result in results:
        node = nodes.get(result["unique_id"])
        if node is None or node["resource_type"] not in BUILT_KINDS or result["status"] != "success":
            continue
        parents = node.get("depends_on", {}).get("nodes", [])  # a seed depends on nothing
        inputs = sorted({relation(nodes[parent]) for parent in parents if parent in nodes})
        columns = {}
        if schema is not None and node["schema"] in COLUMN_LINEAGE_LAYERS and node.get("language") == "sql":
            columns = _followed(node, schema)
        built.append(BuiltModel(relation(node), inputs, columns))
    return built


def _followed(node: dict, schema: Schema) -> ColumnSources:
    """A model's column lineage; none (logged) when sqlglot cannot follow its SQL: the build it describes
    succeeded, and its table-level lineage still stands."""
    try:
        return column_sources(node["compiled_code"], schema)
    except LineageError as exc:
        log.warning("no column lineage for %s: %s", relation(node), exc)
        return {}


def relation(node: dict[str, object]) -> str:
    """``schema.name`` of a dbt node or source in the lake (an alias or a source's identifier if it has one)."""
    name = node.get("alias") or node.get("identifier") or node["name"]
    return f"{node['schema']}.{name}"


def lake_schema(con: duckdb.DuckDBPyConnection, schemas: Iterable[str] | None = None) -> Schema:
    """Every table's columns and types in the lake (or in ``schemas`` of it), for sqlglot to resolve
    ``SELECT *`` and unqualified columns against what is really there."""
    wanted = f"AND table_schema IN ({', '.join(literal(name) for name in schemas)})" if schemas else ""
    rows = con.execute(f"SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
                       f"WHERE table_catalog = {literal(LAKE)} {wanted} ORDER BY ordinal_position").fetchall()
    found: Schema = {LAKE: {}}
    for schema_name, table, column, data_type in rows:
        found[LAKE].setdefault(schema_name, {}).setdefault(table, {})[column] = data_type
    return found


def column_sources(sql: str, schema: Schema) -> ColumnSources:
    """For each column the query returns, the table columns it is computed from (through CTEs, subqueries,
    ``*``, unions, window functions); a column computed from no table column (a constant) has none."""
    try:
        expression = sqlglot.parse_one(sql, dialect="duckdb")
        graph = lineage(None, expression, schema=schema, dialect="duckdb")
    except SqlglotError as exc:
        raise LineageError(f"sqlglot cannot follow the columns of this SQL: {exc}") from exc
    return {column: sorted(set(origins(node))) for column, node in graph.items()}


def origins(node: Node) -> list[Origin]:
    """The table columns at the leaves of a column's lineage graph."""
    found = []
    for leaf in node.walk():
        if leaf.downstream or not isinstance(leaf.source, exp.Table):
            continue
        table = leaf.source
        column = exp.to_column(leaf.name, dialect="duckdb").name  # unquoted: "姓名" is 姓名
        found.append((f"{table.db}.{table.name}" if table.db else table.name, column))
    return found


class LineageError(BlocklakeError):
    """A model's compiled SQL that sqlglot cannot follow column by column."""
