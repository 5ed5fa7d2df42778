"""Shared fixtures: an isolated Blocklake home per test and a way to declare test departments."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from blocklake import lake
from blocklake.settings import Settings, get_settings

POSTGRES_DSN = os.environ.get("BLOCKLAKE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_DSN = os.environ.get("BLOCKLAKE_TEST_MYSQL_DSN", "mysql://root@127.0.0.1:3306/test")
TEST_USCC = "11440305523213232M"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh BLOCKLAKE_HOME with an empty registry folder; settings re-read from the environment."""
    root = tmp_path / "var"
    (tmp_path / "registry").mkdir()
    monkeypatch.setenv("BLOCKLAKE_HOME", str(root))
    monkeypatch.setenv("BLOCKLAKE_REGISTRY_DIR", str(tmp_path / "registry"))
    monkeypatch.setenv("BLOCKLAKE_CONNECT_RETRIES", "1")
    monkeypatch.setenv("BLOCKLAKE_CONNECT_BACKOFF_S", "0")
    monkeypatch.setenv("BLOCKLAKE_THREADS", "2")
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


@pytest.fixture
def settings(home: Path) -> Settings:
    return get_settings()


def declare(settings: Settings, code: str, source: dict[str, Any], *tables: dict[str, Any]) -> Path:
    """Write a one-source department into the test registry; tables get sensible defaults."""
    full_tables = [
        {"source": source["id"], "update_cycle": "每日",
         "directory": {"classification": "3.99.001", "share_type": "无条件共享"}, **table}
        for table in tables
    ]
    document = {"code": code, "name": f"测试单位{code}", "uscc": TEST_USCC, "sources": [source],
                "tables": full_tables}
    path = settings.registry_dir / f"{code}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = lake.connect(settings, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot_count(settings: Settings) -> int:
    return query(settings, "SELECT count(*) FROM lake.snapshots()")[0][0]


def sqlite_execute(path: Path, sql: str, rows: list[tuple[Any, ...]] | None = None) -> None:
    """Run one statement against a SQLite source file (executemany when rows are given)."""
    with sqlite3.connect(path) as con:
        if rows is None:
            con.execute(sql)
        else:
            con.executemany(sql, rows)
