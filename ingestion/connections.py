"""Resolve a registry source to where it actually lives, without a password ever touching YAML.

A database source names a connection id. It resolves, in order, to:
1. ``BLOCKLAKE_CONN_<ID>`` — a URI such as ``postgresql://user@127.0.0.1:5432/db``;
2. ``AIRFLOW_CONN_<ID>`` or, inside an Airflow task, the Airflow connection of that id;
3. the embedded default: the synthetic district's ``<sources>/<department>.sqlite``.
File sources resolve to ``<sources>/<path>`` unless ``BLOCKLAKE_CONN_<ID>`` names another folder.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from blocklake.errors import ConfigError, SourceUnavailableError
from blocklake.registry import DATABASE_KINDS, Department, SourceSpec
from blocklake.settings import Settings

_SCHEMES = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


@dataclass(frozen=True)
class Location:
    """Where a source is: ``driver`` picks the extractor; ``label`` is safe to log (no secrets)."""

    driver: str  # postgres | mysql | sqlite | csv | excel | parquet
    target: str  # DSN, file or folder
    namespace: str | None
    label: str


def resolve(department: Department, source: SourceSpec, settings: Settings) -> Location:
    if source.kind in DATABASE_KINDS:
        return _resolve_database(department, source, settings)
    override = os.environ.get(_env_name(source.id))
    base = Path(override) if override else settings.sources_path / (source.path or "")
    return Location(driver=source.kind, target=str(base), namespace=None, label=f"{source.kind}:{base.name}")


def _resolve_database(department: Department, source: SourceSpec, settings: Settings) -> Location:
    conn_id = source.connection or source.id
    uri = os.environ.get(_env_name(conn_id)) or os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    uri = uri or _airflow_connection_uri(conn_id)
    if uri:
        return from_uri(uri, source.namespace, name=source.id)
    embedded = settings.sources_path / f"{department.code}.sqlite"
    if not embedded.exists():
        raise SourceUnavailableError(
            f"no connection for source '{source.id}' of {department.code}: set {_env_name(conn_id)}="
            f"<{source.kind} URI>, add Airflow connection '{conn_id}', or run `blocklake generate` "
            f"for the embedded district (expected {embedded})"
        )
    return Location("sqlite", str(embedded), None, f"sqlite:{embedded.name}")


def from_uri(uri: str, namespace: str | None, *, name: str) -> Location:
    """A database given as a URI (``postgresql://``, ``mysql://``, ``sqlite:///path``); ``namespace``: the
    PostgreSQL schema or the MySQL database; ``name`` names it in errors."""
    parts = urlsplit(uri)
    driver = _SCHEMES.get(parts.scheme.split("+")[0])
    if driver is None:
        raise ConfigError(f"connection for '{name}' has unsupported scheme '{parts.scheme}': use postgresql://, "
                          "mysql:// or sqlite:///<path>")
    if driver == "sqlite":
        path = unquote(parts.path)
        return Location("sqlite", path, None, f"sqlite:{Path(path).name}")
    label = f"{driver}://{parts.hostname}:{parts.port or ''}{parts.path}"
    if driver == "mysql":
        # A MySQL "database" is the department's namespace; the URI's path only names a default.
        return Location("mysql", _mysql_dsn(parts, namespace), namespace, label)
    return Location("postgres", uri, namespace, label)


def _mysql_dsn(parts, database: str | None) -> str:
    fields = {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 3306),
        "user": unquote(parts.username or "root"),
        "database": database or parts.path.lstrip("/"),
    }
    if parts.password:
        fields["passwd"] = unquote(parts.password)
    return " ".join(f"{key}={value}" for key, value in fields.items())


def _airflow_connection_uri(conn_id: str) -> str | None:
    """Inside an Airflow task, ask Airflow; elsewhere Airflow is not imported at all."""
    if "airflow.sdk.execution_time.task_runner" not in sys.modules:
        return None
    from airflow.exceptions import AirflowNotFoundException
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id).get_uri()
    except AirflowNotFoundException:
        return None


def _env_name(identifier: str) -> str:
    return f"BLOCKLAKE_CONN_{identifier.upper()}"
