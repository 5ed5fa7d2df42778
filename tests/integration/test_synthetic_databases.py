"""The synthetic district loaded into the real PostgreSQL and MariaDB servers matches its SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest

from synthetic import GenerateConfig, GenerateReport, generate
from synthetic.departments import DEPARTMENTS
from synthetic.schema import Department, TableSpec
from tests.conftest import MYSQL_DSN, POSTGRES_DSN, require_service

pytestmark = [pytest.mark.postgres, pytest.mark.mysql]


def _mysql_connect() -> pymysql.connections.Connection:
    parts = urlsplit(MYSQL_DSN)
    return pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> GenerateReport:
    require_service(
        f"PostgreSQL at {POSTGRES_DSN} (BLOCKLAKE_TEST_POSTGRES_DSN)", lambda: psycopg.connect(POSTGRES_DSN)
    )
    require_service(f"MariaDB/MySQL at {MYSQL_DSN} (BLOCKLAKE_TEST_MYSQL_DSN)", _mysql_connect)
    config = GenerateConfig(
        out_dir=tmp_path_factory.mktemp("district"),
        scale="tiny",
        seed=7,
        postgres_dsn=POSTGRES_DSN,
        mysql_dsn=MYSQL_DSN,
    )
    return generate(config)


def _tables(kind: str) -> list[tuple[Department, TableSpec]]:
    return [(d, t) for d in DEPARTMENTS if d.kind == kind for t in d.tables]


def _sqlite_keys(out_dir: Path, department: Department, spec: TableSpec) -> set[tuple[str, ...]]:
    columns = ", ".join(f'"{k}"' for k in spec.key)
    with sqlite3.connect(out_dir / f"{department.code}.sqlite") as db:
        return {tuple(str(v) for v in row) for row in db.execute(f'SELECT {columns} FROM "{spec.name}"')}


@pytest.mark.parametrize(("department", "spec"), _tables("postgres"), ids=lambda x: getattr(x, "name", ""))
def test_postgres_tables_match_sqlite(
    loaded: GenerateReport, department: Department, spec: TableSpec
) -> None:
    expected = _sqlite_keys(loaded.out_dir, department, spec)
    with psycopg.connect(POSTGRES_DSN) as db:
        columns = ", ".join(f'"{k}"' for k in spec.key)
        rows = db.execute(f'SELECT {columns} FROM "{department.code}"."{spec.name}"').fetchall()
        key = db.execute(
            """SELECT kcu.column_name FROM information_schema.table_constraints tc
               JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
               WHERE tc.table_schema = %s AND tc.table_name = %s AND tc.constraint_type = 'PRIMARY KEY'
               ORDER BY kcu.ordinal_position""",
            (department.code, spec.name),
        ).fetchall()
        types = dict(
            db.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s",
                (department.code, spec.name),
            ).fetchall()
        )
    assert len(rows) == len(expected) > 0
    assert {tuple(str(v) for v in row) for row in rows} == expected
    assert tuple(name for (name,) in key) == spec.key
    for column in spec.columns:
        if column.kind == "timestamp":
            assert types[column.name] == "timestamp without time zone"
        if column.kind == "decimal":
            assert types[column.name] == "numeric"


@pytest.mark.parametrize(("department", "spec"), _tables("mysql"), ids=lambda x: getattr(x, "name", ""))
def test_mysql_tables_match_sqlite(loaded: GenerateReport, department: Department, spec: TableSpec) -> None:
    expected = _sqlite_keys(loaded.out_dir, department, spec)
    db = _mysql_connect()
    try:
        with db.cursor() as cursor:
            columns = ", ".join(f"`{k}`" for k in spec.key)
            cursor.execute(f"SELECT {columns} FROM `{department.code}`.`{spec.name}`")
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT column_name FROM information_schema.key_column_usage WHERE table_schema = %s "
                "AND table_name = %s AND constraint_name = 'PRIMARY' ORDER BY ordinal_position",
                (department.code, spec.name),
            )
            key = cursor.fetchall()
            cursor.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s",
                (department.code, spec.name),
            )
            types = dict(cursor.fetchall())
    finally:
        db.close()
    assert len(rows) == len(expected) > 0
    assert {tuple(str(v) for v in row) for row in rows} == expected
    assert tuple(name for (name,) in key) == spec.key
    for column in spec.columns:
        if column.kind == "timestamp":
            assert types[column.name] == "datetime"


def test_null_and_empty_text_survive_the_load(loaded: GenerateReport) -> None:
    """aae031 is '' for people still insured, which must not turn into NULL (nor NULL into '')."""
    with sqlite3.connect(loaded.out_dir / "hrss.sqlite") as lite:
        empty = lite.execute("SELECT count(*) FROM social_insurance WHERE aae031 = ''").fetchone()[0]
    db = _mysql_connect()
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*), count(aae031) FROM hrss.social_insurance WHERE aae031 = ''")
            assert cursor.fetchone() == (empty, empty)
            cursor.execute("SELECT count(*) FROM police.resident WHERE lxdh IS NULL")
            assert cursor.fetchone()[0] > 0
    finally:
        db.close()
    open_tickets = "SELECT count(*) FROM hotline_ticket WHERE closed_at IS NULL"
    with sqlite3.connect(loaded.out_dir / "hotline.sqlite") as lite:
        expected = lite.execute(open_tickets).fetchone()[0]
    with psycopg.connect(POSTGRES_DSN) as pg:
        assert pg.execute(open_tickets.replace("FROM ", "FROM hotline.")).fetchone()[0] == expected > 0
