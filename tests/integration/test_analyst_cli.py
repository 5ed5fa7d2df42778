"""``blocklake sql`` in each format and ``blocklake shell`` driven through stdin, as separate processes over
a real small lake: published views, lineage hidden, nothing masked (the operator), the session locked."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from blocklake.settings import get_settings
from ingestion.runner import load_table
from tests.conftest import TEST_USCC, sqlite_execute

VALID_ID = "11010519491231002X"
PEOPLE = "raw.delta__people"


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A lake with one published table (30 people); the environment a `blocklake` process needs for it."""
    yield from one_table_lake(tmp_path_factory.mktemp("analyst_cli"))


def one_table_lake(root: Path) -> Iterator[dict[str, str]]:
    source = root / "delta.sqlite"
    sqlite_execute(source, "CREATE TABLE people (id INTEGER, name TEXT, sfzh TEXT)")
    sqlite_execute(source, "INSERT INTO people VALUES (?, ?, ?)", [(i, f"张{i}", VALID_ID) for i in range(1, 31)])
    (root / "registry").mkdir()
    department = {"code": "delta", "name": "测试delta局", "uscc": TEST_USCC,
                  "sources": [{"id": "delta_db", "kind": "sqlite", "connection": "delta_db"}],
                  "tables": [{"name": "people", "title": "人口", "object": "people", "primary_key": ["id"],
                              "source": "delta_db", "update_cycle": "每年",
                              "sensitive": {"name": "person_name", "sfzh": "resident_id"},
                              "directory": {"classification": "1.01.001", "share_type": "无条件共享"}}]}
    (root / "registry" / "delta.yaml").write_text(yaml.safe_dump(department, allow_unicode=True), encoding="utf-8")
    env = {"BLOCKLAKE_HOME": str(root / "var"), "BLOCKLAKE_REGISTRY_DIR": str(root / "registry"),
           "BLOCKLAKE_AS_OF": "2026-10-31", "BLOCKLAKE_THREADS": "2", "BLOCKLAKE_CONN_DELTA_DB": f"sqlite://{source}"}
    patch = pytest.MonkeyPatch()
    for name, value in env.items():
        patch.setenv(name, value)
    get_settings.cache_clear()
    from quality.gate import gate_raw_table

    load_table("delta", "people")
    gate_raw_table("delta", "people")
    yield {**os.environ, **env}
    get_settings.cache_clear()
    patch.undo()


def blocklake(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], env=env, input=stdin, text=True,
                          capture_output=True, timeout=120, check=False)


def test_sql_prints_an_aligned_table_of_the_published_view(cli_env: dict[str, str]) -> None:
    done = blocklake(cli_env, "sql", f"SELECT * FROM {PEOPLE} ORDER BY id", "--max-rows", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "sfzh"]  # lineage columns are not in the view
    assert lines[2].split() == ["1", "张1", VALID_ID]  # the operator sees values unmasked
    assert lines[4].split() == ["3", "张3", VALID_ID] and lines[5].startswith("(3 rows; more rows matched")
    assert lines[2].index(VALID_ID) == lines[4].index(VALID_ID)  # aligned, wide characters counted as two


