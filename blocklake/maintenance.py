"""Lake maintenance: expire old snapshots, then delete the files nothing references any more.

- Snapshots older than ``keep_days`` are expired, except every snapshot a table is published at (its
  consumers read it with ``AT (VERSION => n)``) and the newest one.
- Files of expired snapshots are deleted (``ducklake_cleanup_old_files``).
- Orphaned files — written by a transaction that never committed, such as an ingestion killed before
  its commit — are deleted once older than ``orphan_grace``, so a write in progress is never touched
  (``ducklake_delete_orphaned_files``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from blocklake import lake
from blocklake.published import published_snapshots
from blocklake.settings import Settings, get_settings


@dataclass(frozen=True)
class MaintenanceReport:
    expired_snapshots: int
    old_files_deleted: int
    orphaned_files_deleted: int

    def summary(self) -> dict[str, int]:
        return {"expired_snapshots": self.expired_snapshots, "old_files_deleted": self.old_files_deleted,
                "orphaned_files_deleted": self.orphaned_files_deleted}


def maintain(settings: Settings | None = None, *, keep_days: int = 30,
             orphan_grace: timedelta = timedelta(hours=6)) -> MaintenanceReport:
    settings = settings or get_settings()
    con = lake.connect(settings)
    try:
        expired = expire_snapshots(con, datetime.now(UTC) - timedelta(days=keep_days))
        old = _count(con, "CALL ducklake_cleanup_old_files(?, cleanup_all => true)", [lake.LAKE])
        orphans = delete_orphans(con, orphan_grace)
    finally:
        con.close()
    return MaintenanceReport(expired, old, orphans)


def expire_snapshots(con: duckdb.DuckDBPyConnection, before: datetime) -> int:
    """Expire snapshots taken before ``before`` that no table is published at; returns how many."""
    keep = set(published_snapshots(con).values())
    keep.add(lake.current_snapshot(con))
    candidates = [snapshot for (snapshot,) in con.execute(
        f"SELECT snapshot_id FROM {lake.LAKE}.snapshots() WHERE snapshot_time < ? ORDER BY snapshot_id",
        [before]).fetchall() if snapshot not in keep]
    if not candidates:
        return 0
    return _count(con, "CALL ducklake_expire_snapshots(?, versions => ?)", [lake.LAKE, candidates])


def delete_orphans(con: duckdb.DuckDBPyConnection, grace: timedelta) -> int:
    """Delete data files the catalog does not reference, written more than ``grace`` ago."""
    return _count(con, "CALL ducklake_delete_orphaned_files(?, older_than => ?)",
                  [lake.LAKE, datetime.now(UTC) - grace])


def orphaned_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What :func:`delete_orphans` would delete with no grace (a dry run)."""
    rows = con.execute("CALL ducklake_delete_orphaned_files(?, dry_run => true, cleanup_all => true)",
                       [lake.LAKE]).fetchall()
    return [row[0] for row in rows]


def _count(con: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> int:
    return len(con.execute(sql, parameters).fetchall())
