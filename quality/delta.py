"""Audit a table by what changed since its published version: the gate's path on day two.

A row-level check that does not depend on the day (a value is null, in a set, matches a pattern, is a
valid USCC or phone number…) counts the same rows however the table got there: its counts on the new
version are those on the published version, minus those on the rows deleted since, plus those on the
rows inserted since. Both come from DuckLake's change feed, so the check reads the change, not the table.

The rest runs on the whole table as before: table-level checks (``unique``, ``row_count``, ``fresh``),
checks against other tables (``exists_in``), and checks judged against the day (``resident_id``'s birth
date, ``not_future``), whose verdict on an unchanged row can change overnight (``resident_id_region_at_birth``
is judged against stdnum's table of region codes, not the day: it counts from the change). A table whose schema
changed, whose change is more than a quarter of it, whose published audit lacks a check's counts, or
that is small (``BLOCKLAKE_GATE_CHANGE_AUDIT_MIN_ROWS``: GX's fixed cost per validation, three of them
here, outweighs scanning a small table) is audited whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from blocklake.checks import Check, Suite
from blocklake.lake import LAKE
from blocklake.published import PublishedVersion
from quality.gx_runtime import CheckResult, relation_at

log = logging.getLogger(__name__)
ADDITIVE = frozenset({"not_null", "accepted_values", "matches", "uscc", "mobile", "phone", "division_code",
                      "resident_id_region_at_birth"})
MAX_CHANGED_SHARE = 0.25  # above it, reading the change twice costs about what reading the table does
_INSERTED = ("insert", "update_postimage")
_DELETED = ("delete", "update_preimage")

Validate = Callable[[Suite, str | None], list[CheckResult]]  # (suite, relation or None: the whole table)
Materialize = Callable[[str, str], str]  # (name, query) -> a relation validate can read (gx_runtime.materialize)


@dataclass(frozen=True)
class Baseline:
    """The published version an audit can start from, and its checks' counts there."""

    snapshot: int
    first_change: int  # the first lake snapshot after it that maintenance kept: where the feed starts
    counts: dict[str, tuple[int, int]]  # check name -> (judged, unexpected)

    def changes(self, table: str, snapshot: int, kinds: tuple[str, ...]) -> str:
        """A query of the rows of ``table`` inserted (or deleted) between the baseline and ``snapshot``."""
        schema, name = table.split(".", 1)
        listed = ", ".join(f"'{kind}'" for kind in kinds)
        return (f"SELECT * EXCLUDE (snapshot_id, rowid, change_type) FROM ducklake_table_changes("
                f"'{LAKE}', '{schema}', '{name}', {self.first_change}, {int(snapshot)}) "
                f"WHERE change_type IN ({listed})")


def baseline(con: duckdb.DuckDBPyConnection, suite: Suite, snapshot: int, published: PublishedVersion | None, *,
             min_rows: int) -> Baseline | None:
    """Where ``suite``'s table can be audited from (``published``: its version consumers read now), or None if
    it must be audited whole (also when it had fewer than ``min_rows``: three small validations cost more
    than one whole one)."""
    if published is None or published.snapshot_id >= snapshot or (published.record_count or 0) < min_rows:
        return None
    try:
        return _baseline(con, suite, snapshot, published)
    except duckdb.Error as exc:  # e.g. a model table dbt replaced: its feed does not reach back
        log.info("%s is audited whole: %s", suite.table, str(exc).splitlines()[0])
        return None


def _baseline(con: duckdb.DuckDBPyConnection, suite: Suite, snapshot: int,
              published: PublishedVersion) -> Baseline | None:
    previous, run_id, rows = published.snapshot_id, published.run_id, published.record_count
    if _columns(con, suite.table, previous) != _columns(con, suite.table, snapshot):
        return None
    first = con.execute(f"SELECT min(snapshot_id) FROM ducklake_snapshots('{LAKE}') WHERE snapshot_id > ?",
                        [previous]).fetchone()[0]
    if first is None or first > snapshot:
        return None
    schema, name = suite.table.split(".", 1)
    changed = con.execute(f"SELECT count(*) FROM ducklake_table_changes('{LAKE}', ?, ?, ?, ?)",
                          [schema, name, first, snapshot]).fetchone()[0]
    if rows is None or changed > MAX_CHANGED_SHARE * max(rows, 1):
        return None
    counts = {check: (judged, unexpected) for check, judged, unexpected in con.execute(
        f"SELECT check_name, judged_rows, unexpected_rows FROM {LAKE}.quality.results WHERE table_name = ? "
        "AND snapshot_id = ? AND run_id = ? AND error IS NULL AND judged_rows IS NOT NULL "
        "AND unexpected_rows IS NOT NULL", [suite.table, previous, run_id]).fetchall()}
    return Baseline(previous, first, counts)


def audit(suite: Suite, snapshot: int, start: Baseline | None, validate: Validate,
          materialize: Materialize) -> tuple[list[CheckResult], bool]:
    """The suite's results on ``snapshot``, and whether they were counted from the change."""
    additive = [check for check in suite.checks if start and check.check in ADDITIVE and check.name in start.counts]
    if start is None or not additive:
        return validate(suite, None), False
    whole = [check for check in suite.checks if check not in additive]
    results = {result.check.name: result for result in (validate(_with(suite, whole), None) if whole else [])}
    part = _with(suite, additive)
    inserted = validate(part, materialize("blocklake_inserted", start.changes(suite.table, snapshot, _INSERTED)))
    deleted = validate(part, materialize("blocklake_deleted", start.changes(suite.table, snapshot, _DELETED)))
    for added, removed in zip(inserted, deleted, strict=True):
        results[added.check.name] = combine(added.check, start.counts[added.check.name], added, removed)
    return [results[check.name] for check in suite.checks], True


def combine(check: Check, published: tuple[int, int], inserted: CheckResult, deleted: CheckResult) -> CheckResult:
    """A row-level check's result on the new version from its counts on the published one and the change."""
    failed = inserted if inserted.error is not None else deleted if deleted.error is not None else None
    if failed is not None:
        return failed
    judged = published[0] - (deleted.judged or 0) + (inserted.judged or 0)
    unexpected = published[1] - (deleted.unexpected or 0) + (inserted.unexpected or 0)
    success = judged == 0 or (judged - unexpected) / judged >= check.mostly  # GX's `mostly`
    return CheckResult(check, success, unexpected, judged)


def _with(suite: Suite, checks: list[Check]) -> Suite:
    return suite.model_copy(update={"checks": checks})


def _columns(con: duckdb.DuckDBPyConnection, table: str, snapshot: int) -> list[tuple[str, str]]:
    return con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {relation_at(table, snapshot)})"
                       ).fetchall()
