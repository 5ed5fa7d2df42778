"""Every lake table's suite, from the one place its table is declared.

- Raw tables: derived from the registry entry — the key is complete and unique and a load is not
  empty (errors); identifiers the registry marks as sensitive are valid (a resident ID's region code
  existed in its birth year, too) and the newest record is no
  older than the update cycle allows (warnings: departments deliver what they hold, staging cleans
  it) — plus the entry's own ``quality:`` list, which may raise any of these to an error.
- Base and mart models: the ``config: meta: quality:`` list in the model's YAML, read from dbt's
  manifest, plus a non-empty check.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from blocklake.checks import CYCLE_MAX_AGE, Check, Suite, merge_checks
from blocklake.errors import ConfigError
from blocklake.registry import Department, Registry, TableSpec, raw_table_name

GATED_LAYERS = ("base", "marts")
# The warnings a sensitive column gets by default, by its kind: a resident ID is valid, and its region
# code existed in its birth year (a real ID may fail that: its code is the place of issue).
SENSITIVE_CHECKS = {"resident_id": ("resident_id", "resident_id_region_at_birth"), "phone": ("phone",)}
LOAD_TIME_COLUMN = "_extracted_at"


def raw_suite(department: Department, table: TableSpec) -> Suite:
    return Suite(
        table=f"raw.{raw_table_name(department, table)}",
        layer="raw",
        department=department.code,
        title=table.title,
        checks=merge_checks(_derived_raw_checks(table), table.quality),
        declared_in=f"ingestion/registry/{department.code}.yaml",
        sensitive=dict(table.personal),
        dated_by=table.business_time,
    )


def raw_suites(registry: Registry) -> dict[str, Suite]:
    suites = (raw_suite(dept, table) for dept in registry.departments.values() for table in dept.tables)
    return {suite.table: suite for suite in suites}


def _derived_raw_checks(table: TableSpec) -> list[Check]:
    key = table.primary_key
    checks = [Check(check="not_null", column=column) for column in key]
    checks.append(Check(check="unique", columns=key))
    checks += [Check(check=check, column=column, severity="warn")
               for column, kind in table.personal.items() for check in SENSITIVE_CHECKS.get(kind, ())]
    dated_by = table.business_time or LOAD_TIME_COLUMN
    # A quiet department is flagged, not blocked: low-volume tables go days without a change. Tables
    # whose silence means a broken feed declare an error-level `fresh` check in their `quality:` list.
    max_age = CYCLE_MAX_AGE.get(table.update_cycle)  # none for 不定期: an irregular table is never late
    if max_age is not None:
        checks.append(Check(check="fresh", column=dated_by, max_age=max_age, severity="warn"))
    if not table.load.allow_empty:
        checks.append(Check(check="row_count", min_rows=1))
    return checks


def model_suites(manifest_path: Path) -> dict[str, Suite]:
    """Suites of the base and mart models in a dbt ``manifest.json``."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("no dbt manifest: run `dbt parse` or `dbt build` first", path=manifest_path) from None
    suites = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] in GATED_LAYERS:
            suite = _model_suite(node)
            suites[suite.table] = suite
    return suites


def _model_suite(node: dict) -> Suite:
    declared_in = (node.get("patch_path") or "").split("://", 1)[-1] or node["original_file_path"]
    meta = node["config"].get("meta", {})
    declared = meta.get("quality", [])
    try:
        checks = [Check.model_validate(entry) for entry in declared]
    except ValidationError as exc:
        raise ConfigError(f"model {node['name']}: quality check invalid: {exc.errors()[0]['msg']}",
                          path=Path("dbt_project") / declared_in) from None
    return Suite(
        table=f"{node['schema']}.{node['name']}",
        layer=node["schema"],
        title=node.get("description", "").split("\n", 1)[0] or None,
        checks=merge_checks([Check(check="row_count", min_rows=1)], checks),
        declared_in=f"dbt_project/{declared_in}",
        sensitive=dict(meta.get("sensitive") or {}),  # what the model declares personal: masked examples, no scan
    )
