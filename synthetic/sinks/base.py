"""The two small interfaces every sink implements."""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from synthetic.schema import TableSpec


class TableWriter(Protocol):
    def write(self, data: pa.Table) -> None: ...

    def close(self) -> None: ...


class DepartmentSink(Protocol):
    """One department's target: a SQLite file, a PostgreSQL schema, a MySQL database, a folder…"""

    def table(self, spec: TableSpec) -> TableWriter: ...

    def close(self) -> None: ...
