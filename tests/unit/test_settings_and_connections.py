"""Settings from the environment, and how a registry source resolves to a location."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocklake.errors import ConfigError, SourceUnavailableError
from blocklake.registry import Department
from blocklake.settings import Settings, get_settings
from ingestion.connections import resolve

DEPARTMENT = Department.model_validate({
    "code": "police", "name": "公安", "uscc": "11440305523213232M",
    "sources": [{"id": "police_db", "kind": "mysql", "connection": "police_db", "namespace": "police"},
                {"id": "files", "kind": "csv", "path": "police"}],
    "tables": [{"name": "resident", "title": "实有人口", "source": "police_db", "object": "resident",
                "primary_key": ["rkbh"], "update_cycle": "实时",
                "directory": {"classification": "1.01.001", "share_type": "有条件共享", "share_conditions": "履职"}}],
})


def test_a_bad_setting_says_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_LAKE_CATALOG", "oracle:whatever")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="BLOCKLAKE_LAKE_CATALOG: Value error, must start with 'sqlite:'"):
        get_settings()
    get_settings.cache_clear()


def test_a_relative_home_is_made_absolute_so_the_lake_opens_from_any_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(home=Path("var/run"))
    assert settings.home == tmp_path / "var" / "run"
    assert settings.lake_data_uri == f"{tmp_path}/var/run/lake/data/"


def test_embedded_default_is_the_departments_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "police.sqlite").touch()
    location = resolve(DEPARTMENT, DEPARTMENT.source("police_db"), settings)
    assert (location.driver, Path(location.target).name) == ("sqlite", "police.sqlite")


def test_a_missing_connection_says_how_to_configure_it(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match="set BLOCKLAKE_CONN_POLICE_DB=<mysql URI>"):
        resolve(DEPARTMENT, DEPARTMENT.source("police_db"), Settings(home=tmp_path))


def test_a_mysql_uri_becomes_a_dsn_for_the_departments_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKLAKE_CONN_POLICE_DB", "mysql://reader:p%40ss@127.0.0.1:3307/ignored")
    location = resolve(DEPARTMENT, DEPARTMENT.source("police_db"), Settings(home=tmp_path))
    assert location.target == "host=127.0.0.1 port=3307 user=reader database=police passwd=p@ss"
    assert "p@ss" not in location.label and location.label == "mysql://127.0.0.1:3307/ignored"


def test_airflow_style_connection_variables_are_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_POLICE_DB", f"sqlite://{tmp_path}/elsewhere.sqlite")
    location = resolve(DEPARTMENT, DEPARTMENT.source("police_db"), Settings(home=tmp_path))
    assert location.target == f"{tmp_path}/elsewhere.sqlite"


def test_file_sources_live_under_the_sources_folder(tmp_path: Path) -> None:
    location = resolve(DEPARTMENT, DEPARTMENT.source("files"), Settings(home=tmp_path))
    assert location.target == str(tmp_path / "sources" / "police")
