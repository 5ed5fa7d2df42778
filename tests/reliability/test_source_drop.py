"""Item 5 of the reliability suite: the source's connection dropped in the middle of an extraction
(the PostgreSQL backend terminated). The load fails with a clear message, nothing of it is published,
readers keep the previous version, and the retry loads everything."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from blocklake.settings import Settings
from tests.conftest import POSTGRES_DSN, declare, query
from tests.reliability.tally import TALLY

ROWS = 1_500_000


@pytest.fixture
def big_table() -> Iterator[str]:
    schema = f"drop_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"CREATE TABLE {schema}.reading (id BIGINT PRIMARY KEY, meter TEXT, m3 DOUBLE PRECISION)")
        con.execute(f"INSERT INTO {schema}.reading SELECT g, 'M' || g, g / 7.0 FROM generate_series(1, 1000) g")
    yield schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {schema} CASCADE")


def ingest() -> subprocess.Popen[str]:
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    return subprocess.Popen([blocklake, "ingest", "water", "reading"], env=dict(os.environ), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def terminate_extraction(schema: str, timeout: float = 60) -> int:
    """Kill the backend reading the table as soon as it is reading; returns how many were killed."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        while time.monotonic() < deadline:
            killed = con.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                                 "pid <> pg_backend_pid() AND state = 'active' AND query ILIKE %s",
                                 [f"%{schema}%reading%"]).fetchone()[0]
            if killed:
                return killed
            time.sleep(0.02)
    return 0


def test_a_connection_dropped_mid_extract_publishes_nothing_and_the_retry_loads_all(
        settings: Settings, big_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_CONN_WATER_PG", POSTGRES_DSN)
    declare(settings, "water", {"id": "water_pg", "kind": "postgres", "connection": "water_pg",
                                "namespace": big_table},
            {"name": "reading", "title": "抄表", "object": "reading", "primary_key": ["id"]})
    first = ingest()
    assert first.wait(timeout=300) == 0, first.stderr.read()[-2000:]
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"INSERT INTO {big_table}.reading SELECT g, 'M' || g, g / 7.0 "
                    f"FROM generate_series(1001, {ROWS}) g")

    dropped = ingest()
    assert terminate_extraction(big_table) >= 1
    TALLY.add("faults_injected")
    assert dropped.wait(timeout=300) != 0
    message = dropped.stderr.read()
    assert "water.reading" in message and ("connection" in message.lower() or "terminat" in message.lower()), \
        message[-2000:]
    assert query(settings, "SELECT count(*) FROM lake.raw.water__reading")[0][0] == 1000  # the previous version
    assert query(settings, "SELECT outcome FROM lake.meta.loads ORDER BY started_at DESC LIMIT 1")[0][0] == "failed"

    retried = ingest()
    assert retried.wait(timeout=300) == 0, retried.stderr.read()[-2000:]
    loaded = query(settings, "SELECT count(*), count(DISTINCT id) FROM lake.raw.water__reading")[0]
    TALLY.rows(ROWS, loaded[1])
    assert loaded == (ROWS, ROWS)
