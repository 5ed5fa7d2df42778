"""Open the DuckLake lake: one function that every writer, reader and test goes through.

The lake is attached as ``lake``; the catalog (SQLite or PostgreSQL) and data path (a folder or an
``s3://`` bucket on MinIO) come from :mod:`blocklake.settings`, so the same code serves a laptop
and a cluster.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from blocklake import extensions
from blocklake.errors import LakeError
from blocklake.settings import Settings, get_settings, private_folder
from blocklake.sql import literal

LAKE = "lake"
SCHEMAS = ("raw", "meta", "quality")


def connect(settings: Settings | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the lake attached as ``lake`` and its schemas present."""
    settings = settings or get_settings()
    private_folder(settings.home)
    con = new_duckdb(settings, *lake_extensions(settings))
    try:
        attach_lake(con, settings, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con


def attach_lake(con: duckdb.DuckDBPyConnection, settings: Settings, *, read_only: bool) -> None:
    """Attach the lake as ``lake`` to a DuckDB that has :func:`lake_extensions` loaded."""
    try:
        if settings.lake_on_s3:
            _create_s3_secret(con, settings)
        _attach(con, settings, read_only=read_only)
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {LAKE}.{schema}")
    except duckdb.Error as exc:
        raise LakeError(
            f"cannot open the lake (catalog {_redact(settings.lake_catalog_uri)}, data {settings.lake_data_uri}): "
            f"{exc}. Check BLOCKLAKE_LAKE_CATALOG / BLOCKLAKE_LAKE_DATA_PATH and the S3 settings."
        ) from exc


def new_duckdb(settings: Settings, *extension_names: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB configured the Blocklake way, with ``extension_names`` loaded.

    Every DuckDB we open goes through here: the lake connection and each extraction's private one.
    """
    con = duckdb.connect(config=duckdb_config(settings))
    con.execute("SET enable_progress_bar = false")  # we log our own progress; the bar would pollute task logs
    try:
        extensions.load(con, *extension_names)
    except BaseException:
        con.close()
        raise
    return con


def duckdb_config(settings: Settings) -> dict[str, str | bool | int]:
    temp_directory = settings.home / "tmp" / "duckdb"
    temp_directory.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | bool | int] = {
        # Never reach for the internet: extensions come from PyPI packages (blocklake.extensions).
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": settings.memory_limit,
        "temp_directory": str(temp_directory),
    }
    if settings.threads:
        config["threads"] = settings.threads
    return config


def lake_extensions(settings: Settings) -> list[str]:
    needed = ["ducklake"]
    catalog_kind = settings.lake_catalog_uri.split(":", 1)[0]
    if catalog_kind in ("sqlite", "postgres"):
        needed.append(catalog_kind)
    if settings.lake_on_s3:
        needed.append("httpfs")
    return needed


def _create_s3_secret(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    if not settings.s3_endpoint:
        raise LakeError("the lake data path is on s3:// but BLOCKLAKE_S3_ENDPOINT is empty; set it to host:port")
    con.execute(
        "CREATE OR REPLACE SECRET lake_s3 (TYPE s3, KEY_ID ?, SECRET ?, REGION ?, ENDPOINT ?, "
        "URL_STYLE 'path', USE_SSL ?)",
        [settings.s3_access_key, settings.s3_secret_key, settings.s3_region, settings.s3_endpoint,
         settings.s3_use_ssl],
    )


def _attach(con: duckdb.DuckDBPyConnection, settings: Settings, *, read_only: bool) -> None:
    catalog = settings.lake_catalog_uri
    if catalog.startswith("sqlite:"):
        Path(catalog.removeprefix("sqlite:")).parent.mkdir(parents=True, exist_ok=True)
    if not settings.lake_on_s3:
        Path(settings.lake_data_uri).mkdir(parents=True, exist_ok=True)
    options = f"DATA_PATH {literal(settings.lake_data_uri)}"
    if read_only:
        options += ", READ_ONLY"
    con.execute(f"ATTACH {literal('ducklake:' + catalog)} AS {LAKE} ({options})")


def _redact(dsn: str) -> str:
    """Hide a password in a libpq DSN before it reaches a message or a log."""
    return " ".join("password=***" if part.startswith("password=") else part for part in dsn.split(" "))


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()[0])
