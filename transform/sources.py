"""dbt's raw-layer sources, written from the source registry so the two cannot drift apart.

Each department's ``dbt_project/models/staging/<department>/_<department>__sources.yml`` declares its
raw tables to dbt: one source per department (``source('<department>', '<table>')``), one table per
registry table, identified by its lake name (``raw.<department>__<table>``) and described by its title.
All of it is derived from ``ingestion/registry/<department>.yaml`` except notes a person adds: the
source's description (what the system is, how its fields are named) and, after a table's title, what a
reader of that table should know. Notes survive a rewrite. ``blocklake dbt-sources`` writes the files;
:func:`mismatches` names every difference, and the test suite fails on any.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from blocklake.registry import Department, Registry, raw_table_name
from blocklake.settings import PROJECT_ROOT, get_settings

STAGING = PROJECT_ROOT / "dbt_project" / "models" / "staging"  # the repository's


def staging_root() -> Path:
    """The staging folder of the dbt project in use (settings: dbt_project_dir)."""
    return get_settings().dbt_project_path / "models" / "staging"
SOURCE_KIND_TITLES = {"postgres": "PostgreSQL 业务库", "mysql": "MySQL 业务库", "sqlite": "SQLite 业务库",
                      "csv": "CSV 导出文件", "excel": "Excel 工作簿", "parquet": "Parquet 文件"}
HEADER = ("# Generated from ingestion/registry/{code}.yaml by `blocklake dbt-sources`: edit the registry, not this\n"
          "# file. A rewrite keeps the notes: the source's description, and what follows a table's title.\n")


def sources_path(department: str, staging: Path | None = None) -> Path:
    return (staging or staging_root()) / department / f"_{department}__sources.yml"


def expected(department: Department, previous: dict | None = None) -> dict:
    """The sources document of ``department``, keeping the notes of ``previous`` (the file as it is)."""
    notes = _table_notes(previous)
    return {"version": 2, "sources": [{
        "name": department.code,
        "description": _source_note(previous) or default_description(department),
        "database": "lake",
        "schema": "raw",
        # The primary key lets a staging model take only the rows a publication changed (published_source).
        "tables": [{"name": table.name, "identifier": raw_table_name(department, table),
                    "description": _titled(notes.get(table.name), table.title),
                    "meta": {"primary_key": list(table.primary_key)}} for table in department.tables],
    }]}


def default_description(department: Department) -> str:
    kinds = "、".join(dict.fromkeys(SOURCE_KIND_TITLES[source.kind] for source in department.sources))
    return f"{department.name}（{kinds}），经 ingest_{department.code} 入湖。"


def mismatches(registry: Registry, staging: Path | None = None) -> list[str]:
    """Every way the sources files differ from the registry, one message each (none: they agree)."""
    staging = staging or staging_root()
    problems = []
    for department in registry.departments.values():
        path = sources_path(department.code, staging)
        found = _read(path)
        if found is None:
            problems.append(f"{path}: missing; `blocklake dbt-sources` writes it from the registry")
        elif found != expected(department, found):
            problems.append(f"{path}: differs from ingestion/registry/{department.code}.yaml "
                            f"({_difference(found, expected(department))}); `blocklake dbt-sources` rewrites it")
    for path in sorted(staging.glob("*/_*__sources.yml")):
        if path.parent.name not in registry.departments:
            problems.append(f"{path}: no department '{path.parent.name}' in the registry")
    return problems


def write(registry: Registry, staging: Path | None = None) -> list[Path]:
    """Write every department's sources file that differs from the registry; returns those written."""
    staging = staging or staging_root()
    written = []
    for department in registry.departments.values():
        path = sources_path(department.code, staging)
        text = render(department, _read(path))
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def render(department: Department, previous: dict | None = None) -> str:
    document = expected(department, previous)
    return HEADER.format(code=department.code) + yaml.safe_dump(document, allow_unicode=True, sort_keys=False,
                                                                width=120, indent=2)


def _read(path: Path) -> dict | None:
    if not path.is_file():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _source_note(document: dict | None) -> str | None:
    try:
        return document["sources"][0]["description"]
    except (KeyError, IndexError, TypeError):
        return None


def _table_notes(document: dict | None) -> dict[str, str]:
    try:
        return {table["name"]: table.get("description") or "" for table in document["sources"][0]["tables"]}
    except (KeyError, IndexError, TypeError):
        return {}


def _titled(note: str | None, title: str) -> str:
    """A table's description: its registry title, then any note a person wrote after it."""
    return note if note and note.startswith(title) else title


def _difference(found: dict, wanted: dict) -> str:
    tables = {table["identifier"] for table in wanted["sources"][0]["tables"]}
    try:
        declared = {table.get("identifier") for table in found["sources"][0]["tables"]}
    except (KeyError, IndexError, TypeError):
        return "not a sources document of one source"
    parts = [f"missing {sorted(tables - declared)}" if tables - declared else "",
             f"not in the registry {sorted(declared - tables)}" if declared - tables else ""]
    return "; ".join(part for part in parts if part) or "a table's name, title or order, or the layout, differs"
