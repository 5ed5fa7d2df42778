"""Shared pieces of the benchmarks: the machine description and the results file format."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, object]:
    return {"cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30)}


def write_results(area: str, scale: str, figures: list[dict[str, object]], **extra: object) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{area}.json"
    document = {"area": area, "scale": scale, "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine(), "figures": figures, **extra}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def figure(name: str, value: float, unit: str, target: str | None = None) -> dict[str, object]:
    entry: dict[str, object] = {"name": name, "value": round(value, 4), "unit": unit}
    if target:
        entry["target"] = target
    return entry


def open_lake(home: Path) -> duckdb.DuckDBPyConnection:
    """A run's lake, read-only, opened the way an analyst would: plain DuckDB, not Blocklake's code."""
    con = duckdb.connect()
    con.execute("LOAD ducklake; LOAD sqlite")
    lake = home / "lake"
    con.execute(f"ATTACH 'ducklake:sqlite:{lake}/catalog.sqlite' AS lake (DATA_PATH '{lake}/data/', READ_ONLY)")
    return con
