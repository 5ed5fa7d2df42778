"""Staging models for registry tables nobody wrote one for, derived from their data elements: each
column renamed as ``staged_as`` says and normalised as its element says (IDs, names, phones, USCCs,
dates and times in their declared text format, amounts). A column the registry does not describe is not
staged (it stays in the raw table): ``blocklake discover`` lists it as new until the entry names it.
A table that needs more keeps a hand-written model: a file without the generated header is never
touched. ``blocklake dbt-sources`` writes them; :func:`mismatches` names stale ones.
"""

from __future__ import annotations

import json
from pathlib import Path

from blocklake.registry import ColumnSpec, Registry, TableSpec
from blocklake.sql import identifier

MARK = "{#- Generated from"
HEADER = (MARK + " ingestion/registry/<code>.yaml by `blocklake dbt-sources` (the table's data elements): edit\n"
          "    the registry, or make this model hand-written by removing this header. -#}\n")
MACRO_OF = {"resident_id": "normalize_resident_id", "person_name": "clean_name", "phone": "normalize_phone",
            "uscc": "normalize_uscc", "amount": "parse_amount"}


def model_path(staging: Path, code: str, table: TableSpec) -> Path:
    return staging / code / f"stg_{code}__{table.name}.sql"


def is_generated(path: Path) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8").startswith(MARK)


def render(code: str, table: TableSpec) -> str:
    described = [f"    {_expression(column, spec)} as {identifier(table.staged(column))},"
                 for column, spec in table.columns.items()]
    source = f"{{{{ published_source({_jinja(code)}, {_jinja(table.name)}) }}}}"
    return (HEADER.replace("<code>", code) + _config(table) + f"with source as (\n    select * from {source}\n)\n\n"
            "select\n" + "\n".join(described) + "\n    _batch_id as load_id\nfrom source\n")


def _config(table: TableSpec) -> str:
    """Incremental by the staged primary key (only what a publication changed is staged again), or a
    whole table when the key is not among the described columns."""
    if not all(column in table.columns for column in table.primary_key):
        return "{{ config(materialized='table') }}\n\n"
    keys = ", ".join(_jinja(table.staged(column)) for column in table.primary_key)
    return f"{{{{ config(unique_key=[{keys}]) }}}}\n\n"



def _expression(column: str, spec: ColumnSpec) -> str:
    text = _jinja(f"cast({identifier(column)} as varchar)")
    if spec.element in MACRO_OF:
        return f"{{{{ {MACRO_OF[spec.element]}({text}) }}}}"
    if spec.element in ("date", "datetime"):  # typed in the source already, or text in the declared format
        kind = "date" if spec.element == "date" else "timestamp"
        parsed = (f"{{{{ parse_{kind}_as({text}, {_jinja(spec.format)}) }}}}" if spec.format
                  else f"{{{{ parse_{kind}({text}) }}}}")
        return f"coalesce(try_cast({identifier(column)} as {kind}), {parsed})"
    if spec.element == "number":
        return f"try_cast({{{{ clean_text({text}) }}}} as double)"
    return f"{{{{ clean_text({text}) }}}}"


def _jinja(text: str) -> str:
    """A Jinja string literal: a source's column name is the department's to choose, and must stay text."""
    return json.dumps(text, ensure_ascii=False)


def wanted(registry: Registry, staging: Path) -> dict[Path, str]:
    """The generated model of every registry table that has no hand-written one."""
    models = {}
    for code, department in registry.departments.items():
        for table in department.tables:
            path = model_path(staging, code, table)
            if table.columns and (not path.exists() or is_generated(path)):
                models[path] = render(code, table)
    return models


def mismatches(registry: Registry, staging: Path) -> list[str]:
    return [f"{path}: {'missing' if not path.exists() else 'differs from the registry'}; `blocklake dbt-sources` "
            "writes it" for path, text in wanted(registry, staging).items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def write(registry: Registry, staging: Path) -> list[Path]:
    written = []
    for path, text in wanted(registry, staging).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
