"""Items 2 and 3 of the reliability suite: two ingestions of the same incremental table at once, with
rows committed late below the watermark and rows stamped in the future. Every source row arrives once,
no key twice, and the watermark only moves forward."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from blocklake.settings import Settings
from tests.conftest import declare, query, sqlite_execute
from tests.reliability.tally import TALLY

ROW = "INSERT INTO event VALUES (?, ?, ?)"


def start_ingest() -> subprocess.Popen[str]:
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    return subprocess.Popen([blocklake, "ingest", "hotline", "event"], env=dict(os.environ), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_two_at_once() -> list[tuple[int, str]]:
    first, second = start_ingest(), start_ingest()
    return [(process.wait(timeout=300), process.stderr.read()) for process in (first, second)]


def test_two_ingests_at_once_load_every_row_once_and_the_watermark_moves_forward(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "hotline.sqlite"
    sqlite_execute(source, "CREATE TABLE event (id INTEGER PRIMARY KEY, title TEXT, updated_at TIMESTAMP)")
    sqlite_execute(source, ROW, [(i, f"诉求{i}", f"2026-10-01 {i % 24:02d}:00:00") for i in range(20_000)])
    monkeypatch.setenv("BLOCKLAKE_CONN_HOTLINE_DB", f"sqlite://{source}")
    declare(settings, "hotline", {"id": "hotline_db", "kind": "sqlite", "connection": "hotline_db"},
            {"name": "event", "title": "诉求", "object": "event", "primary_key": ["id"],
             "load": {"mode": "incremental", "cursor": "updated_at", "overlap": "2h"}})

    outcomes = run_two_at_once()
    TALLY.add("faults_injected")  # a duplicate run of the same load
    assert any(code == 0 for code, _ in outcomes), outcomes
    # Late rows (committed now, stamped below the watermark but inside the overlap) and future-stamped rows.
    sqlite_execute(source, ROW, [(i, f"迟到{i}", "2026-10-01 22:30:00") for i in range(20_000, 20_500)])
    sqlite_execute(source, ROW, [(i, f"未来{i}", "2031-01-01 00:00:00") for i in range(20_500, 20_600)])
    outcomes = run_two_at_once()
    assert any(code == 0 for code, _ in outcomes), outcomes
    for code, stderr in outcomes:  # a loser fails cleanly, saying why, and changes nothing
        assert code == 0 or "conflict" in stderr.lower() or "lock" in stderr.lower(), stderr[-2000:]

    TALLY.add("faults_injected")
    count, keys = query(settings, "SELECT count(*), count(DISTINCT id) FROM lake.raw.hotline__event")[0]
    TALLY.rows(20_600, keys)
    assert count == keys == 20_600
    watermarks = [w for (w,) in query(settings, "SELECT watermark FROM lake.meta.loads WHERE raw_table = "
                                                "'hotline__event' AND outcome = 'succeeded' ORDER BY started_at")]
    assert watermarks == sorted(watermarks) and watermarks[-1].startswith("2031-01-01")


def test_an_overlap_on_a_text_cursor_fails_the_load_instead_of_losing_late_rows(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "hotline.sqlite"
    sqlite_execute(source, "CREATE TABLE event (id INTEGER PRIMARY KEY, title TEXT, updated_at TEXT)")
    sqlite_execute(source, ROW, [(1, "诉求", "2026-10-01 08:00:00")])
    monkeypatch.setenv("BLOCKLAKE_CONN_HOTLINE_DB", f"sqlite://{source}")
    declare(settings, "hotline", {"id": "hotline_db", "kind": "sqlite", "connection": "hotline_db"},
            {"name": "event", "title": "诉求", "object": "event", "primary_key": ["id"],
             "load": {"mode": "incremental", "cursor": "updated_at", "overlap": "2h"}})
    assert start_ingest().wait(timeout=120) == 0  # the first load reads everything
    second = start_ingest()
    assert second.wait(timeout=120) != 0
    assert "load.overlap needs a date or time cursor" in second.stderr.read()
