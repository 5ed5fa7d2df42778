"""The Airflow environment Blocklake runs under: metadata, DAGs folder and login, all under ``var/``.

Airflow reads its configuration when first imported, so callers apply :func:`configure` before any
``import airflow``; subprocesses get the same variables through :func:`environment`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from blocklake.errors import ConfigError
from blocklake.settings import PROJECT_ROOT, Settings, get_settings

DAGS_FOLDER = PROJECT_ROOT / "dags"
ADMIN_USER = "admin"
LAKE_WRITER_POOL = "lake_writer"


def airflow_home(settings: Settings) -> Path:
    return (settings.home / "airflow").resolve()


def environment(settings: Settings | None = None) -> dict[str, str]:
    """AIRFLOW__* variables for the embedded deployment; values already set in the environment win."""
    settings = settings or get_settings()
    home = airflow_home(settings)
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        # Airflow's default (32) keeps 32 idle task workers; SQLite-catalog loads run one at a time anyway.
        "AIRFLOW__CORE__PARALLELISM": "4",
        "BLOCKLAKE_HOME": str(settings.home.resolve()),
        **openlineage_environment(settings),
    }
    return {key: os.environ.get(key, value) for key, value in defaults.items()}


def openlineage_environment(settings: Settings) -> dict[str, str]:
    """The OpenLineage provider's configuration: its transport from the settings, our namespace, and the
    extractor through which the lake tasks report the tables they touched (``orchestration.lineage``)."""
    if settings.lineage_transport == "off":
        return {"AIRFLOW__OPENLINEAGE__DISABLED": "True"}
    return {"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(openlineage_transport(settings)),
            "AIRFLOW__OPENLINEAGE__NAMESPACE": settings.openlineage_namespace,
            "AIRFLOW__OPENLINEAGE__EXTRACTORS": "orchestration.lineage.LakeTaskExtractor"}


def openlineage_transport(settings: Settings) -> dict[str, object]:
    """The openlineage-python client's transport configuration for ``settings.lineage_transport``."""
    match settings.lineage_transport:
        case "console":
            return {"type": "console"}
        case "http":
            if not settings.openlineage_url:
                raise ConfigError("BLOCKLAKE_OPENLINEAGE_TRANSPORT=http needs BLOCKLAKE_OPENLINEAGE_URL "
                                  "(e.g. http://127.0.0.1:5000 for Marquez)")
            token = settings.openlineage_api_key.get_secret_value()
            return {"type": "http", "url": settings.openlineage_url, "endpoint": settings.openlineage_endpoint,
                    **({"auth": {"type": "api_key", "apiKey": token}} if token else {})}
        case _:
            folder = settings.lineage_path
            folder.mkdir(parents=True, exist_ok=True)
            # One JSON document a line; each event is written with one small append, so tasks running at once
            # do not interleave.
            return {"type": "file", "log_file_path": str(events_file(settings)), "append": True}


def events_file(settings: Settings) -> Path:
    """Where the file transport writes the OpenLineage events, one JSON document a line."""
    return settings.lineage_path / "openlineage.jsonl"


def configure(settings: Settings | None = None) -> dict[str, str]:
    """Apply :func:`environment` to this process (before Airflow is imported) and create its folders."""
    env = environment(settings)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return env


def uses_single_writer(settings: Settings) -> bool:
    """A SQLite-catalog lake takes one writer at a time; PostgreSQL catalogs handle concurrent commits."""
    return settings.lake_catalog_uri.startswith("sqlite:")
