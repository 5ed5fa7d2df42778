"""Write-audit-publish on a real lake: each kind of bad version is blocked, the previous version stays
published and the failing rows go to quarantine; warnings do not block; a fixed rerun publishes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from blocklake.published import published_snapshot
from blocklake.registry import load_registry
from blocklake.settings import Settings, get_settings
from ingestion.runner import load_table
from quality import gate, gx_runtime, plain_sql
from quality.gate import QualityGateFailed, gate_raw_table
from quality.suites import raw_suite
from tests.conftest import declare, query, sqlite_execute

AS_OF = "2026-10-31"
RECENT = datetime(2026, 10, 31, 9, 0)
GOOD_ID = "11010519491231002X"
BAD_CHECKSUM_ID = "110105194912310021"
BORN_BEFORE_REGION_ID = "440305195001011231"  # valid; Nanshan's 440305 exists from 1983 (python-stdnum's table)
FOREIGN_ID = "932682198501010017"  # a 2023 foreign permanent resident ID (the NIA's example)
ROWS = [(f"B{i:03d}", f"{4403050010010010000 + i}", GOOD_ID, "13800138000",
         (RECENT - timedelta(minutes=i)).isoformat(sep=" ")) for i in range(1, 51)]


@pytest.fixture
def units_db(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BLOCKLAKE_AS_OF", AS_OF)
    get_settings.cache_clear()
    path = tmp_path / "units.sqlite"
    sqlite_execute(path, "CREATE TABLE units (unit_id TEXT, building_code TEXT, owner_id TEXT, phone TEXT, "
                         "updated_at TIMESTAMP)")
    sqlite_execute(path, "INSERT INTO units VALUES (?, ?, ?, ?, ?)", ROWS)
    monkeypatch.setenv("BLOCKLAKE_CONN_UNITS_DB", f"sqlite://{path}")
    table = {
        "name": "units", "title": "房屋", "object": "units", "primary_key": ["unit_id"],
        "sensitive": {"owner_id": "resident_id", "phone": "phone"},
        "quality": [
            {"check": "resident_id", "column": "owner_id"},  # raised from the derived warning to an error
            {"check": "not_null", "column": "building_code"},
            {"check": "fresh", "column": "updated_at", "max_age": "2d"},
        ],
    }
    declare(get_settings(), "gate", {"id": "units_db", "kind": "sqlite", "connection": "units_db"}, table)
    return path


def load_and_gate() -> gate.TableVerdict:
    load_table("gate", "units")
    return gate_raw_table("gate", "units")


def published(settings: Settings) -> int | None:
    rows = query(settings, "SELECT max_by(snapshot_id, published_at) FROM lake.meta.published "
                           "WHERE table_name = 'raw.gate__units'")
    return rows[0][0]


def quarantined(settings: Settings, check_name: str) -> list[dict]:
    rows = query(settings, "SELECT row_json FROM lake.quality.quarantine WHERE check_name = ?", [check_name])
    return [json.loads(row[0]) for row in rows]


def blocked_by(check_name: str) -> QualityGateFailed:
    with pytest.raises(QualityGateFailed) as failure:
        load_and_gate()
    assert check_name in str(failure.value)
    return failure.value


def test_a_clean_version_is_published(settings: Settings, units_db: Path) -> None:
    verdict = load_and_gate()
    assert verdict.published and verdict.score == 100.0
    assert published(settings) == verdict.snapshot
    outcome = query(settings, "SELECT outcome, checks, failed_errors FROM lake.quality.scores")
    assert outcome == [("published", len(verdict.results), 0)]


@pytest.mark.parametrize(("change", "check_name", "bad_units"), [
    (f"UPDATE units SET owner_id = '{BAD_CHECKSUM_ID}' WHERE unit_id = 'B007'", "resident_id:owner_id", {"B007"}),
    ("UPDATE units SET building_code = NULL WHERE unit_id IN ('B003', 'B004')", "not_null:building_code",
     {"B003", "B004"}),
    ("INSERT INTO units SELECT * FROM units WHERE unit_id = 'B010'", "unique:unit_id", {"B010"}),
    ("UPDATE units SET updated_at = datetime(updated_at, '-30 days')", "fresh:updated_at", None),
])
def test_a_bad_version_is_blocked_the_previous_stays_published_and_rows_are_quarantined(
        settings: Settings, units_db: Path, change: str, check_name: str, bad_units: set[str] | None) -> None:
    good = load_and_gate().snapshot
    sqlite_execute(units_db, change)
    failure = blocked_by(check_name)
    assert published(settings) == good  # consumers keep the last good version
    assert failure.verdicts[0].snapshot > good and not failure.verdicts[0].published
    rows = quarantined(settings, check_name)
    if bad_units is not None:
        assert {row["unit_id"] for row in rows} == bad_units
    else:  # a stale table: every row older than the bound is held
        assert len(rows) == len(ROWS)
    assert query(settings, "SELECT outcome FROM lake.quality.scores ORDER BY validated_at") == [
        ("published",), ("blocked",)]


def test_failing_identifiers_are_reported_masked(settings: Settings, units_db: Path) -> None:
    load_and_gate()
    sqlite_execute(units_db, f"UPDATE units SET owner_id = '{BAD_CHECKSUM_ID}' WHERE unit_id = 'B007'")
    failure = blocked_by("resident_id:owner_id")
    assert "110105************" in str(failure) and BAD_CHECKSUM_ID not in str(failure)
    examples = query(settings, "SELECT examples FROM lake.quality.results WHERE NOT success")
    assert examples == [('["110105************"]',)]


def test_a_warning_is_recorded_but_does_not_block(settings: Settings, units_db: Path) -> None:
    sqlite_execute(units_db, "UPDATE units SET phone = '1234' WHERE unit_id = 'B001'")
    verdict = load_and_gate()
    assert verdict.published and published(settings) == verdict.snapshot
    warned = query(settings, "SELECT check_name, severity, unexpected_rows FROM lake.quality.results WHERE NOT success")
    assert warned == [("phone:phone", "warn", 1)]
    assert 99.0 < verdict.score < 100.0
    assert query(settings, "SELECT count(*) FROM lake.quality.quarantine") == [(0,)]


def test_a_region_that_did_not_exist_at_birth_is_a_named_warning(settings: Settings, units_db: Path) -> None:
    """The ID is valid (its code is where it was issued), so the owner_id check, an error here, passes; the
    derived warning names it, masked; a foreign permanent resident ID passes both."""
    sqlite_execute(units_db, f"UPDATE units SET owner_id = '{BORN_BEFORE_REGION_ID}' WHERE unit_id = 'B001'")
    sqlite_execute(units_db, f"UPDATE units SET owner_id = '{FOREIGN_ID}' WHERE unit_id = 'B002'")
    verdict = load_and_gate()
    assert verdict.published and published(settings) == verdict.snapshot
    warned = query(settings, "SELECT check_name, severity, unexpected_rows, examples FROM lake.quality.results "
                             "WHERE NOT success")
    assert warned == [("resident_id_region_at_birth:owner_id", "warn", 1, '["440305************"]')]
    shown = verdict.describe()
    assert "[warn] resident_id_region_at_birth:owner_id" in shown and "did not exist in its birth year" in shown
    assert BORN_BEFORE_REGION_ID not in shown
    assert verdict.summary()["failed"] == {"resident_id_region_at_birth:owner_id": "warn"}


def test_a_fixed_rerun_publishes(settings: Settings, units_db: Path) -> None:
    good = load_and_gate().snapshot
    sqlite_execute(units_db, "UPDATE units SET building_code = NULL WHERE unit_id = 'B003'")
    blocked_by("not_null:building_code")
    sqlite_execute(units_db, "UPDATE units SET building_code = '4403050010010010003' WHERE unit_id = 'B003'")
    fixed = load_and_gate()
    assert fixed.published and published(settings) == fixed.snapshot > good


def test_great_expectations_counts_equal_the_plain_sql_counts(settings: Settings, units_db: Path) -> None:
    sqlite_execute(units_db, f"UPDATE units SET owner_id = '{BAD_CHECKSUM_ID}', phone = NULL WHERE unit_id < 'B005'")
    sqlite_execute(units_db, "INSERT INTO units SELECT * FROM units WHERE unit_id IN ('B020', 'B021')")
    sqlite_execute(units_db, f"UPDATE units SET owner_id = '{BORN_BEFORE_REGION_ID}' WHERE unit_id = 'B030'")
    load_table("gate", "units")
    suite = raw_suite(load_registry().department("gate"), load_registry().department("gate").table("units"))
    snapshot = query(settings, "SELECT id FROM lake.current_snapshot()")[0][0]
    results = gx_runtime.validate(suite, snapshot)
    from blocklake import lake

    con = lake.connect(settings, read_only=True)
    try:
        counts = plain_sql.count_failures(con, suite, gx_runtime.relation_at(suite.table, snapshot),
                                          today=get_settings().today,
                                          relation_at=lambda table: gx_runtime.relation_at(table, snapshot))
    finally:
        con.close()
    by_gx = {result.check.name: (result.unexpected, result.judged) for result in results}
    by_sql = {name: (count.unexpected, count.judged) for name, count in counts.items()}
    assert by_gx == by_sql
    assert by_gx["resident_id:owner_id"] == (4, 52) and by_gx["unique:unit_id"] == (2, 52)  # 2 rows too many
    assert by_gx["phone:phone"] == (0, 48)
    assert by_gx["resident_id_region_at_birth:owner_id"] == (1, 52)


def test_a_table_that_never_passed_is_not_published(settings: Settings, units_db: Path) -> None:
    sqlite_execute(units_db, "UPDATE units SET building_code = NULL")
    failure = blocked_by("not_null:building_code")
    assert "consumers keep nothing (never passed)" in str(failure)
    from blocklake import lake

    con = lake.connect(settings, read_only=True)
    try:
        assert published_snapshot(con, "raw.gate__units") is None
    finally:
        con.close()


def test_a_republished_table_is_audited_from_its_change_with_the_results_of_a_whole_audit(
        settings: Settings, units_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_GATE_CHANGE_AUDIT_MIN_ROWS", "0")  # 50 rows: audited whole by default
    get_settings.cache_clear()
    first = load_and_gate()
    assert first.published and not first.from_change, "a first version is audited whole"
    sqlite_execute(units_db, "UPDATE units SET phone = '12345' WHERE unit_id IN ('B001', 'B002')")  # invalid: warn
    sqlite_execute(units_db, "DELETE FROM units WHERE unit_id = 'B003'")
    sqlite_execute(units_db, "INSERT INTO units VALUES (?, NULL, ?, '13800138000', ?)",
                   [("B900", BORN_BEFORE_REGION_ID, RECENT.isoformat(sep=" "))])  # no building: blocks
    load_table("gate", "units")
    department = load_registry().department("gate")
    suite = raw_suite(department, department.table("units"))
    [verdict] = gate.run_gate([suite])
    assert verdict.from_change and not verdict.published
    whole = gx_runtime.validate(suite, verdict.snapshot)
    counted = {(r.check.name, r.success, r.judged, r.unexpected) for r in verdict.results}
    assert counted == {(r.check.name, r.success, r.judged, r.unexpected) for r in whole}
    phones = next(r for r in verdict.results if r.check.check == "phone")
    assert (phones.judged, phones.unexpected) == (50, 2)
    regions = next(r for r in verdict.results if r.check.check == "resident_id_region_at_birth")
    assert (regions.judged, regions.unexpected) == (50, 1)  # counted from the change: the inserted row
