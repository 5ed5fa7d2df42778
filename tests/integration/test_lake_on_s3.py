"""The production layout: DuckLake data in an S3 bucket (MinIO in production, moto on loopback here),
with the catalog in SQLite or in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from minio import Minio

from blocklake.settings import get_settings
from ingestion.runner import load_table
from orchestration.airflow_env import uses_single_writer
from tests.conftest import POSTGRES_DSN, S3Server, declare, query, sqlite_execute


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request: pytest.FixtureRequest, home: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:{home}/lake/catalog.sqlite"
        return
    database = f"blocklake_lake_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {database}")
    yield f"postgres:dbname={database} host=127.0.0.1 port=5432 user=postgres"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"DROP DATABASE {database} WITH (FORCE)")


def test_a_load_writes_parquet_into_the_bucket_and_reads_back(
        home: Path, tmp_path: Path, catalog: str, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    client = Minio(s3_server.endpoint, access_key=s3_server.access_key, secret_key=s3_server.secret_key,
                   secure=False)
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    client.make_bucket(bucket)
    for name, value in {"LAKE_CATALOG": catalog, "LAKE_DATA_PATH": f"s3://{bucket}/lake/",
                        "S3_ENDPOINT": s3_server.endpoint, "S3_ACCESS_KEY": s3_server.access_key,
                        "S3_SECRET_KEY": s3_server.secret_key}.items():
        monkeypatch.setenv(f"BLOCKLAKE_{name}", value)
    get_settings.cache_clear()
    settings = get_settings()  # 200 rows: above DuckLake's inlining limit (10), so Parquet goes to the bucket
    source = tmp_path / "grid.sqlite"
    sqlite_execute(source, "CREATE TABLE grid_cell (wgbm TEXT PRIMARY KEY, wgmc TEXT)")
    sqlite_execute(source, "INSERT INTO grid_cell VALUES (?, ?)",
                   [(f"440305001001{i:03d}", f"南头城社区第{i:02d}网格") for i in range(1, 201)])
    monkeypatch.setenv("BLOCKLAKE_CONN_GRID_DB", f"sqlite://{source}")
    declare(settings, "grid", {"id": "grid_db", "kind": "sqlite", "connection": "grid_db"},
            {"name": "grid_cell", "title": "网格", "object": "grid_cell", "primary_key": ["wgbm"]})

    assert load_table("grid", "grid_cell").rows_inserted == 200

    objects = [o.object_name for o in client.list_objects(bucket, prefix="lake/", recursive=True)]
    assert any(name.startswith("lake/raw/grid__grid_cell/") and name.endswith(".parquet") for name in objects)
    assert query(settings, "SELECT count(*), min(wgmc) FROM lake.raw.grid__grid_cell") == [(200, "南头城社区第01网格")]
    assert not (home / "lake" / "data").exists()
    # Only a SQLite catalog needs Airflow to serialise the writers.
    assert uses_single_writer(settings) == catalog.startswith("sqlite:")