def test_sql_writes_csv_to_a_file_and_to_stdout(cli_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "people.csv"
    done = blocklake(cli_env, "sql", f"SELECT id, name FROM {PEOPLE} ORDER BY id", "--format", "csv",
                     "--output", str(target))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == ["id", "name"] and rows[1] == ["1", "张1"] and len(rows) == 31
    printed = blocklake(cli_env, "sql", f"SELECT count(*) AS n FROM {PEOPLE}", "--format", "csv")
    assert printed.returncode == 0, printed.stderr
    assert list(csv.reader(io.StringIO(printed.stdout))) == [["n"], ["30"]]


def test_sql_writes_parquet(cli_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "people.parquet"
    target.write_bytes(b"an older export, replaced")
    done = blocklake(cli_env, "sql", f"SELECT * FROM {PEOPLE} WHERE id <= 10;", "--format", "parquet",
                     "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert duckdb.sql(f"SELECT count(*), min(name) FROM '{target}'").fetchall() == [(10, "张1")]
    assert blocklake(cli_env, "sql", "SELECT 1", "--format", "parquet").returncode == 2  # needs --output


def test_sql_still_reads_the_lake_ledger_but_nothing_outside_it(cli_env: dict[str, str], tmp_path: Path) -> None:
    ledger = blocklake(cli_env, "sql", "SELECT raw_table, outcome FROM lake.meta.loads")
    assert ledger.returncode == 0 and "delta__people" in ledger.stdout and "succeeded" in ledger.stdout
    for statement in ("SELECT * FROM read_csv('/etc/passwd')", f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'",
                      "SET threads = 1"):
        refused = blocklake(cli_env, "sql", statement)
        assert refused.returncode == 2 and refused.stderr.startswith("error:"), statement
    assert list(tmp_path.iterdir()) == []


def test_shell_runs_statements_from_stdin(cli_env: dict[str, str]) -> None:
    script = "\n".join([
        ".tables",
        "SELECT count(*) AS n",
        f"  FROM {PEOPLE};",
        "SELECT * FROM read_csv('/etc/passwd');",
        f"SELECT name FROM {PEOPLE} ORDER BY id LIMIT 2;",
        ".nonsense",
        ".quit",
        "SELECT 'never run';",
    ]) + "\n"
    done = blocklake(cli_env, "shell", stdin=script)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"{PEOPLE}  (id, name, sfzh)" in out
    assert "30" in out.splitlines()[out.splitlines().index("n") + 2]
    assert "error: Permission Error" in out and "张1" in out and "张2" in out
    assert "unknown command .nonsense" in out and "never run" not in out
    assert "blocklake>" not in out  # no prompts when stdin is not a terminal


# --- the published views script: what an analyst's own DuckDB needs (blocklake.published_script) ---------------


def analyst_connection(home: Path) -> duckdb.DuckDBPyConnection:
    """What the README tells an analyst to do in Python: a plain DuckDB, then the script."""
    con = duckdb.connect()
    con.execute((home / "published.sql").read_text(encoding="utf-8"))
    return con


def test_the_views_script_is_private_and_reads_the_published_table(cli_env: dict[str, str]) -> None:
    script = Path(cli_env["BLOCKLAKE_HOME"]) / "published.sql"
    assert script.stat().st_mode & 0o777 == 0o600  # it holds the lake's connection string
    with analyst_connection(script.parent) as con:
        assert con.execute(f"SELECT count(*), min(sfzh) FROM {PEOPLE}").fetchone() == (30, VALID_ID)
        assert [row[0] for row in con.execute(f"DESCRIBE {PEOPLE}").fetchall()] == ["id", "name", "sfzh"]


def test_the_views_script_cannot_write(cli_env: dict[str, str]) -> None:
    catalog = Path(cli_env["BLOCKLAKE_HOME"]) / "lake" / "catalog.sqlite"
    before = catalog.read_bytes()
    with analyst_connection(catalog.parent.parent) as con:
        for statement in (f"INSERT INTO {PEOPLE} (id) VALUES (99)",
                          f"INSERT INTO lake.{PEOPLE} (id) VALUES (99)",
                          f"DELETE FROM lake.{PEOPLE}",
                          "CREATE TABLE lake.raw.planted (a INTEGER)"):
            with pytest.raises(duckdb.Error, match=r"(?i)read[- ]only|is not an? table"):
                con.execute(statement)
    assert catalog.read_bytes() == before


def test_blocklake_views_rewrites_the_script_and_says_how_to_use_it(cli_env: dict[str, str]) -> None:
    script = Path(cli_env["BLOCKLAKE_HOME"]) / "published.sql"
    script.unlink()
    done = blocklake(cli_env, "views")
    assert done.returncode == 0, done.stderr
    assert f"duckdb -init {script}" in done.stdout and script.exists()


@pytest.fixture
def changing_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield from one_table_lake(tmp_path)


def test_the_views_move_only_when_a_new_version_is_published(changing_env: dict[str, str]) -> None:
    from blocklake import lake, published_script
    from quality.gate import gate_raw_table

    home = Path(changing_env["BLOCKLAKE_HOME"])
    source = Path(changing_env["BLOCKLAKE_CONN_DELTA_DB"].removeprefix("sqlite://"))
    sqlite_execute(source, "INSERT INTO people VALUES (?, ?, ?)", [(i, f"李{i}", VALID_ID) for i in range(31, 36)])
    load_table("delta", "people")  # written to the lake, not yet published
    with analyst_connection(home) as con:
        assert con.execute(f"SELECT count(*) FROM {PEOPLE}").fetchone() == (30,)
    gate_raw_table("delta", "people")
    with analyst_connection(home) as con:
        assert con.execute(f"SELECT count(*) FROM {PEOPLE}").fetchone() == (35,)
    # A gate that read the lake before another published must not put the older views back.
    script = home / "published.sql"
    script.write_text(script.read_text(encoding="utf-8").replace("-- lake snapshot: ", "-- lake snapshot: 9999"),
                      encoding="utf-8")
    newer = script.read_text(encoding="utf-8")
    con = lake.connect(get_settings(), read_only=True)
    try:
        published_script.refresh(con, get_settings())
    finally:
        con.close()
    assert script.read_text(encoding="utf-8") == newer
