"""What a generation run produced: the report returned to the caller and ``manifest.json``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from synthetic.config import GenerateConfig
from synthetic.days import as_of


class TableReport(NamedTuple):
    department: str
    table: str
    rows: int
    location: str


@dataclass(frozen=True)
class GenerateReport:
    tables: list[TableReport]
    seconds: float
    out_dir: Path
    manifest: Path

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)


@dataclass(frozen=True)
class ManifestEntry:
    report: TableReport
    kind: str
    relative_location: str
    sheet: str | None
    loaded_into: tuple[str, ...]  # server targets that also received the table

    def as_json(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "department": self.report.department,
            "table": self.report.table,
            "kind": self.kind,
            "location": self.relative_location,
            "rows": self.report.rows,
        }
        if self.sheet:
            entry["sheet"] = self.sheet
        if self.loaded_into:
            entry["loaded_into"] = list(self.loaded_into)
        return entry


def write_manifest(config: GenerateConfig, out_dir: Path, entries: list[ManifestEntry]) -> Path:
    manifest = {
        "scale": config.scale,
        "seed": config.seed,
        "day": config.day,
        "as_of": as_of(config.day).isoformat(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tables": [entry.as_json() for entry in entries],
        "total_rows": sum(entry.report.rows for entry in entries),
        "truth": sorted(path.name for path in (out_dir / "_truth").glob("*.parquet")),
    }
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
