"""All Blocklake settings in one place: ``BLOCKLAKE_*`` environment variables over defaults.

The embedded default needs no settings at all: a local lake under ``var/lake`` with a SQLite
catalog and the synthetic district's sources under ``var/sources``. Production points the lake
catalog at PostgreSQL and its data at a MinIO bucket::

    BLOCKLAKE_LAKE_CATALOG=postgres:dbname=lake host=127.0.0.1
    BLOCKLAKE_LAKE_DATA_PATH=s3://blocklake/lake/
    BLOCKLAKE_S3_ENDPOINT=127.0.0.1:9000
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from blocklake.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
Scale = Literal["tiny", "demo", "district", "city"]


class Settings(BaseSettings):
    """Typed settings, validated when loaded; see the module docstring for examples."""

    model_config = SettingsConfigDict(env_prefix="BLOCKLAKE_", extra="ignore")

    home: Path = Field(PROJECT_ROOT / "var", description="Root folder of all runtime state.")
    lake_catalog: str = Field("", description="DuckLake catalog: 'sqlite:<path>' or 'postgres:<libpq dsn>'.")
    lake_data_path: str = Field("", description="Where DuckLake writes Parquet: a folder or s3://bucket/prefix/.")
    s3_endpoint: str = Field("", description="host:port of the MinIO/S3 endpoint, empty for local disk.")
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    s3_use_ssl: bool = False
    sources_dir: Path | None = Field(None, description="Where the embedded source systems live.")
    dbt_project_dir: Path | None = Field(None, description="The dbt project (empty: the repository's dbt_project/). "
                                         "`blocklake dbt-sources` writes its generated files there.")
    registry_dir: Path = Field(PROJECT_ROOT / "ingestion" / "registry", description="Source registry YAML.")
    reference_dir: Path = Field(PROJECT_ROOT.parent / "shared" / "reference",
                                description="Shared reference data (labelled real addresses) used by tests and bench.")
    scale: Scale = "demo"
    seed: int = 440305
    batch_rows: int = Field(122_880, ge=1_024, description="Rows per Arrow record batch when extracting.")
    memory_limit: str = Field("4GB", description="DuckDB memory_limit for lake writers.")
    dbt_memory_limit: str = Field("8GB", description="DuckDB memory_limit for the dbt build, which runs alone: "
                                  "the person model's grouping needed 6 GB at city scale and does not spill.")
    threads: int = Field(0, ge=0, description="DuckDB threads; 0 lets DuckDB decide.")
    csv_max_line_bytes: int = Field(1 << 20, ge=1_024, description="Longest CSV line a load accepts; a longer "
                                    "one (a pasted blob, or a file without line ends) refuses the file.")
    excel_max_unzipped_bytes: int = Field(256 << 20, ge=1 << 20, description="Most bytes of XML a workbook may "
                                          "unzip to (zip bombs; a workbook's memory is a few times this).")
    excel_max_cells: int = Field(10_000_000, ge=1, description="Most cells (rows x columns of the used range) "
                                 "a sheet may span: the Excel reader holds them all, 32 bytes each.")
    connect_retries: int = Field(3, ge=0)
    connect_backoff_s: float = Field(1.0, ge=0)
    as_of: date | None = Field(None, description="The pipeline's today: ages, deadlines and freshness (empty: today).")
    gate_quarantine_rows: int = Field(10_000, ge=0, description="Most rows a failed check copies to quarantine.")
    catalog_db: str = Field("", description="Catalog store, a SQLAlchemy URL (empty: SQLite under home/catalog).")
    catalog_port: int = Field(8765, ge=1, le=65535, description="Where `make run` serves the catalog (127.0.0.1).")
    catalog_workers: int = Field(2, ge=1, le=64, description="Catalog API worker processes.")
    tables_per_task: int = Field(20, ge=1, le=500, description="Tables one ingest task loads and gates (small "
                                 "tables share a task and its lake connection).")
    build_quiet_s: float = Field(60, ge=0, description="A scheduled base-layer build starts once no raw table has "
                                 "been published for this long (publications coalesce into one build).")
    build_max_wait_s: float = Field(900, ge=0, description="…or at the latest this long after the oldest "
                                    "publication no build has covered, so a steady trickle still builds.")
    gate_workers: int = Field(2, ge=1, le=16, description="Tables the gate validates at once (threads).")
    gate_change_audit_min_rows: int = Field(1_000_000, ge=0, description="A republished table of at least this "
                                            "many rows is audited by its change (quality.delta); a smaller one "
                                            "whole: GX's cost per validation outweighs scanning it.")
    gate_copy_max_rows: int = Field(200_000, ge=0, description="A table of at most this many rows is copied into "
                                    "the gate's DuckDB before GX validates it: GX asks a table once per metric, "
                                    "and each question to the lake pays for reading its catalog.")
    gate_examples: int = Field(5, ge=0, le=50, description="Failing values each check reports.")
    sql_timeout_s: float = Field(10, gt=0, description="Longest an analyst's SQL query may run (POST /api/sql).")
    sql_max_rows: int = Field(10_000, ge=1, description="Most rows an analyst's SQL query returns (POST /api/sql).")
    sql_max_response_bytes: int = Field(16 << 20, ge=1 << 10, description="Most bytes of values one answer of "
                                        "POST /api/sql carries; a larger result is refused, not cut.")
    sql_memory_limit: str = Field("512MB", description="DuckDB memory_limit of each POST /api/sql query.")
    sql_threads: int = Field(1, ge=1, le=64, description="DuckDB threads of each POST /api/sql query: queries of "
                             "several departments share the cores instead of one taking them all.")
    sql_queries_per_department: int = Field(1, ge=1, le=16, description="POST /api/sql queries one department "
                                            "may run at once (per catalog worker); more are answered 429.")
    export_root: Path | None = Field(None, description="Folder of delivered bundles (empty: home/exports).")
    export_target: str = Field("", description="Empty: folders under export_root; s3://bucket/prefix/ delivers "
                               "to a bucket, whose name may hold {consumer} (one bucket per consumer).")
    export_secret: SecretStr = Field(SecretStr(""), description="Key of the pseudonyms (HMAC) in exports; "
                                     "empty: a random key kept in home/secrets/export-hmac.key.")
    export_inline_rows: int = Field(10_000, ge=0, description="Up to this many rows the SQL files carry "
                                    "INSERTs; above it, a CSV beside them with COPY / LOAD DATA.")
    openlineage_transport: Literal["file", "console", "http", "off"] = Field(
        "file", description="Where the Airflow tasks' OpenLineage events go: JSON lines under home/lineage, "
        "the task log, or openlineage_url (Marquez, DataHub); a set openlineage_url alone means http.")
    openlineage_url: str = Field("", description="Base URL of an OpenLineage HTTP endpoint, e.g. "
                                 "http://127.0.0.1:5000 for Marquez (events are POSTed to its /api/v1/lineage).")
    openlineage_endpoint: str = Field("api/v1/lineage", description="Path of the endpoint under openlineage_url "
                                      "(DataHub: openapi/openlineage/api/v1/lineage).")
    openlineage_api_key: SecretStr = Field(SecretStr(""), description="Bearer token of the endpoint, if any.")
    openlineage_namespace: str = Field("blocklake", description="OpenLineage namespace of the jobs; the lake's "
                                       "tables are datasets in ducklake://<namespace>.")

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        # DuckLake records the data path when a lake is created and refuses any other spelling of it later:
        # a relative BLOCKLAKE_HOME would tie the lake to the folder it was first opened from.
        return value.expanduser().absolute()

    @field_validator("lake_catalog")
    @classmethod
    def _known_catalog(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:", "postgres:", "duckdb:")):
            raise ValueError("must start with 'sqlite:', 'postgres:' or 'duckdb:'")
        return value

    @property
    def today(self) -> date:
        return self.as_of or date.today()

    @property
    def lake_catalog_uri(self) -> str:
        return self.lake_catalog or f"sqlite:{self.home / 'lake' / 'catalog.sqlite'}"

    @property
    def lake_data_uri(self) -> str:
        return self.lake_data_path or f"{self.home / 'lake' / 'data'}/"

    @property
    def lake_on_s3(self) -> bool:
        return self.lake_data_uri.startswith("s3://")

    @property
    def exports_path(self) -> Path:
        return self.export_root or self.home / "exports"

    @property
    def sources_path(self) -> Path:
        return self.sources_dir or self.home / "sources"

    @property
    def dbt_project_path(self) -> Path:
        return (self.dbt_project_dir or PROJECT_ROOT / "dbt_project").resolve()

    @property
    def dbt_work_path(self) -> Path:
        """dbt's own folder for this lake: its target, logs and spill files."""
        return (self.home / "dbt").resolve()

    @property
    def lineage_path(self) -> Path:
        """Lineage the pipeline writes: OpenLineage events (file transport) and the models' column lineage."""
        return self.home / "lineage"

    @property
    def lineage_transport(self) -> str:
        """The transport in force: an OpenLineage URL asks for http unless a transport was chosen."""
        chosen = "openlineage_transport" in self.model_fields_set
        return "http" if self.openlineage_url and not chosen else self.openlineage_transport

    @property
    def dbt_target_path(self) -> Path:
        """Where dbt writes manifest.json and run_results.json, which the gate and the catalog read."""
        return self.dbt_work_path / "target"


def private_folder(path: Path) -> Path:
    """``path`` created if missing and readable by this user alone (0700): the lake holds unmasked data,
    and the exports and the catalog what departments were given; the folder's mode guards all below it."""
    path.mkdir(parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; ``get_settings.cache_clear()`` re-reads the environment."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"BLOCKLAKE_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from None
