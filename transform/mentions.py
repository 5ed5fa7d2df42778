"""Where persons and addresses appear in the departments' data, derived from the registry's data elements
— the lists the base layer's persons line and address matching union over. Nobody writes them: a new
department's table holding resident IDs joins the persons line, its addresses the address matching, as
soon as its registry entry says what its columns are.

A **person mention** is a resident-ID column and what the same record says of that person: the name, phone
and address columns whose ``person`` names the same role (``self``, 租客, 母亲 …), the record's key and the
column dating the record (``observed_at``). An **address mention** is every address column of a table
that is not the district's plate itself. An **entity mention** is every credit-code (USCC) column, with
the table's organisation name. All name the staging model's columns (``staged_as``).

They are written as dbt macros, ``dbt_project/macros/generated/registry_mentions.sql``, by
``blocklake dbt-sources`` beside the sources files; :func:`mismatch` says when the file is stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from blocklake.registry import Registry, TableSpec
from blocklake.settings import PROJECT_ROOT, get_settings
from blocklake.sql import identifier

MACROS = PROJECT_ROOT / "dbt_project" / "macros" / "generated" / "registry_mentions.sql"  # the repository's


def macros_path() -> Path:
    """The generated macros file of the dbt project in use (settings: dbt_project_dir)."""
    return get_settings().dbt_project_path / "macros" / "generated" / "registry_mentions.sql"
HEADER = ("{#- Generated from the registry's data elements (ingestion/registry/*.yaml) by `blocklake dbt-sources`:\n"
          "    edit the registry, not this file. transform/mentions.py says how they are derived. -#}\n")
PERSON_PARTS = {"person_name": "name", "phone": "phone", "address": "address"}


def person_mentions(registry: Registry) -> list[dict[str, str]]:
    """One entry per (table, role with a resident-ID column)."""
    mentions = []
    for code, department in registry.departments.items():
        for table in department.tables:
            for column, spec in table.columns.items():
                if spec.element == "resident_id" and spec.person:
                    mentions.append(_person(code, table, column, spec.person[0]))
    return mentions


def _person(code: str, table: TableSpec, id_column: str, role: str) -> dict[str, str]:
    mention = {"model": staging_model(code, table), "source": f"{code}.{table.name}",
               "key": identifier(table.staged(table.primary_key[0])), "column": id_column, "role": role,
               "id": identifier(table.staged(id_column))}
    for column, spec in sorted(table.columns.items(), key=lambda item: _not_home(item[1].title)):
        part = PERSON_PARTS.get(spec.element or "")
        if part and role in spec.person and part not in mention:
            mention[part] = identifier(table.staged(column))
    if table.observed_at:
        mention["at"] = identifier(table.staged(table.observed_at))
    return mention


def _not_home(title: str | None) -> bool:
    """Where a person lives comes before where they are registered (户籍): 居住地址 before 户籍地址."""
    return not re.search(r"居住|现住|现居|家庭", title or "")


def address_mentions(registry: Registry) -> list[dict[str, str]]:
    """One entry per address column of every table that is not the plate."""
    return [{"model": staging_model(code, table), "source": f"{code}.{table.name}",
             "key": identifier(table.staged(table.primary_key[0])), "column": column,
             "text": identifier(table.staged(column))}
            for code, department in registry.departments.items() for table in department.tables if not table.plate
            for column, spec in table.columns.items() if spec.element == "address"]


def entity_mentions(registry: Registry) -> list[dict[str, str]]:
    """One entry per credit-code (USCC) column of every table: the legal-entity line's mentions, with the
    table's organisation name where it has one."""
    mentions = []
    for code, department in registry.departments.items():
        for table in department.tables:
            names = [column for column, spec in table.columns.items() if spec.element == "org_name"]
            for column, spec in table.columns.items():
                if spec.element == "uscc":
                    mention = {"model": staging_model(code, table), "source": f"{code}.{table.name}",
                               "key": identifier(table.staged(table.primary_key[0])), "column": column,
                               "uscc": identifier(table.staged(column))}
                    if names:
                        mention["name"] = identifier(table.staged(names[0]))
                    mentions.append(mention)
    return mentions


def staging_model(code: str, table: TableSpec) -> str:
    return f"stg_{code}__{table.name}"


def render(registry: Registry) -> str:
    """The macros file: each macro returns its list (dbt reads it when it parses the project)."""
    parts = [HEADER]
    for name, entries in (("person_mentions", person_mentions(registry)),
                          ("address_mentions", address_mentions(registry)),
                          ("entity_mentions", entity_mentions(registry))):
        listed = ",\n    ".join(json.dumps(entry, ensure_ascii=False) for entry in entries)
        parts.append(f"{{% macro {name}() %}}{{{{ return([\n    {listed}\n]) }}}}{{% endmacro %}}\n")
    return "\n".join(parts)


def mismatch(registry: Registry, path: Path | None = None) -> str | None:
    path = path or macros_path()
    if not path.is_file():
        return f"{path}: missing; `blocklake dbt-sources` writes it from the registry"
    if path.read_text(encoding="utf-8") != render(registry):
        return f"{path}: differs from the registry's data elements; `blocklake dbt-sources` rewrites it"
    return None


def write(registry: Registry, path: Path | None = None) -> Path | None:
    """Write the macros file if it differs; returns it if it was written."""
    path = path or macros_path()
    text = render(registry)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
