"""Stage timings: every Airflow task of ours appends one JSON line saying how long its own work took
and how many rows it moved, to ``<home>/metrics/stages.jsonl``.

The line is written by the task itself, so it counts our work only: what a DAG run takes beyond the
sum of its tasks' lines is Airflow's (scheduling, task start-up, bookkeeping). ``bench.pipeline``
reads these lines for rows/s per stage and for ``airflow_overhead_share``. Each line is one ``write``
to a file opened with ``O_APPEND``, so tasks appending at the same time never interleave.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from blocklake.settings import get_settings

STAGES = ("ingest", "gate", "dbt", "catalog", "export", "report", "maintenance")


@dataclass
class StageRecord:
    stage: str
    task: str
    started_at: str
    seconds: float = 0.0
    rows: int = 0
    ok: bool = True
    labels: dict[str, str] = field(default_factory=dict)


def stages_file() -> Path:
    return get_settings().home / "metrics" / "stages.jsonl"


@contextmanager
def stage(name: str, task: str, **labels: str) -> Iterator[StageRecord]:
    """Time the block as ``name``; set ``.rows`` on the yielded record. Failed blocks are recorded too."""
    if name not in STAGES:
        raise ValueError(f"unknown stage '{name}'; stages are {STAGES}")
    record = StageRecord(name, task, datetime.now(UTC).isoformat(), labels=labels)
    clock = time.perf_counter()
    try:
        yield record
    except BaseException:
        record.ok = False
        raise
    finally:
        record.seconds = time.perf_counter() - clock
        _append(record)


def _append(record: StageRecord) -> None:
    path = stages_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(asdict(record), ensure_ascii=False) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def read_stages(since: datetime | None = None, path: Path | None = None) -> list[StageRecord]:
    """The recorded stages, oldest first (those started at or after ``since``)."""
    path = path or stages_file()
    if not path.is_file():
        return []
    records = [StageRecord(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if since is not None:
        records = [r for r in records if datetime.fromisoformat(r.started_at) >= since]
    return records
