"""Item 4 of the reliability suite: rows deleted at the source. A cursor never shows a hard delete, so an
incremental table is read whole every ``load.reconcile_every``; that reconciliation removes the deleted
rows, records their keys, and leaves the lake's count equal to the source's."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from blocklake.settings import Settings
from ingestion.runner import load_table
from tests.conftest import POSTGRES_DSN, declare, query, require_service
from tests.reliability.tally import TALLY

ROWS = 10_000
DELETED = list(range(17, ROWS, 73))  # 137 keys spread over the whole table


@pytest.fixture
def case_table() -> Iterator[str]:
    require_service(f"PostgreSQL at {POSTGRES_DSN}", lambda: psycopg.connect(POSTGRES_DSN))
    schema = f"t_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"CREATE TABLE {schema}.case_file (id INT PRIMARY KEY, title TEXT, updated_at TIMESTAMP)")
        con.execute(f"INSERT INTO {schema}.case_file SELECT g, '案件' || g, TIMESTAMP '2026-10-01' + g * "
                    f"INTERVAL '1 minute' FROM generate_series(0, {ROWS - 1}) g")
    yield schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {schema} CASCADE")


def source_keys(schema: str) -> set[int]:
    with psycopg.connect(POSTGRES_DSN) as con:
        return {key for (key,) in con.execute(f"SELECT id FROM {schema}.case_file")}


def test_rows_deleted_at_the_source_are_removed_by_the_reconciliation(
        settings: Settings, case_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_CONN_URBAN_PG", POSTGRES_DSN)
    declare(settings, "urban", {"id": "urban_pg", "kind": "postgres", "connection": "urban_pg",
                                "namespace": case_table},
            {"name": "case_file", "title": "案件", "object": "case_file", "primary_key": ["id"],
             "load": {"mode": "incremental", "cursor": "updated_at", "overlap": "1h", "reconcile_every": "10s"}})
    assert load_table("urban", "case_file").mode == "reconcile"  # the first load reads everything

    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"DELETE FROM {case_table}.case_file WHERE id = ANY(%s)", [DELETED])
        con.execute(f"UPDATE {case_table}.case_file SET title = '已办结', updated_at = TIMESTAMP '2026-11-01' "
                    "WHERE id % 500 = 1")
        con.execute(f"INSERT INTO {case_table}.case_file SELECT g, '新案件', TIMESTAMP '2026-11-02' "
                    f"FROM generate_series({ROWS}, {ROWS + 19}) g")
    increment = load_table("urban", "case_file")
    assert increment.mode == "incremental" and increment.rows_deleted == 0
    # The cursor saw the updates and inserts but cannot see deletes: the lake still holds them.
    assert query(settings, "SELECT count(*) FROM lake.raw.urban__case_file")[0][0] == ROWS + 20

    TALLY.add("faults_injected")  # rows deleted at the source, invisible to the cursor
    time.sleep(10)  # reconcile_every has passed (long enough that no load in between takes it on a busy machine)
    reconciled = load_table("urban", "case_file")
    assert reconciled.mode == "reconcile" and reconciled.rows_deleted == len(DELETED)
    lake_keys = {key for (key,) in query(settings, "SELECT id FROM lake.raw.urban__case_file")}
    TALLY.rows(len(source_keys(case_table)), len(lake_keys & source_keys(case_table)))
    assert lake_keys == source_keys(case_table) and len(lake_keys) == ROWS + 20 - len(DELETED)
    recorded = query(settings, "SELECT (key_json::JSON->>'id')::INT FROM lake.meta.deleted_keys WHERE load_id = ?",
                     [reconciled.load_id])
    assert sorted(key for (key,) in recorded) == DELETED
    assert query(settings, "SELECT count(*) FROM lake.raw.urban__case_file WHERE title = '已办结'")[0][0] == 20
    assert reconciled.watermark is not None and reconciled.watermark.startswith("2026-11-02")

    assert load_table("urban", "case_file").mode == "incremental"  # back to increments until the next one
