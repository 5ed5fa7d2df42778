"""CSV departments: one file per table in the department's folder, in the department's encoding."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa

from synthetic.schema import TableSpec


class CsvSink:
    def __init__(self, folder: Path, encoding: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._encoding = encoding

    def table(self, spec: TableSpec) -> CsvTable:
        return CsvTable(self.folder / f"{spec.name}.csv", self._encoding, spec)

    def close(self) -> None:
        """Each table closes its own file."""


class CsvTable:
    def __init__(self, path: Path, encoding: str, spec: TableSpec):
        # errors="strict": a character the department's encoding lacks must fail loudly, not turn into '?'.
        self._file = path.open("w", encoding=encoding, errors="strict", newline="")
        self._writer = csv.writer(self._file, quoting=csv.QUOTE_MINIMAL)
        self._writer.writerow(spec.column_names)

    def write(self, data: pa.Table) -> None:
        self._writer.writerows(zip(*(column.to_pylist() for column in data.columns), strict=True))

    def close(self) -> None:
        self._file.close()
