"""Loads from a SQLite source: full snapshots, idempotent re-runs, deletions, late rows, drift."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from blocklake.errors import SchemaDriftError, SourceDataError
from blocklake.settings import Settings
from ingestion.runner import load_batch, load_table
from tests.conftest import declare, query, snapshot_count, sqlite_execute

T0 = datetime(2026, 10, 1, 8, 0, 0)


@pytest.fixture
def people_db(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "people.sqlite"
    sqlite_execute(path, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, updated_at TIMESTAMP)")
    rows = [(i, f"人员{i}", 20 + i % 50, (T0 + timedelta(minutes=i)).isoformat(sep=" ")) for i in range(1, 1001)]
    sqlite_execute(path, "INSERT INTO people VALUES (?, ?, ?, ?)", rows)
    monkeypatch.setenv("BLOCKLAKE_CONN_PEOPLE_DB", f"sqlite://{path}")
    return path


def declare_people(settings: Settings, load: dict[str, object] | None = None) -> None:
    source = {"id": "people_db", "kind": "sqlite", "connection": "people_db"}
    table = {"name": "people", "title": "人员", "object": "people", "primary_key": ["id"]}
    declare(settings, "demo", source, {**table, "load": load or {"mode": "full"}})


def test_full_load_writes_rows_lineage_and_ledger(settings: Settings, people_db: Path) -> None:
    declare_people(settings)
    record = load_table("demo", "people")
    assert record.outcome == "succeeded" and record.rows_inserted == 1000 and record.bytes > 0
    rows = query(settings, "SELECT count(*), count(DISTINCT _batch_id), min(_source) FROM lake.raw.demo__people")
    assert rows == [(1000, 1, "sqlite:people.sqlite/people")]
    ledger = query(settings, "SELECT outcome, rows_inserted, schema_fingerprint FROM lake.meta.loads")
    assert ledger == [("succeeded", 1000, record.schema_fingerprint)]
    tagged = query(settings, "SELECT commit_extra_info FROM lake.snapshots() WHERE commit_message = 'load demo.people'")
    assert record.load_id in tagged[0][0]


def test_rerun_of_the_same_full_load_is_idempotent(settings: Settings, people_db: Path) -> None:
    declare_people(settings)
    load_table("demo", "people")
    first = query(settings, "SELECT id, name, age FROM lake.raw.demo__people ORDER BY id")
    second_record = load_table("demo", "people")
    assert query(settings, "SELECT id, name, age FROM lake.raw.demo__people ORDER BY id") == first
    assert second_record.rows_deleted == 0
    assert query(settings, "SELECT count(*) FROM lake.meta.loads WHERE outcome = 'succeeded'") == [(2,)]


def test_full_load_detects_deletions_and_keeps_history(settings: Settings, people_db: Path) -> None:
    declare_people(settings)
    load_table("demo", "people")
    before = query(settings, "SELECT id FROM lake.current_snapshot()")[0][0]
    sqlite_execute(people_db, "DELETE FROM people WHERE id IN (7, 42)")
    record = load_table("demo", "people")
    # Only the difference is written: nothing changed but the two deletions.
    assert record.rows_deleted == 2 and record.rows_inserted == 0
    keys = query(settings, "SELECT key_json FROM lake.meta.deleted_keys ORDER BY key_json")
    assert keys == [('{"id":42}',), ('{"id":7}',)]
    assert query(settings, f"SELECT count(*) FROM lake.raw.demo__people AT (VERSION => {before})") == [(1000,)]


def test_a_full_load_writes_only_what_changed_and_the_table_still_equals_the_source(
        settings: Settings, people_db: Path) -> None:
    declare_people(settings)
    first = load_table("demo", "people")
    before = query(settings, "SELECT id FROM lake.current_snapshot()")[0][0]
    sqlite_execute(people_db, "UPDATE people SET age = age + 1 WHERE id IN (5, 6, 7)")
    sqlite_execute(people_db, "DELETE FROM people WHERE id = 9")
    sqlite_execute(people_db, "INSERT INTO people VALUES (2001, '新人', 30, '2026-10-02 08:00:00')")
    second = load_table("demo", "people")
    assert (second.rows_extracted, second.rows_inserted, second.rows_deleted) == (1000, 4, 1)
    source = sorted(tuple(row) for row in query_sqlite(people_db, "SELECT id, name, age FROM people"))
    assert query(settings, "SELECT id, name, age FROM lake.raw.demo__people ORDER BY id") == source
    batches = dict(query(settings, "SELECT _batch_id, count(*) FROM lake.raw.demo__people GROUP BY ALL"))
    assert batches == {first.load_id: 996, second.load_id: 4}, "unchanged rows keep the load that wrote them"
    now = query(settings, "SELECT id FROM lake.current_snapshot()")[0][0]
    feed = query(settings, "SELECT change_type, count(*) FROM ducklake_table_changes('lake', 'raw', 'demo__people', "
                           f"{before + 1}, {now}) GROUP BY ALL ORDER BY ALL")
    assert feed == [("delete", 4), ("insert", 4)], "the change feed holds the changes, not the whole table"


def query_sqlite(path: Path, sql: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(path) as con:
        return con.execute(sql).fetchall()


def test_incremental_load_picks_up_late_rows_without_duplicates(settings: Settings, people_db: Path) -> None:
    declare_people(settings, {"mode": "incremental", "cursor": "updated_at", "overlap": "1h"})
    first = load_table("demo", "people")
    assert first.rows_inserted == 1000
    assert datetime.fromisoformat(first.watermark) == T0 + timedelta(minutes=1000)
    watermark = datetime.fromisoformat(first.watermark)
    late = (watermark - timedelta(minutes=30)).isoformat(sep=" ")  # committed late, inside the overlap
    newer = (watermark + timedelta(minutes=5)).isoformat(sep=" ")
    sqlite_execute(people_db, "INSERT INTO people VALUES (?, ?, ?, ?)", [(5001, "迟到者", 33, late)])
    sqlite_execute(people_db, f"UPDATE people SET name = '改名', updated_at = '{newer}' WHERE id = 3")
    second = load_table("demo", "people")
    assert second.since is not None and second.rows_extracted < 1000  # only the window was read
    rows = query(settings, "SELECT count(*), count(DISTINCT id) FROM lake.raw.demo__people")
    assert rows == [(1001, 1001)]
    assert query(settings, "SELECT name FROM lake.raw.demo__people WHERE id IN (3, 5001) ORDER BY id") == [
        ("改名",), ("迟到者",)]
    assert datetime.fromisoformat(second.watermark) == datetime.fromisoformat(newer)
    third = load_table("demo", "people")  # the same window again: nothing changes, watermark stays
    assert third.watermark == second.watermark
    assert query(settings, "SELECT count(*) FROM lake.raw.demo__people") == [(1001,)]


def test_new_and_widened_columns_are_absorbed_and_recorded(settings: Settings, people_db: Path) -> None:
    declare_people(settings)
    load_table("demo", "people")
    sqlite_execute(people_db, "ALTER TABLE people ADD COLUMN phone TEXT")
    sqlite_execute(people_db, "UPDATE people SET phone = '13800000000' WHERE id = 1")
    record = load_table("demo", "people")
    assert [(c.change, c.column) for c in record.schema_changes] == [("added", "phone")]
    assert query(settings, "SELECT phone FROM lake.raw.demo__people WHERE id = 1") == [("13800000000",)]
    assert query(settings, "SELECT change, column_name FROM lake.meta.schema_changes") == [("added", "phone")]


def test_incompatible_type_change_stops_the_load_and_loses_nothing(
        settings: Settings, people_db: Path, tmp_path: Path) -> None:
    declare_people(settings)
    load_table("demo", "people")
    snapshots = snapshot_count(settings)
    sqlite_execute(people_db, "ALTER TABLE people RENAME TO people_old")
    sqlite_execute(people_db, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, age TEXT, updated_at TIMESTAMP)")
    sqlite_execute(people_db, "INSERT INTO people SELECT id, name, 'unknown', updated_at FROM people_old")
    with pytest.raises(SchemaDriftError, match="age changed type from BIGINT to VARCHAR"):
        load_table("demo", "people")
    assert query(settings, "SELECT count(*), min(age) FROM lake.raw.demo__people") == [(1000, 20)]
    assert snapshot_count(settings) == snapshots + 1  # only the failure record was committed
    assert query(settings, "SELECT outcome FROM lake.meta.loads ORDER BY started_at") == [("succeeded",), ("failed",)]


def test_an_empty_full_extract_does_not_empty_the_lake(settings: Settings, people_db: Path) -> None:
    declare_people(settings)
    load_table("demo", "people")
    sqlite_execute(people_db, "DELETE FROM people")
    with pytest.raises(SourceDataError, match=r"extract of demo\.people is empty"):
        load_table("demo", "people")
    assert query(settings, "SELECT count(*) FROM lake.raw.demo__people") == [(1000,)]


def test_a_vanished_column_is_kept_and_recorded_once(settings: Settings, people_db: Path) -> None:
    declare_people(settings)
    load_table("demo", "people")
    sqlite_execute(people_db, "ALTER TABLE people DROP COLUMN age")
    assert [(c.change, c.column) for c in load_table("demo", "people").schema_changes] == [("dropped", "age")]
    assert load_table("demo", "people").schema_changes == []
    assert query(settings, "SELECT count(*), count(age) FROM lake.raw.demo__people") == [(1000, 0)]
    assert query(settings, "SELECT change, column_name FROM lake.meta.schema_changes") == [("dropped", "age")]


def declare_three(settings: Settings, people_db: Path) -> None:
    """Three tables of one department, new to the lake; ``broken`` names a table the source lacks."""
    sqlite_execute(people_db, "CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT)")
    sqlite_execute(people_db, "INSERT INTO places VALUES (1, '一号楼'), (2, '二号楼')")
    source = {"id": "people_db", "kind": "sqlite", "connection": "people_db"}
    declare(settings, "demo", source, {"name": "people", "title": "人员", "object": "people", "primary_key": ["id"]},
            {"name": "places", "title": "地点", "object": "places", "primary_key": ["id"]},
            {"name": "broken", "title": "缺失", "object": "no_such_table", "primary_key": ["id"]})


def test_new_tables_of_a_batch_are_created_in_one_snapshot(settings: Settings, people_db: Path) -> None:
    declare_three(settings, people_db)
    outcome = load_batch("demo", ["people", "places"])
    assert [record.table_name for record in outcome.loaded] == ["people", "places"] and not outcome.failed
    tagged = query(settings, "SELECT commit_message, commit_extra_info FROM lake.snapshots() "
                             "WHERE commit_message LIKE 'load %'")
    assert len(tagged) == 1, "both tables and their ledger rows commit together"
    assert tagged[0][0] == "load demo.people, demo.places"
    assert all(record.load_id in tagged[0][1] for record in outcome.loaded)
    assert query(settings, "SELECT count(*) FROM lake.raw.demo__places") == [(2,)]


def test_one_bad_new_table_does_not_stop_the_others_of_its_batch(settings: Settings, people_db: Path) -> None:
    declare_three(settings, people_db)
    outcome = load_batch("demo", ["people", "broken", "places"])
    assert sorted(record.table_name for record in outcome.loaded) == ["people", "places"]
    assert list(outcome.failed) == ["broken"]
    assert query(settings, "SELECT raw_table, outcome FROM lake.meta.loads ORDER BY raw_table") == [
        ("demo__broken", "failed"), ("demo__people", "succeeded"), ("demo__places", "succeeded")]
    assert query(settings, "SELECT count(*) FROM lake.raw.demo__people") == [(1000,)]


def test_a_table_whose_last_load_failed_is_loaded_alone(settings: Settings, people_db: Path) -> None:
    declare_three(settings, people_db)
    load_batch("demo", ["people", "broken", "places"])
    outcome = load_batch("demo", ["people", "broken", "places"])
    assert list(outcome.failed) == ["broken"] and len(outcome.loaded) == 2
    messages = [message for (message,) in query(settings, "SELECT commit_message FROM lake.snapshots() "
                                                          "WHERE commit_message LIKE 'load %' ORDER BY snapshot_id")]
    assert messages[-1] == "load demo.people, demo.places", "the rest of the batch went together at once"
