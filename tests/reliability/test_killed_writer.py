"""Item 1 of the reliability suite: an ingestion killed (SIGKILL) after writing its data files and
before committing. Readers stay on the previous snapshot, the retry succeeds, and the maintenance task
finds the orphaned files and deletes them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from blocklake import lake
from blocklake.maintenance import maintain, orphaned_files
from blocklake.settings import Settings
from tests.conftest import declare, query, sqlite_execute
from tests.reliability.tally import TALLY

STATE = "SELECT (SELECT count(*) FROM lake.raw.water__reading), (SELECT max(snapshot_id) FROM lake.snapshots())"


def ingest(*args: str, failpoints: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BLOCKLAKE_FAILPOINTS": failpoints}
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    return subprocess.run([blocklake, "ingest", *args], env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def test_a_writer_killed_before_its_commit_loses_nothing_and_leaves_only_orphans(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "meters.sqlite"
    sqlite_execute(source, "CREATE TABLE reading (id INTEGER PRIMARY KEY, meter TEXT, m3 REAL)")
    sqlite_execute(source, "INSERT INTO reading VALUES (?, ?, ?)", [(i, f"M{i:07d}", i / 7) for i in range(50_000)])
    monkeypatch.setenv("BLOCKLAKE_CONN_METERS_DB", f"sqlite://{source}")
    declare(settings, "water", {"id": "meters_db", "kind": "sqlite", "connection": "meters_db"},
            {"name": "reading", "title": "抄表", "object": "reading", "primary_key": ["id"]})
    assert ingest("water", "reading").returncode == 0
    before = query(settings, STATE)[0]

    sqlite_execute(source, "INSERT INTO reading VALUES (?, ?, ?)", [(i, f"M{i:07d}", i / 7)
                                                                   for i in range(50_000, 60_000)])
    killed = ingest("water", "reading", failpoints="lake_writer.before_commit=kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    TALLY.add("faults_injected")

    # Readers see exactly what they saw; the killed write left files nothing references.
    assert query(settings, STATE)[0] \
        == before
    con = lake.connect(settings)
    try:
        orphans = orphaned_files(con)
    finally:
        con.close()
    assert orphans and all(name.endswith(".parquet") for name in orphans)

    retried = ingest("water", "reading")
    assert retried.returncode == 0, retried.stderr[-2000:]
    loaded = query(settings, "SELECT count(*), count(DISTINCT id) FROM lake.raw.water__reading")[0]
    TALLY.rows(60_000, loaded[1])
    assert loaded == (60_000, 60_000)

    report = maintain(settings, orphan_grace=timedelta(0))
    assert report.orphaned_files_deleted == len(orphans)
    assert all(not Path(name).exists() for name in orphans)
    assert query(settings, "SELECT count(*) FROM lake.raw.water__reading")[0][0] == 60_000
