"""What changed in a source since its registry entry was written: tables and columns that are new or
vanished, and columns whose values now show another element than the entry declares. Shown to a person;
the entry is never rewritten."""

from __future__ import annotations

from dataclasses import dataclass

from blocklake.registry import Department
from ingestion.discover.proposal import TableProposal


@dataclass(frozen=True)
class Change:
    table: str  # the source object
    what: str  # new table | vanished table | new column | vanished column | retyped column
    column: str | None = None
    detail: str = ""

    def describe(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{self.what:<16} {where}" + (f"  ({self.detail})" if self.detail else "")


def changes(department: Department, proposals: list[TableProposal]) -> list[Change]:
    """The differences between the registry's entry and what the source shows now."""
    registered = {table.object: table for table in department.tables}
    found = {proposal.sample.object: proposal for proposal in proposals}
    result = [Change(source_object, "new table", detail=f"{found[source_object].sample.rows:,} rows")
              for source_object in found if source_object not in registered]
    result += [Change(source_object, "vanished table", detail=f"registry table {registered[source_object].name}")
               for source_object in registered if source_object not in found]
    for source_object in registered.keys() & found.keys():
        result += _column_changes(source_object, registered[source_object].columns, found[source_object])
    return result


def _column_changes(source_object: str, declared: dict, proposal: TableProposal) -> list[Change]:
    if not declared:  # an entry that lists no columns cannot say which are new
        return []
    now = {column.name: column for column in proposal.columns}
    result = [Change(source_object, "new column", name, f"{column.element}: {column.evidence}")
              for name, column in now.items() if name not in declared]
    result += [Change(source_object, "vanished column", name) for name in declared if name not in now]
    result += [Change(source_object, "retyped column", name,
                      f"declared {spec.element}, the values show {now[name].element}: {now[name].evidence}")
               for name, spec in declared.items()
               if name in now and spec.element and now[name].detection.values and spec.element != now[name].element]
    return result
