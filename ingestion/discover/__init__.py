"""``blocklake discover``: point it at a department's source and it proposes the department's registry
entry for a person to review — tables, keys, load modes, and per column a Chinese title and the data
element found in its values, with the evidence. Run again on a source that changed, it shows what
changed against the entry the registry holds instead of overwriting it.

- :mod:`ingestion.discover.reading` samples a source: a database (PostgreSQL, MySQL, SQLite) or a folder
  of CSV and Excel files;
- :mod:`ingestion.discover.proposal` turns samples into a proposed entry (the detector is
  :mod:`blocklake.elements`, the gate's too) and writes it as YAML;
- :mod:`ingestion.discover.changes` compares a proposal with the registry's entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from blocklake.registry import Registry
from blocklake.settings import Settings
from ingestion.discover.changes import Change, changes
from ingestion.discover.proposal import TableProposal, propose_table, to_yaml
from ingestion.discover.reading import read_source


@dataclass(frozen=True)
class Discovery:
    yaml: str  # the proposed entry
    tables: list[TableProposal]
    changes: list[Change] | None  # against the registry's entry, when the department has one


def discover(where: str, *, code: str, name: str | None, uscc: str | None, namespace: str | None,
             settings: Settings, registry: Registry, progress: Callable[[str], None] = lambda _: None) -> Discovery:
    """Sample the source at ``where`` and propose department ``code``'s entry."""
    source = read_source(where, settings, namespace=namespace)
    progress(f"read {len(source.tables)} tables from {source.label}")
    tables = []
    for index, table in enumerate(source.tables, 1):
        tables.append(propose_table(table, index, today=settings.today))
        progress(f"[{index}/{len(source.tables)}] {table.object}: {table.rows:,} rows, {len(table.columns)} columns")
    existing = registry.departments.get(code)
    name = name or (existing.name if existing else code)
    uscc = uscc or (existing.uscc if existing else None)
    return Discovery(to_yaml(source, tables, code=code, name=name, uscc=uscc), tables,
                     changes(existing, tables) if existing else None)


__all__ = ["Discovery", "discover"]
