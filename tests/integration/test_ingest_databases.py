"""Extraction from the real PostgreSQL and MariaDB servers on loopback, and an unreachable one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pymysql
import pytest

from blocklake.errors import SourceUnavailableError
from blocklake.settings import Settings
from ingestion import runner
from ingestion.extractors import database
from ingestion.runner import load_batch, load_table
from tests.conftest import MYSQL_DSN, POSTGRES_DSN, declare, query, require_service

ROWS = 20_000


@pytest.fixture
def pg_schema() -> Iterator[str]:
    require_service(f"PostgreSQL at {POSTGRES_DSN}", lambda: psycopg.connect(POSTGRES_DSN))
    schema = f"t_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"""CREATE TABLE {schema}.business (uscc VARCHAR(18) PRIMARY KEY, name TEXT NOT NULL,
                        capital NUMERIC(14, 2), established DATE, updated_at TIMESTAMP NOT NULL)""")
        con.execute(f"""INSERT INTO {schema}.business SELECT '91' || lpad(g::text, 16, '0'), '企业' || g, g * 1.5,
                        DATE '2020-01-01' + g % 1000, TIMESTAMP '2026-10-01' + g * INTERVAL '1 second'
                        FROM generate_series(1, {ROWS}) g""")
    yield schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {schema} CASCADE")


def mysql_connect(database: str | None = None) -> pymysql.Connection:
    return pymysql.connect(host="127.0.0.1", port=3306, user="root", database=database, autocommit=True)


@pytest.fixture
def mysql_database() -> Iterator[str]:
    require_service(f"MariaDB/MySQL at {MYSQL_DSN}", mysql_connect)
    database = f"t_{uuid.uuid4().hex[:8]}"
    con = mysql_connect()
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
        cur.execute(f"""CREATE TABLE {database}.resident (rkbh BIGINT PRIMARY KEY, xm VARCHAR(32), sfzh CHAR(18),
                        csrq CHAR(8), updated_at DATETIME NOT NULL)""")
        cur.executemany(f"INSERT INTO {database}.resident VALUES (%s, %s, %s, %s, %s)",
                        [(i, f"居民{i}", f"44030519900101{i % 10000:04d}", "19900101", f"2026-10-01 {i % 24:02d}:00:00")
                         for i in range(1, 5001)])
    yield database
    with con.cursor() as cur:
        cur.execute(f"DROP DATABASE {database}")
    con.close()


def test_postgres_table_is_extracted_with_its_types(
        settings: Settings, pg_schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_CONN_MARKET_PG", POSTGRES_DSN)
    declare(settings, "market", {"id": "market_pg", "kind": "postgres", "connection": "market_pg",
                                 "namespace": pg_schema},
            {"name": "business", "title": "商事主体", "object": "business", "primary_key": ["uscc"],
             "load": {"mode": "incremental", "cursor": "updated_at", "overlap": "1h"}})
    record = load_table("market", "business")
    assert record.rows_inserted == ROWS
    types = dict(query(settings, "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'market__business'"))
    assert types["capital"] == "DECIMAL(14,2)" and types["established"] == "DATE"
    assert query(settings, "SELECT sum(capital) FROM lake.raw.market__business") == [(
        pytest.approx(1.5 * ROWS * (ROWS + 1) / 2),)]
    assert "password" not in record.source and record.source.startswith("postgres://127.0.0.1")


def test_mysql_table_is_extracted(settings: Settings, mysql_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_CONN_POLICE_MY", MYSQL_DSN)
    declare(settings, "police", {"id": "police_my", "kind": "mysql", "connection": "police_my",
                                 "namespace": mysql_database},
            {"name": "resident", "title": "实有人口", "object": "resident", "primary_key": ["rkbh"]})
    assert load_table("police", "resident").rows_inserted == 5000
    assert query(settings, "SELECT xm, csrq FROM lake.raw.police__resident WHERE rkbh = 42") == [("居民42", "19900101")]


def test_unreachable_database_is_retried_then_fails_with_a_clear_message(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_CONN_GONE", "postgresql://postgres:secret@127.0.0.1:1/test")
    declare(settings, "gone", {"id": "gone", "kind": "postgres", "connection": "gone", "namespace": "public"},
            {"name": "t", "title": "不存在", "object": "t", "primary_key": ["id"]})
    with pytest.raises(SourceUnavailableError, match=r"cannot reach postgres://127.0.0.1:1/test .* after 2 attempts") \
            as caught:
        load_table("gone", "t")
    assert "secret" not in str(caught.value)
    assert query(settings, "SELECT outcome, error NOT LIKE '%secret%' FROM lake.meta.loads") == [("failed", True)]


def test_a_batch_reads_its_tables_through_one_source_connection_and_outlives_the_server_dropping_it(
        settings: Settings, pg_schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"CREATE TABLE {pg_schema}.branch AS SELECT * FROM {pg_schema}.business WHERE capital < 150")
    monkeypatch.setenv("BLOCKLAKE_CONN_MARKET_PG", POSTGRES_DSN)
    declare(settings, "market", {"id": "market_pg", "kind": "postgres", "connection": "market_pg",
                                 "namespace": pg_schema},
            {"name": "business", "title": "商事主体", "object": "business", "primary_key": ["uscc"]},
            {"name": "branch", "title": "分支机构", "object": "branch", "primary_key": ["uscc"]})
    connected: list[str] = []
    connect = database.connect
    monkeypatch.setattr(database, "connect", lambda request: connected.append(request.table.name) or connect(request))
    assert not load_batch("market", ["business", "branch"]).failed
    assert connected == ["business"], "the second table reads through the first one's connection"

    opened: list[str] = []
    open_extraction = runner.open_extraction

    def open_after_the_server_dropped_its_sessions(request: object) -> object:
        if opened:  # the server restarts between two tables of a batch
            with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
                con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        opened.append(request.table.name)
        return open_extraction(request)

    monkeypatch.setattr(runner, "open_extraction", open_after_the_server_dropped_its_sessions)
    connected.clear()
    outcome = load_batch("market", ["business", "branch"])
    assert not outcome.failed and [record.table_name for record in outcome.loaded] == ["business", "branch"]
    assert opened == ["business", "branch"]
    assert connected == ["business"], "the scanner reconnected the shared connection by itself"
    assert query(settings, "SELECT count(*) FROM lake.raw.market__branch") == [(99,)]
