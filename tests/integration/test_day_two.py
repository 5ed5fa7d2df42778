"""Day two of the tiny district: only what changed flows through, and the result equals a full rebuild.

One home runs day 1 (``blocklake run``), then day 2 (``blocklake generate --day 2``: about 1% of every
table inserted, updated or hard-deleted) on the same lake, through the real DAGs. Then ``blocklake build
--full-refresh`` rebuilds the base layer from nothing over the same publications, and every published
base and mart table must keep its rows and content hash.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from bench.common import open_lake
from blocklake.published import content_fingerprints
from tests.conftest import started_early

BLOCKLAKE = str(Path(sys.executable).with_name("blocklake"))
RUN_TIMEOUT_S = 900


def run(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([BLOCKLAKE, *arguments], env=env, capture_output=True, text=True,
                            timeout=RUN_TIMEOUT_S, check=False)
    assert result.returncode == 0, f"blocklake {' '.join(arguments)}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result


def run_days(root: Path) -> dict[str, object]:
    """Day 1, day 2 and the full rebuild in ``root``, and what the tests compare. The conftest starts this
    when the session starts (tests.conftest.SLOW_FIXTURES): it is all subprocesses, on the core the rest
    of the suite leaves idle."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLOCKLAKE"))}
    env.update(BLOCKLAKE_HOME=str(root / "home"), BLOCKLAKE_SCALE="tiny")
    for day in (1, 2):
        run(env, "generate", "--scale", "tiny", "--day", str(day), "--out", str(root / f"day{day}"))
    run({**env, "BLOCKLAKE_SOURCES_DIR": str(root / "day1")}, "run", "--scale", "tiny", "--no-serve")
    day2 = {**env, "BLOCKLAKE_SOURCES_DIR": str(root / "day2")}
    run(day2, "run", "--scale", "tiny", "--no-serve")
    incremental = fingerprints(root / "home")
    log = (root / "home" / "dbt" / "logs" / "dbt.log").read_text(encoding="utf-8")
    staged = query(root / "home", "SELECT model_name, count(*) FROM lake.meta.staged_inputs GROUP BY ALL")
    resident = query(root / "home",
                     "SELECT resident_record_id, residence_address FROM lake.staging.stg_police__resident")
    raw = query(root / "home", "SELECT rkbh, jzdz FROM lake.raw.police__resident")
    run(day2, "build", "--full-refresh")
    return {"root": root, "incremental": incremental, "full": fingerprints(root / "home"), "log": log,
            "staged": dict(staged), "resident": dict(resident), "raw": dict(raw)}


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return started_early("days", lambda: run_days(tmp_path_factory.mktemp("day-two")))


def query(home: Path, sql: str) -> list[tuple]:
    con = open_lake(home)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def fingerprints(home: Path) -> dict[str, tuple[int, int]]:
    con = open_lake(home)
    try:
        return content_fingerprints(con)
    finally:
        con.close()


def changes(root: Path, table: str, change: str) -> set[str]:
    truth = pq.read_table(root / "day2" / "_truth" / "changes.parquet")
    chosen = truth.filter(pc.and_(pc.equal(truth["table"], table), pc.equal(truth["change"], change)))
    return set(chosen["record_key"].to_pylist())


def test_day_two_stages_only_the_changes_from_the_change_feed(days: dict[str, object]) -> None:
    staged = days["staged"]
    assert len(staged) == 27 and set(staged.values()) == {2}, "every staging model recorded both days' input"
    assert days["log"].count("ducklake_table_changes(") >= 27, "day 2 read each staging model's change feed"


def test_the_staged_rows_follow_the_sources_inserts_updates_and_deletes(days: dict[str, object]) -> None:
    root, resident, raw = days["root"], days["resident"], days["raw"]
    inserted, updated = changes(root, "resident", "insert"), changes(root, "resident", "update")
    assert inserted and updated
    # The police register is loaded incrementally: deletions wait for its reconciliation, late rows too.
    assert resident.keys() == raw.keys(), "staging holds exactly the published raw keys"
    assert {key for key in inserted if key in raw} <= resident.keys()
    assert all(resident[key] == (raw[key] or "").strip() or resident[key] is None for key in updated if key in raw)


def test_incremental_day_two_equals_a_full_rebuild_of_every_published_table(days: dict[str, object]) -> None:
    incremental, full = days["incremental"], days["full"]
    assert set(full) >= {"base.base_person", "base.base_address_match", "base.base_legal_entity",
                         "marts.mart_block_stats"}
    assert {table: incremental.get(table) for table in full} == full
