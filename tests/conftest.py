"""Shared fixtures: an isolated Blocklake home per test and a way to declare test departments."""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
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


def require_service(what: str, connect: Any) -> None:
    """Fail (never skip) with what to start when a server the test needs is not there."""
    try:
        connect().close()
    except Exception as exc:
        pytest.fail(f"{what} is not reachable ({exc}); start it (`make services`) or set its DSN", pytrace=False)


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


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port
    access_key: str = "blocklake-test"
    secret_key: str = "blocklake-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3-compatible HTTP server on loopback (moto in server mode), as MinIO stands in production."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the moto S3 server did not start within 30 s")
    yield S3Server(endpoint=f"127.0.0.1:{port}")
    process.terminate()
    process.wait(timeout=10)


@dataclass(frozen=True)
class SourceDepartment:
    uscc: str
    source: Path  # the SQLite file its tables are read from
    tables: list[dict[str, Any]]


@contextmanager
def registered_lake(root: Path, departments: dict[str, SourceDepartment], **env: str) -> Iterator[Path]:
    """A lake under ``root`` in which every table of ``departments`` is loaded, gated and registered in a
    fresh catalog (no dbt models); ``env`` adds BLOCKLAKE_ settings. For module-scoped fixtures."""
    from catalog.register import refresh
    from ingestion.runner import load_table
    from quality.gate import gate_raw_table

    patch = pytest.MonkeyPatch()
    defaults = {"HOME": root / "var", "REGISTRY_DIR": root / "registry", "AS_OF": "2026-10-31", "THREADS": "2"}
    for name, value in {**defaults, **env}.items():
        patch.setenv(f"BLOCKLAKE_{name}", str(value))
    (root / "registry").mkdir()
    for code, department in departments.items():
        patch.setenv(f"BLOCKLAKE_CONN_{code.upper()}_DB", f"sqlite://{department.source}")
        document = {"code": code, "name": f"测试{code}局", "uscc": department.uscc,
                    "sources": [{"id": f"{code}_db", "kind": "sqlite", "connection": f"{code}_db"}],
                    "tables": [{"source": f"{code}_db", "update_cycle": "每年", **t} for t in department.tables]}
        (root / "registry" / f"{code}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True),
                                                        encoding="utf-8")
    get_settings.cache_clear()
    try:
        for code, department in departments.items():
            for table in department.tables:
                load_table(code, table["name"])
                gate_raw_table(code, table["name"])
        refresh(manifest=root / "no-dbt-manifest.json")
        yield root
    finally:
        get_settings.cache_clear()
        patch.undo()


@pytest.fixture(scope="session")
def tiny_district_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``blocklake run --scale tiny`` once per session, in a home of its own (the run's home and result).
    The end-to-end tests read it; a test that changes its catalog store works on a copy."""
    return started_early("tiny_district_run", lambda: run_tiny_district(tmp_path_factory.mktemp("pipeline")))


def run_tiny_district(folder: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = folder / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLOCKLAKE"))}
    env["BLOCKLAKE_HOME"] = str(home)
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    result = subprocess.run([blocklake, "run", "--scale", "tiny", "--no-serve"], env=env, capture_output=True,
                            text=True, timeout=900, check=False)
    return home, result


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny district's sources, generated once per module (tests that run it under a scheduler)."""
    from tests.pipeline_following import generate_district

    return generate_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module")
def clean_run(district: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What a clean ``blocklake run`` of :func:`district` shows consumers, to compare a scheduler's run with."""
    from tests.pipeline_following import clean_run_figures

    return clean_run_figures(district, tmp_path_factory.mktemp("clean"))


# --- slow fixtures started early ------------------------------------------------------------------------
# Fixtures that run whole pipelines in subprocesses, by name -> (module, function taking a fresh folder).
# The suite keeps about one of the machine's two cores busy; such a fixture, started when collection
# ends, runs on the other, and the tests that use it go last. Started or not, a fixture's result is the same.
SLOW_FIXTURES = {"days": ("tests.integration.test_day_two", "run_days"),
                 "onboarded": ("bench.newdept", "onboard"),
                 "tiny_district_run": ("tests.conftest", "run_tiny_district")}
_STARTED: dict[str, Future] = {}
_FOLDERS: list[Path] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    slow = [item for item in session.items if set(SLOW_FIXTURES) & set(getattr(item, "fixturenames", ()))]
    if not slow or session.config.option.collectonly:
        return
    session.items[:] = [item for item in session.items if item not in slow] + slow
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slow-fixture")
    for name in sorted({name for item in slow for name in SLOW_FIXTURES if name in item.fixturenames}):
        module, function = SLOW_FIXTURES[name]
        folder = Path(tempfile.mkdtemp(prefix=f"blocklake-{name}-"))
        _FOLDERS.append(folder)
        _STARTED[name] = pool.submit(lambda m=module, f=function, d=folder: getattr(importlib.import_module(m), f)(d))
    pool.shutdown(wait=False)


def started_early(name: str, start_now: Callable[[], Any]) -> Any:
    """The result of the slow fixture ``name``: from its early start, or computed now if none was made."""
    return _STARTED[name].result() if name in _STARTED else start_now()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for future in _STARTED.values():
        future.cancel()  # not begun yet (an interrupted session): never begins
    for folder in _FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
