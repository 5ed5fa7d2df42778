"""The Airflow environment Blocklake runs under: metadata, DAGs folder and login, all under ``var/``.

Airflow reads its configuration when first imported, so callers apply :func:`configure` before any
``import airflow``; subprocesses get the same variables through :func:`environment`.
"""

from __future__ import annotations

import os
from pathlib import Path

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
    }
    return {key: os.environ.get(key, value) for key, value in defaults.items()}


def configure(settings: Settings | None = None) -> dict[str, str]:
    """Apply :func:`environment` to this process (before Airflow is imported) and create its folders."""
    env = environment(settings)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return env


def uses_single_writer(settings: Settings) -> bool:
    """A SQLite-catalog lake takes one writer at a time; PostgreSQL catalogs handle concurrent commits."""
    return settings.lake_catalog_uri.startswith("sqlite:")
