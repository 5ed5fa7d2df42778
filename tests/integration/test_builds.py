"""Builds that coalesce (transform.builds): what a build covers, and when a scheduled build starts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from blocklake import lake, published
from blocklake.settings import Settings
from transform import builds


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = lake.connect(settings)
    published.ensure_table(connection)
    yield connection
    connection.close()


def publish(con: duckdb.DuckDBPyConnection, *tables: str, at: datetime | None = None) -> None:
    publications = [published.Publication(table, 1, "run", 100.0) for table in tables]
    published.record(con, publications, at or datetime.now(UTC))


def built(con: duckdb.DuckDBPyConnection, outcome: str = "succeeded") -> None:
    snapshot, covered = builds.start(con)
    builds.record(con, f"build-{snapshot}", snapshot, covered, datetime.now(UTC), outcome)


def test_before_any_build_every_raw_publication_is_uncovered_and_models_do_not_count(con) -> None:
    assert builds.uncovered(con).publications == 0
    publish(con, "raw.police__resident", "raw.police__rental", "base.base_person")
    publish(con, "raw.police__resident")
    pending = builds.uncovered(con)
    assert (pending.publications, pending.tables, pending.since_snapshot) == (3, 2, None)


def test_a_successful_build_covers_what_was_published_before_it_started_and_a_failed_one_nothing(con) -> None:
    publish(con, "raw.police__resident")
    built(con, outcome="failed")
    assert builds.uncovered(con).publications == 1, "a failed build leaves its publications for the next one"
    built(con)
    assert builds.uncovered(con).publications == 0
    publish(con, "raw.civil__subsidy_recipient", "raw.water__meter")
    pending = builds.uncovered(con)
    assert (pending.publications, pending.tables) == (2, 2)
    assert pending.since_snapshot is not None
    built(con)
    assert builds.uncovered(con).publications == 0


def test_a_build_waits_for_quiet_or_for_the_longest_wait() -> None:
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    pending = builds.Uncovered(5, 3, now - timedelta(seconds=300), now - timedelta(seconds=20), None)
    assert not pending.settled(now, quiet_s=60, max_wait_s=900), "published 20 s ago: not quiet yet"
    assert pending.settled(now, quiet_s=15, max_wait_s=900)
    assert pending.settled(now, quiet_s=60, max_wait_s=300), "the oldest has waited the longest wait"
    assert builds.Uncovered(0, 0, None, None, 7).settled(now, quiet_s=60, max_wait_s=900)


def test_expired_snapshots_fall_back_to_the_gates_clock(con) -> None:
    publish(con, "raw.police__resident")
    built(con)
    publish(con, "raw.police__rental")
    publish(con, "raw.water__meter")
    con.execute("CALL ducklake_expire_snapshots('lake', older_than => now() + INTERVAL 1 HOUR)")
    with pytest.raises(duckdb.InvalidInputException):  # the change feed cannot start at an expired snapshot
        con.execute("FROM ducklake_table_insertions('lake', 'meta', 'published', ?, ?)",
                    [builds.uncovered(con).since_snapshot + 1, lake.current_snapshot(con)])
    pending = builds.uncovered(con)
    assert (pending.publications, pending.tables) == (2, 2)
