"""Connections to the optional server targets, opened once per run."""

from __future__ import annotations

from types import TracebackType
from urllib.parse import unquote, urlsplit

import psycopg
import pymysql

from blocklake.errors import BlocklakeError


class DatabaseTargetError(BlocklakeError):
    """A PostgreSQL or MySQL target given for generation could not be reached."""


class DatabaseTargets:
    """Context manager holding the PostgreSQL and MySQL connections the DSNs ask for (if any)."""

    def __init__(self, postgres_dsn: str | None, mysql_dsn: str | None):
        self._postgres_dsn = postgres_dsn
        self._mysql_dsn = mysql_dsn
        self.postgres: psycopg.Connection | None = None
        self.mysql: pymysql.connections.Connection | None = None

    def __enter__(self) -> DatabaseTargets:
        if self._postgres_dsn:
            self.postgres = _connect_postgres(self._postgres_dsn)
        if self._mysql_dsn:
            self.mysql = _connect_mysql(self._mysql_dsn)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for connection in (self.postgres, self.mysql):
            if connection is not None:
                connection.close()


def _connect_postgres(dsn: str) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn)
    except psycopg.Error as exc:
        raise DatabaseTargetError(f"cannot connect to PostgreSQL at {_safe(dsn)}: {exc}") from exc


def _connect_mysql(dsn: str) -> pymysql.connections.Connection:
    parts = urlsplit(dsn)
    try:
        return pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            charset="utf8mb4",
            local_infile=True,
            autocommit=False,
        )
    except pymysql.Error as exc:
        raise DatabaseTargetError(f"cannot connect to MySQL at {_safe(dsn)}: {exc}") from exc


def _safe(dsn: str) -> str:
    """The DSN without its password, fit for messages and logs."""
    parts = urlsplit(dsn)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"
